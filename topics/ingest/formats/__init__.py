"""File formats beyond plain text: PDF, Word .docx and saved web pages, one small reader per format.

Every reader has the same signature, ``reader(path, data) -> Extracted``, and raises UnreadableFile
(an InputError whose message names the file) for a file it cannot read. READERS maps a lower-case
suffix to its reader; corpus reading dispatches on it (topics.reading).

What a reader gives back:

- ``text``: the document's paragraphs in reading order, separated by blank lines, ready for layout
  repair (topics.layout.repair_layout), which then removes front matter, bylines and the like;
- ``removed``: what the reader itself took out before layout repair — running headers and footers,
  page numbers, portal chrome — each a dict {"reason", "text", "where"}; document_from() stores them
  in ``Document.meta["removed"]`` and removals() turns them into Removal records, so nothing is lost;
- ``title``: the document's own title when it states one (PDF title / largest line, Word title,
  page heading), used to infer year and region when neither the manifest nor the file name gives them;
- ``meta``: format figures (pages, damage ratio, tables, encoding …), merged into Document.meta; a PDF's
  ``meta["joins"]`` lists the paragraphs it joined over a column or page break, which joins() turns into
  Change records for the changes log; ``meta["not_read"]`` counts what a reader could not read ({"chars": n, "where": {part: n}, "objects":
  [names]}), which reading reports as a warning naming the file (not_read_note), so nothing is lost
  without a word.

Compressed files are inflated within a stated bound (inflate_limit): a .docx's zip members and a PDF's
streams may together inflate to INFLATE_RATIO times the file's size, and never beyond INFLATE_CAP; a
file that would go further is refused with one line naming the limit (a decompression bomb).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ...documents import Change, Document, Removal
from ...errors import InputError
from ...files import NotRegularFile, read_regular, shown

# Reasons a reader records for what it removes (layout repair has its own, see topics.layout.REASONS).
REASONS = {
    "running-header": "line repeated at the top of the pages of a PDF (report title, newspaper masthead)",
    "running-footer": "line repeated at the bottom of the pages of a PDF",
    "page-number": "page number at the top or bottom of a PDF page",
    "web-chrome": "text of a saved web page outside its main content (navigation, 相关链接, 打印本页, 责任编辑 …)",
    "word-note": "footnote or endnote of a Word document",
    "word-comment": "reviewer's comment in a Word document",
    "word-placeholder": "placeholder text of an empty Word content control (单击或点击此处输入文字)",
}

# What a reader may inflate a compressed file to: Word's XML deflates about 10:1 and its pictures
# hardly at all, a PDF's content streams 3-6:1 and its fonts about 2:1, while deflate reaches about
# 1000:1 only on the repeated bytes a bomb is made of. 200:1 leaves real files a wide margin.
INFLATE_RATIO = 200
# ... and never more than this, whatever the file's size. Reading takes about 5 times what a file
# inflates to (python-docx holds every part and lxml's tree; pdfminer keeps every decoded stream), while a
# long report's document.xml is a few MB: 256 MB admits a hundred such reports in one file and keeps
# one file's reading under about 1.5 GB.
INFLATE_CAP = 256 * 2**20


def inflate_limit(size: int) -> int:
    """The most a compressed file of ``size`` bytes may inflate to."""
    return min(INFLATE_RATIO * size, INFLATE_CAP)


def too_large(path: Path | str, size: int, limit: int, inflated: str) -> UnreadableFile:
    """The one-line refusal of a file that inflates beyond its limit."""
    return UnreadableFile(path, f"{inflated} beyond the limit of {_mb(limit)} for a {_mb(size)} file "
                                f"({INFLATE_RATIO} times its size, at most {_mb(INFLATE_CAP)}): a decompression bomb, "
                                "or a file to convert to .txt first")


def _mb(size: int) -> str:
    return f"{size / 2**20:,.1f} MB"


class UnreadableFile(InputError):
    """A file a format reader cannot read; ``reason`` is the message without the path."""

    def __init__(self, path: Path | str, reason: str):
        super().__init__(f"{shown(path)}: {reason}")
        self.path = shown(path)
        self.reason = reason


@dataclass
class Extracted:
    text: str
    title: str = ""
    removed: list[dict] = field(default_factory=list)
    meta: dict = field(default_factory=dict)


def _pdf(path: Path, data: bytes) -> Extracted:
    from .pdf import read_pdf  # imported on use: pdfminer loads in a fraction of a second, but only when needed

    return read_pdf(path, data)


def _docx(path: Path, data: bytes) -> Extracted:
    from .docx import read_docx

    return read_docx(path, data)


def _doc(path: Path, data: bytes) -> Extracted:
    from .docx import read_doc

    return read_doc(path, data)


def _html(path: Path, data: bytes) -> Extracted:
    from .html import read_html

    return read_html(path, data)


READERS: dict[str, Callable[[Path, bytes], Extracted]] = {
    ".pdf": _pdf,
    ".docx": _docx,
    ".doc": _doc,
    ".wps": _doc,
    ".html": _html,
    ".htm": _html,
    ".shtml": _html,  # portals serve many pages as .shtml, and downloads keep the name
    ".xhtml": _html,
}


def read_extracted(path: Path | str, data: bytes | None = None) -> Extracted:
    """Read one file with the reader for its suffix. Raises UnreadableFile."""
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise UnreadableFile(path, f"unsupported file type '{path.suffix}' (formats: {', '.join(READERS)})")
    if data is None:
        try:
            data = read_regular(path)
        except NotRegularFile as err:
            raise UnreadableFile(path, f"{err}, never opened") from None
        except OSError as err:
            raise UnreadableFile(path, f"cannot read ({err.strerror})") from None
    if not data.strip():
        raise UnreadableFile(path, "empty file")
    extracted = reader(path, data)
    if not _HAN.search(extracted.text):
        raise UnreadableFile(path, "no Chinese text")
    return extracted


def document_from(path: Path | str, doc_id: str, data: bytes | None = None, *, year: int | None = None,
                  region: str = "", title: str = "", extra: dict | None = None) -> Document:
    """A Document from a PDF, Word or web-page file. ``year``, ``region`` and ``title`` are what the
    manifest or the file name gave; what they leave empty is taken from the document's own title (or
    the dateline of its title block, ——2016年2月19日在海拉尔区第十四届人民代表大会…) and recorded in
    meta["inferred"] with the words it was read from."""
    extracted = read_extracted(path, data)
    meta = {**(extra or {}), **extracted.meta, "removed": extracted.removed}
    inferred: dict[str, str] = {}
    for line in [extracted.title or title] + extracted.text.split("\n\n")[:8]:  # title, then the title block
        if year is not None and region:
            break
        line_year, line_region = year_region_from_title(line)
        if line_year is None and len(line) <= 120:
            line_year, line_region = year_region_from_dateline(line)
        if year is None and line_year is not None:
            year = line_year
            inferred["year"] = f"from the document's own words {line!r}"
        if not region and line_region and line_year is not None:
            region = line_region
            inferred["region"] = f"from the document's own words {line!r}"
    if inferred:
        meta["inferred"] = inferred
    return Document(doc_id=doc_id, text=extracted.text, source=shown(path), title=title or extracted.title, year=year,
                    region=region, meta=meta)


def not_read_note(document: Document) -> str:
    """What a reader could not read in a document, as words for a warning ("" when it read everything)."""
    missed = document.meta.get("not_read") or {}
    parts = []
    if missed.get("chars"):
        where = ", ".join(f"{name} {count:,}" for name, count in missed.get("where", {}).items())
        parts.append(f"{missed['chars']:,} characters not read ({where})")
    if missed.get("objects"):
        parts.append(f"{len(missed['objects'])} embedded object(s) not read ({', '.join(missed['objects'][:5])})")
    return "; ".join(parts)


def removals(document: Document) -> list[Removal]:
    """What a format reader removed from a document before layout repair, as Removal records."""
    return [Removal(document.doc_id, item["reason"], item["text"], item.get("line"))
            for item in document.meta.get("removed", [])]


def joins(document: Document) -> list[Change]:
    """The paragraphs a PDF reader joined over a column or page break, as Change records (no character
    changes: the record shows the two lines that became one paragraph, and where)."""
    return [Change(document.doc_id, f"joined-across-{item['across']}", item["text"], 0,
                   f"page {item['page']}" + (f" → {item['next_page']}" if item["next_page"] != item["page"] else ""))
            for item in document.meta.get("joins", [])]


# ---------------------------------------------------------------- year and region from a title

_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_REGION = (r"(?P<region>[\u4e00-\u9fff]{1,20}?"
           r"(?:特别行政区|自治区|自治州|自治县|自治旗|地区|新区|省|市|区|县|州|盟|旗))")
_YEAR = r"(?P<year>(?:19|20)\d\d)\s*年(?:度)?"
_TITLE_PATTERNS = (
    re.compile(_YEAR + r"\s*" + _REGION + r"\s*(?:人民)?政府工作报告"),  # 2024年西宁市政府工作报告
    re.compile(_REGION + r"\s*(?:人民政府)?\s*" + _YEAR + r"\s*政府工作报告"),  # 西宁市2024年政府工作报告
    re.compile(_REGION + r"\s*(?:人民)?政府工作报告\s*[（(]?\s*" + _YEAR),  # 西宁市政府工作报告（2024年）
    re.compile(_YEAR + r"\s*(?:人民)?政府工作报告"),  # 2024年政府工作报告: year only
)
# words that end like a region but are not one (工作报告 ends in 告, but 社区, 园区 …)
_NOT_REGION = re.compile(r"^(?:全|本|我|该|各|全市|全区|全省|全县|社|园|景|城|小)")


def year_region_from_title(title: str) -> tuple[int | None, str]:
    """(year, region) named by a report title: '2024年西宁市政府工作报告' → (2024, '西宁市');
    '西宁市2024年政府工作报告' → (2024, '西宁市'); '2024年政府工作报告' → (2024, ''); other text → (None, '')."""
    title = re.sub(r"\s+", "", title or "")  # letter-spaced titles (政 府 工 作 报 告)
    for pattern in _TITLE_PATTERNS:
        match = pattern.search(title)
        if match:
            region = match.groupdict().get("region") or ""
            if _NOT_REGION.match(region):
                region = ""
            return int(match.group("year")), region
    return None, ""


_DATELINE = re.compile(r"(?P<year>(?:19|20)\d\d)\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*在\s*(?:" + _REGION
                       + r")?\s*第[一二三四五六七八九十]+届")


def year_region_from_dateline(line: str) -> tuple[int | None, str]:
    """(year, region) from a report's dateline: '——2016年2月19日在海拉尔区第十四届人民代表大会第五次会议上'
    → (2016, '海拉尔区'); '…在第十四届全国人民代表大会…' → (year, ''); other text → (None, '')."""
    match = _DATELINE.search(re.sub(r"\s+", "", line or ""))
    if not match:
        return None, ""
    return int(match.group("year")), match.group("region") or ""
