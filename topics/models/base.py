"""What every model shares: parameter checks at fit, the shared result, transform of new
token lists, and saving to / loading from a folder.

A model follows scikit-learn's estimator habits: its parameters are the arguments of
``__init__`` (stored unchanged), they are checked when ``fit`` is called, learned state lives
in attributes ending in ``_``, and randomness comes only from ``random_state``."""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator

from ..labels import OTHER
from ..errors import InputError, listed
from ..rules import Rule, check
from ..result import TopicResult
from ..lexicon import Lexicon, as_lexicon
from ..run_files import LEXICON as LEXICON_FILE  # a saved model keeps its lexicon under the run folder's name
from ..vectorize import Corpus, count_matrix
from ..versions import package_versions

FORMAT_VERSION = 1
MODEL_FILE = "model.json"

# The smallest probability kept in topic_word and doc_topic: LDAvis and coherence take logs.
PROBABILITY_FLOOR = 1e-12


@dataclass
class ExtraUnits:
    """Coded units a label-learning model learns from besides the corpus's own labelled rows (units held out of
    fitting, units of other corpora): their counts over the corpus's vocabulary and their labels. They are
    trained on, never part of the result."""

    counts: sparse.csr_matrix
    labels: list[str]

    def __post_init__(self) -> None:
        if self.counts.shape[0] != len(self.labels):
            raise ValueError(f"{self.counts.shape[0]} rows of counts for {len(self.labels)} labels")


class TopicModel(BaseEstimator):
    """Base of every model. Subclasses set ``name`` and ``param_rules``, declare what they are
    (the capabilities below), and implement ``_fit(corpus, themes) -> TopicResult`` and
    ``_transform(counts) -> N×K``. The config check and the runner ask these capabilities and
    never test a model's name."""

    name: ClassVar[str] = ""
    param_rules: ClassVar[dict[str, Rule]] = {}
    # Whether lexicon words the training corpus never uses mean anything to the model (the
    # dictionary's word lists, seeded LDA's prior); the other models are fitted without them.
    reads_unseen_words: ClassVar[bool] = False
    # Whether a fit gives the same result for every seed: such a model is fitted once (first seed).
    deterministic: ClassVar[bool] = False
    # Whether the model's first topics stand for the lexicon's themes (and facets, and 'other').
    seeded: ClassVar[bool] = False
    # Whether fit needs the units' labels (``fit(..., labels=...)``): a classifier trained on coded units.
    needs_labels: ClassVar[bool] = False
    # Whether it was trained before the run (on coded units of its own) and learns nothing from the run's units.
    pretrained: ClassVar[bool] = False

    # ---- capabilities -------------------------------------------------------------------------

    @classmethod
    def has_k(cls) -> bool:
        """Whether the number of topics is a parameter (``k``)."""
        return "k" in cls.param_rules

    @classmethod
    def smallest_k(cls, lexicon: Lexicon, params: dict) -> int:
        """The smallest k the model can be fitted with for this lexicon and these parameters."""
        return 2

    @classmethod
    def k_requirement(cls, lexicon: Lexicon, params: dict) -> str:
        """Why k must be at least smallest_k (for messages)."""
        return "a topic model needs at least two topics"

    @classmethod
    def topic_count(cls, lexicon: Lexicon) -> int | None:
        """For a model without ``k``: how many topics it makes for this lexicon."""
        return None

    @classmethod
    def check_lexicon(cls, lexicon: Lexicon) -> None:
        """An InputError when the model cannot be used with this lexicon (a model trained already knows its
        labels); every model that learns its topics here can."""

    # ---- the estimator contract ---------------------------------------------------------------

    def fit(self, corpus: Corpus, lexicon: Lexicon | dict[str, list[str]], other_words: list[str] = (),
            facets: dict[str, dict[str, list[str]]] | None = None, labels: list[str] | None = None,
            extra: ExtraUnits | None = None) -> "TopicModel":
        """Fit on the corpus. ``lexicon``: a Lexicon (topics.lexicon), or plain themes (theme → seed
        words) with the lexicon's ``other_words`` and ``facets`` given apart. ``labels``: for a model
        that ``needs_labels``, one label per corpus row ("" for a unit without one); ``extra``: coded
        units outside the corpus's rows it learns from as well. Other models ignore both.

        The fitted topics are not yet themes: theme mapping (topics.mapping) names them."""
        self._check_params()
        self.lexicon_ = as_lexicon(lexicon, other_words, facets)
        if self.has_k() and self.k < self.smallest_k(self.lexicon_, self.get_params()):
            raise InputError(f"{self.name}: k={self.k} is too small; k must be >= "
                             f"{self.smallest_k(self.lexicon_, self.get_params())}, "
                             f"{self.k_requirement(self.lexicon_, self.get_params())}")
        if not self.reads_unseen_words:
            corpus = corpus.without_unseen()
            if extra is not None:
                extra = ExtraUnits(extra.counts[:, :corpus.seen], extra.labels)
        n_units = corpus.matrix.shape[0]
        if n_units == 0:
            raise InputError(f"{self.name}: no usable units to fit ({corpus.excluded_empty} empty units excluded)")
        k = getattr(self, "k", None)
        if k is not None and k > n_units:
            raise InputError(
                f"{self.name}: k={k} topics but only {n_units} usable units "
                f"({corpus.excluded_empty} empty, {corpus.excluded_out_of_vocabulary} without vocabulary words excluded); "
                f"lower k to at most {n_units}"
            )
        self.vocab_ = list(corpus.vocab)
        self.tokenizer_settings_ = None  # unknown until save() is told how the text was tokenized
        if self.needs_labels:
            self.result_ = self._fit(corpus, self.themes_, labels=self._checked_labels(labels, n_units, extra),
                                     extra=extra)
        else:
            self.result_ = self._fit(corpus, self.themes_)
        return self

    def _checked_labels(self, labels: list[str] | None, n_units: int, extra: ExtraUnits | None = None) -> list[str]:
        """The labels of a model that needs them: one per corpus row, some of them (or of ``extra``) given."""
        hint = ("set [evaluation] labels to a GOLD.tsv of hand-coded units of the corpus (evaluation.labels), or "
                "[evaluation] training to GOLD.tsv files of coded units of any corpus (evaluation.training)")
        if (labels is None or not any(labels)) and (extra is None or not any(extra.labels)):
            raise InputError(f"{self.name}: needs labelled units to train on and got none; {hint}")
        labels = [""] * n_units if labels is None else ["" if label is None else str(label) for label in labels]
        if len(labels) != n_units:
            raise InputError(f"{self.name}: {len(labels)} labels for {n_units} units; give one label per corpus row "
                             f"(\"\" for a unit without one)")
        return labels

    def transform(self, token_lists: list[list[str]]) -> np.ndarray:
        """N×K topic distribution of new token lists (words outside the vocabulary are ignored)."""
        self._check_fitted()
        return self._transform(count_matrix(token_lists, self.vocab_))

    def known_tokens(self, token_lists: list[list[str]]) -> np.ndarray:
        """How many tokens of each list are in the model's vocabulary (0: nothing to go on)."""
        self._check_fitted()
        return np.asarray(count_matrix(token_lists, self.vocab_).sum(axis=1)).ravel().astype(int)

    # the lexicon's parts, as the models use them
    @property
    def themes_(self) -> dict[str, list[str]]:
        return self.lexicon_.themes

    @property
    def other_words_(self) -> list[str]:
        return self.lexicon_.other_words

    @property
    def facets_(self) -> dict[str, dict[str, list[str]]]:
        return self.lexicon_.facets

    # ---- subclasses implement -------------------------------------------------------------------

    def _fit(self, corpus: Corpus, themes: dict[str, list[str]]) -> TopicResult:
        raise NotImplementedError

    def _transform(self, counts: sparse.csr_matrix) -> np.ndarray:
        raise NotImplementedError

    def _save_state(self, folder: Path) -> None:
        """Write what transform needs beyond the result (default: nothing)."""

    def _load_state(self, folder: Path) -> None:
        """Read back what _save_state wrote."""

    # ---- shared helpers -------------------------------------------------------------------------

    def _check_params(self) -> None:
        for key, rule in self.param_rules.items():
            value = getattr(self, key)
            check(value, rule, f"parameter {key}", self.name)

    def _check_fitted(self) -> None:
        if not hasattr(self, "result_"):
            raise ValueError(f"{self.name} model is not fitted yet: call fit() first")

    def _result(self, corpus: Corpus, topic_word: np.ndarray, doc_topic: np.ndarray,
                seed_themes: list[str] | None = None) -> TopicResult:
        """The shared result, with the themes of the topics that stand for one by construction.

        It shows the words the corpus uses: lexicon words it never uses stay in the model (for
        new text) but would otherwise top small topics with nothing but their prior."""
        seen = corpus.seen
        result = TopicResult(
            model_name=self.name,
            vocab=list(corpus.vocab[:seen]),
            topic_word=distributions(np.asarray(topic_word)[:, :seen]),
            doc_topic=distributions(doc_topic),
            doc_lengths=corpus.doc_lengths,
            term_frequency=corpus.term_frequency[:seen],
            params=self.get_params(),
            random_state=getattr(self, "random_state", None),
            seed_themes=list(seed_themes) if seed_themes else None,
        )
        return result

    # ---- saving -----------------------------------------------------------------------------

    def save(self, folder: str | Path, tokenizer_settings: dict | None = None) -> Path:
        """Write the fitted model to ``folder``: parameters and tokenizer settings as used (model.json),
        the theme lexicon (lexicon.toml), the shared result with its topic themes (result.json/result.npz)
        and the model's state.

        ``tokenizer_settings``: how the training text was tokenized (a TokenizerSettings.to_dict()
        or a config's [tokenizer] table), so that new text can be cut the same way."""
        self._check_fitted()
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        if tokenizer_settings is not None:
            self.tokenizer_settings_ = dict(tokenizer_settings)
        meta = {
            "format": FORMAT_VERSION,
            "model": self.name,
            "params": _plain(self.get_params()),
            "lexicon": self.lexicon_.to_dict(),
            # the model's vocabulary is the result's followed by these (lexicon words the corpus never used)
            "unseen_words": self.vocab_[len(self.result_.vocab):],
            "tokenizer_settings": _plain(self.tokenizer_settings_),
            "versions": package_versions(),
        }
        (folder / MODEL_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
        self.lexicon_.save(folder / LEXICON_FILE)
        self.result_.save(folder)
        self._save_state(folder)
        return folder


class SeededTopics:
    """Capabilities of a seeded model (mix in before the model class): its first topics are the
    lexicon's themes, one each, then one per facet, then (``other_topic``, with other words) one
    for 'other'; topics after them are free."""

    seeded: ClassVar[bool] = True

    @classmethod
    def smallest_k(cls, lexicon: Lexicon, params: dict) -> int:
        with_other = bool(lexicon.other_words) and params.get("other_topic", True) is True
        return len(lexicon.themes) + lexicon.n_facets + int(with_other)

    @classmethod
    def k_requirement(cls, lexicon: Lexicon, params: dict) -> str:
        with_other = bool(lexicon.other_words) and params.get("other_topic", True) is True
        facets = f" plus their {lexicon.n_facets} facet(s)" if lexicon.n_facets else ""
        other = " plus one topic for the lexicon's [other] words (or set other_topic = false)" if with_other else ""
        return f"the number of themes ({', '.join(lexicon.themes)}){facets}{other}"


def load_saved(folder: str | Path, registry: dict[str, type]) -> TopicModel:
    folder = Path(folder)
    meta_file = folder / MODEL_FILE
    if not meta_file.is_file():
        raise InputError(f"{folder}: not a saved model folder (no {MODEL_FILE})")
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise InputError(f"{meta_file}: unreadable model file ({err})") from None
    name = meta.get("model")
    if name not in registry:
        raise InputError(f"{meta_file}: unknown model {name!r}; valid models: {', '.join(registry)}")
    if meta.get("format") != FORMAT_VERSION:
        raise InputError(f"{meta_file}: saved with format {meta.get('format')!r}, this version reads {FORMAT_VERSION}")
    try:
        params = {key: value for key, value in meta["params"].items() if key != "min_lift"}  # older models mapped inside
        model = registry[name](**params)
        if "lexicon" in meta:
            model.lexicon_ = Lexicon.from_dict(meta["lexicon"], source=str(meta_file))
        else:  # saved before the lexicon was one object
            model.lexicon_ = Lexicon.from_parts(meta["themes"], meta.get("other_words", []), meta.get("facets", {}))
    except (KeyError, TypeError, AttributeError) as err:
        raise InputError(f"{meta_file}: damaged or from another version of the package ({err})") from None
    model.tokenizer_settings_ = meta.get("tokenizer_settings")
    try:
        model.result_ = TopicResult.load(folder)
    except (OSError, KeyError, ValueError) as err:
        raise InputError(f"{folder}: saved result is missing or damaged ({err})") from None
    model.vocab_ = list(model.result_.vocab) + list(meta.get("unseen_words", []))
    model.saved_versions_ = meta.get("versions", {})
    try:
        model._load_state(folder)
    except InputError:
        raise
    except Exception as err:  # a damaged state file: zip, pickle and numpy each fail their own way
        reason = str(err).splitlines()[0][:200] if str(err) else ""
        raise InputError(f"{folder}: saved model state is missing or damaged ({type(err).__name__}: {reason}); "
                         "save or fit the model again") from None
    return model


def seeded_topic_words(model_name: str, themes: dict[str, list[str]], facets: dict[str, dict[str, list[str]]],
                       other_words: list[str], other_topic: bool, k: int,
                       corpus: Corpus) -> tuple[dict[str, list[str]], list[str]]:
    """The seeded topics of a seeded model in topic order, as {name: seed words} and the theme of
    each: per theme one topic for its words outside its facets, then one per facet ("industry/
    agriculture"); then (with ``other_topic`` and other words in the vocabulary) one for
    ``other``. Topics after them are free."""
    seeds, topic_themes = {}, []
    for theme, words in themes.items():
        groups = facets.get(theme, {})
        in_facets = {word for group in groups.values() for word in group}
        seeds[theme] = [word for word in words if word not in in_facets] or list(words)
        topic_themes.append(theme)
        for name, group in groups.items():
            seeds[f"{theme}/{name}"] = list(group)
            topic_themes.append(theme)
    if other_topic and other_words:
        known = set(corpus.vocab[:corpus.seen])
        if any(word in known for word in other_words):
            seeds[OTHER] = list(other_words)
            topic_themes.append(OTHER)
        else:
            warnings.warn(f"{model_name}: no word of the lexicon's [other] list is in the vocabulary; "
                          f"no topic is seeded for other", stacklevel=3)
    if k < len(seeds):
        n_facets = len(seeds) - len(themes) - (OTHER in seeds)
        extra = (f", their {n_facets} facet(s)" if n_facets else "") + (" and one for other" if OTHER in seeds else "")
        hint = " (or set other_topic = false)" if OTHER in seeds else ""
        raise InputError(f"{model_name}: k={k} leaves too few topics for the {len(themes)} themes{extra}; "
                         f"k must be >= {len(seeds)}{hint}")
    return seeds, topic_themes


def seed_word_ids(model_name: str, themes: dict[str, list[str]], corpus: Corpus,
                  lexicon: Lexicon) -> dict[str, list[int]]:
    """Vocabulary ids of the terms that count for each seeded topic's words (``counted_term_ids``). Seed words
    the corpus does not use are listed in a warning (those kept in the vocabulary as lexicon words still count
    for new text); a theme none of whose words the corpus uses is an InputError."""
    index = {term: i for i, term in enumerate(corpus.vocab)}
    missing = {}
    for theme, words in themes.items():
        absent = [w for w in words if index.get(w, corpus.seen) >= corpus.seen]
        if absent:
            missing[theme] = absent
    ids = counted_term_ids(themes, corpus.vocab, lexicon)
    empty = [theme for theme, found in ids.items() if all(i >= corpus.seen for i in found)]
    if empty:
        raise InputError(
            f"{model_name}: no seed word of theme(s) {', '.join(empty)} is in the training corpus's vocabulary "
            f"({'; '.join(f'{t}: ' + listed(missing[t], 5) for t in empty)}); add words found in the corpus "
            f"or loosen the [vocabulary] filters (no_below, no_above, keep_n)"
        )
    if missing:
        shown = "; ".join(f"{theme}: {', '.join(words)}" for theme, words in missing.items())
        warnings.warn(f"{model_name}: seed words the training corpus does not use, no help in fitting — {shown}", stacklevel=3)
    return ids


def counted_term_ids(groups: dict[str, list[str]], vocabulary: list[str], lexicon: Lexicon) -> dict[str, list[int]]:
    """Vocabulary ids of the terms that count for each group of seed words (a theme, "theme/facet" or
    ``other``): its words, and for a theme's groups the longer terms that hold one of them (Lexicon.counted_terms)."""
    index = {term: i for i, term in enumerate(vocabulary)}
    holders = lexicon.holders(vocabulary)
    ids = {}
    for group, words in groups.items():
        theme = group.split("/", 1)[0]
        terms = lexicon.counted_terms(words, theme, holders) if theme in lexicon.themes else words
        ids[group] = list(dict.fromkeys(index[w] for w in terms if w in index))
    return ids


def distributions(weights: np.ndarray) -> np.ndarray:
    """Rows normalised to sum 1, with a tiny floor so that no probability is exactly zero
    (an all-zero row becomes uniform)."""
    weights = np.clip(np.asarray(weights, dtype=float), 0.0, None)
    sums = weights.sum(axis=1, keepdims=True)
    rows = np.divide(weights, sums, out=np.full_like(weights, 1.0 / max(weights.shape[1], 1)), where=sums > 0)
    rows = np.maximum(rows, PROBABILITY_FLOOR)
    return rows / rows.sum(axis=1, keepdims=True)


def _plain(value):
    """JSON-ready copy (numpy scalars to Python numbers)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
