"""PNG plots of a run folder (RUN_DIR/plots/): metrics against K, confusion matrices, theme
shares per document, and theme attention over years and by region.

Drawn with matplotlib's object API (no pyplot, no global backend switch) and a CJK font
found among the installed fonts, so Chinese document names and regions render."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import font_manager, rc_context
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..labels import OTHER, UNMAPPED
from ..outputs import open_output
from ..run_folder import RunFolder
from ..run_files import ASSIGNMENTS, METRICS, PLOTS, THEME_SHARES
from .drawn import PLOTS_PART, REPORT_PART, DrawnFiles
from .tables import (
    ASSIGNMENT_COLUMNS, METRICS_COLUMNS, SHARE_COLUMNS, attention, confusion, distinct, document_shares, label_kind,
    main_fit, main_fit_flags, model_order, run_labels, several_k, theme_order,
)

# Fonts with Chinese glyphs, best first; the first one installed is used.
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
             "Microsoft YaHei", "PingFang SC", "Hiragino Sans GB", "SimHei", "Noto Sans CJK JP", "AR PL UMing CN")
THEME_COLOURS = {"ecology": "#2ca02c", "industry": "#1f77b4", "livelihood": "#ff7f0e", "governance": "#9467bd",
                 "safety": "#d62728", UNMAPPED: "#e0e0e0", OTHER: "#b0b0b0"}
EXTRA_COLOURS = ("#8c564b", "#e377c2", "#bcbd22", "#17becf", "#7f7f7f", "#aec7e8", "#98df8a", "#ffbb78")
MODEL_MARKERS = "osD^v<>ph*"
PANELS_PER_ROW = 4  # theme panels side by side in the share plots


def plot_file(kind: str, model: str | None = None) -> str:
    """File name (inside plots/) of a kind of plot: metrics_vs_k, confusion, shares, years, regions."""
    if model is None:
        return f"{kind}.png"
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in model)
    return f"{kind}_{safe}.png"


def cjk_font() -> str | None:
    """The name of an installed font with Chinese glyphs, or None."""
    installed = {font.name for font in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def write_plots(run: RunFolder | str | Path) -> list[Path]:
    """Draw every plot the run folder's tables allow into RUN_DIR/plots/ and return their paths; a plot drawn
    before from the same inputs is kept as it is (see topics.report.drawn)."""
    run = RunFolder.of(run, finished=False)  # the runner writes the report before DONE
    out = run.file(PLOTS)
    out.mkdir(parents=True, exist_ok=True)
    metrics = run.table(METRICS, METRICS_COLUMNS)
    assigned = run.table(ASSIGNMENTS, ASSIGNMENT_COLUMNS)
    shares = run.table(THEME_SHARES, SHARE_COLUMNS)
    gold_name = label_kind(run.config)
    drawn = DrawnFiles(run.path, part=PLOTS_PART)

    written = []
    font = cjk_font()
    style = {"font.family": "sans-serif", "font.sans-serif": ([font] if font else []) + ["DejaVu Sans"],
             "axes.unicode_minus": False, "figure.dpi": 100}

    def plot(name: str, make, *args) -> None:
        path = drawn.figure(out / name, save_png, make, *args)
        if path is not None:
            written.append(path)

    with rc_context(style), warnings.catch_warnings():
        # Without a CJK font every Chinese glyph warns; the report page says which font was used.
        warnings.filterwarnings("ignore", message="Glyph .* missing from")
        if several_k(metrics):  # with one K per model the plot is a column of single points
            plot(plot_file("metrics_vs_k"), metrics_figure, metrics)
        if assigned is not None and not assigned.empty:
            gold = run_labels(assigned)
            if gold is not None:
                for model in model_order(assigned):
                    rows = assigned["model"] == model
                    table = confusion(gold[rows], assigned.loc[rows, "theme"], gold_name)
                    if table.values.sum() > 0:
                        plot(plot_file("confusion", model), confusion_figure, model, table)
        if shares is not None and not shares.empty:
            years, regions = distinct(shares, "year"), distinct(shares, "region")
            for model in model_order(shares):
                # all a model's plots are drawn from, numbered afresh: rows of other models do not redraw them
                mine = shares[shares["model"] == model].reset_index(drop=True)
                plot(plot_file("shares", model), shares_figure, mine, model)
                if len(years) >= 2:
                    plot(plot_file("years", model), attention_figure, mine, model, "year")
                if len(regions) >= 2:
                    plot(plot_file("regions", model), regions_figure, mine, model)
    # a re-render must not leave plots of models no longer in the run; the report page's sections prune their own
    drawn.prune(out, "*.png", spare=(REPORT_PART,))
    drawn.save()
    return written


def theme_colours(themes) -> dict[str, str]:
    extra = iter(EXTRA_COLOURS * 4)
    return {t: THEME_COLOURS.get(t) or next(extra, "#333333") for t in themes}


def metric_columns(metrics: pd.DataFrame) -> list[str]:
    """Every numeric column other than k and seed that holds at least one value."""
    columns = []
    for column in metrics.columns:
        if column in METRICS_COLUMNS:
            continue
        values = pd.to_numeric(metrics[column], errors="coerce")
        if values.notna().any():
            columns.append(column)
    return columns


def metrics_figure(metrics: pd.DataFrame) -> Figure | None:
    """One panel per metric: mean over seeds against K, one line per model, bars ±1 sd."""
    columns = metric_columns(metrics)
    if not columns:
        return None
    models = model_order(metrics)
    ncols = min(3, len(columns))
    nrows = -(-len(columns) // ncols)
    figure = Figure(figsize=(4.2 * ncols, 3.0 * nrows + 0.6), layout="constrained")
    axes = figure.subplots(nrows, ncols, squeeze=False).ravel()
    table = metrics.copy()
    for column in columns:
        table[column] = pd.to_numeric(table[column], errors="coerce")
    grouped = table.groupby(["model", "k"], sort=False)[columns]
    means, sds = grouped.mean(), grouped.std().fillna(0.0)
    for ax, column in zip(axes, columns):
        for i, model in enumerate(models):
            if model not in means.index.get_level_values(0):
                continue
            mean = means.loc[model, column].dropna()
            if mean.empty:
                continue
            sd = sds.loc[model, column].reindex(mean.index)
            order = np.argsort(mean.index.to_numpy())
            ax.errorbar(mean.index.to_numpy()[order], mean.to_numpy()[order], yerr=sd.to_numpy()[order],
                        marker=MODEL_MARKERS[i % len(MODEL_MARKERS)], capsize=3, label=model, color=f"C{i % 10}")
        ax.set_title(column, fontsize=10)
        ax.set_xlabel("K (topics)")
        ax.set_xticks(sorted(set(table["k"])))
        ax.grid(alpha=0.3)
    for ax in axes[len(columns):]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    for ax in axes[1:len(columns)]:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            if label not in labels:
                handles.append(handle)
                labels.append(label)
    figure.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 6), frameon=False)
    figure.suptitle("Metrics against K: mean over seeds, bars ±1 sd", fontsize=11)
    return figure


def confusion_figure(model: str, table: pd.DataFrame) -> Figure:
    """Assigned theme against the run's label (the table's index names it): counts, coloured by the share of
    each label's units."""
    counts = table.to_numpy()
    row_share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    size = 1.0 + 0.75 * len(table.columns)
    figure = Figure(figsize=(size + 1.5, size), layout="constrained")
    ax = figure.subplots()
    image = ax.imshow(row_share, cmap="Blues", vmin=0, vmax=1)
    for i in range(counts.shape[0]):
        for j in range(counts.shape[1]):
            ax.text(j, i, str(counts[i, j]), ha="center", va="center", fontsize=9,
                    color="white" if row_share[i, j] > 0.6 else "black")
    ax.set_xticks(range(len(table.columns)), table.columns, rotation=35, ha="right")
    ax.set_yticks(range(len(table.index)), table.index)
    ax.set_xlabel("assigned theme")
    ax.set_ylabel(table.index.name or "label")
    ax.set_title(f"{model}: {int(counts.sum())} labelled units", fontsize=10)
    figure.colorbar(image, ax=ax, label="share of the label's units")
    return figure


def shares_figure(shares: pd.DataFrame, model: str) -> Figure:
    """Each document's share of units per theme, one panel per theme (main k, mean over seeds)."""
    k, seeds = main_fit(shares, model)
    return _share_bars_figure(document_shares(shares, model), "share of the document's units",
                              f"{model}, K={k}: theme shares per document ({_seed_mean(seeds)})",
                              main_fit_flags(shares, model))


def attention_figure(shares: pd.DataFrame, model: str, by: str) -> Figure:
    """Share of units per theme against the year, one panel per theme with its own share axis (a small
    theme is not a flat line under a large one): mean over seeds, band min–max."""
    k, seeds = main_fit(shares, model)
    flags = main_fit_flags(shares, model)
    table = attention(shares, model, by)
    themes = theme_order(table["theme"].astype(str))
    colours = theme_colours(themes)
    ncols = min(3, len(themes))
    nrows = -(-len(themes) // ncols)
    figure = Figure(figsize=(4.2 * ncols, 2.6 * nrows + 0.5), layout="constrained")
    axes = figure.subplots(nrows, ncols, squeeze=False, sharex=True).ravel()
    for ax, theme in zip(axes, themes):
        rows = table[table["theme"].astype(str) == theme]
        x = rows[by].astype(float).to_numpy()
        ax.plot(x, rows["mean"], marker="o", markersize=3, color=colours[theme])
        if len(seeds) > 1:
            ax.fill_between(x, rows["min"], rows["max"], color=colours[theme], alpha=0.25, linewidth=0)
        _panel_title(ax, panel_title(theme, flags))
        _share_axis(ax.yaxis, ax.set_ylim, rows["max"])
        ax.tick_params(labelbottom=True)  # years under every panel, also above an empty cell
        ax.grid(alpha=0.3)
    for ax in axes[len(themes):]:
        ax.set_visible(False)
    figure.supxlabel(by, fontsize=10)
    figure.supylabel("share of units", fontsize=10)
    spread = f"line: mean over {len(seeds)} seeds; band: lowest–highest seed" if len(seeds) > 1 else "one seed"
    figure.suptitle(f"{model}, K={k}: theme attention by {by} ({spread})", fontsize=11)
    return figure


def regions_figure(shares: pd.DataFrame, model: str) -> Figure:
    """Share of units per theme in each region, one panel per theme (all its documents pooled; main k, mean over
    seeds)."""
    k, seeds = main_fit(shares, model)
    table = attention(shares, model, "region").pivot(index="region", columns="theme", values="mean").fillna(0.0)
    table = table[theme_order(table.columns.astype(str))]
    return _share_bars_figure(table, "share of the region's units",
                              f"{model}, K={k}: theme attention by region ({_seed_mean(seeds)})",
                              main_fit_flags(shares, model))


def _share_bars_figure(table: pd.DataFrame, xlabel: str, title: str, flags: dict[str, str]) -> Figure:
    """One panel of bars per theme (column of ``table``), each with its own share axis and its validity flags
    in its title, the rows of ``table`` (documents, regions) down the side of each row of panels."""
    themes = list(table.columns)
    colours = theme_colours(themes)
    ncols = min(PANELS_PER_ROW, len(themes))
    nrows = -(-len(themes) // ncols)
    positions = np.arange(len(table))
    figure = Figure(figsize=(2.6 + 2.3 * ncols, nrows * (0.9 + 0.2 * len(table)) + 0.7), layout="constrained")
    axes = figure.subplots(nrows, ncols, squeeze=False).ravel()
    names = [_short(str(name)) for name in table.index]
    for i, (ax, theme) in enumerate(zip(axes, themes)):
        values = table[theme].to_numpy(dtype=float)
        _bars(ax, positions, values, colours[theme])
        _panel_title(ax, panel_title(theme, flags))
        _share_axis(ax.xaxis, ax.set_xlim, values)
        ax.grid(axis="x", alpha=0.3)
        ax.set_ylim(len(table) - 0.5, -0.5)  # first row on top
        # the rows' names only beside the first panel of each row of panels: a tick per document on every
        # panel made the figure several times slower to draw (hundreds of documents) and showed nothing more
        if i % ncols == 0:
            ax.set_yticks(positions, names)
            ax.tick_params(axis="y", labelsize=8)
        else:
            ax.set_yticks([])
    for ax in axes[len(themes):]:
        ax.set_visible(False)
    figure.supxlabel(xlabel, fontsize=10)
    figure.suptitle(title, fontsize=10)
    return figure


def _bars(ax, positions: np.ndarray, values: np.ndarray, colour: str, height: float = 0.75) -> None:
    """Horizontal bars as one collection: what ``ax.barh`` draws, without an artist per bar (a panel holds a
    bar per document)."""
    shown = np.isfinite(values)
    y, width = positions[shown] - height / 2, values[shown]
    rectangles = np.stack([np.stack([np.zeros_like(width), y], axis=1), np.stack([width, y], axis=1),
                           np.stack([width, y + height], axis=1), np.stack([np.zeros_like(width), y + height], axis=1)],
                          axis=1)
    ax.add_collection(PolyCollection(rectangles, facecolors=colour, edgecolors="none", linewidths=0), autolim=False)


def panel_title(theme: str, flags: dict[str, str]) -> str:
    """A theme's panel title: its name, and under it its validity flags (theme → flags, main_fit_flags)."""
    flagged = flags.get(theme, "")
    return f"{theme}\nflagged: {flagged}" if flagged else theme


def _panel_title(ax, title: str) -> None:
    """A share panel's title, and its (empty) axis labels, placed where matplotlib would put them, without it
    measuring every tick label to find out (a share panel has no axis labels of their own, nothing above it
    and no offset on its share axis); a panel with a label per document drew far slower otherwise."""
    ax.set_title(title, fontsize=10, y=1.0)
    ax.xaxis.set_label_coords(0.5, 0.0)
    ax.yaxis.set_label_coords(0.0, 0.5)


def _share_axis(axis, set_limits, values) -> None:
    """A share axis from 0 to a little above the largest of ``values``, in percent with 3–4 ticks."""
    top = max(float(np.nanmax(np.asarray(values, dtype=float), initial=0.0)), 0.01) * 1.1
    set_limits(0, min(top, 1.0))
    axis.set_major_locator(MaxNLocator(nbins=3, steps=[1, 2, 2.5, 5, 10]))
    axis.set_major_formatter(lambda value, _: f"{value * 100:.3g}%")  # 2.5%, not a rounded 2%


def _seed_mean(seeds) -> str:
    return f"mean over {len(seeds)} seed{'s' * (len(seeds) > 1)}"


def _short(name: str, limit: int = 36) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def save_png(figure: Figure, path: Path) -> Path:
    """Write a figure as PNG, whole or not at all; no version stamp, so the same run gives the same bytes."""
    with open_output(path, binary=True) as out:
        figure.savefig(out, format="png", dpi=100, metadata={"Software": None})
    return path
