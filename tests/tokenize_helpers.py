"""Units for the tokenizing tests, read and cut by the package's own ingestion."""

from __future__ import annotations

from pathlib import Path

from topics.documents import Unit
from topics.ingest import ingest_paths


def load_units(paths: list[Path]) -> list[Unit]:
    return ingest_paths([str(path) for path in paths]).units
