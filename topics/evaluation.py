"""Agreement with hand-coded labels: reading a gold file (GOLD.tsv), labelling a run's units from
it, and scoring every saved model of a finished run against it. The GOLD.tsv format is
topics.validation.gold's.

A row attaches to a unit of a corpus by its id *and* its text (or hash): coded units travel between
copies of a corpus whose folders or documents are named otherwise, because a row whose id names no unit
with its text attaches to the unit that has its text. A row whose id names a unit with another text, and
whose text no unit has, is an error naming its line (the document was cut or edited differently)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
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
from .validation.gold import (GOLD_COLUMNS, TEXT_HASH, GoldUnit, flat_text, gold_unit_id,  # noqa: F401
                              read_gold, text_sha1)  # the GOLD.tsv format


@dataclass
class GoldMatch:
    """A gold file's rows attached to the units of a corpus."""

    labels: list[str]  # one per unit: its gold label, "" for a unit no row labels
    outside: list[GoldUnit]  # rows that are no unit of the corpus, by id or by text
    by_text: int  # rows attached by their text, their id naming no unit with that text


def match_gold(units: Sequence[Unit], rows: list[GoldUnit], gold_path: str | Path,
               unit_ids: Sequence[str] | None = None) -> GoldMatch:
    """Attach gold rows to the units of a corpus, by id and text check (see the module's docstring).
    ``unit_ids``: the units' ids, when the caller holds them apart from the units (units on disk are then read
    only for their texts).

    A row whose text several units share (the same paragraph in two editions of a report) labels the one at
    its place in its document (``:u016``) when there is one, else each of them; two rows that give one unit
    different labels are an error naming both lines."""
    ids = unit_ids if unit_ids is not None else [unit.unit_id for unit in units]
    index = {unit_id: i for i, unit_id in enumerate(ids)}
    by_text: dict[str, list[int]] = {}
    by_hash: dict[str, list[int]] = {}
    labels = [""] * len(units)
    labelled_on: dict[int, int] = {}  # unit → the line that labelled it
    outside, fallbacks = [], 0
    for row in rows:
        i = index.get(row.unit.unit_id)
        if i is not None and row.has_text(units[i].text):
            found = [i]
        else:
            if not by_text:  # built on first need: most gold files attach by id
                for j, unit in enumerate(units):
                    by_text.setdefault(flat_text(unit.text), []).append(j)
                    by_hash.setdefault(text_sha1(unit.text), []).append(j)
            found = by_text.get(flat_text(row.unit.text), []) if row.unit.text else by_hash.get(row.text_hash, [])
            # a text the report holds twice: the copy at the row's place in its document (u016 of u016, u135)
            place = [j for j in found if _place(ids[j]) == _place(row.unit.unit_id)]
            found = place or found
            if not found and i is not None:
                raise InputError(f"{gold_path}:{row.line}: unit {clipped(row.unit.unit_id)} of the corpus has another text "
                                 "and no unit has this row's text (was the document cut or edited differently? units "
                                 "longer than [corpus] max_unit_chars are cut into parts: set it to the length the "
                                 "units were coded at); correct the row or code the unit again")
            if not found:
                outside.append(row)
                continue
            fallbacks += 1
        for j in found:
            if labels[j] and labels[j] != row.label:
                raise InputError(f"{gold_path}:{row.line}: labels unit {clipped(ids[j])} {row.label!r}; line "
                                 f"{labelled_on[j]} labels it {labels[j]!r}")
            labels[j], labelled_on[j] = row.label, row.line
    return GoldMatch(labels, outside, fallbacks)


def _place(unit_id: str) -> str:
    """A unit's place in its document: the id's part after the document id (``u016``)."""
    return unit_id.rsplit(":", 1)[-1]


def gold_match_for(units: Sequence[Unit], gold_path: str | Path, allowed_labels: list[str],
                   unit_ids: Sequence[str] | None = None) -> GoldMatch:
    """A gold file's rows attached to the units of a run, by id and text check (see match_gold).

    A gold file none of whose rows is a unit of the corpus is an error (it was most likely made from another
    corpus)."""
    rows = read_gold(gold_path, allowed_labels)
    match = match_gold(units, rows, gold_path, unit_ids)
    if not any(match.labels):
        raise InputError(f"{gold_path}: no gold unit is a unit of the corpus, by id or by text (e.g. "
                         f"{clipped(rows[0].unit.unit_id)}); was it coded on another corpus?")
    return match


def gold_labels_for(units: list[Unit], gold_path: str | Path, allowed_labels: list[str]) -> list[str]:
    """The gold label of each unit of a run ("" for units the gold file does not list), by id and text check."""
    return gold_match_for(units, gold_path, allowed_labels).labels


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
    hashed = next((row for row in gold if not row.unit.text), None)
    if hashed:
        raise InputError(f"{gold_path}:{hashed.line}: no text, only its {TEXT_HASH}; scoring assigns each gold unit's "
                         "text afresh, so every row needs its text")
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
