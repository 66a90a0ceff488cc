"""How do published seeded topic models do on the hand-coded units, next to the package's?

Peers (install with ``pip install -e .[peers]``):

  topica-keyatm     topica's KeyATM (keyATM Base, Eshima, Imai & Sasaki 2024), collapsed Gibbs
  topica-seededlda  topica's SeededLDA (the seededlda package's scheme: prior = frequency × weight × 100)
  tomotopy-lda      tomotopy's LDAModel (collapsed Gibbs) with word priors set as the package's seeded
                    LDA sets its eta: 1/k everywhere, plus seed_boost pseudo-counts per 1000 corpus
                    tokens (at least one) on each seed word in its own topic
  variants: tomotopy-lda-exclusive (a seed word's prior in the other topics 1e-6, not 1/k) and
            topica-seededlda-uniform (topica's "uniform" prior with the package's pseudo-counts)

Every peer is fitted on exactly what handcoded_check.py fits the package's models on — the same
training units (the 122 city reports of 2024 + the bundled sample), the same tokens and vocabulary
(no_below 5, no_above 0.3, lexicon words kept) — and with the same seeded topics, in the package's
order: one per theme for its words outside its facets, one per facet, one for the lexicon's
``[other]`` words (topics.models.base.seeded_topic_words). No free topics: topic i stands for its
seed's theme, as the package maps seeded topics (topics.mapping). The hand-coded units of dev, a and
b are assigned afresh through each peer's own inference for new documents (topica: ``transform``;
tomotopy: ``infer``) and scored by six-label macro-F1 as in handcoded_check.py; units with no word of
the vocabulary are ``other``. The package's seeded-lda and dictionary are fitted alongside.

Each peer is wrapped as a TopicModel of the package (fit → shared result → theme mapping → assignments),
so everything after the fit is the package's own code.

Usage: python experiments/peers.py [--seeds 1 2 3] [--models ...] [--keyatm-iters N]
           [--seededlda-iters N] [--tomotopy-iters N] [-o rows.csv]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score

import handcoded_check as hc
from topics import OTHER
from topics.assignment import assignments
from topics.lexicon import Lexicon
from topics.mapping import apply_mapping
from topics.models import make_model
from topics.models.base import SeededTopics, TopicModel, distributions, seed_word_ids, seeded_topic_words
from topics.rules import boolean, choice, integer, number
from topics.tokenize import Tokenizer, TokenizerSettings
from topics.vectorize import csr_to_bow

PACKAGE_MODELS = ("seeded-lda", "dictionary")
# Sweeps used by default here, below the libraries' own defaults (KeyATM 1500, SeededLDA 2000) to keep
# the run near ten minutes on two shared cores; --keyatm-iters 1500 --seededlda-iters 2000 gives theirs.
DEFAULT_ITERS = {"topica-keyatm": 500, "topica-seededlda": 500, "tomotopy-lda": 1000}


class PeerModel(SeededTopics, TopicModel):
    """A peer library's seeded model behind the package's model interface. Subclasses implement
    ``_fit_peer(docs, corpus) -> (K×V topic_word, N×K doc_topic)`` and ``_infer(docs) -> N×K``;
    docs are token lists over the corpus's vocabulary (a bag of words written out)."""

    library = ""

    def _fit(self, corpus, themes):
        seeds, self.seed_themes_ = seeded_topic_words(self.name, themes, self.facets_, self.other_words_, True,
                                                      sys.maxsize, corpus)
        self.seed_ids_ = seed_word_ids(self.name, seeds, corpus)
        self.seed_words_ = {name: [corpus.vocab[i] for i in ids] for name, ids in self.seed_ids_.items()}
        topic_word, doc_topic = self._fit_peer(bow_tokens(corpus.bow, corpus.vocab), corpus)
        return self._result(corpus, topic_word, doc_topic, self.seed_themes_)

    def _transform(self, counts):
        docs = bow_tokens(csr_to_bow(counts), self.vocab_)
        k = len(self.seed_themes_)
        shares = np.full((len(docs), k), 1.0 / k)  # no known word: assigned `other` by assignments()
        rows = [i for i, doc in enumerate(docs) if doc]
        if rows:
            shares[rows] = self._infer([docs[i] for i in rows])
        return distributions(shares)

    def _fit_peer(self, docs, corpus):
        raise NotImplementedError

    def _infer(self, docs):
        raise NotImplementedError


class TopicaKeyAtm(PeerModel):
    """topica.KeyATM with the lexicon's seed words as keywords, one keyword topic per seeded topic,
    no regular topics; the library's defaults otherwise (estimated asymmetric alpha, beta 0.01,
    beta_keyword 0.1, information-theory token weights)."""

    name = "topica-keyatm"
    library = "topica"
    param_rules = {"iters": integer(1), "infer_iters": integer(1), "random_state": integer(0)}

    def __init__(self, iters=1500, infer_iters=100, random_state=0):
        self.iters = iters
        self.infer_iters = infer_iters
        self.random_state = random_state

    def _fit_peer(self, docs, corpus):
        import topica

        data = topica.Corpus.from_documents(docs, vocabulary=list(corpus.vocab))
        self.model_ = topica.KeyATM(self.seed_words_, num_topics=len(self.seed_words_), seed=self.random_state,
                                    num_threads=1)
        self.model_.fit(data, iters=self.iters, keep_theta_draws=False)
        return topica_outputs(self.model_, corpus, list(self.seed_words_), len(docs))

    def _infer(self, docs):
        return self.model_.transform(docs, iters=self.infer_iters, seed=self.random_state)


class TopicaSeededLda(PeerModel):
    """topica.SeededLDA with one seeded topic per seeded topic, no residual topics; the library's
    defaults otherwise (the seededlda package's: alpha 0.5, beta 0.1, weight 0.01, frequency prior).
    ``seed_boost`` (with seed_prior "uniform"): weight set so that each seed word gets the package's
    seeded-LDA pseudo-counts (seed_boost per 1000 corpus tokens, at least one) instead of weight × 100."""

    name = "topica-seededlda"
    library = "topica"
    param_rules = {"iters": integer(1), "infer_iters": integer(1), "weight": number(0, low_open=True),
                   "seed_prior": choice("frequency", "uniform"), "seed_boost": choice(None, also=number(0, low_open=True)),
                   "random_state": integer(0)}

    def __init__(self, iters=2000, infer_iters=100, weight=0.01, seed_prior="frequency", seed_boost=None,
                 random_state=0):
        self.iters = iters
        self.infer_iters = infer_iters
        self.weight = weight
        self.seed_prior = seed_prior
        self.seed_boost = seed_boost
        self.random_state = random_state

    def _fit_peer(self, docs, corpus):
        import topica

        data = topica.Corpus.from_documents(docs, vocabulary=list(corpus.vocab))
        weight = self.weight
        if self.seed_boost is not None:
            weight = max(self.seed_boost * corpus.term_frequency.sum() / 1000.0, 1.0) / 100.0  # as SeededLda._prior
        self.model_ = topica.SeededLDA(self.seed_words_, residual=0, weight=weight, seed_prior=self.seed_prior,
                                       seed=self.random_state, num_threads=1)
        self.model_.fit(data, iters=self.iters, keep_theta_draws=False)
        return topica_outputs(self.model_, corpus, list(self.seed_words_), len(docs))

    def _infer(self, docs):
        return self.model_.transform(docs, iters=self.infer_iters, seed=self.random_state)


class TomotopyLda(PeerModel):
    """tomotopy.LDAModel (k = the seeded topics, alpha = eta = 1/k) with ``set_word_prior`` giving each
    seed word the package's seeded-LDA prior: eta 1/k in every topic plus ``seed_boost`` pseudo-counts
    per 1000 corpus tokens (at least one) in its own topic. ``exclusive``: the seed word's prior in the
    other topics is 1e-6 instead of 1/k (seed words all but kept out of other topics)."""

    name = "tomotopy-lda"
    library = "tomotopy"
    param_rules = {"iters": integer(1), "infer_iters": integer(1), "seed_boost": number(0, low_open=True),
                   "exclusive": boolean(), "random_state": integer(0)}

    def __init__(self, iters=1000, infer_iters=100, seed_boost=0.1, exclusive=False, random_state=0):
        self.iters = iters
        self.infer_iters = infer_iters
        self.seed_boost = seed_boost
        self.exclusive = exclusive
        self.random_state = random_state

    def _fit_peer(self, docs, corpus):
        import tomotopy

        k = len(self.seed_ids_)
        base = 1.0 / k
        boost = max(self.seed_boost * corpus.term_frequency.sum() / 1000.0, 1.0)  # as SeededLda._prior
        eta = np.full((k, len(corpus.vocab)), base)
        seeded = np.zeros(eta.shape, dtype=bool)
        for topic, ids in enumerate(self.seed_ids_.values()):
            eta[topic, ids] += boost
            seeded[topic, ids] = True
        model = tomotopy.LDAModel(k=k, alpha=base, eta=base, min_cf=0, rm_top=0, seed=self.random_state)
        for doc in docs:
            model.add_doc(doc)
        for word in np.flatnonzero(seeded.any(axis=0)):
            prior = np.where(seeded[:, word], eta[:, word], 1e-6 if self.exclusive else base)
            model.set_word_prior(corpus.vocab[word], prior.tolist())
        model.train(self.iters, workers=1)
        self.model_ = model
        column = {term: j for j, term in enumerate(corpus.vocab)}
        order = [column[term] for term in model.used_vocabs]
        topic_word = np.full((k, len(corpus.vocab)), 0.0)
        topic_word[:, order] = np.array([model.get_topic_word_dist(t) for t in range(k)])
        doc_topic = np.array([doc.get_topic_dist() for doc in model.docs])
        return topic_word, doc_topic

    def _infer(self, docs):
        made = [self.model_.make_doc(doc) for doc in docs]
        shares, _ = self.model_.infer(made, iterations=self.infer_iters, workers=1)
        return np.array(shares, dtype=float)


def topica_outputs(model, corpus, names: list[str], n_docs: int) -> tuple[np.ndarray, np.ndarray]:
    """topic_word and doc_topic of a fitted topica model, checked against the corpus and topic order."""
    if list(model.vocabulary) != list(corpus.vocab):
        raise RuntimeError("topica reordered the vocabulary")
    if list(model.topic_names)[:len(names)] != names:
        raise RuntimeError(f"topica reordered the topics: {model.topic_names}")
    doc_topic = np.asarray(model.doc_topic)
    if doc_topic.shape[0] != n_docs:
        raise RuntimeError(f"topica kept {doc_topic.shape[0]} of {n_docs} documents")
    return np.asarray(model.topic_word), doc_topic


PEERS = {"topica-keyatm": TopicaKeyAtm, "topica-seededlda": TopicaSeededLda, "tomotopy-lda": TomotopyLda}
# variants: (row name, class, extra parameters)
VARIANTS = {"tomotopy-lda-exclusive": (TomotopyLda, {"exclusive": True}),
            "topica-seededlda-uniform": (TopicaSeededLda, {"seed_prior": "uniform", "seed_boost": 0.1})}


def bow_tokens(bow: list, vocab: list[str]) -> list[list[str]]:
    """Token lists (each term repeated by its count) of gensim bag-of-words rows."""
    return [[vocab[term] for term, count in row for _ in range(int(count))] for row in bow]


def library_problem(name: str) -> str | None:
    """Why a model cannot be run here (the import error), or None."""
    library = {cls.name: cls.library for cls in PEERS.values()}.get(name) or getattr(
        VARIANTS.get(name, (None,))[0], "library", None)
    if not library:
        return None
    try:
        __import__(library)
    except Exception as err:  # noqa: BLE001 — any failure to import is reported as is
        return f"{type(err).__name__}: {err}"
    return None


def build(name: str, seed: int, iters: dict[str, int]):
    if name in PACKAGE_MODELS:
        return make_model(name, **({} if name == "dictionary" else {"random_state": seed}))
    cls, extra = (PEERS[name], {}) if name in PEERS else VARIANTS[name]
    return cls(iters=iters[cls.name], random_state=seed, **extra)


def main() -> int:
    args = parse_args()
    if not hc.CORPORA.is_dir():
        print(f"needs the real corpora at {hc.CORPORA}", file=sys.stderr)
        return 2
    warnings.simplefilter("ignore")  # seed words missing from the vocabulary: expected, as in handcoded_check
    iters = {"topica-keyatm": args.keyatm_iters, "topica-seededlda": args.seededlda_iters,
             "tomotopy-lda": args.tomotopy_iters}
    lexicon = Lexicon.load()
    lexicon_sha1 = hashlib.sha1(Path(lexicon.source).read_bytes()).hexdigest()[:12]
    labels = [*lexicon.themes, OTHER]
    tokenizer = Tokenizer(TokenizerSettings())
    versions = label_versions()
    sets = {name: hc.labelled_units(path) for name, path in hc.LABELLED_SETS.items()}
    if label_versions() != versions:
        print("the labelled sets changed while they were read: run again", file=sys.stderr)
        return 1
    set_tokens = {name: tokenizer.tokenize([u.text for u in units]) for name, (units, _) in sets.items()}
    print("reading and tokenizing the training corpus …", file=sys.stderr, flush=True)
    _, _, corpus = hc.training_set(tokenizer, lexicon)
    print(f"{corpus.matrix.shape[0]} units, {len(corpus.vocab)} terms, {int(corpus.matrix.sum())} tokens",
          file=sys.stderr, flush=True)

    rows, problems = [], {}
    for name in args.models:
        problem = library_problem(name)
        if problem:
            problems[name] = problem
            print(f"{name}: not run: {problem}", file=sys.stderr, flush=True)
            continue
        for seed in args.seeds:
            model = build(name, seed, iters)
            try:
                start = time.perf_counter()
                model.fit(corpus, lexicon)
                fit_seconds = time.perf_counter() - start
            except Exception as err:  # noqa: BLE001 — a peer that fails is reported, the others go on
                problems[name] = f"{type(err).__name__}: {err}"
                print(f"{name}: fit failed: {problems[name]}", file=sys.stderr, flush=True)
                break
            apply_mapping(model.result_, model.lexicon_)
            row = {"model": name, "seed": seed, "fit_s": fit_seconds,
                   "sweeps": getattr(model, "iters", model.get_params().get("passes", ""))}
            start = time.perf_counter()
            pooled_gold, pooled_predicted = [], []
            for set_name, (units, gold) in sets.items():
                tokens = set_tokens[set_name]
                predicted = assignments(model.result_, units, doc_topic=model.transform(tokens),
                                        known_tokens=model.known_tokens(tokens))["theme"].tolist()
                row[set_name] = f1_score(gold, predicted, labels=labels, average="macro", zero_division=0)
                pooled_gold += gold
                pooled_predicted += predicted
                if set_name == "b":
                    row.update({f"b:{source}": score for source, score in hc.by_source(units, gold, predicted,
                                                                                        labels).items()})
            row["assign_s"] = time.perf_counter() - start
            per_label = f1_score(pooled_gold, pooled_predicted, labels=labels, average=None, zero_division=0)
            row.update({f"f1:{label}": score for label, score in zip(labels, per_label)})
            rows.append(row)
            print(" ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()),
                  file=sys.stderr, flush=True)
            if getattr(model, "deterministic", False):
                break  # no randomness: one fit stands for every seed
    table = pd.DataFrame(rows)
    if args.output:
        table.to_csv(args.output, index=False)
    print(f"Training corpus: {corpus.matrix.shape[0]} units, {len(corpus.vocab)} terms, {int(corpus.matrix.sum())} "
          f"tokens; lexicon {lexicon.source} (sha1 {lexicon_sha1}).")
    print(summary(table, sets, problems, versions))
    return 0


def summary(table: pd.DataFrame, sets: dict, problems: dict[str, str], versions: dict[str, str]) -> str:
    """Markdown: macro-F1 per set (mean ± sd over seeds), fit and assignment seconds per fit."""
    scores = [name for name in sets] + sorted(c for c in table.columns if c.startswith("b:"))
    if table.empty:
        return "No model was fitted.\n\n" + "\n".join(f"- {model}: not run: {problem}" for model, problem in problems.items())
    lines = ["| model | sweeps | seeds | " + " | ".join(scores) + " | fit s per fit | assign s (dev+a+b) |",
             "|---|---|---|" + "---|" * (len(scores) + 2)]
    for model, group in table.groupby("model", sort=False):
        cells = [str(group["sweeps"].iloc[0]), " ".join(map(str, group["seed"]))]
        for column in [*scores, "fit_s", "assign_s"]:
            values = group[column].to_numpy(dtype=float)
            digits = 1 if column.endswith("_s") else 3
            cells.append(f"{values.mean():.{digits}f}" + (f" ± {values.std():.{digits}f}" if len(values) > 1 else ""))
        lines.append(f"| {model} | " + " | ".join(cells) + " |")
    for model, problem in problems.items():
        lines.append(f"| {model} | not run: {problem} |")
    per_label = [c for c in table.columns if c.startswith("f1:")]
    if per_label:
        lines += ["", "F1 per label, dev + a + b pooled, mean over seeds:", "",
                  "| model | " + " | ".join(c[3:] for c in per_label) + " |", "|---|" + "---|" * len(per_label)]
        for model, group in table.groupby("model", sort=False):
            lines.append(f"| {model} | " + " | ".join(f"{group[c].mean():.3f}" for c in per_label) + " |")
    sizes = ", ".join(f"{name} {len(units)} (file sha1 {versions[name]}, {label_counts(gold)})"
                      for name, (units, gold) in sets.items())
    return f"Six-label macro-F1, mean ± sd over seeds. Units: {sizes}.\n\n" + "\n".join(lines)


def label_versions() -> dict[str, str]:
    """The first 12 hex digits of the SHA-1 of each labelled set's file: which coding was scored."""
    return {name: hashlib.sha1(path.read_bytes()).hexdigest()[:12] for name, path in hc.LABELLED_SETS.items()}


def label_counts(gold: list[str]) -> str:
    return " ".join(f"{label} {n}" for label, n in Counter(gold).most_common())


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    choices = [*PACKAGE_MODELS, *PEERS, *VARIANTS]
    parser.add_argument("--models", nargs="+", default=choices, choices=choices)
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    parser.add_argument("--keyatm-iters", type=int, default=DEFAULT_ITERS["topica-keyatm"])
    parser.add_argument("--seededlda-iters", type=int, default=DEFAULT_ITERS["topica-seededlda"])
    parser.add_argument("--tomotopy-iters", type=int, default=DEFAULT_ITERS["tomotopy-lda"])
    parser.add_argument("-o", "--output", help="also write every fit's row to this CSV")
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(main())
