"""Coherence, diversity and the metric registry, each checked against a case computed by hand."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from gensim.corpora import Dictionary
from gensim.models import CoherenceModel

from metrics_helpers import make_result, result_from_top_words, sample_token_lists
from topics.errors import InputError
from topics.token_table import TokenTable
from topics.metrics import (METRICS, MetricContext, coherence_per_topic, compute_metrics, frex_matrix, get_metric,
                            higher_is_better, rbo)

EPS = 1e-12  # gensim's smoothing of joint probabilities

# Four units, all shorter than the window, so each unit is one window (and one document for u_mass).
TEXTS = [["a", "b"], ["a", "b", "c"], ["c", "d"], ["a"]]
TWO_TOPICS = result_from_top_words([["a", "b"], ["c", "d"]])


def npmi(p_x, p_y, p_xy):
    return math.log((p_xy + EPS) / (p_x * p_y)) / -math.log(p_xy + EPS)


# ---------------------------------------------------------------- coherence


def test_npmi_of_a_small_case_computed_by_hand():
    # 4 windows. Topic a,b: P(a)=3/4, P(b)=2/4, P(a,b)=2/4 -> NPMI = ln(0.5/0.375)/-ln(0.5) = 0.415037
    # Topic c,d: P(c)=2/4, P(d)=1/4, P(c,d)=1/4 -> NPMI = ln(0.25/0.125)/-ln(0.25) = 0.5
    ctx = MetricContext(TEXTS, Dictionary(TEXTS))
    per_topic = coherence_per_topic(TWO_TOPICS, ctx, measure="c_npmi", window_size=10)
    assert per_topic == pytest.approx([0.4150375, 0.5], abs=1e-6)
    assert METRICS["coherence_npmi"].score(TWO_TOPICS, ctx) == pytest.approx((0.4150375 + 0.5) / 2, abs=1e-6)
    assert ctx.notes == {}


def test_umass_of_a_small_case_computed_by_hand():
    # u_mass pairs (w_i, w_j) with w_j ranked higher: log((D(w_i,w_j)/N + eps) / (D(w_j)/N)), N = 4 units.
    # Topic a,b: log((2/4)/(3/4)) = ln(2/3) = -0.405465; topic c,d: log((1/4)/(2/4)) = ln(1/2) = -0.693147
    ctx = MetricContext(TEXTS)
    assert METRICS["coherence_umass"].score(TWO_TOPICS, ctx) == pytest.approx((-0.405465 - 0.693147) / 2, abs=1e-6)


def test_cv_of_a_small_case_computed_by_hand_and_marked_unreliable():
    # c_v, topic of two words x,y with NPMI(x,y)=n and NPMI(w,w)=1: context vectors v(x)=[1,n], v(y)=[n,1],
    # topic vector v(x)+v(y)=[1+n,1+n]; cos(v(x), [1+n,1+n]) = (1+n)/sqrt(2(1+n^2)), the same for y.
    # Topic a,b: n=0.4150375 -> 0.924148; topic c,d: n=0.5 -> 1.5/sqrt(2.5) = 0.948683
    ctx = MetricContext(TEXTS)
    per_topic = coherence_per_topic(TWO_TOPICS, ctx, measure="c_v", window_size=110)
    expected = [(1 + n) / math.sqrt(2 * (1 + n * n)) for n in (0.4150375, 0.5)]
    assert per_topic == pytest.approx(expected, abs=1e-6)
    cv = METRICS["coherence_cv"]
    assert not cv.reliable and "Palmetto" in cv.citation
    assert all(METRICS[name].reliable for name in METRICS if name != "coherence_cv")


def test_a_word_repeated_inside_a_window_is_counted_in_every_window_holding_it():
    # Window 3 over "a b a c" gives windows [a b a] and [b a c]; "d e" is one window. 3 windows.
    # a is in both windows of the first unit, c in the second: P(a)=2/3, P(c)=1/3, P(a,c)=1/3
    # -> NPMI = ln((1/3)/(2/9)) / ln 3 = ln 1.5 / ln 3 = 0.369070.
    # (gensim's own sliding counter drops a from [b a c] when the first a leaves, and gives -0.95.)
    texts = [["a", "b", "a", "c"], ["d", "e"]]
    result = result_from_top_words([["a", "c"], ["d", "e"]])
    per_topic = coherence_per_topic(result, MetricContext(texts), measure="c_npmi", window_size=3)
    assert per_topic[0] == pytest.approx(math.log(1.5) / math.log(3), abs=1e-9)
    assert per_topic[1] == pytest.approx(npmi(1 / 3, 1 / 3, 1 / 3), abs=1e-9)  # = 1


def _brute_force_npmi(texts, words, size):
    windows = [set(t[s:s + size]) for t in texts if t for s in range(max(1, len(t) - size + 1))]
    share = lambda *ws: sum(all(w in window for w in ws) for window in windows) / len(windows)  # noqa: E731
    return np.mean([npmi(share(x), share(y), share(x, y)) for x, y in itertools.combinations(words, 2)])


def test_npmi_on_real_text_equals_a_brute_force_count_of_every_window():
    texts = [list(t) for t in sample_token_lists()]
    dictionary = Dictionary(texts)
    frequent = [w for w, _ in sorted(dictionary.cfs.items(), key=lambda kv: (-kv[1], kv[0]))][:20]
    topics = [[dictionary[i] for i in frequent[:10]], [dictionary[i] for i in frequent[10:]]]
    per_topic = coherence_per_topic(result_from_top_words(topics), MetricContext(texts, dictionary),
                                    measure="c_npmi", window_size=10)
    assert per_topic == pytest.approx([_brute_force_npmi(texts, words, 10) for words in topics], abs=1e-9)


@pytest.mark.parametrize("measure, window", [("c_npmi", 10), ("u_mass", None), ("c_v", 110)])
def test_scores_equal_gensim_coherencemodel_where_its_window_counting_is_exact(measure, window):
    # gensim's counter is exact when no word repeats within a unit: keep each word's first occurrence.
    texts = [list(dict.fromkeys(t)) for t in sample_token_lists() if t]
    dictionary = Dictionary(texts)
    frequent = [dictionary[i] for i, _ in sorted(dictionary.dfs.items(), key=lambda kv: (-kv[1], kv[0]))][:30]
    topics = [frequent[0:10], frequent[10:20], frequent[20:30]]
    ours = coherence_per_topic(result_from_top_words(topics), MetricContext(texts, dictionary),
                               measure=measure, window_size=window)
    gensim = CoherenceModel(topics=topics, texts=texts, dictionary=dictionary, coherence=measure,
                            window_size=window, topn=10, processes=1).get_coherence_per_topic()
    assert ours == pytest.approx(gensim, abs=1e-9)


@pytest.mark.parametrize("measure, window", [("c_npmi", 10), ("u_mass", None), ("c_v", 110)])
def test_a_token_table_scores_as_its_token_lists(measure, window):
    """A run's fits give the metrics their units as a token table (rows made as they are read), with its empty
    units among them; every score, and every note, is the one the token lists give."""
    texts = sample_token_lists()
    texts = [*texts[:3], [], *texts[3:], []]  # units left empty by the filters
    dictionary = Dictionary([tokens for tokens in texts if tokens])
    frequent = [dictionary[i] for i, _ in sorted(dictionary.dfs.items(), key=lambda kv: (-kv[1], kv[0]))][:30]
    topics = [frequent[0:10], frequent[10:20], frequent[20:28] + ["nowhere", "无此词"]]
    listed, tabled = MetricContext(texts, dictionary), MetricContext(TokenTable.build(texts), dictionary)
    ours = [coherence_per_topic(result_from_top_words(topics), ctx, measure=measure, window_size=window)
            for ctx in (listed, tabled)]
    assert ours[0] == ours[1] and all(np.isfinite(ours[0]))
    assert listed.notes == tabled.notes and listed.notes


def test_words_missing_from_the_dictionary_or_the_text_are_left_out_and_noted():
    texts = [["a", "b"], ["a", "b", "c"], ["c", "d"], ["a"]]
    dictionary = Dictionary(texts + [["ghost"]])  # "ghost" is in the dictionary but in no training unit
    result = result_from_top_words([["a", "nowhere", "b"], ["c", "ghost", "d"]])
    ctx = MetricContext(texts, dictionary)
    score = METRICS["coherence_npmi"].score(result, ctx)
    assert score == pytest.approx((0.4150375 + 0.5) / 2, abs=1e-6)  # same as topics a,b and c,d
    notes = " | ".join(ctx.notes["coherence_npmi"])
    assert "not in the dictionary left out: nowhere" in notes
    assert "absent from the training units left out: ghost" in notes


def test_a_topic_left_with_one_word_is_nan_and_the_mean_says_so():
    result = result_from_top_words([["a", "b"], ["c", "zzz"]])
    ctx = MetricContext(TEXTS)
    assert math.isnan(coherence_per_topic(result, ctx, measure="u_mass")[1])
    assert METRICS["coherence_umass"].score(result, ctx) == pytest.approx(math.log(2 / 3), abs=1e-6)
    assert any("topic 1: fewer than 2 usable top words" in n for n in ctx.notes["coherence_umass"])
    assert any("mean over the 1 of 2 topics" in n for n in ctx.notes["coherence_umass"])


def test_words_present_in_every_window_of_a_tiny_corpus_give_nan_not_minus_one():
    # x and y are in both windows: P(x)=P(y)=P(x,y)=1, NPMI 0/0 (gensim: -1). x,z: P(z)=P(x,z)=1/2 -> 0.
    texts = [["x", "y"], ["x", "y", "z"]]
    result = result_from_top_words([["x", "y"], ["x", "z"]])
    ctx = MetricContext(texts)
    per_topic = coherence_per_topic(result, ctx, measure="c_npmi", window_size=10, metric="coherence_npmi")
    assert math.isnan(per_topic[0])
    assert per_topic[1] == pytest.approx(0.0, abs=1e-9)
    assert "occur in every window" in ctx.notes["coherence_npmi"][0]


def test_empty_units_are_not_windows():
    with_empty = TEXTS + [[], []]
    assert compute_metrics(TWO_TOPICS, MetricContext(with_empty), ["coherence_npmi"]) == \
        compute_metrics(TWO_TOPICS, MetricContext(TEXTS), ["coherence_npmi"])


def test_no_training_text_gives_nan_with_a_reason():
    ctx = MetricContext([[], []])
    assert math.isnan(METRICS["coherence_npmi"].score(TWO_TOPICS, ctx))
    assert ctx.notes["coherence_npmi"] == ["no training text: coherence undefined"]


def test_long_units_and_wide_windows_are_counted_in_chunks_without_changing_the_counts(monkeypatch):
    import topics.metrics.coherence as coherence

    texts = [list(t) for t in sample_token_lists()]
    result = result_from_top_words([["生态", "文明", "建设", "城市"], ["发展", "产业", "推进", "问题"]])
    whole = coherence_per_topic(result, MetricContext(texts), measure="c_v", window_size=20)
    monkeypatch.setattr(coherence, "_ENTRIES_PER_CHUNK", 50)  # forces many small chunks
    assert coherence_per_topic(result, MetricContext(texts), measure="c_v", window_size=20) == whole


# ---------------------------------------------------------------- diversity


def test_topic_diversity_by_hand():
    # top 3 words: {a,b,c} and {a,d,e}: 5 distinct of 6 listed -> 5/6
    result = result_from_top_words([["a", "b", "c"], ["a", "d", "e"]])
    metric = METRICS["topic_diversity"].with_params(top_n=3)
    assert metric.score(result, MetricContext([])) == pytest.approx(5 / 6)


def test_topic_diversity_counts_only_words_of_non_zero_weight():
    # With TD@25 and topics of 3 and 2 weighted words: listed 5, distinct {a,b,c,d} = 4 -> 0.8;
    # zero-weight words would otherwise fill both lists with the same 22-23 filler words.
    result = result_from_top_words([["a", "b", "c"], ["a", "d"]])
    ctx = MetricContext([])
    assert METRICS["topic_diversity"].score(result, ctx) == pytest.approx(4 / 5)
    assert "fewer than 25 words of non-zero weight" in ctx.notes["topic_diversity"][0]


@pytest.mark.parametrize("first, second, p, expected", [
    (["a", "b"], ["a", "b"], 0.9, 1.0),
    (["a", "b"], ["c", "d"], 0.9, 0.0),
    # X_1 = 0, X_2 = 2: (1-p)/p * (X_2/2) p^2 + (X_2/2) p^2 = p(1-p) + p^2 = p -> 0.5 and 0.9
    (["a", "b"], ["b", "a"], 0.5, 0.5),
    (["a", "b"], ["b", "a"], 0.9, 0.9),
    # uneven lengths s=1, l=2, X_1 = X_2 = 1, p=0.5:
    # (1-p)/p [X_1 p + X_2/2 p^2 + X_1 (2-1)/(1*2) p^2] + ((X_2-X_1)/2 + X_1/1) p^2 = 0.75 + 0.25 = 1
    (["a"], ["a", "b"], 0.5, 1.0),
    # a,b,c vs a,c,d with p=0.5: X = 1, 1, 2 -> (1-p)/p (1*0.5 + 1/2*0.25 + 2/3*0.125) + (2/3) 0.125 = 0.791667
    (["a", "b", "c"], ["a", "c", "d"], 0.5, 0.5 + 0.125 + 0.25 / 3 + 0.25 / 3),
])
def test_rank_biased_overlap_by_hand(first, second, p, expected):
    assert rbo(first, second, p) == pytest.approx(expected)
    assert rbo(second, first, p) == pytest.approx(expected)


def test_inverted_rbo_by_hand():
    # Topics a,b / b,a / c,d with p=0.9: RBOs 0.9, 0, 0 -> 1 - 0.3 = 0.7
    result = result_from_top_words([["a", "b"], ["b", "a"], ["c", "d"]])
    assert METRICS["inverted_rbo"].score(result, MetricContext([])) == pytest.approx(0.7)
    single = result_from_top_words([["a", "b"]])
    assert math.isnan(METRICS["inverted_rbo"].score(single, MetricContext([])))


def test_exclusivity_as_stm_by_hand():
    # beta1 = [.6 .3 .1], beta2 = [.2 .2 .6]; word totals .8 .5 .7
    # exclusivity: topic1 [.75 .6 .1429] ranks 3,2,1 -> ECDF [1, 2/3, 1/3]; freq ranks 3,2,1 -> same
    #   FREX1 = 1/(.7/ex + .3/fr) = [1, 2/3, 1/3]
    # topic2 exclusivity [.25 .4 .857] -> ECDF [1/3, 2/3, 1]; freq [.2 .2 .6] ranks 1.5,1.5,3 -> [.5 .5 1]
    #   FREX2 = [1/(2.1+.6), 1/(1.05+.6), 1] = [0.370370, 0.606061, 1]
    # top 2 words: topic1 w0,w1 -> 1 + 2/3; topic2 w2 then w0 (tie with w1, lower id first) -> 1 + 0.370370
    # mean = (1.666667 + 1.370370) / 2 = 1.518519
    result = make_result(["w0", "w1", "w2"], [[0.6, 0.3, 0.1], [0.2, 0.2, 0.6]])
    np.testing.assert_allclose(frex_matrix(result.topic_word, 0.7),
                               [[1, 2 / 3, 1 / 3], [1 / 2.7, 1 / 1.65, 1]], rtol=1e-12)
    metric = METRICS["exclusivity"].with_params(top_n=2)
    assert metric.score(result, MetricContext([])) == pytest.approx((1 + 2 / 3 + 1 + 1 / 2.7) / 2)


# ---------------------------------------------------------------- registry


def test_every_metric_states_name_params_citation_direction_and_description():
    for name, metric in METRICS.items():
        assert metric.name == name and metric.citation and metric.description
        assert isinstance(metric.params, dict) and isinstance(metric.higher_is_better, bool)
    assert not METRICS["heldout_perplexity"].higher_is_better
    assert METRICS["coherence_npmi"].params == {"top_n": 10, "window_size": 10}
    assert METRICS["topic_diversity"].params == {"top_n": 25}
    assert METRICS["inverted_rbo"].params == {"top_n": 10, "p": 0.9}
    assert METRICS["exclusivity"].params == {"top_n": 10, "weight": 0.7}


def test_directions_of_every_column():
    assert higher_is_better("coherence_npmi") and higher_is_better("label_f1_my_theme")
    assert higher_is_better("topic_jaccard") and higher_is_better("assignment_ari")
    assert not higher_is_better("heldout_perplexity")
    assert not higher_is_better("fit_seconds") and not higher_is_better("peak_mb")


def test_unknown_metric_and_bad_parameters_are_input_errors():
    with pytest.raises(InputError, match="unknown metric 'npmi'"):
        compute_metrics(TWO_TOPICS, MetricContext(TEXTS), ["npmi"])
    with pytest.raises(InputError, match="coherence_npmi: unknown parameter 'window'"):
        METRICS["coherence_npmi"].with_params(window=5)
    with pytest.raises(InputError, match="inverted_rbo: p must be a number > 0 and < 1"):
        METRICS["inverted_rbo"].with_params(p=1.5)
    with pytest.raises(InputError, match="top_n must be an integer >= 2"):
        METRICS["topic_diversity"].with_params(top_n=0)
    assert get_metric("label_f1_mine").name == "label_f1_mine"


def test_metrics_on_real_text_are_deterministic_and_in_range():
    texts = [list(t) for t in sample_token_lists()]
    dictionary = Dictionary(texts)
    rng = np.random.default_rng(7)
    result = make_result([dictionary[i] for i in range(len(dictionary))],
                         rng.dirichlet(np.full(len(dictionary), 0.05), size=5))
    names = ["coherence_npmi", "coherence_umass", "coherence_cv", "topic_diversity", "inverted_rbo", "exclusivity"]
    first = compute_metrics(result, MetricContext(texts, dictionary), names)
    assert list(first) == names
    assert first == compute_metrics(result, MetricContext(texts, dictionary), names)
    assert -1 <= first["coherence_npmi"] <= 1 and first["coherence_umass"] <= 1e-9
    assert 0 <= first["coherence_cv"] <= 1 and 0 < first["topic_diversity"] <= 1
    assert 0 <= first["inverted_rbo"] <= 1 and 0 < first["exclusivity"] <= 10
