"""The shipped experiment configs are valid, and the README's main job runs end to end."""

from __future__ import annotations

import subprocess
import sys
import tomllib

import pytest

from conftest import PROJECT, SHARED_CORPORA
from topics.config import load_config

EXPERIMENTS = sorted((PROJECT / "experiments").glob("*.toml"))


@pytest.mark.parametrize("config", EXPERIMENTS, ids=[c.stem for c in EXPERIMENTS])
def test_every_experiment_config_is_valid(config):
    paths = tomllib.loads(config.read_text(encoding="utf-8"))["corpus"]["paths"]
    if any("shared/corpora" in p for p in paths) and not SHARED_CORPORA.is_dir():
        pytest.skip(f"{config.name} reads the real corpora, not found at {SHARED_CORPORA}")
    resolved = load_config(config)
    assert resolved["run"]["name"] == config.stem
    assert len(resolved["run"]["seeds"]) >= 2


def test_readme_main_job_ends_with_the_report(tmp_path):
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    assert "pip install -c requirements.lock -e . && topics run experiments/compare_models.toml" in readme
    run_dir = tmp_path / "run"
    proc = subprocess.run(
        [sys.executable, "-m", "topics", "run", str(PROJECT / "experiments" / "compare_models.toml"),
         "-o", str(run_dir), "--no-progress"],
        capture_output=True, text=True, cwd=PROJECT,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().splitlines()[-1] == f"report: {run_dir / 'report.html'}"
    for name in ("config.toml", "versions.json", "metrics.csv", "comparison.md", "assignments.csv",
                 "theme_shares.csv", "report.html", "DONE"):
        assert (run_dir / name).is_file(), name
    for model in ("lda", "nmf", "sklearn-lda", "seeded-lda", "seeded-nmf"):
        assert (run_dir / "ldavis" / f"{model}.html").is_file()
        assert (run_dir / "models" / model / "model.json").is_file()
    report = (run_dir / "report.html").read_text(encoding="utf-8")
    assert "ldavis/seeded-lda.html" in report and "生态" in report


def test_hand_coded_sets_still_match_the_units_ingest_cuts(shared_corpora, tmp_path, capsys):
    # the sets store unit ids and a text check, not text: a change to ingest's cutting must show here
    sys.path.insert(0, str(PROJECT / "experiments"))
    try:
        from handcoded_check import labelled_units, write_gold
        from heldout_check import SETS
    finally:
        sys.path.pop(0)
    from topics.evaluation import read_gold

    expected = {"dev": 150, "a": 300, "b": 300, "c": 320, "d": 200}
    six = {"ecology", "industry", "livelihood", "governance", "safety", "other"}
    assert set(SETS) == set(expected)
    for name, path in SETS.items():
        units, labels = labelled_units(path)
        assert len(units) == expected[name], capsys.readouterr().err
        # set D (200 units of the 1954–1979 reports) has no ecology or safety unit
        assert set(labels) == (six - {"ecology", "safety"} if name == "d" else six)
        gold = read_gold(write_gold(units, labels, tmp_path / f"gold_{name}.tsv"), sorted(set(labels)))
        assert [row.label for row in gold] == labels
        assert [row.unit.text for row in gold] == [" ".join(u.text.split()) for u in units]


def test_the_main_jobs_models_read_new_reports_through_the_lexicon(shared_corpora, tmp_path):
    """Fitted on the one-page sample alone, the dictionary and seeded LDA still assign 150
    hand-coded provincial units well: the lexicon's words stay in the vocabulary although the
    sample never uses most of them. Without them the dictionary loses most of its words."""
    sys.path.insert(0, str(PROJECT / "experiments"))
    try:
        from handcoded_check import LABELLED_SETS, labelled_units, write_gold
    finally:
        sys.path.pop(0)
    from topics.evaluation import evaluate_run
    from topics.running import run_config

    gold = write_gold(*labelled_units(LABELLED_SETS["dev"]), tmp_path / "gold_dev.tsv")
    scores = {}
    for keep_lexicon in (True, False):
        config = load_config(PROJECT / "experiments" / "compare_models.toml")
        config["run"].update(seeds=[1], progress=False)
        config["models"] = {name: config["models"][name] for name in ("dictionary", "seeded-lda")}
        config["vocabulary"]["keep_lexicon"] = keep_lexicon
        run_dir = run_config(config, tmp_path / f"run_{keep_lexicon}")
        scores[keep_lexicon] = evaluate_run(run_dir, gold).set_index("model")["macro_f1"]
    assert scores[True]["seeded-lda"] >= 0.80, scores
    assert scores[True]["dictionary"] >= 0.75, scores
    assert scores[False]["dictionary"] < scores[True]["dictionary"] - 0.03, scores
