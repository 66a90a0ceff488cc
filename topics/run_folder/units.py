"""units.jsonl: every unit of a run with the label it is scored against and its row among the fitted units.

Written and read line by line. Read back, the units leave their texts in the file: a unit's text is most of
its memory, and the stages after fitting need texts only where a table or a page shows them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..documents import Unit
from ..errors import InputError
from ..outputs import write_jsonl

# units a stage after fitting reads with their texts, or writes to a large table, at a time
UNITS_PER_PART = 20_000


@dataclass
class RunUnits:
    """The run's units in corpus order, with their labels and fitted rows. A unit here has no text (None):
    ``unit(i)`` and ``with_texts()`` read units with their texts from ``path``."""

    units: list[Unit]
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

    def texts(self) -> list[str]:
        """Every unit's text, in order, read from the file in one pass (for a table that shows them all)."""
        texts = []
        with self.path.open("rb") as lines:
            for index in range(len(self)):
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
            same = record["unit_id"] == self.units[index].unit_id
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
    units, labels, rows, lengths, starts, shared = [], [], [], [], [0], {}
    with path.open("rb") as lines:
        for number, line in enumerate(lines, start=1):
            try:
                label, row, unit = _unit(json.loads(line))
                lengths.append(len(unit.text))
                unit.text = None
                labels.append(shared.setdefault(label, label))
                rows.append(row)
                units.append(_shared(unit, shared))
            except (ValueError, KeyError, TypeError, AttributeError) as err:
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
    meta = unit.meta
    if isinstance(meta.get("section"), list):
        meta["section"] = shared.setdefault(("section", *meta["section"]), meta["section"])
    if isinstance(meta.get("columns"), dict):
        known = shared.get(("columns", unit.doc_id))
        if known == meta["columns"]:
            meta["columns"] = known
        else:
            shared[("columns", unit.doc_id)] = meta["columns"]
    return unit
