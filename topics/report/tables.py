"""The columns of a run's tables and the summaries of them that the plots and the report page share."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..assignment import ASSIGNMENT_COLUMNS as RUN_ASSIGNMENT_COLUMNS, FLAGS_COLUMN, RUN_SHARE_COLUMNS
from ..labels import OTHER, THEMES, UNMAPPED
from ..errors import InputError

METRICS_COLUMNS = ("model", "k", "seed")
ASSIGNMENT_COLUMNS = tuple(c for c in RUN_ASSIGNMENT_COLUMNS if c != "label")  # runs before labels were kept
SHARE_COLUMNS = tuple(c for c in RUN_SHARE_COLUMNS if c != FLAGS_COLUMN)  # runs before the flags column


def remove_old_output(path: Path) -> None:
    """Delete a page or plot of an earlier rendering; InputError naming it when that is not allowed."""
    try:
        path.unlink()
    except OSError as err:
        raise InputError(f"{path}: cannot replace this file of an earlier report ({err.strerror or err})") from None


def theme_order(names) -> list[str]:
    """The package's five themes first, then other themes as first seen, ``other`` last."""
    names = [n for n in dict.fromkeys(names) if isinstance(n, str) and n]
    known = [t for t in THEMES if t in names]
    rest = [n for n in names if n not in THEMES and n not in (OTHER, UNMAPPED)]
    return known + rest + [n for n in (UNMAPPED, OTHER) if n in names]


def model_order(*tables: pd.DataFrame | None, extra=()) -> list[str]:
    """Models in the order the run lists them (metrics.csv first), then any others."""
    names = []
    for table in tables:
        if table is not None and "model" in table.columns:
            names += table["model"].tolist()
    return list(dict.fromkeys(names + list(extra)))


def several_k(metrics: pd.DataFrame | None) -> bool:
    """Whether some model of the run was fitted at more than one K: only then do metrics against K say anything."""
    if metrics is None or metrics.empty:
        return False
    return bool((metrics.groupby("model")["k"].nunique() > 1).any())


def main_fit(shares: pd.DataFrame, model: str) -> tuple[int, list[int]]:
    """The model's main k (its first in the table, as the runner writes the config's first k first) and its seeds."""
    rows = shares[shares["model"] == model]
    k = rows["k"].iloc[0]
    seeds = list(dict.fromkeys(rows.loc[rows["k"] == k, "seed"]))
    return k, seeds


def flagged_name(name: str, flags: str) -> str:
    """A theme's column header in the report's share tables: its name, then its validity flags after ⚑."""
    return f"{name} ⚑ {flags}" if flags else name


def main_fit_flags(shares: pd.DataFrame, model: str) -> dict[str, str]:
    """theme → the validity flags of the model's fit at its main k and first seed (its primary fit), from
    theme_shares.csv's flags column; none for a run folder written before it."""
    if FLAGS_COLUMN not in shares.columns:
        return {}
    k, seeds = main_fit(shares, model)
    rows = shares[(shares["model"] == model) & (shares["k"] == k) & (shares["seed"] == seeds[0])]
    return dict(zip(rows["theme"].astype(str), rows[FLAGS_COLUMN].fillna("").astype(str)))


def attention(shares: pd.DataFrame, model: str, by: str) -> pd.DataFrame:
    """Share of units per theme per ``by`` (year or region) at the model's main k, spread across seeds.

    For every seed, units of a theme are summed over the documents of a year (region) and divided
    by all its units; the columns give mean, sd, min and max of that share across seeds.
    """
    k, seeds = main_fit(shares, model)
    rows = shares[(shares["model"] == model) & (shares["k"] == k)]
    rows = rows[rows[by].notna() & (rows[by].astype(str) != "")]
    if rows.empty:
        return pd.DataFrame(columns=[by, "theme", "mean", "sd", "min", "max", "seeds"])
    units = rows.pivot_table(index=["seed", by], columns="theme", values="units", aggfunc="sum", fill_value=0)
    per_seed = units.div(units.sum(axis=1).replace(0, np.nan), axis=0).fillna(0.0)
    long = per_seed.stack().rename("share").reset_index()
    summary = long.groupby([by, "theme"])["share"].agg(["mean", "std", "min", "max", "count"]).reset_index()
    summary = summary.rename(columns={"std": "sd", "count": "seeds"})
    summary["sd"] = summary["sd"].fillna(0.0)
    summary["theme"] = pd.Categorical(summary["theme"], categories=theme_order(summary["theme"]), ordered=True)
    return summary.sort_values([by, "theme"]).reset_index(drop=True)


def document_shares(shares: pd.DataFrame, model: str) -> pd.DataFrame:
    """Documents × themes: each document's share of units per theme at the main k, mean over seeds."""
    k, _ = main_fit(shares, model)
    rows = shares[(shares["model"] == model) & (shares["k"] == k)]
    table = rows.pivot_table(index="doc_id", columns="theme", values="share", aggfunc="mean", fill_value=0.0, sort=False)
    return table[theme_order(table.columns)]


def distinct(shares: pd.DataFrame | None, column: str) -> list:
    """The distinct non-empty values of a document column (years, regions) in sorted order."""
    if shares is None or column not in shares.columns:
        return []
    values = shares[column].dropna()
    values = values[values.astype(str).str.strip() != ""]
    return sorted(values.unique().tolist())


def run_labels(assignments: pd.DataFrame) -> pd.Series | None:
    """Each assigned unit's label as the run scored it (assignments.csv's ``label`` column: weak or
    hand-coded); None for a table without one. Never recomputed: the report shows what was scored."""
    if "label" not in assignments.columns:
        return None
    return assignments["label"].fillna("").astype(str)


def label_kind(config: dict) -> str:
    """What the run's labels are, for axis titles and captions."""
    labels = (config.get("evaluation") or {}).get("labels", "weak")
    return "weak label (from the heading)" if labels == "weak" else "hand-coded label"


def confusion(gold: pd.Series, predicted: pd.Series, gold_name: str = "label") -> pd.DataFrame:
    """Counts of units: rows the labels that occur, columns the assigned themes (and the labels);
    unlabelled units are left out."""
    labelled = gold.astype(str) != ""
    gold, predicted = gold[labelled].astype(str), predicted[labelled].astype(str)
    rows, columns = theme_order(gold), theme_order(list(gold) + list(predicted))
    table = pd.crosstab(pd.Categorical(gold, categories=rows), pd.Categorical(predicted, categories=columns), dropna=False)
    table.index.name, table.columns.name = gold_name, "assigned theme"
    return table
