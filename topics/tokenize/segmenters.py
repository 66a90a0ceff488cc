"""Segmenters: one name → adapter table. Each adapter builds its engine with the user dictionaries and
the theme lexicon's words, cuts, tags parts of speech, and names its engine version for the fingerprint.

Adding a segmenter is one class here and one row in ``ADAPTERS``; nothing else tests the name.
"""

from __future__ import annotations

import logging
import sys
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Iterable, Iterator

from ..word_lists import UserDictionary

NEW_WORD_TAG = "nz"  # the tag of a dictionary word given without one (jieba's "other proper noun")


class Segmenter:
    """What every adapter offers. ``package``: the distribution whose version is part of the fingerprint."""

    package = ""

    @classmethod
    def build(cls, dictionaries: Iterable[UserDictionary], lexicon_words: Iterable[str], *, hmm: bool,
              jieba_dir: Path | None, pos: bool) -> "Segmenter":
        """An engine of its own (no other tokenizer sees its words): the user dictionaries' entries, then
        each lexicon word the engine would split even standing alone, with a frequency just high enough
        to keep it whole."""
        segmenter = cls(hmm=hmm, jieba_dir=jieba_dir, pos=pos)
        dictionary_words = set()
        for dictionary in dictionaries:
            for entry in dictionary.entries:
                segmenter.add_word(entry.word, entry.freq, entry.tag or NEW_WORD_TAG)
                dictionary_words.add(entry.word)
        for word in lexicon_words:
            # a word already whole keeps its frequency: raising it would shift every other split a little
            if word in dictionary_words or segmenter.cut_alone(word) == [word]:
                continue
            segmenter.add_word(word, None, None if segmenter.knows(word) else NEW_WORD_TAG)
        return segmenter

    @classmethod
    def engine_version(cls) -> str:
        try:
            return f"{cls.package} {version(cls.package)}"
        except PackageNotFoundError:
            return cls.package

    def __init__(self, *, hmm: bool, jieba_dir: Path | None, pos: bool):
        raise NotImplementedError

    def add_word(self, word: str, freq: int | None, tag: str | None) -> None:
        """``freq`` None: the engine's suggestion; ``tag`` None: keep the tag the engine has for the word."""
        raise NotImplementedError

    def knows(self, word: str) -> bool:
        """Whether the word is in the engine's dictionary."""
        raise NotImplementedError

    def cut_alone(self, word: str) -> list[str]:
        """The word segmented by the dictionary alone (no guessing of unknown words)."""
        raise NotImplementedError

    def cut(self, text: str) -> Iterable[str]:
        raise NotImplementedError

    def tag(self, text: str) -> Iterator[tuple[str, str]]:
        """(word, part-of-speech tag) pairs; only for an adapter built with ``pos=True``."""
        raise NotImplementedError


class JiebaSegmenter(Segmenter):
    package = "jieba"

    def __init__(self, *, hmm: bool, jieba_dir: Path | None, pos: bool):
        import jieba

        frequencies, total = _jieba_base_dictionary(jieba_dir)
        # A private instance: the user words never reach jieba's global tokenizer or another Tokenizer.
        # It starts from a copy of the default dictionary, loaded once per process.
        tokenizer = jieba.Tokenizer()
        tokenizer.FREQ, tokenizer.total, tokenizer.initialized = dict(frequencies), total, True
        self._tokenizer, self._hmm = tokenizer, hmm
        self._pos = _jieba_pos_tokenizer(tokenizer) if pos else None

    def add_word(self, word: str, freq: int | None, tag: str | None) -> None:
        self._tokenizer.add_word(word, freq, tag)

    def knows(self, word: str) -> bool:
        return self._tokenizer.FREQ.get(word, 0) > 0  # prefixes of words are stored with frequency 0

    def cut_alone(self, word: str) -> list[str]:
        return self._tokenizer.lcut(word, HMM=False)

    def cut(self, text: str):
        return self._tokenizer.cut(text, HMM=self._hmm)

    def tag(self, text: str):
        return ((pair.word, pair.flag) for pair in self._pos.cut(text, HMM=self._hmm))


class JiebaRsSegmenter(Segmenter):
    package = "rjieba"

    def __init__(self, *, hmm: bool, jieba_dir: Path | None, pos: bool):
        import rjieba

        self._jieba = rjieba.Jieba()  # its own dictionary copy: added words stay in this instance
        self._hmm = hmm

    def add_word(self, word: str, freq: int | None, tag: str | None) -> None:
        self._jieba.add_word(word, freq, tag)

    def knows(self, word: str) -> bool:
        return self._jieba.has_word(word)

    def cut_alone(self, word: str) -> list[str]:
        return self._jieba.cut(word, False)

    def cut(self, text: str):
        return self._jieba.cut(text, self._hmm)

    def tag(self, text: str):
        return self._jieba.tag(text, self._hmm)


ADAPTERS: dict[str, type[Segmenter]] = {
    "jieba": JiebaSegmenter,
    "jieba-rs": JiebaRsSegmenter,  # jieba's Rust port, through rjieba: the same dictionary, faster
}
SEGMENTERS = tuple(ADAPTERS)


# -- jieba's dictionary, loaded once per process ----------------------------------------------------

_JIEBA_BASE: tuple[dict, int] | None = None
_JIEBA_TAGS: dict | None = None


def _jieba_base_dictionary(jieba_dir: Path | None) -> tuple[dict, int]:
    """jieba's default dictionary (word → frequency, total), loaded once per process; its prefix cache
    file goes to ``jieba_dir`` instead of the system's shared temp folder."""
    global _JIEBA_BASE
    if _JIEBA_BASE is None:
        import jieba

        loader = jieba.Tokenizer()
        if jieba_dir is not None:
            loader.tmp_dir = str(jieba_dir)
            loader.cache_file = f"jieba-{jieba.__version__}-py{sys.version_info[0]}{sys.version_info[1]}.cache"
        with _quiet(jieba.default_logger):
            loader.initialize()
        _JIEBA_BASE = (loader.FREQ, loader.total)
    return _JIEBA_BASE


def _jieba_pos_tokenizer(tokenizer):
    """A jieba.posseg tagger over ``tokenizer``; the default word → tag table is read once per process."""
    global _JIEBA_TAGS
    from jieba import posseg

    if _JIEBA_TAGS is None:
        _JIEBA_TAGS = posseg.POSTokenizer(tokenizer).word_tag_tab
    tagger = posseg.POSTokenizer.__new__(posseg.POSTokenizer)
    tagger.tokenizer, tagger.word_tag_tab = tokenizer, dict(_JIEBA_TAGS)
    return tagger


@contextmanager
def _quiet(logger: logging.Logger):
    """jieba logs its dictionary loading at DEBUG level to stderr; keep that out of the user's terminal."""
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)
