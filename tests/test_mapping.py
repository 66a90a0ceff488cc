"""Topic → theme mapping (lift, Hungarian one-to-one, many-to-one, other, seeded topics), unit → theme
with probability and runner-up, per-document theme shares."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from model_helpers import sample_units_and_tokens
from topics.documents import Unit
from topics.errors import InputError
from topics.models import make_model
from topics.result import TopicResult
from topics.assignment import ASSIGNMENT_COLUMNS, SHARE_COLUMNS, assignments, fit_themes, in_context, theme_shares
from topics.lexicon import Lexicon
from topics import UNMAPPED
from topics.mapping import MappingSettings, apply_mapping, map_topics, mapping_evidence, topic_lifts
from topics.vectorize import build_corpus

VOCAB = ["a", "b", "c", "d", "e", "f"]
THEMES = {"x": ["a", "b"], "y": ["c", "d"]}
# a, b (theme x) and c, d (theme y) each make up 10 % of the corpus; e, f the rest
TERM_FREQUENCY = np.array([5.0, 5.0, 5.0, 5.0, 40.0, 40.0])


def result_with(topic_word, doc_topic=None, topic_themes=None) -> TopicResult:
    topic_word = np.asarray(topic_word, dtype=float)
    k = topic_word.shape[0]
    doc_topic = np.full((1, k), 1.0 / k) if doc_topic is None else doc_topic
    return TopicResult(model_name="test", vocab=VOCAB, topic_word=topic_word, doc_topic=doc_topic,
                       doc_lengths=np.ones(len(doc_topic)), term_frequency=TERM_FREQUENCY, topic_themes=topic_themes)


def map_topics_to_themes(result, themes, *, min_lift=2.0, other_words=(), min_margin=1.0):
    """Mapping with plain themes; no margin unless asked (the margin rule has tests of its own)."""
    settings = MappingSettings(min_lift=min_lift, min_margin=min_margin)
    return map_topics(result, Lexicon.from_parts(themes, other_words), settings)


def theme_lifts(result, themes):
    return topic_lifts(result, Lexicon.from_parts(themes))[:, :-1]


def test_lift_is_theme_mass_over_corpus_share():
    result = result_with([[0.2, 0.1, 0.05, 0.05, 0.3, 0.3]])
    # x words carry 0.3 of the topic and 0.1 of the corpus: lift 3; y words 0.1 / 0.1 = 1
    assert theme_lifts(result, THEMES) == pytest.approx(np.array([[3.0, 1.0]]))


def test_hungarian_matching_beats_greedy():
    # topic 0 lifts x 2.9 and y 2.8; topic 1 lifts x 2.7 and y 1.0. Greedy would give topic 0
    # to x and leave topic 1 with y (lift 1.0, too low); the best one-to-one matching is 0→y, 1→x.
    result = result_with([[0.145, 0.145, 0.14, 0.14, 0.215, 0.215],
                          [0.135, 0.135, 0.05, 0.05, 0.315, 0.315]])
    assert theme_lifts(result, THEMES) == pytest.approx(np.array([[2.9, 2.8], [2.7, 1.0]]))
    assert map_topics_to_themes(result, THEMES, min_lift=2.0) == ["y", "x"]


def test_many_to_one_and_other():
    result = result_with([[0.02, 0.02, 0.4, 0.4, 0.08, 0.08],   # y, lift 8
                          [0.4, 0.4, 0.02, 0.02, 0.08, 0.08],   # x, lift 8
                          [0.01, 0.01, 0.01, 0.01, 0.48, 0.48],  # neither: lift 0.2
                          [0.15, 0.15, 0.02, 0.02, 0.33, 0.33]])  # x again, lift 3
    assert map_topics_to_themes(result, THEMES, min_lift=2.0) == ["y", "x", "other", "x"]
    assert map_topics_to_themes(result, THEMES, min_lift=5.0) == ["y", "x", "other", "other"]
    assert map_topics_to_themes(result, THEMES, min_lift=10.0) == ["other"] * 4


def test_topics_leaning_to_the_other_words_map_to_other():
    # e is a word of passages about no theme (10 % of the corpus after the change below)
    result = result_with([[0.4, 0.4, 0.02, 0.02, 0.08, 0.08],    # x lift 8, e lift 0.8: x
                          [0.15, 0.15, 0.02, 0.02, 0.6, 0.06],   # x lift 3, e lift 6: other
                          [0.02, 0.02, 0.3, 0.3, 0.3, 0.06]])    # y lift 6, e lift 3: y
    result.term_frequency = np.array([5.0, 5.0, 5.0, 5.0, 10.0, 70.0])
    assert map_topics_to_themes(result, THEMES, min_lift=2.0) == ["x", "x", "y"]
    assert map_topics_to_themes(result, THEMES, min_lift=2.0, other_words=["e"]) == ["x", "other", "y"]
    # other words outside the vocabulary change nothing
    assert map_topics_to_themes(result, THEMES, min_lift=2.0, other_words=["zz"]) == ["x", "x", "y"]


def test_fewer_topics_than_themes():
    result = result_with([[0.4, 0.4, 0.02, 0.02, 0.08, 0.08]])
    assert map_topics_to_themes(result, THEMES) == ["x"]


def test_unit_theme_probability_and_runner_up():
    topic_themes = ["y", "x", "other", "x"]
    doc_topic = np.array([[0.1, 0.3, 0.2, 0.4],    # x 0.7, other 0.2, y 0.1
                          [0.5, 0.1, 0.3, 0.1],    # y 0.5, other 0.3, x 0.2
                          [0.2, 0.2, 0.4, 0.2]])   # x 0.4 and other 0.4 tie: x is listed first
    result = result_with(np.full((4, 6), 1 / 6), doc_topic=doc_topic, topic_themes=topic_themes)
    units = units_of([("A", 0), ("A", 1), ("A", 2)])
    themes = fit_themes(result, units)
    assert themes.theme_names() == ["x", "y", "x"]
    assert themes.p == pytest.approx([0.7, 0.5, 0.4])
    assert themes.runner_up_names() == ["other", "other", "other"]
    # p is always the assigned theme's cell of the unit's probabilities
    assert themes.p == pytest.approx(themes.probabilities[np.arange(3), themes.theme])
    assert np.allclose(themes.probabilities.sum(axis=1), 1)
    unknown = fit_themes(result, units, known_tokens=np.array([3, 0, 1]))
    assert (unknown.theme_names()[1], unknown.p[1], unknown.runner_up_names()[1]) == ("other", 0.0, "")
    assert unknown.probabilities[1].tolist() == [0.0, 0.0, 0.0]  # no evidence for any theme
    assert unknown.theme_names()[::2] == ["x", "x"]


def units_of(docs: list[tuple[str, int]]) -> list[Unit]:
    return [Unit(doc_id=doc, unit_id=f"{doc}:u{i}", kind="paragraph", heading=f"h{i}", text=f"text {i}",
                 year=2024, region=f"region of {doc}") for i, (doc, _) in enumerate(docs)]


def test_assignments_and_theme_shares_tables():
    topic_themes = ["y", "x", "other"]
    doc_topic = np.array([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    result = result_with(np.full((3, 6), 1 / 6), doc_topic=doc_topic, topic_themes=topic_themes)
    units = units_of([("A", 0), ("A", 1), ("A", 2), ("B", 3)])
    table = assignments(result, units)
    assert list(table.columns) == ASSIGNMENT_COLUMNS
    assert table["theme"].tolist() == ["y", "x", "y", "other"]
    assert table["unit_id"].tolist() == [u.unit_id for u in units]
    assert (table["model"] == "test").all() and table["p"].tolist() == pytest.approx([0.8, 0.8, 0.7, 0.8])

    shares = theme_shares(units, fit_themes(result, units))
    assert list(shares.columns) == SHARE_COLUMNS
    a = shares[shares["doc_id"] == "A"].set_index("theme")
    assert a["units"].to_dict() == {"y": 2, "x": 1, "other": 0}
    assert a["share"].to_dict() == pytest.approx({"y": 2 / 3, "x": 1 / 3, "other": 0.0})
    assert shares.groupby("doc_id")["share"].sum().tolist() == pytest.approx([1.0, 1.0])
    assert (shares["region"][shares["doc_id"] == "B"] == "region of B").all()


def test_theme_shares_list_every_lexicon_theme_so_seed_means_sum_to_one():
    # two seeds: the first maps a topic to x, the second maps none to x (its topics are y and other);
    # with every theme listed, the per-document mean over seeds still sums to 1
    units = units_of([("A", 0), ("A", 1)])
    seed1 = result_with(np.full((2, 6), 1 / 6), doc_topic=np.array([[0.9, 0.1], [0.2, 0.8]]), topic_themes=["x", "other"])
    seed2 = result_with(np.full((2, 6), 1 / 6), doc_topic=np.array([[0.1, 0.9], [0.1, 0.9]]), topic_themes=["y", "other"])
    tables = [theme_shares(units, fit_themes(r, units), all_themes=["x", "y"]) for r in (seed1, seed2)]
    assert [t["theme"].tolist() for t in tables] == [["x", "y", "other"]] * 2
    mean = pd.concat(tables).groupby("theme")["share"].mean()
    assert mean.to_dict() == pytest.approx({"x": 0.25, "y": 0.0, "other": 0.75})
    assert mean.sum() == pytest.approx(1.0)


def test_assignments_refuse_misaligned_units():
    result = result_with(np.full((2, 6), 1 / 6), doc_topic=np.array([[0.5, 0.5]]), topic_themes=["x", "y"])
    with pytest.raises(ValueError, match="2 units given for 1 rows"):
        assignments(result, units_of([("A", 0), ("A", 1)]))
    unmapped = result_with(np.full((2, 6), 1 / 6), doc_topic=np.array([[0.5, 0.5]]))
    with pytest.raises(ValueError, match="topic_themes is not set"):
        assignments(unmapped, units_of([("A", 0)]))


def test_one_to_one_on_a_real_fit_when_topics_equal_themes():
    units, tokens = sample_units_and_tokens()
    lexicon = Lexicon.load()
    themes = lexicon.themes
    corpus = build_corpus(tokens, no_below=1, no_above=0.9)
    model = make_model("nmf", k=len(themes), max_iter=200).fit(corpus, lexicon)
    assert model.result_.topic_themes is None  # fitting does not map
    mapped = apply_mapping(model.result_, lexicon).topic_themes
    named = [t for t in mapped if t != "other"]
    assert len(named) == len(set(named)) >= 3  # one-to-one: no theme twice
    assert model.result_.mapping == {"min_lift": 2.0, "min_margin": 1.25, "section_weight": 0.2, "heading_bonus": 0.2}
    table = assignments(model.result_, [units[i] for i in corpus.kept])
    assert set(table["theme"]) <= set(themes) | {"other"}
    assert isinstance(table, pd.DataFrame) and len(table) == len(corpus.kept)


def test_seeded_topics_keep_their_theme_and_free_topics_map_many_to_one():
    # topic 0 was seeded for y although its words lean to x; topics 1 and 2 are free
    result = result_with([[0.4, 0.4, 0.02, 0.02, 0.08, 0.08],
                          [0.4, 0.4, 0.02, 0.02, 0.08, 0.08],
                          [0.35, 0.35, 0.05, 0.05, 0.1, 0.1]])
    result.seed_themes = ["y"]
    assert map_topics_to_themes(result, THEMES) == ["y", "x", "x"]  # many-to-one, no matching among free topics
    result.seed_themes = ["y", "other", "x"]
    assert map_topics_to_themes(result, THEMES, min_lift=100.0) == ["y", "other", "x"]  # seeds ignore min_lift


def test_mapping_settings_are_checked():
    with pytest.raises(InputError, match="themes.min_lift must be a number >= 0"):
        MappingSettings(min_lift=-1)
    with pytest.raises(InputError, match="themes.min_lift"):
        MappingSettings(min_lift="high")


def test_a_topic_without_a_clear_margin_is_unmapped():
    result = result_with([[0.145, 0.145, 0.14, 0.14, 0.215, 0.215],   # x 2.9, y 2.8: no theme stands out
                          [0.4, 0.4, 0.02, 0.02, 0.08, 0.08],         # x 8, y 0.4: clearly x
                          [0.11, 0.11, 0.02, 0.02, 0.37, 0.37]])      # x 2.2: over min_lift 2, under 2 × 1.25
    assert map_topics_to_themes(result, THEMES, min_margin=1.25) == [UNMAPPED, "x", UNMAPPED]
    assert map_topics_to_themes(result, THEMES, min_margin=1.0) == ["y", "x", "x"]
    evidence = mapping_evidence(result, Lexicon.from_parts(THEMES), MappingSettings(min_margin=1.25))
    assert evidence["decided"].tolist() == ["unmapped", "mapped", "unmapped"]
    assert evidence["margin"].tolist() == pytest.approx([2.9 / 2.8, 8.0 / 2.0, 2.2 / 2.0], rel=1e-6)
    assert evidence["lift_x"].tolist() == pytest.approx([2.9, 8.0, 2.2])
    # an unmapped topic's units are reported as such, not folded into a theme
    result.topic_themes = [UNMAPPED, "x", UNMAPPED]
    themes = fit_themes(result, units_of([("A", 0), ("A", 1)]), np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1]]))
    assert themes.theme_names() == [UNMAPPED, "x"] and themes.p == pytest.approx([0.8, 0.8])


def test_a_units_section_and_heading_count_as_evidence():
    units = [Unit("d", f"d:u{i}", "paragraph", heading, "……", weak_label=label, meta={"section": ["（一）生态"]})
             for i, (heading, label) in enumerate([("生态", "x"), ("", ""), ("", "")])]
    units.append(Unit("e", "e:u0", "paragraph", "", "……"))  # new text given alone: no section, no heading
    probs = np.array([[0.6, 0.4], [0.45, 0.55], [0.9, 0.1], [0.45, 0.55]])
    plain = in_context(probs, ["x", "y"], units)
    assert np.array_equal(plain, probs)
    mixed = in_context(probs, ["x", "y"], units, section_weight=0.5)
    section = probs[:3].mean(axis=0)
    assert mixed[1] == pytest.approx(0.5 * probs[1] + 0.5 * section)  # pulled toward its section: now x
    assert mixed[3] == pytest.approx(probs[3])  # no section recorded: left alone
    bonus = in_context(probs, ["x", "y"], units, heading_bonus=0.5)
    assert bonus[0] == pytest.approx([1.1 / 1.5, 0.4 / 1.5]) and bonus[1] == pytest.approx(probs[1])
    assert np.allclose(bonus.sum(axis=1), 1)
    result = result_with(np.full((2, 6), 1 / 6), doc_topic=probs, topic_themes=["x", "y"])
    result.mapping = {"section_weight": 0.5, "heading_bonus": 0.0}  # as the mapping stage saves its settings
    assert fit_themes(result, units).theme_names() == ["x", "x", "x", "y"]
