"""A MANIFEST.tsv template for a folder of reports: one row per file, with the year, region and title that
reading infers today (from the folder's MANIFEST.tsv where there is one, else from the file names) and the
folder manifest's other columns, so that a researcher fills in columns instead of typing file names. A
``province`` column is filled from the built-in table (topics.regions) for regions it knows, where the
folder's manifest gives none.

Read back as the folder's MANIFEST.tsv, the template gives every document the year, region, title and
columns it had. A .jsonl/.csv file is one row holding what all its documents share (its rows keep their
own fields). A manifest describes the files of one folder, so documents from several folders are refused.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..documents import Document
from ..errors import InputError, clipped, listed
from ..files import shown
from ..regions import province_of
from .reading import ReadResult, read_documents

KNOWN_COLUMNS = ("file", "year", "region", "title")
PROVINCE = "province"  # filled from the built-in table (topics.regions) where the manifest leaves it empty
_ROW_SOURCE = re.compile(r"(.*):row \d+")  # a jsonl/csv row's Document.source: "<file>:row N"
_CELL_BREAK = re.compile(r"[\t\r\n]+")  # a tab or a line break inside a value would split the row


def _file_of(document: Document) -> str:
    match = _ROW_SOURCE.fullmatch(document.source)
    if match and Path(match.group(1)).suffix.lower() in (".jsonl", ".csv"):
        return match.group(1)
    return document.source


def _shared(values: list) -> object:
    """The value every document of a file has, or None when they differ."""
    return values[0] if all(value == values[0] for value in values) else None


def template_rows(documents: list[Document]) -> tuple[list[str], list[dict[str, str]]]:
    """(header, rows) of the template: one row per file, in reading order."""
    by_file: dict[str, list[Document]] = {}
    for document in documents:
        by_file.setdefault(_file_of(document), []).append(document)
    folders = sorted({str(Path(file).parent) for file in by_file})
    if len(folders) > 1:
        raise InputError(f"the documents come from {len(folders)} folders ({listed(folders)}); a MANIFEST.tsv "
                         "describes the files of its own folder: write one template per folder")
    extra_columns: list[str] = []
    rows = []
    for file, docs in by_file.items():
        name = Path(file).name
        if name.startswith("#"):
            raise InputError(f"{file}: a manifest line starting with '#' is a comment; rename the file")
        columns = [doc.meta.get("columns", {}) for doc in docs]
        keys = [key for key in dict.fromkeys(k for cols in columns for k in cols) if key.lower() not in KNOWN_COLUMNS]
        row = {"file": name}
        for field in ("year", "region", "title"):
            value = _shared([getattr(doc, field) for doc in docs])
            row[field] = "" if value is None else str(value)
        for key in keys:
            value = _shared([cols.get(key) for cols in columns])
            row[key] = "" if value is None else str(value)
            if key not in extra_columns:
                extra_columns.append(key)
        rows.append({key: _CELL_BREAK.sub(" ", value).strip() for key, value in row.items()})
    # the manifest's own province column keeps its name (a second spelling would be a duplicate column)
    province = next((column for column in extra_columns if column.lower() == PROVINCE), PROVINCE)
    for row in rows:
        row[province] = row.get(province) or province_of(row["region"])
    header = list(KNOWN_COLUMNS)
    if province in extra_columns or any(row[province] for row in rows):
        header.insert(header.index("region") + 1, province)
    return header + [column for column in extra_columns if column != province], rows


def format_template(header: list[str], rows: list[dict[str, str]]) -> str:
    lines = ["\t".join(header)]
    lines += ["\t".join(row.get(column, "") for column in header) for row in rows]
    return "\n".join(lines) + "\n"


def write_manifest_template(paths: list[str | Path], output: str | Path, *, strict: bool = False) -> tuple[ReadResult, int]:
    """Read ``paths`` and write their template to ``output`` (never over an existing file).
    Returns the reading (its warnings and skipped files) and the number of rows written."""
    output = Path(output)
    if output.exists() or output.is_symlink():
        raise InputError(f"{shown(output)}: already exists; a manifest template never overwrites a file "
                         "(move it away or give another name)")
    result = read_documents(paths, strict=strict)
    header, rows = template_rows(result.documents)
    try:
        with open(output, "x", encoding="utf-8", newline="") as handle:  # "x": a file made meanwhile is kept too
            handle.write(format_template(header, rows))
    except FileExistsError:
        raise InputError(f"{shown(output)}: already exists; a manifest template never overwrites a file") from None
    except OSError as err:
        raise InputError(f"{shown(output)}: cannot write ({clipped(err.strerror)})") from None
    return result, len(rows)
