"""The report page of a run (RUN_DIR/report.html) and its LDAvis pages (RUN_DIR/ldavis/).

The page is one static HTML file with its CSS inline and no script at all; plots are PNGs in
RUN_DIR/plots/ and the LDAvis pages sit in RUN_DIR/ldavis/, both linked relatively, so the run
folder can be zipped and mailed. Everything taken from the run (terms, document ids, regions,
headings, model names) is HTML-escaped."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pandas as pd
from tqdm import tqdm

from ..errors import InputError
from ..outputs import open_output
from ..mapping import MappingSettings, mapping_evidence
from ..result import TopicResult
from ..run_folder import RunFolder
from ..run_files import (ASSIGNMENTS, COMPARISON, CONFIG, CORPUS_SUMMARY, FLAGS, GOLD_METRICS, LDAVIS, METRICS,
                                PLOTS, REPORT, THEME_SHARES, VERSIONS)
from .corrected import corrected_section
from .drawn import PLOTS_PART, REPORT_PART, DrawnFiles
from .inference import inference_section
from .ldavis import CJK_FONT_STACK, page_inputs, theme_display_names, write_ldavis
from .tables import (ASSIGNMENT_COLUMNS, METRICS_COLUMNS, SHARE_COLUMNS, attention, distinct, document_shares,
                     flagged_name, label_kind, main_fit, main_fit_flags, model_order, several_k,
                     theme_order)
from ..validation.flags import primary_rows
from .validation import examples_section, flags_section

TOP_WORDS = 10
SCALE_NOTE = "read a small theme's changes in its panel, and compare themes by the numbers on their axes."


def write_report(run: RunFolder | str | Path, *, progress: bool = False) -> Path:
    """Write RUN_DIR/ldavis/<model>.html for every model's primary fit and RUN_DIR/report.html; return the
    report's path.

    Everything shown is read from the run's tables (metrics.csv, comparison.md, assignments.csv,
    theme_shares.csv, flags.csv, topic_evidence.csv, examples.csv, the inference tables, gold_metrics.csv
    when present), its fits' topics and the PNGs in plots/ (see topics.report.plots.write_plots)."""
    from .plots import cjk_font, plot_file

    run = RunFolder.of(run, finished=False)  # the runner writes the report before DONE
    config = run.config
    for name in (VERSIONS, CORPUS_SUMMARY):  # damaged run files stop the report before it writes
        run.json(name)
    names = theme_display_names(run.lexicon)
    metrics = run.table(METRICS, METRICS_COLUMNS)
    assigned = run.table(ASSIGNMENTS, ASSIGNMENT_COLUMNS)
    shares = run.table(THEME_SHARES, SHARE_COLUMNS)
    gold = run.table(GOLD_METRICS, ("model",))
    primary = primary_fits(run)
    fits = {fit.model: fit for fit in primary}
    results = {fit.model: fit.result for fit in primary}
    capabilities = {fit.model: fit.capabilities for fit in primary}

    drawn = DrawnFiles(run.path, part=REPORT_PART)
    ldavis_dir = run.file(LDAVIS)
    ldavis_dir.mkdir(exist_ok=True)
    pages = {}
    for name, result in tqdm(results.items(), desc="LDAvis pages", unit="page", disable=not progress):
        evidence = mapping_evidence(result, run.lexicon, MappingSettings.from_config(config))
        note = model_note(fits[name].capabilities)
        page = ldavis_dir / ldavis_file(name)
        options = {"theme_names": names, "back_link": f"../{REPORT}", "evidence": evidence,
                   "description": f"{name} is {note}." if note else ""}
        pages[name] = drawn.file(page, lambda: write_ldavis(result, page, **options), write_ldavis, page_inputs(result),
                                 options)

    models = model_order(metrics, assigned, shares, extra=results)
    plot = _PlotLinks(run.path, plot_file)
    caveat = ModelCaveats(metrics, primary_flags(run), config, names, capabilities,
                          {fit.model: fit.warnings for fit in primary})
    title = f"Topic report: {config.get('run', {}).get('name') or run.path.resolve().name}"
    sections = [
        ("ldavis", "LDAvis pages", ldavis_section(results, pages, names, capabilities)),
        ("comparison", "Model comparison", comparison_section(run, metrics, gold, plot)),
        ("topics", "Topics of each model", topics_section(results, names, capabilities)),
        ("assignment", "Themes assigned to units", assignment_section(assigned, models, names, plot, caveat,
                                                                      label_kind(config))),
        ("documents", "Theme shares per document", documents_section(shares, models, names, plot, caveat)),
    ]
    years, regions = distinct(shares, "year"), distinct(shares, "region")
    if len(years) >= 2:
        sections.append(("years", "Theme attention over years", attention_section(shares, models, names, plot, "year", years, caveat)))
    if len(regions) >= 2:
        sections.append(("regions", "Theme attention by region", attention_section(shares, models, names, plot, "region", regions, caveat)))
    sections.append(("inference", "Shares with intervals and covariate effects",
                     inference_section(run, names, drawn)))
    sections.append(("corrected", "Shares corrected with a coded sample", corrected_section(run, names, drawn)))
    sections.append(("flags", "Validity flags", flags_section(run)))
    sections.append(("examples", "Representative units", examples_section(run)))
    sections.append(("run", "Run details", run_section(run.path, cjk_font())))

    # a re-render must not leave pages or plots of models no longer in the run (write_plots prunes its own plots)
    drawn.prune(ldavis_dir, "*.html")
    drawn.prune(run.file(PLOTS), "*.png", spare=(PLOTS_PART,))
    drawn.save()
    path = run.file(REPORT)
    with open_output(path) as out:
        out.write(page_html(title, sections))
    return path


def ldavis_file(model: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in model) + ".html"


def primary_fits(run: RunFolder) -> list:
    """Each model's primary fit ([] for a run folder made before runs listed their fits: the report then
    shows the tables alone)."""
    try:
        return run.fits(primary_only=True)
    except InputError:
        return []


class _PlotLinks:
    """<img> tags for the plots that exist in RUN_DIR/plots/."""

    def __init__(self, run_dir: Path, plot_file):
        self.run_dir, self.plot_file = run_dir, plot_file

    def __call__(self, kind: str, model: str | None, alt: str) -> str:
        name = self.plot_file(kind, model)
        if not (self.run_dir / PLOTS / name).is_file():
            return ""
        return f'<figure><img src="plots/{esc(quote(name))}" alt="{esc(alt)}"></figure>'


# --- sections -------------------------------------------------------------------------------

def model_note(capabilities: dict) -> str:
    """What a model's topics are, when they are not topics found in the corpus ("" for a topic model)."""
    if capabilities.get("pretrained") and capabilities.get("needs_labels"):
        return ("the package's pretrained classifier adapted to the hand-coded units of this run: its shipped weights "
                "moved toward them as far as they bear out (a prior centred on the shipped weights); one topic per "
                "label, a unit's shares its class probabilities (for a unit it learnt from, those of a classifier "
                "adapted without it), a topic's words those that raise the label most")
    if capabilities.get("pretrained"):  # before needs_labels: it learnt its labels before the run, not in it
        return ("the package's pretrained classifier (shipped in topics/pretrained/), trained before this run on "
                "every unit the project has hand-coded in city, district, provincial and State Council reports; it "
                "learns nothing from this run: one topic per label, a unit's shares its class probabilities, a "
                "topic's words those that raise the label most")
    if capabilities.get("needs_labels"):
        return ("a classifier trained on hand-coded units in this run (a logistic regression on the TF-IDF of a "
                "unit's words): one topic per label, a unit's shares its class probabilities (for a unit it learnt "
                "from, those of a classifier that did not see it), a topic's words those that raise the label most")
    if capabilities.get("seeded") and not capabilities.get("has_k", True):
        return "a lexicon baseline: its topics are the themes' seed-word distributions"
    return ""


def model_description(model: str, capabilities: dict) -> str:
    """A paragraph saying what the model is, where the page shows its topics or shares ("" for a topic model)."""
    note = model_note(capabilities)
    return f'<p class="model">{esc(model)} is {esc(note)}.</p>' if note else ""


def ldavis_section(results: dict[str, TopicResult], pages: dict[str, Path], names: dict[str, str],
                   capabilities: dict[str, dict]) -> str:
    if not pages:
        return "<p>No saved models in this run (models/ is empty), so there are no LDAvis pages.</p>"
    items = []
    for name, result in results.items():
        note = model_note(capabilities.get(name, {}))
        note = f" — {note}" if note else ""
        items.append(f'<li><a href="{LDAVIS}/{esc(quote(pages[name].name))}">{esc(name)}</a> '
                     f'(K={result.k}){esc(note)}</li>')
    return ("<p>One interactive page per model, with the model's own topic ids (T0, T1, …) and each topic's theme. "
            "Click a circle to select a topic; the slider λ re-ranks its terms. The pages work offline.</p>"
            f"<ul>{''.join(items)}</ul>")


def comparison_section(run: RunFolder, metrics: pd.DataFrame | None, gold: pd.DataFrame | None, plot) -> str:
    parts = []
    comparison = run.file(COMPARISON)
    if comparison.is_file():
        parts.append(markdown_html(comparison.read_text(encoding="utf-8"), heading_offset=2))
    elif metrics is not None:
        parts.append("<p>comparison.md is absent; mean ± sd over seeds from metrics.csv:</p>")
        parts.append(metrics_summary_html(metrics))
    else:
        parts.append("<p>This run has neither comparison.md nor metrics.csv.</p>")
    if several_k(metrics):
        parts.append(plot("metrics_vs_k", None, "metrics against K per model"))
    elif metrics is not None and not metrics.empty:
        parts.append("<p>No plot of metrics against K: every model of this run was fitted at one K.</p>")
    if gold is not None:
        parts.append("<h3>Agreement with hand-coded labels (gold_metrics.csv)</h3>")
        parts.append(table_html(gold))
    return "\n".join(parts)


def metrics_summary_html(metrics: pd.DataFrame) -> str:
    columns = [c for c in metrics.columns if c not in METRICS_COLUMNS and pd.to_numeric(metrics[c], errors="coerce").notna().any()]
    table = metrics.copy()
    for column in columns:
        table[column] = pd.to_numeric(table[column], errors="coerce")
    grouped = table.groupby(["model", "k"], sort=False)[columns]
    means, sds = grouped.mean(), grouped.std()
    rows = []
    for key in means.index:
        cells = {"model": key[0], "k": key[1]}
        for column in columns:
            mean, sd = means.at[key, column], sds.at[key, column]
            cells[column] = "n/a" if pd.isna(mean) else (f"{mean:.3f}" if pd.isna(sd) else f"{mean:.3f} ± {sd:.3f}")
        rows.append(cells)
    return table_html(pd.DataFrame(rows))


def topics_section(results: dict[str, TopicResult], names: dict[str, str],
                   capabilities: dict[str, dict] | None = None) -> str:
    if not results:
        return "<p>No saved models in this run.</p>"
    parts = []
    for name, result in results.items():
        weights = result.doc_topic * result.doc_lengths[:, None] if len(result.doc_lengths) else result.doc_topic
        totals = weights.sum(axis=0)
        token_share = totals / totals.sum() if totals.sum() > 0 else np.full(result.k, 1.0 / result.k)
        themes = result.topic_themes or [""] * result.k
        rows = [{"topic": f"T{topic_id}", "theme": names.get(theme, theme), "share of tokens": f"{share:.1%}",
                 f"top {TOP_WORDS} words": " ".join(words)}
                for topic_id, theme, share, words in zip(result.topic_ids, themes, token_share, result.top_words(TOP_WORDS))]
        link = f' · <a href="{LDAVIS}/{esc(quote(ldavis_file(name)))}">LDAvis</a>'
        parts.append(f"<h3 id=\"topics-{esc(_anchor(name))}\">{esc(name)} (K={result.k}){link}</h3>")
        parts.append(model_description(name, (capabilities or {}).get(name, {})))
        parts.append(table_html(pd.DataFrame(rows), classes="words"))
    return "\n".join(parts)


def assignment_section(assigned: pd.DataFrame | None, models: list[str], names: dict[str, str], plot,
                       caveat=lambda model: "", labels: str = "weak label (from the heading)") -> str:
    if assigned is None or assigned.empty:
        return "<p>This run has no assignments.csv.</p>"
    compared = ("the theme named by the unit's heading (weak label), for the units whose heading names one"
                if labels.startswith("weak") else "the unit's hand-coded label, for the units that have one")
    parts = ["<p>Each unit (paragraph, point or section) of the primary fit of each model (first K, first seed) "
             "gets the theme whose topics hold most of its probability. The confusion matrices compare it with "
             f"{compared}.</p>"]
    for model in models:
        rows = assigned[assigned["model"] == model]
        if rows.empty:
            continue
        counts = rows.groupby("theme")["p"].agg(["size", "mean"])
        counts = counts.reindex(theme_order(counts.index))
        table = pd.DataFrame({
            "theme": [names.get(t, t) for t in counts.index],
            "units": counts["size"].astype(int).tolist(),
            "share": [f"{n / len(rows):.1%}" for n in counts["size"]],
            "mean p": [f"{p:.3f}" for p in counts["mean"]],
        })
        parts.append(f"<h3>{esc(model)}: {len(rows)} units</h3>")
        parts.append(caveat(model))
        parts.append(table_html(table))
        parts.append(plot("confusion", model, f"{model}: assigned theme against {labels}"))
    return "\n".join(parts)


def documents_section(shares: pd.DataFrame | None, models: list[str], names: dict[str, str], plot,
                      caveat=lambda model: "") -> str:
    if shares is None or shares.empty:
        return "<p>This run has no theme_shares.csv.</p>"
    parts = ["<p>Share of each document's units per theme, at each model's first K, mean over its seeds. The plots "
             f"draw each theme in a panel of its own, on its own scale: {SCALE_NOTE}</p>"]
    for model in models:
        if not (shares["model"] == model).any():
            continue
        k, seeds = main_fit(shares, model)
        table = document_shares(shares, model)
        shown = pd.DataFrame({"document": table.index})
        flags = main_fit_flags(shares, model)
        for theme in table.columns:
            shown[flagged_name(names.get(theme, theme), flags.get(theme, ""))] = [f"{v:.0%}" for v in table[theme]]
        parts.append(f"<h3>{esc(model)} (K={k}, {len(seeds)} seed{'s' * (len(seeds) > 1)})</h3>")
        parts.append(caveat(model))
        parts.append(plot("shares", model, f"{model}: theme shares per document"))
        parts.append(f"<details><summary>Table: {len(table)} documents</summary>{table_html(shown)}</details>")
    return "\n".join(parts)


def attention_section(shares: pd.DataFrame, models: list[str], names: dict[str, str], plot, by: str, values: list,
                      caveat=lambda model: "") -> str:
    kind = "years" if by == "year" else "regions"
    span = f"{values[0]}–{values[-1]}" if by == "year" else f"{len(values)} regions"
    parts = [f"<p>Share of units per theme in each {by} ({span}): for every seed, the units of a theme in all "
             f"documents of the {by} divided by all their units; the tables give the mean over seeds and, in "
             f"brackets, the lowest and highest seed. The plots draw each theme in a panel of its own: {SCALE_NOTE}</p>"]
    for model in models:
        if not (shares["model"] == model).any():
            continue
        k, seeds = main_fit(shares, model)
        table = attention(shares, model, by)
        wide = pd.DataFrame({by: list(dict.fromkeys(table[by]))})
        flags = main_fit_flags(shares, model)
        for theme in theme_order(table["theme"].astype(str)):
            rows = table[table["theme"].astype(str) == theme].set_index(by)
            wide[flagged_name(names.get(theme, theme), flags.get(theme, ""))] = [
                _spread(rows.loc[value]) if value in rows.index else "" for value in wide[by]]
        parts.append(f"<h3>{esc(model)} (K={k}, {len(seeds)} seed{'s' * (len(seeds) > 1)})</h3>")
        parts.append(caveat(model))
        parts.append(plot(kind, model, f"{model}: theme attention by {by}"))
        parts.append(f"<details><summary>Table: {len(wide)} {kind}</summary>{table_html(wide)}</details>")
    return "\n".join(parts)


class ModelCaveats:
    """What a reader must know next to a model's theme tables and plots: what a classifier warned about
    its training labels (too few coded units of a theme), that an unseeded model's themes come from mapping
    by lift, which of its topics are flagged, and (with hand-coded labels) how well each theme agrees with
    them."""

    def __init__(self, metrics: pd.DataFrame | None, flags: pd.DataFrame, config: dict, names: dict[str, str],
                 capabilities: dict[str, dict], warnings: dict[str, list[str]] | None = None):
        self.metrics, self.flags, self.names, self.capabilities = metrics, flags, names, capabilities
        self.warnings = warnings or {}
        self.gold = (config.get("evaluation") or {}).get("labels", "weak") != "weak"

    def __call__(self, model: str) -> str:
        return model_description(model, self.capabilities.get(model, {})) + self._caveats(model)

    def _caveats(self, model: str) -> str:
        notes = []
        if self.capabilities.get(model, {}).get("needs_labels"):  # its warnings are about what it learnt from
            notes += [f"Warning from its fit: {esc(message if len(message) <= 400 else message[:399] + '…')}"
                      for message in self.warnings.get(model, [])]
        if model in self.capabilities and not self.capabilities[model].get("seeded"):
            notes.append("Its themes come from mapping its topics by lift, not from seeds: check the "
                         f'<a href="{LDAVIS}/{esc(quote(ldavis_file(model)))}">mapping evidence</a> and the flags.')
        mine = self.flags[self.flags["model"] == model] if not self.flags.empty else self.flags
        if not mine.empty:
            listed = "; ".join(f"{row['topic'] if isinstance(row['topic'], str) and row['topic'] else row['theme']} "
                               f"({row['theme']}): {row['flag']}" for row in mine.to_dict("records"))
            notes.append(f'<a href="#flags">Validity flags</a> on its first fit: {esc(listed)}.')
        agreement = self._agreement(model)
        if agreement:
            notes.append(f"Agreement with the hand-coded labels (F1 per theme, mean over seeds): {esc(agreement)}.")
        return f'<p class="caveat">{" ".join(notes)}</p>' if notes else ""

    def _agreement(self, model: str) -> str:
        if not self.gold or self.metrics is None:
            return ""
        rows = self.metrics[self.metrics["model"] == model]
        columns = [c for c in rows.columns if c.startswith("label_f1_")]
        if rows.empty or not columns:
            return ""
        k = rows["k"].iloc[0]
        means = rows[rows["k"] == k][columns].apply(pd.to_numeric, errors="coerce").mean()
        return ", ".join(f"{self.names.get(c.removeprefix('label_f1_'), c.removeprefix('label_f1_'))} {v:.2f}"
                         for c, v in means.items() if pd.notna(v))


def primary_flags(run: RunFolder) -> pd.DataFrame:
    """The validity flags of each model's primary fit (flags.csv; an empty table for a run without it)."""
    flags = run.table(FLAGS)
    if flags is None:
        return pd.DataFrame(columns=["model", "topic", "theme", "flag"])
    return primary_rows(flags)


def run_section(run_dir: Path, plot_font: str | None) -> str:
    parts = [f"<p>Fonts: this page asks for {esc(CJK_FONT_STACK)}. "]
    if plot_font:
        parts.append(f"Plots use the installed font {esc(plot_font)} for Chinese text.</p>")
    else:
        parts.append("No font with Chinese glyphs was found for the plots, so Chinese labels in them may show "
                     "as boxes (install e.g. fonts-noto-cjk or fonts-wqy-microhei and run <code>topics report</code> again).</p>")
    for name in (CONFIG, VERSIONS, CORPUS_SUMMARY):
        path = run_dir / name
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            if name.endswith(".json"):
                try:
                    text = json.dumps(json.loads(text), ensure_ascii=False, indent=1)
                except ValueError:
                    pass
            parts.append(f"<details><summary>{esc(name)}</summary><pre>{esc(text)}</pre></details>")
    return "\n".join(parts)


# --- HTML helpers ---------------------------------------------------------------------------

def esc(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def table_html(table: pd.DataFrame, classes: str = "") -> str:
    head = "".join(f"<th>{esc(c)}</th>" for c in table.columns)
    body = []
    for row in table.itertuples(index=False):
        cells = []
        for value in row:
            numeric = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
            text = _number(value) if numeric else ("" if _missing(value) else value)
            cells.append(f'<td class="num">{esc(text)}</td>' if numeric else f"<td>{esc(text)}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    cls = f' class="{esc(classes)}"' if classes else ""
    return f'<div class="wide"><table{cls}><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'


def markdown_html(text: str, heading_offset: int = 0) -> str:
    """The small part of Markdown that comparison.md uses: headings, paragraphs, lists, tables,
    **bold** and `code`. Text is escaped first, so nothing in it becomes markup of its own."""
    out, paragraph, items = [], [], []
    lines = text.splitlines()

    def flush():
        if paragraph:
            out.append(f"<p>{_inline(' '.join(paragraph))}</p>")
            paragraph.clear()
        if items:
            out.append("<ul>" + "".join(f"<li>{_inline(item)}</li>" for item in items) + "</ul>")
            items.clear()

    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        if line.lstrip().startswith("|"):
            flush()
            block = []
            while i < len(lines) and lines[i].lstrip().startswith("|"):
                block.append(lines[i].strip())
                i += 1
            out.append(_markdown_table(block))
            continue
        heading = re.match(r"(#{1,6})\s+(.*)", line)
        if heading:
            flush()
            level = min(len(heading.group(1)) + heading_offset, 6)
            out.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif re.match(r"\s*[-*]\s+", line):
            if paragraph:
                flush()
            items.append(re.sub(r"^\s*[-*]\s+", "", line))
        elif not line.strip():
            flush()
        else:
            paragraph.append(line.strip())
        i += 1
    flush()
    return "\n".join(out)


def _markdown_table(lines: list[str]) -> str:
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in lines]
    rows = [row for row in rows if not all(re.fullmatch(r":?-{2,}:?", cell) for cell in row if cell)]
    if not rows:
        return ""
    head = "".join(f"<th>{_inline(cell)}</th>" for cell in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{_inline(cell)}</td>" for cell in row) + "</tr>" for row in rows[1:])
    return f'<div class="wide"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _inline(text: str) -> str:
    text = esc(text)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)


def _number(value) -> str:
    if _missing(value):
        return ""
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.4g}" if abs(value) < 1e4 else f"{value:.0f}"


def _missing(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _spread(row: pd.Series) -> str:
    text = f"{row['mean']:.0%}"
    if row["seeds"] > 1:
        text += f" ({row['min']:.0%}–{row['max']:.0%})"
    return text


def _anchor(name: str) -> str:
    return re.sub(r"[^\w-]", "_", name)


PAGE_CSS = f"""
body {{ font-family: {CJK_FONT_STACK}; margin: 0 auto; max-width: 1200px; padding: 1em 1.5em; color: #222; line-height: 1.45; }}
h1 {{ font-size: 1.6em; }} h2 {{ border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 1.8em; }}
h3 {{ font-size: 1.1em; margin-top: 1.4em; }}
p.caveat {{ background: #fff7e0; border-left: 4px solid #e0a800; padding: 0.4em 0.8em; }}
nav ul {{ columns: 2; }}
table {{ border-collapse: collapse; margin: 0.6em 0; font-size: 0.9em; }}
div.wide {{ overflow-x: auto; }}  /* a wide table scrolls inside the page instead of widening it */
th, td {{ border: 1px solid #ddd; padding: 0.2em 0.5em; text-align: left; vertical-align: top; white-space: nowrap; }}
th {{ background: #f3f3f3; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
table.words td:last-child {{ white-space: normal; min-width: 20em; }}
figure {{ margin: 0.8em 0; }} img {{ max-width: 100%; height: auto; border: 1px solid #eee; }}
pre {{ background: #f7f7f7; padding: 0.6em; overflow-x: auto; font-size: 0.85em; }}
details {{ margin: 0.4em 0 1em 0; }} summary {{ cursor: pointer; color: #245; }}
code {{ background: #f3f3f3; padding: 0 0.2em; }}
"""


def page_html(title: str, sections: list[tuple[str, str, str]]) -> str:
    nav = "".join(f'<li><a href="#{anchor}">{esc(heading)}</a></li>' for anchor, heading, _ in sections)
    body = "\n".join(f'<section id="{anchor}">\n<h2>{esc(heading)}</h2>\n{content}\n</section>'
                     for anchor, heading, content in sections)
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self' file: data:; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<style>{PAGE_CSS}</style>
</head>
<body>
<h1>{esc(title)}</h1>
<nav><ul>{nav}</ul></nav>
{body}
</body>
</html>
"""
