"""Ingest: files and folders → documents (``reading``, ``formats/``, ``script``) → clean text (``layout``)
→ units (``structure``), with near-duplicate editions (``duplicates``), document checks (``checks``) and
the accounting (``pipeline``: what was kept, removed and skipped; the units.jsonl and removed.jsonl
formats).

The pipeline's functions are loaded when first used, so that a module needing one stage (layout alone,
say) does not load every reader."""

from __future__ import annotations

import importlib


def __getattr__(name: str):
    """``topics.ingest.ingest_paths`` and the pipeline's other names, loaded on first use."""
    pipeline = importlib.import_module(f"{__name__}.pipeline")  # not `from . import`: that asks this hook again
    if name.startswith("__") or not hasattr(pipeline, name):
        raise AttributeError(f"module 'topics.ingest' has no attribute {name!r}")
    return getattr(pipeline, name)
