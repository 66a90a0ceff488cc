"""Writing output files: a bad output path is a one-line InputError, checked before the work starts,
and files are written whole or not at all (through a temporary file)."""

from __future__ import annotations

import json
import os
import secrets
from contextlib import contextmanager
from pathlib import Path

from .errors import InputError


def writable_output(path: str | Path) -> Path:
    """Check that ``path`` can be written as a file (creating its folder): called for every output
    before any work, so a bad path fails at once instead of after minutes of work or after other
    outputs were written."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path}: is a folder; give a file name for the output")
    for parent in (path.parent, *path.parent.parents):
        if parent.exists():
            if not parent.is_dir():
                raise InputError(f"{path}: {parent} is a file, not a folder")
            break
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"{path}: cannot create its folder ({err.strerror})") from None
    try:  # create and remove a file beside it: the only test that also holds for root and read-only disks
        handle, probe = _temporary(path)
    except OSError as err:
        raise InputError(f"{path}: cannot write there ({err.strerror})") from None
    os.close(handle)
    os.unlink(probe)
    return path


def _temporary(path: Path) -> tuple[int, str]:
    """A new hidden file beside ``path`` (unique, so two writers never share one); mode 0o666 less the umask,
    like any file the user creates, since it becomes the output."""
    while True:
        name = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.partial")
        try:
            return os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), str(name)
        except FileExistsError:
            continue


@contextmanager
def open_output(path: str | Path, encoding: str = "utf-8", newline: str | None = None, *, binary: bool = False):
    """Open ``path`` for writing text (or bytes); the file appears (atomically, by os.replace) only when the
    block finishes without error, so a failed or interrupted write never leaves a half-written output."""
    path = writable_output(path)
    try:
        handle, partial = _temporary(path)
    except OSError as err:
        raise InputError(f"{path}: cannot write there ({err.strerror})") from None
    try:
        with (os.fdopen(handle, "wb") if binary else os.fdopen(handle, "w", encoding=encoding, newline=newline)) as out:
            yield out
        os.replace(partial, path)
    except OSError as err:
        raise InputError(f"{path}: cannot write ({err.strerror})") from None
    finally:
        if os.path.exists(partial):
            os.unlink(partial)


def write_jsonl(records, path: str | Path) -> Path:
    """Write one JSON object a line (UTF-8, Chinese kept as is)."""
    with open_output(path) as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return Path(path)
