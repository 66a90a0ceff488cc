"""The documentation runs: docs/api.md's code blocks are executed in order, in one namespace, from
the project's root folder (as a reader would run them)."""

from __future__ import annotations

import os
import re

import pytest

from conftest import PROJECT

BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


@pytest.mark.slow
def test_api_walkthrough_runs(monkeypatch):
    text = (PROJECT / "docs" / "api.md").read_text(encoding="utf-8")
    blocks = BLOCK.findall(text)
    assert len(blocks) >= 6
    monkeypatch.chdir(PROJECT)
    namespace: dict = {}
    for number, code in enumerate(blocks, start=1):
        try:
            exec(compile(code, f"docs/api.md block {number}", "exec"), namespace)
        except Exception as err:  # name the block that failed
            raise AssertionError(f"docs/api.md block {number} failed: {type(err).__name__}: {err}\n{code}") from err
    assert os.getcwd() == str(PROJECT)


def test_import_topics_exports_the_api():
    import topics

    for name in ("read_corpus", "fit", "load", "run", "Lexicon", "FittedModel", "RunTables"):
        assert name in dir(topics) and callable(getattr(topics, name)), name
        assert getattr(topics, name).__doc__, f"{name} has no docstring"
