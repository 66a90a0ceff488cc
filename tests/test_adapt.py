"""The shipped classifier's weights moved toward newly coded units (topics.models.adapt): the optimum of the
penalised likelihood centred on the shipped weights, on the units of the bundled sample read as the shipped
model reads them."""

from __future__ import annotations

import numpy as np
import pytest

from model_helpers import sample_units_and_tokens, seed_theme_rows
from topics.models import load_pretrained
from topics.models.adapt import adapted
from topics.vectorize import count_matrix

SWAPPED = {"industry": "livelihood", "livelihood": "industry"}


@pytest.fixture(scope="module")
def coded():
    """The shipped model, and the features and codes of the sample's ten theme units."""
    model = load_pretrained()
    units, tokens = sample_units_and_tokens()
    rows = seed_theme_rows(units)
    counts = count_matrix([tokens[i] for i in rows], model.own_words_)
    features = model.classifier_._features(counts)
    return model.classifier_, features, np.array(list(rows.values()), dtype=object)


def adapt(classifier, features, labels, C=10.0):
    return adapted(classifier.classifier_, features, labels, C=C, class_weight="balanced", max_iter=1000)


def test_without_coded_units_the_weights_stay(coded):
    classifier, features, labels = coded
    moved = adapt(classifier, features[:0], labels[:0])
    assert np.array_equal(moved.coef_, classifier.classifier_.coef_)
    assert np.array_equal(moved.intercept_, classifier.classifier_.intercept_)


def test_the_weights_are_the_optimum_of_the_prior_centred_objective(coded):
    """At the optimum the move from the shipped weights balances the coded units' residuals:
    θ − θ₀ = −C Σ sᵢ (pᵢ − yᵢ) xᵢ (x with a 1 for the intercept), sᵢ the balanced class weights."""
    classifier, features, labels = coded
    codes = np.array([SWAPPED.get(label, label) for label in labels], dtype=object)
    moved = adapt(classifier, features, codes)
    classes = list(moved.classes_)
    truth = np.zeros((len(codes), len(classes)))
    truth[np.arange(len(codes)), [classes.index(c) for c in codes]] = 1.0
    present, counts = np.unique(codes, return_counts=True)
    weight = np.array([len(codes) / (len(present) * dict(zip(present, counts))[c]) for c in codes])
    residual = 10.0 * weight[:, None] * (moved.predict_proba(features) - truth)
    assert np.allclose(moved.coef_ - classifier.classifier_.coef_, -(features.T @ residual).T, atol=2e-4)
    assert np.allclose(moved.intercept_ - classifier.classifier_.intercept_, -residual.sum(axis=0), atol=2e-4)
    assert np.abs(moved.coef_ - classifier.classifier_.coef_).max() > 0.05  # it did move


def test_the_codes_move_the_labels_and_C_says_how_far(coded):
    """Units coded against the shipped model's practice are assigned as coded once it is adapted; a small C
    (a strong prior) keeps more of the shipped labels. The same codes give the same weights."""
    classifier, features, labels = coded
    codes = np.array([SWAPPED.get(label, label) for label in labels], dtype=object)
    shipped = classifier.classifier_.predict(features)
    assert (shipped == codes).mean() < 0.6
    moved = adapt(classifier, features, codes)
    assert (moved.predict(features) == codes).all()
    weak = adapt(classifier, features, codes, C=0.01)
    assert (weak.predict(features) == codes).mean() < (moved.predict(features) == codes).mean()
    assert np.array_equal(adapt(classifier, features, codes).coef_, moved.coef_)
