"""Tokenizer settings: what decides which tokens come out, with one place that checks them."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from ..errors import InputError
from .segmenters import SEGMENTERS

# jieba's part-of-speech tags (its dictionary's and its tagger's, the same in jieba-rs); a pos_filter
# entry is a prefix of one of them ("n" keeps n, nr, ns, nz …).
POS_TAGS = (
    "a", "ad", "ag", "an", "b", "bg", "c", "d", "df", "dg", "e", "en", "eng", "f", "g", "h", "i", "in", "j", "jn",
    "k", "l", "ln", "m", "mg", "mq", "n", "ng", "nr", "nrfg", "nrt", "ns", "nt", "nz", "o", "p", "q", "qe", "qg",
    "r", "rg", "rr", "rz", "s", "t", "tg", "u", "ud", "ug", "uj", "ul", "uv", "uz", "v", "vd", "vg", "vi", "vn",
    "vq", "w", "x", "y", "yg", "z", "zg",
)
_LETTERS = re.compile(r"[A-Za-z]+")
# Settings that change no token: left out of the tokenizer fingerprint, so they never invalidate a cache.
NOT_FINGERPRINTED = ("cache",)


@dataclass
class TokenizerSettings:
    """Everything that decides which tokens come out. Paths are read relative to the working folder."""

    segmenter: str = "jieba"  # "jieba" | "jieba-rs"
    hmm: bool = True  # let the segmenter guess words missing from its dictionary
    policy_terms: bool = True  # the bundled policy-term user dictionary
    user_dictionaries: list[str] = field(default_factory=list)  # more dictionaries: "word [freq] [tag]" a line
    stopwords: bool = True  # the bundled general stopword list
    fillers: bool = True  # the bundled list of policy fillers that carry no theme (加强, 推进 …)
    slogans: bool = True  # the bundled boilerplate-slogan list, removed as whole phrases
    stopword_lists: list[str] = field(default_factory=list)  # more word lists whose entries are dropped
    slogan_lists: list[str] = field(default_factory=list)  # more phrase lists removed before segmentation
    extra_stopwords: list[str] = field(default_factory=list)  # words to drop, given inline
    extra_slogans: list[str] = field(default_factory=list)  # phrases to remove, given inline
    min_chars: int = 2  # drop shorter tokens (dictionary words are exempt)
    keep_numbers: bool = False
    keep_latin: bool = True  # keep tokens in Latin letters (GDP, 5G, PPP)
    lowercase: bool = True  # lower-case Latin tokens
    pos_filter: list[str] = field(default_factory=list)  # keep only these part-of-speech tag prefixes, e.g. ["n", "v"]; [] = off
    phrases: bool = False  # join frequent collocations (gensim Phrases) learned from the texts tokenized
    phrases_min_count: int = 5
    phrases_threshold: float = 10.0
    cache: bool = True  # keep tokens in the on-disk cache (changes no token)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict, *, where: str = "tokenizer") -> "TokenizerSettings":
        """Build settings from a config table; InputError names an unknown key or a bad value."""
        if not isinstance(data, dict):
            raise InputError(f"{where}: expected a table of tokenizer settings")
        names = [f.name for f in dataclasses.fields(cls)]
        defaults = cls().to_dict()
        for key, value in data.items():
            if key not in defaults:
                raise InputError(f"{where}.{key}: unknown tokenizer setting (valid: {', '.join(names)})")
            _check_type(f"{where}.{key}", value, defaults[key])
        settings = cls(**{key: list(v) if isinstance(v, list) else v for key, v in data.items()})
        settings.validate(where)
        return settings

    def validate(self, where: str = "tokenizer") -> None:
        if self.segmenter not in SEGMENTERS:
            raise InputError(f"{where}.segmenter: unknown segmenter {self.segmenter!r} (valid: {', '.join(SEGMENTERS)})")
        if self.min_chars < 1:
            raise InputError(f"{where}.min_chars: must be >= 1, got {self.min_chars}")
        if self.phrases_min_count < 1:
            raise InputError(f"{where}.phrases_min_count: must be >= 1, got {self.phrases_min_count}")
        if self.phrases_threshold <= 0:
            raise InputError(f"{where}.phrases_threshold: must be > 0, got {self.phrases_threshold}")
        for tag in self.pos_filter:
            if not _LETTERS.fullmatch(tag):
                raise InputError(f"{where}.pos_filter: part-of-speech tags are letters (n, v, vn …), got {tag!r}")
            if not any(known.startswith(tag) for known in POS_TAGS):
                raise InputError(f"{where}.pos_filter: unknown part-of-speech tag {tag!r}; give prefixes of "
                                 f"jieba's tags: {', '.join(POS_TAGS)}")
        for name in ("extra_stopwords", "extra_slogans"):
            for entry in getattr(self, name):
                if not entry.strip() or any(ch.isspace() for ch in entry):
                    raise InputError(f"{where}.{name}: entries are single words or phrases without spaces, got {entry!r}")


def _check_type(key: str, value, default) -> None:
    if isinstance(default, bool):
        ok, wanted = isinstance(value, bool), "true or false"
    elif isinstance(default, int):
        ok, wanted = isinstance(value, int) and not isinstance(value, bool), "a whole number"
    elif isinstance(default, float):
        ok, wanted = isinstance(value, (int, float)) and not isinstance(value, bool), "a number"
    elif isinstance(default, list):
        ok, wanted = isinstance(value, list) and all(isinstance(v, str) for v in value), "a list of strings"
    else:
        ok, wanted = isinstance(value, str), "a string"
    if not ok:
        raise InputError(f"{key}: must be {wanted}, got {value!r}")


def settings_for_new_text(saved: dict | None, where: str) -> TokenizerSettings:
    """The tokenizer settings a saved model was trained with, for tokenizing new text the same way.

    Collocations (``phrases``) are learned from the texts of each call and are not saved with a
    model, so new text would be joined differently: refused rather than silently mis-tokenized."""
    settings = TokenizerSettings.from_dict(saved or {}, where=where)
    if settings.phrases:
        raise InputError(f"{where}.phrases: the model was trained with learned collocations, which are not "
                         "saved with it, so new text cannot be tokenized the same way; refit with phrases = false")
    return settings
