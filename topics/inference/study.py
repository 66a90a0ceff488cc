"""A finished run read into the tidy tables inference works on.

- ``unit_table``: one row per unit with its document's metadata (doc_id, year, region and every
  metadata column the corpus gave it), each column typed as a number or a category;
- ``study_data``: that table with the run's fits, whose units' theme probabilities and themes it gives in
  the table's order and with one column per theme of the run;
- ``unit_probability_parts`` / ``write_unit_probabilities``: every unit's theme probabilities for every
  fit as one wide table (CSV, and Parquet when pyarrow is installed) for users who want to do their own
  analysis.

Only what the run wrote is read (through topics.run_folder.RunFolder); a unit's theme and probabilities
are the ones the run's tables stage wrote, never computed again."""

from __future__ import annotations

import importlib.util
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..labels import OTHER
from ..errors import InputError, listed
from ..outputs import open_output, writable_output
from ..run_folder import UNITS_PER_PART, Fit, RunFolder
from ..run_files import UNIT_PROBABILITIES, UNITS
from ..where import Where, subset_line

COLUMN_TYPES = ("number", "category")
# Columns every unit has; a metadata column with one of these names (or of a column the inference tables
# add) is kept as meta_<name>.
BASE_COLUMNS = ("doc_id", "source", "unit_id", "position", "year", "region", "length", "weak_label")
RESERVED = ("row", *BASE_COLUMNS, "units", "model", "k", "seeds", "theme", "share", "ci_low", "ci_high",
            "n_documents", "n_units", "weight", "draws")


@dataclass
class StudyData:
    """The run's units with their metadata in study order, and its fits' theme probabilities for them."""

    units: pd.DataFrame  # unit_table(): documents ordered by year, region; units in document order
    themes: list[str]  # the run's themes: the lexicon's, then any other a topic was mapped to, then 'other'
    fits: list[Fit]
    column_types: dict[str, str]  # every metadata column (year, region and the corpus's own): number | category
    _views: dict = field(default_factory=dict, repr=False)

    def fit_groups(self, model: str | None = None, k: int | None = None) -> dict[tuple[str, int], list[Fit]]:
        """The fits by (model, k), in run order; the seeds of one group are pooled by inference.
        InputError naming the model or k when the run has none."""
        groups: dict[tuple[str, int], list[Fit]] = {}
        for fit in self.fits:
            if (model is None or fit.model == model) and (k is None or fit.k == k):
                groups.setdefault((fit.model, fit.k), []).append(fit)
        if not groups:
            models = list(dict.fromkeys(f"{fit.model} (k={fit.k})" for fit in self.fits))
            parts = (f"--model {model}" if model else "", f"--k {k}" if k is not None else "")
            wanted = " ".join(part for part in parts if part)
            raise InputError(f"{wanted}: the run has no such fit; it has {listed(models)}")
        return groups

    def documents(self) -> pd.DataFrame:
        """One row per document (in the units' order): doc_id, its metadata and its number of units."""
        columns = ["doc_id", *self.column_types]
        docs = self.units.groupby("doc_id", sort=False)[columns[1:]].first().reset_index()
        docs["units"] = self.units.groupby("doc_id", sort=False).size().to_numpy()
        return docs

    def subset(self, where: Where) -> tuple[StudyData, str]:
        """The study restricted to the documents ``where`` keeps (their units, in the same order), and the
        line that says how many documents and units it kept and left out. InputError when it keeps none."""
        documents = self.documents()
        kept = where.mask(documents, self.column_types)
        line = subset_line(where, documents, kept)
        if not kept.any():
            raise InputError(f"{where.shown}: no document of the run matches ({len(documents)} documents)")
        units = self.units[self.units["doc_id"].isin(documents.loc[kept, "doc_id"])].reset_index(drop=True)
        units.attrs = dict(self.units.attrs)
        return StudyData(units, self.themes, self.fits, self.column_types), line

    def probabilities(self, fit: Fit) -> np.ndarray:
        """Each unit's probability of each of ``themes`` (rows in the table's order) as the run assigned
        it; a unit without evidence has a row of zeros."""
        return self._view(fit)[0]

    def assigned(self, fit: Fit) -> np.ndarray:
        """Each unit's assigned theme, as an index into ``themes``."""
        return self._view(fit)[1]

    def known(self, fit: Fit) -> np.ndarray:
        """Tokens of each unit the model knows (0: no evidence; the unit counts as 'other')."""
        return self._view(fit)[2]

    def unit_values(self, fit: Fit, weight: str) -> tuple[np.ndarray, np.ndarray]:
        """Each unit's weight w (N) and its weighted theme values w·v (N × themes): the numerator and
        denominator of a share are sums of these. ``units``: one for the assigned theme; ``length``: its
        characters for the assigned theme; ``soft``: its theme probabilities, a unit without evidence
        counting as 'other' as it does under the other weights."""
        n = len(self.units)
        if weight == "soft":
            values = self.probabilities(fit).copy()
            values[self.known(fit) == 0, self.themes.index(OTHER)] = 1.0
        else:
            values = np.zeros((n, len(self.themes)))
            values[np.arange(n), self.assigned(fit)] = 1.0
        w = self.units["length"].to_numpy(dtype=float) if weight == "length" else np.ones(n)
        return w, values * w[:, None]

    def _view(self, fit: Fit) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        key = (fit.model, fit.k, fit.seed)
        if key not in self._views:
            order = self.units["row"].to_numpy()  # corpus row of each row of the table
            themes = fit.themes
            columns = [self.themes.index(name) for name in themes.names]
            self._views[key] = (themes.in_columns(self.themes)[order], np.asarray(columns)[themes.theme][order],
                                themes.known[order])
        return self._views[key]


def study_data(run: RunFolder | str | Path, column_types: dict[str, str] | None = None, *,
               stated_by: str = "column_types") -> StudyData:
    """The run's units (see unit_table) and every fit, for shares and effects."""
    run = RunFolder.of(run)
    units = unit_table(run, column_types, stated_by=stated_by)
    fits = run.fits()
    return StudyData(units, run_themes(run, fits), fits, dict(units.attrs["column_types"]))


# ---------------------------------------------------------------- units and their metadata


def unit_table(run: RunFolder | str | Path, column_types: dict[str, str] | None = None, *,
               stated_by: str = "column_types") -> pd.DataFrame:
    """One row per unit: doc_id, unit_id, position, year, region, length (characters of its text),
    weak_label (the theme its heading names, "" for none) and
    every metadata column of its document (MANIFEST.tsv columns, jsonl/csv fields).

    A metadata column is a number when every non-empty value reads as one, else a category;
    ``column_types`` ({column: "number" | "category"}) states a column's type instead (``stated_by``, the
    option or key that gave them, names them in messages). Documents are
    ordered by year, then region (then first appearance); units keep their order in the document.
    ``attrs["column_types"]`` holds the type of year, region and every metadata column; ``row`` is
    the unit's row in the run's corpus order. Two documents with the same year and region (two
    editions of one report, or two sources) are named in a warning (see duplicate_editions)."""
    run = RunFolder.of(run)
    path = run.file(UNITS)
    units = run.units  # the run's units as columns (topics.run_folder.UnitColumns)
    table = pd.DataFrame({"row": np.arange(len(units)), "doc_id": units.doc_ids,
                          "source": [meta.get("source_doc_id", doc) for meta, doc in zip(units.metas, units.doc_ids)],
                          "unit_id": units.unit_ids, "position": np.asarray(units.positions, dtype=np.int64),
                          "year": units.years, "region": units.regions, "length": run.run_units.lengths,
                          "weak_label": units.weak_labels})
    columns = [meta.get("columns") or {} for meta in units.metas]  # a document's units share one table
    fields: dict[str, list[str]] = {}  # column → the fields that become it
    for name in dict.fromkeys(name for of_unit in columns for name in of_unit):
        fields.setdefault(metadata_column(name), []).append(name)
    for column, names in fields.items():
        if len(names) == 1:
            table[column] = [of_unit.get(names[0], np.nan) for of_unit in columns]
        else:  # "model" of one document and "meta_model" of another: each document's own (its last, if both)
            table[column] = [next((of_unit[name] for name in reversed(of_unit) if name in names), np.nan)
                             for of_unit in columns]
    meta_columns = [c for c in table.columns if c not in ("row", *BASE_COLUMNS)]
    types = _column_types(table, meta_columns, column_types or {}, stated_by)
    for column, kind in types.items():
        table[column] = _typed(table[column], kind, column, f"{stated_by} {column}={kind}", path)
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
                      f"sources of one report?): {shown}; each counts in the shares, so if they are one report keep "
                      "one ([corpus] dedupe = true keeps the most complete)", stacklevel=2)
    return table


def metadata_column(name: str) -> str:
    """The column a document's metadata field becomes (meta_<name> for a name the tables use themselves)."""
    return f"meta_{name}" if name in RESERVED else name


def document_columns(units: list) -> list[str]:
    """The document columns a formula or a grouping may use: year, region and every metadata field."""
    fields = (metadata_column(name) for unit in units for name in (unit.meta.get("columns") or {}))
    return ["year", "region", *dict.fromkeys(fields)]


def duplicate_editions(units: pd.DataFrame) -> pd.DataFrame:
    """Years and regions with more than one document: year, region, n (documents), documents (their ids)."""
    # articles cut from one page (x#1, x#2) share their source: one edition, not two
    docs = units.drop_duplicates("doc_id")[["doc_id", "source", "year", "region"]].dropna(subset=["year"])
    rows = [(year, region, len(group), ", ".join(group["doc_id"]))
            for (year, region), group in docs.groupby(["year", "region"], sort=True) if group["source"].nunique() > 1]
    table = pd.DataFrame(rows, columns=["year", "region", "n", "documents"])
    table["year"] = table["year"].astype("Int64")
    return table


def _column_types(table: pd.DataFrame, columns: list[str], stated: dict[str, str], stated_by: str) -> dict[str, str]:
    """The type of year, region and every metadata column: as stated, else a number when every non-empty
    value reads as one, else a category."""
    known = ["year", "region", *columns]
    for column, kind in stated.items():
        if column not in known:
            raise InputError(f"{stated_by} {column}={kind}: {column!r} is not a document column; the run's "
                             f"documents have {listed(known)}")
        if kind not in COLUMN_TYPES:
            raise InputError(f"{stated_by} {column}={kind}: a column's type is one of {', '.join(COLUMN_TYPES)}")
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


def _typed(values: pd.Series, kind: str, column: str, stated: str, path: Path) -> pd.Series:
    """A column's values as its type: numbers (empty → NaN) or category labels (empty → NaN); ``stated``
    names what stated the type, ``path`` the file of the values."""
    empty = values.isna() | (values.astype(str).str.strip() == "")
    if kind == "number":
        numbers = pd.to_numeric(values.where(~empty), errors="coerce")
        bad = numbers.isna() & ~empty
        if bad.any():
            raise InputError(f"{stated}: {column} has the value {values[bad].iloc[0]!r} in {path}, which is no "
                             "number; state it a category")
        return numbers
    return values.where(~empty).map(_category_label)


def _category_label(value):
    """A category's label: the value as text (a list or object of a jsonl field too), NaN for none."""
    if isinstance(value, (list, dict)):  # pd.isna would test each element of a list
        return str(value)
    return value if pd.isna(value) else str(value)


# ---------------------------------------------------------------- fits


def run_themes(run: RunFolder, fits: list[Fit]) -> list[str]:
    """The columns of every probability table: the run lexicon's themes, then any other theme a fit can
    assign (such as 'unmapped'), then 'other'."""
    names = run.lexicon.names
    extra = [t for fit in fits for t in fit.themes.names if t not in names and t != OTHER]
    return [*names, *dict.fromkeys(extra), OTHER]


# ---------------------------------------------------------------- the wide table


def unit_probabilities(run: RunFolder | str | Path) -> pd.DataFrame:
    """Every unit's probability of every theme for every fit: one row per fit and unit with columns
    model, k, seed, doc_id, unit_id, year, region, known, theme (the assigned theme) and p_<theme> for
    every theme of the lexicon (then any other theme a fit can assign, such as unmapped) and other.
    Units in corpus order within a fit; a unit without evidence (known 0) has every p_ 0 and theme other."""
    return pd.concat(list(unit_probability_parts(RunFolder.of(run))), ignore_index=True)


def unit_probability_parts(run: RunFolder, block: int = UNITS_PER_PART):
    """unit_probabilities() a fit and at most ``block`` units at a time (each part a frame with the same
    columns), so that a large run's table is written without being held whole, nor one fit's part of it."""
    units = run.units
    fits = run.fits()
    themes = run_themes(run, fits)
    for fit in fits:
        assigned = fit.themes
        names = assigned.theme_names()
        probabilities = assigned.in_columns(themes)
        for start in range(0, len(units), block):
            rows = slice(start, start + block)
            part = pd.DataFrame({"model": fit.model, "k": fit.k, "seed": fit.seed,
                                 "doc_id": units.doc_ids[rows], "unit_id": units.unit_ids[rows],
                                 "year": pd.array(units.years[rows], dtype="Int64"),
                                 "region": units.regions[rows], "known": assigned.known[rows],
                                 "theme": names[rows]})
            for j, theme in enumerate(themes):
                part[f"p_{theme}"] = probabilities[rows, j].round(6)
            yield part


def write_unit_probabilities(run: RunFolder | str | Path, path: str | Path | None = None) -> list[Path]:
    """Write unit_probabilities() as CSV (default RUN_DIR/unit_probabilities.csv) and, when pyarrow is
    installed, as Parquet beside it, one fit at a time; return the paths written."""
    run = RunFolder.of(run, finished=False)  # the runner writes it before DONE
    path = writable_output(path or run.file(UNIT_PROBABILITIES))
    parquet = partial = writer = None
    if importlib.util.find_spec("pyarrow") is not None:  # Parquet is optional
        import pyarrow as pa
        import pyarrow.parquet as pq

        parquet = writable_output(path.with_suffix(".parquet"))
        partial = parquet.with_name(f".{parquet.name}.partial")  # written whole or not at all
    try:
        with open_output(path, newline="") as out:
            for number, part in enumerate(unit_probability_parts(run)):
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
