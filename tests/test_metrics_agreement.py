"""Agreement with labels and stability across seeds, checked against cases computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from metrics_helpers import make_result, result_from_top_words
from topics.errors import InputError
from topics.metrics import METRICS, MetricContext, compute_metrics, label_agreement, stability
from topics.metrics.stability import matched_topic_jaccard

LABELS = ["ecology", "industry", "livelihood", "safety"]
GOLD = ["ecology", "ecology", "industry", "industry", "livelihood", ""]
PREDICTED = ["ecology", "industry", "industry", "industry", "ecology", "safety"]

# By hand, over the 5 labelled units (the last, gold "", is ignored):
# accuracy = 3/5 (units 1, 3, 4 right)
# ecology:    TP 1, FP 1 (livelihood unit), FN 1 -> P .5, R .5 -> F1 .5
# industry:   TP 2, FP 1, FN 0 -> P 2/3, R 1 -> F1 .8
# livelihood: TP 0, FN 1, never predicted -> F1 0
# safety:     no gold unit -> NaN; macro F1 over the gold labels = (.5 + .8 + 0) / 3 = 0.433333
# NMI: cells (eco,eco)=1 (eco,ind)=1 (ind,ind)=2 (liv,eco)=1, n=5; gold .4/.4/.2, predicted .4/.6
#   MI = .2 ln(.2/.16) + .2 ln(.2/.24) + .4 ln(.4/.24) + .2 ln(.2/.08) = 0.395753
#   H(gold) = 1.054920, H(pred) = 0.673012 -> NMI = MI / mean(H) = 0.458067
# ARI: sum C(n_ij,2) = 1; sum C(a_i,2) = 1+1+0 = 2; sum C(b_j,2) = 1+3 = 4; C(5,2) = 10
#   expected 2*4/10 = .8; max (2+4)/2 = 3 -> (1 - .8) / (3 - .8) = 0.090909
MI = .2 * math.log(.2 / .16) + .2 * math.log(.2 / .24) + .4 * math.log(.4 / .24) + .2 * math.log(.2 / .08)
H_GOLD = -(2 * .4 * math.log(.4) + .2 * math.log(.2))
H_PRED = -(.4 * math.log(.4) + .6 * math.log(.6))


def test_label_agreement_by_hand():
    scores = label_agreement(GOLD, PREDICTED, LABELS)
    assert scores["accuracy"] == pytest.approx(0.6)
    assert scores["f1_ecology"] == pytest.approx(0.5)
    assert scores["f1_industry"] == pytest.approx(0.8)
    assert scores["f1_livelihood"] == 0.0
    assert math.isnan(scores["f1_safety"])
    assert scores["macro_f1"] == pytest.approx(1.3 / 3)
    assert scores["nmi"] == pytest.approx(MI / ((H_GOLD + H_PRED) / 2))
    assert scores["ari"] == pytest.approx(0.2 / 2.2)
    # rows gold, columns predicted, in the order of LABELS
    assert scores["confusion"] == [[1, 1, 0, 0], [0, 2, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0]]
    assert set(scores) == {"accuracy", "macro_f1", "f1_ecology", "f1_industry", "f1_livelihood", "f1_safety",
                           "nmi", "ari", "confusion"}


def test_units_without_a_gold_label_are_ignored_and_none_labelled_gives_nan():
    assert label_agreement(GOLD + ["", ""], PREDICTED + ["ecology", "safety"], LABELS) == \
        label_agreement(GOLD, PREDICTED, LABELS)
    scores = label_agreement(["", ""], ["ecology", "safety"], LABELS)
    assert math.isnan(scores["accuracy"]) and math.isnan(scores["macro_f1"]) and math.isnan(scores["nmi"])
    assert scores["confusion"] == [[0] * 4 for _ in range(4)]


def test_a_gold_label_outside_the_label_set_is_an_input_error():
    with pytest.raises(InputError, match="gold label 'ecolgy' is not one of the labels"):
        label_agreement(["ecolgy"], ["ecology"], LABELS)
    with pytest.raises(ValueError, match="2 gold labels but 1 predicted"):
        label_agreement(["ecology", "safety"], ["ecology"], LABELS)


def test_label_metrics_read_labels_and_predictions_from_the_context():
    result = make_result(["w"], [[1.0]], doc_topic=np.ones((6, 1)))
    ctx = MetricContext([["w"]] * 6, labels=GOLD, predicted=PREDICTED)
    names = ["label_accuracy", "label_macro_f1", "label_f1_ecology", "label_f1_industry", "label_f1_governance",
             "label_nmi", "label_ari", "label_f1_livelihood"]
    scores = compute_metrics(result, ctx, names)
    assert scores["label_accuracy"] == pytest.approx(0.6)
    assert scores["label_macro_f1"] == pytest.approx(1.3 / 3)
    assert scores["label_f1_industry"] == pytest.approx(0.8)
    assert scores["label_nmi"] == pytest.approx(MI / ((H_GOLD + H_PRED) / 2))
    assert scores["label_ari"] == pytest.approx(0.2 / 2.2)
    assert math.isnan(scores["label_f1_governance"])
    assert "no unit is labelled 'governance'" in ctx.notes["label_f1_governance"][0]
    assert all(METRICS[name].higher_is_better for name in names)

    unlabelled = MetricContext([["w"]] * 6)
    assert math.isnan(METRICS["label_macro_f1"].score(result, unlabelled))
    assert unlabelled.notes["label_macro_f1"] == ["no labels given: NaN"]


# ---------------------------------------------------------------- stability

# Top-2 words: A = {a,b}, {c,d}; B = {c,e}, {a,b} (topics in the other order).
# Jaccard A0-B0 = 0, A0-B1 = 1, A1-B0 = |{c}|/|{c,d,e}| = 1/3, A1-B1 = 0.
# Hungarian pairs A0-B1 and A1-B0: mean (1 + 1/3) / 2 = 2/3.
A = result_from_top_words([["a", "b"], ["c", "d"]], doc_topic=[[.9, .1], [.8, .2], [.3, .7], [.1, .9]])
B = result_from_top_words([["c", "e"], ["a", "b"]], doc_topic=[[.2, .8], [.1, .9], [.6, .4], [.7, .3]])
# C has A's topics but assigns units [0, 1, 1, 1].
C = result_from_top_words([["a", "b"], ["c", "d"]], doc_topic=[[.9, .1], [.4, .6], [.3, .7], [.1, .9]])


def test_matched_topic_jaccard_by_hand():
    assert matched_topic_jaccard(A, B, top_n=2) == pytest.approx(2 / 3)
    assert matched_topic_jaccard(A, C, top_n=2) == 1.0


def test_stability_by_hand():
    # topic_jaccard over pairs: AB 2/3, AC 1, BC 2/3 -> 7/9
    # assignments A [0,0,1,1], B [1,1,0,0] (same partition), C [0,1,1,1]
    # ARI(A,B) = 1. ARI(A,C): cells 1,1,0,2 -> sum C(n,2) = 1; rows 2,2 -> 2; columns 1,3 -> 3; C(4,2) = 6;
    #   expected 2*3/6 = 1, max 2.5 -> (1-1)/(2.5-1) = 0. ARI(B,C) = 0 likewise. Mean 1/3.
    scores = stability([A, B, C], top_n=2)
    assert scores == {"topic_jaccard": pytest.approx(7 / 9), "assignment_ari": pytest.approx(1 / 3)}
    assert stability([A, B], top_n=2) == {"topic_jaccard": pytest.approx(2 / 3), "assignment_ari": pytest.approx(1.0)}


def test_stability_needs_two_fits_of_the_same_units():
    single = stability([A])
    assert math.isnan(single["topic_jaccard"]) and math.isnan(single["assignment_ari"])
    fewer_units = result_from_top_words([["a", "b"], ["c", "d"]], doc_topic=[[.5, .5]])
    with pytest.raises(ValueError, match="same units"):
        stability([A, fewer_units])
