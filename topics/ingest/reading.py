"""Corpus reading: files and folders of report text → Document records.

Reads ``.txt`` files in any common Chinese encoding (detected per file), ``.jsonl`` and ``.csv``
files with one document per line/row, and an optional ``MANIFEST.tsv`` beside the files that gives
year, region and title. Bad files are skipped with a reason (or raise InputError when strict); a
missing path always raises. See corpora/README.md for the format.

Rules worth knowing:
- Order: the inputs in the order given; inside a folder, files sorted by relative path (code-point
  order, so the same on every machine). A file reachable twice (a folder and a file in it) is read once.
- Doc ids: a file given directly → its stem; a file found in a folder → "<folder name>/<relative path
  without extension>"; a jsonl/csv row → "<file id>#<id field, or row number>". Two inputs that would
  give the same id raise InputError instead of being renamed, because ids are what gold labels and
  assignments are matched on; a repeated id field inside one jsonl/csv file is a bad row.
- In folders, hidden files and folders, ``__MACOSX``, ``MANIFEST.tsv`` and documentation (README,
  LICENSE, ``*.md``) are not documents and are passed over; any other file that is not .txt/.jsonl/.csv
  is reported as skipped ("unsupported file type"), so nothing in a corpus folder goes unnoticed.
- Only regular files are opened (topics.files): a named pipe, socket or device in a folder, a broken
  symbolic link and a sub-folder that cannot be opened are reported as skipped with the reason; given
  directly (or as a MANIFEST.tsv) they are an InputError.
- A symbolic link to a file is read; a symbolic link to a folder is not followed but reported as
  skipped. A link can point anywhere (a parent folder: a loop; ``/``: the whole disk; another corpus:
  every report counted twice), so a corpus holds what is in its folder, as ``find`` and ``os.walk``
  see it; give the link's target as an input to read it.
- A sub-folder holding a run of ``topics run`` (its ``DONE``, or ``config.toml`` with ``units.jsonl``)
  is not read: its tables are not reports. It is reported as skipped.
- File names that are not UTF-8 (GBK bytes from a zip made on Chinese Windows) are read; ids, sources
  and messages show them decoded as GB18030 (topics.files.shown), and a warning names them.
- What a PDF/Word reader could not read (a Word chart's text, an embedded object) is a warning naming
  the file and the characters not read.
- A bad jsonl/csv row skips only that row (``SkippedFile.record``); a csv whose quote is left open is a
  bad file, named at the line the row starts on (the csv module reads strictly for this).
- A MANIFEST.tsv row naming a file that is not in its folder is a warning (``ReadResult.warnings``; an
  InputError when strict), and so are files of the folder the manifest does not name.
- UTF-16 without a byte-order mark is recognised by the NUL bytes of its ASCII characters.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import json
import os
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from ..documents import Document
from ..errors import InputError, clipped, listed
from ..files import NotRegularFile, has_undecodable_name, kind_of, read_regular, shown
from .formats import READERS as FORMAT_READERS, UnreadableFile, document_from, not_read_note  # PDF, Word, web pages
from ..run_files import RUN_FOLDER_MARKS

READABLE = (".txt", ".jsonl", ".csv", *FORMAT_READERS)
MANIFEST_NAME = "manifest.tsv"  # matched case-insensitively
TEXT_FIELDS = ("text", "content")  # jsonl
TEXT_COLUMNS = ("text", "content", "full_text")  # csv
KNOWN_FIELDS = ("id", "title", "year", "region")

# Han ideographs: CJK Unified (basic, extension A, extensions B and later) and compatibility ideographs
_CHINESE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
# every line boundary str.splitlines() knows becomes "\n", so split("\n") and splitlines() agree
_LINE_BREAK = re.compile("\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|2[01]\d\d)(?!\d)")
YEARS = range(1800, 2200)  # the years a file name can give (_YEAR); a manifest or row must give one of them too
# C0 controls other than tab and the line breaks: text never holds them, misread binary data does
_CONTROL = re.compile("[\x00-\x08\x0e-\x1b\x7f]")

# (signature, what it is) — files researchers often drop into a corpus folder by mistake
_BINARY_SIGNATURES = (
    (b"\x89PNG", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"%PDF", "PDF document; extract its text to .txt first"),
    (b"PK\x03\x04", "ZIP archive or Word/Excel file; save the text as .txt first"),
    (b"\xd0\xcf\x11\xe0", "old Word/Excel/WPS file; save the text as .txt first"),
    (b"{\\rtf", "RTF document; save it as plain text first"),
    (b"\x1f\x8b", "gzip archive"),
    (b"7z\xbc\xaf", "7-Zip archive"),
    (b"Rar!", "RAR archive"),
)
_BOMS = (  # longest first: the UTF-32 LE mark begins with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


@dataclass
class SkippedFile:
    """A file (or "file:line" for a jsonl/csv row) that was not read, and why."""

    path: str
    reason: str
    record: bool = False  # one bad row of a jsonl/csv file whose other rows were read

    def to_json(self) -> dict:
        return {"path": self.path, "reason": self.reason, "record": self.record}


@dataclass
class ReadResult:
    documents: list[Document] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)  # whole files and single jsonl/csv records
    warnings: list[str] = field(default_factory=list)  # read anyway, but worth a look (manifest mismatches)

    @property
    def files_skipped(self) -> list[SkippedFile]:
        return [s for s in self.skipped if not s.record]

    @property
    def records_skipped(self) -> list[SkippedFile]:
        return [s for s in self.skipped if s.record]


class _Bad(Exception):
    """A bad file or row: becomes a SkippedFile, or an InputError when strict."""

    def __init__(self, reason: str, line: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.line = line


# ---------------------------------------------------------------- decoding


def decode_text(data: bytes, path: str) -> str:
    """Decode a text file's bytes (encoding detected, newlines normalised to "\\n").

    Raises InputError("<path>[:line]: reason") for empty, binary, undecodable or non-Chinese data."""
    try:
        return _decode(data)[0]
    except _Bad as bad:
        raise InputError(f"{_where(path, bad.line)}: {bad.reason}") from None


def _decode(data: bytes, *, need_chinese: bool = True) -> tuple[str, str]:
    """Return (text, encoding name). Deterministic: byte-order mark, then strict UTF-8, GB18030 and
    Big5, taking the first that yields Chinese text; a statistical detector only for bytes none of
    them accept. Text without Chinese is refused unless ``need_chinese`` is off (manifests, and
    jsonl/csv files whose rows are checked one by one)."""
    if not data.strip():
        raise _Bad("empty file" if not data else "empty file (only whitespace)")
    for signature, kind in _BINARY_SIGNATURES:
        if data.startswith(signature):
            raise _Bad(f"binary file ({kind})")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(encoding)
            except UnicodeDecodeError as err:
                raise _Bad(f"undecodable bytes: starts with a {encoding} byte-order mark but is not "
                           f"valid {encoding} (byte {err.start + len(bom)})") from None
            return _checked(text, encoding, need_chinese), encoding
    if b"\x00" in data:
        utf16 = _utf16_without_bom(data)
        if utf16 is None:
            raise _Bad("binary file (contains NUL bytes)")
        return _checked(utf16[0], utf16[1], need_chinese), utf16[1]

    errors: dict[str, UnicodeDecodeError] = {}
    without_chinese = None
    for encoding in ("utf-8", "gb18030", "cp950"):  # cp950: Microsoft's Big5, as found in Windows files
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as err:
            errors[encoding] = err
            continue
        if encoding == "gb18030" and _looks_like_misread_big5(text, data):
            continue  # Big5 is tried next
        if _CHINESE.search(text):
            return _normalise_newlines(text), "big5" if encoding == "cp950" else encoding
        without_chinese = without_chinese or (text, encoding)
    if without_chinese is not None:  # decodes cleanly, just not Chinese: say so, don't guess further
        text, encoding = without_chinese
        return _checked(text, encoding, need_chinese), encoding

    guess = _detector_guess(data)
    if guess is not None:
        return guess
    # report the position from the decoder that got furthest: most likely the intended encoding
    err = max(errors.values(), key=lambda e: e.start)
    line = data.count(b"\n", 0, err.start) + 1
    raise _Bad(f"undecodable bytes: not valid UTF-8, GB18030/GBK or Big5 "
               f"(byte 0x{data[err.start]:02X} at offset {err.start})", line)


def _checked(text: str, encoding: str, need_chinese: bool) -> str:
    if not text.strip():
        raise _Bad("empty file (only whitespace)")
    if need_chinese and not _CHINESE.search(text):
        raise _Bad("no Chinese text")
    return _normalise_newlines(text)


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """UTF-16 saved without a byte-order mark. Its ASCII characters (line ends, digits, spaces) put a
    NUL in every other byte: odd offsets for little-endian, even for big-endian. Taken only when the
    bytes decode strictly to plausible text, so binary data with NULs is still refused."""
    if len(data) % 2:
        return None
    odd, even = data[1::2].count(0), data[0::2].count(0)
    for encoding in ("utf-16-le", "utf-16-be") if odd >= even else ("utf-16-be", "utf-16-le"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _plausible_text(text):
            return text, encoding
    return None


def _plausible_text(text: str) -> bool:
    """No control characters, and nearly all characters Han, ASCII or CJK punctuation and full-width
    forms, as in any report; bytes read with the wrong encoding give Hangul, private-use and rare
    symbols instead."""
    if not text or _CONTROL.search(text):
        return False
    usual = sum(1 for ch in text if ch < "\x80" or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef")
    usual += len(_CHINESE.findall(text))
    return usual >= 0.9 * len(text)


def _normalise_newlines(text: str) -> str:
    return _LINE_BREAK.sub("\n", text)


def _looks_like_misread_big5(text: str, data: bytes) -> bool:
    """Big5 bytes are usually valid GB18030 too, decoding to rare characters. Real GB text (simplified
    or traditional) keeps most of its Han characters inside GB2312; misread Big5 does not, and is
    also valid Big5. Only then is the detector asked to choose between the two."""
    han = _CHINESE.findall(text[:20000])
    if len(han) < 20:
        return False
    outside = sum(1 for ch in han if not _in_gb2312(ch))
    if outside / len(han) < 0.2:
        return False
    try:
        data.decode("cp950")
    except UnicodeDecodeError:
        return False
    from charset_normalizer import from_bytes  # imported lazily: rarely needed

    cut = data.rfind(b"\n", 0, 200_000)  # a newline is never inside a GBK or Big5 character
    sample = data[:cut] if cut > 0 and len(data) > 200_000 else data
    best = from_bytes(sample, cp_isolation=["gb18030", "big5"]).best()
    return best is not None and best.encoding == "big5"


def _in_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
        return True
    except UnicodeEncodeError:
        return False


def _detector_guess(data: bytes) -> tuple[str, str] | None:
    """Last resort, for bytes that no strict decoder accepts; taken only if it yields Chinese text."""
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        return None
    text = str(best)
    if not _CHINESE.search(text):
        return None
    return _normalise_newlines(text), best.encoding


# ---------------------------------------------------------------- metadata


@dataclass
class FileMeta:
    """What a MANIFEST.tsv row or a file name says about a document."""

    year: int | None = None
    region: str = ""
    title: str = ""
    extra: dict = field(default_factory=dict)
    line: int = 0  # its line in the manifest (0: not from a manifest)


def _parse_year(value) -> int | None:
    """A year given as int or digits; '' or None → None; anything else → ValueError."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    year = None
    if isinstance(value, int) and not isinstance(value, bool):
        year = value
    elif isinstance(value, float) and value.is_integer():
        year = int(value)  # e.g. 2024.0 from a spreadsheet export
    elif isinstance(value, str):
        digits = value.strip().removeprefix("-").removeprefix("+")
        if digits.isdecimal():
            if len(digits) > 9:  # out of range anyway; int() refuses runs of over 4,300 digits
                raise ValueError(f"year {clipped(value.strip(), 20)} is out of range ({YEARS.start}–{YEARS.stop - 1})")
            year = int(value.strip())
    if year is None:
        raise ValueError(f"year {clipped(repr(value))} is not a whole number")
    if year not in YEARS:
        raise ValueError(f"year {clipped(year)} is out of range ({YEARS.start}–{YEARS.stop - 1})")
    return year


def _manifest_key(name: str) -> str:
    """Manifest file names compared as NFC text with forward slashes (macOS stores names as NFD)."""
    name = unicodedata.normalize("NFC", name.strip().replace("\\", "/"))
    while name.startswith("./"):
        name = name[2:]
    return name


def load_manifest(path: Path) -> dict[str, FileMeta]:
    """Read a MANIFEST.tsv: {file name: metadata}. Malformed → InputError naming path:line."""
    try:
        text, _ = _decode(read_regular(path), need_chinese=False)
    except _Bad as bad:
        raise InputError(f"{_where(shown(path), bad.line)}: {bad.reason}") from None
    except NotRegularFile as err:
        raise InputError(f"{shown(path)}: {err}; a manifest is a tab-separated text file") from None
    except OSError as err:
        raise InputError(f"{shown(path)}: cannot read ({err.strerror})") from None
    path = Path(shown(path))  # named in the messages below
    lines = text.split("\n")
    header_at = next((i for i, line in enumerate(lines) if line.strip() and not line.startswith("#")), None)
    if header_at is None:
        raise InputError(f"{path}: empty manifest (needs a header line with a 'file' column)")
    header = [name.strip() for name in lines[header_at].split("\t")]
    lower = [name.lower() for name in header]
    if "file" not in lower:
        raise InputError(f"{path}:{header_at + 1}: no 'file' column in the header "
                         f"(found: {listed(clipped(name, 40) for name in header)}); the manifest must be tab-separated")
    for name in set(lower):
        if name and lower.count(name) > 1:
            raise InputError(f"{path}:{header_at + 1}: column '{clipped(name)}' appears twice")

    entries: dict[str, FileMeta] = {}
    first_line: dict[str, int] = {}
    for number, line in enumerate(lines[header_at + 1:], start=header_at + 2):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        while len(cells) > len(header) and not cells[-1].strip():
            cells.pop()  # trailing tabs are harmless
        if len(cells) > len(header):
            raise InputError(f"{path}:{number}: {len(cells)} fields but the header has {len(header)}")
        cells += [""] * (len(header) - len(cells))
        row = dict(zip(lower, (cell.strip() for cell in cells)))
        key = _manifest_key(row["file"])
        if not key:
            raise InputError(f"{path}:{number}: empty 'file' field")
        if key in entries:
            raise InputError(f"{path}:{number}: file '{clipped(key)}' is listed twice (first on line {first_line[key]})")
        extra = {original: row[low] for original, low in zip(header, lower) if low not in ("file", "year", "region", "title")}
        try:
            year = _parse_year(row.get("year"))
        except ValueError as err:
            raise InputError(f"{path}:{number}: {err}") from None
        entries[key] = FileMeta(year=year, region=row.get("region", ""), title=row.get("title", ""), extra=extra,
                                line=number)
        first_line[key] = number
    return entries


def metadata_from_name(stem: str) -> tuple[int | None, str]:
    """Year (and region) from a file name: '2024_上海市' → (2024, '上海市'); '2015' → (2015, '');
    '上海市_2024' → (2024, '上海市'); 'report' → (None, ''). A region is taken only from a two-part
    '<year>_<name>' form whose other part is Chinese, so '2024_final' gives no region."""
    match = _YEAR.search(stem)
    year = int(match.group(1)) if match else None
    region = ""
    parts = [part for part in re.split(r"[_\-\s]+", stem) if part]
    if len(parts) == 2 and year is not None:
        years = [part for part in parts if _YEAR.fullmatch(part)]
        others = [part for part in parts if not _YEAR.fullmatch(part)]
        if len(years) == 1 and len(others) == 1 and _CHINESE.search(others[0]) and not re.search(r"\d", others[0]):
            region = others[0]
    return year, region


# ---------------------------------------------------------------- finding files


@dataclass
class _Source:
    path: Path  # as the user would write it (the folder given joined with the relative path)
    doc_id: str  # the file's id (rows of jsonl/csv add "#...")
    folder: str | None  # the folder given on the command line it was found in, or None


class _Manifests:
    """The MANIFEST.tsv of each folder, loaded once when a file of that folder is first read, and checked
    against the folder: a row naming a file that is not there is a warning (an InputError when strict),
    since the file it meant gets no year or region from it; files the manifest does not name are a
    warning too (they take their year and region from their names)."""

    def __init__(self, strict: bool, warnings: list[str]):
        self.strict = strict
        self.warnings = warnings
        self.by_folder: dict[Path, dict[str, FileMeta]] = {}

    def entry(self, path: Path) -> FileMeta:
        folder = path.parent
        if folder not in self.by_folder:
            self.by_folder[folder] = self._load(folder)
        return self.by_folder[folder].get(_manifest_key(shown(path.name)), FileMeta())

    def _load(self, folder: Path) -> dict[str, FileMeta]:
        found = sorted(p for p in folder.iterdir() if p.name.lower() == MANIFEST_NAME)
        if not found:
            return {}
        kind = kind_of(found[0])
        if kind == "folder":
            raise InputError(f"{shown(found[0])}: is a folder, expected a file")
        if kind != "file":
            raise InputError(f"{shown(found[0])}: {_not_a_file(kind)}; a manifest is a tab-separated text file")
        entries = load_manifest(found[0])
        files = {_manifest_key(shown(p.name)): shown(p.name) for p in folder.iterdir() if kind_of(p) == "file"}
        for key, entry in entries.items():
            if key not in files:
                near = difflib.get_close_matches(key, list(files), n=1, cutoff=0.8)
                hint = f" (did you mean '{files[near[0]]}'?)" if near else ""
                message = (f"{shown(found[0])}:{entry.line}: names '{clipped(key)}', which is not in {shown(folder)}{hint}; "
                           "its year and region go to no file")
                if self.strict:
                    raise InputError(message)
                self.warnings.append(message)
        unnamed = [name for key, name in sorted(files.items()) if key not in entries and _is_corpus_file(name)]
        if unnamed:
            self.warnings.append(f"{shown(found[0])}: does not name {len(unnamed)} file(s) of its folder ({listed(unnamed)}); "
                                 "they take their year and region from their file names")
        return entries


def _is_corpus_file(name: str) -> bool:
    """A file a folder reading would take as a document."""
    return not name.startswith(".") and not _is_documentation(name) and Path(name).suffix.lower() in READABLE


def _is_documentation(name: str) -> bool:
    """The manifest and files that document a corpus rather than belong to it."""
    lower = name.lower()
    stem = lower.rsplit(".", 1)[0]
    return lower == MANIFEST_NAME or lower.endswith(".md") or stem in ("readme", "license", "licence", "copying")


def _folder_sources(folder: Path, skipped: list[SkippedFile]) -> list[_Source]:
    name = shown(folder.resolve().name) or "corpus"
    sources = []
    for rel in sorted(_regular_files(folder, skipped), key=lambda r: r.parts):
        if _is_documentation(rel.name):
            continue
        if rel.suffix.lower() not in READABLE:
            skipped.append(SkippedFile(shown(folder / rel), f"unsupported file type '{shown(rel.suffix or rel.name)}' "
                                                            f"(readable: {', '.join(sorted(READABLE))})"))
            continue
        sources.append(_Source(folder / rel, f"{name}/{shown(rel.with_suffix('').as_posix())}", str(folder)))
    return sources




def _regular_files(folder: Path, skipped: list[SkippedFile]) -> list[Path]:
    """The regular files under ``folder`` (relative paths), links to files included. Hidden entries and
    __MACOSX are passed over in silence; everything else not read goes to ``skipped`` with the reason:
    pipes, sockets and devices, broken links, links to folders (not followed), folders that cannot be
    opened, and run folders of `topics run`."""
    files: list[Path] = []
    pending = [Path()]  # a stack, not recursion: a folder tree may be deeper than Python's recursion limit
    while pending:
        rel = pending.pop()
        here = folder / rel
        try:
            with os.scandir(here) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as err:
            skipped.append(SkippedFile(shown(here), f"cannot open the folder ({err.strerror})"))
            continue
        names = {entry.name for entry in entries}
        if any(all(mark in names for mark in marks) for marks in RUN_FOLDER_MARKS):
            skipped.append(SkippedFile(shown(here), "a run folder of `topics run` (it holds DONE, or config.toml and "
                                                    "units.jsonl): its tables are not reports, not read"))
            continue
        for entry in entries:
            if entry.name.startswith(".") or entry.name == "__MACOSX":
                continue  # hidden files, version-control folders, macOS zip leftovers
            path = rel / entry.name
            kind = kind_of(folder / path)
            if kind == "file":
                files.append(path)
            elif kind == "folder" and entry.is_symlink():
                target = shown(os.readlink(folder / path))
                skipped.append(SkippedFile(shown(folder / path), f"symbolic link to a folder ({target}), not followed; "
                                                                 "give the folder itself as an input to read it"))
            elif kind == "folder":
                pending.append(path)
            else:
                skipped.append(SkippedFile(shown(folder / path), _not_a_file(kind, folder / path)))
    return files


def _not_a_file(kind: str, path: Path | None = None) -> str:
    """Why a path that is neither a regular file nor a folder is not read."""
    if kind == "broken link":
        target = f" to {shown(os.readlink(path))}" if path is not None else ""
        return f"broken symbolic link{target}, its target missing (or a loop of links)"
    if kind == "unreadable":
        return "cannot be opened (permission denied, or a loop of links)"
    return f"not a regular file ({kind}), never opened"


def refuse_output_inside_inputs(output: str | Path, inputs: list[str | Path], what: str = "run folder") -> None:
    """InputError when ``output`` is one of the input folders or lies inside one: the next reading of
    that folder would take what is written there (a run's own tables) for reports."""
    out = Path(os.path.realpath(Path(output).expanduser()))  # realpath: a loop of links is no error here
    for given in inputs:
        folder = Path(os.path.realpath(Path(given).expanduser()))
        if kind_of(folder) == "folder" and (out == folder or folder in out.parents):
            raise InputError(f"{shown(output)}: the {what} is inside the input folder {shown(given)}, whose next reading "
                             f"would take its tables for reports; choose a {what} outside {shown(given)}")


# ---------------------------------------------------------------- reading


def read_documents(paths: list[str | Path], *, strict: bool = False, progress: bool = False) -> ReadResult:
    """Read files and folders (recursively) into Documents; bad files are skipped with a reason,
    or raise InputError when ``strict``. A missing path, one that is neither a regular file nor a
    folder, or a folder with nothing readable in it always raises InputError."""
    result = ReadResult()
    result.documents = list(iter_documents(paths, result, strict=strict, progress=progress))
    return result


def iter_documents(paths: list[str | Path], result: ReadResult, *, strict: bool = False, progress: bool = False):
    """read_documents one file at a time: yields each file's documents as it is read, so that a reader of many
    files need not hold them all; ``result`` collects what was skipped and the warnings (its ``documents`` stay
    empty). The errors of read_documents come when the paths are checked or, for a folder with nothing
    readable and for no documents at all, after the last file."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    if not paths:
        raise InputError("no input files or folders given")

    sources: list[_Source] = []
    folders: list[str] = []
    for given in paths:
        path = Path(given).expanduser()
        kind = kind_of(path)
        if kind == "folder":
            folders.append(str(path))
            sources += _folder_sources(path, result.skipped)
        elif kind == "file":
            sources.append(_Source(path, shown(path.stem), None))
        elif kind == "missing":
            raise InputError(f"{shown(given)}: no such file or folder")
        else:
            raise InputError(f"{shown(given)}: {_not_a_file(kind, path)}; give report files or folders")
    undecodable = [shown(source.path) for source in sources if has_undecodable_name(str(source.path))]
    if undecodable:
        result.warnings.append(f"{len(undecodable)} file name(s) not UTF-8, shown decoded as GB18030: {listed(undecodable)}; "
                               "rename them to UTF-8 (e.g. convmv -f gbk -t utf-8 -r --notest FOLDER)")
    if strict and result.skipped:
        first = result.skipped[0]
        raise InputError(f"{first.path}: {first.reason}")

    documents_of: dict[Path, int] = {}  # resolved path → documents it gave
    first_name: dict[Path, Path] = {}  # resolved path → the name it was first read under
    id_source: dict[str, str] = {}
    manifests = _Manifests(strict, result.warnings)
    found_in: dict[str, int] = {folder: 0 for folder in folders}
    for source in tqdm(sources, desc="reading", unit="file", file=sys.stderr, disable=not progress):
        real = source.path.resolve()
        if real in documents_of:  # given twice (e.g. a folder and a file inside it): read once
            if source.folder is not None:
                found_in[source.folder] += documents_of[real]
            if source.path != first_name[real]:  # another name of it (a second link): say why it gave nothing
                result.skipped.append(SkippedFile(shown(source.path),
                                                  f"the same file as {shown(first_name[real])}, read once"))
            continue
        documents_of[real] = 0
        first_name[real] = source.path
        try:
            documents, bad_rows = _read_file(source, manifests)
        except _Bad as bad:
            where = _where(shown(source.path), bad.line)
            if strict:
                raise InputError(f"{where}: {bad.reason}") from None
            result.skipped.append(SkippedFile(where, bad.reason))
            continue
        if bad_rows:
            if strict:
                first = bad_rows[0]
                raise InputError(f"{first.path}: {first.reason}")
            result.skipped += bad_rows
        for document in documents:
            if document.doc_id in id_source:
                raise InputError(f"{document.source}: document id '{document.doc_id}' is already used by "
                                 f"{id_source[document.doc_id]}; give the files or folders distinct names")
            id_source[document.doc_id] = document.source
        result.warnings += [f"{shown(source.path)}: {note}" for note in map(not_read_note, documents) if note]
        documents_of[real] = len(documents)
        if source.folder is not None:
            found_in[source.folder] += len(documents)
        yield from documents

    for folder, count in found_in.items():
        if count == 0:
            raise InputError(f"{shown(folder)}: no readable report files ({', '.join(sorted(READABLE))})"
                             f"{_skip_hint(result.skipped, shown(folder))}")
    if not id_source:
        if not result.skipped:
            raise InputError(f"{shown(paths[0])}: no documents found")
        first = result.skipped[0]
        more = f" (and {len(result.skipped) - 1} more skipped)" if len(result.skipped) > 1 else ""
        raise InputError(f"{first.path}: {first.reason}{more}")


def _skip_hint(skipped: list[SkippedFile], folder: str) -> str:
    inside = [s for s in skipped if s.path.startswith(os.path.join(folder, ""))]
    if not inside:
        return ""
    return f"; {len(inside)} skipped, e.g. {inside[0].path}: {inside[0].reason}"


def _where(path: str, line: int | None) -> str:
    return f"{path}:{line}" if line else path


def _read_file(source: _Source, manifests: dict) -> tuple[list[Document], list[SkippedFile]]:
    try:
        data = read_regular(source.path)
    except NotRegularFile as err:
        raise _Bad(f"{err}, never opened") from None
    except OSError as err:
        raise _Bad(f"cannot read ({err.strerror})") from None
    defaults = _file_meta(source.path, manifests)
    suffix = source.path.suffix.lower()
    if suffix == ".jsonl":
        return _read_jsonl(source, data, defaults)
    if suffix == ".csv":
        return _read_csv(source, data, defaults)
    if suffix in FORMAT_READERS:  # PDF, Word, web pages (topics.formats)
        try:
            return [document_from(source.path, source.doc_id, data, year=defaults.year, region=defaults.region,
                                  title=defaults.title, extra=defaults.extra)], []
        except UnreadableFile as err:
            raise _Bad(err.reason) from None
    text, encoding = _decode(data)
    document = Document(doc_id=source.doc_id, text=text, source=shown(source.path), title=defaults.title,
                        year=defaults.year, region=defaults.region, meta={"columns": dict(defaults.extra), "encoding": encoding})
    return [document], []


def _file_meta(path: Path, manifests: _Manifests) -> FileMeta:
    """Manifest row for the file where there is one; the file name fills what it leaves empty."""
    entry = manifests.entry(path)
    year, region = metadata_from_name(shown(path.stem))
    return FileMeta(year=entry.year if entry.year is not None else year, region=entry.region or region,
                 title=entry.title, extra=dict(entry.extra))


def _row_document(source: _Source, row_number: int, line: int, record: dict, text_key: str,
                  defaults: FileMeta, encoding: str, used_ids: dict[str, int]) -> Document:
    """A Document from one jsonl object / csv row; raises _Bad (naming the line) for a row that cannot be one."""
    text = record.get(text_key)
    if not isinstance(text, str):
        raise _Bad(f"'{text_key}' is not a string", line)
    if not text.strip():
        raise _Bad(f"empty '{text_key}'", line)
    if not _CHINESE.search(text):
        raise _Bad("no Chinese text", line)
    raw_id = record.get("id")
    row_id = str(raw_id).strip() if raw_id is not None else ""
    row_id = row_id or str(row_number)
    if row_id in used_ids:
        raise _Bad(f"id '{clipped(row_id)}' is used twice (first on line {used_ids[row_id]})", line)
    used_ids[row_id] = line
    try:
        year = _parse_year(record.get("year"))
    except ValueError as err:
        raise _Bad(str(err), line) from None
    extra = {key: value for key, value in record.items() if key != text_key and key not in KNOWN_FIELDS}
    return Document(
        doc_id=f"{source.doc_id}#{row_id}",
        text=_normalise_newlines(text),
        source=f"{shown(source.path)}:row {row_number}",
        title=_text_field(record.get("title")) or defaults.title,
        year=year if year is not None else defaults.year,
        region=_text_field(record.get("region")) or defaults.region,
        meta={"columns": {**defaults.extra, **extra}, "encoding": encoding},
    )


def _text_field(value) -> str:
    return "" if value is None else str(value).strip()


def _read_jsonl(source: _Source, data: bytes, defaults: FileMeta) -> tuple[list[Document], list[SkippedFile]]:
    """One JSON object per line; blank lines are allowed. Row number = line number."""
    text, encoding = _decode(data, need_chinese=False)
    documents, bad_rows, used_ids = [], [], {}
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise _Bad(f"not valid JSON ({err.msg}, column {err.colno})", number) from None
            except (ValueError, RecursionError) as err:  # a number of over 4,300 digits, arrays nested too deep
                raise _Bad(f"not readable JSON ({clipped(err, 60) if isinstance(err, ValueError) else 'nested too deep'})",
                           number) from None
            if not isinstance(record, dict):
                raise _Bad(f"not a JSON object (got {type(record).__name__})", number)
            if "\\u" in line and _unpaired_surrogate(record):
                raise _Bad("holds an unpaired surrogate escape (such as \\ud800), which is no character: "
                           "write the file again from its source as UTF-8", number)
            text_key = next((key for key in TEXT_FIELDS if key in record), None)
            if text_key is None:
                fields = listed(clipped(key, 40) for key in record) or "none"
                raise _Bad(f"no 'text' or 'content' field (fields: {fields})", number)
            documents.append(_row_document(source, number, number, record, text_key, defaults, encoding, used_ids))
        except _Bad as bad:
            bad_rows.append(SkippedFile(_where(shown(source.path), bad.line), bad.reason, record=True))
    if not documents and not bad_rows:
        raise _Bad("empty file (no JSON lines)")
    return documents, bad_rows


def _unpaired_surrogate(record: dict) -> bool:
    """Whether a string of the record holds half of a surrogate pair (JSON's \\ud800 alone), which no text can
    be encoded with."""
    try:
        json.dumps(record, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _read_csv(source: _Source, data: bytes, defaults: FileMeta) -> tuple[list[Document], list[SkippedFile]]:
    """Comma-separated with a header; the text column is text, content or full_text. Row number =
    data row (1 = first row after the header); messages name the line the row starts on."""
    text, encoding = _decode(data, need_chinese=False)
    # strict: a quote left open makes the reader fail (at the end of the file or at the next quote)
    # instead of folding every later row, ids and all, into one field
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    old_limit = csv.field_size_limit()
    csv.field_size_limit(2**31 - 1)  # a whole report in one cell is normal
    try:
        return _csv_rows(source, reader, defaults, encoding)
    except csv.Error as err:
        raise _Bad(f"malformed CSV ({err})", reader.line_num) from None
    finally:
        csv.field_size_limit(old_limit)


def _csv_rows(source: _Source, reader, defaults: FileMeta, encoding: str) -> tuple[list[Document], list[SkippedFile]]:
    header = _next_row(reader, 1)
    if header is None:
        raise _Bad("empty file")
    header = [name.strip() for name in header]
    lower = [name.lower() for name in header]
    text_column = next((name for name in TEXT_COLUMNS if name in lower), None)
    if text_column is None:
        found = listed(clipped(name, 40) for name in header)
        raise _Bad(f"no text column (need one of {', '.join(TEXT_COLUMNS)}; found: {found})", 1)
    # known columns by their lower-case name; the rest keep the header's spelling
    keys = [low if low in (*TEXT_COLUMNS, *KNOWN_FIELDS) else name for name, low in zip(header, lower)]
    documents, bad_rows, used_ids = [], [], {}
    row_number = 0
    while True:
        start_line = reader.line_num + 1
        cells = _next_row(reader, start_line)
        if cells is None:
            break
        if not cells:
            continue  # blank line
        row_number += 1
        try:
            if len(cells) > len(keys):
                raise _Bad(f"{len(cells)} fields but the header has {len(keys)}", start_line)
            record = dict(zip(keys, cells + [""] * (len(keys) - len(cells))))
            documents.append(_row_document(source, row_number, start_line, record, text_column, defaults,
                                           encoding, used_ids))
        except _Bad as bad:
            bad_rows.append(SkippedFile(_where(shown(source.path), bad.line), bad.reason, record=True))
    if not documents and not bad_rows:
        raise _Bad("no rows after the header")
    return documents, bad_rows


def _next_row(reader, start_line: int) -> list[str] | None:
    """The next csv row; a malformed one is a bad file named at the line the row starts on."""
    try:
        return next(reader, None)
    except csv.Error as err:
        if reader.line_num > start_line:  # the row ran on over later lines: a quote left open
            raise _Bad(f"malformed CSV: a quoted field in the row starting here runs on to line {reader.line_num} "
                       f"({err}); close the quote, and double any quote inside a field (\"\")", start_line) from None
        raise _Bad(f"malformed CSV ({err})", start_line) from None
