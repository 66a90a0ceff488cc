"""Offline LDAvis pages: self-contained, the model's own topic ids, NMF zeros, escaping.

(What the pages do in a real browser is tested in test_browser.py.)"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pandas as pd
import pyLDAvis
import pytest

from report_helpers import cached_run_folder, hostile_result
from topics.report import write_ldavis
from topics.report import ldavis as ldavis_module
from topics.report.ldavis import fast_relevance, floored, prepare_ldavis, script_json
from topics.result import TopicResult

HOSTILE_TERMS = [
    "</script><script>window.__pwned=1;alert(1)</script>",
    '<img src=x onerror="window.__pwned=1;alert(1)">',
    "a\u2028b\u2029c",
    "&amp;&lt;",
]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    run_dir, fitted = cached_run_folder(tmp_path_factory, with_corpora=False)
    return run_dir, fitted


def payload(page: str) -> dict:
    """The data block of a written page, parsed as a browser's JSON.parse would."""
    block = re.search(r'<script type="application/json" id="ldavis-data">(.*?)</script>', page, re.S).group(1)
    return json.loads(block)


def test_page_is_self_contained(run, tmp_path):
    _, fitted = run
    page = write_ldavis(fitted["results"]["lda"], tmp_path / "lda.html").read_text(encoding="utf-8")
    assert "d3js.org v5" in page  # d3's own header: the library is inlined
    assert "var LDAvis = function" in page
    assert not re.search(r"<script[^>]*\bsrc=", page, re.I)
    assert not re.search(r"<link\b", page, re.I)
    assert "cdn.jsdelivr" not in page and "https://d3js.org/d3" not in page
    assert "default-src 'none'" in page  # and the page's policy forbids fetching anything


def test_topics_keep_the_model_ids_order_and_themes(run, tmp_path):
    _, fitted = run
    base = fitted["results"]["nmf"]
    # Ids that are not 0..K-1 and a largest topic that is not first: stock pyLDAvis would renumber and re-sort.
    ids = [7, 3, 11, 0, 5][: base.k]
    themes = ["ecology", "other", "industry", "livelihood", "safety"][: base.k]
    result = TopicResult(base.model_name, base.vocab, base.topic_word, base.doc_topic, base.doc_lengths,
                         base.term_frequency, topic_ids=ids, topic_themes=themes)
    data = payload(write_ldavis(result, tmp_path / "nmf.html").read_text(encoding="utf-8"))

    labels = data["labels"]
    assert [label["short"] for label in labels] == [f"T{i} {theme}" for i, theme in zip(ids, themes)]
    assert labels[0]["long"] == "T7 · ecology 生态" and labels[1]["long"] == "T3 · other"
    mds = data["ldavis"]["mdsDat"]
    assert mds["topics"] == list(range(1, base.k + 1))
    assert data["ldavis"]["topic.order"] == list(range(1, base.k + 1))
    weights = (floored(base.doc_topic) * base.doc_lengths[:, None]).sum(axis=0)
    np.testing.assert_allclose(np.array(mds["Freq"]) / 100, weights / weights.sum(), rtol=1e-6)


def sparse_nmf(base: TopicResult) -> TopicResult:
    """The fixture NMF with its first topic cut to its 12 heaviest words, as a sparse NMF topic often is."""
    topic_word = base.topic_word.copy()
    keep = np.argsort(-topic_word[0])[:12]
    topic_word[0] = 0.0
    topic_word[0, keep] = base.topic_word[0, keep]
    topic_word[0] /= topic_word[0].sum()
    return TopicResult(base.model_name, base.vocab, topic_word, base.doc_topic, base.doc_lengths, base.term_frequency,
                       topic_ids=base.topic_ids, topic_themes=base.topic_themes)


def test_nmf_exact_zeros_give_finite_relevance(run, tmp_path):
    _, fitted = run
    nmf = sparse_nmf(fitted["results"]["nmf"])
    assert (fitted["results"]["nmf"].topic_word == 0).sum() > 0, "the fixture NMF should hold exact zeros"
    # Stock pyLDAvis on the raw NMF output: log(0) puts -inf relevance values among a topic's 30 terms.
    with np.errstate(divide="ignore", invalid="ignore"):
        stock = pyLDAvis.prepare(nmf.topic_word, nmf.doc_topic, nmf.doc_lengths, nmf.vocab, nmf.term_frequency,
                                 n_jobs=1, sort_topics=False)
    assert "Infinity" in stock.to_json()

    page = write_ldavis(nmf, tmp_path / "nmf.html").read_text(encoding="utf-8")
    data = payload(page)  # json.loads accepts -Infinity, so check the values themselves
    tinfo = data["ldavis"]["tinfo"]
    assert all(math.isfinite(v) for v in tinfo["logprob"] + tinfo["loglift"])
    first = [term for term, category in zip(tinfo["Term"], tinfo["Category"]) if category == "Topic1"]
    assert len(first) >= 30  # the sparse topic still fills its 30 bars, its zero words ranked last


def test_floored_rows_are_distributions_without_zeros():
    rows = floored(np.array([[0.0, 0.5, 0.5], [0.0, 0.0, 0.0], [np.nan, 1.0, 0.0]]))
    assert (rows > 0).all()
    np.testing.assert_allclose(rows.sum(axis=1), 1.0)
    np.testing.assert_allclose(rows[1], [1 / 3] * 3)


def test_script_json_cannot_close_the_block():
    value = {"term": "</script><!-- & \u2028\u2029 >"}
    text = script_json(value)
    for raw in ("<", ">", "&", "\u2028", "\u2029"):
        assert raw not in text
    assert json.loads(text) == value


def test_hostile_terms_stay_data(run, tmp_path):
    _, fitted = run
    result = hostile_result(fitted["results"]["lda"], HOSTILE_TERMS)
    result.topic_themes = ['<b onmouseover="alert(1)">x</b>'] + list(result.topic_themes[1:])
    page = write_ldavis(result, tmp_path / "hostile.html").read_text(encoding="utf-8")
    # Exactly the page's own four script elements: the data block, d3, LDAvis and the start-up code.
    assert len(re.findall(r"<script", page, re.I)) == 4
    assert len(re.findall(r"</script", page, re.I)) == 4
    assert "<img src=x" not in page and "<b onmouseover" not in page
    data = payload(page)
    shown = set(data["ldavis"]["tinfo"]["Term"])
    assert set(HOSTILE_TERMS) <= shown, "the hostile terms should be among the terms shown, unchanged"
    assert data["labels"][0]["long"] == 'T0 · <b onmouseover="alert(1)">x</b>'


def test_a_changed_ldavis_script_stops_the_page(monkeypatch, run, tmp_path):
    _, fitted = run
    monkeypatch.setattr(ldavis_module, "_SCRIPT_PATCHES",
                        ldavis_module._SCRIPT_PATCHES + [("a text no script holds", "no such text ¤", "", 1)])
    with pytest.raises(RuntimeError, match="no such text|differs from the one"):
        write_ldavis(fitted["results"]["lda"], tmp_path / "x.html")


@pytest.mark.parametrize("k", [1, 2])
def test_tiny_models_render(run, tmp_path, k):
    _, fitted = run
    base = fitted["results"]["lda"]
    rng = np.random.default_rng(0)
    topic_word = rng.dirichlet(np.ones(len(base.vocab)), size=k)
    doc_topic = rng.dirichlet(np.ones(k), size=len(base.doc_lengths))
    result = TopicResult("lda", base.vocab, topic_word, doc_topic, base.doc_lengths, base.term_frequency)
    data = payload(write_ldavis(result, tmp_path / f"k{k}.html").read_text(encoding="utf-8"))
    assert data["ldavis"]["mdsDat"]["topics"] == list(range(1, k + 1))


def test_prepare_keeps_thirty_terms_per_topic(run):
    _, fitted = run
    prepared = prepare_ldavis(fitted["results"]["lda"])
    assert prepared.R == 30
    default = prepared.topic_info[prepared.topic_info.Category == "Default"]
    assert len(default) == 30


@pytest.mark.parametrize("model", ["lda", "nmf"])
def test_fast_relevance_gives_pyldavis_own_result(run, model):
    _, fitted = run
    result = fitted["results"][model]
    args = (floored(result.topic_word), floored(result.doc_topic), result.doc_lengths, result.vocab, result.term_frequency)
    stock = pyLDAvis.prepare(*args, n_jobs=1, sort_topics=False)
    with fast_relevance():
        fast = pyLDAvis.prepare(*args, n_jobs=1, sort_topics=False)
    assert fast.to_json() == stock.to_json()
    assert pyLDAvis._prepare._find_relevance.__name__ == "_find_relevance"  # pyLDAvis itself is left as it was


def test_top_terms_tied_at_the_cut_come_in_pyldavis_own_order(run):
    # Rounded to whole numbers, dozens of terms tie at the 30th place of every topic: the search that does not
    # sort the whole vocabulary must keep the same terms in the same order (ties to the lower term id).
    from pyLDAvis import _prepare

    _, fitted = run
    result = fitted["results"]["lda"]
    log_ttd = pd.DataFrame(np.round(np.log(floored(result.topic_word))), columns=result.vocab)
    log_lift = pd.DataFrame(np.round(np.log(floored(result.topic_word) / floored(result.topic_word).mean(axis=0))),
                            columns=result.vocab)
    assert log_ttd.shape[1] > 30
    for lambda_ in (0.0, 0.3, 1.0):
        fast = ldavis_module._top_relevant_terms(log_ttd, log_lift, 30, lambda_)
        stock = _prepare._find_relevance(log_ttd, log_lift, 30, lambda_)
        assert fast.to_numpy().tolist() == stock.to_numpy().tolist()
