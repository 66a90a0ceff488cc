"""Units and tokens for the model, theme and assign tests, made by the package's own ingest and
tokenize stages (tokens are not cached on disk, so tests leave nothing behind)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from topics.documents import Unit
from topics.ingest import ingest_paths
from topics.lexicon import Lexicon
from topics.tokenize import Tokenizer, TokenizerSettings

PROJECT = Path(__file__).resolve().parent.parent
SAMPLE = PROJECT / "corpora" / "xining_chengxi_2024.txt"

# The ten theme units of the seed sample: the start of each unit's text, and its theme.
SEED_THEME_UNITS = [
    ("一是", "ecology"),
    ("二是", "industry"),
    ("三是", "livelihood"),
    ("四是", "governance"),
    ("五是", "safety"),
    ("在打造生态文明高地上", "ecology"),
    ("在建设产业“四地”上", "industry"),
    ("在推动高质量发展上", "industry"),
    ("在办实事惠民生上", "livelihood"),
    ("在社会治理现代化上", "governance"),
]

# Small settings that keep each fit well under a second on the sample.
FAST_PARAMS = {
    "lda": {"k": 6, "passes": 3, "iterations": 20},
    "nmf": {"k": 6, "max_iter": 100},
    "sklearn-lda": {"k": 6, "max_iter": 5},
    "seeded-lda": {"k": 6, "passes": 3, "iterations": 20},
    "seeded-nmf": {"k": 6, "max_iter": 100},
    "dictionary": {},
    "supervised": {},
    "seeded-supervised": {"passes": 3, "iterations": 20},
    "pretrained": {},
    "pretrained-adapted": {},
}


def load_units(paths: list[Path]) -> list[Unit]:
    return ingest_paths([str(p) for p in paths], themes=Lexicon.load().themes).units


@lru_cache(maxsize=1)
def _tokenizer() -> Tokenizer:
    return Tokenizer(TokenizerSettings(), cache=False)


def tokenize(texts: list[str]) -> list[list[str]]:
    return _tokenizer().tokenize(list(texts))


@lru_cache(maxsize=4)
def units_and_tokens(paths: tuple[Path, ...]) -> tuple[list[Unit], list[list[str]]]:
    units = load_units(list(paths))
    return units, tokenize([u.text for u in units])


def sample_units_and_tokens() -> tuple[list[Unit], list[list[str]]]:
    return units_and_tokens((SAMPLE,))


def seed_theme_rows(units: list[Unit], doc_prefix: str = "xining_chengxi_2024") -> dict[int, str]:
    """Index (into units) → expected theme of the seed sample's ten theme units."""
    found = {}
    for marker, theme in SEED_THEME_UNITS:
        hits = [i for i, u in enumerate(units) if u.doc_id.startswith(doc_prefix) and u.text.lstrip().startswith(marker)]
        if not hits:
            raise AssertionError(f"seed theme unit {marker!r} not found among the units")
        found[hits[0]] = theme
    return found
