"""Ingest: files and folders → documents (``reading``, ``formats/``, ``script``) → clean text (``layout``)
→ units (``structure``), with near-duplicate editions (``duplicates``), document checks (``checks``) and
the accounting (``pipeline``: what was kept, removed and skipped; the units.jsonl and removed.jsonl
formats).

The pipeline's functions are loaded when first used, so that a module needing one stage (layout alone,
say) does not load every reader."""

from __future__ import annotations

_PIPELINE = ("IngestResult", "format_skipped", "format_summary", "ingest_paths", "is_units_file", "read_units",
             "units_from_inputs", "write_removals", "write_units")


def __getattr__(name: str):
    if name in _PIPELINE:
        from . import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'topics.ingest' has no attribute {name!r}")


__all__ = list(_PIPELINE)
