"""Theme mapping as a stage of its own, read from the run folder: remapping a finished run needs no
refit, the report shows the labels that were scored, and a run folder is locked against a second run."""

from __future__ import annotations

import json
from pathlib import Path
import shutil
import subprocess
import sys
import time

import pandas as pd
import pytest
from sklearn.metrics import f1_score

from conftest import PROJECT
from test_runner import small_models, write_config
from topics.cli import main
from topics.report.tables import confusion, run_labels
from topics.run_folder import RunFolder
from topics.run_files import DONE, LOCK as LOCK_FILE, fit_folder
from topics.running import remap_run, run_experiment
from topics.ingest.structure import weak_label
from topics.lexicon import Lexicon

MODELS = small_models("lda", "seeded-lda", lda="k = 6\npasses = 3\niterations = 20")


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory, sample_path):
    folder = tmp_path_factory.mktemp("remap")
    return run_experiment(write_config(folder, sample_path, models=MODELS, report=True), folder / "run")


def tables(run_dir):
    return {name: (run_dir / name).read_text(encoding="utf-8")
            for name in ("metrics.csv", "theme_shares.csv", "assignments.csv")}


def test_remap_changes_the_mapping_without_refitting(finished_run, capsys):
    before = tables(finished_run)
    fitted = {path: path.stat().st_mtime_ns for path in (finished_run / "fits").rglob("result.npz")}
    assert fitted

    assert main(["remap", str(finished_run), "--min-lift", "1000", "--no-progress"]) == 0
    # a setting that leaves a model no theme of its own is said, with where to look
    warned = [line for line in capsys.readouterr().err.splitlines() if line.startswith("warning: ")]
    # (the sample's two articles have 7 and 10 units: every share of theirs moves by 10 points or more a unit)
    few = ("warning: 2 document(s) have fewer than 20 units ([inference] min_units), so one unit moves a share of "
           "theirs by 5 points or more and a long unit on several subjects counts for one: xining_chengxi_2024#1 (7), "
           "xining_chengxi_2024#2 (10)")
    assert warned == [few, f"warning: no free topic of lda (K=6, seed 1) is mapped to a theme (other 6) with min_lift 1000 "
                      "and min_margin 1.25: a topic below min_lift or its lift for the [other] words is other, one "
                      "that clears them by less than min_margin is unmapped; each topic's lifts are in "
                      f"{finished_run / 'topic_evidence.csv'}"]
    assert all(path.stat().st_mtime_ns == mtime for path, mtime in fitted.items())  # no fit was redone
    lda = json.loads((finished_run / "models" / "lda" / "result.json").read_text(encoding="utf-8"))
    assert lda["topic_themes"] == ["other"] * 6 and lda["mapping"] == {"min_lift": 1000.0, "min_margin": 1.25, "section_weight": 0.2, "heading_bonus": 0.2}
    seeded = json.loads((finished_run / "models" / "seeded-lda" / "result.json").read_text(encoding="utf-8"))
    assert seeded["topic_themes"][:5] == ["ecology", "industry", "industry", "livelihood", "governance"]  # seeds keep theirs
    assigned = pd.read_csv(finished_run / "assignments.csv")
    assert set(assigned.loc[assigned["model"] == "lda", "theme"]) == {"other"}
    metrics = pd.read_csv(finished_run / "metrics.csv")
    assert (metrics.loc[metrics["model"] == "lda", "label_macro_f1"] < 0.2).all()
    assert "min_lift = 1000.0" in (finished_run / "config.toml").read_text(encoding="utf-8")
    assert (finished_run / DONE).is_file() and (finished_run / "report.html").is_file()

    remap_run(finished_run, min_lift=2.0)  # back to the default: the very same tables
    assert tables(finished_run) == before


def test_remap_refuses_an_unfinished_run_and_a_bad_setting(finished_run, tmp_path, capsys):
    assert main(["remap", str(tmp_path), "--no-progress"]) == 2
    assert "not a run folder (no config.toml)" in capsys.readouterr().err
    unfinished = tmp_path / "unfinished"
    shutil.copytree(finished_run, unfinished)
    (unfinished / DONE).unlink()
    assert main(["remap", str(unfinished), "--no-progress"]) == 2
    assert "not a finished run" in capsys.readouterr().err
    assert main(["remap", str(finished_run), "--min-lift", "-1"]) == 2
    assert "--min-lift must be a number >= 0" in capsys.readouterr().err


def test_a_remap_that_fails_leaves_the_finished_run_as_it_was(finished_run, tmp_path, capsys):
    run = tmp_path / "run"
    shutil.copytree(finished_run, run)
    before = {path.relative_to(run): path.read_bytes() for path in run.rglob("*") if path.is_file() and path.name != ".lock"}
    (run / "fits" / "seeded-lda-k7-s2" / "units.npz").write_bytes(b"damaged")  # read after the first fits are mapped
    before[Path("fits/seeded-lda-k7-s2/units.npz")] = b"damaged"
    assert main(["remap", str(run), "--min-lift", "3", "--no-progress"]) == 2
    assert "seeded-lda-k7-s2: fit is missing or damaged" in capsys.readouterr().err
    after = {path.relative_to(run): path.read_bytes() for path in run.rglob("*") if path.is_file() and path.name != ".lock"}
    assert after == before  # DONE, config.toml, every table and fit as they were
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no staging folder left behind


def test_the_run_folder_keeps_what_later_stages_read(finished_run):
    assert Lexicon.load(finished_run / "lexicon.toml") == Lexicon.load()
    units = [json.loads(line) for line in (finished_run / "units.jsonl").read_text(encoding="utf-8").splitlines()]
    assigned = pd.read_csv(finished_run / "assignments.csv", keep_default_na=False)
    assert assigned.loc[assigned["model"] == "lda", "label"].tolist() == [u["label"] for u in units]
    assert Lexicon.load(fit_folder(finished_run, "seeded-lda", 7, 1) / "lexicon.toml") == Lexicon.load()


@pytest.mark.corpora
@pytest.mark.slow
def test_report_labels_are_the_labels_that_were_scored(shared_corpora, tmp_path):
    """On the provincial reports, recomputing weak labels from the unit's own heading (as the report
    once did) disagrees with the label scored for many units; the report now shows the scored ones."""
    config = write_config(tmp_path, shared_corpora / "province_gwr_2026", models="[models.dictionary]\n",
                          seeds=(1,), report=True)
    run_dir = run_experiment(config, tmp_path / "run")
    assigned = RunFolder.open(run_dir).table("assignments.csv", ("model", "theme", "label"))
    shown = run_labels(assigned)
    units = [json.loads(line) for line in (run_dir / "units.jsonl").read_text(encoding="utf-8").splitlines()]
    assert shown.tolist() == [unit["label"] for unit in units]

    fitted = [unit["fitted_row"] is not None for unit in units]
    labelled = (shown != "") & pd.Series(fitted)
    scored = pd.read_csv(run_dir / "metrics.csv")["label_macro_f1"].iloc[0]
    gold, predicted = shown[labelled], assigned.loc[labelled, "theme"]
    # macro-F1 over the labels present among the labelled units, as label_macro_f1 is defined
    assert f1_score(gold, predicted, average="macro", labels=sorted(set(gold))) == pytest.approx(scored)
    assert confusion(shown, assigned["theme"]).values.sum() == (shown != "").sum()

    lexicon = Lexicon.load()
    recomputed = assigned["heading"].fillna("").map(lambda heading: weak_label(heading, lexicon))
    differ = int(((recomputed != shown) & (shown != "")).sum())
    print(f"units whose recomputed heading label differs from the scored one: {differ} of {(shown != '').sum()}")
    assert differ > 0  # the mismatch this guards against is real on this corpus


def test_a_second_run_on_a_locked_folder_stops_at_once(tmp_path, sample_path):
    config = write_config(tmp_path, sample_path, models=MODELS, seeds=(1, 2, 3, 4, 5, 6))
    run_dir = tmp_path / "run"
    command = [sys.executable, "-m", "topics", "run", str(config), "-o", str(run_dir), "--no-progress"]
    first = subprocess.Popen(command, cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not ((run_dir / LOCK_FILE).is_file() and (run_dir / LOCK_FILE).read_text().strip()):
            assert first.poll() is None and time.monotonic() < deadline, "the first run ended before taking its lock"
            time.sleep(0.05)
        second = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, timeout=120)
        assert first.poll() is None, "the first run finished before the second started: make it longer"
        assert second.returncode == 2
        assert f"busy: run, pid {first.pid}" in second.stderr
        assert len(second.stderr.strip().splitlines()) == 1
    finally:
        out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    assert (run_dir / DONE).is_file()
    # the lock died with its process: the next run resumes at once
    again = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
