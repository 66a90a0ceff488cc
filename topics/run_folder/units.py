"""units.jsonl: every unit of a run with the label it is scored against and its row among the fitted units.

Written and read line by line, so a large corpus's units are never held as text twice."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..documents import Unit
from ..errors import InputError
from ..outputs import write_jsonl


@dataclass
class RunUnits:
    """The run's units in corpus order, with their labels and fitted rows."""

    units: list[Unit]
    labels: list[str]  # the label each unit was scored against: weak or hand-coded, "" for none
    fitted_rows: list[int | None]  # each unit's row among the fitted units (None: not fitted on)

    def __len__(self) -> int:
        return len(self.units)

    @property
    def train_index(self) -> list[int]:
        """Unit indices in the order of the fitted rows."""
        rows = {row: i for i, row in enumerate(self.fitted_rows) if row is not None}
        return [rows[row] for row in sorted(rows)]


def write_units(path: Path, units: list[Unit], labels: list[str], train_index: list[int]) -> None:
    rows = {unit_index: row for row, unit_index in enumerate(train_index)}
    write_jsonl(({**unit.to_json(), "label": label, "fitted_row": rows.get(i)}
                 for i, (unit, label) in enumerate(zip(units, labels))), path)


def read_units(path: Path) -> RunUnits:
    """Read units.jsonl back; InputError naming the file (and line) when it is missing or damaged."""
    if not path.is_file():
        raise InputError(f"{path}: missing; this run folder was made by an older version of the package — "
                         "run its config again")
    units, labels, rows, shared = [], [], [], {}
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            try:
                record = json.loads(line)
                label = str(record.pop("label"))
                labels.append(shared.setdefault(label, label))
                rows.append(record.pop("fitted_row"))
                units.append(_shared(Unit.from_json(record), shared))
            except (ValueError, KeyError, TypeError, AttributeError) as err:
                raise InputError(f"{path}:{number}: damaged unit record ({err})") from None
    if not units:
        raise InputError(f"{path}: holds no units")
    return RunUnits(units, labels, rows)


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
