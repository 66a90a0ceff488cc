"""Shared fixtures: the bundled sample and the real corpora in ../shared/corpora."""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
SAMPLE = PROJECT / "corpora" / "xining_chengxi_2024.txt"
SHARED_CORPORA = PROJECT.parent / "shared" / "corpora"


@pytest.fixture(scope="session")
def sample_path() -> Path:
    return SAMPLE


@pytest.fixture(scope="session")
def shared_corpora() -> Path:
    """The real report corpora; tests that use them skip when the folder is absent."""
    if not SHARED_CORPORA.is_dir():
        pytest.skip(f"real corpora not found at {SHARED_CORPORA} (the ../shared folder beside the project)")
    return SHARED_CORPORA
