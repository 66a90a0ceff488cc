"""The units of a run being prepared, on disk: a temporary file of one JSON line per unit, with only each
unit's id and weak label in memory. The stages before fitting read the units' texts in blocks (to segment them) and
single units by index (to attach hand codes); none holds every unit's text and object at once."""

from __future__ import annotations

import json
import os
import tempfile
import weakref
from collections.abc import Iterable, Iterator

from ..documents import Unit

BLOCK = 2_000  # units read from the file at a time when reading them in order


class UnitSpool:
    """A read-only sequence of units (len, index, iteration in order) kept in a temporary file, which is deleted
    when the spool is closed or no longer referenced."""

    def __init__(self, units: Iterable[Unit] = ()):
        self._file = tempfile.TemporaryFile()
        weakref.finalize(self, self._file.close)  # closed, not left to the file's own finaliser (a ResourceWarning)
        self._ends = [0]  # byte offset where each unit's line starts, then the file's end
        self.unit_ids: list[str] = []
        self.weak_labels: list[str] = []
        for unit in units:
            self.append(unit)

    def append(self, unit: Unit) -> None:
        line = (json.dumps(unit.to_json(), ensure_ascii=False) + "\n").encode("utf-8")
        self._file.write(line)
        self._ends.append(self._ends[-1] + len(line))
        self.unit_ids.append(unit.unit_id)
        self.weak_labels.append(unit.weak_label)

    def __len__(self) -> int:
        return len(self.unit_ids)

    def __getitem__(self, index: int) -> Unit:
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        return Unit.from_json(self._records(index % len(self), index % len(self) + 1)[0])

    def __iter__(self) -> Iterator[Unit]:
        return map(Unit.from_json, self._in_order())

    def texts(self) -> Iterator[str]:
        """Every unit's text, in order (its record's text: no unit is made)."""
        return (record["text"] for record in self._in_order())

    def close(self) -> None:
        self._file.close()

    def _in_order(self) -> Iterator[dict]:
        for start in range(0, len(self), BLOCK):
            yield from self._records(start, min(start + BLOCK, len(self)))

    def _records(self, start: int, stop: int) -> list[dict]:
        self._file.flush()  # what append wrote, out of the file object's buffer
        # pread: a read at an offset that leaves the file's position alone, so that readers may interleave
        data = _read_at(self._file.fileno(), self._ends[stop] - self._ends[start], self._ends[start])
        # split at b"\n" only: JSON escapes a newline inside a text, but not U+2028 and the other line breaks
        # that str.splitlines knows
        return [json.loads(line) for line in data.split(b"\n")[:-1]]


def _read_at(fd: int, size: int, offset: int) -> bytes:
    """``size`` bytes at ``offset``: one pread returns at most about 2 GiB on Linux, so a larger block takes more."""
    data = os.pread(fd, size, offset)
    while len(data) < size:
        more = os.pread(fd, size - len(data), offset + len(data))
        if not more:
            raise OSError(f"unit spool: {size - len(data)} bytes missing at offset {offset + len(data)}")
        data += more
    return data
