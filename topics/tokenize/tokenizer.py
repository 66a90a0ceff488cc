"""The Tokenizer: texts in, tokens out — through the on-disk cache, the filter chain of this process or
worker processes, and optionally learned collocations."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Iterable

from tqdm import tqdm

from ..errors import InputError
from .cache import TokenCache, default_cache_dir, ensure_dir
from .filters import Pipeline, PipelineRecipe, TokenizedText, load_lexicons
from .segmenters import ADAPTERS
from .settings import NOT_FINGERPRINTED, TokenizerSettings
from .workers import segment_in_workers, segment_on_executor, worth_parallel

# Bump when a code change alters what comes out for the same settings: it invalidates cached tokens.
TOKENIZER_VERSION = "1"
_PHRASE_JOINER = "\x1f"  # never inside a token (control characters are dropped as punctuation)


class Tokenizer:
    """Segments and filters texts; see the package docstring for the steps.

    ``lexicon_words``: the theme lexicon's words, added to the segmenter's dictionary so that a word the
    segmenter would split (成果转化 → 成果 / 转化) comes out whole. ``cache_dir``: where tokens (and jieba's
    dictionary cache) are kept; default $TOPICS_CACHE_DIR, else ~/.cache/topics. ``cache``: read and store
    tokens there (default: the ``cache`` setting); False segments everything afresh and stores nothing.
    ``workers > 1`` segments large inputs in that many processes. ``executor``: a topics.execution
    executor (a Dask cluster) whose workers segment large inputs instead, chunk by chunk; the cache stays
    here: only uncached texts are sent, and their tokens are stored here when they come back.
    """

    def __init__(
        self,
        settings: TokenizerSettings | None = None,
        *,
        lexicon_words: Iterable[str] = (),
        cache_dir: Path | None = None,
        workers: int = 1,
        cache: bool | None = None,
        executor=None,
    ):
        self.settings = settings or TokenizerSettings()
        self.settings.validate()
        if not isinstance(workers, int) or workers < 1:
            raise InputError(f"workers: must be a whole number >= 1, got {workers!r}")
        self.workers = workers
        self.executor = executor
        self.lexicon_words = _checked_words(lexicon_words)
        self.lexicons = load_lexicons(self.settings)
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        use_cache = self.settings.cache if cache is None else cache
        self._cache = TokenCache(self.cache_dir) if use_cache else None
        self._pipeline: Pipeline | None = None  # built on first need: a fully cached run never loads jieba
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

    def unsplittable(self, words: Iterable[str]) -> dict[str, str]:
        """Of the given words, those that cannot come out as one kept token, each with the reason
        ("dropped as filler", "split into 成果 / 转化" …). A word is tried on its own, in a short clause."""
        pipeline = self._get_pipeline()
        reasons = {word: pipeline.why_not_whole(word) for word in dict.fromkeys(words)}
        return {word: reason for word, reason in reasons.items() if reason}

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
        return {"fingerprint": self.fingerprint(), "settings": self.settings.to_dict(), "lexicons": files,
                "lexicon_words": len(self.lexicon_words)}

    # -- internals ------------------------------------------------------------------------------

    def _fingerprint_data(self) -> dict:
        settings = self.settings.to_dict()
        for name in ("user_dictionaries", "stopword_lists", "slogan_lists"):
            settings.pop(name)  # file contents count, not where the files are
        for name in NOT_FINGERPRINTED:
            settings.pop(name)
        data = {
            "version": TOKENIZER_VERSION,
            "engine": ADAPTERS[self.settings.segmenter].engine_version(),
            "settings": settings,
            "dictionaries": [d.digest for d in self.lexicons.dictionaries],
            "lists": [(kind, wl.digest) for kind, wl in self.lexicons.lists],
        }
        if self.lexicon_words:  # absent when empty, so tokens cached without lexicon words stay valid
            data["lexicon_words"] = list(self.lexicon_words)
        return data

    def _key(self, text: str) -> str:
        digest = self._key_base.copy()
        digest.update(text.encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    def _get_pipeline(self) -> Pipeline:
        if self._pipeline is None:
            self._pipeline = self._recipe().build()
        return self._pipeline

    def _recipe(self) -> PipelineRecipe:
        # jieba's own dictionary cache goes beside ours; with the cache off nothing is stored there (jieba
        # then uses the system's temporary folder), so an unwritable cache folder cannot stop the work
        jieba_dir = ensure_dir(self.cache_dir / "jieba") if self._cache is not None else None
        return PipelineRecipe(self.settings, self.lexicons, self.lexicon_words, jieba_dir)

    def _segment(self, texts: list[str], progress: bool) -> list[TokenizedText]:
        if not texts:
            return []
        results: list[TokenizedText] = []
        with tqdm(total=len(texts), unit="unit", desc="tokenizing", disable=not progress, leave=False) as bar:
            if self.executor is not None and worth_parallel(texts, self.executor.workers):
                key = self._key_base.hexdigest()
                for chunk_results in segment_on_executor(texts, self.executor, self._recipe(), key):
                    results.extend(chunk_results)
                    bar.update(len(chunk_results))
            elif worth_parallel(texts, self.workers):
                for chunk_results in segment_in_workers(texts, self.workers, self._recipe(), self._get_pipeline):
                    results.extend(chunk_results)
                    bar.update(len(chunk_results))
            else:
                pipeline = self._get_pipeline()
                for text in texts:
                    results.append(pipeline.run(text))
                    bar.update()
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


def _checked_words(words: Iterable[str]) -> tuple[str, ...]:
    """Distinct words, sorted: the dictionary they build does not depend on the order they were given in."""
    if isinstance(words, str):
        raise InputError("lexicon_words: expected a list of words, got one string")
    found = set()
    for word in words:
        if not isinstance(word, str) or not word.strip() or any(ch.isspace() for ch in word):
            raise InputError(f"lexicon_words: entries are single words without spaces, got {word!r}")
        found.add(word)
    return tuple(sorted(found))


def _encode(result: TokenizedText) -> str:
    return json.dumps([result.tokens, result.slogan_hits, result.removed], ensure_ascii=False, separators=(",", ":"))


def _decode(value: str) -> TokenizedText:
    tokens, hits, removed = json.loads(value)
    return TokenizedText(tokens, hits, removed)


def _stable_json(data) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True)
