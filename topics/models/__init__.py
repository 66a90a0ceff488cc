"""The topic models, all behind one interface and one result shape.

``make_model(name, **params)`` builds a model; ``model.fit(corpus, themes)`` returns the
model with ``result_`` (a TopicResult whose topic_themes are set); ``model.transform(token_lists)``
gives topic shares of new text; ``model.save(folder)`` and ``load_model(folder)`` keep it.
``load_pretrained()`` is the classifier shipped with the package, ready for new text.
The LDA family (lda, sklearn-lda, seeded-lda) also has ``perplexity(token_lists)``."""

from __future__ import annotations

import inspect
from pathlib import Path

from ..errors import InputError
from .base import ExtraUnits, TopicModel, load_saved
from .dictionary import DictionaryModel
from .lda import GensimLda, SeededLda
from .nmf import Nmf, SeededNmf
from .pretrained import PRETRAINED_DIR, AdaptedPretrained, Pretrained, load_pretrained
from .sklearn_lda import SklearnLda
from .supervised import SeededSupervised, Supervised

MODELS: dict[str, type[TopicModel]] = {
    "lda": GensimLda,
    "nmf": Nmf,
    "sklearn-lda": SklearnLda,
    "seeded-lda": SeededLda,
    "seeded-nmf": SeededNmf,
    "dictionary": DictionaryModel,
    "supervised": Supervised,
    "seeded-supervised": SeededSupervised,
    "pretrained": Pretrained,
    "pretrained-adapted": AdaptedPretrained,
}
MODEL_NAMES = tuple(MODELS)


def model_params(name: str) -> dict:
    """Parameter names of a model with their defaults."""
    cls = _model_class(name)
    return {p.name: p.default for p in inspect.signature(cls.__init__).parameters.values() if p.name != "self"}


def make_model(name: str, **params) -> TopicModel:
    """A model by name. Unknown names and parameters are an InputError listing the valid ones;
    parameter values are checked when the model is fitted."""
    cls = _model_class(name)
    valid = model_params(name)
    unknown = [key for key in params if key not in valid]
    if unknown:
        raise InputError(
            f"{name}: unknown parameter(s) {', '.join(unknown)}; valid parameters: {', '.join(valid)}"
        )
    return cls(**params)


def load_model(folder: str | Path) -> TopicModel:
    """A fitted model saved with ``model.save(folder)``."""
    return load_saved(folder, MODELS)


def _model_class(name: str) -> type[TopicModel]:
    if name not in MODELS:
        raise InputError(f"unknown model {name!r}; valid models: {', '.join(MODEL_NAMES)}")
    return MODELS[name]


__all__ = ["MODEL_NAMES", "MODELS", "PRETRAINED_DIR", "ExtraUnits", "TopicModel", "load_model", "load_pretrained",
           "make_model", "model_params"]
