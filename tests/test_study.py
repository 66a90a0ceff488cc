"""A study from corpus to figures on the shared State Council and city reports, through the commands:
a spline effects config whose themes separate in early years, subsets of documents (--where, [inference]
where), groups of years (--bins), and shares of groups too small to estimate."""

from __future__ import annotations

import csv
import json
import shutil

import numpy as np
import pandas as pd
import pytest

from test_estimates import hand_coded_state_council
from test_runner import small_models, write_config
from topics.cli import main

# State Council reports of the 1950s–80s and a few recent ones: ecology is 0 in several early reports
YEARS = (1954, 1956, 1957, 1959, 1964, 1978, 1979, 1981, 1982, 1983, 1984, 1986, 1988, 2018, 2022)
SPLINE = "~ bs(year, df=4)"


@pytest.fixture(scope="module")
def national_run(tmp_path_factory, shared_corpora):
    """A run of the dictionary and the supervised classifier (trained on the hand-coded paragraphs) over
    State Council reports with a MANIFEST of year and edition, its config asking for spline effects."""
    folder = tmp_path_factory.mktemp("study")
    corpus = folder / "corpus"
    corpus.mkdir()
    lines = ["file\tyear\tregion\tedition"]
    for year in YEARS:
        shutil.copy(shared_corpora / "national_gwr_hprc" / f"{year}.txt", corpus / f"{year}.txt")
        lines.append(f"{year}.txt\t{year}\t国务院\t{'hprc' if year < 2000 else 'recent'}")
    (corpus / "MANIFEST.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    gold = folder / "gold.tsv"
    with gold.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(["doc", "unit", "label", "heading", "text"])
        for unit, label in hand_coded_state_council(shared_corpora):
            writer.writerow([unit.doc_id, unit.unit_id.split(":")[-1], label, "", " ".join(unit.text.split())])
    config = write_config(folder, corpus, models=small_models("dictionary", "supervised"), seeds=(1,))
    text = config.read_text(encoding="utf-8").replace("[evaluation]\n", f"[evaluation]\ntraining = [{json.dumps(str(gold))}]\n")
    config.write_text(text + f'\n[effects]\nformula = "{SPLINE}"\ndraws = 50\n', encoding="utf-8")
    return config, folder / "run"


@pytest.mark.corpora
def test_a_spline_that_separates_a_theme_finishes_with_one_line_and_editing_effects_resumes(national_run, capsys):
    config, run_dir = national_run
    assert main(["run", str(config), "-o", str(run_dir), "--no-progress"]) == 0
    assert (run_dir / "DONE").is_file()
    err = capsys.readouterr().err
    warned = [line for line in err.splitlines() if "no effect estimated for" in line]
    diverged = [line for line in warned if "bs(year, df=4) separates from the rest, so the fit diverges" in line]
    assert diverged and all(line in diverged or "in every document" in line for line in warned)
    table = pd.read_csv(run_dir / "effects.csv")
    assert table["estimate"].notna().all() and table["theme"].nunique() >= 2
    # the command on the supervised model alone: the same line for its separated themes, estimates for the rest
    assert main(["effects", str(run_dir), "--formula", SPLINE, "--model", "supervised", "--draws", "30",
                 "--no-progress", "-o", str(run_dir / "mine.csv")]) == 0
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "supervised" in out
    assert pd.read_csv(run_dir / "mine.csv")["model"].eq("supervised").all()
    # only the inference stages changed: the run resumes (no refit) and writes the new tables
    fitted = {p: p.stat().st_mtime_ns for p in (run_dir / "fits").rglob("units.npz")}
    config.write_text(config.read_text(encoding="utf-8").replace(f'formula = "{SPLINE}"', 'formula = "~ year"')
                      + "\n[inference]\ndraws = 200\n", encoding="utf-8")
    assert main(["run", str(config), "-o", str(run_dir), "--no-progress"]) == 0
    assert {p: p.stat().st_mtime_ns for p in (run_dir / "fits").rglob("units.npz")} == fitted
    assert pd.read_csv(run_dir / "effects.csv")["formula"].eq("~ year").all()


@pytest.fixture(scope="module")
def finished_run(national_run):
    config, run_dir = national_run
    if not (run_dir / "DONE").is_file():
        assert main(["run", str(config), "-o", str(run_dir), "--no-progress"]) == 0
    return run_dir


@pytest.mark.corpora
def test_no_share_has_a_zero_width_interval_and_thin_groups_are_flagged(finished_run, tmp_path, capsys):
    capsys.readouterr()
    for by in ([], ["edition"], ["year"]):
        out = tmp_path / f"shares_{'_'.join(by) or 'doc'}.csv"
        assert main(["shares", str(finished_run), *(["--by", *by] if by else []), "--draws", "200", "-o", str(out)]) == 0
        table = pd.read_csv(out)
        assert (table["ci_high"] > table["ci_low"]).all()
        assert ((table["ci_low"] <= table["share"]) & (table["share"] <= table["ci_high"])).all()
        err = capsys.readouterr().err
        if not by:
            assert not table["few_documents"].any() and "fewer than" not in err
            # a theme no unit of a report has: an interval over its units, not [0, 0]
            zero = table[table["share"] == 0]
            assert len(zero) and (zero["ci_low"] == 0).all() and (zero["ci_high"] < 0.05).all()
        elif by == ["edition"]:  # 13 reports of hprc, 2 recent ones
            few = table.drop_duplicates(["model", "edition"]).set_index(["model", "edition"])["few_documents"]
            assert not few.xs("hprc", level="edition").any() and few.xs("recent", level="edition").all()
            warned = [line for line in err.splitlines() if "fewer than 5 documents" in line]
            assert len(warned) == 1 and "1 of the 2 groups" in warned[0] and "recent" in warned[0]
            zero = table[(table["share"] == 0) & (table["edition"] == "hprc")]
            if len(zero):  # a share of 0 in 13 documents reaches z²/(13 + z²)
                assert np.allclose(zero["ci_high"], 1.959964 ** 2 / (13 + 1.959964 ** 2), atol=1e-4)
        else:  # one report a year: every year is thin, said once
            assert table["few_documents"].all() and err.count("fewer than 5 documents") == 1
    assert main(["shares", str(finished_run), "--by", "edition", "--min-documents", "1", "-o",
                 str(tmp_path / "all.csv")]) == 0
    assert not pd.read_csv(tmp_path / "all.csv")["few_documents"].any() and "fewer than" not in capsys.readouterr().err
