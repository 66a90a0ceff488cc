"""Stability of a model across seeds: do different random starts find the same topics and assignments?"""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score

from ..result import TopicResult
from .base import top_word_ids


def jaccard(first: set, second: set) -> float:
    union = first | second
    return len(first & second) / len(union) if union else 0.0


def matched_topic_jaccard(first: TopicResult, second: TopicResult, top_n: int = 10) -> float:
    """Mean top-n Jaccard of the topics paired one-to-one by the Hungarian assignment that maximises it
    (with different topic counts, the extra topics of the larger model stay unpaired)."""
    tops = [[{result.vocab[i] for i in ids} for ids in top_word_ids(result, top_n)] for result in (first, second)]
    matrix = np.array([[jaccard(a, b) for b in tops[1]] for a in tops[0]])
    rows, cols = linear_sum_assignment(matrix, maximize=True)
    return float(matrix[rows, cols].mean())


def stability(results: list[TopicResult], top_n: int = 10) -> dict:
    """Agreement between the fits of one model (same corpus, different seeds), averaged over all pairs.

    topic_jaccard: mean over pairs of fits of matched_topic_jaccard (1 = the same top words in every topic).
    assignment_ari: mean over pairs of the adjusted Rand index between the units' most probable topics
    (argmax of doc_topic, first topic on ties; topic numbering does not matter; 1 = same partition).
    Both NaN with fewer than two fits.
    """
    if len(results) < 2:
        return {"topic_jaccard": math.nan, "assignment_ari": math.nan}
    sizes = {result.doc_topic.shape[0] for result in results}
    if len(sizes) > 1:
        raise ValueError(f"stability needs fits of the same units; got {sorted(sizes)} rows")
    assigned = [result.doc_topic.argmax(axis=1) for result in results]
    pairs = list(combinations(range(len(results)), 2))
    return {
        "topic_jaccard": float(np.mean([matched_topic_jaccard(results[a], results[b], top_n) for a, b in pairs])),
        "assignment_ari": float(np.mean([adjusted_rand_score(assigned[a], assigned[b]) for a, b in pairs])),
    }
