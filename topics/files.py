"""Opening what the user names: what kind of thing a path is, the bytes of a regular file read without
ever blocking on a pipe or a device, and file names shown as text that prints.

A named pipe opened for reading waits for a writer forever, and a device can hand out endless bytes,
so only regular files (or links to them) are ever opened; the kind is checked with os.stat before
opening (no side effects) and again on the open descriptor (a pipe swapped in meanwhile, opened
non-blocking, is refused too).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

_KINDS = ((stat.S_ISFIFO, "named pipe"), (stat.S_ISSOCK, "socket"), (stat.S_ISCHR, "character device"),
          (stat.S_ISBLK, "block device"))


class NotRegularFile(OSError):
    """A path that exists but is not a regular file (nor a folder): a pipe, socket or device."""

    def __init__(self, kind: str):
        super().__init__(f"not a regular file ({kind})")
        self.kind = kind


def kind_of(path: str | Path) -> str:
    """"file", "folder", "missing", "broken link", "named pipe", "socket", "character device",
    "block device" (or "unreadable" when the OS will not say); links are followed."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "broken link" if os.path.islink(path) else "missing"
    except OSError:
        return "broken link" if os.path.islink(path) else "unreadable"  # a loop of links, a folder we may not enter
    return _kind_of_mode(mode)


def _kind_of_mode(mode: int) -> str:
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "folder"
    return next((name for test, name in _KINDS if test(mode)), "special file")


def read_regular(path: str | Path) -> bytes:
    """The bytes of a regular file (a link to one included). NotRegularFile for a pipe, socket or
    device, which is never opened for reading; OSError as the OS raises it otherwise."""
    kind = kind_of(path)
    if kind not in ("file", "folder", "missing", "broken link", "unreadable"):
        raise NotRegularFile(kind)
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(descriptor, "rb") as handle:
        kind = _kind_of_mode(os.fstat(descriptor).st_mode)
        if kind == "folder":
            raise IsADirectoryError(21, "Is a directory")
        if kind != "file":
            raise NotRegularFile(kind)
        return handle.read()


def shown(path: str | Path) -> str:
    """A path as text that prints and can be written to UTF-8 files. A name that is not UTF-8 (GBK
    bytes from a zip made on Chinese Windows) comes from the OS with surrogate escapes; each such
    part is shown decoded as GB18030 when its bytes are GB18030, else with its bytes as \\xNN."""
    text = str(path)
    if not has_undecodable_name(text):
        return text
    return "/".join(_shown_part(part) for part in text.split("/"))


def has_undecodable_name(text: str) -> bool:
    """Does the path hold bytes that were not UTF-8 (surrogate escapes from os.fsdecode)?"""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _shown_part(part: str) -> str:
    if not has_undecodable_name(part):
        return part
    raw = os.fsencode(part)
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="backslashreplace")
