"""The report's section on estimates corrected with a coded sample: the model-only and the corrected share
of every theme side by side, the model's bias with its interval, the sample's size and design, and the
validity flags of the topics behind each theme — as `topics shares --gold` (shares_corrected.csv) and
`topics effects --gold` (effects_corrected.csv) wrote them; nothing is computed here. A plot marks the
themes whose corrected share lies outside the model-only interval."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..inference.corrected import CORRECTED_COLUMNS, CORRECTED_EFFECT_COLUMNS
from ..run_folder import RunFolder
from ..run_files import CORRECTED_EFFECTS, CORRECTED_SHARES, FLAGS, PLOTS
from ..validation.flags import FLAG_COLUMNS
from .drawn import REPORT_PART, DrawnFiles
from .inference import _style, esc, image, plot_name, save, table_html
from .plots import theme_colours
from .tables import theme_order

GROUP_EXCLUDED = set(CORRECTED_COLUMNS)


def corrected_section(run: RunFolder, names: dict[str, str], drawn: DrawnFiles | None = None) -> str:
    """HTML for the section; writes its plots into RUN_DIR/plots/ (corrected_*.png), keeping those ``drawn`` (the
    report's manifest) says are drawn from the same inputs."""
    table = run.table(CORRECTED_SHARES, tuple(CORRECTED_COLUMNS))
    if table is None or table.empty:
        return ("<p>No corrected estimates: draw a coding sample with <code>topics validate RUN_DIR -o KIT "
                "--design active --size 100</code>, have it coded, score it (<code>topics validate --score KIT "
                "answers.csv</code>), run <code>topics shares RUN_DIR --gold KIT/scores/GOLD.tsv</code> and render "
                "the report again.</p>")
    by = [c for c in table.columns if c not in GROUP_EXCLUDED]
    first = table.iloc[0]
    drawn = drawn or DrawnFiles(run.path, part=REPORT_PART)
    plots = run.file(PLOTS)
    plots.mkdir(exist_ok=True)
    parts = [f"<p>A coded sample of <b>{first['sample_size']}</b> units drawn by the <b>{esc(first['design'])}</b> "
             f"design corrects the model's shares of the units a coder can judge ({first['n_units']:,} "
             f"{'in the first group' if by else 'in all'}): corrected = the mean of the model's "
             f"{esc(first['predictions'])} predictions over every unit plus the inverse-probability-weighted mean "
             "of the coded units' label minus prediction (PPI / DSL). Its 95% interval counts the sample's "
             "randomness; the model-only interval is the cluster bootstrap's, which ignores the model's errors. "
             "Bias = corrected − model-only. A theme marked ▲ in the plot has its corrected share outside the "
             "model-only interval: there the model's figure is not to be trusted.</p>"]
    flags = run.table(FLAGS, tuple(FLAG_COLUMNS))
    for (model, k), rows in table.groupby(["model", "k"], sort=False):
        name = plot_name("corrected", f"{model}-k{k}")
        drawn.figure(plots / name, save, corrected_figure, rows, by, names, f"{model} (k={k})")
        parts.append(f"<h3>{esc(model)} (K={k}, {rows['seeds'].iloc[0]} seed(s))</h3>")
        parts.append(image(f"{PLOTS}/{name}", f"{model}: model-only and corrected shares"))
        parts.append(table_html(side_by_side(rows, by, names, _flagged(flags, model, k))))
    effects = run.table(CORRECTED_EFFECTS, tuple(CORRECTED_EFFECT_COLUMNS))
    if effects is not None and not effects.empty:
        shown = effects[effects["term"] != "Intercept"]
        parts.append(f"<h3>Covariate effects: <code>{esc(effects['formula'].iloc[0])}</code></h3>"
                     "<p>Coefficients on the log-odds scale, model-only (the effects' own intervals) and corrected "
                     "(fractional logit on the documents' DSL pseudo-outcomes, sandwich intervals clustered by "
                     "document).</p>")
        parts.append(table_html(shown[["model", "k", "theme", "term", "estimator", "estimate", "ci_low", "ci_high",
                                       "n_documents", "n_coded"]]))
    return "\n".join(parts)


def side_by_side(rows: pd.DataFrame, by: list[str], names: dict[str, str], flagged: dict[str, str]) -> pd.DataFrame:
    """One row per group and theme: model-only, corrected and bias as "share [low, high]" in percent, the
    coded units of the group, and the validity flags of the theme's topics."""
    out = []
    keys = rows.drop_duplicates([*by, "theme"])[[*by, "theme"]]
    for key in keys.itertuples(index=False):
        pick = np.ones(len(rows), bool)
        for column, value in zip([*by, "theme"], key):
            pick &= (rows[column] == value).to_numpy()
        cells = {column: value for column, value in zip(by, key)}
        theme = key[-1]
        cells["theme"] = names.get(theme, theme)
        for estimator, part in rows[pick].groupby("estimator", sort=False):
            row = part.iloc[0]
            cells["model-only" if estimator == "model" else estimator] = (
                (f"{row['share']:+.1%}" if estimator == "bias" else f"{row['share']:.1%}")
                + ("" if pd.isna(row["ci_low"]) else f" [{row['ci_low']:.1%}, {row['ci_high']:.1%}]"))
        cells["coded units"] = int(rows[pick]["n_coded"].iloc[0])
        cells["validity flags of its topics"] = flagged.get(theme, "")
        out.append(cells)
    return pd.DataFrame(out)


def _flagged(flags: pd.DataFrame | None, model: str, k: int) -> dict[str, str]:
    """The validity flags of the primary fit's topics, by the theme they are mapped to."""
    if flags is None or flags.empty:
        return {}
    mine = flags[(flags["model"] == model) & (flags["k"] == k)]
    if "primary" in mine.columns:
        mine = mine[mine["primary"].astype(str) == "True"]
    return {theme: ", ".join(sorted(set(part["flag"]))) for theme, part in mine.groupby("theme")}


def moved(rows: pd.DataFrame) -> pd.Series:
    """For each theme (and group): whether its corrected share lies outside the model-only interval."""
    keys = [c for c in rows.columns if c not in GROUP_EXCLUDED] + ["theme"]
    model = rows[rows["estimator"] == "model"].set_index(keys)
    corrected = rows[rows["estimator"] == "corrected"].set_index(keys)["share"]
    return (corrected < model["ci_low"]) | (corrected > model["ci_high"])


def corrected_figure(rows: pd.DataFrame, by: list[str], names: dict[str, str], title: str) -> Figure:
    """Every theme's model-only (open squares) and corrected share (filled circles) with intervals; one
    panel, or with groups one panel per theme over the groups (the first group column). A theme (or group)
    whose corrected share lies outside the model-only interval is marked ▲."""
    themes = theme_order(rows["theme"])
    colours = theme_colours(themes)
    outside = moved(rows)
    with _style():
        if not by:
            figure = Figure(figsize=(8, 0.5 * len(themes) + 1.5))
            axes = figure.subplots()
            y = np.arange(len(themes))[::-1]
            for i, theme in enumerate(themes):
                for estimator, offset, colour, marker in (("model", 0.15, "#777777", "s"),
                                                          ("corrected", -0.15, colours[theme], "o")):
                    row = rows[(rows["theme"] == theme) & (rows["estimator"] == estimator)].iloc[0]
                    axes.errorbar(row["share"], y[i] + offset, xerr=_spans(row), fmt=marker, color=colour,
                                  markersize=4, markerfacecolor="white" if estimator == "model" else colour,
                                  label=("model-only" if estimator == "model" else "corrected") if i == 0 else None)
            labels = [f"{'▲ ' if bool(outside.get(theme, False)) else ''}{names.get(theme, theme)}" for theme in themes]
            axes.set_yticks(y, labels)
            axes.set_xlabel("share of the units (95% interval)")
            axes.legend(fontsize="small")
        else:
            column = by[0]
            columns = min(3, len(themes))
            grid = int(np.ceil(len(themes) / columns))
            figure = Figure(figsize=(4 * columns, 3 * grid))
            panels = np.atleast_1d(figure.subplots(grid, columns, squeeze=False).ravel())
            for axes, theme in zip(panels, themes):
                part = rows[rows["theme"] == theme]
                groups = list(dict.fromkeys(part[column]))
                x = np.arange(len(groups))
                for estimator, offset, colour, marker in (("model", -0.15, "#777777", "s"),
                                                          ("corrected", 0.15, colours[theme], "o")):
                    values = part[part["estimator"] == estimator].set_index(column).loc[groups]
                    axes.errorbar(x + offset, values["share"], yerr=_spans(values), fmt=marker, color=colour,
                                  markersize=3, markerfacecolor="white" if estimator == "model" else colour)
                marks = [g for g in groups if bool(outside.get((g, theme), False))]
                axes.set_xticks(x, [f"{'▲' if g in marks else ''}{g}" for g in groups],
                                rotation=90 if len(groups) > 6 else 0, fontsize="small")
                axes.set_title(f"{'▲ ' if marks else ''}{names.get(theme, theme)}", fontsize="medium")
            for axes in panels[len(themes):]:
                axes.set_visible(False)
        figure.suptitle(f"{title}: model-only and corrected shares")
        figure.tight_layout()
    return figure


def _spans(rows) -> np.ndarray:
    """The lengths of the error bars below and above the estimate: the interval is cut to [0, 1], an
    unbiased estimate of a rare theme's share may fall just below 0, and a group without an interval has none."""
    share = np.atleast_1d(np.asarray(rows["share"], dtype=float))
    low = np.atleast_1d(np.asarray(rows["ci_low"], dtype=float))
    high = np.atleast_1d(np.asarray(rows["ci_high"], dtype=float))
    spans = np.vstack([share - low, high - share])
    return np.nan_to_num(np.clip(spans, 0, None)).reshape(2, -1)
