"""Every unit's tokens as one flat array of integer ids with row offsets (a ragged array).

A corpus's tokens held as Python lists cost a list per unit (56 bytes) and a pointer per token (8 bytes)
even with interned strings; as a table they cost 4 bytes a token and 8 a unit, pickle as three
objects (so a Dask worker receives them in one compact piece), and save to and load from plain ``.npy``
files. Reading a row gives back the unit's tokens as strings, each distinct token one shared string.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np


class TokenTable(Sequence):
    """Rows of tokens: ``table[i]`` is unit i's token list; ``len(table)`` the number of units."""

    def __init__(self, words: list[str], ids: np.ndarray, offsets: np.ndarray) -> None:
        self.words = words  # id → token
        self.ids = ids  # int32, every row's token ids one after the other
        self.offsets = offsets  # int64, row i is ids[offsets[i]:offsets[i + 1]]

    @classmethod
    def build(cls, rows: Iterable[Iterable[str]]) -> "TokenTable":
        builder = TokenTableBuilder()
        builder.extend(rows)
        return builder.table()

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self.take(range(*index.indices(len(self))))
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"token table row {index} out of range ({len(self)} rows)")
        words = self.words
        return [words[i] for i in self.ids[self.offsets[index]:self.offsets[index + 1]].tolist()]

    def __iter__(self):
        words, ids, offsets = self.words, self.ids, self.offsets
        for start, end in zip(offsets[:-1].tolist(), offsets[1:].tolist()):
            yield [words[i] for i in ids[start:end].tolist()]

    def lengths(self) -> np.ndarray:
        """Tokens per row."""
        return np.diff(self.offsets)

    def take(self, rows: Iterable[int]) -> "TokenTable":
        """The given rows, in that order, as a table sharing this one's words."""
        rows = np.asarray(list(rows), dtype=np.int64)
        if not len(rows):
            return TokenTable(self.words, np.zeros(0, dtype=np.int32), np.zeros(1, dtype=np.int64))
        starts, ends = self.offsets[rows], self.offsets[rows + 1]
        offsets = np.concatenate([[0], np.cumsum(ends - starts)])
        ids = np.concatenate([self.ids[s:e] for s, e in zip(starts.tolist(), ends.tolist())]) \
            if offsets[-1] else np.zeros(0, dtype=np.int32)
        return TokenTable(self.words, ids.astype(np.int32, copy=False), offsets)

    def save(self, folder: Path) -> None:
        """tokens.npy, offsets.npy and words.txt (one token a line) in ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / "tokens.npy", self.ids)
        np.save(folder / "offsets.npy", self.offsets)
        (folder / "words.txt").write_text("".join(word + "\n" for word in self.words), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, *, memory_map: bool = True) -> "TokenTable":
        """A saved table; with ``memory_map`` its ids stay on disk and are paged in as rows are read."""
        mode = "r" if memory_map else None
        words = (folder / "words.txt").read_text(encoding="utf-8").split("\n")[:-1]
        return cls(words, np.load(folder / "tokens.npy", mmap_mode=mode), np.load(folder / "offsets.npy"))


class TokenTableBuilder:
    """Appends rows of tokens, batch by batch, without keeping the lists."""

    def __init__(self) -> None:
        self._index: dict[str, int] = {}
        self._words: list[str] = []
        self._ids = array("i")
        self._offsets = array("q", [0])

    def extend(self, rows: Iterable[Iterable[str]]) -> None:
        index, words, ids = self._index, self._words, self._ids
        for row in rows:
            for token in row:
                token_id = index.get(token)
                if token_id is None:
                    token_id = index[token] = len(words)
                    words.append(token)
                ids.append(token_id)
            self._offsets.append(len(ids))

    def table(self) -> TokenTable:
        return TokenTable(self._words, np.frombuffer(self._ids, dtype=np.int32).copy(),
                          np.frombuffer(self._offsets, dtype=np.int64).copy())
