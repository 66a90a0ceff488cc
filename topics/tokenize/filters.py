"""The filter chain of one process: slogans cut out, the text segmented, each token kept or dropped with
a reason. Built once per process (see ``PipelineRecipe``) and applied text by text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..word_lists import BUNDLED, UserDictionary, WordList, load_user_dictionary, load_word_list
from .segmenters import ADAPTERS
from .settings import TokenizerSettings

REMOVAL_REASONS = ("slogan", "punctuation", "number", "latin", "stopword", "filler", "short", "pos")

_WORD_CHAR = re.compile(r"[^\W_]")
# digits with their punctuation, or Chinese numerals with an optional counter (五个, 十大, 一批, 两级)
_NUMBER = re.compile(r"[0-9０-９.,，．:：%％‰+\-~～/]+|[零〇一二两三四五六七八九十百千万亿几]+[个大项条批家所次张级类种年月日号]?")
_LATIN = re.compile(r"[A-Za-zＡ-Ｚａ-ｚ]")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# A sentence-like setting for a word on its own: its neighbours are dropped, so only the word can remain.
_CONTEXT_BEFORE, _CONTEXT_AFTER = "今年，", "。"


@dataclass
class TokenizedText:
    """The tokens of one text and what filtering removed from it."""

    tokens: list[str]
    slogan_hits: list[str] = field(default_factory=list)  # slogan phrases cut out, one entry per hit
    removed: dict[str, int] = field(default_factory=dict)  # reason → number of tokens dropped

    @property
    def empty(self) -> bool:
        return not self.tokens


@dataclass(frozen=True)
class Lexicons:
    dictionaries: tuple[UserDictionary, ...]
    lists: tuple[tuple[str, WordList], ...]  # (kind, list): kind is "stopwords", "fillers" or "slogans"
    extra_stopwords: tuple[str, ...]
    extra_slogans: tuple[str, ...]

    def words(self, kind: str) -> set[str]:
        found = {entry for k, wl in self.lists if k == kind for entry in wl.entries}
        if kind == "stopwords":
            found.update(self.extra_stopwords)
        if kind == "slogans":
            found.update(self.extra_slogans)
        return found


def load_lexicons(settings: TokenizerSettings) -> Lexicons:
    dictionaries = [load_user_dictionary(BUNDLED["policy_terms"])] if settings.policy_terms else []
    dictionaries += [load_user_dictionary(path) for path in settings.user_dictionaries]
    lists = []
    for kind in ("stopwords", "fillers", "slogans"):
        if getattr(settings, kind):
            lists.append((kind, load_word_list(BUNDLED[kind])))
    lists += [("stopwords", load_word_list(path)) for path in settings.stopword_lists]
    lists += [("slogans", load_word_list(path)) for path in settings.slogan_lists]
    return Lexicons(tuple(dictionaries), tuple(lists), tuple(settings.extra_stopwords), tuple(settings.extra_slogans))


@dataclass(frozen=True)
class PipelineRecipe:
    """Everything a process needs to build its pipeline: small, and picklable for worker processes."""

    settings: TokenizerSettings
    lexicons: Lexicons
    lexicon_words: tuple[str, ...]  # added to the segmenter's dictionary
    jieba_dir: Path | None

    def build(self) -> "Pipeline":
        return Pipeline(self)


class Pipeline:
    """Slogan removal, segmentation and filters."""

    def __init__(self, recipe: PipelineRecipe):
        settings, lexicons = recipe.settings, recipe.lexicons
        self.settings = settings
        self._segmenter = ADAPTERS[settings.segmenter].build(
            lexicons.dictionaries, recipe.lexicon_words, hmm=settings.hmm, jieba_dir=recipe.jieba_dir,
            pos=bool(settings.pos_filter),
        )
        slogans = lexicons.words("slogans")
        self._slogans = re.compile(_longest_first(slogans)) if slogans else None
        lower = str.lower if settings.lowercase else str
        self._drop = {lower(w): "filler" for w in lexicons.words("fillers")}
        self._drop.update({lower(w): "stopword" for w in lexicons.words("stopwords")})  # stopword wins a tie
        self._dictionary_words = {entry.word for d in lexicons.dictionaries for entry in d.entries}
        self._pos = tuple(settings.pos_filter)
        self._memo: dict[str, tuple[bool, str]] = {}

    def run(self, text: str) -> TokenizedText:
        text, hits = self._remove_slogans(text)
        tokens: list[str] = []
        removed: dict[str, int] = {"slogan": len(hits)} if hits else {}
        memo, judge, keep = self._memo, self._judge, tokens.append
        if self._pos:
            for word, tag in self._segmenter.tag(text):
                kept, value = memo.get(word) or judge(word)
                if kept and not tag.startswith(self._pos):
                    kept, value = False, "pos"
                if kept:
                    keep(value)
                elif value:
                    removed[value] = removed.get(value, 0) + 1
        else:
            for word in self._segmenter.cut(text):
                kept, value = memo.get(word) or judge(word)
                if kept:
                    keep(value)
                elif value:
                    removed[value] = removed.get(value, 0) + 1
        return TokenizedText(tokens, hits, removed)

    def explain(self, text: str) -> list[tuple[str, str]]:
        text, hits = self._remove_slogans(text)
        verdicts = [(hit, "slogan") for hit in hits]
        for word, tag in self._tagged(text):
            kept, value = self._judge(word)
            if kept and self._pos and not tag.startswith(self._pos):
                kept, value = False, "pos"
            if kept:
                verdicts.append((value, ""))
            elif value:
                verdicts.append((word, value))
        return verdicts

    def why_not_whole(self, word: str) -> str:
        """Why ``word`` cannot come out as one kept token; "" when it can."""
        kept, value = self._classify(word.strip())
        if not kept:
            return self._describe(value)
        _, hits = self._remove_slogans(word)
        if hits:
            return "cut out as a slogan" if hits == [word] else f"holds the slogan {hits[0]}"
        start = len(_CONTEXT_BEFORE)
        end, offset, pieces = start + len(word), 0, []
        for piece, tag in self._tagged(_CONTEXT_BEFORE + word + _CONTEXT_AFTER):
            if offset < end and offset + len(piece) > start:
                pieces.append((piece, tag))
            offset += len(piece)
        if [piece for piece, _ in pieces] != [word]:
            return "split into " + " / ".join(piece for piece, _ in pieces)
        tag = pieces[0][1]
        if self._pos and not tag.startswith(self._pos):
            return f"part of speech {tag!r} is not in pos_filter"
        return ""

    def _describe(self, reason: str) -> str:
        return {
            "filler": "dropped as filler",
            "stopword": "dropped as stopword",
            "short": f"shorter than min_chars ({self.settings.min_chars})",
            "number": "number (keep_numbers is off)",
            "latin": "Latin letters (keep_latin is off)",
            "punctuation": "punctuation",
            "": "blank",
        }.get(reason, reason)

    def _tagged(self, text: str):
        """(word, tag) pairs; the tag is "" when no part-of-speech filter is set (the engine skips tagging)."""
        return self._segmenter.tag(text) if self._pos else ((word, "") for word in self._segmenter.cut(text))

    def _remove_slogans(self, text: str) -> tuple[str, list[str]]:
        if self._slogans is None:
            return text, []
        hits: list[str] = []

        def cut_out(match: re.Match) -> str:
            hits.append(match.group())
            return " "  # a separator, so the words either side are not glued into a new word

        return self._slogans.sub(cut_out, text), hits

    def _judge(self, word: str) -> tuple[bool, str]:
        """(True, token to keep) or (False, removal reason; "" for whitespace, which is not counted)."""
        verdict = self._classify(word.strip())
        if len(self._memo) > 1_000_000:  # bound memory on huge corpora
            self._memo.clear()
        self._memo[word] = verdict
        return verdict

    def _classify(self, word: str) -> tuple[bool, str]:
        settings = self.settings
        if not word:
            return False, ""
        if word in self._dictionary_words:  # dictionary words are never numbers or too short
            reason = self._drop.get(word)
            return (False, reason) if reason else (True, word)
        if not _WORD_CHAR.search(word):
            return False, "punctuation"
        if _NUMBER.fullmatch(word):
            if not settings.keep_numbers:
                return False, "number"
        elif _LATIN.search(word) and not _HAN.search(word):
            if settings.lowercase:
                word = word.lower()
            if not settings.keep_latin:
                return False, "latin"
        reason = self._drop.get(word)
        if reason:
            return False, reason
        if len(word) < settings.min_chars:
            return False, "short"
        return True, word


def _longest_first(phrases) -> str:
    """A pattern matching the longest of ``phrases`` that starts at each place, as a trie of alternatives
    (one branch per next character) rather than one alternative per phrase: re then tries one branch at
    each character instead of every phrase."""
    trie: dict = {}
    for phrase in phrases:
        node = trie
        for char in phrase:
            node = node.setdefault(char, {})
        node[""] = True  # a phrase ends here

    def pattern(node: dict) -> str:
        branches = [re.escape(char) + pattern(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        # a phrase ending here matches only when no longer one goes on: the optional group is greedy
        return f"(?:{body})?" if "" in node else body

    return pattern(trie)
