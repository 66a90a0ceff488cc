"""A run's classifier trained again with a newly coded sample (``topics validate --score KIT … --retrain``).

The run is prepared as it was (its config as run: corpus, tokenizer, vocabulary), with the coded sample's
GOLD.tsv added to ``[evaluation] training`` beside the files the run already learnt from, and the run's
label-learning model — its first one, with its parameters; when it has none, ``pretrained-adapted`` (the shipped
model moved toward the codes) if it has ``pretrained``, else ``supervised`` with its defaults — is fitted on
every coded unit, mapped as the run maps and saved as a model folder (what a run writes
under ``models/<name>/``), which ``topics assign`` takes. The run folder itself is left as it is: the coding
sample's design and every estimate made from the run stay valid."""

from __future__ import annotations

import copy
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..mapping import MappingSettings, apply_mapping
from ..models import MODELS, make_model
from ..models.base import MODEL_FILE
from ..models.pretrained import NAME as PRETRAINED
from ..models.pretrained import AdaptedPretrained
from ..run_folder import RunFolder
from .fitting import FitInputs
from .prepare import prepare_corpus

FALLBACK_MODEL = "supervised"  # what is trained when the run has no label-learning model nor the pretrained one


@dataclass
class Retrained:
    folder: Path
    model: str
    coded: int  # coded units learnt from (of the run and of other corpora)
    warnings: list[str]


def retrain(run: RunFolder, gold: str | Path, folder: str | Path, *, progress: bool = False) -> Retrained:
    """Fit the run's label-learning model on its coded units and those of ``gold``; save it into ``folder``."""
    folder = Path(folder)
    if folder.exists() and not (folder / MODEL_FILE).is_file() and (not folder.is_dir() or any(folder.iterdir())):
        raise InputError(f"{folder}: exists and is no model folder; the retrained model replaces only an earlier one")
    config = copy.deepcopy(run.config)
    config["evaluation"]["training"] = [*config["evaluation"]["training"], str(gold)]
    config["evaluation"]["heldout_fraction"] = 0.0  # every coded unit teaches; scores come from cross-validation
    name = next((name for name in config["models"] if MODELS[name].needs_labels),
                AdaptedPretrained.name if PRETRAINED in config["models"] else FALLBACK_MODEL)
    params = {key: value for key, value in config["models"].get(name, {}).items() if key != "k"}
    if "random_state" in MODELS[name].param_rules:
        params["random_state"] = config["run"]["seeds"][0]
    lexicon = run.lexicon
    prepared = prepare_corpus(config, lexicon, progress=progress)
    inputs = FitInputs.of(prepared)
    prepared.units.close()  # the fit reads counts and labels, not the units
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = make_model(name, **params).fit(inputs.corpus, lexicon, labels=inputs.train_labels, extra=inputs.extra)
    apply_mapping(model.result_, lexicon, MappingSettings.from_config(config))
    partial = folder.with_name(f".{folder.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    model.save(partial, tokenizer_settings=config["tokenizer"])
    if folder.exists():  # an earlier retrained model (scored again): the new one takes its place whole
        shutil.rmtree(folder)
    partial.rename(folder)
    coded = sum(1 for label in inputs.train_labels if label) + (len(inputs.extra.labels) if inputs.extra else 0)
    return Retrained(folder, name, coded, [str(w.message) for w in caught])
