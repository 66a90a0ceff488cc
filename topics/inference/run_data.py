"""A finished run folder read into the tidy tables inference works on.

- ``unit_table``: one row per unit with its document's metadata (doc_id, year, region and every
  metadata column the corpus gave it), each column typed as a number or a category;
- ``read_run_data``: that table plus, for every fit (model × k × seed), every unit's probability of
  every theme and its assigned theme;
- ``unit_probabilities``: the same probabilities as one wide table (CSV, and Parquet when pyarrow is
  installed) for users who want to do their own analysis.

Only what the run wrote is read (units.jsonl, config.toml, lexicon.toml, fits/*/result.json and
units.npz); nothing is recomputed."""

from __future__ import annotations

import importlib.util
import json
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..labels import OTHER
from ..assignment import in_context, theme_probabilities, unit_themes
from ..errors import InputError, listed
from ..lexicon import Lexicon
from ..outputs import open_output, writable_output
from ..run_folder import UNIT_SHARES_FILE, UNITS_FILE, finished_fits, read_run_units
from ..tomlfile import read_toml

PROBABILITIES_FILE = "unit_probabilities.csv"
COLUMN_TYPES = ("number", "category")
# Columns every unit has; a metadata column with one of these names (or of a column the inference tables
# add) is kept as meta_<name>.
BASE_COLUMNS = ("doc_id", "source", "unit_id", "position", "year", "region", "length", "weak_label")
RESERVED = ("row", *BASE_COLUMNS, "units", "model", "k", "seeds", "theme", "share", "ci_low", "ci_high",
            "n_documents", "n_units", "weight", "draws")


@dataclass
class Fit:
    """One fit's view of the units (rows in the order of RunData.units)."""

    model: str
    k: int
    seed: int
    probabilities: np.ndarray  # N × len(themes): each unit's probability of each theme
    assigned: np.ndarray  # N: index into themes of each unit's assigned theme
    known: np.ndarray  # N: tokens of the unit the model knows (0: no evidence, assigned 'other')


@dataclass
class RunData:
    """Units with their metadata, and every fit's theme probabilities for them."""

    units: pd.DataFrame  # unit_table(): documents ordered by year, region; units in document order
    themes: list[str]  # the lexicon's themes, then 'other'
    fits: list[Fit]
    column_types: dict[str, str]  # every metadata column (year, region and the corpus's own): number | category

    def fit_groups(self, model: str | None = None, k: int | None = None) -> dict[tuple[str, int], list[Fit]]:
        """The fits by (model, k), in run order; the seeds of one group are pooled by inference.
        InputError naming the model or k when the run has none."""
        groups: dict[tuple[str, int], list[Fit]] = {}
        for fit in self.fits:
            if (model is None or fit.model == model) and (k is None or fit.k == k):
                groups.setdefault((fit.model, fit.k), []).append(fit)
        if not groups:
            models = list(dict.fromkeys(f"{fit.model} (k={fit.k})" for fit in self.fits))
            wanted = " ".join(part for part in (f"--model {model}" if model else "", f"--k {k}" if k else "") if part)
            raise InputError(f"{wanted}: the run has no such fit; it has {listed(models)}")
        return groups

    def documents(self) -> pd.DataFrame:
        """One row per document (in the units' order): doc_id, its metadata and its number of units."""
        columns = ["doc_id", *self.column_types]
        docs = self.units.groupby("doc_id", sort=False)[columns[1:]].first().reset_index()
        docs["units"] = self.units.groupby("doc_id", sort=False).size().to_numpy()
        return docs


def read_run_data(run_dir: str | Path, column_types: dict[str, str] | None = None) -> RunData:
    """The run folder's units (see unit_table) and every mapped fit's theme probabilities for them."""
    run_dir = Path(run_dir)
    run_units = read_run_units(run_dir).units  # corpus order, read once for the table and the fits
    units = unit_table(run_dir, column_types, run_units)
    order = units.pop("row").to_numpy()  # corpus order → the table's order
    mapped = mapped_fits(run_dir)
    themes = run_themes(run_dir, mapped)
    fits = []
    for model, k, seed, folder, result in mapped:
        probabilities, assigned, known = _fit_probabilities(folder, result, themes, run_units)
        fits.append(Fit(model, k, seed, probabilities[order], assigned[order], known[order]))
    return RunData(units, themes, fits, dict(units.attrs["column_types"]))


# ---------------------------------------------------------------- units and their metadata


def unit_table(run_dir: str | Path, column_types: dict[str, str] | None = None, units: list | None = None) -> pd.DataFrame:
    """One row per unit: doc_id, unit_id, position, year, region, length (characters of its text),
    weak_label (the theme its heading names, "" for none) and
    every metadata column of its document (MANIFEST.tsv columns, jsonl/csv fields).

    A metadata column is a number when every non-empty value reads as one, else a category;
    ``column_types`` ({column: "number" | "category"}) states a column's type instead. Documents are
    ordered by year, then region (then first appearance); units keep their order in the document.
    ``attrs["column_types"]`` holds the type of year, region and every metadata column; ``row`` is
    the unit's row in the run's corpus order. Two documents with the same year and region (two
    editions of one report, or two sources) are named in a warning (see duplicate_editions)."""
    path = Path(run_dir) / UNITS_FILE
    records = read_run_units(run_dir).units if units is None else units  # ``units``: already read, corpus order
    if not records:
        raise InputError(f"{path}: holds no units")
    rows = []
    for row, unit in enumerate(records):
        columns = unit.meta.get("columns") or {}
        rows.append({"row": row, "doc_id": unit.doc_id, "source": unit.meta.get("source_doc_id", unit.doc_id),
                     "unit_id": unit.unit_id, "position": unit.position,
                     "year": unit.year, "region": unit.region, "length": len(unit.text),
                     "weak_label": unit.weak_label,
                     **{(f"meta_{name}" if name in RESERVED else name): value for name, value in columns.items()}})
    table = pd.DataFrame(rows)
    meta_columns = [c for c in table.columns if c not in ("row", *BASE_COLUMNS)]
    types = _column_types(table, meta_columns, column_types or {}, path)
    for column, kind in types.items():
        table[column] = _typed(table[column], kind, column, path)
    first_seen = {doc: i for i, doc in enumerate(dict.fromkeys(table["doc_id"]))}
    # Unknown years or regions go last; first appearance breaks ties so the order never depends on doc ids.
    table["_first"] = table["doc_id"].map(first_seen)
    table = table.sort_values(["year", "region", "_first", "position"], kind="stable", na_position="last")
    table = table.drop(columns="_first").reset_index(drop=True)
    table.attrs["column_types"] = types
    editions = duplicate_editions(table)
    if not editions.empty:
        shown = "; ".join(f"{r.year} {r.region}: {r.documents}" for r in editions.head(5).itertuples())
        warnings.warn(f"{path}: {len(editions)} year and region(s) have more than one document (two editions or "
                      f"sources of one report?): {shown}", stacklevel=2)
    return table


def duplicate_editions(units: pd.DataFrame) -> pd.DataFrame:
    """Years and regions with more than one document: year, region, n (documents), documents (their ids)."""
    # articles cut from one page (x#1, x#2) share their source: one edition, not two
    docs = units.drop_duplicates("doc_id")[["doc_id", "source", "year", "region"]].dropna(subset=["year"])
    rows = [(year, region, len(group), ", ".join(group["doc_id"]))
            for (year, region), group in docs.groupby(["year", "region"], sort=True) if group["source"].nunique() > 1]
    table = pd.DataFrame(rows, columns=["year", "region", "n", "documents"])
    table["year"] = table["year"].astype("Int64")
    return table


def _column_types(table: pd.DataFrame, columns: list[str], stated: dict[str, str], path: Path) -> dict[str, str]:
    """The type of year, region and every metadata column: as stated, else a number when every non-empty
    value reads as one, else a category."""
    known = ["year", "region", *columns]
    for column, kind in stated.items():
        if column not in known:
            raise InputError(f"{path}: column_types: {column!r} is not a metadata column; columns: {listed(known)}")
        if kind not in COLUMN_TYPES:
            raise InputError(f"{path}: column_types.{column}: must be one of {', '.join(COLUMN_TYPES)}, got {kind!r}")
    types = {}
    for column in known:
        if column in stated:
            types[column] = stated[column]
            continue
        present = table[column].dropna()
        present = present[present.astype(str).str.strip() != ""]
        numbers = pd.to_numeric(present, errors="coerce")
        types[column] = "number" if len(present) and numbers.notna().all() else "category"
    return types


def _typed(values: pd.Series, kind: str, column: str, path: Path) -> pd.Series:
    """A column's values as its type: numbers (empty → NaN) or category labels (empty → NaN)."""
    empty = values.isna() | (values.astype(str).str.strip() == "")
    if kind == "number":
        numbers = pd.to_numeric(values.where(~empty), errors="coerce")
        bad = numbers.isna() & ~empty
        if bad.any():
            raise InputError(f"{path}: column {column!r} is stated to be a number but has the value "
                             f"{values[bad].iloc[0]!r}")
        return numbers
    return values.where(~empty).map(lambda v: v if pd.isna(v) else str(v))


# ---------------------------------------------------------------- fits


def run_themes(run_dir: Path, fits: list) -> list[str]:
    """The columns of every probability table: the run lexicon's themes, then any other theme a topic
    was mapped to (such as 'unmapped'), then 'other'."""
    names = Lexicon.load(Path(run_dir) / "lexicon.toml").names
    extra = [t for *_, result in fits for t in result.topic_themes if t not in names and t != OTHER]
    return [*names, *dict.fromkeys(extra), OTHER]


@dataclass
class FitMapping:
    """What the probability tables need of a fit's result: its topics' themes and the mapping settings
    (read from result.json alone, so that listing a large run's fits holds none of their arrays)."""

    topic_themes: list[str]
    mapping: dict | None


def mapped_fits(run_dir: Path) -> list[tuple[str, int, int, Path, FitMapping]]:
    """(model, k, seed, folder, mapping) of every finished fit, its topics mapped to themes."""
    found = []
    for model, k, seed, folder in fit_folders(run_dir):
        try:
            meta = json.loads((folder / "result.json").read_text(encoding="utf-8"))
            themes, mapping = meta["topic_themes"], meta.get("mapping")
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise InputError(f"{folder / 'result.json'}: saved result is missing or damaged ({err})") from None
        if themes is None:
            raise InputError(f"{folder}: topics not mapped to themes yet; run `topics remap` on the run folder")
        found.append((model, k, seed, folder, FitMapping(list(themes), mapping)))
    return found


def fit_folders(run_dir: Path) -> list[tuple[str, int, int, Path]]:
    """(model, k, seed, folder) of every finished fit of the run's models, in config order, then k, seed."""
    config = read_toml(Path(run_dir) / "config.toml", "run config")
    found = finished_fits(run_dir, list(config.get("models", {})))
    if not found:
        raise InputError(f"{Path(run_dir) / 'fits'}: no finished fits; run the config with `topics run` first")
    return found


def _fit_probabilities(folder: Path, result: FitMapping, themes: list[str],
                       units: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every unit's probability of every theme (columns in ``themes`` order), its assigned theme's
    index and its known tokens, as the run assigned them (its section and heading counted with the
    settings saved in the fit). A unit without evidence (known 0) is 'other' with probability 1."""
    n_units = len(units)
    try:
        with np.load(folder / UNIT_SHARES_FILE) as arrays:
            doc_topic, known = arrays["doc_topic"], arrays["known"]
    except (OSError, KeyError, ValueError) as err:
        raise InputError(f"{folder / UNIT_SHARES_FILE}: missing or damaged ({err})") from None
    if len(doc_topic) != n_units:
        raise InputError(f"{folder / UNIT_SHARES_FILE}: {len(doc_topic)} units, units.jsonl has {n_units}")
    names, probs = theme_probabilities(doc_topic, result.topic_themes)
    if result.mapping:
        probs = in_context(probs, names, units, result.mapping.get("section_weight", 0.0),
                           result.mapping.get("heading_bonus", 0.0))
    full = np.zeros((n_units, len(themes)))
    for j, name in enumerate(names):
        full[:, themes.index(name)] = probs[:, j]
    no_evidence = np.asarray(known) == 0
    full[no_evidence] = 0.0
    full[no_evidence, themes.index(OTHER)] = 1.0
    assigned_names, _, _ = unit_themes(doc_topic, result.topic_themes, known, units, result.mapping)
    assigned = np.array([themes.index(name) for name in assigned_names], dtype=int)
    return full, assigned, np.asarray(known, dtype=int)


# ---------------------------------------------------------------- the wide table


def unit_probabilities(run_dir: str | Path) -> pd.DataFrame:
    """Every unit's probability of every theme for every fit: one row per fit and unit with columns
    model, k, seed, doc_id, unit_id, year, region, known, theme (the assigned theme) and p_<theme> for
    every theme of the lexicon (then any other theme a topic was mapped to, such as unmapped) and other.
    Units in corpus order within a fit."""
    return pd.concat(list(unit_probability_parts(run_dir)), ignore_index=True)


def unit_probability_parts(run_dir: str | Path):
    """unit_probabilities() one fit at a time (each part a frame with the same columns), so that a large
    run's table is written without being held whole."""
    run_dir = Path(run_dir)
    run_units = read_run_units(run_dir).units  # corpus order, read once for the table and the fits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # editions are reported by the commands that use the metadata
        units = unit_table(run_dir, units=run_units).sort_values("row").reset_index(drop=True)
    fits = mapped_fits(run_dir)
    themes = run_themes(run_dir, fits)
    for model, k, seed, folder, result in fits:
        probabilities, assigned, known = _fit_probabilities(folder, result, themes, run_units)
        part = pd.DataFrame({"model": model, "k": k, "seed": seed, "doc_id": units["doc_id"],
                             "unit_id": units["unit_id"], "year": units["year"].astype("Int64"),
                             "region": units["region"], "known": known,
                             "theme": [themes[i] for i in assigned]})
        for j, theme in enumerate(themes):
            part[f"p_{theme}"] = probabilities[:, j].round(6)
        yield part


def write_unit_probabilities(run_dir: str | Path, path: str | Path | None = None) -> list[Path]:
    """Write unit_probabilities() as CSV (default RUN_DIR/unit_probabilities.csv) and, when pyarrow is
    installed, as Parquet beside it, one fit at a time; return the paths written."""
    path = writable_output(path or Path(run_dir) / PROBABILITIES_FILE)
    parquet = partial = writer = None
    if importlib.util.find_spec("pyarrow") is not None:  # Parquet is optional
        import pyarrow as pa
        import pyarrow.parquet as pq

        parquet = writable_output(path.with_suffix(".parquet"))
        partial = parquet.with_name(f".{parquet.name}.partial")  # written whole or not at all
    try:
        with open_output(path, newline="") as out:
            for number, part in enumerate(unit_probability_parts(run_dir)):
                part.to_csv(out, index=False, header=number == 0)
                if parquet:
                    batch = pa.Table.from_pandas(part, preserve_index=False)
                    writer = writer or pq.ParquetWriter(partial, batch.schema)
                    writer.write_table(batch)
        if writer:
            writer.close()
            writer = None
            partial.replace(parquet)
    finally:
        if writer:
            writer.close()
        if partial and partial.exists():
            partial.unlink()
    return [path, parquet] if parquet else [path]
