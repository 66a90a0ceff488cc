"""Thematic topic modeling of Chinese government work reports.

The Python API (see docs/api.md):

- ``read_corpus(paths or DataFrame)`` → units, one row each;
- ``fit(units, model, k=…, seed=…)`` → a ``FittedModel`` whose ``topics()``, ``assignments()``,
  ``shares(by=…)`` and ``assign(texts)`` return DataFrames;
- ``load(model_folder)`` → a saved model, to assign new text;
- ``run(config.toml)`` → a whole experiment's tables (``RunTables``);
- ``shares(run_dir, by=…)`` and ``effects(run_dir, "~ year + C(region)")`` → shares with intervals and
  covariate effects of a finished run;
- ``Lexicon`` → the theme lexicon (``Lexicon.load(path)``).
"""

__version__ = "0.1.0"

_API = {"read_corpus", "fit", "load", "run", "shares", "effects", "FittedModel", "RunTables"}

__all__ = ["OTHER", "THEMES", "UNMAPPED", "Lexicon", "__version__", *sorted(_API)]


def __getattr__(name: str):
    # imported on first use, so `topics --help` does not load gensim and scikit-learn
    if name in _API:
        from . import api

        return getattr(api, name)
    if name in ("OTHER", "THEMES", "UNMAPPED"):
        from . import labels

        return getattr(labels, name)
    if name == "Lexicon":
        from .lexicon import Lexicon

        return Lexicon
    raise AttributeError(f"module 'topics' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
