"""How distinct the topics are from each other: topic diversity, inverted RBO, FREX exclusivity."""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np
from scipy.stats import rankdata

from ..result import TopicResult
from .base import Metric, MetricContext, mean_or_nan, note_short_topics, top_word_ids


def _topic_diversity(result: TopicResult, ctx: MetricContext, *, metric: str, top_n: int) -> float:
    lists = top_word_ids(result, top_n)
    note_short_topics(ctx, metric, lists, top_n, result)
    listed = sum(len(ids) for ids in lists)
    return len(set().union(*map(set, lists))) / listed if listed else math.nan


def rbo(first: list, second: list, p: float = 0.9) -> float:
    """Extrapolated rank-biased overlap of two ranked lists without repeats (Webber, Moffat & Zobel 2010,
    eq. 32, which also covers lists of different lengths). 1 = same ranking, 0 = nothing in common."""
    short, long = (first, second) if len(first) <= len(second) else (second, first)
    s, l = len(short), len(long)
    if s == 0:
        return math.nan
    overlap = []  # overlap[d-1] = X_d, the size of the intersection of the two top-d prefixes
    seen_short, seen_long, common = set(), set(), 0
    for d in range(1, l + 1):
        item = long[d - 1]
        if d <= s:
            extra = short[d - 1]
            common += (extra in seen_long) + (item in seen_short) + (extra == item)
            seen_short.add(extra)
        else:
            common += item in seen_short
        seen_long.add(item)
        overlap.append(common)
    x_s, x_l = overlap[s - 1], overlap[l - 1]
    total = sum(overlap[d - 1] / d * p**d for d in range(1, l + 1))
    total += sum(x_s * (d - s) / (s * d) * p**d for d in range(s + 1, l + 1))
    return (1 - p) / p * total + ((x_l - x_s) / l + x_s / s) * p**l


def _inverted_rbo(result: TopicResult, ctx: MetricContext, *, metric: str, top_n: int, p: float) -> float:
    lists = [list(ids) for ids in top_word_ids(result, top_n)]
    if len(lists) < 2:
        ctx.note(metric, "fewer than 2 topics: nothing to compare, NaN")
        return math.nan
    note_short_topics(ctx, metric, lists, top_n, result)
    return 1 - mean_or_nan(rbo(a, b, p) for a, b in combinations(lists, 2))


def frex_matrix(topic_word: np.ndarray, weight: float = 0.7) -> np.ndarray:
    """FREX of every word in every topic (K×V), as stm's exclusivity().

    Exclusivity of word w in topic k is β_kw / Σ_j β_jw (0 for a word of no weight in any topic);
    exclusivity and frequency β_kw are turned into their empirical CDFs within the topic (average rank
    / V, ties averaged as R's rank); FREX is their weighted harmonic mean 1 / (weight/ECDF(excl) +
    (1-weight)/ECDF(freq)).
    """
    beta = np.asarray(topic_word, dtype=float)
    totals = beta.sum(axis=0)
    exclusive = np.divide(beta, totals, out=np.zeros_like(beta), where=totals > 0)
    vocabulary = beta.shape[1]
    ex = rankdata(exclusive, axis=1) / vocabulary
    fr = rankdata(beta, axis=1) / vocabulary
    return 1.0 / (weight / ex + (1 - weight) / fr)


def _exclusivity(result: TopicResult, ctx: MetricContext, *, metric: str, top_n: int, weight: float) -> float:
    frex = frex_matrix(result.topic_word, weight)
    lists = top_word_ids(result, top_n)
    note_short_topics(ctx, metric, lists, top_n, result)
    return mean_or_nan(frex[k, ids].sum() for k, ids in enumerate(lists))


TOPIC_DIVERSITY = Metric(
    name="topic_diversity",
    params={"top_n": 25},
    citation="Dieng, Ruiz & Blei 2020 (TD, top 25 words)",
    higher_is_better=True,
    description="Distinct words among all topics' top_n words / number of words listed (= K·top_n, "
                "Dieng's denominator, unless a topic has fewer than top_n words of non-zero weight). "
                "1 = no word shared between topics; 1/K = all topics list the same words.",
    function=_topic_diversity,
)

INVERTED_RBO = Metric(
    name="inverted_rbo",
    params={"top_n": 10, "p": 0.9},
    citation="Bianchi, Terragni & Hovy 2021 (inverted RBO, as OCTIS InvertedRBO); rank-biased overlap "
             "(extrapolated) from Webber, Moffat & Zobel 2010",
    higher_is_better=True,
    description="1 - mean over all pairs of topics of the extrapolated rank-biased overlap of their top_n "
                "word lists with persistence p (p=0.9: the first 10 ranks carry ~86% of the weight). "
                "1 = no two topics share a top word; 0 = all topics rank the same words alike.",
    function=_inverted_rbo,
)

EXCLUSIVITY = Metric(
    name="exclusivity",
    params={"top_n": 10, "weight": 0.7},
    citation="Roberts, Stewart & Airoldi 2016; Bischof & Airoldi 2012 (FREX); as stm::exclusivity(M=10, frexw=0.7)",
    higher_is_better=True,
    description="Mean over topics of the sum of FREX over the topic's top_n words (by probability). FREX of "
                "word w in topic k = 1 / (weight/ECDF_k(β_kw/Σ_j β_jw) + (1-weight)/ECDF_k(β_kw)), the "
                "ECDFs taken over the vocabulary within topic k. Range (0, top_n]; stm's per-topic value, "
                "averaged over topics.",
    function=_exclusivity,
)

METRICS = [TOPIC_DIVERSITY, INVERTED_RBO, EXCLUSIVITY]
