"""Agreement with hand-coded labels: reading a gold file (GOLD.tsv), labelling a run's units from
it, and scoring every saved model of a finished run against it.

GOLD.tsv is tab-separated UTF-8 with a header holding at least the columns doc, unit, label,
heading and text (more columns are allowed and ignored). ``unit`` is the unit's id as
assignments.csv writes it (``<doc>:u003``), or only the part after the document id (``u003``)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .labels import OTHER, UNMAPPED
from .documents import Unit
from .errors import InputError, clipped, existing_file, listed
from .metrics import label_agreement
from .models import load_model
from .run_folder import RunFolder
from .run_files import MODELS
from .assignment import assignments
from .tokenize import Tokenizer, settings_for_new_text

GOLD_COLUMNS = ("doc", "unit", "label", "heading", "text")


@dataclass
class GoldUnit:
    unit: Unit  # unit_id is the full id (doc:unit), heading and text as given
    label: str
    line: int  # line in the gold file, for messages


def gold_unit_id(doc: str, unit: str) -> str:
    """The full unit id of a gold row: ``unit`` as given when it already starts with ``doc:``."""
    return unit if unit.startswith(doc + ":") else f"{doc}:{unit}"


def read_gold(path: str | Path, allowed_labels: list[str]) -> list[GoldUnit]:
    """Read GOLD.tsv; every error names the file and, where there is one, the line at fault."""
    path = existing_file(path, "gold file")
    rows: list[GoldUnit] = []
    seen: dict[str, int] = {}
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            if reader.fieldnames is None:
                raise InputError(f"{path}: empty gold file; need a header with columns {', '.join(GOLD_COLUMNS)}")
            header = [name.strip() for name in reader.fieldnames]
            missing = [c for c in GOLD_COLUMNS if c not in header]
            if missing:
                raise InputError(f"{path}:1: missing column(s) {', '.join(missing)}; need {', '.join(GOLD_COLUMNS)} "
                                 f"separated by tabs (found: {listed(clipped(name, 40) for name in header)})")
            reader.fieldnames = header
            for record in reader:
                line = reader.line_num
                if None in record:  # more fields than the header: most likely a tab inside the text
                    raise InputError(f"{path}:{line}: more fields than the header's {len(header)} "
                                     "(a tab inside a field?)")
                if any(record[c] is None for c in header):
                    raise InputError(f"{path}:{line}: fewer fields than the header's {len(header)}")
                values = {c: (record[c] or "").strip() for c in GOLD_COLUMNS}
                if not values["label"]:
                    raise InputError(f"{path}:{line}: empty label; valid labels: {listed(allowed_labels, 20)}")
                if values["label"] not in allowed_labels:
                    raise InputError(f"{path}:{line}: unknown label {clipped(repr(values['label']))}; "
                                     f"valid labels: {listed(allowed_labels, 20)}")
                if not values["text"]:
                    raise InputError(f"{path}:{line}: empty text")
                if not values["doc"] or not values["unit"]:
                    raise InputError(f"{path}:{line}: empty {'doc' if not values['doc'] else 'unit'}")
                unit_id = gold_unit_id(values["doc"], values["unit"])
                if unit_id in seen:
                    raise InputError(f"{path}:{line}: unit {clipped(unit_id)} is labelled twice "
                                     f"(first on line {seen[unit_id]})")
                seen[unit_id] = line
                unit = Unit(doc_id=values["doc"], unit_id=unit_id, kind="gold", heading=values["heading"],
                            text=values["text"])
                rows.append(GoldUnit(unit, values["label"], line))
    except UnicodeDecodeError:
        raise InputError(f"{path}: gold file is not UTF-8 text") from None
    except csv.Error as err:
        raise InputError(f"{path}: not a readable TSV file ({err})") from None
    if not rows:
        raise InputError(f"{path}: no labelled units")
    return rows


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
