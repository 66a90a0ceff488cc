"""Shared fixtures: the bundled sample and the real corpora in ../shared/corpora; a private token cache."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from topics.tokenize.cache import CACHE_ENV

PROJECT = Path(__file__).resolve().parent.parent
SAMPLE = PROJECT / "corpora" / "xining_chengxi_2024.txt"
SHARED_CORPORA = PROJECT.parent / "shared" / "corpora"


def unprivileged(command: list[str]) -> list[str]:
    """The command run without root's right to read any file, so that file permissions apply to it
    (setpriv drops the capabilities that override them); unchanged for any other user."""
    if os.geteuid() != 0:
        return command
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: file permissions cannot be made to apply")
    return ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--", *command]


@pytest.fixture(scope="session")
def sample_path() -> Path:
    return SAMPLE


@pytest.fixture(scope="session")
def shared_corpora() -> Path:
    """The real report corpora; tests that use them skip when the folder is absent."""
    if not SHARED_CORPORA.is_dir():
        pytest.skip(f"real corpora not found at {SHARED_CORPORA} (the ../shared folder beside the project)")
    return SHARED_CORPORA


@pytest.fixture(scope="session", autouse=True)
def private_token_cache(tmp_path_factory) -> Path:
    """The token cache of every test (and of every command a test starts) lives in a temporary folder,
    never in the user's ~/.cache/topics."""
    folder = tmp_path_factory.mktemp("token-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CACHE_ENV, str(folder))
        yield folder
