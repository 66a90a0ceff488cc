"""A content-addressed on-disk cache of tokenized text, so a rerun never segments the same text twice.

Keys are hashes of (tokenizer fingerprint, unit text); values are the tokenizer's serialised output.
The store is one SQLite file: SQLite's own locking makes it safe when several processes
(parallel runs, or workers of one run) read and write it at the same time.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from ..errors import InputError

CACHE_ENV = "TOPICS_CACHE_DIR"
_BATCH = 900  # stays under SQLite's limit on query parameters
# Every way to work without this cache folder, for the messages below.
WAYS_OUT = (f"set {CACHE_ENV} (or topics tokenize's --cache-dir) to another folder, or turn the cache off "
            "(`cache = false` under [tokenizer] in the config, or --no-cache for topics tokenize)")


def default_cache_dir() -> Path:
    """$TOPICS_CACHE_DIR when set, else ~/.cache/topics."""
    configured = os.environ.get(CACHE_ENV)
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "topics"


def ensure_dir(folder: Path) -> Path:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(
            f"{folder}: cannot create the token cache folder ({err.strerror}); {WAYS_OUT}"
        ) from None
    return folder


class TokenCache:
    """Key → value store in ``<folder>/tokens.sqlite3``."""

    def __init__(self, folder: Path):
        self.path = ensure_dir(Path(folder)) / "tokens.sqlite3"
        self._db: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        if self._db is None:
            try:
                db = sqlite3.connect(self.path, timeout=120)
                db.execute("PRAGMA journal_mode=WAL")  # readers never wait for a writer
                db.execute("CREATE TABLE IF NOT EXISTS tokens (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID")
                db.commit()
            except sqlite3.Error as err:
                raise self._unusable(err) from None
            self._db = db
        return self._db

    def _unusable(self, err: sqlite3.Error) -> InputError:
        return InputError(f"{self.path}: the token cache cannot be used ({err}); delete that file, or {WAYS_OUT}")

    def get_many(self, keys: list[str]) -> dict[str, str]:
        db = self._connect()
        found: dict[str, str] = {}
        try:
            for start in range(0, len(keys), _BATCH):
                batch = keys[start : start + _BATCH]
                marks = ",".join("?" * len(batch))
                found.update(db.execute(f"SELECT key, value FROM tokens WHERE key IN ({marks})", batch))
        except sqlite3.DatabaseError as err:  # damage deeper in the file shows only when it is read
            raise self._unusable(err) from None
        return found

    def put_many(self, items: dict[str, str]) -> None:
        if not items:
            return
        db = self._connect()
        try:
            with db:  # one transaction; another process may have stored the same key meanwhile
                db.executemany("INSERT OR IGNORE INTO tokens (key, value) VALUES (?, ?)", items.items())
        except sqlite3.DatabaseError as err:
            raise self._unusable(err) from None

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def __getstate__(self):  # a connection cannot travel to another process; reconnect there
        return {"path": self.path, "_db": None}
