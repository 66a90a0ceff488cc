"""The run folder's lock: one process works in a folder at a time.

A command that writes in a run folder holds an exclusive OS lock on ``.lock`` and writes its pid and
command there; a second writer stops at once, naming the holder, and a reader of an unfinished folder says
it is busy instead of calling it unfinished. The lock dies with its process, so a killed run never blocks
the next one."""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path

from ..errors import InputError
from ..run_files import LOCK


@contextmanager
def locked(run_dir: Path, command: str):
    """Hold the run folder's lock for the duration; InputError at once when another process holds it."""
    run_dir = Path(run_dir)
    try:
        handle = open(run_dir / LOCK, "a+", encoding="utf-8")
    except OSError as err:
        raise InputError(f"{run_dir}: cannot lock the run folder ({err.strerror or err})") from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputError(f"{run_dir}: busy: {_holder_text(handle)}; wait for it to finish "
                             "or choose another -o folder") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()} {command}\n")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def holder(run_dir: Path) -> str | None:
    """"<command>, pid N" of the process working in the folder, or None when no process holds its lock."""
    path = Path(run_dir) / LOCK
    try:
        handle = open(path, encoding="utf-8")
    except OSError:
        return None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _holder_text(handle)
        fcntl.flock(handle, fcntl.LOCK_UN)
    return None


def _holder_text(handle) -> str:
    handle.seek(0)
    pid, _, command = handle.read().strip().partition(" ")
    return f"{command or 'another topics command'}, pid {pid or 'unknown'}"
