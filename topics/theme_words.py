"""The theme lexicon: theme name → seed words, shipped as ``lexicons/themes.toml``.

Used for weak labels (what a heading names), for seeding models, for the dictionary
baseline and for mapping topics to themes. Users may pass their own file (any theme
names, any number of themes).

The file may also hold an ``[other]`` table: words of passages about no theme (report
procedure, political statements, targets, reviews). Seeded models give them a topic of
their own that stands for ``other``, and topic→theme mapping sends topics that lean to them
to ``other``; they are never a theme.

A theme may also have ``facets``: named groups of its words, each of which seeded models give a
topic of its own (mapped to the theme). A broad theme such as industry then needs no single topic
to hold both its factories and its farms. Facet words belong to the theme wherever it is used."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from .errors import InputError

DEFAULT_THEMES_PATH = Path(__file__).parent / "lexicons" / "themes.toml"


def load_theme_lexicon(path: str | Path | None = None) -> dict[str, list[str]]:
    """Return {theme: [seed words]} in file order. Raises InputError naming the file/key at fault."""
    # copies: callers may change their lists without changing the cached lexicon
    return {name: list(words) for name, words in _load(str(Path(path) if path else DEFAULT_THEMES_PATH))}


def load_theme_facets(path: str | Path | None = None) -> dict[str, dict[str, list[str]]]:
    """Theme → {facet name: words} for the themes that have facets, in file order."""
    return {theme: {name: list(words) for name, words in facets}
            for theme, facets in _load_facets(str(Path(path) if path else DEFAULT_THEMES_PATH))}


def lexicon_words(themes: dict[str, list[str]], other_words: list[str] = ()) -> list[str]:
    """Every word of the lexicon, theme words then other words: the words kept in the vocabulary."""
    return [word for words in themes.values() for word in words] + list(other_words)


def load_theme_labels(path: str | Path | None = None) -> dict[str, str]:
    """Theme → its optional ``label`` (e.g. "生态"; "" when it has none), in file order."""
    themes = _read(str(Path(path) if path else DEFAULT_THEMES_PATH)).get("themes") or {}
    labels = {}
    for name, entry in themes.items():
        label = entry.get("label") if isinstance(entry, dict) else None
        labels[name] = label.strip() if isinstance(label, str) else ""
    return labels


def load_other_words(path: str | Path | None = None) -> list[str]:
    """The words of the lexicon's ``[other]`` table ([] when it has none)."""
    entry = _read(str(Path(path) if path else DEFAULT_THEMES_PATH)).get("other")
    if entry is None:
        return []
    words = entry.get("words") if isinstance(entry, dict) else None
    if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
        raise InputError(f"{path or DEFAULT_THEMES_PATH}: other.words must be a list of words")
    return [w.strip() for w in words]


@lru_cache(maxsize=16)
def _read(path: str) -> dict:
    file = Path(path)
    if not file.is_file():
        raise InputError(f"{path}: theme lexicon not found")
    try:
        return tomllib.loads(file.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: not a valid TOML theme lexicon ({err})") from None


@lru_cache(maxsize=16)
def _load(path: str) -> tuple[tuple[str, list[str]], ...]:
    themes = _read(path).get("themes")
    if not isinstance(themes, dict) or not themes:
        raise InputError(f"{path}: needs a [themes] table with at least one theme")
    result = []
    for name, entry in themes.items():
        words = entry.get("words") if isinstance(entry, dict) else None
        if not isinstance(words, list) or not words or not all(isinstance(w, str) and w.strip() for w in words):
            raise InputError(f"{path}: themes.{name}.words must be a non-empty list of words")
        if name == "other":
            raise InputError(f"{path}: themes.other: 'other' is reserved for units that match no theme; "
                             "put words of passages about no theme in an [other] table")
        facet_words = [word for _, group in _facets_of(path, name, entry) for word in group]
        result.append((name, list(dict.fromkeys([w.strip() for w in words] + facet_words))))
    return tuple(result)


@lru_cache(maxsize=16)
def _load_facets(path: str) -> tuple[tuple[str, tuple[tuple[str, list[str]], ...]], ...]:
    _load(path)  # the themes themselves are checked first
    themes = _read(path)["themes"]
    return tuple((name, facets) for name, entry in themes.items() if (facets := _facets_of(path, name, entry)))


def _facets_of(path: str, theme: str, entry: dict) -> tuple[tuple[str, list[str]], ...]:
    facets = entry.get("facets", {})
    if not isinstance(facets, dict):
        raise InputError(f"{path}: themes.{theme}.facets must be a table of facet name = [words]")
    result = []
    for name, words in facets.items():
        if not isinstance(words, list) or not words or not all(isinstance(w, str) and w.strip() for w in words):
            raise InputError(f"{path}: themes.{theme}.facets.{name} must be a non-empty list of words")
        result.append((name, [w.strip() for w in words]))
    return tuple(result)
