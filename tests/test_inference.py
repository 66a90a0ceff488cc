"""Inference from finished runs (topics.inference, `topics shares`, `topics effects`, the report section):
tidy metadata, every unit's theme probabilities, shares with bootstrap intervals, covariate effects and
their coverage, on real runs of the bundled sample and of city reports with a MANIFEST.tsv of our own."""

from __future__ import annotations

import argparse
import html
import json
import shutil
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import PROJECT
from test_runner import city_corpus, small_models, write_config
from topics.commands import effects as effects_command
from topics.commands import shares as shares_command
from topics.errors import InputError
from topics.inference import (duplicate_editions, effects, shares, study_data, unit_probabilities, unit_table,
                              write_unit_probabilities)
from topics.inference.shares import weighing
from topics.inference.study import StudyData
from topics.report.inference import inference_section
from topics.report.ldavis import theme_display_names
from topics.run_folder import RunFolder
from topics.running import run_experiment

MODELS = small_models("dictionary", "seeded-lda")
# City reports of 2024 (and 池州 of 2023) with the province of some of them; the rest have none.
CITIES = {"2024_南京市.txt": "江苏", "2024_苏州市.txt": "江苏", "2024_无锡市.txt": "江苏",
          "2024_合肥市.txt": "安徽", "2023_池州市.txt": "安徽", "2024_三亚市.txt": "", "2024_上海市.txt": ""}


def command(module, argv: list[str]) -> int:
    """Run a command module as `topics <command>` would: its own parser, then run(args)."""
    parser = argparse.ArgumentParser()
    module.configure(parser)
    return module.run(parser.parse_args([str(a) for a in argv]))


def quiet_data(run_dir, column_types=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return study_data(run_dir, column_types)


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory, sample_path):
    folder = tmp_path_factory.mktemp("sample")
    return run_experiment(write_config(folder, sample_path, models=MODELS, seeds=(1, 2)), folder / "run")


@pytest.fixture(scope="module")
def city_run(tmp_path_factory, shared_corpora):
    """Seven city reports with a MANIFEST.tsv of columns file, year, region, province, run by `topics run`."""
    folder = tmp_path_factory.mktemp("cities")
    corpus = city_corpus(folder, shared_corpora, CITIES, provinces=CITIES)
    config = write_config(folder, corpus, models=MODELS, seeds=(1, 2))
    from topics.cli import main

    assert main(["run", str(config), "-o", str(folder / "run")]) == 0
    return folder / "run"


# ---------------------------------------------------------------- metadata


@pytest.mark.corpora
def test_unit_table_has_every_manifest_column_typed_and_documents_in_year_region_order(city_run):
    table = unit_table(city_run)
    assert {"doc_id", "unit_id", "year", "region", "province", "length", "weak_label"} <= set(table.columns)
    assert table.attrs["column_types"] == {"year": "number", "region": "category", "province": "category"}
    docs = table.drop_duplicates("doc_id")
    assert docs["year"].tolist() == sorted(docs["year"])
    assert docs.iloc[0]["region"] == "池州市"  # the one report of 2023 comes first
    assert docs[docs["year"] == 2024]["region"].tolist() == sorted(docs[docs["year"] == 2024]["region"])
    provinces = docs.set_index("region")["province"]
    assert provinces["南京市"] == "江苏" and pd.isna(provinces["三亚市"])
    for _, group in table.groupby("doc_id"):  # units keep their order within a document
        assert group["position"].is_monotonic_increasing


@pytest.mark.corpora
def test_column_types_can_be_stated(city_run):
    table = unit_table(city_run, {"year": "category"})
    assert table.attrs["column_types"]["year"] == "category"
    with pytest.raises(InputError, match="column_types province=number: province has the value .(安徽|江苏). in "
                                         ".*units.jsonl, which is no number; state it a category"):
        unit_table(city_run, {"province": "number"})
    with pytest.raises(InputError, match="column_types coastal=category: 'coastal' is not a document column"):
        unit_table(city_run, {"coastal": "category"})
    with pytest.raises(InputError, match="--column-type province=text: a column's type is one of number, category"):
        unit_table(city_run, {"province": "text"}, stated_by="--column-type")


def with_document_columns(run_dir, tmp_path, columns_of) -> Path:
    """A copy of a finished run whose documents have the metadata columns ``columns_of(doc_id)`` (a dict), as a
    jsonl corpus's fields would give them."""
    run = tmp_path / "run"
    shutil.copytree(run_dir, run)
    records = [json.loads(line) for line in (run / "units.jsonl").read_text(encoding="utf-8").splitlines()]
    for record in records:
        record["meta"]["columns"] = columns_of(record["doc_id"])
    (run / "units.jsonl").write_text("".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records),
                                     encoding="utf-8")
    return run


def test_two_fields_that_become_one_column_keep_each_document_s_value(sample_run, tmp_path):
    """A document field named as the tables' own column (model) becomes meta_model, as does another document's
    field meta_model: each document keeps its own value."""
    first, second = unit_table(sample_run)["doc_id"].unique()
    run = with_document_columns(sample_run, tmp_path, lambda doc: {"model": "lda"} if doc == first
                                else {"meta_model": "manual"})
    table = unit_table(run)
    assert table.groupby("doc_id")["meta_model"].unique().map(list).to_dict() == {first: ["lda"], second: ["manual"]}


def test_a_field_of_lists_is_a_category_column(sample_run, tmp_path):
    first = unit_table(sample_run)["doc_id"].iloc[0]
    run = with_document_columns(sample_run, tmp_path,
                                lambda doc: {"tags": ["生态", "产业"] if doc == first else []})
    table = unit_table(run)
    assert table.attrs["column_types"]["tags"] == "category"
    assert set(table["tags"]) == {"['生态', '产业']", "[]"}


def test_two_articles_of_one_page_are_not_two_editions(sample_run):
    """The sample page holds two articles of 2024 西宁市城西区, cut apart by layout repair: one source, one edition."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = unit_table(sample_run)
    assert table["doc_id"].nunique() == 2 and table["source"].nunique() == 1
    assert duplicate_editions(table).empty


def test_two_files_of_one_year_and_region_are_reported(tmp_path_factory, sample_path):
    """The same page saved twice (two editions of one report) is named, both documents listed."""
    folder = tmp_path_factory.mktemp("editions")
    corpus = folder / "corpus"
    corpus.mkdir()
    text = sample_path.read_text(encoding="utf-8")
    (corpus / "2024_西宁市城西区.txt").write_text(text, encoding="utf-8")
    (corpus / "2024_西宁市城西区_reprint.txt").write_text(text.replace("城西区", "城西区 ", 1), encoding="utf-8")
    (corpus / "MANIFEST.tsv").write_text("file\tyear\tregion\n2024_西宁市城西区.txt\t2024\t西宁市城西区\n"
                                         "2024_西宁市城西区_reprint.txt\t2024\t西宁市城西区\n", encoding="utf-8")
    run_dir = run_experiment(write_config(folder, corpus, models=MODELS, seeds=(1,)), folder / "run")
    with pytest.warns(UserWarning, match="1 year and region.s. have more than one document"):
        table = unit_table(run_dir)
    editions = duplicate_editions(table)
    assert editions[["year", "region"]].values.tolist() == [[2024, "西宁市城西区"]]
    assert editions["n"].iloc[0] == table["doc_id"].nunique() == 4  # two files, two articles each


@pytest.mark.corpora
def test_reports_of_distinct_years_and_regions_are_not_editions(city_run):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert duplicate_editions(unit_table(city_run)).empty


# ---------------------------------------------------------------- unit probabilities


def test_unit_probabilities_cover_every_unit_fit_and_theme(sample_run, tmp_path):
    table = unit_probabilities(sample_run)
    n_units = len((sample_run / "units.jsonl").read_text(encoding="utf-8").splitlines())
    fits = table[["model", "k", "seed"]].drop_duplicates()
    assert fits.values.tolist() == [["dictionary", 6, 1], ["seeded-lda", 7, 1], ["seeded-lda", 7, 2]]
    assert len(table) == n_units * len(fits)
    p = table.filter(like="p_")
    assert list(p.columns) == ["p_ecology", "p_industry", "p_livelihood", "p_governance", "p_safety", "p_other"]
    # every row a distribution, but a unit without evidence: no theme has any probability, and its theme is other
    assert np.allclose(p.sum(axis=1), np.where(table["known"] > 0, 1, 0), atol=1e-5)
    assert (table.loc[table["known"] == 0, "theme"] == "other").all()
    # the assigned theme is the one the runner wrote to assignments.csv for each model's primary fit
    assigned = pd.read_csv(sample_run / "assignments.csv", keep_default_na=False)
    for model, rows in assigned.groupby("model"):
        ours = table[(table["model"] == model) & (table["seed"] == 1)]
        assert ours["unit_id"].tolist() == rows["unit_id"].tolist()
        assert ours["theme"].tolist() == rows["theme"].tolist()
    written = write_unit_probabilities(sample_run, tmp_path / "probabilities.csv")
    assert [path.name for path in written] == ["probabilities.csv", "probabilities.parquet"]
    assert pd.read_parquet(written[1]).shape == table.shape


# ---------------------------------------------------------------- shares


def test_shares_are_reproducible_with_a_seed(sample_run):
    data = quiet_data(sample_run)
    first = shares(data, draws=200, seed=7)
    pd.testing.assert_frame_equal(first, shares(quiet_data(sample_run), draws=200, seed=7))
    other = shares(data, draws=200, seed=8)
    assert not first[["ci_low", "ci_high"]].equals(other[["ci_low", "ci_high"]])
    # a row's numbers do not depend on which other models are asked for
    only = shares(data, draws=200, seed=7, model="seeded-lda")
    pd.testing.assert_frame_equal(only.reset_index(drop=True),
                                  first[first["model"] == "seeded-lda"].reset_index(drop=True))


def test_document_shares_match_the_runs_theme_shares(sample_run):
    """The unit-count share of one fit is the share theme_shares.csv holds; with seeds pooled, their mean."""
    table = shares(quiet_data(sample_run), draws=50, seed=0)
    saved = pd.read_csv(sample_run / "theme_shares.csv", keep_default_na=False)
    expected = saved.groupby(["model", "doc_id", "theme"])["share"].mean()
    ours = table.set_index(["model", "doc_id", "theme"])["share"]
    assert np.allclose(ours.loc[expected.index], expected)
    assert (table["seeds"] == table["model"].map({"dictionary": 1, "seeded-lda": 2})).all()


@pytest.mark.corpora
@pytest.mark.parametrize("weight", ["units", "length", "soft"])
def test_intervals_contain_the_estimate_and_shares_sum_to_one(city_run, weight):
    data = quiet_data(city_run)
    for by in (None, "year", "province"):
        table = shares(data, by=by, weight=weight, draws=200, seed=1)
        assert (table["ci_low"] <= table["share"] + 1e-12).all() and (table["share"] <= table["ci_high"] + 1e-12).all()
        assert ((table["ci_low"] >= 0) & (table["ci_high"] <= 1)).all()
        keys = ["model", "k", by or "doc_id"]
        assert np.allclose(table.groupby(keys)["share"].sum(), 1)


@pytest.mark.corpora
def test_n_columns_count_documents_and_units(city_run):
    data = quiet_data(city_run)
    units = unit_table(city_run)
    per_doc = shares(data, draws=20, seed=0)
    counts = units.groupby("doc_id").size()
    assert (per_doc["n_units"].to_numpy() == counts.loc[per_doc["doc_id"]].to_numpy()).all()
    assert (per_doc["n_documents"] == 1).all()
    by_province = shares(data, by="province", draws=20, seed=0).drop_duplicates(["model", "province"])
    assert sorted(by_province["province"].unique()) == ["安徽", "江苏"]  # documents without one are left out
    docs = units.drop_duplicates("doc_id")
    for row in by_province.itertuples():
        assert row.n_documents == (docs["province"] == row.province).sum()
        assert row.n_units == (units["province"] == row.province).sum()
    by_two = shares(data, by=["year", "province"], draws=20, seed=0)
    assert set(zip(by_two["year"], by_two["province"])) == {(2023, "安徽"), (2024, "安徽"), (2024, "江苏")}


@pytest.mark.corpora
def test_intervals_narrow_with_more_units(city_run):
    """Seven documents together give a narrower interval than any one of them alone."""
    data = quiet_data(city_run)
    one_group = shares(data, by="region", draws=400, seed=2, model="dictionary")
    everything = shares(data, by="year", draws=400, seed=2, model="dictionary")
    data.units["all"] = "all"
    data.column_types["all"] = "category"
    pooled = shares(data, by="all", draws=400, seed=2, model="dictionary")
    width = lambda t: (t["ci_high"] - t["ci_low"]).groupby(t["theme"]).mean()  # noqa: E731
    assert (width(pooled) < width(one_group)).all()
    assert (pooled["n_documents"] == 7).all() and len(everything) > 0


# ---------------------------------------------------------------- effects


@pytest.mark.corpora
def test_effects_end_to_end_through_the_commands(city_run, tmp_path):
    out = tmp_path / "effects.csv"
    assert command(effects_command, [city_run, "--formula", "~ C(province)", "--draws", "60", "--seed", "3",
                                     "-o", out, "--no-progress"]) == 0
    table = pd.read_csv(out)
    assert set(table["term"]) == {"Intercept", "C(province)[T.江苏]"}
    assert set(table["theme"]) == {"ecology", "industry", "livelihood", "governance", "safety", "other"}
    assert (table["n_documents"] == 5).all()  # the two reports without a province are left out
    assert (table["ci_low"] <= table["ci_high"]).all() and (table["draws"] == 60).all()
    assert table["method"].str.startswith("fractional logit").all()
    assert out.with_suffix(".png").is_file()
    assert command(effects_command, [city_run, "--formula", "~ C(province)", "--draws", "60", "--uncertainty",
                                     "documents", "-o", tmp_path / "documents.csv", "--no-progress"]) == 0
    assert pd.read_csv(tmp_path / "documents.csv")["method"].str.contains("documents resampled").all()
    # the same call gives the same table
    assert command(effects_command, [city_run, "--formula", "~ C(province)", "--draws", "60", "--seed", "3",
                                     "-o", tmp_path / "again.csv", "--no-progress"]) == 0
    pd.testing.assert_frame_equal(table, pd.read_csv(tmp_path / "again.csv"))
    # shares by province, with the probabilities table written when absent
    assert command(shares_command, [city_run, "--by", "province", "--draws", "50", "-o", tmp_path / "s.csv"]) == 0
    assert (city_run / "unit_probabilities.csv").is_file()
    assert set(pd.read_csv(tmp_path / "s.csv")["province"]) == {"安徽", "江苏"}


@pytest.mark.corpora
def test_documents_without_a_value_of_a_grouping_or_formula_column_are_named(city_run, tmp_path, capsys):
    """三亚 and 上海 have no province in the MANIFEST: their documents are left out of shares by province, and
    the command says so."""
    assert command(shares_command, [city_run, "--by", "province", "--draws", 20, "-o", tmp_path / "shares.csv"]) == 0
    assert "warning: --by province: 2 of the 7 documents have no province and are left out" in capsys.readouterr().err
    table = pd.read_csv(tmp_path / "shares.csv")
    assert set(table["province"]) == {"江苏", "安徽"} and table.groupby("model")["n_documents"].max().max() <= 3
    # patsy leaves them out of a formula's documents too, which it did without a word
    assert command(effects_command, [city_run, "--formula", "~ C(province)", "--draws", 5, "--no-progress",
                                     "-o", tmp_path / "effects.csv"]) == 0
    assert ("warning: --formula '~ C(province)': 2 of the 7 documents have no value of province and are left out"
            in capsys.readouterr().err)
    assert (pd.read_csv(tmp_path / "effects.csv")["n_documents"] == 5).all()


@pytest.mark.corpora
def test_expected_share_over_a_numeric_covariate(city_run):
    data = quiet_data(city_run)
    data.units["chars"] = data.units["length"].groupby(data.units["doc_id"]).transform("sum").astype(float)
    data.column_types["chars"] = "number"
    result = effects(data, "~ chars", themes=["ecology"], draws=80, seed=1)
    expected = result.expected
    assert set(expected["covariate"]) == {"chars"}
    assert ((expected["ci_low"] <= expected["share"]) & (expected["share"] <= expected["ci_high"])).all()
    assert ((expected["ci_low"] >= 0) & (expected["ci_high"] <= 1)).all()
    documents = result.table[result.table["term"] == "chars"]
    assert ((documents["ci_low"] <= documents["estimate"]) & (documents["estimate"] <= documents["ci_high"])).all()
    bootstrap = effects(data, "~ chars", themes=["ecology"], draws=80, seed=1, uncertainty="documents")
    assert bootstrap.table["method"].str.contains("documents resampled").all()


@pytest.mark.corpora
def test_report_section_shows_shares_and_effects_escaped(city_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(city_run, run)
    names = theme_display_names(RunFolder.open(run).lexicon)
    before = inference_section(RunFolder.open(run), names)
    assert "By year" in before and "By region" in before and "None computed" in before
    assert (run / "plots" / "inference_year_seeded-lda.png").is_file()
    assert command(effects_command, [run, "--formula", "~ I(year < 2024)", "--theme", "ecology", "--draws", "40",
                                     "--no-progress"]) == 0
    after = inference_section(RunFolder.open(run), names)
    assert "<code>~ I(year &lt; 2024)</code>" in after and "~ I(year < 2024)" not in after
    assert (run / "plots" / "inference_effects.png").is_file()
    assert html.escape("南京市") in after


# ---------------------------------------------------------------- bad input


BAD_INPUTS = [  # (command, arguments after RUN_DIR, fragment of the one-line message)
    (effects_command, ["--formula", "~ coastal"], "--formula '~ coastal': unknown column 'coastal'"),
    (effects_command, ["--formula", "~ year +"], "--formula '~ year +'"),
    (effects_command, ["--formula", "share ~ year"], "give only the right-hand side"),
    (effects_command, ["--formula", "~ year", "--theme", "tourism"], "--theme tourism: not a theme of the run"),
    (effects_command, ["--formula", "~ year", "--draws", "1"], "--draws must be an integer from 2 to 10000"),
    # a billion draws asked for 45 GB at once and ended in a MemoryError
    (shares_command, ["--draws", "1000000000"], "--draws must be an integer from 2 to 100000 (an interval's ends "
                                                "settle long before; more draws only fill memory), got 1000000000"),
    (effects_command, ["--formula", "~ C(unit_id)"], "unknown column 'unit_id'"),
    (shares_command, ["--by", "province"], "--by province: no such document column"),
    (shares_command, ["--model", "lda"], "--model lda: the run has no such fit; it has dictionary (k=6), "
                                         "seeded-lda (k=7)"),
    (shares_command, ["--model", "seeded-lda", "--k", "9"], "--model seeded-lda --k 9: the run has no such fit"),
    (shares_command, ["--seed", "-1"], "--seed must be an integer >= 0 and <= 4294967295, got -1"),
    (shares_command, ["--level", "95"], "--level must be a number > 0 and < 1, got 95.0"),
    (shares_command, ["--column-type", "year"], "--column-type year: expected COL=number or COL=category"),
    (shares_command, ["--column-type", "region=number"],
     "--column-type region=number: region has the value '西宁市城西区' in "),
    (shares_command, ["--column-type", "province=number"],
     "--column-type province=number: 'province' is not a document column; the run's documents have year, region"),
    (shares_command, ["--column-type", "year=date"], "--column-type year=date: a column's type is one of number, "
                                                     "category"),
    (shares_command, ["--k", "0"], "--k 0: the run has no such fit"),
    (shares_command, ["--by", "year", "year"], "--by year year: year is given twice"),
    # options of the corrected estimates change nothing without a coded sample
    (shares_command, ["--tuning", "power"], "--tuning: only with --gold GOLD.tsv"),
    (effects_command, ["--formula", "~ year", "--predictions", "hard"], "--predictions: only with --gold GOLD.tsv"),
]


@pytest.mark.parametrize("module, arguments, message", BAD_INPUTS,
                         ids=lambda v: " ".join(v) if isinstance(v, list) else None)
def test_bad_inputs_are_one_line_errors(sample_run, tmp_path, module, arguments, message):
    with pytest.raises(InputError) as caught:
        command(module, [sample_run, *arguments, "-o", tmp_path / "out.csv"])
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert not (tmp_path / "out.csv").exists()


def test_effects_need_more_documents_than_coefficients(sample_run):
    with pytest.raises(InputError, match="2 coefficients for 2 documents"):
        effects(quiet_data(sample_run), "~ year", draws=10)


def test_effects_with_no_theme_to_estimate_are_an_error_not_an_empty_table(tmp_path, sample_path, capsys):
    """LDA with two topics maps them to two themes at most: a theme it has no topic for has share 0 in every
    document. Asked for alone, no effect can be estimated, and the command says why instead of printing an
    empty table and writing an empty file."""
    from topics.cli import main

    paragraphs = [p for p in sample_path.read_text(encoding="utf-8").split("\n\n") if len(p) > 40]
    (tmp_path / "corpus").mkdir()
    rows = ["file\tyear"]
    for i, year in enumerate(range(2020, 2024)):
        (tmp_path / "corpus" / f"{year}.txt").write_text("\n\n".join(paragraphs[i::4]), encoding="utf-8")
        rows.append(f"{year}.txt\t{year}")
    (tmp_path / "corpus" / "MANIFEST.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    config = write_config(tmp_path, tmp_path / "corpus", models=small_models("lda", lda="k = 2\npasses = 2"),
                          seeds=(1,))
    assert main(["run", str(config), "-o", str(tmp_path / "run")]) == 0
    fit = RunFolder.open(tmp_path / "run").fits("lda")[0]
    theme = next(name for name in RunFolder.open(tmp_path / "run").lexicon.names if name not in fit.themes.names)
    capsys.readouterr()
    out = tmp_path / "effects.csv"
    assert main(["effects", str(tmp_path / "run"), "--formula", "~ year", "--theme", theme, "-o", str(out),
                 "--no-progress"]) == 2
    printed = capsys.readouterr()
    assert printed.err.count("\n") == 1 and "Empty DataFrame" not in printed.out
    assert f"no effect estimated: lda k=2 {theme}: share 0 in every document" in printed.err
    assert not out.exists()


def test_an_unfinished_or_missing_run_folder_is_named(sample_run, tmp_path):
    with pytest.raises(InputError, match="no such run folder"):
        command(shares_command, [tmp_path / "nowhere"])
    unfinished = tmp_path / "unfinished"
    shutil.copytree(sample_run, unfinished)
    (unfinished / "DONE").unlink()
    with pytest.raises(InputError, match="not a finished run"):
        command(effects_command, [unfinished, "--formula", "~ year"])


@pytest.mark.corpora
def test_shares_and_effects_hold_the_run_folders_lock_only_when_they_write_in_it(sample_run, tmp_path):
    import os

    with RunFolder(sample_run).locked("remap"):  # another command at work in the folder
        for module, arguments in ((shares_command, ["--draws", "20"]),
                                  (effects_command, ["--formula", "~ year", "--draws", "20", "--no-progress"])):
            with pytest.raises(InputError, match=rf"busy: remap, pid {os.getpid()}"):
                command(module, [sample_run, *arguments])  # its tables would go into the folder
        # written elsewhere, the folder is only read
        assert command(shares_command, [sample_run, "--draws", "20", "-o", tmp_path / "s.csv"]) == 0
        assert command(effects_command, [sample_run, "--formula", "~ 1", "--draws", "20", "--no-progress",
                                         "-o", tmp_path / "e.csv"]) == 0
    assert (tmp_path / "s.csv").is_file() and (tmp_path / "e.csv").is_file()


# ---------------------------------------------------------------- coverage


@pytest.mark.slow
@pytest.mark.corpora
def test_effect_intervals_cover_a_known_effect(shared_corpora, tmp_path):
    """A small version of benchmarks/effects_coverage.py: documents mixed from real units of known theme
    with a known effect of x on the ecology share; the 95% intervals cover it about as often as promised
    (composition errs on the wide side)."""
    sys.path.insert(0, str(PROJECT / "benchmarks"))
    import effects_coverage as simulation

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in sorted((shared_corpora / "city_gwr_2024").glob("2024_*.txt"))[:30]:
        shutil.copy(path, corpus / path.name)
    data, ecology, others = simulation.pools(simulation.pool_run(corpus, tmp_path))
    assert len(ecology) >= 30 and len(others) >= 300
    figures = simulation.coverage(data, ecology, others, (-2.0, 1.5, 0.5), replicates=40, draws=60, documents=40)
    assert 0.85 <= figures["composition_coverage"] <= 1.0
    assert 0.75 <= figures["documents_coverage"] <= 1.0
    assert abs(figures["bias"]) < 0.5


def test_topics_left_unmapped_get_a_column_of_their_own(tmp_path, sample_path):
    """A free topic the mapping leaves 'unmapped' is reported as such, beside the lexicon's themes."""
    from topics.running import remap_run

    models = "\n[models.lda]\nk = 5\npasses = 3\niterations = 20\n"
    run = run_experiment(write_config(tmp_path, sample_path, models=models, seeds=(1,)), tmp_path / "run")
    remap_run(run, min_lift=1.0, min_margin=50.0)
    data = quiet_data(run)
    assert data.themes[-2:] == ["unmapped", "other"]
    table = shares(data, draws=20, seed=0)
    assert (table[table["theme"] == "unmapped"]["share"] > 0).any()
    assert np.allclose(table.groupby("doc_id")["share"].sum(), 1)
    assert "p_unmapped" in unit_probabilities(run).columns


@pytest.mark.corpora
@pytest.mark.slow
def test_a_config_with_effects_writes_them_and_the_report_shows_them(tmp_path, shared_corpora):
    """[effects] formula in the config: the run estimates the effects and its report shows the expected share
    by year with its band (State Council reports of several decades)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    years = [1979, 1988, 1998, 2008, 2018, 2022]
    for year in years:
        shutil.copy(shared_corpora / "national_gwr_hprc" / f"{year}.txt", corpus / f"{year}.txt")
    config = write_config(tmp_path, corpus, models="[models.dictionary]\n", seeds=(1,), report=True)
    config.write_text(config.read_text(encoding="utf-8") + '\n[effects]\nformula = "~ year"\ndraws = 20\n',
                      encoding="utf-8")
    run_dir = run_experiment(config, tmp_path / "run")
    table = pd.read_csv(run_dir / "effects.csv")
    ecology = table[(table["theme"] == "ecology") & (table["term"] == "year")].iloc[0]
    assert ecology["ci_low"] <= ecology["estimate"] <= ecology["ci_high"]
    expected = pd.read_csv(run_dir / "effects_expected.csv")
    ecology = expected[expected["theme"] == "ecology"]
    assert set(ecology["covariate"]) == {"year"} and ecology["value"].min() == 1979 and ecology["value"].max() == 2022
    assert (ecology["ci_low"] <= ecology["share"]).all() and (ecology["share"] <= ecology["ci_high"]).all()
    report = (run_dir / "report.html").read_text(encoding="utf-8")
    assert 'src="plots/inference_expected.png"' in report and (run_dir / "plots" / "inference_expected.png").is_file()
    flags = pd.read_csv(run_dir / "flags.csv", keep_default_na=False)
    assert "flags" in table.columns  # every row carries its model/theme's flags, as the share tables do
    for row in table.itertuples():
        mine = flags[(flags["model"] == row.model) & (flags["theme"] == row.theme)]["flag"]
        assert set(str(row.flags).split()) - {"nan"} == set(mine)
    # another formula by the command: the run's report shows it at once, without `topics report`
    assert command(effects_command, [run_dir, "--formula", "~ np.log(year)", "--draws", 20, "--no-progress"]) == 0
    report = (run_dir / "report.html").read_text(encoding="utf-8")
    assert "Covariate effects: <code>~ np.log(year)</code>" in report
    assert "Covariate effects: <code>~ year</code>" not in report


@pytest.mark.parametrize("draws", [2, 3, 10])
def test_few_draws_give_intervals_that_hold_their_estimate_and_a_plot(sample_run, tmp_path, draws):
    """With a handful of draws the percentile interval can miss the estimate: it is widened to hold it, so
    the table and its plot (error bars from the estimate to each end) always agree."""
    output = tmp_path / "shares.csv"
    assert command(shares_command, [sample_run, "--draws", draws, "--seed", 3, "-o", output]) == 0
    table = pd.read_csv(output)
    assert ((table["ci_low"] <= table["share"]) & (table["share"] <= table["ci_high"])).all()
    assert sorted(p.name for p in tmp_path.glob("shares_*.png"))  # the plot was drawn


@pytest.mark.corpora
def test_shares_by_units_and_by_characters_side_by_side(city_run):
    """The run writes every theme's share counted both ways; `differs` is true exactly where the intervals part,
    and the report lists those themes."""
    table = pd.read_csv(city_run / "shares_by_weight.csv")
    data = quiet_data(city_run)
    assert set(table["model"]) == {fit.model for fit in data.fits}
    for _, rows in table.groupby("model"):
        assert rows["share_units"].sum() == pytest.approx(1.0) and rows["share_length"].sum() == pytest.approx(1.0)
        assert (rows["n_documents"] == len(CITIES)).all()
    apart = (table["ci_low_units"] > table["ci_high_length"]) | (table["ci_low_length"] > table["ci_high_units"])
    assert (table["differs"] == apart).all()
    # by characters: the characters of a theme's units over all characters, the mean over the model's seeds
    model, k = table["model"].iloc[0], int(table["k"].iloc[0])
    lengths = data.units["length"].to_numpy(dtype=float)
    by_seed = [np.bincount(data.assigned(fit), weights=lengths, minlength=len(data.themes)) / lengths.sum()
               for fit in data.fits if fit.model == model and fit.k == k]
    expected = dict(zip(data.themes, np.mean(by_seed, axis=0)))
    rows = table[table["model"] == model]
    assert rows["share_length"].to_numpy() == pytest.approx([expected[theme] for theme in rows["theme"]])
    section = inference_section(RunFolder.open(city_run), theme_display_names(RunFolder.open(city_run).lexicon))
    assert "Counting units or characters" in section
    assert ("differ by more than their intervals" in section) == bool(table["differs"].any())


@pytest.mark.corpora
def test_counting_by_units_and_by_characters_share_draws_and_each_is_what_shares_gives_alone(city_run):
    """weighing() draws documents and units once for both weights; each weight's share and interval are those
    shares() gives that weight alone over one group of every document (the same seed, model, k and group)."""
    data = quiet_data(city_run)
    table = weighing(data, "seeded-lda", 7, draws=200, seed=3)  # two seeds: draws alternate between the fits
    whole = StudyData(data.units.assign(everywhere="all"), data.themes, data.fits,
                      {**data.column_types, "everywhere": "category"})
    for weight in ("units", "length"):
        alone = shares(whole, by="everywhere", weight=weight, draws=200, seed=3, model="seeded-lda", k=7)
        assert table["theme"].tolist() == alone["theme"].tolist()
        for column in ("share", "ci_low", "ci_high"):
            assert table[f"{column}_{weight}"].tolist() == alone[column].tolist()
    assert not np.array_equal(table["ci_low_units"], table["ci_low_length"])
