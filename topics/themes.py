"""From topics to themes: which theme each topic stands for, which theme each unit is about
(with its probability and runner-up), and how a document's units spread over the themes.

A topic's match with a theme is its *lift*: the probability mass the topic puts on the
theme's lexicon words, divided by the share those words have in the whole corpus. A lift of
1 means the topic uses the theme's words no more than the corpus does; topics whose best
lift stays below ``min_lift`` stand for no theme and are mapped to ``other``."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from . import OTHER
from .result import TopicResult

DEFAULT_MIN_LIFT = 2.0

ASSIGNMENT_COLUMNS = ["doc_id", "unit_id", "year", "region", "heading", "text", "model", "theme", "p", "runner_up"]
SHARE_COLUMNS = ["doc_id", "year", "region", "theme", "units", "share"]


def theme_lifts(result: TopicResult, themes: dict[str, list[str]]) -> np.ndarray:
    """K×T lift of every topic for every theme (0 for a theme with no word in the vocabulary)."""
    return word_lifts(result, list(themes.values()))


def word_lifts(result: TopicResult, word_lists: list[list[str]]) -> np.ndarray:
    """K×L lift of every topic for each word list (0 for a list with no word in the vocabulary)."""
    index = {term: i for i, term in enumerate(result.vocab)}
    corpus_share = result.term_frequency / max(result.term_frequency.sum(), 1e-300)
    topic_word = result.topic_word / np.maximum(result.topic_word.sum(axis=1, keepdims=True), 1e-300)
    lifts = np.zeros((result.k, len(word_lists)))
    for column, words in enumerate(word_lists):
        ids = sorted({index[w] for w in words if w in index})
        baseline = corpus_share[ids].sum() if ids else 0.0
        if baseline > 0:
            lifts[:, column] = topic_word[:, ids].sum(axis=1) / baseline
    return lifts


def map_topics_to_themes(
    result: TopicResult, themes: dict[str, list[str]], *, min_lift: float = DEFAULT_MIN_LIFT,
    other_words: list[str] = (),
) -> list[str]:
    """The theme of every topic, in the model's own topic order.

    First a one-to-one matching (Hungarian, on lift) gives each theme its best distinct
    topic — with as many topics as themes this is the whole mapping. Topics left over (more
    topics than themes) join the theme they lift most (many-to-one). Any topic whose lift
    for its theme is below ``min_lift``, or not above its lift for ``other_words`` (the
    lexicon's words of passages about no theme), becomes ``other``.
    """
    lifts = word_lifts(result, [*themes.values(), list(other_words)])
    theme_part = lifts[:, :-1]
    columns = theme_part.argmax(axis=1)  # many-to-one for topics the matching leaves over
    rows, cols = linear_sum_assignment(theme_part, maximize=True)
    columns[rows] = cols
    return _theme_or_other(columns, theme_part, lifts[:, -1], list(themes), min_lift)


def map_free_topics(
    result: TopicResult, themes: dict[str, list[str]], topics: list[int], *, min_lift: float = DEFAULT_MIN_LIFT,
    other_words: list[str] = (),
) -> list[str]:
    """Many-to-one themes for the given topics only (the free topics of a seeded model)."""
    lifts = word_lifts(result, [*themes.values(), list(other_words)])[topics]
    theme_part = lifts[:, :-1]
    return _theme_or_other(theme_part.argmax(axis=1), theme_part, lifts[:, -1], list(themes), min_lift)


def _theme_or_other(columns: np.ndarray, lifts: np.ndarray, other_lifts: np.ndarray, names: list[str],
                    min_lift: float) -> list[str]:
    """Each topic's theme (column), or ``other`` when its lift is below min_lift or not above its
    lift for the other words."""
    return [names[c] if lifts[t, c] >= min_lift and lifts[t, c] > other_lifts[t] else OTHER
            for t, c in enumerate(columns)]


def theme_names(topic_themes: list[str]) -> list[str]:
    """The themes a result can assign: its topics' themes in first-seen order, then ``other``."""
    names = list(dict.fromkeys(t for t in topic_themes if t != OTHER))
    return names + [OTHER]


def theme_probabilities(doc_topic: np.ndarray, topic_themes: list[str]) -> tuple[list[str], np.ndarray]:
    """N×M probability of every theme for every unit: the sum of its topics' shares."""
    names = theme_names(topic_themes)
    membership = np.zeros((len(topic_themes), len(names)))
    for topic, theme in enumerate(topic_themes):
        membership[topic, names.index(theme)] = 1.0
    return names, np.asarray(doc_topic, dtype=float) @ membership


def unit_themes(
    doc_topic: np.ndarray, topic_themes: list[str], known_tokens: np.ndarray | None = None
) -> tuple[list[str], np.ndarray, list[str]]:
    """Theme, its probability p and the runner-up theme of every unit.

    Ties go to the theme listed first. Units with ``known_tokens`` == 0 (no word of the
    model's vocabulary) get ``other`` with p = 0: there is no evidence for any theme.
    """
    names, probs = theme_probabilities(doc_topic, topic_themes)
    order = np.argsort(-probs, axis=1, kind="stable")
    best = order[:, 0]
    theme = [names[j] for j in best]
    p = probs[np.arange(len(probs)), best]
    runner_up = [names[j] for j in order[:, 1]] if len(names) > 1 else [""] * len(probs)
    if known_tokens is not None:
        for i in np.flatnonzero(np.asarray(known_tokens) == 0):
            theme[i], p[i], runner_up[i] = OTHER, 0.0, ""
    return theme, p, runner_up


def assignments(
    result: TopicResult,
    units: list,
    doc_topic: np.ndarray | None = None,
    known_tokens: np.ndarray | None = None,
) -> pd.DataFrame:
    """One row per unit: doc_id, unit_id, year, region, heading, text, model, theme, p, runner_up.

    ``units`` are aligned with the rows of ``doc_topic`` (by default the result's own rows,
    i.e. the units the model was fitted on); ``result.topic_themes`` must be set.
    """
    doc_topic = result.doc_topic if doc_topic is None else np.asarray(doc_topic, dtype=float)
    _check_aligned(result, units, doc_topic)
    theme, p, runner_up = unit_themes(doc_topic, result.topic_themes, known_tokens)
    frame = pd.DataFrame(
        {
            "doc_id": [u.doc_id for u in units],
            "unit_id": [u.unit_id for u in units],
            "year": pd.array([u.year for u in units], dtype="Int64"),
            "region": [u.region for u in units],
            "heading": [u.heading for u in units],
            "text": [u.text for u in units],
            "model": result.model_name,
            "theme": theme,
            "p": p,
            "runner_up": runner_up,
        },
        columns=ASSIGNMENT_COLUMNS,
    )
    return frame


def theme_shares(
    result: TopicResult,
    units: list,
    doc_topic: np.ndarray | None = None,
    known_tokens: np.ndarray | None = None,
    all_themes: list[str] | None = None,
) -> pd.DataFrame:
    """Per document and theme: how many of its units have that theme and their share.

    Columns doc_id, year, region, theme, units, share; every theme of ``all_themes`` (the
    lexicon's themes; default: those the result's topics map to) and ``other`` appears for every
    document, with 0 when none of its units has it — so shares averaged over seeds whose topics
    cover different themes still sum to 1.
    """
    table = assignments(result, units, doc_topic, known_tokens)
    names = theme_names(result.topic_themes)
    if all_themes is not None:
        names = [name for name in all_themes if name != OTHER] + [OTHER]
    rows = []
    for doc_id, group in table.groupby("doc_id", sort=False):
        counts = group["theme"].value_counts()
        first = group.iloc[0]
        for name in names:
            n = int(counts.get(name, 0))
            rows.append((doc_id, first["year"], first["region"], name, n, n / len(group)))
    frame = pd.DataFrame(rows, columns=SHARE_COLUMNS)
    frame["year"] = frame["year"].astype("Int64")
    return frame


def _check_aligned(result: TopicResult, units: list, doc_topic: np.ndarray) -> None:
    if result.topic_themes is None:
        raise ValueError("result.topic_themes is not set: map the topics to themes first")
    if len(result.topic_themes) != result.k:
        raise ValueError(f"result has {result.k} topics but {len(result.topic_themes)} topic themes")
    if doc_topic.ndim != 2 or doc_topic.shape[1] != result.k:
        raise ValueError(f"doc_topic must be N×{result.k}, got shape {doc_topic.shape}")
    if len(units) != doc_topic.shape[0]:
        raise ValueError(f"{len(units)} units given for {doc_topic.shape[0]} rows of doc_topic")
