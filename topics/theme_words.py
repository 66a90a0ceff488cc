"""Older function names for reading a theme lexicon; the lexicon itself lives in topics.lexicon.

Each function reads the file through ``Lexicon.load`` (validated there) and returns one part of it."""

from __future__ import annotations

from pathlib import Path

from .lexicon import DEFAULT_LEXICON_PATH as DEFAULT_THEMES_PATH, Lexicon

__all__ = ["DEFAULT_THEMES_PATH", "lexicon_words", "load_other_words", "load_theme_facets", "load_theme_labels",
           "load_theme_lexicon"]


def load_theme_lexicon(path: str | Path | None = None) -> dict[str, list[str]]:
    """{theme: [seed words]} in file order (facet words included)."""
    return Lexicon.load(path).themes


def load_theme_facets(path: str | Path | None = None) -> dict[str, dict[str, list[str]]]:
    """Theme → {facet name: words} for the themes that have facets."""
    return Lexicon.load(path).facets


def load_other_words(path: str | Path | None = None) -> list[str]:
    """The words of the lexicon's ``[other]`` table ([] when it has none)."""
    return Lexicon.load(path).other_words


def load_theme_labels(path: str | Path | None = None) -> dict[str, str]:
    """Theme → its optional label ("" when it has none)."""
    return Lexicon.load(path).labels


def lexicon_words(themes: dict[str, list[str]], other_words: list[str] = ()) -> list[str]:
    """Every word of the lexicon, theme words then other words."""
    return [word for words in themes.values() for word in words] + list(other_words)
