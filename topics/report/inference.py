"""Inference in the report: the run's theme shares by year and by region with bootstrap intervals
(shares_by_year.csv, shares_by_region.csv) and the covariate effects of effects.csv, as the run's
inference stage or `topics effects` wrote them; and the PNG plots these use (also drawn by the
`topics shares` and `topics effects` commands).

Plots use matplotlib's object API and the CJK font of topics.report.plots; every string put into
the page is escaped."""

from __future__ import annotations

import html
import warnings
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.figure import Figure

from ..assignment import FLAGS_COLUMN
from ..inference.effects import CONTRAST_COLUMNS, DIFFERENCE, EFFECT_COLUMNS, EXPECTED_COLUMNS
from ..inference.shares import FEW_DOCUMENTS, WEIGHING_COLUMNS
from ..inference.shares import SHARE_COLUMNS as INTERVAL_COLUMNS
from ..run_folder import RunFolder
from ..run_files import EFFECTS, EFFECTS_CONTRASTS, EFFECTS_EXPECTED, NOTES, PLOTS, SHARES_BY_WEIGHT, shares_by
from .drawn import REPORT_PART, DrawnFiles
from .plots import cjk_font, save_png, theme_colours
from .tables import flagged_name, theme_order

SHARE_GROUPS = ("year", "region")


def inference_section(run: RunFolder, names: dict[str, str], drawn: DrawnFiles | None = None) -> str:
    """HTML for the report's inference section; writes its plots into RUN_DIR/plots/ (inference_*.png), keeping
    those ``drawn`` (the report's manifest) says are drawn from the same inputs."""
    drawn = drawn or DrawnFiles(run.path, part=REPORT_PART)
    plots = run.file(PLOTS)
    plots.mkdir(exist_ok=True)
    notes = [f'<p class="warning">{esc(note)}</p>' for note in (run.json(NOTES) or {}).get("inference", [])]
    parts = []
    for by in SHARE_GROUPS:
        table = run.table(shares_by(by), (by, *INTERVAL_COLUMNS))
        if table is None or table.empty:
            continue
        if not parts:
            parts.append(f"<p>Shares with {table['draws'].iloc[0]}-draw cluster-bootstrap 95% intervals: a year's "
                         "or region's documents are resampled, then the units of each document; each draw uses one "
                         "seed in turn, so the intervals also carry the disagreement between seeds (a group of one "
                         "document has only its units resampled). Share = units of the theme over all units.</p>")
        parts.append(f"<h3>By {esc(by)}</h3>")
        for (model, k), rows in table.groupby(["model", "k"], sort=False):
            name = plot_name(f"inference_{by}", model)
            drawn.figure(plots / name, save, shares_figure, rows.reset_index(drop=True), by, names,
                         f"{model} (k={k}): theme shares by {by}")
            parts.append(f"<h4>{esc(model)} (K={k}, {rows['seeds'].iloc[0]} seed(s))</h4>")
            parts.append(image(f"{PLOTS}/{name}", f"{model}: theme shares by {by} with intervals"))
            parts.append(f"<details><summary>Table: {rows[by].nunique()} {esc(by)} value(s)</summary>"
                         f"{table_html(wide_shares(rows, by, names))}</details>")
    if not parts:
        parts.append("<p>No shares by year or region: the run's documents have fewer than two years and fewer than "
                     "two regions (<code>topics shares RUN_DIR --by COLUMN</code> groups by any metadata column).</p>")
    parts[1:1] = notes
    parts.append(weighing_html(run, names))
    parts.append(effects_html(run, names, plots, drawn))
    return "\n".join(parts)


def weighing_html(run: RunFolder, names: dict[str, str]) -> str:
    """The themes whose share of all documents differs, beyond both intervals, when a unit counts once and
    when it counts by its characters (shares_by_weight.csv; absent from runs before it)."""
    table = run.table(SHARES_BY_WEIGHT, tuple(WEIGHING_COLUMNS))
    if table is None or table.empty:
        return ""
    intro = ("<h3>Counting units or characters</h3><p>A share counts each unit once (a one-line heading as much as a "
             "long paragraph); counted by characters instead, ")
    differs = table[table["differs"].astype(str) == "True"]
    if differs.empty:
        return intro + "every theme's share of all documents stays within the intervals of both.</p>"
    shown = pd.DataFrame({
        "model": [f"{model} (K={k})" for model, k in zip(differs["model"], differs["k"])],
        "theme": [names.get(theme, theme) for theme in differs["theme"]],
        "share of units": [f"{s:.1%} [{lo:.1%}, {hi:.1%}]" for s, lo, hi in
                           zip(differs["share_units"], differs["ci_low_units"], differs["ci_high_units"])],
        "share of characters": [f"{s:.1%} [{lo:.1%}, {hi:.1%}]" for s, lo, hi in
                                zip(differs["share_length"], differs["ci_low_length"], differs["ci_high_length"])],
    })
    return (intro + f"these {len(shown)} shares of all documents differ by more than their intervals: say which "
            "count a finding rests on (<code>topics shares RUN_DIR --weight length</code>).</p>" + table_html(shown))


def effects_html(run: RunFolder, names: dict[str, str], plots: Path, drawn: DrawnFiles) -> str:
    """The effects of RUN_DIR/effects.csv (and the expected shares beside it), or how to get them."""
    effects = run.table(EFFECTS, tuple(EFFECT_COLUMNS))
    if effects is None:
        return ("<h3>Covariate effects</h3><p>None computed: set <code>[effects] formula</code> in the config, or "
                "run <code>topics effects RUN_DIR --formula \"~ year\"</code> and render the report again.</p>")
    formula = effects["formula"].iloc[0] if "formula" in effects.columns and len(effects) else ""
    parts = [f"<h3>Covariate effects: <code>{esc(formula)}</code></h3>",
             f"<p>{esc(effects['method'].iloc[0]) if len(effects) else ''}; coefficients on the log-odds scale "
             "with 95% intervals.</p>"]
    if len(plotted_terms(effects)):
        drawn.figure(plots / "inference_effects.png", save, effects_figure, effects, names)
        parts.append(image(f"{PLOTS}/inference_effects.png", "coefficients with intervals"))
    shown = effects[effects["term"] != "Intercept"]
    shown = shown[flagged_columns(shown, "model", "k", "theme", "term", "estimate", "ci_low", "ci_high", "n_documents")]
    parts.append(f"<details><summary>Table: {len(shown)} coefficient(s)</summary>{table_html(shown)}</details>")
    expected = run.table(EFFECTS_EXPECTED, tuple(EXPECTED_COLUMNS))
    if expected is not None and not expected.empty:
        drawn.figure(plots / "inference_expected.png", save, expected_figure, expected, names)
        parts.append(image(f"{PLOTS}/inference_expected.png", "expected share over a covariate with a band"))
    contrasts = run.table(EFFECTS_CONTRASTS, tuple(CONTRAST_COLUMNS))
    if contrasts is not None and not contrasts.empty:
        shown = contrasts[flagged_columns(contrasts, "model", "k", "theme", "covariate", "kind", "level", "reference",
                                          "difference", "ci_low", "ci_high", "scale", "n_documents")].copy()
        for column in ("difference", "ci_low", "ci_high"):
            shown[column] = shown[column].map(lambda v: f"{v:+.1f}")
        parts.append("<p>Differences in expected share between each level of a category (or 0/1) covariate and its "
                     "reference, in percentage points, and the average change per unit of each numeric covariate "
                     "(average slope), averaged over the documents as they are, with 95% intervals.</p>")
        drawn.figure(plots / "inference_contrasts.png", save, contrasts_figure, contrasts, names)
        parts.append(image(f"{PLOTS}/inference_contrasts.png", "differences in percentage points with intervals"))
        parts.append(table_html(shown))
    return "\n".join(parts)


def flagged_columns(table: pd.DataFrame, *columns: str) -> list[str]:
    """``columns``, and the table's validity flags column when it has one (tables of older runs have none)."""
    return [*columns, *([FLAGS_COLUMN] if FLAGS_COLUMN in table.columns else [])]


def flag_names(rows: pd.DataFrame) -> str:
    """The validity flags named in the rows' flags column, each once ("" when none, or no such column: tables
    of older runs; a column read back empty is all NaN)."""
    if FLAGS_COLUMN not in rows:
        return ""
    names = " ".join(value for value in rows[FLAGS_COLUMN] if isinstance(value, str))
    return " ".join(dict.fromkeys(names.split()))


def wide_shares(table: pd.DataFrame, by: str, names: dict[str, str]) -> pd.DataFrame:
    """One row per group: n documents, n units and every theme's "share [low, high]" in percent, under the
    theme's name and its validity flags (the table's flags column; absent from runs before it)."""
    first = table.drop_duplicates(by)
    wide = pd.DataFrame({by: first[by].astype(str).to_numpy(), "documents": first["n_documents"].to_numpy(),
                         "units": first["n_units"].to_numpy()})
    if FEW_DOCUMENTS in first:  # tables of older runs have no such column
        wide["documents"] = [f"{n} (few)" if few else str(n) for n, few in zip(first["n_documents"],
                                                                              first[FEW_DOCUMENTS].astype(bool))]
    for theme in theme_order(table["theme"]):
        rows = table[table["theme"] == theme].set_index(table[table["theme"] == theme][by].astype(str))
        flags = flag_names(rows)
        wide[flagged_name(names.get(theme, theme), flags)] = [f"{rows.at[g, 'share']:.1%} [{rows.at[g, 'ci_low']:.1%}, "
                                         f"{rows.at[g, 'ci_high']:.1%}]" for g in wide[by]]
    return wide


# ---------------------------------------------------------------- plots


def segments(x: np.ndarray, step: float | None = None) -> list[np.ndarray]:
    """Positions of ``x`` (sorted numbers) in runs without a gap: a gap is a step wider than ``step`` (the
    width of a period), else than the smallest step between values, so that a line never joins 1964 to
    1975 across years without documents."""
    if len(x) < 2:
        return [np.arange(len(x))]
    steps = np.diff(x)
    usual = step if step else steps[steps > 0].min(initial=np.inf)
    breaks = np.flatnonzero(steps > usual * 1.5) + 1
    return np.split(np.arange(len(x)), breaks)


def shares_figure(table: pd.DataFrame, by: str, names: dict[str, str], title: str,
                  step: float | None = None) -> Figure:
    """Each theme's share per group with its interval: a line with a band over a numeric column, broken
    where values are missing (see segments; a value alone is a point with an error bar), points with error
    bars over categories; a flagged theme's flags (the table's flags column) in its legend entry."""
    groups = list(dict.fromkeys(table[by]))
    numeric = pd.api.types.is_numeric_dtype(table[by])
    with _style():
        figure = Figure(figsize=(9 if numeric else max(9.0, 0.2 * len(groups)), 4.5))
        axes = figure.subplots()
        themes = theme_order(table["theme"])
        colours = theme_colours(themes)
        for i, theme in enumerate(themes):
            rows = table[table["theme"] == theme]
            flags = flag_names(rows)
            label = names.get(theme, theme) + (f" (flagged: {flags})" if flags else "")
            if numeric:
                rows = rows.sort_values(by)
                x = rows[by].astype(float).to_numpy()
                share, low, high = (rows[c].to_numpy(dtype=float) for c in ("share", "ci_low", "ci_high"))
                for n, part in enumerate(segments(x, step)):
                    shown = label if n == 0 else None
                    if len(part) == 1:
                        axes.errorbar(x[part], share[part], yerr=[share[part] - low[part], high[part] - share[part]],
                                      fmt="o", markersize=3, color=colours[theme], label=shown, elinewidth=1)
                        continue
                    axes.plot(x[part], share[part], marker="o", markersize=3, color=colours[theme], label=shown)
                    axes.fill_between(x[part], low[part], high[part], color=colours[theme], alpha=0.15, linewidth=0)
            else:
                x = np.arange(len(groups)) + (i - len(themes) / 2) * 0.8 / len(themes)
                axes.errorbar(x, rows["share"], yerr=[rows["share"] - rows["ci_low"], rows["ci_high"] - rows["share"]],
                              fmt="o", markersize=3, color=colours[theme], label=label, elinewidth=1)
        if not numeric:
            axes.set_xticks(np.arange(len(groups)), [str(g) for g in groups], rotation=90 if len(groups) > 8 else 0)
        axes.set_xlabel(by)
        axes.set_ylabel("share (95% interval)")
        axes.set_title(title)
        axes.legend(fontsize="small", ncol=3)
        figure.tight_layout()
    return figure


SPLINES = ("bs(", "cr(", "cc(")  # terms whose coefficients weight basis functions: read as expected shares


def plotted_terms(effects: pd.DataFrame) -> pd.DataFrame:
    """The coefficients worth plotting: all but the intercept and the weights of spline basis functions
    (which say nothing read one by one; the expected-share curve shows what the spline does)."""
    terms = effects["term"].astype(str)
    return effects[(terms != "Intercept") & ~terms.str.startswith(SPLINES)]


def effects_figure(effects: pd.DataFrame, names: dict[str, str]) -> Figure:
    """Every coefficient but the intercept and spline weights with its interval, one row per model, theme
    and term."""
    rows = plotted_terms(effects).reset_index(drop=True)
    labels = [f"{r.model} k={r.k} · {r.term}" for r in rows.itertuples()]
    return _interval_figure(rows, "estimate", labels, "effect on the log-odds of the share (95% interval)", names)


def contrasts_figure(contrasts: pd.DataFrame, names: dict[str, str]) -> Figure:
    """Each level's difference from its reference in percentage points with its interval, one row per model,
    theme and level."""
    rows = contrasts.reset_index(drop=True)
    labels = [f"{r.model} k={r.k} · {r.covariate} " + (f"{r.level} − {r.reference}" if r.kind == DIFFERENCE
                                                        else f"per 1 {r.covariate}") for r in rows.itertuples()]
    return _interval_figure(rows, "difference", labels,
                            "difference in expected share, percentage points (95% interval)", names)


def _interval_figure(rows: pd.DataFrame, value: str, labels: list[str], xlabel: str,
                     names: dict[str, str]) -> Figure:
    """One row per line of ``rows``: its ``value`` with its interval (ci_low, ci_high), coloured by theme,
    against a line at 0."""
    with _style():
        figure = Figure(figsize=(8, max(2.5, 0.28 * len(rows) + 1)))
        axes = figure.subplots()
        colours = theme_colours(theme_order(rows["theme"]))
        y = np.arange(len(rows))[::-1]
        for theme in theme_order(rows["theme"]):
            pick = (rows["theme"] == theme).to_numpy()
            part = rows[pick]
            axes.errorbar(part[value], y[pick], xerr=[part[value] - part["ci_low"], part["ci_high"] - part[value]],
                          fmt="o", color=colours[theme], label=names.get(theme, theme), markersize=4)
        axes.set_yticks(y, labels, fontsize="small")
        axes.axvline(0, color="#888888", linewidth=0.8)
        axes.set_xlabel(xlabel)
        axes.legend(fontsize="small")
        figure.tight_layout()
    return figure


def expected_figure(expected: pd.DataFrame, names: dict[str, str]) -> Figure:
    """The expected share over each numeric covariate with its band, one panel per model, k and covariate."""
    panels = list(expected.groupby(["model", "k", "covariate"], sort=False))
    with _style():
        figure = Figure(figsize=(8, 3.6 * len(panels)))
        axes_list = np.atleast_1d(figure.subplots(len(panels), 1, squeeze=False).ravel())
        for axes, ((model, k, covariate), part) in zip(axes_list, panels):
            colours = theme_colours(theme_order(part["theme"]))
            for theme in theme_order(part["theme"]):
                rows = part[part["theme"] == theme]
                axes.plot(rows["value"], rows["share"], color=colours[theme], label=names.get(theme, theme))
                axes.fill_between(rows["value"].astype(float), rows["ci_low"], rows["ci_high"], color=colours[theme],
                                  alpha=0.2, linewidth=0)
            axes.set_title(f"{model} (k={k}): expected share by {covariate}")
            axes.set_xlabel(covariate)
            axes.set_ylabel("expected share (95% band)")
            axes.legend(fontsize="small", ncol=3)
        figure.tight_layout()
    return figure


def save(figure: Figure, path: Path) -> Path:
    with _style():  # glyphs are looked up when drawing
        return save_png(figure, path)


def plot_name(kind: str, model: str) -> str:
    return f"{kind}_{''.join(c if c.isalnum() or c in '-_.' else '_' for c in model)}.png"


class _style:
    """The report's plot style: a CJK font when one is installed; missing-glyph warnings silenced."""

    def __enter__(self):
        font = cjk_font()
        fonts = ([font] if font else []) + ["DejaVu Sans"]
        self._rc = rc_context({"font.family": "sans-serif", "font.sans-serif": fonts, "axes.unicode_minus": False,
                               "figure.dpi": 100})
        self._warnings = warnings.catch_warnings()
        self._rc.__enter__()
        self._warnings.__enter__()
        warnings.filterwarnings("ignore", message="Glyph .* missing from")
        return self

    def __exit__(self, *exc):
        self._warnings.__exit__(*exc)
        return self._rc.__exit__(*exc)


# ---------------------------------------------------------------- HTML


def esc(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def image(src: str, alt: str) -> str:
    return f'<figure><img src="{esc(quote(src))}" alt="{esc(alt)}"></figure>'


def table_html(table: pd.DataFrame) -> str:
    head = "".join(f"<th>{esc(c)}</th>" for c in table.columns)
    body = []
    for row in table.itertuples(index=False):
        cells = []
        for value in row:
            if isinstance(value, (float, np.floating)):
                cells.append(f'<td class="num">{esc("" if np.isnan(value) else f"{value:.4g}")}</td>')
            else:
                cells.append(f"<td>{esc('' if pd.isna(value) else value)}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return f'<div class="wide"><table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'


def effects_plots(table: pd.DataFrame, expected: pd.DataFrame, names: dict[str, str], coefficients_png: Path,
                  expected_png: Path, contrasts: pd.DataFrame | None = None, contrasts_png: Path | None = None) -> None:
    """The plots of an effects result: its coefficients (when it has any but the intercept and spline
    weights), the expected shares over each numeric covariate and the contrasts in points (when there are any)."""
    if not table.empty and len(plotted_terms(table)):
        save(effects_figure(table, names), coefficients_png)
    if not expected.empty:
        save(expected_figure(expected, names), expected_png)
    if contrasts is not None and not contrasts.empty and contrasts_png is not None:
        save(contrasts_figure(contrasts, names), contrasts_png)
