"""Coded units a label-learning model learns from beyond the run's own ([evaluation] training): units of other
corpora (or of another cut of this one) are learnt from their text, units of the run get their label by id and
text check, and a label with too few coded units is warned about — in the fit's warnings and in the report,
beside the model's shares."""

from __future__ import annotations

import json
import sys

import pandas as pd
import pytest

from conftest import PROJECT
from test_evaluate import HAND_LABELS, HEADER, gold_lines
from test_runner import small_models, write_config
from topics.ingest.structure import LONGEST_PART
from topics.cli import main
from topics.errors import InputError
from topics.run_files import FIT_WARNINGS, fit_folder
from topics.running import run_experiment

SUPERVISED = small_models("supervised")


def halves(sample_path, labels: dict[str, str]) -> list[str]:
    """The coded units as another cut of the report would hold them: each unit's first half, under an id of
    another corpus — no unit of the run has these ids or texts."""
    lines = []
    for line in gold_lines(sample_path, labels):
        doc, unit, label, heading, text = line.rstrip("\n").split("\t")
        lines.append(f"另一语料/{doc}\t{unit}\t{label}\t{heading}\t{text[:len(text) // 2]}\n")
    return lines


def configured(folder, sample_path, training: list, *, labels: str = "weak", report: bool = False):
    config = write_config(folder, sample_path, models=SUPERVISED, seeds=(1,), report=report)
    table = f"[evaluation]\nlabels = {json.dumps(labels)}\ntraining = {json.dumps([str(p) for p in training])}\n"
    config.write_text(config.read_text(encoding="utf-8").replace("[evaluation]\n", table), encoding="utf-8")
    return config


@pytest.fixture(scope="module")
def gold_files(tmp_path_factory, sample_path):
    folder = tmp_path_factory.mktemp("gold")
    own, other = folder / "own.tsv", folder / "other.tsv"
    own.write_text(HEADER + "".join(gold_lines(sample_path, HAND_LABELS)), encoding="utf-8")
    other.write_text(HEADER + "".join(halves(sample_path, HAND_LABELS)), encoding="utf-8")
    return own, other


def test_a_run_without_coded_units_of_its_own_learns_from_another_corpus(gold_files, sample_path, tmp_path):
    _, other = gold_files
    run = run_experiment(configured(tmp_path, sample_path, [other]), tmp_path / "run")  # weak labels: no refusal
    summary = json.loads((run / "corpus_summary.json").read_text(encoding="utf-8"))
    assert summary["units_coded_outside_corpus"] == len(HAND_LABELS) and summary["units_coded_for_training"] == 0
    # learnt from the halves alone, it gives most of the whole units the label their coder gave them
    assigned = pd.read_csv(run / "assignments.csv", keep_default_na=False).set_index("unit_id")["theme"]
    right = sum(assigned[unit] == label for unit, label in HAND_LABELS.items())
    assert right >= 10, assigned[list(HAND_LABELS)].tolist()


def test_a_coded_unit_without_a_vocabulary_word_is_counted_and_warned_about(gold_files, sample_path, tmp_path,
                                                                          capsys):
    _, other = gold_files
    wordless = tmp_path / "wordless.tsv"  # Latin letters and numbers only: filtering leaves no token
    wordless.write_text(other.read_text(encoding="utf-8") + "另一语料/附件\tu001\tindustry\t\tGDP 2024 OK\n",
                        encoding="utf-8")
    run = run_experiment(configured(tmp_path, sample_path, [wordless]), tmp_path / "run")
    summary = json.loads((run / "corpus_summary.json").read_text(encoding="utf-8"))
    assert summary["units_coded_outside_corpus"] == len(HAND_LABELS) + 1
    assert summary["units_coded_without_vocabulary_word"] == 1
    assert "warning: 1 coded unit(s) not fitted on have no word of the vocabulary" in capsys.readouterr().err


def test_coded_units_of_the_run_and_of_other_corpora_are_counted_together(gold_files, sample_path, tmp_path):
    own, other = gold_files
    run = run_experiment(configured(tmp_path, sample_path, [own, other]), tmp_path / "run")
    summary = json.loads((run / "corpus_summary.json").read_text(encoding="utf-8"))
    assert summary["units_coded_for_training"] == summary["units_coded_outside_corpus"] == len(HAND_LABELS)
    warnings = (fit_folder(run, "supervised", 6, 1) / FIT_WARNINGS).read_text(encoding="utf-8")
    # each label's units of the run and of the other corpus: e.g. ecology 2 + 2
    counts = pd.Series(HAND_LABELS).value_counts() * 2
    thin = ", ".join(f"{label} ({counts[label]})" for label in ["ecology", "industry", "livelihood", "governance",
                                                                "safety", "other"])
    assert f"supervised: few coded units to learn from for {thin} (under 20 each)" in warnings


def test_the_report_shows_the_warning_beside_the_models_shares(gold_files, sample_path, tmp_path):
    own, _ = gold_files
    run = run_experiment(configured(tmp_path, sample_path, [own], report=True), tmp_path / "run")
    report = (run / "report.html").read_text(encoding="utf-8")
    warning = "Warning from its fit: supervised: few coded units to learn from for ecology (2)"
    # beside the assigned themes and the shares per document
    assert report.count(warning) >= 2
    for section in ("assignment", "documents"):
        body = report.split(f'<section id="{section}">')[1].split("</section>")[0]
        assert warning in body


def test_a_unit_coded_twice_with_two_labels_is_an_error_naming_the_file(gold_files, sample_path, tmp_path, capsys):
    own, _ = gold_files
    relabelled = tmp_path / "relabelled.tsv"
    relabelled.write_text(own.read_text(encoding="utf-8").replace("\tecology\t", "\tindustry\t", 1), encoding="utf-8")
    config = configured(tmp_path, sample_path, [relabelled], labels=str(own))
    assert main(["run", str(config), "-o", str(tmp_path / "run"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"{relabelled}: labels unit xining_chengxi_2024#1:u002 'industry'; an earlier gold file labels it 'ecology'" in err


def test_a_unit_of_another_corpus_needs_its_text(sample_path, tmp_path):
    hashed = tmp_path / "hashed.tsv"
    hashed.write_text("doc\tunit\tlabel\theading\ttext\ttext_sha1\nb\tu001\tsafety\t\t\t0123456789ab\n", encoding="utf-8")
    with pytest.raises(InputError, match=rf"^{hashed}:2: no text, only its text_sha1, and no unit of the corpus has it"):
        run_experiment(configured(tmp_path, sample_path, [hashed]), tmp_path / "run")


# ---- the project's own codes, on the real reports ---------------------------------------------------


@pytest.fixture(scope="module")
def pooled_gold(shared_corpora, tmp_path_factory):
    """Every coded set of experiments/ as GOLD.tsv files, and all of them as gold_all.tsv."""
    sys.path.insert(0, str(PROJECT / "experiments"))
    try:
        from handcoded_check import write_every_gold
    finally:
        sys.path.pop(0)
    return {path.stem: path for path in write_every_gold(tmp_path_factory.mktemp("gold"))}


def real_config(folder, paths, models: str, evaluation: str):
    folder.mkdir(parents=True, exist_ok=True)
    config = write_config(folder, paths[0], models=models, seeds=(1,))
    text = config.read_text(encoding="utf-8")
    text = text.replace(f"paths = [{json.dumps(str(paths[0]), ensure_ascii=False)}]",
                        f"paths = {json.dumps([str(p) for p in paths], ensure_ascii=False)}")
    text = text.replace("[corpus]\n", f"[corpus]\nmax_unit_chars = {LONGEST_PART}\n")  # units as they were coded
    config.write_text(text.replace("[evaluation]\n", f"[evaluation]\n{evaluation}\n"), encoding="utf-8")
    return config


@pytest.mark.corpora
def test_a_run_of_another_corpus_learns_from_every_coded_unit(sample_path, pooled_gold, tmp_path):
    config = configured(tmp_path, sample_path, [pooled_gold["gold_all"]])
    summary = json.loads((run_experiment(config, tmp_path / "run") / "corpus_summary.json").read_text(encoding="utf-8"))
    # the 1959 report holds paragraphs twice, some coded at both places (u135 in set C, u016 in D): two units
    assert summary["units_coded_for_training"] == 0 and summary["units_coded_outside_corpus"] == 1270


@pytest.mark.corpora
def test_the_codes_find_their_units_in_a_copy_of_the_corpus_under_another_name(shared_corpora, pooled_gold, tmp_path):
    # the GBK copy of the Hailar reports: its unit ids say hailar_district_gwr_raw, the coded units' hailar_district_gwr
    config = real_config(tmp_path, [shared_corpora / "hailar_district_gwr_raw"], "\n[models.dictionary]\n",
                         f"labels = {json.dumps(str(pooled_gold['gold_all']))}")
    summary = json.loads((run_experiment(config, tmp_path / "run") / "corpus_summary.json").read_text(encoding="utf-8"))
    assert summary["units_labelled"] == summary["labels_attached_by_text"] == 100  # sets A (60) and B (40)
    assert summary["labels_outside_corpus"] == 1270 - 100


@pytest.mark.corpora
def test_a_state_council_run_learns_from_the_pooled_codes_and_warns_without_them(shared_corpora, pooled_gold,
                                                                                  tmp_path):
    # files given one by one: the units' ids (1959:u016) are not the coded sets' (national_gwr_hprc/1959:u016), so
    # every label finds its unit by text; the 1959 report holds paragraphs twice, some coded at both places (u135
    # in set C, u016 in set D): each label stays with its place in the report
    reports = [shared_corpora / "national_gwr_hprc" / f"{year}.txt" for year in (1957, 1959, 1978)]
    counts = {}
    for name in ("gold_d", "gold_all"):
        config = real_config(tmp_path / name, reports, SUPERVISED,
                             f"training = {json.dumps([str(pooled_gold[name])])}")
        run = run_experiment(config, tmp_path / name / "run")
        summary = json.loads((run / "corpus_summary.json").read_text(encoding="utf-8"))
        counts[name] = summary["units_coded_for_training"], summary["units_coded_outside_corpus"]
        warnings_file = fit_folder(run, "supervised", 6, 1) / FIT_WARNINGS
        warned = warnings_file.read_text(encoding="utf-8") if warnings_file.exists() else ""
        if name == "gold_d":  # set D's units of these reports alone: no ecology or safety unit among them
            assert "supervised: no labelled unit of ecology, safety" in warned
        else:  # every coded unit of the project: at least 35 of each label
            assert "few coded units" not in warned and "no labelled unit" not in warned, warned
    in_reports = counts["gold_d"][0]
    assert in_reports > 50 and counts["gold_d"][1] == 200 - in_reports
    assert counts["gold_all"][0] >= in_reports and sum(counts["gold_all"]) == 1270
