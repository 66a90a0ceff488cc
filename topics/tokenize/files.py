"""tokens.jsonl: each unit's record plus its tokens, written by ``topics tokenize`` and read back."""

from __future__ import annotations

import json
from pathlib import Path

from ..documents import Unit
from ..errors import InputError, existing_file
from ..outputs import write_jsonl
from .filters import TokenizedText


def write_tokens(units: list[Unit], results: list[TokenizedText], path: str | Path) -> None:
    """tokens.jsonl: each unit's record plus ``tokens``, ``empty`` and ``slogan_hits`` (a count)."""
    def records():
        for unit, result in zip(units, results, strict=True):
            record = unit.to_json()
            record.update(tokens=result.tokens, empty=result.empty, slogan_hits=len(result.slogan_hits))
            yield record

    write_jsonl(records(), path)


def read_tokens(path: str | Path) -> tuple[list[Unit], list[list[str]]]:
    """Read tokens.jsonl back: the units and their token lists (empty units included, with [])."""
    file = existing_file(path, "tokens file")  # a folder or pipe is named as such, never opened
    units, token_lists = [], []
    with open(file, encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                tokens = record.pop("tokens")
                record.pop("empty", None)
                record.pop("slogan_hits", None)
                if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
                    raise ValueError("'tokens' must be a list of strings")
                units.append(Unit.from_json(record))
            except (ValueError, KeyError, TypeError, AttributeError) as err:
                raise InputError(f"{path}:{number}: not a tokens record ({err})") from None
            token_lists.append(tokens)
    return units, token_lists
