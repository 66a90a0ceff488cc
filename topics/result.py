"""One result shape for every model, so metrics, theme mapping and reports never care
which model made it."""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import InputError

META_FILE = "result.json"  # everything but the arrays (the mapping stage rewrites it with the topics' themes)
ARRAYS_FILE = "result.npz"


@dataclass
class TopicResult:
    """A fitted topic model's output.

    ``topic_word`` is K×V and ``doc_topic`` N×K, each row a probability distribution
    (NMF weights are normalised). ``topic_ids`` are the model's own topic numbers, kept
    everywhere (reports never re-sort them). ``seed_themes`` is set by models whose first topics
    stand for themes by construction (seeded models, the dictionary): the theme of each such topic,
    in order. ``topic_themes`` (and ``mapping``, the settings that gave them) are filled by the theme
    mapping stage (topics.mapping), never by the model.
    """

    model_name: str
    vocab: list[str]
    topic_word: np.ndarray
    doc_topic: np.ndarray
    doc_lengths: np.ndarray
    term_frequency: np.ndarray
    params: dict = field(default_factory=dict)
    random_state: int | None = None
    topic_ids: list[int] | None = None
    topic_themes: list[str] | None = None
    seed_themes: list[str] | None = None
    mapping: dict | None = None

    def __post_init__(self) -> None:
        self.topic_word = np.asarray(self.topic_word, dtype=float)
        self.doc_topic = np.asarray(self.doc_topic, dtype=float)
        self.doc_lengths = np.asarray(self.doc_lengths, dtype=float)
        self.term_frequency = np.asarray(self.term_frequency, dtype=float)
        if self.topic_ids is None:
            self.topic_ids = list(range(self.topic_word.shape[0]))

    @property
    def k(self) -> int:
        return self.topic_word.shape[0]

    def top_words(self, n: int = 10) -> list[list[str]]:
        """The n most probable words of each topic, best first (ties broken by term id)."""
        order = np.argsort(-self.topic_word, axis=1, kind="stable")[:, :n]
        return [[self.vocab[j] for j in row] for row in order]

    def save(self, folder: str | Path) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            folder / ARRAYS_FILE,
            topic_word=self.topic_word,
            doc_topic=self.doc_topic,
            doc_lengths=self.doc_lengths,
            term_frequency=self.term_frequency,
        )
        (folder / META_FILE).write_text(json.dumps(self.meta(), ensure_ascii=False, indent=1), encoding="utf-8")

    def meta(self) -> dict:
        """Everything but the arrays, as result.json holds it."""
        return {
            "model_name": self.model_name,
            "vocab": self.vocab,
            "params": self.params,
            "random_state": self.random_state,
            "topic_ids": self.topic_ids,
            "topic_themes": self.topic_themes,
            "seed_themes": self.seed_themes,
            "mapping": self.mapping,
        }

    @classmethod
    def load(cls, folder: str | Path) -> "TopicResult":
        """Read a saved result; InputError naming the folder when a file is missing or damaged."""
        folder = Path(folder)
        try:
            meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
            with np.load(folder / ARRAYS_FILE) as arrays:
                return cls(**meta, **{name: arrays[name] for name in arrays.files})
        except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as err:
            raise InputError(f"{folder}: saved result is missing or damaged ({type(err).__name__}: "
                             f"{str(err).splitlines()[0] if str(err) else ''})") from None
