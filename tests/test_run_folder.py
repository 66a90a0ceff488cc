"""The run folder as the one source of a unit's theme: every reader of a run gives each unit the theme and
the probabilities the run's tables stage wrote, and the folder's file names are spelled in one module."""

from __future__ import annotations

import ast
import json
import re

import numpy as np
import pandas as pd
import pytest

import topics
from conftest import PROJECT, SAMPLE
from test_runner import small_models, write_config
from topics import run_files as files
from topics.errors import InputError
from topics.run_folder import RunFolder
from topics.run_folder.units import read_units as read_run_units
from topics.running import remap_run, run_experiment
from topics.validation.examples import run_examples
from topics.validation.kit import KitSettings, read_key, write_kit

MODELS = small_models("dictionary", "lda", "seeded-lda", lda="k = 5\npasses = 3\niterations = 20")


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sample")
    return run_experiment(write_config(folder, SAMPLE, models=MODELS, seeds=(1, 2), report=True), folder / "run")


@pytest.fixture(scope="module")
def city_run(tmp_path_factory, shared_corpora):
    """The 122 city reports, as compare_models_cities.toml reads them, with one seed."""
    folder = tmp_path_factory.mktemp("cities")
    config = write_config(folder, shared_corpora / "city_gwr_2024", models=MODELS, seeds=(1,), report=True)
    config.write_text(config.read_text(encoding="utf-8").replace("no_below = 1\nno_above = 0.6",
                                                                  "no_below = 5\nno_above = 0.3"), encoding="utf-8")
    return run_experiment(config, folder / "run")


def assert_every_reader_agrees(run_dir, kit_dir):
    run = RunFolder.open(run_dir)
    assigned = pd.read_csv(run_dir / files.ASSIGNMENTS, keep_default_na=False)
    probabilities = pd.read_csv(run_dir / files.UNIT_PROBABILITIES, keep_default_na=False)
    for fit in run.fits(primary_only=True):
        mine = assigned[assigned["model"] == fit.model].set_index("unit_id")
        # unit_probabilities.csv: the same theme, and p is the assigned theme's p_<theme>
        rows = probabilities[(probabilities["model"] == fit.model) & (probabilities["k"] == fit.k)
                             & (probabilities["seed"] == fit.seed)].set_index("unit_id")
        assert rows.index.tolist() == mine.index.tolist()
        assert rows["theme"].tolist() == mine["theme"].tolist()
        p_of_theme = [rows.at[unit, f"p_{theme}"] for unit, theme in zip(rows.index, rows["theme"])]
        assert np.allclose(p_of_theme, mine["p"], atol=1e-6)
        # the run's own arrays, as every reader gets them
        assert fit.themes.theme_names() == mine["theme"].tolist()
        assert np.allclose(fit.themes.p, mine["p"])
        # representative units: each one's assigned theme is the run's
        examples = run_examples(run, fit.model, n=3)
        assert (examples["assigned"] == mine.loc[examples["unit_id"], "theme"].to_numpy()).all()
    # the kit's coding sample is stratified by the themes the run assigned, and theme intrusion names them
    key = read_key(write_kit(run, kit_dir, settings=KitSettings(n_coding=30, n_units=6)))
    for task in key["tasks"]:
        if task["kind"] in ("code", "theme"):
            row = assigned[(assigned["model"] == task["model"]) & (assigned["unit_id"] == task["unit_id"])]
            assert row["theme"].tolist() == [task["theme"]], task["task"]
    # the report shows assignments.csv's counts
    report = (run_dir / files.REPORT).read_text(encoding="utf-8")
    for model, rows in assigned.groupby("model", sort=False):
        assert f"<h3>{model}: {len(rows)} units</h3>" in report
    # the examples the report shows are the ones the run wrote
    written = pd.read_csv(run_dir / files.EXAMPLES, keep_default_na=False)
    assert written["unit_id"].tolist() == run_examples(run, n=3)["unit_id"].tolist()


def test_every_reader_gives_a_unit_the_run_s_theme_on_the_sample(sample_run, tmp_path):
    assert_every_reader_agrees(sample_run, tmp_path / "kit")


@pytest.mark.slow
@pytest.mark.corpora
def test_every_reader_gives_a_unit_the_run_s_theme_on_the_city_reports(city_run, tmp_path):
    assert_every_reader_agrees(city_run, tmp_path / "kit")


def test_the_api_table_gives_p_as_the_assigned_theme_s_probability():
    units = topics.read_corpus(SAMPLE)
    table = topics.fit(units, "seeded-lda", seed=1).assignments()
    p_of_theme = [row[f"p_{row['theme']}"] for _, row in table.iterrows()]
    assert np.allclose(table["p"], p_of_theme)
    assert "section" in units.columns  # a unit's section counts for its theme, as in a run
    # each row holds its own list (the units of a section share one): changing one row changes no other
    first, second = units.index[units["section"].map(tuple).duplicated(keep=False)][:2]
    assert units.at[first, "section"] == units.at[second, "section"]
    units.at[first, "section"].append("changed")
    assert "changed" not in units.at[second, "section"]


def test_a_run_s_units_share_their_repeated_values(sample_run):
    """Read back from units.jsonl, a document's id, its metadata columns and a section's headings are one
    object for all the units that hold them (a copy each held more memory than the units' text)."""
    units = RunFolder.open(sample_run).units
    documents = {unit.doc_id for unit in units}
    assert len({id(unit.doc_id) for unit in units}) == len(documents) < len(units)
    sections = {tuple(unit.meta["section"]) for unit in units}
    assert len({id(unit.meta["section"]) for unit in units}) == len(sections) < len(units)


def test_a_run_s_units_leave_their_texts_in_the_file_and_read_them_back_as_written(sample_run, tmp_path):
    """The stages after fitting hold units without texts; a unit, every text and each length are the file's."""
    written = [json.loads(line) for line in (sample_run / files.UNITS).read_text(encoding="utf-8").splitlines()]
    run_units = RunFolder.open(sample_run).run_units
    assert all(unit.text is None for unit in run_units.units)
    assert run_units.texts() == [record["text"] for record in written]
    assert run_units.lengths.tolist() == [len(record["text"]) for record in written]
    last = len(written) - 1
    for i in (0, last // 2, last):
        assert run_units.unit(i).text == written[i]["text"] and run_units.unit(i).unit_id == written[i]["unit_id"]
    assert [unit.text for unit in run_units.with_texts()] == run_units.texts()
    # units.jsonl rewritten under a reader that has read it: an error naming the line, never another unit's text
    copy = tmp_path / "run"
    copy.mkdir()
    (copy / files.UNITS).write_bytes((sample_run / files.UNITS).read_bytes())
    moved = read_run_units(copy / files.UNITS)
    lines = (copy / files.UNITS).read_text(encoding="utf-8").splitlines(keepends=True)
    (copy / files.UNITS).write_text("".join([lines[1], lines[0], *lines[2:]]), encoding="utf-8")
    for read in (lambda: moved.unit(1), moved.texts, lambda: list(moved.with_texts())):
        with pytest.raises(InputError, match=r"units\.jsonl:[12]: not the unit read before"):
            read()


def test_a_run_s_units_held_as_columns_are_the_units_written(sample_run):
    """The run's units, held as columns, give every unit as units.jsonl has it (but its text) by index, from
    the end, by slice and in a loop; units of one document with the same metadata share one dict for it."""
    written = [json.loads(line) for line in (sample_run / files.UNITS).read_text(encoding="utf-8").splitlines()]
    units = RunFolder.open(sample_run).units
    expected = [{**record, "text": None, "span": tuple(record["span"])} for record in written]
    for record in expected:
        del record["label"], record["fitted_row"]
    as_read = [{field: getattr(unit, field) for field in expected[0]} for unit in units]
    assert len(units) == len(written) and as_read == expected
    assert [unit.unit_id for unit in units[3:9]] == [record["unit_id"] for record in written[3:9]]
    assert units[-1].unit_id == written[-1]["unit_id"] and units[5] == list(units)[5]
    with pytest.raises(IndexError):
        units[len(units)]
    one_dict = {}  # (document, metadata) → the dict its first unit holds
    for unit, record in zip(units, written):
        assert one_dict.setdefault((record["doc_id"], json.dumps(record["meta"], sort_keys=True)), unit.meta) is unit.meta
    assert len(one_dict) < len(units)


def test_a_csv_written_in_sections_holds_them_in_order_and_leaves_nothing_beside_it(tmp_path):
    """csv_parts with sections: frames written block by block to each section give the file section after
    section, one header; no temporary file is left, and a failed write leaves no table."""
    run = RunFolder(tmp_path)
    frames = [pd.DataFrame({"section": [s] * 2, "block": [b] * 2, "text": ["甲,乙", "丙\n丁"]})
              for b in range(3) for s in range(3)]
    with run.csv_parts("table.csv", sections=3) as write:
        for frame in frames:
            write(frame, int(frame["section"].iloc[0]))
    in_order = sorted(frames, key=lambda frame: int(frame["section"].iloc[0]))
    assert (tmp_path / "table.csv").read_text(encoding="utf-8") == pd.concat(in_order).to_csv(index=False)
    with pytest.raises(RuntimeError), run.csv_parts("broken.csv", sections=2) as write:
        write(frames[1], 1)
        raise RuntimeError("interrupted")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["table.csv"]


def test_tables_written_a_block_of_units_at_a_time_are_the_whole_tables(sample_run, monkeypatch, tmp_path):
    """unit_probabilities.csv and assignments.csv are written in parts of UNITS_PER_PART units: with parts of 7
    units the files are byte for byte those of the run."""
    import shutil

    import topics.inference.study as study_module
    import topics.running.tables as tables_module
    from topics.inference.study import unit_probability_parts, write_unit_probabilities
    from topics.running.tables import write_tables

    run = RunFolder.open(sample_run)
    parts = list(unit_probability_parts(run, block=7))
    assert max(len(part) for part in parts) == 7 and len(parts) > len(run.fits())
    assert pd.concat(parts, ignore_index=True).equals(pd.concat(list(unit_probability_parts(run)), ignore_index=True))
    copy = tmp_path / "run"
    shutil.copytree(sample_run, copy)
    monkeypatch.setattr(tables_module, "UNITS_PER_PART", 7)
    monkeypatch.setattr(study_module.unit_probability_parts, "__defaults__", (7,))
    again = RunFolder.open(copy)
    write_tables(again, again.config, again.lexicon)
    write_unit_probabilities(again)
    for name in (files.ASSIGNMENTS, files.UNIT_PROBABILITIES):
        assert (copy / name).read_bytes() == (sample_run / name).read_bytes(), name


def test_one_reading_of_each_file_per_command(sample_run, monkeypatch):
    """Readers share one RunFolder: the units are read once, each fit's result once, however many
    sections or tables ask for them."""
    import topics.run_folder.fits as fits_module
    import topics.run_folder.folder as folder_module

    reads = {"units": 0, "results": 0}
    real_units, real_load = folder_module.read_units, fits_module.TopicResult.load

    def count_units(path):
        reads["units"] += 1
        return real_units(path)

    def count_results(folder):
        reads["results"] += 1
        return real_load(folder)

    monkeypatch.setattr(folder_module, "read_units", count_units)
    monkeypatch.setattr(fits_module.TopicResult, "load", staticmethod(count_results))
    run = RunFolder.open(sample_run)
    for _ in range(2):
        run_examples(run)
        for fit in run.fits():
            fit.result  # noqa: B018
    assert reads == {"units": 1, "results": len(run.fits())}


def _string_literals(path) -> list[tuple[int, str]]:
    """Every string constant of a module but its docstrings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


def test_each_run_folder_file_is_named_in_one_module():
    names = {value for key, value in vars(files).items() if key.isupper() and isinstance(value, str)
             and (re.search(r"\.\w+$", value) or value == files.DONE) and value != files.LEXICON}
    home = PROJECT / "topics" / "run_files.py"
    spelled = [f"{path.relative_to(PROJECT)}:{line} {value!r}" for path in sorted((PROJECT / "topics").rglob("*.py"))
               if path != home for line, value in _string_literals(path) if value in names]
    assert spelled == []


def test_the_fit_manifest_lists_every_fit_with_its_primary_and_capabilities(sample_run):
    manifest = json.loads((sample_run / files.FIT_MANIFEST).read_text(encoding="utf-8"))
    fits = [(entry["model"], entry["k"], entry["seed"], entry["primary"]) for entry in manifest["fits"]]
    assert fits == [("dictionary", 6, 1, True), ("lda", 5, 1, True), ("lda", 5, 2, False),
                    ("seeded-lda", 7, 1, True), ("seeded-lda", 7, 2, False)]
    capabilities = {entry["model"]: (entry["has_k"], entry["deterministic"], entry["seeded"]) for entry in manifest["fits"]}
    assert capabilities == {"dictionary": (False, True, True), "lda": (True, False, False),
                            "seeded-lda": (True, False, True)}
    assert manifest["units"] == len((sample_run / files.UNITS).read_text(encoding="utf-8").splitlines())


def test_the_report_names_a_classifier_and_hand_coded_labels_as_what_they_are(tmp_path):
    from test_evaluate import HAND_LABELS, HEADER, gold_lines

    gold = tmp_path / "gold.tsv"
    gold.write_text(HEADER + "".join(gold_lines(SAMPLE, HAND_LABELS)), encoding="utf-8")
    config = write_config(tmp_path, SAMPLE, models=small_models("dictionary", "supervised"), seeds=(1,), report=True)
    config.write_text(config.read_text(encoding="utf-8").replace(
        "[evaluation]\n", f"[evaluation]\nlabels = {json.dumps(str(gold))}\n"), encoding="utf-8")
    report = (run_experiment(config, tmp_path / "run") / files.REPORT).read_text(encoding="utf-8")
    index = report[report.index('id="ldavis"'):report.index('id="comparison"')]
    supervised = next(line for line in index.split("<li>") if ">supervised</a>" in line)
    dictionary = next(line for line in index.split("<li>") if ">dictionary</a>" in line)
    assert "a classifier trained on hand-coded units" in supervised and "lexicon baseline" not in supervised
    assert "lexicon baseline" in dictionary
    assert "weak label" not in report and "hand-coded label" in report


def test_a_theme_name_that_is_no_python_name_runs_to_the_report(tmp_path):
    """Theme names are user data (any TOML key): 'public-order' must not break a table or the report."""
    lexicon = (PROJECT / "topics" / "lexicons" / "themes.toml").read_text(encoding="utf-8")
    (tmp_path / "themes.toml").write_text(lexicon.replace("[themes.governance]", "[themes.public-order]"),
                                          encoding="utf-8")
    config = write_config(tmp_path, SAMPLE, models=MODELS, seeds=(1,), report=True)
    config.write_text(config.read_text(encoding="utf-8") + '\n[themes]\nlexicon = "themes.toml"\n', encoding="utf-8")
    run_dir = run_experiment(config, tmp_path / "run")
    assert "public-order" in (run_dir / files.REPORT).read_text(encoding="utf-8")
    assert "public-order" in (run_dir / files.LDAVIS / "seeded-lda.html").read_text(encoding="utf-8")
    assert "p_public-order" in pd.read_csv(run_dir / files.UNIT_PROBABILITIES, nrows=1).columns


def test_a_run_into_a_relative_folder_is_read_by_every_command(tmp_path, monkeypatch):
    """`topics run CONFIG -o run` (the README's default, runs/<name>, is relative too): the mapped topics, the
    label notes and the inputs' fingerprint land in run/fits/…, not run/run/fits/…, so the commands that
    read the fits afterwards find the themes (they said "topics not mapped to themes; run `topics remap`")."""
    config = write_config(tmp_path, SAMPLE, models=MODELS, seeds=(1,))
    monkeypatch.chdir(tmp_path)
    run_dir = run_experiment(config, "run")
    assert not (tmp_path / "run" / "run").exists()
    assert (tmp_path / "run" / files.FITS / files.INPUTS).is_file()
    for fit in RunFolder.open("run").fits():
        assert fit.result.topic_themes, fit.folder
    assert (tmp_path / "run").samefile(run_dir)
    remap_run("run", min_lift=3.0)
    assert not (tmp_path / "run" / "run").exists()
    run = RunFolder.open("run")
    assert not run_examples(run, n=1).empty
    assert read_key(write_kit(run, "kit", settings=KitSettings(n_coding=12, n_units=2)))["tasks"]
