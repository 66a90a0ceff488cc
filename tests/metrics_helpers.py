"""Small results and real token lists for the metrics tests.

Units of the bundled sample are made here with a plain stand-in (join the wrapped lines, one unit per
sentence, jieba words of two or more Chinese characters), so these tests do not depend on the ingest and
tokenize stages."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import numpy as np

from topics.result import TopicResult

SAMPLE = Path(__file__).resolve().parent.parent / "corpora" / "xining_chengxi_2024.txt"


@lru_cache(maxsize=1)
def sample_token_lists() -> tuple[tuple[str, ...], ...]:
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    text = SAMPLE.read_text(encoding="utf-8")
    paragraphs = ["".join(block.split()) for block in re.split(r"\n\s*\n", text)]
    sentences = [s for paragraph in paragraphs for s in re.split(r"(?<=[。；！？])", paragraph) if s]
    chinese = re.compile(r"^[\u4e00-\u9fff]{2,}$")
    return tuple(tuple(w for w in jieba.lcut(s) if chinese.match(w)) for s in sentences)


def make_result(vocab: list[str], topic_word, doc_topic=None, name: str = "handmade") -> TopicResult:
    """A TopicResult from hand-written rows (rows are normalised into distributions)."""
    topic_word = np.asarray(topic_word, dtype=float)
    topic_word = topic_word / topic_word.sum(axis=1, keepdims=True)
    if doc_topic is None:
        doc_topic = np.full((1, len(topic_word)), 1 / len(topic_word))
    doc_topic = np.asarray(doc_topic, dtype=float)
    return TopicResult(model_name=name, vocab=list(vocab), topic_word=topic_word, doc_topic=doc_topic,
                       doc_lengths=np.ones(len(doc_topic)), term_frequency=np.ones(len(vocab)))


def result_from_top_words(topics: list[list[str]], doc_topic=None) -> TopicResult:
    """A result whose topics put decreasing weight on exactly the given words, in order."""
    vocab = sorted({w for words in topics for w in words})
    rows = np.zeros((len(topics), len(vocab)))
    for k, words in enumerate(topics):
        for rank, word in enumerate(words):
            rows[k, vocab.index(word)] = len(words) - rank
    return make_result(vocab, rows, doc_topic)
