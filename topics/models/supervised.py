"""Supervised models trained on hand-coded units: ``supervised`` (TF-IDF of a unit's words and a
logistic regression) and ``seeded-supervised`` (the same, with seeded LDA's topic shares of the unit
as further features).

They make one topic per lexicon theme and one for ``other`` — the labels a unit can have — so they
return the shared result like every model: a unit's topic shares are the classifier's class
probabilities, and a topic's words are the words whose coefficients raise that class (positive
coefficients, normalised). Units labelled "" are not trained on; a label outside the themes and
``other`` is an InputError; a label with fewer than ``MIN_UNITS_PER_LABEL`` training units is named in a
warning (its theme rests on too few examples). Coded units outside the corpus's rows (``ExtraUnits``:
held-out units, units of other corpora) are trained on as well.

The shares of the labelled training units are **cross-validated**: each comes from a classifier
that did not see that unit (stratified k-fold, folds drawn with ``random_state``), so scores
against the labels the model was trained on are honest estimates for new units. Unlabelled units
get the classifier trained on every labelled unit, as new text does. The inverse document
frequencies are those of every unit of the corpus, labelled or not (no label is used for them)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from ..labels import OTHER
from ..errors import InputError
from ..result import TopicResult
from ..rules import boolean, choice, integer, number
from ..vectorize import Corpus
from .base import ExtraUnits, TopicModel, distributions, load_saved
from .lda import SeededLda

STATE_FILE = "supervised.npz"
SEEDED_FOLDER = "seeded-lda"
MIN_UNITS_PER_LABEL = 20  # fewer training units than this for a label: its theme is warned about


class Supervised(TopicModel):
    """Logistic regression on the TF-IDF of a unit's words, trained on the units that have a label.

    C: inverse regularisation strength; class_weight: 'balanced' weighs each label by the inverse
    of its frequency (rare labels count as much as common ones), None weighs every unit alike;
    sublinear_tf: term counts as 1 + log(count); char_ngrams: 0 for words alone, n to add the TF-IDF of the
    character sequences of 1 to n characters inside each vocabulary word (a word the segmenter cut
    otherwise still shares its characters); temperature: the class probabilities are those of the
    classifier's scores divided by it (below 1 sharper, above 1 flatter; the labels it prefers stay the
    same), for probabilities that say how often a unit is right; cv_folds: folds of the cross-validation that gives
    the training units their shares; max_iter: solver iterations; random_state: the seed of the
    folds. The classifier itself (lbfgs) does not depend on the seed, so one fit stands for every
    seed (only the training units' cross-validated shares would change)."""

    name = "supervised"
    needs_labels = True
    deterministic = True
    seeded = True  # its topics are the themes and 'other' by construction
    param_rules = {
        "C": number(0, low_open=True),
        "class_weight": choice("balanced", None),
        "sublinear_tf": boolean(),
        "char_ngrams": integer(0, 4),
        "temperature": number(0, low_open=True),
        "cv_folds": integer(2),
        "max_iter": integer(1),
        "random_state": integer(0),
    }

    def __init__(self, C=10.0, class_weight="balanced", sublinear_tf=True, char_ngrams=0, temperature=1.0, cv_folds=5,
                 max_iter=1000, random_state=0):
        self.C = C
        self.class_weight = class_weight
        self.sublinear_tf = sublinear_tf
        self.char_ngrams = char_ngrams
        self.temperature = temperature
        self.cv_folds = cv_folds
        self.max_iter = max_iter
        self.random_state = random_state

    @classmethod
    def topic_count(cls, lexicon) -> int:
        return len(lexicon.themes) + 1

    # ---- fitting --------------------------------------------------------------------------------

    def _fit(self, corpus: Corpus, themes: dict[str, list[str]], labels: list[str],
             extra: ExtraUnits | None = None) -> TopicResult:
        topics = [*themes, OTHER]
        extra_labels = list(extra.labels) if extra is not None else []
        rows, y = training_units(self.name, labels, topics, extra_labels)
        self.n_words_ = corpus.seen
        self.idf_ = _idf(corpus.matrix[:, :corpus.seen])
        self._fit_features(corpus)
        features = self._features(corpus.matrix)
        trained = features[rows]
        if extra_labels:  # coded units outside the corpus's rows: learnt from, not in the result
            trained = sparse.vstack([trained, self._features(extra.counts)], format="csr")
        with self._one_thread():
            self.classifier_ = self._classifier().fit(trained, y)
            doc_topic = self._shares(self.classifier_, features, topics)
            doc_topic[rows] = self._cross_validated(trained, y, topics)[:len(rows)]
        coef = self.classifier_.coef_
        if coef.shape[0] == 1:  # two labels: scikit-learn keeps one row, for the second class
            coef = np.vstack([-coef, coef])
        topic_word = np.zeros((len(topics), len(corpus.vocab)))
        for row, label in zip(coef, self.classifier_.classes_):
            topic_word[topics.index(label), :self.n_words_] = np.clip(row[:self.n_words_], 0.0, None)
        return self._result(corpus, topic_word, doc_topic, topics)

    @staticmethod
    def _one_thread():
        """The classifiers are small: with BLAS threads of their own they are many times slower on a
        busy machine (and sum in a different order)."""
        return threadpool_limits(limits=1)

    def _classifier(self) -> LogisticRegression:
        return LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=self.max_iter,
                                  random_state=self.random_state)

    def _cross_validated(self, features: sparse.csr_matrix, y: np.ndarray, topics: list[str],
                         fit: Callable[[sparse.csr_matrix, np.ndarray], LogisticRegression] | None = None
                         ) -> np.ndarray:
        """Each labelled unit's shares from a classifier fitted on the other folds (by ``fit``: this model's
        classifier fitted afresh, unless given)."""
        fit = fit or (lambda rows, labels: self._classifier().fit(rows, labels))
        n_splits = min(self.cv_folds, int(np.unique(y, return_counts=True)[1].max()))
        folds = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=self.random_state)
        shares = np.zeros((len(y), len(topics)))
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="The least populated class")  # rare labels: fewer folds hold them
            splits = list(folds.split(np.zeros(len(y)), y))
        for train, test in splits:
            if len(np.unique(y[train])) < 2:  # a fold whose other folds hold one label only predicts it
                shares[np.ix_(test, [topics.index(y[train][0])])] = 1.0
                continue
            shares[test] = self._shares(fit(features[train], y[train]), features[test], topics)
        return shares

    def _shares(self, classifier: LogisticRegression, features: sparse.csr_matrix, topics: list[str]) -> np.ndarray:
        """Class probabilities as N × topics (0 for labels the classifier never saw), at the model's temperature."""
        shares = np.zeros((features.shape[0], len(topics)))
        shares[:, [topics.index(label) for label in classifier.classes_]] = tempered(
            classifier.predict_proba(features), self.temperature)
        return shares

    # ---- features ---------------------------------------------------------------------------------

    def _fit_features(self, corpus: Corpus) -> None:
        """Fit what the features need beyond the words' idf: the idf of the words' character sequences."""
        if self.char_ngrams:
            self.gram_map_ = char_ngram_map(corpus.vocab[:self.n_words_], self.char_ngrams)
            self.gram_idf_ = _idf(corpus.matrix[:, :self.n_words_] @ self.gram_map_)

    def _features(self, counts: sparse.csr_matrix) -> sparse.csr_matrix:
        """L2-normalised TF-IDF of the corpus's own words (lexicon words it never used carry no weight), and
        with ``char_ngrams`` that of their character sequences beside it."""
        words = sparse.csr_matrix(counts[:, :self.n_words_], dtype=float, copy=True)
        parts = [self._tfidf(words, self.idf_)]
        if self.char_ngrams:
            parts.append(self._tfidf(words @ self.gram_map_, self.gram_idf_))
        return parts[0] if len(parts) == 1 else sparse.hstack(parts, format="csr")

    def _tfidf(self, counts: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
        counts = sparse.csr_matrix(counts, dtype=float, copy=True)
        if self.sublinear_tf:
            counts.data = 1.0 + np.log(counts.data)
        return normalize(counts @ sparse.diags(idf), norm="l2")

    def _transform(self, counts: sparse.csr_matrix) -> np.ndarray:
        topics = [*self.themes_, OTHER]
        if counts.shape[0] == 0:
            return np.zeros((0, len(topics)))
        return distributions(self._shares(self.classifier_, self._features(counts), topics))

    # ---- saving -----------------------------------------------------------------------------------

    def state(self) -> dict[str, np.ndarray]:
        """What the fitted classifier needs to read new text, besides its vocabulary and parameters."""
        arrays = {"idf": self.idf_, "coef": self.classifier_.coef_, "intercept": self.classifier_.intercept_,
                  "classes": np.array(self.classifier_.classes_, dtype=str)}
        if self.char_ngrams:
            arrays["gram_idf"] = self.gram_idf_
        return arrays

    def set_state(self, state, vocab: list[str], where: str) -> None:
        """The fitted classifier from ``state()``'s arrays; its words are the first of ``vocab``."""
        self.idf_ = np.asarray(state["idf"], dtype=float)
        self.n_words_ = len(self.idf_)
        self.classifier_ = self._classifier()
        self.classifier_.coef_ = np.asarray(state["coef"], dtype=float)
        self.classifier_.intercept_ = np.asarray(state["intercept"], dtype=float)
        self.classifier_.classes_ = np.asarray(state["classes"]).astype(object)
        if self.char_ngrams:
            self.gram_map_ = char_ngram_map(vocab[:self.n_words_], self.char_ngrams)
            self.gram_idf_ = np.asarray(state["gram_idf"], dtype=float)
            if self.gram_map_.shape[1] != len(self.gram_idf_):
                raise InputError(f"{where}: {len(self.gram_idf_)} character sequences saved, the vocabulary has "
                                 f"{self.gram_map_.shape[1]}; the model is damaged")

    def _save_state(self, folder: Path) -> None:
        np.savez_compressed(folder / STATE_FILE, **self.state())

    def _load_state(self, folder: Path) -> None:
        path = folder / STATE_FILE
        if not path.is_file():
            raise InputError(f"{folder}: saved model is missing {STATE_FILE}")
        with np.load(path) as state:
            self.set_state(state, self.vocab_, str(path))


class SeededSupervised(Supervised):
    """``supervised`` with seeded LDA's topic shares of each unit appended to its words.

    A seeded LDA (its defaults, one topic per theme, facet and 'other'; ``seed_boost``, ``passes``,
    ``iterations`` and ``random_state`` as given) is fitted on the same corpus and lexicon — on every
    unit, labelled or not, without their labels — and saved with the model; a unit's features are
    its TF-IDF and ``seeded_weight`` × its topic shares. The seeded topics depend on the seed, so each
    seed is a fit of its own."""

    name = "seeded-supervised"
    deterministic = False
    reads_unseen_words = True  # the seeded LDA reads lexicon words the corpus never uses
    param_rules = {**Supervised.param_rules, "seeded_weight": number(0), "seed_boost": number(0),
                   "passes": integer(1), "iterations": integer(1)}

    def __init__(self, C=10.0, class_weight="balanced", sublinear_tf=True, char_ngrams=0, temperature=1.0, cv_folds=5,
                 max_iter=1000, random_state=0, seeded_weight=1.0, seed_boost=0.1, passes=5, iterations=30):
        super().__init__(C=C, class_weight=class_weight, sublinear_tf=sublinear_tf, char_ngrams=char_ngrams,
                         temperature=temperature, cv_folds=cv_folds, max_iter=max_iter, random_state=random_state)
        self.seeded_weight = seeded_weight
        self.seed_boost = seed_boost
        self.passes = passes
        self.iterations = iterations

    def _fit_features(self, corpus: Corpus) -> None:
        super()._fit_features(corpus)
        k = SeededLda.smallest_k(self.lexicon_, {})
        self.seeded_ = SeededLda(k=k, seed_boost=self.seed_boost, passes=self.passes, iterations=self.iterations,
                                 random_state=self.random_state).fit(corpus, self.lexicon_)

    def _features(self, counts: sparse.csr_matrix) -> sparse.csr_matrix:
        shares = self.seeded_._transform(counts)
        return sparse.hstack([super()._features(counts), self.seeded_weight * sparse.csr_matrix(shares)], format="csr")

    def _save_state(self, folder: Path) -> None:
        super()._save_state(folder)
        self.seeded_.save(folder / SEEDED_FOLDER, tokenizer_settings=self.tokenizer_settings_)

    def _load_state(self, folder: Path) -> None:
        super()._load_state(folder)
        if not (folder / SEEDED_FOLDER).is_dir():
            raise InputError(f"{folder}: saved model is missing {SEEDED_FOLDER}/")
        self.seeded_ = load_saved(folder / SEEDED_FOLDER, {SeededLda.name: SeededLda})


def training_units(model: str, labels: list[str], topics: list[str], extra_labels: list[str] = (), *,
                   prior: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The corpus rows that carry a label, and the labels a model named ``model`` trains on: theirs, then
    ``extra_labels``. Unknown labels, or too few labels to learn from, are errors; thin labels are warned about
    (``prior``: the model moves weights it already has, so a thin label keeps them rather than going unlearnt)."""
    rows = np.array([i for i, label in enumerate(labels) if label], dtype=int)
    y = np.array([labels[i] for i in rows] + list(extra_labels))
    unknown = sorted(set(y) - set(topics))
    if unknown:
        raise InputError(f"{model}: unknown label(s) {', '.join(unknown)}; labels are {', '.join(topics)}")
    present, counts = np.unique(y, return_counts=True)
    if len(present) < 2:
        raise InputError(f"{model}: all {len(y)} labelled units are {str(present[0])!r}; a classifier needs units "
                         f"of at least two labels")
    if counts.max() < 2:
        raise InputError(f"{model}: {len(y)} labelled units, no label given twice; code more units")
    count = dict(zip(present, counts))
    if prior:
        thin = [f"{topic} ({count.get(topic, 0)})" for topic in topics if count.get(topic, 0) < MIN_UNITS_PER_LABEL]
        if thin:
            warnings.warn(f"{model}: few coded units of {', '.join(thin)} (under {MIN_UNITS_PER_LABEL} each): its "
                          "weights for these themes stay close to the shipped model's", stacklevel=5)
        return rows, y
    missing = [topic for topic in topics if topic not in present]
    if missing:
        warnings.warn(f"{model}: no labelled unit of {', '.join(missing)}; no unit is assigned to it",
                      stacklevel=5)
    thin = [f"{topic} ({count[topic]})" for topic in topics if 0 < count.get(topic, 0) < MIN_UNITS_PER_LABEL]
    if thin:
        warnings.warn(f"{model}: few coded units to learn from for {', '.join(thin)} (under "
                      f"{MIN_UNITS_PER_LABEL} each), so its shares of these themes are unreliable; code more units "
                      "of them, or learn from coded units of other corpora too ([evaluation] training)", stacklevel=5)
    return rows, y


def tempered(probabilities: np.ndarray, temperature: float) -> np.ndarray:
    """Class probabilities at another temperature: the softmax of the log-probabilities divided by it."""
    if temperature == 1.0 or not len(probabilities):
        return probabilities
    logits = np.log(np.clip(probabilities, 1e-300, None)) / temperature
    weights = np.exp(logits - logits.max(axis=1, keepdims=True))
    return weights / weights.sum(axis=1, keepdims=True)


def _idf(counts: sparse.csr_matrix) -> np.ndarray:
    """scikit-learn's smoothed inverse document frequency of each column, over the rows of ``counts``."""
    df = np.bincount(sparse.csr_matrix(counts).nonzero()[1], minlength=counts.shape[1])
    return np.log((1.0 + counts.shape[0]) / (1.0 + df)) + 1.0


def char_ngram_map(words: list[str], n: int) -> sparse.csr_matrix:
    """words × character sequences: how often each sequence of 1 to ``n`` characters occurs in each word,
    the sequences in sorted order (so the same words always give the same columns)."""
    per_word = [[word[i:i + size] for size in range(1, n + 1) for i in range(len(word) - size + 1)] for word in words]
    grams = sorted({gram for found in per_word for gram in found})
    column = {gram: j for j, gram in enumerate(grams)}
    rows = [i for i, found in enumerate(per_word) for _ in found]
    cols = [column[gram] for found in per_word for gram in found]
    return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(words), len(grams)))
