"""Word .docx → paragraphs (python-docx); .doc and .wps → a message asking for conversion.

- Body paragraphs and tables are read in document order; empty paragraphs are dropped.
- Automatic numbering is written out as Word shows it: the number of a numbered paragraph (一、 （一）
  1. …) lives in the numbering definitions, not in the paragraph's text, so it is rendered from its
  level's format and text (chineseCounting, decimal, letters, roman, circled numbers; bullets are left out).
- Headings: paragraphs in a heading style (Heading n / 标题 n / Title), or with an outline level, are
  listed in meta["headings"] as (paragraph index, level, text); their text stays a paragraph of its own.
- Tables: each row becomes one paragraph, its cells separated by a tab (merged cells once); every table
  is listed in meta["tables"] with the range of paragraphs it became, so table text is kept and marked.
- Page headers and footers are not body text: their text is recorded as removed (running-header,
  running-footer).
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from . import Extracted, UnreadableFile

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of .doc, .xls and .wps files
_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.IGNORECASE)
_CONVERT = ("{what}: open it in Word, WPS or LibreOffice and save it as .docx "
            "(or run: soffice --headless --convert-to docx FILE)")


def read_doc(path: Path, data: bytes) -> Extracted:
    """A .doc or .wps is read only when it is in fact a .docx (a renamed file); otherwise the user is
    asked to convert it."""
    if data.startswith(b"PK\x03\x04"):
        return read_docx(path, data)
    raise UnreadableFile(path, _CONVERT.format(what=f"old Word/WPS {path.suffix.lower()} format"))


def read_docx(path: Path, data: bytes) -> Extracted:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    if data.startswith(_OLE):
        raise UnreadableFile(path, _CONVERT.format(what="old Word .doc file named .docx"))
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as err:
        raise UnreadableFile(path, f"broken or not a Word .docx file ({_short(err)})") from None
    except Exception as err:  # python-docx and lxml raise many kinds on damaged packages; all mean the same here
        raise UnreadableFile(path, f"broken Word .docx file ({type(err).__name__}: {_short(err)})") from None

    numbering = _Numbering(document)
    paragraphs: list[str] = []
    headings: list[list] = []
    tables: list[dict] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            text = block.text.strip()
            label = numbering.label(block)
            if not text:
                continue
            level = _heading_level(block)
            if level is not None:
                headings.append([len(paragraphs), level, label + text])
            paragraphs.append(label + text)
        elif isinstance(block, Table):
            first = len(paragraphs)
            paragraphs += _table_rows(block)
            if len(paragraphs) > first:
                tables.append({"paragraphs": [first, len(paragraphs) - 1], "rows": len(block.rows),
                               "columns": len(block.columns)})
    title = _title(document, paragraphs, headings)
    meta = {"format": "docx", "headings": headings, "tables": tables}
    return Extracted(text="\n\n".join(paragraphs), title=title, removed=_headers_footers(document), meta=meta)


def _short(err: Exception) -> str:
    return (str(err).splitlines() or [type(err).__name__])[0][:100]


def _heading_level(paragraph) -> int | None:
    style = paragraph.style
    while style is not None:
        name = style.name or ""
        if name.lower() == "title":
            return 0
        match = _HEADING_STYLE.match(name)
        if match:
            return int(match.group(1))
        style = style.base_style
    ppr = paragraph._p.pPr
    outline = ppr.find(_qn("w:outlineLvl")) if ppr is not None else None
    if outline is not None and outline.get(_qn("w:val"), "9").isdigit() and int(outline.get(_qn("w:val"))) < 9:
        return int(outline.get(_qn("w:val"))) + 1
    return None


def _table_rows(table) -> list[str]:
    rows = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue  # a merged cell is listed once per grid column it spans
            seen.add(id(cell._tc))
            cells.append(" ".join(cell.text.split()))
        line = "\t".join(cells).strip()
        if line:
            rows.append(line)
    return rows


def _title(document, paragraphs: list[str], headings: list[list]) -> str:
    core = (document.core_properties.title or "").strip()
    if re.search("[\u4e00-\u9fff]", core):
        return core
    for index, level, text in headings:
        if level <= 1:
            return text
    return paragraphs[0] if paragraphs and len(paragraphs[0]) <= 60 else ""


def _headers_footers(document) -> list[dict]:
    removed, seen = [], set()
    for section in document.sections:
        for reason, parts in (("running-header", (section.header, section.first_page_header, section.even_page_header)),
                              ("running-footer", (section.footer, section.first_page_footer, section.even_page_footer))):
            for part in parts:
                if part.is_linked_to_previous:
                    continue
                for paragraph in part.paragraphs:
                    text = paragraph.text.strip()
                    if text and (reason, text) not in seen:
                        seen.add((reason, text))
                        removed.append({"reason": reason, "text": text})
    return removed


# ---------------------------------------------------------------- automatic numbering


def _qn(tag: str) -> str:
    from docx.oxml.ns import qn

    return qn(tag)


_CN_DIGITS = "〇一二三四五六七八九"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_TIANGAN = "甲乙丙丁戊己庚辛壬癸"


def _chinese(n: int) -> str:
    if n < 10:
        return _CN_DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")
    return str(n)


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
                           (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while n >= value:
            out, n = out + letters, n - value
    return out


def _letters(n: int) -> str:
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)


_FORMATS = {
    "decimal": str,
    "decimalZero": lambda n: f"{n:02d}",
    "decimalFullWidth": lambda n: str(n).translate({ord(d): 0xFF10 + int(d) for d in "0123456789"}),
    "chineseCounting": _chinese,
    "chineseCountingThousand": _chinese,
    "chineseLegalSimplified": _chinese,
    "japaneseCounting": _chinese,
    "ideographDigital": lambda n: "".join(_CN_DIGITS[int(d)] for d in str(n)),
    "ideographTraditional": lambda n: _TIANGAN[(n - 1) % 10],
    "decimalEnclosedCircle": lambda n: _CIRCLED[n - 1] if n <= 20 else str(n),
    "decimalEnclosedCircleChinese": lambda n: _CIRCLED[n - 1] if n <= 20 else str(n),
    "lowerLetter": _letters,
    "upperLetter": lambda n: _letters(n).upper(),
    "lowerRoman": _roman,
    "upperRoman": lambda n: _roman(n).upper(),
}


class _Numbering:
    """Renders the automatic number of each numbered paragraph, counting as Word does: per list
    (numId), a level's counter goes up, deeper levels restart."""

    def __init__(self, document):
        self.levels: dict[str, dict[int, tuple[int, str, str]]] = {}  # numId → level → (start, format, text)
        self.counters: dict[str, dict[int, int]] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError):
            return
        abstract = {}
        for node in root.findall(_qn("w:abstractNum")):
            abstract[node.get(_qn("w:abstractNumId"))] = self._levels(node)
        for num in root.findall(_qn("w:num")):
            ref = num.find(_qn("w:abstractNumId"))
            levels = dict(abstract.get(ref.get(_qn("w:val")), {})) if ref is not None else {}
            for override in num.findall(_qn("w:lvlOverride")):
                start = override.find(_qn("w:startOverride"))
                level = int(override.get(_qn("w:ilvl"), "0"))
                if start is not None and level in levels:
                    levels[level] = (int(start.get(_qn("w:val"))),) + levels[level][1:]
            self.levels[num.get(_qn("w:numId"))] = levels

    @staticmethod
    def _levels(node) -> dict[int, tuple[int, str, str]]:
        levels = {}
        for lvl in node.findall(_qn("w:lvl")):
            def value(tag, default):
                child = lvl.find(_qn(tag))
                return child.get(_qn("w:val"), default) if child is not None else default
            levels[int(lvl.get(_qn("w:ilvl"), "0"))] = (int(value("w:start", "1")), value("w:numFmt", "decimal"),
                                                        value("w:lvlText", ""))
        return levels

    def _num_pr(self, paragraph):
        """(numId, level) from the paragraph, else from its style chain."""
        sources = [paragraph._p.pPr]
        style = paragraph.style
        while style is not None:
            sources.append(style.element.pPr)
            style = style.base_style
        num_id = level = None
        for ppr in sources:
            numpr = ppr.find(_qn("w:numPr")) if ppr is not None else None
            if numpr is None:
                continue
            if num_id is None and numpr.find(_qn("w:numId")) is not None:
                num_id = numpr.find(_qn("w:numId")).get(_qn("w:val"))
            if level is None and numpr.find(_qn("w:ilvl")) is not None:
                level = int(numpr.find(_qn("w:ilvl")).get(_qn("w:val")))
        return num_id, level or 0

    def label(self, paragraph) -> str:
        num_id, level = self._num_pr(paragraph)
        levels = self.levels.get(num_id) if num_id is not None else None
        if not levels or level not in levels or not paragraph.text.strip():
            return ""
        counters = self.counters.setdefault(num_id, {})
        start = levels[level][0]
        counters[level] = counters.get(level, start - 1) + 1
        for deeper in [k for k in counters if k > level]:
            del counters[deeper]
        _, fmt, text = levels[level]
        if fmt in ("bullet", "none") or fmt not in _FORMATS:
            return ""

        def number(match):
            k = int(match.group(1)) - 1
            k_fmt = levels.get(k, (1, "decimal", ""))[1]
            count = counters.get(k, levels.get(k, (1,))[0])
            return _FORMATS.get(k_fmt, str)(count)

        return re.sub(r"%(\d)", number, text)
