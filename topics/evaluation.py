"""Agreement with hand-coded labels: reading a gold file (GOLD.tsv), labelling a run's units from
it, and scoring every saved model of a finished run against it.

GOLD.tsv is tab-separated UTF-8 with a header holding at least the columns doc, unit, label,
heading and text (more columns are allowed and ignored). ``unit`` is the unit's id as
assignments.csv writes it (``<doc>:u003``), or only the part after the document id (``u003``).
An optional ``text_sha1`` column holds the first 12 hex digits of the SHA-1 of the unit's text (runs of
whitespace read as one space); a row that gives it may leave ``text`` empty.

A row attaches to a unit of a corpus by its id *and* its text (or hash): coded units travel between
copies of a corpus whose folders or documents are named otherwise, because a row whose id names no unit
with its text attaches to the unit that has its text. A row whose id names a unit with another text, and
whose text no unit has, is an error naming its line (the document was cut or edited differently)."""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .labels import OTHER, UNMAPPED
from .documents import Unit
from .errors import InputError, clipped, existing_file, listed
from .metrics import label_agreement
from .models import load_model
from .run_folder import RunFolder
from .run_folder.files import MODELS
from .assignment import assignments
from .tokenize import Tokenizer, settings_for_new_text

GOLD_COLUMNS = ("doc", "unit", "label", "heading", "text")
TEXT_HASH = "text_sha1"  # optional column: the text check of a row that does not carry the text itself
HASH_DIGITS = 12
_HEX = re.compile(r"[0-9a-f]{12,40}")


def flat_text(text: str) -> str:
    """A unit's text with every run of whitespace as one space, as GOLD.tsv holds it."""
    return " ".join(text.split())


def text_sha1(text: str) -> str:
    """The text check of GOLD.tsv's text_sha1 column: the first 12 hex digits of the SHA-1 of the flat text."""
    return hashlib.sha1(flat_text(text).encode("utf-8")).hexdigest()[:HASH_DIGITS]


@dataclass
class GoldUnit:
    unit: Unit  # unit_id is the full id (doc:unit), heading and text as given ("" when only the hash is)
    label: str
    line: int  # line in the gold file, for messages
    text_hash: str = ""  # the row's text_sha1 (its first 12 digits), or that of its text

    def has_text(self, text: str) -> bool:
        """Whether ``text`` is this row's unit text: the same text, whitespace aside, or the same hash."""
        if self.unit.text:
            return flat_text(text) == flat_text(self.unit.text)
        return text_sha1(text) == self.text_hash


@dataclass
class GoldMatch:
    """A gold file's rows attached to the units of a corpus."""

    labels: list[str]  # one per unit: its gold label, "" for a unit no row labels
    outside: list[GoldUnit]  # rows that are no unit of the corpus, by id or by text
    by_text: int  # rows attached by their text, their id naming no unit with that text


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
                given_hash = (record.get(TEXT_HASH) or "").strip().lower()
                if not values["label"]:
                    raise InputError(f"{path}:{line}: empty label; valid labels: {listed(allowed_labels, 20)}")
                if values["label"] not in allowed_labels:
                    raise InputError(f"{path}:{line}: unknown label {clipped(repr(values['label']))}; "
                                     f"valid labels: {listed(allowed_labels, 20)}")
                if given_hash and not _HEX.fullmatch(given_hash):
                    raise InputError(f"{path}:{line}: {TEXT_HASH} {clipped(repr(given_hash))} is not the first "
                                     f"{HASH_DIGITS} (to 40) hex digits of a SHA-1")
                if not values["text"] and not given_hash:
                    raise InputError(f"{path}:{line}: empty text" + (f" and {TEXT_HASH}" if TEXT_HASH in header else ""))
                text_hash = text_sha1(values["text"]) if values["text"] else given_hash[:HASH_DIGITS]
                if given_hash and given_hash[:HASH_DIGITS] != text_hash:
                    raise InputError(f"{path}:{line}: {TEXT_HASH} {given_hash[:HASH_DIGITS]} is not the hash of the "
                                     f"row's text ({text_hash})")
                if not values["doc"] or not values["unit"]:
                    raise InputError(f"{path}:{line}: empty {'doc' if not values['doc'] else 'unit'}")
                unit_id = gold_unit_id(values["doc"], values["unit"])
                if unit_id in seen:
                    raise InputError(f"{path}:{line}: unit {clipped(unit_id)} is labelled twice "
                                     f"(first on line {seen[unit_id]})")
                seen[unit_id] = line
                unit = Unit(doc_id=values["doc"], unit_id=unit_id, kind="gold", heading=values["heading"],
                            text=values["text"])
                rows.append(GoldUnit(unit, values["label"], line, text_hash))
    except UnicodeDecodeError:
        raise InputError(f"{path}: gold file is not UTF-8 text") from None
    except csv.Error as err:
        raise InputError(f"{path}: not a readable TSV file ({err})") from None
    if not rows:
        raise InputError(f"{path}: no labelled units")
    return rows


def match_gold(units: list[Unit], rows: list[GoldUnit], gold_path: str | Path) -> GoldMatch:
    """Attach gold rows to the units of a corpus, by id and text check (see the module's docstring).

    A row whose text several units share (the same paragraph in two editions of a report) labels the one at
    its place in its document (``:u016``) when there is one, else each of them; two rows that give one unit
    different labels are an error naming both lines."""
    index = {unit.unit_id: i for i, unit in enumerate(units)}
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
            place = [j for j in found if _place(units[j].unit_id) == _place(row.unit.unit_id)]
            found = place or found
            if not found and i is not None:
                raise InputError(f"{gold_path}:{row.line}: unit {clipped(row.unit.unit_id)} of the corpus has another text "
                                 "and no unit has this row's text (was the document cut or edited differently?); "
                                 "correct the row or code the unit again")
            if not found:
                outside.append(row)
                continue
            fallbacks += 1
        for j in found:
            if labels[j] and labels[j] != row.label:
                raise InputError(f"{gold_path}:{row.line}: labels unit {clipped(units[j].unit_id)} {row.label!r}; line "
                                 f"{labelled_on[j]} labels it {labels[j]!r}")
            labels[j], labelled_on[j] = row.label, row.line
    return GoldMatch(labels, outside, fallbacks)


def _place(unit_id: str) -> str:
    """A unit's place in its document: the id's part after the document id (``u016``)."""
    return unit_id.rsplit(":", 1)[-1]


def gold_match_for(units: list[Unit], gold_path: str | Path, allowed_labels: list[str]) -> GoldMatch:
    """A gold file's rows attached to the units of a run, by id and text check (see match_gold).

    A gold file none of whose rows is a unit of the corpus is an error (it was most likely made from another
    corpus)."""
    rows = read_gold(gold_path, allowed_labels)
    match = match_gold(units, rows, gold_path)
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
