"""The report page, the plots and `topics report` on a run folder built from real fits.

(What the pages do in a real browser is tested in test_browser.py.)"""

from __future__ import annotations

import html
import re
import shutil

import pandas as pd
import pytest
from matplotlib.image import imread

from conftest import SHARED_CORPORA
from report_helpers import cached_rendered_run, gold_labelled_run
from topics.cli import main
from topics.errors import InputError
from topics.report import write_plots, write_report
from topics.report.page import markdown_html
from topics.report.plots import attention_figure, regions_figure, shares_figure
from topics.report.tables import attention, confusion, document_shares, theme_order
from topics.run_folder import RunFolder

HAVE_CORPORA = SHARED_CORPORA.is_dir()


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A finished run folder with its plots and report written (tests that change it work on a copy)."""
    return cached_rendered_run(tmp_path_factory, with_corpora=HAVE_CORPORA)


def local_links(page: str) -> list[str]:
    return re.findall(r'(?:href|src)="([^"#][^"]*)"', page)


def test_report_links_every_page_and_plot(run):
    run_dir, fitted, plots, report = run
    page = report.read_text(encoding="utf-8")
    for model in fitted["results"]:
        assert (run_dir / "ldavis" / f"{model}.html").is_file()
        assert f'href="ldavis/{model}.html"' in page
    links = local_links(page)
    assert links, "the report should link its pages and plots"
    for link in links:
        assert not re.match(r"[a-z]+:", link), f"{link}: the report must link only inside the run folder"
        assert (run_dir / html.unescape(link)).is_file(), f"{link}: broken relative link"
    for plot in plots:
        assert f'src="plots/{plot.name}"' in page
    assert "<script" not in page.lower()  # a static page: nothing to run, nothing to fetch


def test_report_shows_topics_with_themes_and_comparison(run):
    _, fitted, _, report = run
    page = report.read_text(encoding="utf-8")
    for model, result in fitted["results"].items():
        for topic_id, theme, words in zip(result.topic_ids, result.topic_themes, result.top_words(10)):
            assert html.escape(" ".join(words)) in page, f"{model} T{topic_id}: top words missing"
        assert f"<td>T{result.topic_ids[-1]}</td>" in page
    assert "ecology 生态" in page or "livelihood 民生" in page or "industry 产业" in page
    assert "<th>topic_diversity</th>" in page  # comparison.md rendered as a table
    assert "Noto Sans CJK SC" in page and "WenQuanYi Micro Hei" in page


def test_plots_are_pngs(run):
    run_dir, _, plots, _ = run
    names = {p.name for p in plots}
    assert "metrics_vs_k.png" in names
    assert {"shares_lda.png", "shares_nmf.png"} <= names
    assert {"confusion_lda.png", "confusion_nmf.png"} <= names  # weak labels from the headings
    for plot in plots:
        image = imread(plot)
        assert image.shape[0] > 100 and image.shape[1] > 100


@pytest.mark.skipif(not HAVE_CORPORA, reason=f"documents with several years and regions come from {SHARED_CORPORA}")
def test_attention_over_years_and_regions(run):
    run_dir, _, plots, report = run
    names = {p.name for p in plots}
    assert {"years_lda.png", "years_nmf.png", "regions_lda.png"} <= names
    page = report.read_text(encoding="utf-8")
    assert 'id="years"' in page and 'id="regions"' in page and "1978–2024" in page
    assert "上海市" in page

    # The 1998 ecology share of every seed, counted straight from theme_shares.csv.
    shares = RunFolder.open(run_dir).table("theme_shares.csv")
    rows = shares[(shares.model == "nmf") & (shares.k == 5) & (shares.year == 1998)]
    per_seed = [group.loc[group.theme == "livelihood", "units"].sum() / group["units"].sum()
                for _, group in rows.groupby("seed")]
    table = attention(shares, "nmf", "year")
    got = table[(table.year == 1998) & (table.theme == "livelihood")].iloc[0]
    assert got["mean"] == pytest.approx(sum(per_seed) / len(per_seed))
    assert got["min"] == pytest.approx(min(per_seed)) and got["max"] == pytest.approx(max(per_seed))
    assert got["seeds"] == 3


def panels_fit_their_theme(figure, table: pd.DataFrame, limits) -> None:
    """One visible panel per theme column of ``table``, in order, each scaled to that theme's own largest share."""
    panels = [ax for ax in figure.axes if ax.get_visible()]
    assert [ax.get_title().split("\n")[0] for ax in panels] == list(table.columns)  # flags go under the name
    for ax, theme in zip(panels, table.columns):
        largest = float(table[theme].max())
        assert largest <= limits(ax)[1] <= max(largest, 0.01) * 1.1 + 1e-9, theme
    assert len({round(limits(ax)[1], 6) for ax in panels}) > 1  # small themes on their own scale


def test_share_plots_give_each_theme_its_own_panel_and_axis(run):
    shares = RunFolder.open(run[0]).table("theme_shares.csv")
    for model in ("lda", "nmf"):
        panels_fit_their_theme(shares_figure(shares, model), document_shares(shares, model), lambda ax: ax.get_xlim())
    if HAVE_CORPORA:
        years = attention(shares, "nmf", "year").pivot(index="year", columns="theme", values="max")
        years = years[theme_order(years.columns)]
        panels_fit_their_theme(attention_figure(shares, "nmf", "year"), years, lambda ax: ax.get_ylim())
        regions = attention(shares, "nmf", "region").pivot(index="region", columns="theme", values="mean")
        panels_fit_their_theme(regions_figure(shares, "nmf"), regions[theme_order(regions.columns)],
                               lambda ax: ax.get_xlim())


def test_attention_counts_a_missing_theme_as_zero():
    # Seed 1 has no ecology topic, so its table has no ecology rows: its share is 0, not missing.
    shares = pd.DataFrame([
        ("m", 5, 0, "d1", 2000, "", "ecology", 1, 0.25), ("m", 5, 0, "d1", 2000, "", "other", 3, 0.75),
        ("m", 5, 0, "d2", 2000, "", "ecology", 3, 0.75), ("m", 5, 0, "d2", 2000, "", "other", 1, 0.25),
        ("m", 5, 1, "d1", 2000, "", "other", 4, 1.0), ("m", 5, 1, "d2", 2000, "", "other", 4, 1.0),
        ("m", 9, 0, "d1", 2000, "", "ecology", 4, 1.0),  # another k: not the main one
    ], columns=["model", "k", "seed", "doc_id", "year", "region", "theme", "units", "share"])
    table = attention(shares, "m", "year").set_index("theme")
    assert table.loc["ecology", "mean"] == pytest.approx(0.25)  # (4/8 + 0/8) / 2
    assert table.loc["ecology", "min"] == 0 and table.loc["ecology", "max"] == pytest.approx(0.5)
    assert table.loc["other", "mean"] == pytest.approx(0.75)


def test_confusion_counts_labelled_units_only():
    gold = pd.Series(["ecology", "ecology", "", "safety", "industry"])
    predicted = pd.Series(["ecology", "industry", "safety", "other", "industry"])
    table = confusion(gold, predicted)
    assert list(table.index) == ["ecology", "industry", "safety"]
    assert list(table.columns) == ["ecology", "industry", "safety", "other"]
    assert table.loc["ecology", "ecology"] == 1 and table.loc["ecology", "industry"] == 1
    assert table.loc["safety", "other"] == 1 and table.loc["industry", "industry"] == 1
    assert table.values.sum() == 4


def test_markdown_is_rendered_and_escaped():
    text = "# Title <b>\n\nSome **bold** and `code` & <img src=x onerror=alert(1)>.\n\n| a | b |\n|---|---|\n| **1** | <i>2</i> |\n\n- item `x`\n"
    rendered = markdown_html(text, heading_offset=2)
    assert "<h3>Title &lt;b&gt;</h3>" in rendered
    assert "<strong>bold</strong>" in rendered and "<code>code</code>" in rendered
    assert "&amp; &lt;img src=x onerror=alert(1)&gt;" in rendered
    assert "<td><strong>1</strong></td><td>&lt;i&gt;2&lt;/i&gt;</td>" in rendered
    assert "<li>item <code>x</code></li>" in rendered
    assert "<img" not in rendered and "<i>" not in rendered


def test_report_command_rerenders_without_refitting(run, tmp_path, capsys):
    run_dir = tmp_path / "run"
    shutil.copytree(run[0], run_dir)
    model_files = {p: p.stat().st_mtime_ns for p in (run_dir / "models").rglob("*") if p.is_file()}
    (run_dir / "report.html").unlink()
    shutil.rmtree(run_dir / "ldavis")
    assert main(["report", str(run_dir), "--no-progress"]) == 0
    assert capsys.readouterr().out.strip() == str(run_dir / "report.html")
    assert (run_dir / "report.html").is_file() and (run_dir / "ldavis" / "lda.html").is_file()
    assert {p: p.stat().st_mtime_ns for p in model_files} == model_files


def test_report_command_refuses_unfinished_or_missing_runs(tmp_path, capsys):
    assert main(["report", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nowhere: no such run folder" in err
    unfinished = tmp_path / "unfinished"
    unfinished.mkdir()
    (unfinished / "metrics.csv").write_text("model,k,seed\n", encoding="utf-8")
    assert main(["report", str(unfinished)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a run folder (no config.toml)" in err and "Traceback" not in err
    (unfinished / "config.toml").write_text("[run]\nname = 'x'\n", encoding="utf-8")
    assert main(["report", str(unfinished)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no DONE file" in err and "Traceback" not in err


def test_a_table_missing_a_column_is_named(run, tmp_path):
    run_dir = tmp_path / "run"
    shutil.copytree(run[0], run_dir)
    shares = pd.read_csv(run_dir / "theme_shares.csv").drop(columns=["units"])
    shares.to_csv(run_dir / "theme_shares.csv", index=False)
    with pytest.raises(InputError, match=r"theme_shares\.csv: missing column\(s\) units"):
        write_report(run_dir)


def test_metrics_against_k_only_when_a_model_has_several_k(run, tmp_path):
    page = run[3].read_text(encoding="utf-8")
    assert 'src="plots/metrics_vs_k.png"' in page  # the fixture fits K = 5 and 8
    run_dir = tmp_path / "run"
    shutil.copytree(run[0], run_dir)
    metrics = pd.read_csv(run_dir / "metrics.csv")
    metrics[metrics.k == 5].to_csv(run_dir / "metrics.csv", index=False)
    plots = {p.name for p in write_plots(run_dir)}
    assert "metrics_vs_k.png" not in plots and {"shares_lda.png", "shares_nmf.png"} <= plots
    assert not (run_dir / "plots" / "metrics_vs_k.png").exists()
    page = write_report(run_dir).read_text(encoding="utf-8")
    assert "metrics_vs_k" not in page
    assert "No plot of metrics against K: every model of this run was fitted at one K." in page


def test_classifiers_are_described_as_what_they_are(tmp_path):
    run_dir = gold_labelled_run(tmp_path)
    page = (run_dir / "report.html").read_text(encoding="utf-8")
    supervised = ("supervised is a classifier trained on hand-coded units in this run (a logistic regression on the "
                  "TF-IDF of a unit&#x27;s words)")
    pretrained = ("pretrained is the package&#x27;s pretrained classifier (shipped in topics/pretrained/), trained before "
                  "this run on every unit the project has hand-coded")
    for description in (supervised, pretrained):  # under its topics, its assignments and its document shares
        assert page.count(f'<p class="model">{description}') >= 3, description
    assert '<p class="model">lda is' not in page  # a topic model needs no such note
    for model, description in (("supervised", supervised), ("pretrained", pretrained)):
        assert description in (run_dir / "ldavis" / f"{model}.html").read_text(encoding="utf-8")
    assert 'class="model"' not in (run_dir / "ldavis" / "lda.html").read_text(encoding="utf-8")
    comparison = (run_dir / "comparison.md").read_text(encoding="utf-8")
    assert "`supervised` is a classifier trained on hand-coded units in this run" in comparison
    assert "`pretrained` is the package's pretrained classifier" in comparison and "`lda` is" not in comparison


def test_hostile_run_contents_are_escaped(run, tmp_path):
    run_dir = tmp_path / "run"
    shutil.copytree(run[0], run_dir)
    bad = '<img src=x onerror="window.__pwned=1">'
    assigned = pd.read_csv(run_dir / "assignments.csv", dtype=str, keep_default_na=False)
    assigned.loc[0, "heading"] = bad
    assigned.to_csv(run_dir / "assignments.csv", index=False)
    shares = pd.read_csv(run_dir / "theme_shares.csv", keep_default_na=False)
    shares.loc[shares.doc_id == shares.doc_id.iloc[0], "doc_id"] = bad + "</script>"
    shares.to_csv(run_dir / "theme_shares.csv", index=False)
    (run_dir / "comparison.md").write_text(f"# {bad}\n\n| model | note |\n|---|---|\n| lda | {bad} |\n", encoding="utf-8")
    page = write_report(run_dir).read_text(encoding="utf-8")
    assert "<img src=x" not in page and "</script>" not in page
    assert html.escape(bad + "</script>") in page
