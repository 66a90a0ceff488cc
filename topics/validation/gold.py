"""GOLD.tsv: hand-coded units, as ``topics validate --score`` writes them and ``topics evaluate``, a run's
``[evaluation] labels`` and the corrected estimators (``topics shares --gold``, ``topics effects --gold``)
read them.

Tab-separated UTF-8 with a header holding at least the columns doc, unit, label, heading and text (more
columns are allowed). ``unit`` is the unit's id as assignments.csv writes it (``<doc>:u003``), or only the
part after the document id (``u003``). An optional ``text_sha1`` column holds the first 12 hex digits of the
SHA-1 of the unit's text (runs of whitespace read as one space); a row that gives it may leave ``text``
empty, and topics.evaluation attaches rows to units by id and text check with it. A GOLD.tsv scored from a kit's coding sample also has the columns of
its design (DESIGN_COLUMNS): the unit's ``inclusion_probability`` (in (0, 1]), its ``stratum``, the
``batch`` that drew it, the ``design`` and the ``kit`` id. A file without ``inclusion_probability`` is
treated as not drawn by a known design: it can train and score models, but the corrected estimators
refuse it."""

from __future__ import annotations

import csv
import hashlib
import math
import re
from dataclasses import dataclass
from pathlib import Path

from ..documents import Unit
from ..errors import InputError, clipped, existing_file, listed

GOLD_COLUMNS = ("doc", "unit", "label", "heading", "text")
DESIGN_COLUMNS = ("inclusion_probability", "stratum", "batch", "design", "kit")
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
    inclusion_probability: float | None = None  # None: not drawn by a known design
    stratum: str = ""
    batch: str = ""
    design: str = ""
    kit: str = ""
    text_hash: str = ""  # the row's text_sha1 (its first 12 digits), or that of its text

    def has_text(self, text: str) -> bool:
        """Whether ``text`` is this row's unit text: the same text, whitespace aside, or the same hash."""
        if self.unit.text:
            return flat_text(text) == flat_text(self.unit.text)
        return text_sha1(text) == self.text_hash


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
                design = {c: (record.get(c) or "").strip() for c in DESIGN_COLUMNS}
                probability = (_probability(design["inclusion_probability"], path, line)
                               if "inclusion_probability" in header else None)
                rows.append(GoldUnit(unit, values["label"], line, probability, design["stratum"], design["batch"],
                                     design["design"], design["kit"], text_hash))
    except UnicodeDecodeError:
        raise InputError(f"{path}: gold file is not UTF-8 text") from None
    except csv.Error as err:
        raise InputError(f"{path}: not a readable TSV file ({err})") from None
    if not rows:
        raise InputError(f"{path}: no labelled units")
    return rows


def _probability(value: str, path: Path, line: int) -> float:
    """An inclusion probability: a number in (0, 1]."""
    try:
        number = float(value)
    except ValueError:
        raise InputError(f"{path}:{line}: inclusion_probability {clipped(repr(value))} is not a number in (0, 1]"
                         + ("; every unit of a designed sample needs one" if not value else "")) from None
    if not math.isfinite(number) or not 0 < number <= 1:
        raise InputError(f"{path}:{line}: inclusion_probability {clipped(value)} is outside (0, 1]")
    return number
