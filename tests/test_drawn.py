"""A report drawn again on a run keeps every plot and LDAvis page whose inputs did not change (plots/drawn.json),
draws again exactly those whose inputs changed or whose file is gone or damaged, and gives the same report page
either way. Real runs of real city reports, drawn with the real libraries."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from test_runner import city_corpus, small_models, write_config
from topics.cli import main
from topics.run_files import ASSIGNMENTS, LDAVIS, PLOT_MANIFEST, PLOTS, REPORT, THEME_SHARES, shares_by

CITIES = ("2024_南京市.txt", "2024_合肥市.txt", "2024_三亚市.txt")
MODELS = small_models("dictionary", "lda", lda="k = 6\npasses = 3\niterations = 20")


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory, shared_corpora):
    """Three city reports (so shares by region and their plots), run by `topics run` with its report."""
    folder = tmp_path_factory.mktemp("drawn")
    corpus = city_corpus(folder, shared_corpora, CITIES)
    config = write_config(folder, corpus, models=MODELS, seeds=(1, 2), report=True)
    assert main(["run", str(config), "-o", str(folder / "run"), "--no-progress"]) == 0
    return folder / "run"


@pytest.fixture
def run(finished_run, tmp_path):
    run_dir = tmp_path / "run"
    shutil.copytree(finished_run, run_dir)
    return run_dir


def drawn_files(run_dir) -> dict[str, tuple[int, bytes]]:
    """Every plot and LDAvis page: its modification time and bytes."""
    files = [*(run_dir / PLOTS).glob("*.png"), *(run_dir / LDAVIS).glob("*.html")]
    return {p.relative_to(run_dir).as_posix(): (p.stat().st_mtime_ns, p.read_bytes()) for p in files}


def manifest(run_dir) -> dict[str, dict]:
    return json.loads((run_dir / PLOTS / PLOT_MANIFEST).read_text(encoding="utf-8"))["files"]


def redrawn(before: dict, after: dict) -> set[str]:
    return {name for name in after if name not in before or after[name][0] != before[name][0]}


def report(run_dir) -> int:
    return main(["report", str(run_dir), "--no-progress"])


def test_an_unchanged_run_keeps_every_plot_and_page(run, capsys):
    before, page = drawn_files(run), (run / REPORT).read_bytes()
    names = {name for name in before}
    assert any(name.startswith("plots/regions_") for name in names)
    assert any(name.startswith("plots/inference_region_") for name in names)
    assert {"ldavis/lda.html", "ldavis/dictionary.html"} <= names
    assert set(manifest(run)) == names  # the manifest knows every drawn file
    assert report(run) == 0
    assert drawn_files(run) == before  # nothing drawn again: same times, same bytes
    assert all(entry["reused"] for entry in manifest(run).values())
    assert (run / REPORT).read_bytes() == page


def test_the_report_is_the_same_whether_plots_are_kept_or_drawn(run):
    assert report(run) == 0
    kept = (run / REPORT).read_bytes()
    shutil.rmtree(run / PLOTS)
    shutil.rmtree(run / LDAVIS)
    assert report(run) == 0
    assert not any(entry["reused"] for entry in manifest(run).values())
    assert (run / REPORT).read_bytes() == kept


def test_a_remap_draws_again_exactly_the_plots_whose_tables_changed(run, capsys):
    tables = (THEME_SHARES, ASSIGNMENTS, shares_by("region"))
    tables_before = {name: pd.read_csv(run / name) for name in tables}
    before = drawn_files(run)
    assert main(["remap", str(run), "--min-lift", "1.5", "--no-progress"]) == 0
    tables_after = {name: pd.read_csv(run / name) for name in tables}
    after = drawn_files(run)
    again = redrawn(before, after)
    entries = manifest(run)
    assert {name for name, entry in entries.items() if not entry["reused"]} == again

    def changed(table, model):
        old, new = tables_before[table], tables_after[table]
        return not old[old["model"] == model].reset_index(drop=True).equals(
            new[new["model"] == model].reset_index(drop=True))

    # the dictionary's topics are its themes and keep them; lda's are mapped by lift, and now differently
    assert not changed(THEME_SHARES, "dictionary") and changed(THEME_SHARES, "lda")
    expected = set()
    for model in ("dictionary", "lda"):
        if changed(THEME_SHARES, model):  # its themes changed: its share plots and its page
            expected |= {f"plots/shares_{model}.png", f"plots/regions_{model}.png", f"ldavis/{model}.html"}
        if changed(ASSIGNMENTS, model):
            expected.add(f"plots/confusion_{model}.png")
        if changed(shares_by("region"), model):  # drawn again by the inference stage, with new intervals
            expected.add(f"plots/inference_region_{model}.png")
    assert again == expected
    kept = set(after) - again
    assert {"plots/shares_dictionary.png", "plots/regions_dictionary.png", "ldavis/dictionary.html"} <= kept
    assert all(after[name] == before[name] for name in kept)
    report_page = (run / REPORT).read_bytes()
    assert report(run) == 0  # and now nothing is drawn again
    assert drawn_files(run) == after and (run / REPORT).read_bytes() == report_page


def test_a_new_shares_table_draws_again_only_its_plots(run, capsys):
    before = drawn_files(run)
    table = run / "shares_by_region.csv"
    assert main(["shares", str(run), "--by", "region", "--draws", "50", "-o", str(table)]) == 0
    assert report(run) == 0
    again = redrawn(before, drawn_files(run))
    assert again and all(name.startswith("plots/inference_region_") for name in again)


def test_a_deleted_or_damaged_plot_is_drawn_again(run):
    before = drawn_files(run)
    deleted, damaged = run / PLOTS / "shares_lda.png", run / PLOTS / "regions_dictionary.png"
    page = run / LDAVIS / "lda.html"
    deleted.unlink()
    damaged.write_bytes(damaged.read_bytes()[:100])
    page.write_text("<html></html>", encoding="utf-8")
    assert report(run) == 0
    after = drawn_files(run)
    assert redrawn(before, after) == {"plots/shares_lda.png", "plots/regions_dictionary.png", "ldavis/lda.html"}
    for name in ("plots/shares_lda.png", "plots/regions_dictionary.png", "ldavis/lda.html"):
        assert after[name][1] == before[name][1]  # drawn again to the very same bytes


@pytest.mark.parametrize("damage", ["{not json", '{"format": 1, "files": {"plots/shares_lda.png": 3}}', "[]", ""])
def test_a_damaged_manifest_is_ignored(run, damage, capsys):
    before = drawn_files(run)
    (run / PLOTS / PLOT_MANIFEST).write_text(damage, encoding="utf-8")
    assert report(run) == 0
    assert "Traceback" not in capsys.readouterr().err
    after = drawn_files(run)
    assert redrawn(before, after) == set(before)  # everything drawn again, to the same bytes
    assert {name: data for name, (_, data) in after.items()} == {name: data for name, (_, data) in before.items()}
    assert set(manifest(run)) == set(before)


def test_plots_of_a_model_no_longer_in_the_run_are_removed(run):
    stale = run / PLOTS / "shares_gone.png"
    shutil.copy(run / PLOTS / "shares_lda.png", stale)
    stale_page = run / LDAVIS / "gone.html"
    shutil.copy(run / LDAVIS / "lda.html", stale_page)
    assert report(run) == 0
    assert not stale.exists() and not stale_page.exists()
    assert "plots/shares_gone.png" not in manifest(run)
