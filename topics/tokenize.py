"""Tokenizing: unit text → filtered tokens, ready for the vocabulary of every model.

For each text, in this order:

1. boilerplate slogans (``lexicons/slogans.txt`` plus the user's lists) are cut out as whole phrases,
   longest first, before segmentation — so their pieces (走在前作表率 → 前作 / 表率) cannot leak into topics;
2. the text is segmented by jieba (``segmenter="jieba"``) or its Rust port (``"jieba-rs"``, via rjieba),
   each with the policy-term user dictionary so terms such as 河湖长制 or 一老一小 stay whole;
3. tokens are dropped that are whitespace, punctuation, numbers, shorter than ``min_chars``, general
   stopwords or policy fillers (加强, 推进 …), or — when ``pos_filter`` is set — of another part of speech;
4. optionally, frequent collocations are joined (gensim Phrases, learned from the texts tokenized).

What was removed is counted per text (``TokenizedText.slogan_hits`` and ``.removed``) and per token by
``Tokenizer.explain``. Results are cached on disk by content (see ``token_cache``), and large inputs can be
segmented by worker processes; the output is the same with any number of workers, cached or not.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import multiprocessing
import re
import sys
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from .documents import Unit
from .errors import InputError
from .outputs import write_jsonl
from .lexicons import BUNDLED, UserDictionary, WordList, load_user_dictionary, load_word_list
from .token_cache import TokenCache, default_cache_dir, ensure_dir

SEGMENTERS = ("jieba", "jieba-rs")
# Bump when a code change alters what comes out for the same settings: it invalidates cached tokens.
TOKENIZER_VERSION = "1"
# Below this many characters to segment, starting worker processes costs more than it saves.
PARALLEL_MIN_CHARS = 100_000

REMOVAL_REASONS = ("slogan", "punctuation", "number", "latin", "stopword", "filler", "short", "pos")

_WORD_CHAR = re.compile(r"[^\W_]")
# digits with their punctuation, or Chinese numerals with an optional counter (五个, 十大, 一批, 两级)
_NUMBER = re.compile(r"[0-9０-９.,，．:：%％‰+\-~～/]+|[零〇一二两三四五六七八九十百千万亿几]+[个大项条批家所次张级类种年月日号]?")
_LATIN = re.compile(r"[A-Za-zＡ-Ｚａ-ｚ]")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_POS_TAG = re.compile(r"[A-Za-z]+")
_PHRASE_JOINER = "\x1f"  # never inside a token (control characters are dropped as punctuation)


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
            if not _POS_TAG.fullmatch(tag):
                raise InputError(f"{where}.pos_filter: part-of-speech tags are letters (n, v, vn …), got {tag!r}")
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
class _Lexicons:
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


def load_lexicons(settings: TokenizerSettings) -> _Lexicons:
    dictionaries = [load_user_dictionary(BUNDLED["policy_terms"])] if settings.policy_terms else []
    dictionaries += [load_user_dictionary(path) for path in settings.user_dictionaries]
    lists = []
    for kind in ("stopwords", "fillers", "slogans"):
        if getattr(settings, kind):
            lists.append((kind, load_word_list(BUNDLED[kind])))
    lists += [("stopwords", load_word_list(path)) for path in settings.stopword_lists]
    lists += [("slogans", load_word_list(path)) for path in settings.slogan_lists]
    return _Lexicons(tuple(dictionaries), tuple(lists), tuple(settings.extra_stopwords), tuple(settings.extra_slogans))


class Tokenizer:
    """Segments and filters texts; see the module docstring for the steps.

    ``cache_dir``: where tokens (and jieba's dictionary cache) are kept; default $TOPICS_CACHE_DIR, else
    ~/.cache/topics. ``cache=False`` segments everything afresh and stores nothing. ``workers > 1`` segments
    large inputs in that many processes.
    """

    def __init__(
        self,
        settings: TokenizerSettings | None = None,
        *,
        cache_dir: Path | None = None,
        workers: int = 1,
        cache: bool = True,
    ):
        self.settings = settings or TokenizerSettings()
        self.settings.validate()
        if not isinstance(workers, int) or workers < 1:
            raise InputError(f"workers: must be a whole number >= 1, got {workers!r}")
        self.workers = workers
        self.lexicons = load_lexicons(self.settings)
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        self._cache = TokenCache(self.cache_dir) if cache else None
        self._pipeline: _Pipeline | None = None  # built on first need: a fully cached run never loads jieba
        self.phrases_ = None  # gensim FrozenPhrases, learned on the first call when settings.phrases is on
        self.stats = {"texts": 0, "cache_hits": 0, "segmented": 0, "segmented_chars": 0}
        segmentation = self._fingerprint_data()
        del segmentation["settings"]["phrases"], segmentation["settings"]["phrases_min_count"]
        del segmentation["settings"]["phrases_threshold"]
        self._key_base = hashlib.blake2b(_stable_json(segmentation).encode(), digest_size=16)

    # -- public ---------------------------------------------------------------------------------

    def tokenize(self, texts: list[str], progress: bool = False) -> list[list[str]]:
        """One token list per text, in order (an empty list when filtering left nothing)."""
        return [result.tokens for result in self.tokenize_detailed(texts, progress=progress)]

    def tokenize_detailed(self, texts: list[str], progress: bool = False) -> list[TokenizedText]:
        """Like ``tokenize``, with the slogan hits and removal counts of each text."""
        texts = list(texts)
        for index, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"texts[{index}] is {type(text).__name__}, not str")
        keys = [self._key(text) for text in texts] if self._cache else texts
        unique = dict(zip(keys, texts))  # identical texts are segmented once
        done: dict[str, TokenizedText] = {}
        if self._cache:
            for key, value in self._cache.get_many(list(unique)).items():
                done[key] = _decode(value)
        todo = [key for key in unique if key not in done]
        cached = len(done)
        for key, result in zip(todo, self._segment([unique[key] for key in todo], progress)):
            done[key] = result
        if self._cache:
            self._cache.put_many({key: _encode(done[key]) for key in todo})
        results, used = [], set()
        for key in keys:
            result = done[key]
            if key in used:  # a repeated text gets its own copy, so callers may edit results freely
                result = TokenizedText(list(result.tokens), list(result.slogan_hits), dict(result.removed))
            used.add(key)
            results.append(result)
        self.stats["texts"] += len(texts)
        self.stats["cache_hits"] += cached
        self.stats["segmented"] += len(todo)
        self.stats["segmented_chars"] += sum(len(unique[key]) for key in todo)
        if self.settings.phrases:
            self._join_phrases(results)
        return results

    def explain(self, text: str) -> list[tuple[str, str]]:
        """Every slogan hit and token of one text with the reason it was removed ("" = kept). Not cached."""
        return self._get_pipeline().explain(text)

    def fingerprint(self) -> str:
        """Hash of the settings and the lexicon contents: equal fingerprints give equal tokens."""
        return hashlib.sha256(_stable_json(self._fingerprint_data()).encode()).hexdigest()[:20]

    def describe(self) -> dict:
        """Settings, fingerprint and the lexicon files in use (path, entries, version, digest)."""
        files = [
            {"kind": "dictionary", "path": d.path, "entries": len(d.entries), "version": "", "digest": d.digest[:12]}
            for d in self.lexicons.dictionaries
        ]
        files += [
            {"kind": kind, "path": wl.path, "entries": len(wl.entries), "version": wl.version, "digest": wl.digest[:12]}
            for kind, wl in self.lexicons.lists
        ]
        return {"fingerprint": self.fingerprint(), "settings": self.settings.to_dict(), "lexicons": files}

    # -- internals ------------------------------------------------------------------------------

    def _fingerprint_data(self) -> dict:
        settings = self.settings.to_dict()
        for name in ("user_dictionaries", "stopword_lists", "slogan_lists"):
            settings.pop(name)  # file contents count, not where the files are
        return {
            "version": TOKENIZER_VERSION,
            "engine": _engine_version(self.settings.segmenter),
            "settings": settings,
            "dictionaries": [d.digest for d in self.lexicons.dictionaries],
            "lists": [(kind, wl.digest) for kind, wl in self.lexicons.lists],
        }

    def _key(self, text: str) -> str:
        digest = self._key_base.copy()
        digest.update(text.encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    def _get_pipeline(self) -> "_Pipeline":
        if self._pipeline is None:
            self._pipeline = _Pipeline(self.settings, self.lexicons, self._jieba_dir())
        return self._pipeline

    def _jieba_dir(self) -> Path:
        return ensure_dir(self.cache_dir / "jieba")

    def _segment(self, texts: list[str], progress: bool) -> list[TokenizedText]:
        if not texts:
            return []
        total_chars = sum(map(len, texts))
        bar = tqdm(total=len(texts), unit="unit", desc="tokenizing", disable=not progress, leave=False)
        results: list[TokenizedText] = []
        if self.workers > 1 and total_chars >= PARALLEL_MIN_CHARS and len(texts) >= 2 * self.workers:
            chunks = _chunks(texts, max(20_000, total_chars // (self.workers * 8)))
            global _PARENT_PIPELINE
            if multiprocessing.get_start_method() == "fork":
                # forked workers inherit this ready pipeline instead of loading the dictionaries again
                _PARENT_PIPELINE = (self._key_base.hexdigest(), self._get_pipeline())
            initargs = (self._key_base.hexdigest(), self.settings, self.lexicons, self._jieba_dir())
            with ProcessPoolExecutor(self.workers, initializer=_start_worker, initargs=initargs) as pool:
                for chunk_results in pool.map(_run_chunk, chunks):  # map keeps input order
                    results.extend(chunk_results)
                    bar.update(len(chunk_results))
            _PARENT_PIPELINE = None
        else:
            pipeline = self._get_pipeline()
            for text in texts:
                results.append(pipeline.run(text))
                bar.update()
        bar.close()
        return results

    def _join_phrases(self, results: list[TokenizedText]) -> None:
        if self.phrases_ is None:
            from gensim.models.phrases import Phrases

            learned = Phrases(
                [r.tokens for r in results],
                min_count=self.settings.phrases_min_count,
                threshold=self.settings.phrases_threshold,
                delimiter=_PHRASE_JOINER,
            )
            self.phrases_ = learned.freeze()
        for result in results:
            # Chinese writes compounds without spaces: 盐湖 + 产业 → 盐湖产业
            result.tokens = [token.replace(_PHRASE_JOINER, "") for token in self.phrases_[result.tokens]]


class _Pipeline:
    """Slogan removal, segmentation and filters, built once per process."""

    def __init__(self, settings: TokenizerSettings, lexicons: _Lexicons, jieba_dir: Path | None):
        self.settings = settings
        self._segmenter = _make_segmenter(settings, lexicons.dictionaries, jieba_dir)
        slogans = sorted(lexicons.words("slogans"), key=lambda s: (-len(s), s))  # longest first
        self._slogans = re.compile("|".join(map(re.escape, slogans))) if slogans else None
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
        pairs = self._segmenter.tag(text) if self._pos else ((w, "") for w in self._segmenter.cut(text))
        for word, tag in pairs:
            kept, value = self._judge(word)
            if kept and self._pos and not tag.startswith(self._pos):
                kept, value = False, "pos"
            if kept:
                verdicts.append((value, ""))
            elif value:
                verdicts.append((word, value))
        return verdicts

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


# -- segmenters ----------------------------------------------------------------------------------


class _JiebaSegmenter:
    def __init__(self, dictionaries, hmm: bool, jieba_dir: Path | None, pos: bool):
        import jieba

        frequencies, total = _jieba_base_dictionary(jieba_dir)
        # A private instance: the user words never reach jieba's global tokenizer or another Tokenizer.
        # It starts from a copy of the default dictionary, loaded once per process.
        tokenizer = jieba.Tokenizer()
        tokenizer.FREQ, tokenizer.total, tokenizer.initialized = dict(frequencies), total, True
        for dictionary in dictionaries:
            for entry in dictionary.entries:
                tokenizer.add_word(entry.word, entry.freq, entry.tag or "nz")
        self._tokenizer, self._hmm = tokenizer, hmm
        self._pos = _jieba_pos_tokenizer(tokenizer) if pos else None

    def cut(self, text: str):
        return self._tokenizer.cut(text, HMM=self._hmm)

    def tag(self, text: str):
        return ((pair.word, pair.flag) for pair in self._pos.cut(text, HMM=self._hmm))


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


class _JiebaRsSegmenter:
    def __init__(self, dictionaries, hmm: bool):
        import rjieba

        self._jieba = rjieba.Jieba()  # its own dictionary copy: added words stay in this instance
        for dictionary in dictionaries:
            for entry in dictionary.entries:
                self._jieba.add_word(entry.word, entry.freq, entry.tag or "nz")
        self._hmm = hmm

    def cut(self, text: str):
        return self._jieba.cut(text, self._hmm)

    def tag(self, text: str):
        return self._jieba.tag(text, self._hmm)


def _make_segmenter(settings: TokenizerSettings, dictionaries, jieba_dir: Path | None):
    if settings.segmenter == "jieba":
        return _JiebaSegmenter(dictionaries, settings.hmm, jieba_dir, pos=bool(settings.pos_filter))
    return _JiebaRsSegmenter(dictionaries, settings.hmm)


@contextmanager
def _quiet(logger: logging.Logger):
    """jieba logs its dictionary loading at DEBUG level to stderr; keep that out of the user's terminal."""
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _engine_version(segmenter: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    package = "jieba" if segmenter == "jieba" else "rjieba"
    try:
        return f"{package} {version(package)}"
    except PackageNotFoundError:
        return package


# -- worker processes ----------------------------------------------------------------------------

_PARENT_PIPELINE: tuple[str, _Pipeline] | None = None  # (segmentation fingerprint, pipeline) set before forking
_WORKER_PIPELINE: _Pipeline | None = None


def _start_worker(fingerprint: str, settings: TokenizerSettings, lexicons: _Lexicons, jieba_dir: Path) -> None:
    global _WORKER_PIPELINE
    if _PARENT_PIPELINE is not None and _PARENT_PIPELINE[0] == fingerprint:
        _WORKER_PIPELINE = _PARENT_PIPELINE[1]  # inherited through fork
    else:
        _WORKER_PIPELINE = _Pipeline(settings, lexicons, jieba_dir)  # a spawned worker builds its own


def _run_chunk(texts: list[str]) -> list[TokenizedText]:
    return [_WORKER_PIPELINE.run(text) for text in texts]


def _chunks(texts: list[str], target_chars: int) -> list[list[str]]:
    chunks, current, size = [], [], 0
    for text in texts:
        current.append(text)
        size += len(text)
        if size >= target_chars:
            chunks.append(current)
            current, size = [], 0
    if current:
        chunks.append(current)
    return chunks


# -- serialisation -------------------------------------------------------------------------------


def _encode(result: TokenizedText) -> str:
    return json.dumps([result.tokens, result.slogan_hits, result.removed], ensure_ascii=False, separators=(",", ":"))


def _decode(value: str) -> TokenizedText:
    tokens, hits, removed = json.loads(value)
    return TokenizedText(tokens, hits, removed)


def _stable_json(data) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def settings_for_new_text(saved: dict | None, where: str) -> TokenizerSettings:
    """The tokenizer settings a saved model was trained with, for tokenizing new text the same way.

    Collocations (``phrases``) are learned from the texts of each call and are not saved with a
    model, so new text would be joined differently: refused rather than silently mis-tokenized."""
    settings = TokenizerSettings.from_dict(saved or {}, where=where)
    if settings.phrases:
        raise InputError(f"{where}.phrases: the model was trained with learned collocations, which are not "
                         "saved with it, so new text cannot be tokenized the same way; refit with phrases = false")
    return settings


def write_tokens(units: list[Unit], results: list[TokenizedText], path: str | Path) -> None:
    """tokens.jsonl: each unit's record plus ``tokens``, ``empty`` and ``slogan_hits`` (a count)."""
    def records():
        for unit, result in zip(units, results, strict=True):
            record = unit.to_json()
            record.update(tokens=result.tokens, empty=result.empty, slogan_hits=len(result.slogan_hits))
            yield record

    write_jsonl(records(), path)


def read_tokens(path: str | Path) -> tuple[list[Unit], list[list[str]]]:
    """Read tokens.jsonl back: the units and their token lists (empty units included, with [])."""
    file = Path(path)
    if not file.is_file():
        raise InputError(f"{path}: no such file")
    units, token_lists = [], []
    with open(file, encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                tokens = record.pop("tokens")
                record.pop("empty", None)
                record.pop("slogan_hits", None)
                if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
                    raise ValueError("'tokens' must be a list of strings")
                units.append(Unit.from_json(record))
            except (ValueError, KeyError, TypeError, AttributeError) as err:
                raise InputError(f"{path}:{number}: not a tokens record ({err})") from None
            token_lists.append(tokens)
    return units, token_lists
