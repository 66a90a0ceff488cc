"""Reading a run folder's tables and the summaries that the plots and the report page share."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..labels import OTHER, THEMES, UNMAPPED
from ..errors import InputError
from ..lexicon import LEXICON_FILE, Lexicon
from ..tomlfile import read_toml

METRICS_COLUMNS = ("model", "k", "seed")
ASSIGNMENT_COLUMNS = ("doc_id", "unit_id", "year", "region", "heading", "text", "model", "theme", "p", "runner_up")
SHARE_COLUMNS = ("model", "k", "seed", "doc_id", "year", "region", "theme", "units", "share")
_TEXT_COLUMNS = {"model": str, "doc_id": str, "unit_id": str, "region": str, "heading": str, "text": str,
                 "theme": str, "runner_up": str, "label": str}


def read_table(run_dir: Path, name: str, required: tuple[str, ...]) -> pd.DataFrame | None:
    """A CSV of the run folder, or None when it is absent; InputError when it is unreadable or lacks a column."""
    path = Path(run_dir) / name
    if not path.is_file():
        return None
    try:
        header = pd.read_csv(path, nrows=0).columns
        table = pd.read_csv(path, dtype={c: v for c, v in _TEXT_COLUMNS.items() if c in header}, keep_default_na=False,
                            na_values={c: ["", "nan", "NaN"] for c in header if c not in _TEXT_COLUMNS})
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: not a readable CSV table ({str(err).splitlines()[0] if str(err) else type(err).__name__})") from None
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}; expected {', '.join(required)}")
    _check_complete(path, table)
    if "year" in table.columns:
        table["year"] = pd.to_numeric(table["year"], errors="coerce").astype("Int64")
    return table


# Columns every row of a run table fills: an empty cell there means the file was cut or damaged.
_FILLED_COLUMNS = ("model", "k", "seed", "doc_id", "unit_id", "theme", "units", "share", "p")


def _check_complete(path: Path, table: pd.DataFrame) -> None:
    """A table cut short (no final line break, or a last row with empty cells) is damaged, not partial."""
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        raise InputError(f"{path}: damaged table (the file ends in the middle of a row); run the config again")
    for column in _FILLED_COLUMNS:
        if column in table.columns:
            empty = table[column].isna() | (table[column].astype(str) == "")
            if empty.any():
                row = int(empty.to_numpy().nonzero()[0][0]) + 2  # 1-based, after the header
                raise InputError(f"{path}:{row}: damaged table (no {column}); run the config again")


def remove_old_output(path: Path) -> None:
    """Delete a page or plot of an earlier rendering; InputError naming it when that is not allowed."""
    try:
        path.unlink()
    except OSError as err:
        raise InputError(f"{path}: cannot replace this file of an earlier report ({err.strerror or err})") from None


def read_config(run_dir: Path) -> dict:
    """The run's config.toml as run; InputError naming the file when it is missing or damaged."""
    return read_toml(Path(run_dir) / "config.toml", "run config")


def read_json(path: Path) -> dict | None:
    """A JSON file of the run folder (None when absent); InputError naming it when it is damaged."""
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: damaged JSON ({str(err).splitlines()[0]}); run the config again") from None


def run_lexicon(run_dir: Path) -> Lexicon:
    """The theme lexicon the run used, as it saved it (the package's own for runs made before runs kept one)."""
    path = Path(run_dir) / LEXICON_FILE
    return Lexicon.load(path if path.exists() else None)


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


def main_fit(shares: pd.DataFrame, model: str) -> tuple[int, list[int]]:
    """The model's main k (its first in the table, as the runner writes the config's first k first) and its seeds."""
    rows = shares[shares["model"] == model]
    k = rows["k"].iloc[0]
    seeds = list(dict.fromkeys(rows.loc[rows["k"] == k, "seed"]))
    return k, seeds


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


def confusion(gold: pd.Series, predicted: pd.Series) -> pd.DataFrame:
    """Counts of units: rows the weak labels that occur, columns the assigned themes (and the labels);
    unlabelled units are left out."""
    labelled = gold.astype(str) != ""
    gold, predicted = gold[labelled].astype(str), predicted[labelled].astype(str)
    rows, columns = theme_order(gold), theme_order(list(gold) + list(predicted))
    table = pd.crosstab(pd.Categorical(gold, categories=rows), pd.Categorical(predicted, categories=columns), dropna=False)
    table.index.name, table.columns.name = "weak label", "assigned theme"
    return table
