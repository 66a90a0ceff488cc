"""Writing output files: a bad output path is a one-line InputError, checked before the work starts,
and files are written whole or not at all (through a temporary file)."""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from pathlib import Path

from .errors import InputError


def writable_output(path: str | Path) -> Path:
    """Check that ``path`` can be written as a file and create its folder."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path}: is a folder; give a file name for the output")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"{path}: cannot create its folder ({err.strerror})") from None
    return path


@contextmanager
def open_output(path: str | Path, encoding: str = "utf-8", newline: str | None = None):
    """Open ``path`` for writing text; the file appears only when the block finishes without error."""
    path = writable_output(path)
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("w", encoding=encoding, newline=newline) as out:
            yield out
        os.replace(partial, path)
    except OSError as err:
        partial.unlink(missing_ok=True)
        raise InputError(f"{path}: cannot write ({err.strerror})") from None


def write_jsonl(records, path: str | Path) -> Path:
    """Write one JSON object a line (UTF-8, Chinese kept as is)."""
    with open_output(path) as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return Path(path)
