"""units.jsonl: every unit of a run with the label it is scored against and its row among the fitted units.

Written and read line by line. Read back, the units leave their texts in the file: a unit's text is most of
its memory, and the stages after fitting need texts only where a table or a page shows them."""

from __future__ import annotations

import json
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..documents import Unit
from ..errors import InputError
from ..outputs import write_jsonl

# units a stage after fitting reads with their texts, or writes to a large table, at a time
UNITS_PER_PART = 20_000


class UnitColumns(Sequence):
    """A run's units without their texts, held as columns: one list or array per field, the repeated values
    (document ids, headings, sections, metadata) one object each. A unit object per unit cost about 850 bytes;
    a unit read here (by index, slice or loop) is made anew, its text None. Read-only: units made from the
    columns share their ``meta``."""

    def __init__(self) -> None:
        self.doc_ids: list[str] = []
        self.unit_ids: list[str] = []
        self.kinds: list[str] = []
        self.headings: list[str] = []
        self.weak_labels: list[str] = []
        self.years: list[int | None] = []
        self.regions: list[str] = []
        self.metas: list[dict] = []
        self.positions = array("q")
        self.span_starts = array("q")
        self.span_ends = array("q")

    def append(self, unit: Unit) -> None:
        self.doc_ids.append(unit.doc_id)
        self.unit_ids.append(unit.unit_id)
        self.kinds.append(unit.kind)
        self.headings.append(unit.heading)
        self.weak_labels.append(unit.weak_label)
        self.years.append(unit.year)
        self.regions.append(unit.region)
        self.metas.append(unit.meta)
        self.positions.append(unit.position)
        self.span_starts.append(unit.span[0])
        self.span_ends.append(unit.span[1])

    def __len__(self) -> int:
        return len(self.unit_ids)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return list(self._units(index))
        i = range(len(self))[index]
        return next(self._units(slice(i, i + 1)))

    def __iter__(self) -> Iterator[Unit]:
        return self._units(None)

    def _units(self, rows: slice | None) -> Iterator[Unit]:
        """The units of ``rows`` (None: all, without copying the columns), made from the columns."""
        columns = (self.doc_ids, self.unit_ids, self.kinds, self.headings, self.weak_labels, self.years, self.regions,
                   self.positions, self.span_starts, self.span_ends, self.metas)
        if rows is not None:
            columns = tuple(column[rows] for column in columns)
        for doc_id, unit_id, kind, heading, weak_label, year, region, position, start, end, meta in zip(*columns):
            yield Unit(doc_id, unit_id, kind, heading, None, weak_label, year, region, position, (start, end), meta)


@dataclass
class RunUnits:
    """The run's units in corpus order, with their labels and fitted rows. A unit here has no text (None):
    ``unit(i)`` and ``with_texts()`` read units with their texts from ``path``."""

    units: UnitColumns
    labels: list[str]  # the label each unit was scored against: weak or hand-coded, "" for none
    fitted_rows: list[int | None]  # each unit's row among the fitted units (None: not fitted on)
    lengths: np.ndarray  # characters of each unit's text
    path: Path
    starts: np.ndarray  # byte offset in ``path`` where each unit's line starts, then the file's end

    def __len__(self) -> int:
        return len(self.units)

    @property
    def train_index(self) -> list[int]:
        """Unit indices in the order of the fitted rows."""
        rows = {row: i for i, row in enumerate(self.fitted_rows) if row is not None}
        return [rows[row] for row in sorted(rows)]

    def unit(self, index: int) -> Unit:
        """Unit ``index`` with its text, read from the file."""
        if not 0 <= index < len(self):
            raise IndexError(f"unit {index} of a run of {len(self)} units")
        with self.path.open("rb") as lines:
            lines.seek(int(self.starts[index]))
            line = lines.read(int(self.starts[index + 1] - self.starts[index]))
        return self._checked(index, line)

    def with_texts(self) -> Iterator[Unit]:
        """Every unit with its text, in order, read from the file a line at a time."""
        with self.path.open("rb") as lines:
            for index in range(len(self)):
                yield self._checked(index, lines.readline())

    def texts(self, start: int = 0, stop: int | None = None) -> list[str]:
        """The texts of units ``start`` to ``stop`` (default: every unit's), in order, read from the file in one
        pass (for a table that shows them all)."""
        stop = len(self) if stop is None else min(stop, len(self))
        texts = []
        with self.path.open("rb") as lines:
            lines.seek(int(self.starts[start]))
            for index in range(start, stop):
                text = self._record(index, lines.readline()).get("text")
                if not isinstance(text, str):
                    raise self._rewritten(index)
                texts.append(text)
        return texts

    def _checked(self, index: int, line: bytes) -> Unit:
        """The unit of ``line``, which must be unit ``index`` as read before."""
        try:
            return _unit(self._record(index, line))[2]
        except (ValueError, KeyError, TypeError, AttributeError):
            raise self._rewritten(index) from None

    def _record(self, index: int, line: bytes) -> dict:
        """The record of ``line``, which must be unit ``index`` as read before (the file rewritten since: an error)."""
        try:
            record = json.loads(line)
            same = record["unit_id"] == self.units.unit_ids[index]
        except (ValueError, KeyError, TypeError):
            same = False
        if not same:
            raise self._rewritten(index)
        return record

    def _rewritten(self, index: int) -> InputError:
        return InputError(f"{self.path}:{index + 1}: not the unit read before; was the run folder rewritten "
                          "meanwhile? Run the command again")


def write_units(path: Path, units: list[Unit], labels: list[str], train_index: list[int]) -> None:
    rows = {unit_index: row for row, unit_index in enumerate(train_index)}
    write_jsonl(({**unit.to_json(), "label": label, "fitted_row": rows.get(i)}
                 for i, (unit, label) in enumerate(zip(units, labels))), path)


def read_units(path: Path) -> RunUnits:
    """Read units.jsonl back, texts left in the file; InputError naming the file (and line) when it is missing
    or damaged."""
    if not path.is_file():
        raise InputError(f"{path}: missing; this run folder was made by an older version of the package — "
                         "run its config again")
    units, labels, rows, lengths, starts, shared = UnitColumns(), [], [], [], [0], {}
    with path.open("rb") as lines:
        for number, line in enumerate(lines, start=1):
            try:
                label, row, unit = _unit(json.loads(line))
                lengths.append(len(unit.text))
                labels.append(shared.setdefault(label, label))
                rows.append(row)
                units.append(_shared(unit, shared))
            except (ValueError, KeyError, TypeError, AttributeError, IndexError) as err:
                raise InputError(f"{path}:{number}: damaged unit record ({err})") from None
            starts.append(starts[-1] + len(line))
    if not units:
        raise InputError(f"{path}: holds no units")
    return RunUnits(units, labels, rows, np.asarray(lengths, dtype=np.int64), path, np.asarray(starts, dtype=np.int64))


def _unit(record: dict) -> tuple[str, int | None, Unit]:
    """A units.jsonl record as its label, its fitted row and its unit."""
    label = str(record.pop("label"))
    row = record.pop("fitted_row")
    return label, row, Unit.from_json(record)


def _shared(unit: Unit, shared: dict) -> Unit:
    """The unit with its repeated values as one object each: JSON gives every unit its own copy of its document's
    id, region, metadata columns and section headings, which held more memory than the units' text. A run's
    units are read-only once read, so sharing them is safe."""
    for name in ("doc_id", "kind", "heading", "weak_label", "region"):
        value = getattr(unit, name)
        if isinstance(value, str):
            setattr(unit, name, shared.setdefault(value, value))
    unit.year = shared.setdefault(("year", type(unit.year).__name__, unit.year), unit.year)
    meta = unit.meta
    if isinstance(meta.get("section"), list):
        meta["section"] = shared.setdefault(("section", *meta["section"]), meta["section"])
    if isinstance(meta.get("columns"), dict):
        known = shared.get(("columns", unit.doc_id))
        if known == meta["columns"]:
            meta["columns"] = known
        else:
            shared[("columns", unit.doc_id)] = meta["columns"]
    # units of one section of one document mostly have the same metadata: one dict for them all (a list or dict
    # in it is known by identity: those shared above are one object, any other is kept alive by the dict kept)
    key = tuple((name, id(value)) if isinstance(value, (list, dict)) else (name, type(value).__name__, value)
                for name, value in meta.items())
    unit.meta = shared.setdefault(("meta", key), meta)
    return unit
