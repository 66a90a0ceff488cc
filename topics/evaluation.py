"""Agreement with hand-coded labels: reading a gold file (GOLD.tsv), labelling a run's units from
it, and scoring every saved model of a finished run against it. The GOLD.tsv format is
topics.validation.gold's."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .labels import OTHER, UNMAPPED
from .documents import Unit
from .errors import InputError, clipped, existing_file
from .metrics import label_agreement
from .models import load_model
from .run_folder import RunFolder
from .run_files import MODELS
from .assignment import assignments
from .tokenize import Tokenizer, settings_for_new_text
from .validation.gold import GOLD_COLUMNS, GoldUnit, gold_unit_id, read_gold  # noqa: F401 (the GOLD.tsv format)


def gold_labels_for(units: list[Unit], gold_path: str | Path, allowed_labels: list[str]) -> list[str]:
    """The gold label of each unit of a run ("" for units the gold file does not list).

    Gold rows are matched to units by unit id; a gold file none of whose rows is a unit of the
    corpus is an error (it was most likely made from another corpus)."""
    by_id = {row.unit.unit_id: row.label for row in read_gold(gold_path, allowed_labels)}
    labels = [by_id.get(unit.unit_id, "") for unit in units]
    if not any(labels):
        example = next(iter(by_id))
        raise InputError(f"{gold_path}: no gold unit is a unit of the corpus (e.g. {clipped(example)}); the unit ids must be "
                         "those of assignments.csv")
    return labels


def evaluate_run(run_dir: str | Path, gold_path: str | Path) -> pd.DataFrame:
    """One row per saved model of a finished run: units, no_vocabulary (gold units without any word of
    the model's vocabulary: they get theme other with p 0), accuracy, macro_f1, f1_<label> per label, nmi, ari.

    Each model assigns the gold units' text afresh (tokenized with the settings saved with it)."""
    existing_file(gold_path, "gold file")  # before the models are loaded
    run_dir = RunFolder.open(run_dir).path
    model_dirs = sorted(p for p in (run_dir / MODELS).iterdir() if p.is_dir()) if (run_dir / MODELS).is_dir() else []
    if not model_dirs:
        raise InputError(f"{run_dir}: no saved models under models/")
    models = [load_model(folder) for folder in model_dirs]
    theme_names = list(dict.fromkeys(theme for model in models for theme in model.themes_))
    gold = read_gold(gold_path, theme_names + [OTHER])
    units = [row.unit for row in gold]
    texts = [unit.text for unit in units]
    rows = []
    tokens_by_settings: dict[str, list[list[str]]] = {}
    for folder, model in zip(model_dirs, models):
        settings = settings_for_new_text(model.tokenizer_settings_, f"{folder}: tokenizer")
        words = model.lexicon_.words()
        key = repr((sorted(settings.to_dict().items()), words))
        if key not in tokens_by_settings:  # models of one run share their tokenizer: tokenize once
            tokens_by_settings[key] = Tokenizer(settings, lexicon_words=words).tokenize(texts)
        token_lists = tokens_by_settings[key]
        doc_topic = model.transform(token_lists)
        known = model.known_tokens(token_lists)
        predicted = assignments(model.result_, units, doc_topic=doc_topic, known_tokens=known)["theme"].tolist()
        labels = list(model.themes_) + [UNMAPPED, OTHER]  # an unmapped topic's units count against their gold label
        scores = label_agreement([row.label for row in gold], predicted, labels)
        scores.pop("confusion", None)
        scores.pop(f"f1_{UNMAPPED}", None)  # never a gold label: its units count against the labels they have
        rows.append({"model": folder.name, "units": len(units), "no_vocabulary": int((known == 0).sum()), **scores})
    return pd.DataFrame(rows)
