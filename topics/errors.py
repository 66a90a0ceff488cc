"""Errors caused by the user's input, reported as one line (exit code 2), never as a traceback."""

from __future__ import annotations

from pathlib import Path


class InputError(Exception):
    """A user mistake: bad file, bad config key, bad value.

    The message must name the file, line or key at fault, e.g.
    ``corpora/x.txt: no Chinese text`` or ``experiments/a.toml: models.lda.k: must be >= 2, got 0``.
    """


def listed(items, limit: int = 10) -> str:
    """Items joined for a message, at most ``limit`` of them: "a, b, … and 37 more".

    Messages are one line; a list of every file or column can make that line thousands of characters long."""
    items = [str(item) for item in items]
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f", … and {len(items) - limit} more"


def clipped(value, limit: int = 80) -> str:
    """A value quoted in a message, cut to ``limit`` characters ("…" marks the cut)."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def existing_file(path, what: str = "file") -> Path:
    """``path`` as a Path when it is a regular file; otherwise an InputError saying whether it is a
    folder, missing, or a pipe, socket or device (never opened: reading a pipe waits forever)."""
    path = Path(path)
    article = "an" if what[:1] in "aeiou" else "a"
    if path.is_dir():
        raise InputError(f"{path}: is a folder, expected {article} {what}")
    if not path.is_file():
        reason = not_a_file(path)
        raise InputError(f"{path}: {reason}, expected {article} {what}" if reason else f"{path}: no such {what}")
    return path


def not_a_file(path) -> str:
    """Why an existing path that is neither a regular file nor a folder is not read ("" when it is
    missing): "not a regular file (named pipe)", "cannot be opened"."""
    from .files import kind_of

    kind = kind_of(path)
    if kind in ("missing", "broken link", "file", "folder"):
        return ""
    return "cannot be opened" if kind == "unreadable" else f"not a regular file ({kind})"
