"""The supervised models (supervised, seeded-supervised): trained on the 150 hand-coded provincial
units of the dev set, rebuilt from ../shared/corpora as experiments/handcoded_check.py rebuilds them.
Their contract tests on the sample (with its weak labels) are in test_models.py."""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score

from model_helpers import PROJECT, tokenize
from topics import OTHER
from topics.assignment import assignments
from topics.cli import main
from topics.errors import InputError
from topics.ingest import write_units
from topics.lexicon import Lexicon
from topics.mapping import apply_mapping
from topics.models import MODELS, load_model, make_model
from topics.vectorize import build_corpus

SUPERVISED = [name for name, cls in MODELS.items() if cls.needs_labels]
FAST = {"supervised": {}, "seeded-supervised": {"passes": 3, "iterations": 20}, "pretrained-adapted": {}}
LABELS = [*Lexicon.load().themes, OTHER]


@pytest.fixture(scope="module")
def dev(shared_corpora):
    """The dev set's units as a corpus, with each row's hand-coded label."""
    sys.path.insert(0, str(PROJECT / "experiments"))
    try:
        from handcoded_check import LABELLED_SETS, labelled_units
    finally:
        sys.path.pop(0)
    units, gold = labelled_units(LABELLED_SETS["dev"])
    tokens = tokenize([unit.text for unit in units])
    corpus = build_corpus(tokens, no_below=2, no_above=0.5, keep_words=Lexicon.load().words())
    kept = [int(i) for i in corpus.kept]
    return [units[i] for i in kept], [tokens[i] for i in kept], corpus, [gold[i] for i in kept]


def fit(name, corpus, labels, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # seed words the 150 units never use
        model = make_model(name, **{**FAST[name], **params}).fit(corpus, Lexicon.load(), labels=labels)
    apply_mapping(model.result_, model.lexicon_)
    return model


def themes_of(model, units, doc_topic):
    return assignments(model.result_, units, doc_topic=doc_topic)["theme"].tolist()


def test_what_the_supervised_models_declare():
    for name in SUPERVISED:
        assert not MODELS[name].has_k() and MODELS[name].topic_count(Lexicon.load()) == len(LABELS)
        assert MODELS[name].seeded
    assert MODELS["supervised"].deterministic and not MODELS["seeded-supervised"].deterministic
    assert MODELS["seeded-supervised"].reads_unseen_words and not MODELS["supervised"].reads_unseen_words


def test_its_topics_are_the_labels_and_training_units_get_cross_validated_shares(dev):
    units, tokens, corpus, labels = dev
    model = fit("supervised", corpus, labels)
    result = model.result_
    assert result.seed_themes == result.topic_themes == LABELS
    assert result.doc_topic.shape == (len(units), len(LABELS))
    ecology_words = set(Lexicon.load().themes["ecology"])
    assert len(set(result.top_words(20)[0]) & ecology_words) >= 3, result.top_words(20)[0]
    # each training unit's shares come from a classifier that did not see it: they differ from the
    # final classifier's, which has learnt the units by heart and scores higher on them
    in_sample = model.transform(tokens)
    assert not np.allclose(result.doc_topic, in_sample)
    cross_validated = f1_score(labels, themes_of(model, units, result.doc_topic), labels=LABELS, average="macro")
    learnt = f1_score(labels, themes_of(model, units, in_sample), labels=LABELS, average="macro")
    assert 0.6 < cross_validated < learnt, (cross_validated, learnt)


def test_unlabelled_units_are_not_trained_on_and_get_the_final_classifiers_shares(dev):
    units, tokens, corpus, labels = dev
    half = [label if i % 2 == 0 else "" for i, label in enumerate(labels)]
    model = fit("supervised", corpus, half)
    unlabelled = [i for i, label in enumerate(half) if not label]
    assert np.allclose(model.result_.doc_topic[unlabelled], model.transform([tokens[i] for i in unlabelled]))
    # the classifier is the one scikit-learn trains on the labelled units' features alone
    labelled = [i for i, label in enumerate(half) if label]
    alone = model._classifier().fit(model._features(corpus.matrix)[labelled], [half[i] for i in labelled])
    assert np.allclose(alone.coef_, model.classifier_.coef_)


@pytest.mark.parametrize("name", SUPERVISED)
def test_save_load_and_assign_give_the_same_themes(dev, name, tmp_path):
    units, tokens, corpus, labels = dev
    model = fit(name, corpus, labels)
    folder = model.save(tmp_path / name, tokenizer_settings={})
    loaded = load_model(folder)
    assert type(loaded) is type(model) and loaded.get_params() == model.get_params()
    assert np.array_equal(loaded.result_.doc_topic, model.result_.doc_topic)
    assert loaded.result_.topic_themes == LABELS
    assert np.allclose(loaded.transform(tokens), model.transform(tokens))
    # topics assign reads it like every saved model
    rows = [i for i, unit in enumerate(units) if unit.kind != "heading"][:20]  # assign leaves headings out
    units_file = write_units([units[i] for i in rows], tmp_path / "units.jsonl")
    out = tmp_path / "assigned.csv"
    assert main(["assign", str(folder), str(units_file), "-o", str(out), "--no-progress"]) == 0
    table = pd.read_csv(out, keep_default_na=False)
    expected = themes_of(model, [units[i] for i in rows], model.transform([tokens[i] for i in rows]))
    assert table["theme"].tolist() == expected


@pytest.mark.parametrize("name", SUPERVISED)
def test_the_same_seed_gives_the_same_model(dev, name):
    units, tokens, corpus, labels = dev
    fits = [fit(name, corpus, labels, random_state=3) for _ in range(3)]
    for other in fits[1:]:
        assert np.array_equal(other.result_.topic_word, fits[0].result_.topic_word)
        assert np.array_equal(other.result_.doc_topic, fits[0].result_.doc_topic)
        assert np.array_equal(other.transform(tokens), fits[0].transform(tokens))


def test_the_seed_of_supervised_only_draws_the_folds(dev):
    units, tokens, corpus, labels = dev
    a, b = fit("supervised", corpus, labels, random_state=1), fit("supervised", corpus, labels, random_state=2)
    assert np.array_equal(a.result_.topic_word, b.result_.topic_word)
    assert np.allclose(a.transform(tokens), b.transform(tokens))
    assert not np.allclose(a.result_.doc_topic, b.result_.doc_topic)


def test_seeded_supervised_adds_the_seeded_topic_shares_to_the_words(dev):
    units, tokens, corpus, labels = dev
    hybrid = fit("seeded-supervised", corpus, labels)
    seeded_k = hybrid.seeded_.result_.k
    assert set(hybrid.seeded_.result_.seed_themes) == set(LABELS)  # a topic per theme, facet and other
    assert hybrid.classifier_.coef_.shape[1] == hybrid.n_words_ + seeded_k
    # with no weight on them the seeded shares add nothing: the model is the supervised one
    unweighted = fit("seeded-supervised", corpus, labels, seeded_weight=0.0)
    assert np.allclose(unweighted.transform(tokens), fit("supervised", corpus, labels).transform(tokens), atol=1e-6)
    assert not np.allclose(hybrid.transform(tokens), unweighted.transform(tokens))


# ---- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SUPERVISED)
@pytest.mark.parametrize(
    "make_labels, message",
    [
        (lambda labels: None, r"needs labelled units to train on and got none; set \[evaluation\] labels to a GOLD.tsv"),
        (lambda labels: [""] * len(labels), r"needs labelled units to train on and got none; .*\(evaluation.labels\)"),
        (lambda labels: labels[:-1], r"\d+ labels for \d+ units; give one label per corpus row"),
        (lambda labels: ["ecology" if label else "" for label in labels], r"all \d+ labelled units are 'ecology'; "
                                                                          r"a classifier needs units of at least two labels"),
        (lambda labels: ["ecology", "industry"] + [""] * (len(labels) - 2), r"2 labelled units, no label given twice"),
        (lambda labels: ["economy"] + labels[1:], r"unknown label\(s\) economy; labels are ecology, industry"),
    ],
    ids=["none", "all-empty", "too-few", "one-label", "none-twice", "unknown"],
)
def test_bad_labels_are_one_line_errors(dev, name, make_labels, message):
    units, tokens, corpus, labels = dev
    with pytest.raises(InputError, match=f"^{name}: {message}") as caught:
        fit(name, corpus, make_labels(list(labels)))
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("params, message", [
    ({"C": 0}, r"parameter C must be a number > 0, got 0"),
    ({"class_weight": "auto"}, r"parameter class_weight must be one of 'balanced', unset \(None\), got 'auto'"),
    ({"cv_folds": 1}, r"parameter cv_folds must be an integer >= 2, got 1"),
])
def test_bad_parameters_say_what_is_allowed(dev, params, message):
    units, tokens, corpus, labels = dev
    with pytest.raises(InputError, match=message):
        fit("supervised", corpus, labels, **params)


def test_a_label_without_units_is_named_and_gets_none(dev):
    units, tokens, corpus, labels = dev
    without_other = [label if label != OTHER else "" for label in labels]
    with pytest.warns(UserWarning, match="supervised: no labelled unit of other; no unit is assigned to it"):
        model = make_model("supervised").fit(corpus, Lexicon.load(), labels=without_other)
    apply_mapping(model.result_, model.lexicon_)
    assert OTHER not in themes_of(model, units, model.transform(tokens))
