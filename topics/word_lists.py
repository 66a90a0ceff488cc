"""Lexicon files: the policy-term user dictionary and the word and phrase lists used by tokenizing.

Two plain-text formats, UTF-8, one entry a line, ``#`` starts a comment line, blank lines ignored:

- a *user dictionary* (jieba's format): ``word [freq] [tag]`` — the word is kept whole by the segmenter;
  ``freq`` is a whole number >= 1 (omitted: just high enough to keep the word whole), ``tag`` a part-of-speech tag;
- a *word list* (stopwords, fillers, slogans): one word or phrase a line, no spaces inside. A comment line
  ``# version: X`` in the header gives the list's version.

Every problem is an InputError naming the file (and line): a missing file, a file that is not UTF-8,
a malformed line.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError, clipped, not_a_file

LEXICON_DIR = Path(__file__).parent / "lexicons"
BUNDLED = {
    "policy_terms": LEXICON_DIR / "policy_terms.txt",
    "stopwords": LEXICON_DIR / "stopwords.txt",
    "fillers": LEXICON_DIR / "fillers.txt",
    "slogans": LEXICON_DIR / "slogans.txt",
}

_VERSION_LINE = re.compile(r"#\s*version\s*:\s*(\S+)", re.IGNORECASE)
_TAG = re.compile(r"[A-Za-z]+")


@dataclass(frozen=True)
class DictEntry:
    word: str
    freq: int | None = None  # None: the segmenter picks a frequency just high enough to keep the word whole
    tag: str | None = None


@dataclass(frozen=True)
class UserDictionary:
    path: str
    entries: tuple[DictEntry, ...]
    digest: str  # sha256 of the file's bytes: part of the tokenizer fingerprint

    @property
    def words(self) -> list[str]:
        return [entry.word for entry in self.entries]


@dataclass(frozen=True)
class WordList:
    path: str
    entries: tuple[str, ...]
    version: str  # from a "# version: X" comment line; "" when the file has none
    digest: str


def bundled_path(name: str) -> Path:
    """Path of a lexicon shipped with the package: policy_terms, stopwords, fillers or slogans."""
    return BUNDLED[name]


def load_user_dictionary(path: str | Path) -> UserDictionary:
    """Read a jieba-format user dictionary (``word [freq] [tag]`` a line)."""
    data, lines = _read_lines(path)
    entries = []
    for number, fields in _entry_lines(lines):
        if len(fields) > 3:
            _bad(path, number, "expected 'word [freq] [tag]', got more than three fields")
        word, freq, tag = fields[0], None, None
        _check_word(path, number, word)
        rest = fields[1:]
        if rest and rest[0].isdigit():
            freq = int(rest.pop(0))
            if freq < 1:
                _bad(path, number, f"frequency must be a whole number >= 1, got {freq}")
        if rest:
            tag = rest.pop(0)
            if not _TAG.fullmatch(tag):
                _bad(path, number, f"expected 'word [freq] [tag]' (freq a whole number, tag letters), got {clipped(repr(' '.join(fields)))}")
        if rest:
            _bad(path, number, f"expected 'word [freq] [tag]', got {clipped(repr(' '.join(fields)))}")
        entries.append(DictEntry(word, freq, tag))
    return UserDictionary(str(path), tuple(entries), hashlib.sha256(data).hexdigest())


def load_word_list(path: str | Path) -> WordList:
    """Read a list of words or phrases, one a line."""
    data, lines = _read_lines(path)
    version = ""
    for line in lines:
        match = _VERSION_LINE.fullmatch(line.strip())
        if match:
            version = match.group(1)
            break
    entries = []
    for number, fields in _entry_lines(lines):
        if len(fields) > 1:
            _bad(path, number, f"expected one word or phrase a line (no spaces inside), got {clipped(repr(' '.join(fields)))}")
        _check_word(path, number, fields[0])
        entries.append(fields[0])
    return WordList(str(path), tuple(entries), version, hashlib.sha256(data).hexdigest())


def _read_lines(path: str | Path) -> tuple[bytes, list[str]]:
    file = Path(path)
    if file.is_dir():
        raise InputError(f"{path}: is a folder, expected a file")
    if not file.is_file():
        reason = not_a_file(file)
        raise InputError(f"{path}: {reason}, expected a lexicon file" if reason else f"{path}: lexicon file not found")
    try:
        data = file.read_bytes()
    except OSError as err:
        raise InputError(f"{path}: cannot read ({err.strerror})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise InputError(f"{path}:{line}: lexicon files must be UTF-8 text") from None
    return data, text.splitlines()


def _entry_lines(lines: list[str]):
    """Yield (1-based line number, whitespace-separated fields) for every entry line."""
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            yield number, stripped.split()


def _check_word(path, number: int, word: str) -> None:
    if any(not ch.isprintable() for ch in word):
        _bad(path, number, f"control character in entry {clipped(repr(word))}")


def _bad(path, number: int, reason: str) -> None:
    raise InputError(f"{path}:{number}: {reason}")
