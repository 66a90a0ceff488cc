"""Theme shares per document and per group of documents, with cluster-bootstrap intervals that also
carry the spread over seeds.

A share is a ratio: the weight of a theme's units over the weight of all units. Three weightings:

- ``units`` (default): each unit counts once, for its assigned theme (the count studies of attention use);
- ``length``: each unit counts by the characters of its text, for its assigned theme;
- ``soft``: each unit counts once, spread over the themes by its probabilities (the mean theme probability).

Intervals come from a cluster bootstrap that follows how the data were sampled: a document's share
resamples its units; a group's share resamples the group's documents, then the units within each
document drawn. Each draw uses one fit of the model and k, in turn over the seeds, so the draws pooled
over seeds carry the seeds' disagreement too. The estimate is the mean over seeds of the share computed
on all units; the interval is the percentile interval of the pooled draws. Every random number comes
from a generator seeded by ``seed`` and the row's model, k and group, so a fixed seed gives identical
tables, whichever other groups or models are asked for.

A share that every draw gives alike (0 when no unit of the group has the theme) has no percentile width,
yet it was estimated from finitely many documents: its interval is then the Wilson score interval for
that share over the group's documents (over the units when the group is one document, whose units are
all that is resampled), which for a share of 0 in n documents reaches z²/(n + z²). A group of fewer than
``min_documents`` documents is flagged (``few_documents``): its interval rests on too few documents to
speak for documents like them."""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import InputError, listed
from ..rules import check
from ..settings import SETTINGS, default
from .study import StudyData

WEIGHTS = ("units", "length", "soft")  # as topics.settings declares inference.weight
SHARE_COLUMNS = ["model", "k", "seeds", "theme", "share", "ci_low", "ci_high", "n_documents", "n_units", "weight",
                 "draws"]
FEW_DOCUMENTS = "few_documents"  # the flag column of a group under min_documents (absent from older run folders)


def shares(data: StudyData, by: list[str] | str | None = None, *, weight: str = default("inference.weight"),
           draws: int = default("inference.draws"), seed: int = default("inference.seed"), model: str | None = None,
           k: int | None = None, level: float = default("inference.level"),
           min_documents: int = default("inference.min_documents"),
           bins: dict[str, float] | None = None) -> pd.DataFrame:
    """Share of every theme per document (``by`` None) or per group of documents (``by``: one or more
    metadata columns), with a ``level`` percentile interval from ``draws`` bootstrap draws pooled over
    the seeds of each model and k (see the module's docstring).

    Columns: model, k, seeds, the group columns (doc_id, year, region per document), theme, share,
    ci_low, ci_high, n_documents, n_units, weight, draws, few_documents (a group of fewer than
    ``min_documents`` documents; always False per document). Documents missing a group value are left out.

    ``bins`` ({column: width}, e.g. {"year": 10}) groups a number column of ``by`` into periods of that
    width aligned on its multiples (1950–1959, 1960–1969): the column holds each period's first value and
    ``<column>_period`` its span; a period without documents has no row."""
    check_options(weight=weight, draws=draws, seed=seed, level=level)
    return _share_tables(data, by, [weight], draws=draws, seed=seed, model=model, k=k, level=level,
                         min_documents=min_documents, bins=bins)[0]


def _share_tables(data: StudyData, by: list[str] | str | None, weights: list[str], *, draws: int, seed: int,
                  model: str | None, k: int | None, level: float, min_documents: int,
                  bins: dict[str, float] | None) -> list[pd.DataFrame]:
    """The shares table of each of ``weights``. A group's draws of documents and units depend on the seed, the
    model, k and the group, not on the weight: the weights share them, each weight's table as ``shares`` alone
    gives it."""
    check(min_documents, SETTINGS["inference.min_documents"].rule, SETTINGS["inference.min_documents"].flag)
    by = [by] if isinstance(by, str) else list(by or [])
    check_columns(data, by, "--by")
    units = binned(data, by, bins or {})
    keys = by or ["doc_id"]
    shown = by or ["doc_id", "year", "region"]
    usable = units.dropna(subset=keys)
    rows: list[list] = [[] for _ in weights]
    for (name, topics), fits in data.fit_groups(model, k).items():
        values = [[data.unit_values(fit, weight) for fit in fits] for weight in weights]
        for key, group in usable.groupby(keys, sort=bool(by), dropna=True):
            key = key if isinstance(key, tuple) else (key,)
            doc_rows = [rows_.index.to_numpy() for _, rows_ in group.groupby("doc_id", sort=False)]
            rng = generator(seed, name, topics, *key)
            ratios = bootstrap_ratios(doc_rows, values, draws, rng, resample_documents=bool(by))
            # a group of one document resamples its units only, so its units are what the share rests on
            sampled = len(doc_rows) if by and len(doc_rows) > 1 else len(group)
            label = group.iloc[0][shown].tolist()
            few = bool(by) and len(doc_rows) < min_documents
            for weight, table_rows, (points, drawn) in zip(weights, rows, ratios):
                estimate = points.mean(axis=0)
                low, high = interval(drawn, level, estimate)
                low, high = never_zero_width(low, high, estimate, sampled, level)
                for j, theme in enumerate(data.themes):
                    table_rows.append([name, topics, len(fits), *label, theme, estimate[j], low[j], high[j],
                                       len(doc_rows), len(group), weight, draws, few])
    columns = SHARE_COLUMNS[:3] + shown + SHARE_COLUMNS[3:] + [FEW_DOCUMENTS]
    return [_share_table(table_rows, columns, shown, bins or {}) for table_rows in rows]


def _share_table(rows: list[list], columns: list[str], shown: list[str], bins: dict[str, float]) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=columns)
    for column in shown:
        table[column] = display_values(table[column])
    for column, width in bins.items():
        where = table.columns.get_loc(column) + 1
        table.insert(where, f"{column}_period", [period_label(start, width) for start in table[column]])
    return table


WEIGHING_COLUMNS = ["model", "k", "seeds", "theme", "share_units", "ci_low_units", "ci_high_units", "share_length",
                    "ci_low_length", "ci_high_length", "differs", "n_documents", "n_units"]
_EVERY_DOCUMENT = "\0every document"  # the one group of weighing(): a column name no corpus has


def weighing(data: StudyData, model: str, k: int, *, draws: int = default("inference.draws"),
             seed: int = default("inference.seed"), level: float = default("inference.level")) -> pd.DataFrame:
    """Every theme's share of all the documents counted by units (``units``) and by characters (``length``),
    each with its interval (a group of every document: documents resampled, then their units), and
    ``differs``: whether the two intervals do not overlap, so that how a unit counts changes the finding (a
    one-line heading weighs as much as a 600-character paragraph in a count of units)."""
    whole = StudyData(data.units.assign(**{_EVERY_DOCUMENT: "all"}), data.themes, data.fits,
                      {**data.column_types, _EVERY_DOCUMENT: "category"})
    check_options(weight="units", draws=draws, seed=seed, level=level)
    units, length = _share_tables(whole, _EVERY_DOCUMENT, ["units", "length"], draws=draws, seed=seed, model=model,
                                  k=k, level=level, min_documents=default("inference.min_documents"), bins=None)
    table = units[["model", "k", "seeds", "theme"]].copy()
    for suffix, part in (("units", units), ("length", length)):
        for column in ("share", "ci_low", "ci_high"):
            table[f"{column}_{suffix}"] = part[column].to_numpy()
    table["differs"] = (table["ci_low_units"] > table["ci_high_length"]) | (table["ci_low_length"] > table["ci_high_units"])
    table["n_documents"], table["n_units"] = units["n_documents"].to_numpy(), units["n_units"].to_numpy()
    return table[WEIGHING_COLUMNS]


def binned(data: StudyData, by: list[str], bins: dict[str, float]) -> pd.DataFrame:
    """The units with each binned column replaced by the first value of its period (InputError naming
    --bins for a column that is not a number column of ``by`` or a width that is not positive)."""
    units = data.units
    for column, width in bins.items():
        if column not in by:
            raise InputError(f"--bins {column}:{width:g}: {column} is not a grouping column (--by {column})")
        if data.column_types.get(column) != "number":
            raise InputError(f"--bins {column}:{width:g}: {column} is a category; only a number column has periods")
        if not (isinstance(width, (int, float)) and np.isfinite(width) and width > 0):
            raise InputError(f"--bins {column}:{width}: the width of a period must be a number above 0")
        if units is data.units:
            units = units.copy()  # the same rows and index: the units' values still line up with them
        units[column] = np.floor(units[column].astype(float) / width) * width
    return units


def period_label(start, width: float) -> str:
    """1950–1959 for whole numbers (the period's first and last value), else [0.5, 1.5)."""
    if pd.isna(start):
        return ""
    start = float(start)
    if start.is_integer() and float(width).is_integer():
        return f"{int(start)}–{int(start + width - 1)}"
    return f"[{start:g}, {start + width:g})"


def parse_bins(items: list[str], option: str = "--bins") -> dict[str, float]:
    """``["year:10"]`` → {"year": 10.0}; InputError naming ``option`` for anything else."""
    bins = {}
    for item in items:
        column, sep, width = item.partition(":")
        try:
            value = float(width)
        except ValueError:
            value = None
        if not sep or not column.strip() or value is None or not np.isfinite(value) or value <= 0:
            raise InputError(f"{option} {item}: expected COLUMN:WIDTH with a width above 0, e.g. year:10")
        bins[column.strip()] = value
    return bins


def check_options(*, weight: str, draws: int, seed: int, level: float) -> None:
    """The options of shares and effects, checked by their declarations (topics.settings), named as flags."""
    for key, value in (("weight", weight), ("draws", draws), ("seed", seed), ("level", level)):
        setting = SETTINGS[f"inference.{key}"]
        check(value, setting.rule, setting.flag)


def check_columns(data: StudyData, columns: list[str], option: str) -> None:
    known = ["doc_id", *data.column_types]
    for column in columns:
        if column not in known:
            raise InputError(f"{option} {column}: no such document column; the run's documents have {listed(known)}")
    twice = next((column for column in columns if columns.count(column) > 1), None)
    if twice is not None:  # the table would hold the column twice
        raise InputError(f"{option} {' '.join(columns)}: {twice} is given twice")
    empty = next((column for column in columns if data.units[column].isna().all()), None)
    if empty is not None:  # every document would be left out: an empty table
        raise InputError(f"{option} {empty}: no document has a value of {empty} (a MANIFEST.tsv column gives "
                         "documents their values)")


def bootstrap_ratio(doc_rows: list[np.ndarray], values: list[tuple[np.ndarray, np.ndarray]], draws: int,
                    rng: np.random.Generator, *, resample_documents: bool) -> tuple[np.ndarray, np.ndarray]:
    """The share of every theme over the documents ``doc_rows`` (each an array of unit rows), for each
    fit in ``values`` (its (w, w·v), see StudyData.unit_values) on all units (S × themes), and for ``draws``
    bootstrap draws (draws × themes), draw b using fit b mod S.

    With ``resample_documents`` the documents are drawn with replacement first; then each document's
    units are drawn with replacement. A document drawn c times contributes c independent resamples of
    its n units, i.e. one multinomial draw of c·n units from them."""
    return bootstrap_ratios(doc_rows, [values], draws, rng, resample_documents=resample_documents)[0]


def bootstrap_ratios(doc_rows: list[np.ndarray], weightings: list[list[tuple[np.ndarray, np.ndarray]]], draws: int,
                     rng: np.random.Generator, *, resample_documents: bool) -> list[tuple[np.ndarray, np.ndarray]]:
    """bootstrap_ratio for each of ``weightings`` (each a ``values``, the same fits weighed otherwise), all from
    the same draws: each weighting's result is what bootstrap_ratio gives it alone with the same ``rng``."""
    n_fits, n_themes = len(weightings[0]), weightings[0][0][1].shape[1]
    fit_of = np.arange(draws) % n_fits
    chosen = [fit_of == s for s in range(n_fits)]
    n_docs = len(doc_rows)
    if resample_documents:
        times = rng.multinomial(n_docs, np.full(n_docs, 1.0 / n_docs), size=draws)
    else:
        times = np.ones((draws, n_docs), dtype=int)
    sums = [(np.zeros((draws, n_themes)), np.zeros(draws)) for _ in weightings]
    for j, rows in enumerate(doc_rows):
        n = len(rows)
        counts = rng.multinomial(times[:, j] * n, np.full(n, 1.0 / n)).astype(float)  # draws × n
        for s in range(n_fits):
            drawn_with = counts[chosen[s]]
            for values, (numerator, denominator) in zip(weightings, sums):
                w, wv = values[s]
                numerator[chosen[s]] += drawn_with @ wv[rows]
                denominator[chosen[s]] += drawn_with @ w[rows]
    every = np.concatenate(doc_rows)
    ratios = []
    for values, (numerator, denominator) in zip(weightings, sums):
        points = np.array([wv[every].sum(axis=0) / w[every].sum() for w, wv in values])
        with np.errstate(invalid="ignore", divide="ignore"):
            ratios.append((points, numerator / denominator[:, None]))
    return ratios


def interval(drawn: np.ndarray, level: float, estimate: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The percentile interval of the draws (rows), per column, draws that are NaN left out; widened where
    needed to hold ``estimate``. With few draws (or a skewed few documents) the percentile interval can miss
    the estimate it is about; a table whose interval does not hold its estimate would also plot with
    negative error bars."""
    tail = (1 - level) / 2
    low, high = np.nanquantile(drawn, [tail, 1 - tail], axis=0)
    return np.fmin(low, estimate), np.fmax(high, estimate)


def never_zero_width(low: np.ndarray, high: np.ndarray, estimate: np.ndarray, n: int,
                     level: float) -> tuple[np.ndarray, np.ndarray]:
    """Where every draw gave the same share (no width), the Wilson score interval of that share over ``n``
    documents (or units) instead: a share seen in finitely many of them is known only so far."""
    z = stats.norm.ppf(0.5 + level / 2)
    centre = (estimate + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(estimate * (1 - estimate) / n + z * z / (4 * n * n))
    flat = ~(high - low > 1e-12)
    return (np.where(flat, np.fmin(np.clip(centre - half, 0, 1), estimate), low),
            np.where(flat, np.fmax(np.clip(centre + half, 0, 1), estimate), high))


def thin_groups(table: pd.DataFrame, by: list[str], min_documents: int) -> str | None:
    """A warning line when groups of the shares table have fewer than ``min_documents`` documents."""
    if not by or FEW_DOCUMENTS not in table or not table[FEW_DOCUMENTS].any():
        return None
    groups = table.drop_duplicates(["model", "k", *by])
    few = groups[groups[FEW_DOCUMENTS]].drop_duplicates(by)
    shown = ", ".join(" ".join(str(v) for v in row) for row in few[by].head(8).itertuples(index=False))
    more = f" and {len(few) - 8} more" if len(few) > 8 else ""
    return (f"shares by {' '.join(by)}: {len(few)} of the {len(groups.drop_duplicates(by))} groups have fewer than "
            f"{min_documents} documents ({shown}{more}; flagged {FEW_DOCUMENTS}): their intervals rest on too few "
            "documents to speak for documents like them")


def generator(seed: int, *key) -> np.random.Generator:
    """A random generator for one row of a table: the same seed and key give the same numbers."""
    return np.random.default_rng([int(seed), *(zlib.crc32(str(part).encode("utf-8")) for part in key)])


def display_values(values: pd.Series) -> pd.Series:
    """Whole-number floats (years, counts) shown as integers in the tables."""
    if pd.api.types.is_float_dtype(values) and values.dropna().eq(values.dropna().round()).all():
        return values.astype("Int64")
    return values
