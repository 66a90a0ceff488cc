"""Word .docx → paragraphs (python-docx and the document's own XML); .doc and .wps → a message asking
for conversion.

- The body is read in document order, as Word shows it: paragraphs and tables, and what they hold —
  content controls (w:sdt, common in government templates), text boxes (w:txbxContent, DrawingML or
  VML), tracked insertions and moves (w:ins, w:moveTo) — never deleted or moved-away text (w:del,
  w:moveFrom). A box in mc:AlternateContent is read once, from its first choice, not again from the
  fallback that repeats it for older Word. A text box's paragraphs follow the paragraph it is anchored
  in. Empty paragraphs are dropped.
- Automatic numbering is written out as Word shows it: the number of a numbered paragraph (一、 （一）
  1. …) lives in the numbering definitions, not in the paragraph's text, so it is rendered from its
  level's format and text (chineseCounting, decimal, letters, roman, circled numbers; bullets are left out).
- Headings: paragraphs in a heading style (Heading n / 标题 n / Title), or with an outline level, are
  listed in meta["headings"] as (paragraph index, level, text); their text stays a paragraph of its own.
- Tables: a table of one column is a frame around text (templates lay out whole reports in one), so its
  cells' paragraphs stay paragraphs. In other tables each row becomes one paragraph, its cells
  separated by a tab (a merged cell once; what a cell holds, nested tables too, joined by spaces).
  Every table is listed in meta["tables"] with the range of paragraphs it became.
- Not body text, recorded as removed with the reason: page headers and footers (running-header,
  running-footer), footnotes and endnotes (word-note), comments (word-comment) and the placeholder
  text of an empty content control (word-placeholder).
- What is still not read — the text of charts and SmartArt, drawing text outside text boxes, embedded
  objects and documents — is counted in meta["not_read"] (characters per place), for reading to warn of.
- Nothing is inflated beyond inflate_limit(file size): the sizes the zip states are checked first, then
  every member is inflated piece by piece (zipfile stops a member at its stated size and checks its
  CRC, so a member that lies about its size is a broken file) into an uncompressed copy of the package,
  which is what python-docx reads. Given the zip itself, python-docx would inflate a member whole in
  one call, however far beyond its stated size.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from . import Extracted, UnreadableFile, inflate_limit, too_large

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of .doc, .xls and .wps files
_PIECE = 1 << 20  # bytes inflated at a time
_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.IGNORECASE)
_CONVERT = ("{what}: open it in Word, WPS or LibreOffice and save it as .docx "
            "(or run: soffice --headless --convert-to docx FILE)")

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_M = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
_ALTERNATE = "{http://schemas.openxmlformats.org/markup-compatibility/2006}AlternateContent"
_P, _TBL, _TR, _TC, _SDT, _SDT_CONTENT = (_W + tag for tag in ("p", "tbl", "tr", "tc", "sdt", "sdtContent"))
_TXBX, _BR, _CR = _W + "txbxContent", _W + "br", _W + "cr"
_TEXT = (_W + "t", _M + "t")  # text as Word shows it (w:delText and w:instrText, field codes, are not)
_TABS = (_W + "tab", _W + "ptab")
# never read: properties (tab stops, revision marks), deleted and moved-away text, section settings
_SKIP = {_W + tag for tag in ("pPr", "rPr", "tblPr", "tblGrid", "trPr", "tcPr", "sdtPr", "sdtEndPr", "del",
                              "moveFrom", "sectPr")}
_GONE = (_W + "del", _W + "moveFrom")  # the census of what a part shows leaves these out
# the text of a part in the census: Word's, math, DrawingML (charts, SmartArt, shapes) and a chart's labels
_CENSUS = (*_TEXT, _A + "t", _C + "v")


def read_doc(path: Path, data: bytes) -> Extracted:
    """A .doc or .wps is read only when it is in fact a .docx (a renamed file); otherwise the user is
    asked to convert it."""
    if data.startswith(b"PK\x03\x04"):
        return read_docx(path, data)
    raise UnreadableFile(path, _CONVERT.format(what=f"old Word/WPS {path.suffix.lower()} format"))


def read_docx(path: Path, data: bytes, *, limit: int | None = None) -> Extracted:
    """``limit``: the most the zip may inflate to (default inflate_limit of the file's size)."""
    import docx

    if data.startswith(_OLE):
        raise UnreadableFile(path, _CONVERT.format(what="old Word .doc file named .docx"))
    package = _unpacked(path, data, inflate_limit(len(data)) if limit is None else limit)
    try:
        document = docx.Document(io.BytesIO(package))
    except (zipfile.BadZipFile, KeyError, ValueError) as err:
        raise UnreadableFile(path, f"broken or not a Word .docx file ({_short(err)})") from None
    except Exception as err:  # python-docx and lxml raise many kinds on damaged packages; all mean the same here
        raise UnreadableFile(path, f"broken Word .docx file ({type(err).__name__}: {_short(err)})") from None
    try:
        return _extracted(document)
    except Exception as err:  # values Word never writes (a level "x", a style that loops): a damaged file
        raise UnreadableFile(path, f"broken Word .docx file ({type(err).__name__}: {_short(err)})") from None


def _extracted(document) -> Extracted:
    body = _Reader(document)
    body.blocks(document.element.body)
    not_read = _NotRead()
    not_read.add("body", _census(document.element.body) - body.chars)
    removed = _headers_footers(document) + body.removed + _related_parts(document, not_read)
    title = _title(document, body.paragraphs, body.headings)
    meta = {"format": "docx", "headings": body.headings, "tables": body.tables}
    if not_read.chars or not_read.objects:
        meta["not_read"] = not_read.as_dict()
    return Extracted(text="\n\n".join(body.paragraphs), title=title, removed=removed, meta=meta)


def _unpacked(path: Path, data: bytes, limit: int) -> bytes:
    """The package with every member inflated and stored uncompressed, within ``limit`` bytes in all."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            stated = sum(member.file_size for member in members)
            if stated > limit:
                raise too_large(path, len(data), limit, f"its parts inflate to {stated / 2**20:,.1f} MB,")
            for member in members:
                if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                    raise UnreadableFile(path, f"not a Word .docx file ({member.filename} is compressed in a way "
                                               "Word never uses)")
            copy = io.BytesIO()
            with zipfile.ZipFile(copy, "w", zipfile.ZIP_STORED) as stored:
                for member in members:
                    with archive.open(member) as inflating, stored.open(member.filename, "w") as out:
                        while piece := inflating.read(_PIECE):
                            out.write(piece)
            return copy.getvalue()
    except (zipfile.BadZipFile, RuntimeError, ValueError, OSError) as err:  # damaged, encrypted, cut short
        raise UnreadableFile(path, f"broken or not a Word .docx file ({_short(err)})") from None


def _short(err: Exception) -> str:
    return (str(err).splitlines() or [type(err).__name__])[0][:100]


# ---------------------------------------------------------------- the body in document order


class _Reader:
    """Walks WordprocessingML in document order: paragraphs, headings and tables of the body (or of a
    header, a footnote, a table cell), what it removes, and how many characters of text it read."""

    def __init__(self, document, numbering: _Numbering | None = None):
        self.document = document
        self.numbering = numbering or _Numbering(document)
        self.paragraphs: list[str] = []
        self.headings: list[list] = []
        self.tables: list[dict] = []
        self.removed: list[dict] = []
        self.chars = 0  # characters of the text elements read, checked against the census of the part
        self.styles: dict = {}  # style id → python-docx style: its lookup scans every style of the document

    def blocks(self, element) -> None:
        for child in element:
            if child.tag == _P:
                self.paragraph(child)
            elif child.tag == _TBL:
                self.table(child)
            elif child.tag == _SDT:
                self.content_control(child, self.blocks)
            elif child.tag == _ALTERNATE:
                self.blocks(child[:1])  # the first choice, not again the fallback
            elif child.tag not in _SKIP:
                self.blocks(child)  # w:customXml, w:ins, w:moveTo, w:smartTag … wrap blocks

    def paragraph(self, p) -> None:
        parts: list[str] = []
        boxes: list = []
        self.inline(p, parts, boxes)
        text = "".join(parts).strip()
        if text:
            style = self.style(p)
            label = self.numbering.label(p, style, text)
            level = _heading_level(p, style)
            if level is not None:
                self.headings.append([len(self.paragraphs), level, label + text])
            self.paragraphs.append(label + text)
        for box in boxes:  # a text box follows the paragraph it is anchored in
            self.blocks(box)

    def inline(self, element, parts: list[str], boxes: list) -> None:
        for child in element:
            tag = child.tag
            if tag in _TEXT:
                parts.append(child.text or "")
                self.chars += _count(child.text)
            elif tag in _TABS:
                parts.append("\t")
            elif (tag == _BR and child.get(_W + "type", "textWrapping") == "textWrapping") or tag == _CR:
                parts.append("\n")
            elif tag == _W + "noBreakHyphen":
                parts.append("-")
            elif tag == _TXBX:
                boxes.append(child)
            elif tag == _SDT:
                self.content_control(child, lambda content: self.inline(content, parts, boxes))
            elif tag == _ALTERNATE:
                self.inline(child[:1], parts, boxes)  # the first choice, not again the fallback
            elif tag not in _SKIP:
                self.inline(child, parts, boxes)  # runs, hyperlinks, w:ins, fields, drawings, math …

    def style(self, p):
        from docx.enum.style import WD_STYLE_TYPE

        if p.style not in self.styles:
            self.styles[p.style] = self.document.part.get_style(p.style, WD_STYLE_TYPE.PARAGRAPH)
        return self.styles[p.style]

    def content_control(self, sdt, read) -> None:
        content = sdt.find(_SDT_CONTENT)
        if content is None:
            return
        properties = sdt.find(_W + "sdtPr")
        if properties is not None and properties.find(_W + "showingPlcHdr") is not None:
            texts = [element.text or "" for element in _shown(content, _TEXT)]
            self.chars += sum(map(_count, texts))
            if "".join(texts).strip():
                self.removed.append({"reason": "word-placeholder", "text": " ".join("".join(texts).split())})
            return
        read(content)

    def table(self, tbl) -> None:
        rows = list(_within(tbl, _TR))
        at, first = len(self.tables), len(self.paragraphs)
        self.tables.append({})  # this table's entry comes before those of the tables nested in it
        if all(len(list(_within(row, _TC))) <= 1 for row in rows):  # one column: a frame around text
            for row in rows:
                for cell in _within(row, _TC):
                    self.blocks(cell)
        else:
            for row in rows:
                line = "\t".join(self.cell_text(cell) for cell in _within(row, _TC)).strip()
                if line:
                    self.paragraphs.append(line)
        if len(self.paragraphs) > first:
            self.tables[at] = {"paragraphs": [first, len(self.paragraphs) - 1], "rows": len(rows),
                               "columns": len(tbl.findall(f"{_W}tblGrid/{_W}gridCol"))}
        else:
            del self.tables[at]

    def cell_text(self, cell) -> str:
        """A cell as one line: it is read like the body, then what it gave is folded into one line."""
        marks = len(self.paragraphs), len(self.headings), len(self.tables)
        self.blocks(cell)
        text = " ".join(" ".join(self.paragraphs[marks[0]:]).split())
        del self.paragraphs[marks[0]:], self.headings[marks[1]:], self.tables[marks[2]:]
        return text

    def texts(self, element) -> list[str]:
        """The paragraphs ``element`` holds (a header, a footnote), read on their own."""
        reader = _Reader(self.document, self.numbering)
        reader.styles = self.styles
        reader.blocks(element)
        return reader.paragraphs


def _within(element, tag: str):
    """The children with ``tag``, also where content controls, tracked insertions and custom XML wrap
    them (a row or cell in a w:sdt)."""
    for child in element:
        if child.tag == tag:
            yield child
        elif child.tag not in _SKIP and child.tag not in (_P, _TBL, _TR, _TC):
            yield from _within(child, tag)


def _shown(element, tags):
    """The elements with one of ``tags`` under ``element`` that Word shows: not in deleted or
    moved-away text, and of mc:AlternateContent only in its first choice."""
    for found in element.iter(*tags):
        if not any(ancestor.tag in _GONE or (ancestor.getparent() is not None
                                              and ancestor.getparent().tag == _ALTERNATE
                                              and ancestor.getparent()[0] is not ancestor)
                   for ancestor in found.iterancestors()):
            yield found


def _census(element, tags=_CENSUS) -> int:
    """Characters of text a part shows, read or not: what reading is checked against."""
    return sum(_count(found.text) for found in _shown(element, tags))


def _count(text: str | None) -> int:
    return sum(1 for char in text if not char.isspace()) if text else 0


class _NotRead:
    def __init__(self):
        self.where: dict[str, int] = {}
        self.objects: list[str] = []

    @property
    def chars(self) -> int:
        return sum(self.where.values())

    def add(self, where: str, chars: int) -> None:
        if chars > 0:
            self.where[where] = self.where.get(where, 0) + chars

    def as_dict(self) -> dict:
        return {"chars": self.chars, "where": dict(self.where), "objects": list(self.objects)}


# ---------------------------------------------------------------- the parts around the body


def _related_parts(document, not_read: _NotRead) -> list[dict]:
    """Footnotes, endnotes and comments as removed text; charts, SmartArt and embedded objects counted
    as not read."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    removed: list[dict] = []
    reader = _Reader(document)
    notes = {RT.FOOTNOTES: ("footnote", "word-note"), RT.ENDNOTES: ("endnote", "word-note"),
             RT.COMMENTS: ("comment", "word-comment")}
    counted = {RT.CHART: "charts", RT.DIAGRAM_DATA: "SmartArt"}
    for rel in document.part.rels.values():
        if rel.is_external:
            continue
        if rel.reltype in notes:
            tag, reason = notes[rel.reltype]
            for note in _xml(rel.target_part).iter(_W + tag):
                if note.get(_W + "type") in (None, "normal"):  # not the separator lines between notes and body
                    text = "\n".join(reader.texts(note))
                    if text:
                        removed.append({"reason": reason, "text": text})
        elif rel.reltype in counted:
            not_read.add(counted[rel.reltype], _census(_xml(rel.target_part)))
        elif rel.reltype in (RT.A_F_CHUNK, RT.OLE_OBJECT, RT.PACKAGE):
            not_read.objects.append(str(rel.target_part.partname).lstrip("/"))
    return removed


def _xml(part):
    from docx.oxml import parse_xml

    element = getattr(part, "element", None)
    return element if element is not None else parse_xml(part.blob)


def _heading_level(p, style) -> int | None:
    """The heading level of paragraph ``p`` in ``style``: 0 for a title, n for Heading n or an outline level."""
    while style is not None:
        name = style.name or ""
        if name.lower() == "title":
            return 0
        match = _HEADING_STYLE.match(name)
        if match:
            return int(match.group(1))
        style = style.base_style
    ppr = p.pPr
    outline = ppr.find(_qn("w:outlineLvl")) if ppr is not None else None
    if outline is not None and outline.get(_qn("w:val"), "9").isdigit() and int(outline.get(_qn("w:val"))) < 9:
        return int(outline.get(_qn("w:val"))) + 1
    return None


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
    reader = _Reader(document)
    for section in document.sections:
        for reason, parts in (("running-header", (section.header, section.first_page_header, section.even_page_header)),
                              ("running-footer", (section.footer, section.first_page_footer, section.even_page_footer))):
            for part in parts:
                if part.is_linked_to_previous:
                    continue
                for text in reader.texts(part._element):
                    if (reason, text) not in seen:
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

    def _num_pr(self, p, style):
        """(numId, level) from paragraph ``p``, else from its style chain."""
        sources = [p.pPr]
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

    def label(self, p, style, text: str) -> str:
        """The number Word shows before paragraph ``p`` (in ``style``, showing ``text``); "" if none."""
        num_id, level = self._num_pr(p, style)
        levels = self.levels.get(num_id) if num_id is not None else None
        if not levels or level not in levels or not text:
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
