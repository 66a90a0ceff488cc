"""Non-negative matrix factorisation of TF-IDF (``nmf``) and its seeded variant (``seeded-nmf``),
with scikit-learn's NMF.

NMF weights are not probabilities; for the shared result a unit's weight on topic t is
W[d, t] times the total weight of topic t's row of H (the amount of the unit's reconstructed
TF-IDF that topic t supplies), and rows are then normalised."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.decomposition import NMF, non_negative_factorization
from sklearn.exceptions import ConvergenceWarning

from ..errors import InputError
from ..result import TopicResult
from ..vectorize import Corpus
from ..rules import boolean, choice, integer, number
from .base import SeededTopics, TopicModel, distributions, seed_word_ids, seeded_topic_words

STATE_FILE = "nmf.npz"


class Nmf(TopicModel):
    """NMF of the units' TF-IDF matrix.

    k: number of topics; init: 'nndsvda', 'nndsvd', 'nndsvdar' or 'random'; solver: 'cd' or
    'mu'; beta_loss: 'frobenius' or 'kullback-leibler' (the latter needs solver 'mu');
    max_iter, tol: stopping; alpha_W, alpha_H, l1_ratio: regularisation (scikit-learn's
    meaning); sublinear_tf: use 1 + log(count) instead of counts; random_state: the seed.
    """

    name = "nmf"
    param_rules = {
        "k": integer(1),
        "init": choice("nndsvda", "nndsvd", "nndsvdar", "random"),
        "solver": choice("cd", "mu"),
        "beta_loss": choice("frobenius", "kullback-leibler"),
        "max_iter": integer(1),
        "tol": number(0, low_open=True),
        "alpha_W": number(0),
        "alpha_H": choice("same", also=number(0)),
        "l1_ratio": number(0, 1),
        "sublinear_tf": boolean(),
        "random_state": integer(0),
    }

    def __init__(self, k=10, init="nndsvda", solver="cd", beta_loss="frobenius", max_iter=400, tol=1e-4, alpha_W=0.0,
                 alpha_H="same", l1_ratio=0.0, sublinear_tf=False, random_state=0):
        self.k = k
        self.init = init
        self.solver = solver
        self.beta_loss = beta_loss
        self.max_iter = max_iter
        self.tol = tol
        self.alpha_W = alpha_W
        self.alpha_H = alpha_H
        self.l1_ratio = l1_ratio
        self.sublinear_tf = sublinear_tf
        self.random_state = random_state

    def _check_params(self) -> None:
        super()._check_params()
        if self.beta_loss == "kullback-leibler" and self.solver != "mu":
            raise InputError(f"{self.name}: beta_loss='kullback-leibler' needs solver='mu', got solver={self.solver!r}")

    def _fit(self, corpus: Corpus, themes: dict[str, list[str]]) -> TopicResult:
        self.idf_ = inverse_document_frequency(corpus.matrix)
        tfidf = self._tfidf(corpus.matrix)
        W, H = self._factorise(tfidf, corpus, themes)
        self.components_ = H
        return self._result(corpus, H, self._doc_topic(W), self._seed_themes())

    def _factorise(self, tfidf: sparse.csr_matrix, corpus: Corpus, themes: dict[str, list[str]]):
        model = NMF(n_components=self.k, **self._nmf_options(), init=self.init)
        W = model.fit_transform(tfidf)
        return W, model.components_

    def _seed_themes(self) -> list[str] | None:
        return None  # no topic stands for a theme by construction

    def _nmf_options(self) -> dict:
        return dict(solver=self.solver, beta_loss=self.beta_loss, max_iter=self.max_iter, tol=self.tol,
                    alpha_W=self.alpha_W, alpha_H=self.alpha_H, l1_ratio=self.l1_ratio, random_state=self.random_state)

    def _tfidf(self, counts: sparse.csr_matrix) -> sparse.csr_matrix:
        return tfidf_matrix(counts, self.idf_, sublinear=self.sublinear_tf)

    def _doc_topic(self, W: np.ndarray) -> np.ndarray:
        return W * self.components_.sum(axis=1)[np.newaxis, :]

    def _transform(self, counts: sparse.csr_matrix) -> np.ndarray:
        W = np.zeros((counts.shape[0], self.k))
        rows = np.flatnonzero(np.asarray(counts.sum(axis=1)).ravel() > 0)  # no known word: nothing to solve
        if len(rows):
            with warnings.catch_warnings():
                # W for a fixed H is a small convex problem; max_iter is plenty to rank the topics
                warnings.simplefilter("ignore", ConvergenceWarning)
                W[rows], _, _ = non_negative_factorization(
                    self._tfidf(counts[rows]), H=self.components_, n_components=self.k, update_H=False,
                    **self._nmf_options(),
                )
        return distributions(self._doc_topic(W))

    def _save_state(self, folder: Path) -> None:
        np.savez_compressed(folder / STATE_FILE, components=self.components_, idf=self.idf_)

    def _load_state(self, folder: Path) -> None:
        path = folder / STATE_FILE
        if not path.is_file():
            raise InputError(f"{folder}: saved model is missing {STATE_FILE}")
        with np.load(path) as state:
            self.components_, self.idf_ = state["components"], state["idf"]


class SeededNmf(SeededTopics, Nmf):
    """NMF guided by the themes: topic i (for the i-th theme) stands for that theme (a theme
    with facets gets one topic more per facet, as in seeded-lda); with ``other_topic`` (the
    default) the next topic is seeded the same way with the lexicon's words of passages about no
    theme and stands for 'other'. Topics after these are free and are mapped by lift (or 'other').

    Each theme's topic starts with its seed words (``SEED_START`` times the average entry) and
    none of the other themes' seed words. During fitting it is held near the theme by one
    guiding pseudo-unit added to the matrix: the TF-IDF profile of the units that use the
    theme's seed words, each weighted by the TF-IDF its seed words carry (other themes' seed
    words removed), loading only on the theme's topic.
    It weighs as much as ``seed_weight`` × (number of units) real units — the NMF counterpart
    of seeded LDA's topic-word prior. With solver 'mu' (the default here) a loading or weight
    that starts at zero stays zero, so the pseudo-units stay on their topics and a theme
    topic never takes up another theme's seed words. The pseudo-units are not in the result.

    Parameters as for ``nmf`` (without init), plus seed_weight: the weight of each theme's
    guiding pseudo-unit as a fraction of the number of units (0 leaves only the seeded start);
    other_topic: seed a topic for 'other' (needs k >= themes + facets + 1).
    Trained on the 2024 city reports with the bundled sample, the seeded start alone (0) put
    5–7 of the sample's ten theme units under their themes; seed_weight 0.01 put 9–10 there,
    0.05 (the default) to 0.3 all ten.
    """

    name = "seeded-nmf"
    param_rules = {**{k: v for k, v in Nmf.param_rules.items() if k != "init"}, "seed_weight": number(0),
                   "other_topic": boolean()}
    SEED_START = 10.0

    def __init__(self, k=7, seed_weight=0.05, other_topic=True, solver="mu", beta_loss="frobenius", max_iter=400,
                 tol=1e-4, alpha_W=0.0, alpha_H="same", l1_ratio=0.0, sublinear_tf=False,
                 random_state=0):
        # init is not a parameter here: the start is always the seeded one (scikit-learn's "custom")
        super().__init__(k=k, init="custom", solver=solver, beta_loss=beta_loss, max_iter=max_iter, tol=tol,
                         alpha_W=alpha_W, alpha_H=alpha_H, l1_ratio=l1_ratio, sublinear_tf=sublinear_tf,
                         random_state=random_state)
        self.seed_weight = seed_weight
        self.other_topic = other_topic

    def _factorise(self, tfidf: sparse.csr_matrix, corpus: Corpus, themes: dict[str, list[str]]):
        seeds, self.seed_themes_ = seeded_topic_words(self.name, themes, self.facets_, self.other_words_,
                                                      self.other_topic, self.k, corpus)
        self.seed_ids_ = seed_word_ids(self.name, seeds, corpus, self.lexicon_)
        W0, H0 = self._initial_factors(tfidf)
        guides, guide_loadings = self._guiding_units(tfidf, H0)
        model = NMF(n_components=self.k, init=self.init, **self._nmf_options())
        W = model.fit_transform(sparse.vstack([tfidf, guides]).tocsr(), W=np.vstack([W0, guide_loadings]), H=H0)
        return W[: tfidf.shape[0]], model.components_

    def _initial_factors(self, tfidf: sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.RandomState(self.random_state)
        scale = np.sqrt(tfidf.mean() / self.k)
        H0 = np.abs(rng.standard_normal((self.k, tfidf.shape[1]))) * scale
        every_seed = sorted({i for ids in self.seed_ids_.values() for i in ids})
        for topic, ids in enumerate(self.seed_ids_.values()):
            H0[topic, every_seed] = 0.0
            H0[topic, ids] = scale * self.SEED_START
        # units start on the topics whose words they use; one least-squares scale fits the sizes
        W0 = np.asarray(tfidf @ H0.T)
        # fit = <X, W0 H0> / ||W0 H0||², without forming the dense units × terms product:
        # <X, W0 H0> = <X H0ᵀ, W0> = ||W0||² and ||W0 H0||² = <W0ᵀW0, H0 H0ᵀ>
        numerator = float(np.sum(W0 * W0))
        denominator = float(np.sum((W0.T @ W0) * (H0 @ H0.T)))
        fit = numerator / max(denominator, 1e-300)
        return np.maximum(W0 * fit, 1e-10), H0

    def _guiding_units(self, tfidf: sparse.csr_matrix, H0: np.ndarray) -> tuple[sparse.csr_matrix, np.ndarray]:
        n_units, n_terms = tfidf.shape
        weight = np.sqrt(self.seed_weight * n_units)  # squared norm = seed_weight × n_units unit rows
        every_seed = sorted({i for ids in self.seed_ids_.values() for i in ids})
        rows, loadings = [], np.zeros((len(self.seed_ids_), self.k))
        for topic, ids in enumerate(self.seed_ids_.values()):
            # units weighted by the TF-IDF their seed words carry: units about the theme count most
            seed_mass = np.asarray(tfidf[:, ids].sum(axis=1)).ravel()
            profile = np.asarray(tfidf.T @ seed_mass).ravel()
            profile[sorted(set(every_seed) - set(ids))] = 0.0
            norm = np.linalg.norm(profile)
            rows.append(profile * (weight / norm) if norm > 0 else profile)
            loadings[topic, topic] = weight / max(np.linalg.norm(H0[topic]), 1e-300)
        return sparse.csr_matrix(np.vstack(rows)), loadings

    def _seed_themes(self) -> list[str]:
        return list(self.seed_themes_)


def inverse_document_frequency(counts: sparse.csr_matrix) -> np.ndarray:
    """scikit-learn's smoothed idf: ln((1 + n) / (1 + df)) + 1."""
    n_units = counts.shape[0]
    df = np.bincount(sparse.csr_matrix(counts).indices, minlength=counts.shape[1])
    return np.log((1.0 + n_units) / (1.0 + df)) + 1.0


def tfidf_matrix(counts: sparse.csr_matrix, idf: np.ndarray, *, sublinear: bool = False) -> sparse.csr_matrix:
    """TF-IDF rows with unit (l2) length, as scikit-learn's TfidfTransformer makes them."""
    # one copy of the counts, weighted and scaled in place: a matrix operation per step made a copy each (the
    # largest temporaries of a fit); the products are the same, so every value is the same to the bit (each
    # row's columns now come in ascending order, as the counts' do, so a sum over a row may add in another order)
    tf = sparse.csr_matrix(counts, dtype=np.float64, copy=True)
    if sublinear:
        tf.data = 1.0 + np.log(tf.data)
    tf.data *= idf[tf.indices]
    squares = sparse.csr_matrix((tf.data * tf.data, tf.indices, tf.indptr), shape=tf.shape)
    norms = np.sqrt(np.asarray(squares.sum(axis=1)).ravel())
    del squares
    norms[norms == 0] = 1.0
    tf.data *= np.repeat(1.0 / norms, np.diff(tf.indptr))
    return tf
