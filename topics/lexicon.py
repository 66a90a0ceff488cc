"""The theme lexicon: one object, loaded and validated once, saved with every run and model.

A lexicon file (TOML; the package's own is ``lexicons/themes.toml``) holds

- ``[themes.<name>]`` tables, any names, any number: ``words`` (the theme's seed words), an optional
  ``label`` (e.g. "生态"), optional ``facets`` (named groups of its words that seeded models give a
  topic of their own, mapped to the theme) and optional ``heading_words`` (extra words used only to read
  the theme a heading names; a theme without the key takes the package's heading words for a theme of
  the same name, ``[]`` gives none) and optional ``exclude`` (longer words that hold one of the theme's
  words but are not about it: 国际环境 and 营商环境 hold 环境 and are no ecology);
- an optional ``[other]`` table: ``words`` of passages about no theme (report procedure, political
  statements, targets); seeded models give them a topic that stands for ``other``, and theme mapping
  sends topics that lean to them to ``other``. ``other`` is never a theme.

Unknown tables and keys are errors naming the key: a misspelt ``[themes.X.facet]`` must not silently
leave a model without its facets. Facet words belong to their theme wherever the theme is used.

A theme's words count wherever the segmenter leaves them inside a longer word: jieba's dictionary cuts
科技成果转化 whole, and it still counts for industry through 科技 (``holders``). Such a longer word counts for
no theme when it is a lexicon word itself (营商环境 counts for industry only) or one of the theme's
exclusions; exclusions and lexicon words go into the segmenter's dictionary, so 国际环境 stays one word
instead of 国际 + 环境."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .labels import OTHER
from .errors import InputError
from .tomlfile import read_toml, to_toml

DEFAULT_LEXICON_PATH = Path(__file__).parent / "lexicons" / "themes.toml"

_TOP_KEYS = ("themes", "other")
_THEME_KEYS = ("label", "words", "facets", "heading_words", "exclude")
_OTHER_KEYS = ("label", "words")


@dataclass(frozen=True, eq=True)
class Lexicon:
    """Themes with their words (facet words included), facets, other words, labels, heading words and
    exclusions (theme → longer words that hold one of its words but do not count for it).

    ``source`` says where it was read from (a path, or "" when built in code)."""

    themes: dict[str, list[str]]
    facets: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    other_words: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    heading_words: dict[str, list[str]] = field(default_factory=dict)
    other_label: str = ""
    exclude: dict[str, list[str]] = field(default_factory=dict)
    source: str = field(default="", compare=False)

    # ---- reading and writing ----------------------------------------------------------------------

    @classmethod
    def load(cls, path: str | Path | None = None) -> "Lexicon":
        """Read and validate a lexicon file (default: the package's own)."""
        where = str(path) if path else str(DEFAULT_LEXICON_PATH)
        return cls.from_dict(read_toml(where, "theme lexicon"), source=where)

    @classmethod
    def from_dict(cls, data: dict, *, source: str = "<lexicon>") -> "Lexicon":
        """Build from the tables of a lexicon file; InputError naming the key at fault."""
        _known_keys(data, _TOP_KEYS, source, "")
        raw_themes = data.get("themes")
        if not isinstance(raw_themes, dict) or not raw_themes:
            raise InputError(f"{source}: needs a [themes] table with at least one theme")
        themes, facets, labels, headings, exclude = {}, {}, {}, {}, {}
        for name, entry in raw_themes.items():
            key = f"themes.{name}"
            if name == OTHER:
                raise InputError(f"{source}: {key}: '{OTHER}' is reserved for units that match no theme; "
                                 "put words of passages about no theme in an [other] table")
            if not isinstance(entry, dict):
                raise InputError(f"{source}: {key} must be a table with a words list")
            _known_keys(entry, _THEME_KEYS, source, key + ".")
            words = _word_list(entry.get("words"), source, f"{key}.words")
            groups = entry.get("facets", {})
            if not isinstance(groups, dict):
                raise InputError(f"{source}: {key}.facets must be a table of facet name = [words]")
            if groups:
                facets[name] = {facet: _word_list(group, source, f"{key}.facets.{facet}")
                                for facet, group in groups.items()}
            facet_words = [word for group in facets.get(name, {}).values() for word in group]
            themes[name] = list(dict.fromkeys(words + facet_words))
            labels[name] = _label(entry, source, key)
            if "heading_words" in entry:
                headings[name] = _word_list(entry["heading_words"], source, f"{key}.heading_words", empty_ok=True)
            else:
                headings[name] = _package_heading_words().get(name, [])
            if "exclude" in entry:
                exclude[name] = _exclusions(entry["exclude"], themes[name], source, f"{key}.exclude")
        other = data.get("other", {})
        if not isinstance(other, dict):
            raise InputError(f"{source}: [other] must be a table with a words list")
        _known_keys(other, _OTHER_KEYS, source, "other.")
        other_words = _word_list(other["words"], source, "other.words") if "words" in other else []
        return cls(themes, facets, other_words, labels, headings, _label(other, source, "other"), exclude, source)

    @classmethod
    def from_parts(cls, themes: dict[str, list[str]], other_words=(), facets: dict | None = None,
                   labels: dict[str, str] | None = None, heading_words: dict[str, list[str]] | None = None) -> "Lexicon":
        """A lexicon built in code (themes: name → words). Checked like a file; heading words default
        to the package's for themes of the same name."""
        data: dict = {"themes": {}}
        for name, words in (themes or {}).items() if isinstance(themes, dict) else ():
            entry: dict = {"words": list(words) if isinstance(words, (list, tuple)) else words}
            if labels and labels.get(name):
                entry["label"] = labels[name]
            if facets and name in facets:
                entry["facets"] = facets[name]
            if heading_words is not None and name in heading_words:
                entry["heading_words"] = list(heading_words[name])
            data["themes"][str(name)] = entry
        for theme in facets or {}:
            if theme not in data["themes"]:
                raise InputError(f"facets.{theme}: not a theme; themes: {', '.join(data['themes'])}")
        if other_words:
            data["other"] = {"words": list(other_words)}
        return cls.from_dict(data, source="<lexicon>")

    def to_dict(self) -> dict:
        """The lexicon as the tables of a lexicon file (facet words listed under their facet only)."""
        tables: dict = {"themes": {}}
        for name, words in self.themes.items():
            in_facets = {word for group in self.facets.get(name, {}).values() for word in group}
            entry: dict = {}
            if self.labels.get(name):
                entry["label"] = self.labels[name]
            entry["words"] = [word for word in words if word not in in_facets] or list(words)
            entry["heading_words"] = list(self.heading_words.get(name, []))
            if name in self.facets:
                entry["facets"] = {facet: list(group) for facet, group in self.facets[name].items()}
            if self.exclude.get(name):
                entry["exclude"] = list(self.exclude[name])
            tables["themes"][name] = entry
        if self.other_words or self.other_label:
            tables["other"] = {**({"label": self.other_label} if self.other_label else {}),
                               "words": list(self.other_words)}
        return tables

    def save(self, path: str | Path) -> Path:
        """Write the lexicon as a lexicon file that ``Lexicon.load`` reads back equal."""
        path = Path(path)
        header = f"# Theme lexicon as used (read from {self.source or 'code'}).\n"
        path.write_text(header + to_toml(self.to_dict()), encoding="utf-8")
        return path

    # ---- what the stages ask ------------------------------------------------------------------------

    @property
    def names(self) -> list[str]:
        """The themes in file order (``other`` is not one of them)."""
        return list(self.themes)

    @property
    def labels_with_other(self) -> list[str]:
        """Every label a unit can get: the themes, then ``other``."""
        return [*self.themes, OTHER]

    def words(self) -> list[str]:
        """Every word of the lexicon, theme words, other words, then exclusions: the words kept in the
        vocabulary and added to the segmenter's dictionary."""
        excluded = [word for words in self.exclude.values() for word in words]
        return list(dict.fromkeys([word for words in self.themes.values() for word in words] + self.other_words + excluded))

    def holders(self, vocabulary) -> dict[str, list[str]]:
        """theme word → the vocabulary's longer terms that hold it (科技 → 科技成果转化), in vocabulary order: terms
        that are no theme or [other] word themselves, holding the word outside any longer theme or [other] word
        they also hold (农民工工资 holds 农民 only inside livelihood's 农民工). A word of one character never counts
        inside a longer one. Whether a holder counts for the word's theme is ``counted_terms``'s to say."""
        known = {word for words in self.themes.values() for word in words}
        listed = known | set(self.other_words)
        found: dict[str, list[str]] = {}
        for term in vocabulary:
            if term in listed or len(term) < 3:
                continue
            inside = {term[i:j] for i in range(len(term) - 1) for j in range(i + 2, len(term) + 1)} - {term}
            covers = [word for word in inside & listed]
            for word in inside & known:
                if not _only_inside(term, word, [cover for cover in covers if len(cover) > len(word)]):
                    found.setdefault(word, []).append(term)
        return found

    def counted_terms(self, words: list[str], theme: str, holders: dict[str, list[str]]) -> list[str]:
        """The terms that count for ``words`` (a theme's words, or a facet's): the words themselves, then the
        terms that hold one of them (``holders``), but not the theme's exclusions nor a term that holds the
        theme's words only inside one of them (优化国际环境)."""
        excluded = self.exclude.get(theme, [])
        held = [term for word in words for term in holders.get(word, ())
                if term not in excluded and not _only_inside(term, word, [e for e in excluded if e in term])]
        return list(dict.fromkeys([*words, *held]))

    def seed_terms(self, vocabulary) -> set[str]:
        """Every lexicon word, and the vocabulary's longer words that count for a theme through one of its words."""
        holders = self.holders(vocabulary)
        counted = {term for theme, words in self.themes.items() for term in self.counted_terms(words, theme, holders)}
        return set(self.words()) | counted

    @property
    def n_facets(self) -> int:
        return sum(len(groups) for groups in self.facets.values())

    @cached_property
    def heading_word_owners(self) -> dict[str, frozenset[str]]:
        """word → the themes whose words or heading words list it (for reading headings). A theme's exclusion
        is listed too, owned by the other themes whose words it holds (法治环境: governance, not ecology; 国际环境:
        none), so that the longest match keeps it from naming the excluding theme."""
        owners: dict[str, set[str]] = {}
        for theme, words in self.themes.items():
            for word in (*words, *self.heading_words.get(theme, ())):
                owners.setdefault(word, set()).add(theme)
        for theme, exclusions in self.exclude.items():
            for word in exclusions:
                held = {name for inner, names in owners.items() if inner in word and inner != word for name in names}
                owners.setdefault(word, set()).update(held - {theme})
        return {word: frozenset(names) for word, names in owners.items()}

    def label(self, theme: str) -> str:
        """The theme's label ("" when it has none; the [other] table's label for ``other``)."""
        return self.other_label if theme == OTHER else self.labels.get(theme, "")


def as_lexicon(lexicon, other_words=(), facets=None) -> Lexicon:
    """A Lexicon from a Lexicon, or from themes (name → words) with other words and facets."""
    if isinstance(lexicon, Lexicon):
        return lexicon
    return Lexicon.from_parts(lexicon, other_words, facets)


def _known_keys(table: dict, allowed: tuple[str, ...], source: str, prefix: str) -> None:
    for key in table:
        if key not in allowed:
            raise InputError(f"{source}: unknown key {prefix}{key}; valid keys: {', '.join(allowed)}")


def _word_list(value, source: str, key: str, *, empty_ok: bool = False) -> list[str]:
    ok = isinstance(value, list) and (empty_ok or value) and all(isinstance(w, str) and w.strip() for w in value)
    if not ok:
        raise InputError(f"{source}: {key} must be a {'' if empty_ok else 'non-empty '}list of words")
    return list(dict.fromkeys(w.strip() for w in value))


def _only_inside(term: str, word: str, covers: list[str]) -> bool:
    """Whether every place ``word`` takes in ``term`` lies inside a place one of ``covers`` takes."""
    spans = [(i, i + len(cover)) for cover in covers for i in range(len(term)) if term.startswith(cover, i)]
    places = [i for i in range(len(term)) if term.startswith(word, i)]
    return bool(places) and all(any(a <= i and i + len(word) <= b for a, b in spans) for i in places)


def _exclusions(value, words: list[str], source: str, key: str) -> list[str]:
    """A theme's exclusions: each a longer word that holds one of the theme's words (else it would change nothing)."""
    listed = _word_list(value, source, key, empty_ok=True)
    for word in listed:
        if word in words:
            raise InputError(f"{source}: {key}: {word} is one of the theme's words; drop it from one of the lists")
        if not any(inner in word for inner in words):
            raise InputError(f"{source}: {key}: {word} holds none of the theme's words; an exclusion is a longer "
                             "word that holds one (国际环境 for 环境)")
    return listed


def _label(entry: dict, source: str, key: str) -> str:
    label = entry.get("label", "")
    if not isinstance(label, str):
        raise InputError(f"{source}: {key}.label must be a string")
    return label.strip()


_PACKAGE_HEADINGS: dict[str, list[str]] | None = None


def _package_heading_words() -> dict[str, list[str]]:
    """The package lexicon's heading words per theme (read once)."""
    global _PACKAGE_HEADINGS
    if _PACKAGE_HEADINGS is None:
        themes = read_toml(DEFAULT_LEXICON_PATH, "theme lexicon")["themes"]
        _PACKAGE_HEADINGS = {name: list(entry.get("heading_words", [])) for name, entry in themes.items()}
    return _PACKAGE_HEADINGS
