"""Ingest: files and folders → documents (reading) → clean text (layout) → units (structure), with a
summary of what was kept, removed and skipped, and the units.jsonl / removed.jsonl file formats.

units.jsonl holds one JSON object per line: doc_id, unit_id, kind, heading, text, weak_label, year,
region, position, span and meta (Unit.to_json). removed.jsonl holds one Removal per line: doc_id,
reason, text, line.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ..documents import Change, Removal, Unit
from ..errors import InputError, existing_file, listed
from .formats import joins, removals
from ..outputs import write_jsonl
from .layout import CleanDocument, count_chars, repair_layout
from .reading import ReadResult, SkippedFile, iter_documents
from .script import simplified
from .structure import MAX_UNIT_CHARS, split_units
from ..lexicon import Lexicon

if TYPE_CHECKING:  # the checks load numpy and the duplicate search datasketch: only ingest_paths needs them
    from .checks import Check
    from .duplicates import DuplicateGroup

REQUIRED_FIELDS = ("doc_id", "unit_id", "kind", "heading", "text", "weak_label", "year", "region")


@dataclass
class IngestResult:
    documents: list[CleanDocument] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    removals: list[Removal] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)  # texts changed in reading (script; PDF joins), originals kept
    skipped: list[SkippedFile] = field(default_factory=list)  # whole files and single jsonl/csv records
    warnings: list[str] = field(default_factory=list)  # read anyway, e.g. a manifest row naming no file
    summary: dict = field(default_factory=dict)


def ingest_paths(paths, *, strict: bool = False, progress: bool = False,
                 themes: Lexicon | dict[str, list[str]] | None = None, dedupe: bool = False,
                 max_unit_chars: int = MAX_UNIT_CHARS, keep_text: bool = True,
                 unit_sink: Callable[[Unit], None] | None = None) -> IngestResult:
    """Read, repair and cut files and folders into units. Bad files are skipped (InputError when
    ``strict``); a missing path raises InputError. Near-duplicate documents (the same report read
    twice) are reported in the summary; with ``dedupe`` only the most complete of each group is kept
    (see _keeper), and the others are recorded as removed ("duplicate"), so nothing read goes
    unaccounted. Documents that hold a passage twice, are much shorter than their twin edition or
    their year's other reports, or end mid-sentence are named in warnings (InputError when ``strict``).

    Files are read, repaired and cut one document at a time: what is kept of a document once it is cut is its
    units and, with ``keep_text`` (the default), the cleaned document and what was removed from it or changed
    (``documents``, ``removals``, ``changes``). Without ``keep_text`` those stay empty and only their figures
    reach the summary, so a large corpus costs its units, not its texts twice over. ``unit_sink`` takes each unit
    instead of ``units``: as its document is cut, or, with ``dedupe``, once the documents to drop are known
    (``topics run`` writes them to disk, so that no stage before fitting holds them all)."""
    from .checks import DocumentChecks
    from .duplicates import DuplicateFinder

    if themes is None:
        themes = Lexicon.load()
    read = ReadResult()
    result = IngestResult()
    finder, checks = DuplicateFinder(), DocumentChecks()
    figures = Counter()  # documents read, characters read and not read, PDF joins
    converted: list[str] = []  # documents converted from traditional script
    sources: dict[str, str] = {}
    read_in: list[tuple[object, list[_Piece]]] = []  # per document: the reader's removals, its pieces
    kept_units = _UnitCounts(unit_sink or result.units.append)
    for document in iter_documents(paths, read, strict=strict, progress=progress):
        figures["documents"] += 1
        figures["not_read"] += document.meta.get("not_read", {}).get("chars", 0)
        text, changed = simplified(document.text)
        if changed:  # traditional script: converted, the original kept in the change record
            converted.append(document.doc_id)
            if keep_text:
                result.changes.append(Change(document.doc_id, "traditional-to-simplified", document.text, changed))
            document = replace(document, text=text, meta={**document.meta, "converted": "traditional-to-simplified"})
        before = removals(document)  # what a PDF, Word or web-page reader took out (headers, portal chrome …)
        pdf_joins = joins(document)  # paragraphs a PDF reader joined over a column or page break
        figures["pdf_joins"] += len(pdf_joins)
        if keep_text:
            result.changes += pdf_joins
        figures["input_chars"] += count_chars(document.text) + sum(count_chars(r.text) for r in before)
        pieces = []
        for clean in repair_layout(document):
            # a page split into pieces (x#1, x#2) can meet another input's id (x.csv row 1 → x#1)
            if clean.doc_id in sources:
                raise InputError(f"{document.source}: document id {clean.doc_id!r} is also given by "
                                 f"{sources[clean.doc_id]}; rename one of the files")
            sources[clean.doc_id] = document.source
            finder.add(clean.doc_id, clean.text)
            checks.add(clean)
            units = split_units(clean, themes, max_unit_chars)
            if not dedupe:  # no document will be dropped: its units go now
                kept_units.add(units)
                units = []
            pieces.append(_Piece(clean.doc_id, units, _removed(clean.removals, keep_text), clean.kept_chars,
                                 clean if keep_text else None))
        read_in.append((_removed(before, keep_text), pieces))
    result.skipped, result.warnings = list(read.skipped), list(read.warnings)

    groups = finder.groups()
    finder.close()
    found, lengths = checks.finish(groups)
    if strict and found:
        first = found[0]
        raise InputError(f"{sources[first.doc_id]}: {first.doc_id} {first.message} (--strict makes document checks "
                         f"errors; {len(found)} in all)")
    result.warnings += [f"{check.doc_id}: {check.message}" for check in found]
    order = {doc_id: index for index, doc_id in enumerate(finder.ids)}
    keepers = [_keeper(group, found, lengths, order) for group in groups]
    dropped = {doc_id for group, (keep, _) in zip(groups, keepers) for doc_id in group.doc_ids if doc_id != keep} \
        if dedupe else set()
    removed_by_reason: Counter = Counter()

    def account(removed) -> None:  # a list of Removals (keep_text), or their characters by reason
        if isinstance(removed, Counter):
            removed_by_reason.update(removed)
            return
        result.removals.extend(removed)
        removed_by_reason.update(_removed(removed, False))

    kept_chars = 0
    for before, pieces in read_in:
        account(before)
        for piece in pieces:
            account(piece.removed)
            if piece.doc_id in dropped:
                account([Removal(piece.doc_id, "duplicate", piece.document.text)] if keep_text
                        else Counter({"duplicate": piece.kept_chars}))
                continue
            if keep_text:
                result.documents.append(piece.document)
            kept_chars += piece.kept_chars
            kept_units.add(piece.units)
    del read_in
    result.summary = summarise(figures, result, removed_by_reason, kept_units, kept_chars=kept_chars,
                               documents_kept=len(finder.ids) - len(dropped), pieces=len(finder.ids),
                               converted=converted)
    # units cut into parts at max_unit_chars: each part is a unit of its own, with meta part / parts
    result.summary["units_cut"] = {"max_unit_chars": max_unit_chars, "units": kept_units.cut, "parts": kept_units.parts}
    # what a PDF or Word reader could not read at all (a chart's text): each file is named in the warnings
    result.summary["chars_not_read"] = figures["not_read"]
    result.summary["duplicates"] = [
        {"doc_ids": group.doc_ids, "similarity": round(group.similarity, 3),
         "pairs": [{"doc_ids": [pair.a, pair.b], "similarity": round(pair.similarity, 3),
                    "containment": round(pair.containment, 3)} for pair in group.pairs],
         "keep": keep, "keep_because": because,
         "dropped": [doc_id for doc_id in group.doc_ids if doc_id in dropped]} for group, (keep, because) in zip(groups, keepers)]
    result.summary["document_checks"] = [check.to_json() for check in found]
    return result


class _UnitCounts:
    """Hands the units kept on (to ``deliver``) and counts them for the summary."""

    def __init__(self, deliver: Callable[[Unit], None]):
        self.deliver = deliver
        self.kinds: Counter = Counter()
        self.weak_labels: Counter = Counter()
        self.cut = self.parts = 0  # units cut at max_unit_chars, and the parts they were cut into

    def add(self, units: list[Unit]) -> None:
        for unit in units:
            self.kinds[unit.kind] += 1
            self.weak_labels[unit.weak_label or "none"] += 1
            part = unit.meta.get("part")
            self.cut += part == 1
            self.parts += bool(part)
            self.deliver(unit)


@dataclass
class _Piece:
    """What ingest keeps of a cleaned document (a page's article) until it knows which --dedupe drops."""

    doc_id: str
    units: list[Unit]  # with dedupe; without, they went on as the document was cut
    removed: object  # what layout repair removed: Removals, or their characters by reason (see _removed)
    kept_chars: int
    document: CleanDocument | None  # with keep_text


def _removed(removed: list[Removal], keep_text: bool):
    """The removals as kept: themselves, or (without keep_text) only their characters by reason."""
    if keep_text:
        return removed
    chars: Counter = Counter()
    for removal in removed:
        chars[removal.reason] += count_chars(removal.text)
    return chars


def _keeper(group: DuplicateGroup, checks: list[Check], lengths: dict[str, int], order: dict[str, int]) -> tuple[str, str]:
    """The document of a near-duplicate group that --dedupe keeps, and why: the most complete one —
    one the document checks found nothing wrong with, then the one with the most text (a second copy
    of a doubled passage not counted), then the first read."""
    flagged = {check.doc_id for check in checks}
    best, runner_up = sorted(group.doc_ids, key=lambda doc_id: (doc_id in flagged, -lengths[doc_id], order[doc_id]))[:2]
    if runner_up in flagged and best not in flagged:
        return best, f"the document checks flag {runner_up}"
    if lengths[best] > lengths[runner_up]:
        return best, f"more text than {runner_up}"
    return best, f"read before {runner_up}, with as much text"


def summarise(figures: Counter, result: IngestResult, removed_by_reason: Counter, units: _UnitCounts, *,
              kept_chars: int, documents_kept: int, pieces: int, converted: list[str]) -> dict:
    """The figures of an ingest; ``pieces``: the documents after splitting pages with several articles,
    before --dedupe dropped any."""
    return {
        "documents": figures["documents"],
        "pieces": pieces,
        "documents_kept": documents_kept,
        "units": sum(units.kinds.values()),
        "units_by_kind": dict(units.kinds.most_common()),
        "weak_labels": dict(units.weak_labels.most_common()),
        "chars_input": figures["input_chars"],
        "chars_kept": kept_chars,
        "chars_removed": sum(removed_by_reason.values()),
        "removed_by_reason": dict(removed_by_reason.most_common()),
        "files_skipped": sum(1 for s in result.skipped if not s.record),
        "records_skipped": sum(1 for s in result.skipped if s.record),
        "skipped": [s.to_json() for s in result.skipped],
        "warnings": list(result.warnings),
        "converted_to_simplified": converted,
        "pdf_joins": figures["pdf_joins"],
    }


def format_summary(summary: dict) -> str:
    """The closing summary of ``topics ingest`` as readable lines."""
    def listing(counts: dict) -> str:
        return ", ".join(f"{name} {value:,}" for name, value in counts.items()) or "none"

    lines = [
        f"documents: {summary['documents']:,}" + (f" ({summary['pieces']:,} after splitting pages with several articles)"
                                                  if summary["pieces"] != summary["documents"] else "")
        + (f"; {summary['documents_kept']:,} kept after --dedupe" if summary["documents_kept"] != summary["pieces"] else ""),
        f"units: {summary['units']:,} ({listing(summary['units_by_kind'])})"
        + (f"; {summary['units_cut']['units']:,} longer than {summary['units_cut']['max_unit_chars']:,} characters cut "
           f"into {summary['units_cut']['parts']:,} at sentence ends" if summary.get("units_cut", {}).get("units") else ""),
        f"weak labels: {listing(summary['weak_labels'])}",
        f"characters: {summary['chars_input']:,} read = {summary['chars_kept']:,} kept + "
        f"{summary['chars_removed']:,} removed (whitespace, control and format characters not counted)"
        + (f"; {summary['chars_not_read']:,} not read (see the warnings)" if summary.get("chars_not_read") else ""),
        f"removed by reason: {listing(summary['removed_by_reason'])}",
        *([f"PDF paragraphs joined over a column or page break: {summary['pdf_joins']:,} (each in the --removed record)"]
          if summary.get("pdf_joins") else []),
        *format_skipped(summary),
        *format_duplicates(summary),
        *([f"converted from traditional to simplified script (originals in the --removed record): "
           f"{listed(summary['converted_to_simplified'])}"] if summary.get("converted_to_simplified") else []),
    ]
    return "\n".join(lines)


def format_duplicates(summary: dict, limit: int = 10) -> list[str]:
    """The near-duplicate documents found, a line per group (the first ``limit`` groups), each with its
    similarity and the one --dedupe keeps."""
    groups = summary.get("duplicates") or []
    if not groups:
        return []
    dropped = sum(len(group["dropped"]) for group in groups)
    lines = [f"near-duplicate documents: {len(groups):,} group(s)" +
             (f", {dropped:,} dropped (--dedupe keeps the most complete of each)" if dropped else
              " (all kept; --dedupe keeps the most complete of each)")]
    for group in groups[:limit]:
        pairs = "; ".join(f"similarity {pair['similarity']:.2f}" + (
            f", containment {pair['containment']:.2f}" if pair["containment"] - pair["similarity"] >= 0.1 else "")
            for pair in group["pairs"])
        lines.append(f"  {' = '.join(group['doc_ids'])} ({pairs}): {'kept' if dropped else '--dedupe keeps'} "
                     f"{group['keep']} ({group['keep_because']})")
    if len(groups) > limit:
        lines.append(f"  … and {len(groups) - limit:,} more")
    return lines


def format_skipped(summary: dict) -> list[str]:
    """What reading passed over, as lines: the files skipped, the jsonl/csv records skipped (files whose
    other records were read) and the warnings, each with its path and reason. Shared by every command
    that reads report files, so they all say the same."""
    files = [item for item in summary["skipped"] if not item.get("record")]
    records = [item for item in summary["skipped"] if item.get("record")]
    lines = [f"files skipped: {len(files):,}"]
    lines += [f"  {item['path']}: {item['reason']}" for item in files]
    if records:
        lines.append(f"records skipped: {len(records):,} (bad rows of jsonl/csv files whose other rows were read)")
        lines += [f"  {item['path']}: {item['reason']}" for item in records]
    if summary.get("warnings"):
        lines.append(f"warnings: {len(summary['warnings']):,}")
        lines += [f"  {warning}" for warning in summary["warnings"]]
    return lines


# ---------------------------------------------------------------- files


def write_units(units: list[Unit], path: str | Path) -> Path:
    """Write units as JSONL (one object per line, UTF-8)."""
    return write_jsonl((unit.to_json() for unit in units), path)


def write_removals(removals: list[Removal], path: str | Path, changes: list[Change] = ()) -> Path:
    """Write what cleaning took out or changed as JSONL: one record per removal (doc_id, reason, text, line),
    then one per change (doc_id, change, original, chars_changed, where): a text converted to simplified
    script, two lines of a PDF joined over a column or page break."""
    records = [removal.to_json() for removal in removals] + [change.to_json() for change in changes]
    return write_jsonl(records, path)


def read_units(path: str | Path) -> list[Unit]:
    """Read a units.jsonl file. Raises InputError naming file:line for a malformed line."""
    path = existing_file(path)
    units = []
    seen: dict[str, int] = {}
    try:
        handle = path.open(encoding="utf-8")
    except OSError as err:
        raise InputError(f"{path}: cannot read ({err.strerror})") from None
    with handle:
        try:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                units.append(_parse_unit(line, f"{path}:{number}", seen, number))
        except UnicodeDecodeError:
            raise InputError(f"{path}: not UTF-8 text") from None
    return units


def _parse_unit(line: str, where: str, seen: dict[str, int], number: int) -> Unit:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as err:
        raise InputError(f"{where}: not valid JSON ({err.msg})") from None
    if not isinstance(record, dict):
        raise InputError(f"{where}: expected a JSON object, got {type(record).__name__}")
    missing = [key for key in REQUIRED_FIELDS if key not in record]
    if missing:
        raise InputError(f"{where}: missing field(s) {', '.join(missing)}")
    for key in ("doc_id", "unit_id", "kind", "heading", "text", "weak_label", "region"):
        if not isinstance(record[key], str):
            raise InputError(f"{where}: field '{key}' must be a string")
    if record["year"] is not None and (not isinstance(record["year"], int) or isinstance(record["year"], bool)):
        raise InputError(f"{where}: field 'year' must be an integer or null")
    span = record.get("span", [0, 0])
    if not (isinstance(span, list) and len(span) == 2 and all(isinstance(x, int) for x in span)):
        raise InputError(f"{where}: field 'span' must be [start, end]")
    if not isinstance(record.get("meta", {}), dict):
        raise InputError(f"{where}: field 'meta' must be an object")
    if record["unit_id"] in seen:
        raise InputError(f"{where}: unit_id '{record['unit_id']}' repeats line {seen[record['unit_id']]}")
    seen[record["unit_id"]] = number
    try:
        return Unit.from_json(record)
    except TypeError as err:
        raise InputError(f"{where}: {err}") from None


def units_from_inputs(inputs: list[str], *, themes: Lexicon | dict | None = None, strict: bool = False,
                      progress: bool = False, max_unit_chars: int = MAX_UNIT_CHARS) -> IngestResult:
    """Units from one units.jsonl written by `topics ingest`, or from report files and folders, with
    what reading skipped (``format_skipped(result.summary)`` says it as `topics ingest` does)."""
    if len(inputs) == 1 and is_units_file(Path(inputs[0])):
        units = read_units(inputs[0])
        return IngestResult(units=units, summary={"skipped": [], "warnings": []})
    for path in inputs:
        if is_units_file(Path(path)):
            raise InputError(f"{path}: a units.jsonl must be the only INPUT (got {len(inputs)} inputs)")
    return ingest_paths(inputs, strict=strict, progress=progress, themes=themes, max_unit_chars=max_unit_chars)


def is_units_file(path: Path) -> bool:
    """A .jsonl whose first record has unit fields (written by `topics ingest`); a .jsonl corpus of
    documents has none."""
    if path.suffix.lower() != ".jsonl" or not path.is_file():
        return False
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if line.strip():
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    return False
                return isinstance(record, dict) and {"doc_id", "unit_id", "text"} <= record.keys()
    return False
