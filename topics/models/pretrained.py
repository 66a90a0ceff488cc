"""``pretrained``: the package's own classifier, trained on every unit the project has hand-coded and shipped
inside the package (``topics/pretrained/``), so that new text gets themes with no coding and no fitting:
``topics assign report.txt``, ``topics.load("pretrained")``, ``[models.pretrained]`` in a run.

It is a ``supervised`` model (words and their characters, a logistic regression) fitted by
experiments/train_pretrained.py, which writes three files: ``classifier.npz`` (its vocabulary and weights),
``pretrained.json`` (parameters, tokenizer settings, lexicon, how its topics are mapped, and where it came
from: package version, codebook, corpora, cross-validated scores) and ``training_units.tsv`` (every unit it
learnt from by id, label and text hash, never text). The files are written byte for byte the same from the
same inputs on the same kind of processor (the weights' last bit may differ on another).

In a run it reads the run's units through the run's vocabulary: a word of the run is mapped to the same
word of its own vocabulary (words it does not know carry nothing), and it learns nothing from the run."""

from __future__ import annotations

import functools
import io
import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
from scipy import sparse

from ..errors import InputError
from ..labels import OTHER
from ..lexicon import Lexicon
from ..result import TopicResult
from ..rules import choice, integer, number
from ..vectorize import Corpus
from .adapt import adapted
from .base import ExtraUnits, TopicModel, distributions
from .supervised import Supervised, training_units

PRETRAINED_DIR = Path(__file__).resolve().parent.parent / "pretrained"
NAME = "pretrained"  # also what `topics.load` and `topics assign` take for the shipped model
ARRAYS_FILE = "classifier.npz"
META_FILE = "pretrained.json"
UNITS_FILE = "training_units.tsv"
FORMAT_VERSION = 1
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # every member of classifier.npz carries this time: the same model, the same bytes


class Pretrained(TopicModel):
    """The shipped classifier as a model of a run: one topic per label (the lexicon's themes and ``other``),
    each unit's shares its class probabilities. It has no parameters and is fitted on nothing: ``fit``
    reads the run's vocabulary and gives every unit of the corpus its shares."""

    name = NAME
    deterministic = True
    seeded = True  # its topics are the themes and 'other' by construction
    pretrained = True
    reads_unseen_words = True  # a lexicon word the run's units never use may still be one it learnt
    param_rules: dict = {}

    def __init__(self):
        pass

    @classmethod
    def topic_count(cls, lexicon) -> int:
        return len(shipped_labels())

    @classmethod
    def check_lexicon(cls, lexicon: Lexicon) -> None:
        labels = shipped_labels()
        if sorted(lexicon.labels_with_other) != sorted(labels):
            raise InputError(f"{cls.name}: it assigns the labels it was trained on ({', '.join(labels)}), but the "
                             f"lexicon's themes are {', '.join(lexicon.names)}: use the package's lexicon "
                             "(themes.lexicon = \"\") or one with the same themes, or train a model on your own codes")

    # ---- fitting: reading the run's vocabulary --------------------------------------------------

    def _fit(self, corpus: Corpus, themes: dict[str, list[str]]) -> TopicResult:
        self.check_lexicon(self.lexicon_)
        self._read(PRETRAINED_DIR)
        return self._topics(corpus, self._transform(corpus.matrix))

    def _topics(self, corpus: Corpus, doc_topic: np.ndarray) -> TopicResult:
        """The result: one topic per label, with the units' shares ``doc_topic``."""
        topics = [*self.themes_, OTHER]
        # a topic's words: the run's words whose weights raise its label most (as supervised shows them)
        coef = self.classifier_.classifier_.coef_[:, :self.classifier_.n_words_]
        weights = (self.into_own_ @ np.clip(coef, 0.0, None).T).T  # runs' words × labels, never dense words × words
        topic_word = np.zeros((len(topics), len(corpus.vocab)))
        for row, label in zip(weights, self.classifier_.classifier_.classes_):
            topic_word[topics.index(label)] = row
        return self._result(corpus, topic_word, doc_topic, topics)

    def _transform(self, counts: sparse.csr_matrix) -> np.ndarray:
        return self.classifier_._transform(sparse.csr_matrix(counts) @ self.into_own_)

    # ---- saving: the shipped files go with the model ---------------------------------------------

    def _save_state(self, folder: Path) -> None:
        for name in (ARRAYS_FILE, META_FILE, UNITS_FILE):
            if Path(self.source_, name) != folder / name:
                shutil.copyfile(Path(self.source_, name), folder / name)

    def _load_state(self, folder: Path) -> None:
        self._read(folder)

    def _read(self, folder: Path) -> None:
        """The classifier saved in ``folder``, connected to this model's vocabulary (``vocab_``)."""
        meta = read_meta(folder)
        self.classifier_ = Supervised(**meta["params"])
        self.classifier_.lexicon_ = self.lexicon_
        arrays = read_arrays(folder)
        words = [str(word) for word in arrays["vocab"]]
        self.classifier_.set_state(arrays, words, str(Path(folder, ARRAYS_FILE)))
        self.own_words_ = words
        own = {word: j for j, word in enumerate(words)}
        pairs = [(i, own[word]) for i, word in enumerate(self.vocab_) if word in own]
        self.into_own_ = sparse.csr_matrix((np.ones(len(pairs)), ([i for i, _ in pairs], [j for _, j in pairs])),
                                           shape=(len(self.vocab_), len(words)))
        self.source_ = str(folder)
        self.meta_ = meta

    @property
    def provenance_(self) -> dict:
        """What the classifier learnt from and how well it did (its pretrained.json's provenance)."""
        return self.meta_["provenance"]


class AdaptedPretrained(Pretrained):
    """``pretrained-adapted``: the shipped classifier moved toward the run's hand-coded units (those of its
    corpus and of ``[evaluation] training``), for a study whose reports or codebook practice differ from
    those the project coded, when its own codes are too few for a classifier of their own. The shipped
    model's training text is not shipped, so the codes cannot be pooled with it; its weights serve as a
    prior instead (topics.models.adapt): C says how far the codes may move them (the default, 1, a tenth of the
    shipped model's own: a coded unit moves its weights a tenth as far as one it was trained on; chosen on the
    coding loop's folds, experiments/README.md). The coded units' shares are cross-validated as ``supervised``'s
    are (the shipped model's number of folds, drawn with ``random_state``); it is saved with the adapted weights,
    which ``topics assign`` then reads."""

    name = "pretrained-adapted"
    needs_labels = True
    param_rules = {"C": number(0, low_open=True), "class_weight": choice("balanced", None),
                   "max_iter": integer(1), "random_state": integer(0)}

    def __init__(self, C=1.0, class_weight="balanced", max_iter=1000, random_state=0):
        self.C = C
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.random_state = random_state

    def _fit(self, corpus: Corpus, themes: dict[str, list[str]], labels: list[str],
             extra: ExtraUnits | None = None) -> TopicResult:
        self.check_lexicon(self.lexicon_)
        self._read(PRETRAINED_DIR)
        classifier, topics = self.classifier_, [*themes, OTHER]
        extra_labels = list(extra.labels) if extra is not None else []
        rows, y = training_units(self.name, labels, topics, extra_labels, prior=True)
        features = classifier._features(corpus.matrix @ self.into_own_)
        trained = features[rows]
        if extra_labels:
            trained = sparse.vstack([trained, classifier._features(extra.counts @ self.into_own_)], format="csr")
        shipped = classifier.classifier_
        classifier.random_state = self.random_state  # draws the cross-validation folds

        def fit(rows_: sparse.csr_matrix, labels_: np.ndarray):
            return adapted(shipped, rows_, labels_, C=self.C, class_weight=self.class_weight, max_iter=self.max_iter)

        with classifier._one_thread():
            cross_validated = classifier._cross_validated(trained, y, topics, fit=fit)
            classifier.classifier_ = fit(trained, y)
        self.adapted_with_ = {"units": len(y), "labels": {label: int((y == label).sum()) for label in topics},
                              "params": self.get_params()}
        doc_topic = self._transform(corpus.matrix)
        doc_topic[rows] = cross_validated[:len(rows)]
        return self._topics(corpus, doc_topic)

    def _save_state(self, folder: Path) -> None:
        if getattr(self, "adapted_with_", None) is None:  # loaded from a saved folder: its files as they are
            return super()._save_state(folder)
        meta = self.meta_
        write_classifier(folder, self.classifier_, self.own_words_, labels=meta["labels"],
                         topic_themes=meta["topic_themes"], mapping=meta["mapping"],
                         tokenizer_settings=meta["tokenizer_settings"], lexicon=meta["lexicon"],
                         provenance={**meta["provenance"], "adapted_with": self.adapted_with_})
        shutil.copyfile(Path(self.source_, UNITS_FILE), folder / UNITS_FILE)  # what the shipped weights learnt from


def read_meta(folder: str | Path) -> dict:
    """pretrained.json of a shipped (or saved) pretrained model."""
    path = Path(folder, META_FILE)
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except OSError:
        raise InputError(f"{path}: missing; the package's pretrained model is not installed (run "
                         "experiments/train_pretrained.py)") from None
    except (ValueError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: damaged ({err})") from None
    if meta.get("format") != FORMAT_VERSION:
        raise InputError(f"{path}: written with format {meta.get('format')!r}, this version reads {FORMAT_VERSION}")
    return meta


@functools.cache
def shipped_labels() -> tuple[str, ...]:
    """The labels the shipped model assigns (read once a process)."""
    return tuple(read_meta(PRETRAINED_DIR)["labels"])


def read_arrays(folder: str | Path) -> dict[str, np.ndarray]:
    """classifier.npz of a shipped (or saved) pretrained model: its vocabulary and weights."""
    path = Path(folder, ARRAYS_FILE)
    try:
        with np.load(path) as arrays:
            found = {name: arrays[name] for name in arrays.files}
    except (OSError, ValueError, zipfile.BadZipFile) as err:
        raise InputError(f"{path}: missing or damaged ({type(err).__name__}); reinstall the package or run "
                         "experiments/train_pretrained.py") from None
    missing = [name for name in ("vocab", "idf", "coef", "intercept", "classes") if name not in found]
    if missing:
        raise InputError(f"{path}: damaged, without {', '.join(missing)}; reinstall the package or run "
                         "experiments/train_pretrained.py")
    return found


def load_pretrained(folder: str | Path = PRETRAINED_DIR) -> Pretrained:
    """The shipped model, ready to assign new text (tokenize it with ``tokenizer_settings_`` and the
    lexicon's words, as its training text was)."""
    meta = read_meta(folder)
    model = Pretrained()
    model.lexicon_ = Lexicon.from_dict(meta["lexicon"], source=str(Path(folder, META_FILE)))
    model.vocab_ = [str(word) for word in read_arrays(folder)["vocab"]]
    model._read(folder)
    model.tokenizer_settings_ = meta["tokenizer_settings"]
    model.saved_versions_ = meta["provenance"].get("versions", {})
    coef = np.clip(model.classifier_.classifier_.coef_[:, :model.classifier_.n_words_], 0.0, None)
    topics = [*model.themes_, OTHER]
    topic_word = np.zeros((len(topics), len(model.vocab_)))
    for row, label in zip(coef, model.classifier_.classifier_.classes_):
        topic_word[topics.index(label)] = row
    # saved after the mapping stage, like a run's saved models: its topics are its labels
    model.result_ = TopicResult(model_name=NAME, vocab=list(model.vocab_), topic_word=distributions(topic_word),
                                doc_topic=np.zeros((0, len(topics))), doc_lengths=np.zeros(0),
                                term_frequency=np.zeros(len(model.vocab_)), params={}, seed_themes=topics,
                                topic_themes=list(meta["topic_themes"]), mapping=dict(meta["mapping"]))
    return model


def write_pretrained(folder: str | Path, classifier: Supervised, vocab: list[str], *, labels: list[str],
                     topic_themes: list[str], mapping: dict, tokenizer_settings: dict, lexicon: Lexicon,
                     provenance: dict, training_units: list[tuple[str, str, str, str]]) -> list[Path]:
    """Write a fitted ``supervised`` classifier as the shipped model's three files (see the module's docstring);
    ``training_units``: (unit id, coded set, label, text hash) of every unit it learnt from."""
    written = write_classifier(folder, classifier, vocab, labels=labels, topic_themes=topic_themes, mapping=mapping,
                               tokenizer_settings=tokenizer_settings, lexicon=lexicon.to_dict(),
                               provenance=provenance)
    rows = ["unit_id\tset\tlabel\ttext_sha1", *("\t".join(row) for row in training_units)]
    written.append(Path(folder, UNITS_FILE))
    written[-1].write_text("\n".join(rows) + "\n", encoding="utf-8")
    return written


def write_classifier(folder: str | Path, classifier: Supervised, vocab: list[str], *, labels: list[str],
                     topic_themes: list[str], mapping: dict, tokenizer_settings: dict, lexicon: dict,
                     provenance: dict) -> list[Path]:
    """The first two of the model's files: its weights (``classifier.npz``) and ``pretrained.json``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    # weights and idf in single precision: half the size, the same themes (the 7th digit of a probability moves)
    arrays = {name: value.astype(np.float32) if value.dtype == np.float64 else value
              for name, value in classifier.state().items()}
    arrays = {"vocab": np.array(vocab[:classifier.n_words_], dtype=str), **arrays}
    meta = {"format": FORMAT_VERSION, "model": classifier.name, "params": classifier.get_params(), "labels": labels,
            "topic_themes": topic_themes, "mapping": mapping, "tokenizer_settings": tokenizer_settings,
            "lexicon": lexicon, "provenance": provenance}
    written = [_write_arrays(folder / ARRAYS_FILE, arrays), folder / META_FILE]
    written[1].write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return written


def _write_arrays(path: Path, arrays: dict[str, np.ndarray]) -> Path:
    """An .npz that ``np.load`` reads, with fixed member times (numpy's own writer stamps the current time)."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, value in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asarray(value), allow_pickle=False)
            member = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            archive.writestr(member, buffer.getvalue(), compresslevel=9)
    return path
