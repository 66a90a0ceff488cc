"""The experiment runner on the bundled sample: the run folder's contract, reproducibility,
resuming an interrupted run, and refusing folders it must not touch."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from topics import OTHER, UNMAPPED
from topics.cli import main
from topics.errors import InputError
from topics.metrics import METRICS
from topics.result import TopicResult
from topics.run_files import DONE, fit_folder
from topics.running import run_experiment
from topics.lexicon import Lexicon

TIMING_COLUMNS = ["fit_seconds", "peak_mb"]
# Each model with settings that keep a fit to a second or two on the bundled sample.
SMALL_MODEL_TABLES = {
    "dictionary": "",
    "supervised": "cv_folds = 2",
    "lda": "k = 5\npasses = 3\niterations = 20",
    "sklearn-lda": "k = 5\nmax_iter = 5",
    "nmf": "k = 5\nmax_iter = 100",
    "seeded-lda": "k = 7\npasses = 3\niterations = 20",
    "seeded-nmf": "k = 7\nmax_iter = 100",
}


def small_models(*names: str, **settings: str) -> str:
    """The [models] tables of the named models with small settings; ``settings`` replaces a model's
    (its name with "_" for "-"), e.g. lda="k = 6"."""
    tables = []
    for name in names:
        body = settings.get(name.replace("-", "_"), SMALL_MODEL_TABLES[name])
        tables.append(f"[models.{name}]\n{body}\n" if body else f"[models.{name}]\n")
    return "\n" + "\n".join(tables)


SMALL_MODELS = small_models("dictionary", "lda", "sklearn-lda", "nmf", "seeded-lda", "seeded-nmf",
                            lda="k = [5, 6]\npasses = 3\niterations = 20")


def write_config(folder, corpus, *, models=SMALL_MODELS, seeds=(1, 2), report=False, name="config.toml") -> object:
    """A small experiment on ``corpus``; every run of it takes a few seconds."""
    text = f"""
[run]
name = "small"
seeds = {json.dumps(list(seeds))}
progress = false

[corpus]
paths = [{json.dumps(str(corpus), ensure_ascii=False)}]

[vocabulary]
no_below = 1
no_above = 0.6

[evaluation]
heldout_fraction = 0.2

[report]
enabled = {"true" if report else "false"}
{models}"""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def city_corpus(folder, shared_corpora, names, provinces: dict | None = None):
    """FOLDER/corpus: the city reports ``names`` of ../shared/corpora with a MANIFEST.tsv of file, year and region
    (and province, from ``provinces``, when given)."""
    corpus = folder / "corpus"
    corpus.mkdir()
    lines = ["file\tyear\tregion" + ("\tprovince" if provinces is not None else "")]
    for name in names:
        shutil.copy(shared_corpora / "city_gwr_2024" / name, corpus / name)
        year, region = name.removesuffix(".txt").split("_")
        lines.append(f"{name}\t{year}\t{region}" + (f"\t{provinces[name]}" if provinces is not None else ""))
    (corpus / "MANIFEST.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return corpus


@pytest.fixture(scope="module")
def runs(tmp_path_factory, sample_path):
    """The same config run twice, into two folders."""
    folder = tmp_path_factory.mktemp("runs")
    config = write_config(folder, sample_path)
    return config, run_experiment(config, folder / "a"), run_experiment(config, folder / "b")


def read(run_dir, name: str) -> pd.DataFrame:
    return pd.read_csv(run_dir / name, keep_default_na=False)


def without_timing(table: pd.DataFrame) -> pd.DataFrame:
    return table.drop(columns=TIMING_COLUMNS)


def expected_fits(themes) -> set[tuple[str, int, int]]:
    fits = {("dictionary", len(themes) + 1, 1)}
    for seed in (1, 2):
        fits |= {("lda", 5, seed), ("lda", 6, seed), ("sklearn-lda", 5, seed), ("nmf", 5, seed),
                 ("seeded-lda", 7, seed), ("seeded-nmf", 7, seed)}
    return fits


def test_same_config_twice_gives_identical_results(runs):
    _, a, b = runs
    metrics_a, metrics_b = read(a, "metrics.csv"), read(b, "metrics.csv")
    pd.testing.assert_frame_equal(without_timing(metrics_a), without_timing(metrics_b))
    for name in ("assignments.csv", "theme_shares.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    for model in ("lda", "nmf", "seeded-lda"):
        first, second = TopicResult.load(a / "models" / model), TopicResult.load(b / "models" / model)
        assert first.top_words(10) == second.top_words(10)


def test_metrics_table_has_a_row_per_model_k_seed_with_every_metric(runs):
    _, a, _ = runs
    themes = Lexicon.load().themes
    metrics = read(a, "metrics.csv")
    assert list(metrics.columns[:3]) == ["model", "k", "seed"]
    assert list(metrics.columns[-2:]) == TIMING_COLUMNS
    fits = list(zip(metrics["model"], metrics["k"], metrics["seed"]))
    assert len(fits) == len(set(fits))
    assert set(fits) == expected_fits(themes)
    every_metric = [name for name in METRICS if not name.startswith("label_f1_")]
    every_metric += [f"label_f1_{label}" for label in [*themes, OTHER]]
    assert set(every_metric + ["topic_jaccard", "assignment_ari"]) <= set(metrics.columns)
    # held-out perplexity exists for the LDA family only
    perplexity = metrics.set_index("model")["heldout_perplexity"]
    assert (perplexity[["lda", "sklearn-lda", "seeded-lda"]] != "").all()
    assert (perplexity[["nmf", "seeded-nmf", "dictionary"]] == "").all()


def test_k_column_is_the_number_of_topics_actually_fitted(runs):
    _, a, _ = runs
    metrics = read(a, "metrics.csv")
    for model, k, seed in zip(metrics["model"], metrics["k"], metrics["seed"]):
        assert TopicResult.load(fit_folder(a, model, k, seed)).k == k
    dictionary = TopicResult.load(a / "models" / "dictionary")
    assert dictionary.k == metrics.loc[metrics["model"] == "dictionary", "k"].item()
    assert dictionary.topic_themes[-1] == OTHER


def test_every_unit_is_assigned_by_every_model_and_shares_add_up(runs):
    _, a, _ = runs
    summary = json.loads((a / "corpus_summary.json").read_text(encoding="utf-8"))
    assert summary["units_heldout"] > 0  # the held-out units are assigned too
    assigned = read(a, "assignments.csv")
    models = ["dictionary", "lda", "sklearn-lda", "nmf", "seeded-lda", "seeded-nmf"]
    assert assigned["model"].unique().tolist() == models
    for _, rows in assigned.groupby("model"):
        assert len(rows) == summary["units"] and rows["unit_id"].is_unique
    assert set(assigned["theme"]) <= set(Lexicon.load().themes) | {UNMAPPED, OTHER}

    shares = read(a, "theme_shares.csv")
    assert list(shares.columns) == ["model", "k", "seed", "doc_id", "year", "region", "theme", "units", "share", "flags"]
    per_fit = shares.groupby(["model", "k", "seed", "doc_id"])
    assert (per_fit["share"].sum().round(9) == 1).all()
    units_per_doc = assigned[assigned["model"] == "lda"].groupby("doc_id").size()
    for (_, _, _, doc), total in per_fit["units"].sum().items():
        assert total == units_per_doc[doc]
    # every seed has its own shares: the spread across seeds can be shown
    assert set(shares.loc[shares["model"] == "lda", "seed"]) == {1, 2}


def test_comparison_states_mean_sd_best_and_parameters(runs):
    config, a, _ = runs
    text = (a / "comparison.md").read_text(encoding="utf-8")
    table = [line for line in text.splitlines() if line.startswith("| ")]
    assert table[0].startswith("| model | k | seeds | coherence_npmi ↑")
    rows = {tuple(cell.strip() for cell in line.split("|")[1:3]) for line in table[1:]}
    assert rows == {("dictionary", "6"), ("lda", "5"), ("lda", "6"), ("sklearn-lda", "5"), ("nmf", "5"),
                    ("seeded-lda", "7"), ("seeded-nmf", "7")}
    assert " ± " in text and "**" in text
    assert "- `lda`: k=[5, 6], passes=3, iterations=20," in text
    assert "- `nmf`: k=[5], init=nndsvda" in text
    assert "weak labels" in text


def test_run_folder_holds_what_the_contract_lists_and_done_is_written_last(tmp_path, sample_path):
    models = "\n[models.dictionary]\n\n[models.nmf]\nk = 5\nmax_iter = 100\n"
    run_dir = run_experiment(write_config(tmp_path, sample_path, models=models, report=True), tmp_path / "run")
    for name in ("config.toml", "versions.json", "metrics.csv", "comparison.md", "assignments.csv",
                 "theme_shares.csv", "report.html", "timings.json", "corpus_summary.json", DONE):
        assert (run_dir / name).is_file(), name
    for model in ("dictionary", "nmf"):
        assert (run_dir / "models" / model / "result.json").is_file()
        assert (run_dir / "models" / model / "result.npz").is_file()
        assert (run_dir / "ldavis" / f"{model}.html").is_file()
    assert list((run_dir / "plots").glob("*.png"))
    versions = json.loads((run_dir / "versions.json").read_text(encoding="utf-8"))
    assert versions["gensim"] and versions["python"]
    timings = json.loads((run_dir / "timings.json").read_text(encoding="utf-8"))
    assert {"ingest", "tokenize", "vocabulary", "fit", "tables", "report", "total"} <= set(timings)
    assert not list(run_dir.rglob("*.partial"))
    done = (run_dir / DONE).stat().st_mtime_ns
    assert all(path.stat().st_mtime_ns <= done for path in run_dir.rglob("*") if path.is_file())
    assert (run_dir / DONE).is_file()


def test_interrupted_run_resumes_where_it_stopped_with_identical_results(runs, tmp_path):
    config, a, _ = runs
    resumed = tmp_path / "resumed"
    shutil.copytree(a, resumed)
    # as if stopped during the fits: no DONE, no tables, some fits missing or half-written
    for name in (DONE, "metrics.csv", "assignments.csv", "theme_shares.csv", "comparison.md"):
        (resumed / name).unlink()
    half_written = [fit_folder(resumed, "lda", 6, 2), fit_folder(resumed, "nmf", 5, 1)]
    for folder in half_written:
        (folder / "metrics.json").unlink()
    shutil.rmtree(fit_folder(resumed, "seeded-lda", 7, 2))
    kept = fit_folder(resumed, "lda", 5, 1) / "metrics.json"
    kept_mtime = kept.stat().st_mtime_ns
    assert not (resumed / DONE).is_file()

    run_experiment(config, resumed, progress=True)  # a progress bar changes no result: still the same config

    assert (resumed / DONE).is_file()
    assert kept.stat().st_mtime_ns == kept_mtime  # a complete fit is not redone
    for folder in half_written + [fit_folder(resumed, "seeded-lda", 7, 2)]:
        assert (folder / "metrics.json").is_file()
    pd.testing.assert_frame_equal(without_timing(read(resumed, "metrics.csv")), without_timing(read(a, "metrics.csv")))
    for name in ("assignments.csv", "theme_shares.csv"):
        assert (resumed / name).read_bytes() == (a / name).read_bytes(), name


def test_a_failing_fit_leaves_an_unfinished_folder_that_is_never_taken_as_finished(tmp_path, sample_path, capsys):
    # k=40 is more topics than the sample has units: the second k fails after the k=5 fits are done
    models = "\n[models.nmf]\nk = [5, 40]\nmax_iter = 100\n"
    config = write_config(tmp_path, sample_path, models=models)
    run_dir = tmp_path / "run"
    with pytest.raises(InputError, match=r"models\.nmf \(k=40, seed=1\): .*k=40"):
        run_experiment(config, run_dir)
    assert (fit_folder(run_dir, "nmf", 5, 2) / "metrics.json").is_file()
    assert not (run_dir / DONE).is_file()
    capsys.readouterr()  # the run's own warnings
    gold = tmp_path / "gold.tsv"
    gold.write_text("doc\tunit\tlabel\theading\ttext\nd\tu1\tother\t\t文本\n", encoding="utf-8")
    for argv in (["report", str(run_dir)], ["evaluate", str(run_dir), "--gold", str(gold)]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "no DONE" in err


def test_folders_holding_something_else_are_refused(runs, tmp_path, sample_path):
    config, a, _ = runs
    other = write_config(tmp_path, sample_path, seeds=(1, 3), name="other.toml")
    with pytest.raises(InputError, match="different config"):
        run_experiment(other, a)
    assert (a / DONE).is_file()  # refusing touched nothing
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(InputError, match="not a run folder"):
        run_experiment(config, busy)
    with pytest.raises(InputError, match="not a folder"):
        run_experiment(config, busy / "notes.txt")


def test_resume_is_refused_when_the_corpus_changed(tmp_path, sample_path):
    corpus = tmp_path / "sample.txt"
    corpus.write_text(sample_path.read_text(encoding="utf-8"), encoding="utf-8")
    config = write_config(tmp_path, corpus, models="\n[models.dictionary]\n")
    run_dir = run_experiment(config, tmp_path / "run")
    summary = (run_dir / "corpus_summary.json").read_text(encoding="utf-8")
    with corpus.open("a", encoding="utf-8") as handle:
        handle.write("\n\n加强生态环境保护，推进污染防治攻坚，建设美丽城区，守护绿水青山。\n")
    with pytest.raises(InputError, match="changed since this run began"):
        run_experiment(config, run_dir)
    # the finished run is left as it was
    assert (run_dir / DONE).is_file()
    assert (run_dir / "corpus_summary.json").read_text(encoding="utf-8") == summary
    (run_dir / DONE).unlink()  # unfinished: still refused
    with pytest.raises(InputError, match="changed since this run began"):
        run_experiment(config, run_dir)
