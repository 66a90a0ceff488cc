"""Builders of PDF, Word and web-page files from real report text, made the way such files are made:
reportlab with a CJK TrueType font for PDFs (justified lines, indented paragraphs, running headers,
footers and page numbers; or a two-column newspaper page), python-docx with heading styles and
automatic 一、 numbering, and saved government-portal pages with their chrome (navigation, breadcrumb,
相关链接, 打印本页, 责任编辑, footer), optionally in GBK. Files are written to a test's tmp_path.

Also hostile files: a .docx and a PDF that inflate far beyond their size (decompression bombs).
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from html import escape
from pathlib import Path

FONT_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
FONT = "WQYMicroHei"

_HEADING = re.compile(r"^([一二三四五六七八九十]{1,3})、(.{2,40})$")
_NUMERALS = "一二三四五六七八九十"


def paragraphs_of(text: str) -> list[str]:
    """A report's paragraphs: its non-empty lines, without their indent."""
    return [line.strip(" \u3000\t") for line in text.split("\n") if line.strip(" \u3000\t")]


def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if not FONT_PATH.is_file():
        raise FileNotFoundError(f"{FONT_PATH}: the PDF fixtures need this CJK TrueType font "
                                "(apt-get install fonts-wqy-microhei)")
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(FONT_PATH), subfontIndex=0))
    return FONT


def _wrap(text: str, width: float, size: float, first_indent: float = 0.0) -> list[str]:
    """Greedy line breaking by measured width (CJK breaks anywhere)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines, current, room = [], "", width - first_indent
    for char in text:
        if current and stringWidth(current + char, FONT, size) > room:
            # a Latin word is not broken: it moves to the next line whole
            word = re.search(r"[A-Za-z]+$", current) if char.isascii() and char.isalpha() else None
            carry = word.group() if word and word.start() > 0 else ""
            lines.append(current[:len(current) - len(carry)])
            current, room = carry, width
        current += char
    if current:
        lines.append(current)
    return lines


def _draw_justified(canvas, x: float, y: float, text: str, width: float, size: float, last: bool,
                    drop_last: bool = False) -> None:
    """Draw a line filling ``width`` exactly, as Chinese typesetting does (each glyph placed, as most
    producers write them); a paragraph's last line is set solid."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    widths = [stringWidth(char, FONT, size) for char in text]
    spacing = (width - sum(widths)) / (len(text) - 1) if not last and len(text) > 1 else 0.0
    line = canvas.beginText()
    line.setFont(FONT, size)
    for index, (char, advance) in enumerate(zip(text, widths)):
        if not (drop_last and index == len(text) - 1):
            line.setTextOrigin(x, y)
            line.textOut(char)
        x += advance + spacing
    canvas.drawText(line)


# ---------------------------------------------------------------- single-column official PDF


def official_pdf(path: Path, paragraphs: list[str], *, header: str = "", footer: str = "",
                 title_lines: int = 0, drop_line_ends: int = 0, encrypt: str | None = None,
                 info_title: str = "", title_tracking: float = 0.0, indent_chars: bool = False) -> Path:
    """An A4 report: the first ``title_lines`` paragraphs centred (the first large), the rest justified
    with a two-character indent; from page 2 a running ``header``, on every page ``footer`` and the
    page number "— n —". ``drop_line_ends`` = n drops the last character of every n-th full line, as a
    faulty producer does; ``title_tracking`` spaces the title's characters that many ems apart;
    ``indent_chars`` types the indent as two ideographic spaces instead of moving the first line."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas as pdfcanvas

    _font()
    page_w, page_h = A4
    margin, size, leading = 72, 12, 20
    width = page_w - 2 * margin
    canvas = pdfcanvas.Canvas(str(path), pagesize=A4, encrypt=encrypt, invariant=1)
    if info_title:
        canvas.setTitle(info_title)
    page = 1
    y = page_h - margin
    full_lines = 0

    def page_furniture():
        if header and page > 1:
            canvas.setFont(FONT, 9)
            canvas.drawCentredString(page_w / 2, page_h - 44, header)
            canvas.line(margin, page_h - 50, page_w - margin, page_h - 50)
        canvas.setFont(FONT, 9)
        if footer:
            canvas.drawString(margin, 40, footer)
        canvas.drawCentredString(page_w / 2, 28, f"— {page} —")

    page_furniture()
    for index, paragraph in enumerate(paragraphs):
        centred = index < title_lines
        psize = 20 if index == 0 and title_lines else size
        if indent_chars and not centred:  # the indent typed as two ideographic spaces, as Word users do
            lines = _wrap("\u3000\u3000" + paragraph, width, psize)
        else:
            lines = _wrap(paragraph, width, psize, 0 if centred else 2 * size)
        for k, line in enumerate(lines):
            if y < margin:
                canvas.showPage()
                page += 1
                y = page_h - margin
                page_furniture()
            canvas.setFont(FONT, psize)
            last = k == len(lines) - 1
            if centred and index == 0 and title_tracking:
                # a title set with wide letter spacing, each character placed on its own
                step = psize * (1 + title_tracking)
                x = page_w / 2 - step * (len(line) - 1) / 2 - psize / 2
                for char in line:
                    canvas.drawString(x, y, char)
                    x += step
            elif centred:
                canvas.drawCentredString(page_w / 2, y, line)
            else:
                x = margin + (2 * size if k == 0 and not indent_chars else 0)
                if not last:
                    full_lines += 1
                    if drop_line_ends and full_lines % drop_line_ends == 0:
                        # the line is set for all its characters, but the producer loses the last one
                        _draw_justified(canvas, x, y, line, width - (x - margin), psize, last, drop_last=True)
                        y -= leading if psize == size else psize * 1.6
                        continue
                _draw_justified(canvas, x, y, line, width - (x - margin), psize, last)
            y -= leading if psize == size else psize * 1.6
        if centred:
            y -= leading / 2
    canvas.showPage()
    canvas.save()
    return path


# ---------------------------------------------------------------- report in one or two columns


_HEADING_LINE = re.compile(r"^(?:[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[）)])[^。！？；]{2,40}$")
PAGE_NUMBERS = {"dash": "— {} —", "chinese": "第{}页", "plain": "{}"}


def column_report_pdf(path: Path, paragraphs: list[str], *, columns: int = 2, header: str | tuple[str, str] = "",
                      footer: str = "", page_number: str = "dash", title_lines: int = 1, paragraph_gap: float = 0.0,
                      indent: bool = True, cross: tuple[tuple[int, int], ...] = (),
                      crossings: list[tuple[str, int, str]] | None = None) -> Path:
    """An A4 report whose body flows down ``columns`` columns and on over the pages, as many published
    reports are typeset. The first ``title_lines`` paragraphs are centred across the page (the first
    large); headings (一、… （一）…) are set solid after a half-line gap; body paragraphs are justified,
    with a two-character indent unless ``indent`` is False (block style: ``paragraph_gap`` is then the
    only sign of a new paragraph); ``paragraph_gap`` adds that many lines after every paragraph (Word's
    "space after").

    Page furniture: a running ``header`` with a rule from page 2 (a pair: one for odd pages, the other
    for even ones), ``footer`` at the bottom left, and the page number in the style ``page_number``
    ("dash" — 3 — and "chinese" 第3页 centred below the footer, "plain" 3 at the outer corner on the
    footer's row).

    ``cross``: (paragraph, line) pairs after which the column ends, so that the paragraph goes on in the
    next column or on the next page where the flow alone would not break it. ``crossings``, when given,
    receives ("column" or "page", page, the line before the break) for every place a paragraph goes on
    in the next column or page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas as pdfcanvas

    _font()
    page_w, page_h = A4
    margin, top, bottom, gutter = 56.0, 72.0, 70.0, 20.0
    size, leading = 10.5, 16.0
    column = (page_w - 2 * margin - (columns - 1) * gutter) / columns
    breaks = set(cross)
    canvas = pdfcanvas.Canvas(str(path), pagesize=A4, invariant=1)
    state = {"page": 1, "column": 0, "y": page_h - top}

    def furniture():
        page = state["page"]
        canvas.setFont(FONT, 9)
        running = header if isinstance(header, str) else header[(page + 1) % 2]
        if running and page > 1:
            canvas.drawCentredString(page_w / 2, page_h - 46, running)
            canvas.line(margin, page_h - 52, page_w - margin, page_h - 52)
        if footer:
            canvas.drawString(margin, 40, footer)
        number = PAGE_NUMBERS[page_number].format(page)
        if page_number == "plain":  # the outer corner: right on odd pages, left on even ones
            if page % 2:
                canvas.drawRightString(page_w - margin, 40, number)
            else:
                canvas.drawString(margin if not footer else page_w / 2, 40, number)
        else:
            canvas.drawCentredString(page_w / 2, 26, number)

    def next_column():
        if state["column"] + 1 < columns:
            state["column"] += 1
        else:
            canvas.showPage()
            state["page"] += 1
            state["column"] = 0
            furniture()
        state["y"] = page_h - top

    furniture()
    body = paragraphs[title_lines:]
    for index, paragraph in enumerate(paragraphs[:title_lines]):  # the title block across the columns
        psize = 20 if index == 0 else size
        canvas.setFont(FONT, psize)
        for line in _wrap(paragraph, page_w - 2 * margin, psize):
            canvas.drawCentredString(page_w / 2, state["y"], line)
            state["y"] -= psize * 1.6
    if title_lines:
        state["y"] -= leading
    title_bottom = state["y"]
    for index, paragraph in enumerate(body, title_lines):
        heading = bool(_HEADING_LINE.match(paragraph))
        if heading and state["y"] < page_h - top - 1 and state["y"] != title_bottom:
            state["y"] -= leading / 2
        first_indent = 2 * size if indent else 0.0
        lines = _wrap(paragraph, column, size, first_indent)
        for k, line in enumerate(lines):
            if state["y"] < bottom:
                if k > 0 and crossings is not None:
                    crossings.append(("column" if state["column"] + 1 < columns else "page", state["page"],
                                      lines[k - 1].strip()))
                next_column()
                if state["page"] == 1:
                    state["y"] = title_bottom
            x = margin + state["column"] * (column + gutter) + (first_indent if k == 0 else 0)
            width = column - (first_indent if k == 0 else 0)
            _draw_justified(canvas, x, state["y"], line, width, size, last=heading or k == len(lines) - 1)
            state["y"] -= leading
            if (index, k + 1) in breaks and k + 1 < len(lines):
                state["y"] = bottom - 1  # the column ends here; the paragraph goes on in the next one
        if state["y"] != page_h - top:
            state["y"] -= paragraph_gap * leading
    canvas.showPage()
    canvas.save()
    return path


# ---------------------------------------------------------------- two-column newspaper page


@dataclass
class Article:
    headline: str
    author: str
    paragraphs: list[str]
    byline: str


def newspaper_pdf(path: Path, articles: list[Article], *, masthead: str = "西宁晚报　2024年1月26日　星期五　A3版　要闻",
                  chars_per_line: int = 14, columns: int = 2) -> Path:
    """One e-paper page: a masthead, then each article as a band — headline across the columns,
    author line, body flowing down the left column and on down the next, byline at its end."""
    from reportlab.pdfgen import canvas as pdfcanvas

    _font()
    size, leading, gutter, margin = 10.0, 15.0, 24.0, 36.0
    column = size * chars_per_line
    page_w = 2 * margin + columns * column + (columns - 1) * gutter
    bands = []
    for article in articles:
        lines: list[tuple[str, bool, bool]] = []  # (text, indented, last line of its paragraph)
        for paragraph in article.paragraphs + [article.byline]:
            wrapped = _wrap(paragraph, column, size, 2 * size)
            lines += [(text, k == 0, k == len(wrapped) - 1) for k, text in enumerate(wrapped)]
        per_column = -(-len(lines) // columns)
        bands.append((article, lines, per_column))
    page_h = margin * 2 + 30 + sum(70 + per_column * leading + 30 for _, _, per_column in bands)
    canvas = pdfcanvas.Canvas(str(path), pagesize=(page_w, page_h), invariant=1)
    y = page_h - margin
    canvas.setFont(FONT, 9)
    canvas.drawString(margin, y, masthead)
    canvas.line(margin, y - 6, page_w - margin, y - 6)
    y -= 40
    for article, lines, per_column in bands:
        canvas.setFont(FONT, 18)
        canvas.drawCentredString(page_w / 2, y, article.headline)
        y -= 26
        canvas.setFont(FONT, 10.5)
        canvas.drawCentredString(page_w / 2, y, article.author)
        y -= 34
        canvas.setFont(FONT, size)
        for index, (text, indented, last) in enumerate(lines):
            col, row = divmod(index, per_column)
            x = margin + col * (column + gutter) + (2 * size if indented else 0)
            _draw_justified(canvas, x, y - row * leading, text, column - (2 * size if indented else 0), size, last)
        y -= per_column * leading + 30
    canvas.showPage()
    canvas.save()
    return path


# ---------------------------------------------------------------- bad PDFs


def scanned_pdf(path: Path, text: str = "政府工作报告") -> Path:
    """A page that is only a picture of text, as a scanner makes it."""
    from PIL import Image, ImageDraw, ImageFont
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas as pdfcanvas

    image = Image.new("L", (600, 200), 255)
    ImageDraw.Draw(image).text((20, 80), text, fill=0, font=ImageFont.truetype(str(FONT_PATH), 40))
    canvas = pdfcanvas.Canvas(str(path), pagesize=A4, invariant=1)
    canvas.drawImage(ImageReader(image), 72, 500, width=450, height=150)
    canvas.showPage()
    canvas.save()
    return path


def blank_pdf(path: Path) -> Path:
    from reportlab.pdfgen import canvas as pdfcanvas

    canvas = pdfcanvas.Canvas(str(path), invariant=1)
    canvas.showPage()
    canvas.save()
    return path


# ---------------------------------------------------------------- Word


def _chinese_numbering(document) -> int:
    """Add a numbering definition '一、' (chineseCounting) to the document; return its numId."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    numbering = document.part.numbering_part.element
    abstract_id, num_id = 90, 90
    abstract = parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abstract_id}">'
        '<w:multiLevelType w:val="hybridMultilevel"/>'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>'
        '<w:lvlText w:val="%1、"/><w:lvlJc w:val="left"/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>'
        '<w:lvlText w:val="（%2）"/><w:lvlJc w:val="left"/></w:lvl>'
        '</w:abstractNum>')
    numbering.insert(0, abstract)  # abstractNum elements come before num elements
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/></w:num>'))
    return num_id


def _number(paragraph, num_id: int, level: int = 0) -> None:
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    paragraph._p.get_or_add_pPr().append(parse_xml(
        f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/></w:numPr>'))


def report_docx(path: Path, paragraphs: list[str], *, title_lines: int = 0, numbered_headings: bool = True,
                table: list[list[str]] | None = None, core_title: str = "", header: str = "",
                footer: str = "") -> Path:
    """A Word report: the title in the Title style, centred lines, level-1 headings (一、…) in Heading 1
    with automatic Chinese numbering (so the numeral is not in the paragraph's text), body paragraphs
    with a first-line indent, optionally a table at the end and a page header and footer."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    document = docx.Document()
    if core_title:
        document.core_properties.title = core_title
    if header:
        document.sections[0].header.paragraphs[0].text = header
    if footer:
        document.sections[0].footer.paragraphs[0].text = footer
    headings = [_HEADING.match(p) for p in paragraphs]
    numerals = [m.group(1) for m in headings if m]
    in_order = numerals == [_NUMERALS[i] if i < 10 else "十" + _NUMERALS[i - 10] for i in range(len(numerals))]
    num_id = _chinese_numbering(document) if numbered_headings and in_order and numerals else None
    for index, text in enumerate(paragraphs):
        match = headings[index]
        if index < title_lines:
            paragraph = document.add_paragraph(text, style="Title" if index == 0 else None)
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif match and num_id is not None:
            paragraph = document.add_heading(match.group(2), level=1)
            _number(paragraph, num_id)
        elif match:
            document.add_heading(text, level=1)
        else:
            paragraph = document.add_paragraph(text)
            paragraph.paragraph_format.first_line_indent = Pt(24)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, cell in enumerate(row):
                grid.cell(r, c).text = cell
    document.save(str(path))
    return path


# Word's places for text that python-docx's paragraph list does not show, as Word writes them
WORD_NAMESPACES = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
       'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
       'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
       'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
       'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
       'xmlns:v="urn:schemas-microsoft-com:vml" '
       'xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" '
       'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')
PLACES = ("paragraph", "content-control", "inline-content-control", "text-box", "nested-table", "insertion")
DELETED = "此处为已删除的旧提法"  # tracked deletions and moved-away text in rich_docx: never to be read


def word_run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{escape(text, quote=False)}</w:t></w:r>'


def _cut(text: str) -> tuple[str, str, str]:
    third = max(1, len(text) // 3)
    return text[:third], text[third:2 * third], text[2 * third:]


def _placed(text: str, place: str, number: int) -> str:
    """One paragraph of text as Word writes it in ``place``."""
    if place == "paragraph":
        return f"<w:p>{word_run(text)}</w:p>"
    if place == "content-control":  # a block content control of a template (标题, 正文 …)
        return (f'<w:sdt><w:sdtPr><w:alias w:val="正文{number}"/><w:tag w:val="body{number}"/><w:id w:val="{number}"/>'
                f"</w:sdtPr><w:sdtContent><w:p>{word_run(text)}</w:p></w:sdtContent></w:sdt>")
    if place == "inline-content-control":  # a field of a form: the paragraph's middle is a control
        head, middle, tail = _cut(text)
        return (f'<w:p>{word_run(head)}<w:sdt><w:sdtPr><w:id w:val="{number}"/><w:text/></w:sdtPr>'
                f"<w:sdtContent>{word_run(middle)}</w:sdtContent></w:sdt>{word_run(tail)}</w:p>")
    if place == "text-box":  # a DrawingML text box, and the VML copy Word writes for older versions
        box = f"<w:txbxContent><w:p>{word_run(text)}</w:p></w:txbxContent>"
        return (f'<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
                f'<wp:anchor distT="0" distB="0" distL="114300" distR="114300" simplePos="0" relativeHeight="{number}" '
                f'behindDoc="0" locked="0" layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/>'
                f'<wp:positionH relativeFrom="column"><wp:posOffset>0</wp:posOffset></wp:positionH>'
                f'<wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset></wp:positionV>'
                f'<wp:extent cx="5274310" cy="990600"/><wp:effectExtent l="0" t="0" r="0" b="0"/>'
                f'<wp:wrapTopAndBottom/><wp:docPr id="{number}" name="文本框 {number}"/><wp:cNvGraphicFramePr/>'
                f'<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
                f'<wps:wsp><wps:cNvSpPr txBox="1"/><wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="5274310" cy="990600"/>'
                f'</a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></wps:spPr><wps:txbx>{box}</wps:txbx>'
                f'<wps:bodyPr/></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>'
                f'<mc:Fallback><w:pict><v:shape id="文本框 {number}" type="#_x0000_t202" '
                f'style="position:absolute;width:415.3pt;height:78pt"><v:textbox>{box}</v:textbox></v:shape>'
                f"</w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>")
    if place == "nested-table":  # a one-column frame table around a table holding the paragraph
        inner = (f'<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/></w:tblPr><w:tblGrid><w:gridCol w:w="8000"/>'
                 f"</w:tblGrid><w:tr><w:tc><w:tcPr/><w:p>{word_run(text)}</w:p></w:tc></w:tr></w:tbl>")
        return (f'<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/></w:tblPr><w:tblGrid><w:gridCol w:w="8300"/>'
                f"</w:tblGrid><w:tr><w:tc><w:tcPr/>{inner}<w:p/></w:tc></w:tr></w:tbl>")
    if place == "insertion":  # a reviewed draft: words inserted, an old phrase deleted, words moved here
        head, middle, tail = _cut(text)
        mark = f'w:author="审核人" w:date="2024-01-20T10:00:00Z"'
        return (f'<w:p>{word_run(head)}<w:ins w:id="{3 * number}" {mark}>{word_run(middle)}</w:ins>'
                f'<w:del w:id="{3 * number + 1}" {mark}><w:r><w:delText>{DELETED}</w:delText></w:r></w:del>'
                f'<w:moveFrom w:id="{3 * number + 2}" {mark}>{word_run(DELETED)}</w:moveFrom>{word_run(tail)}</w:p>')
    raise ValueError(place)


def rich_docx(path: Path, paragraphs: list[str], places: tuple[str, ...] = PLACES) -> Path:
    """A Word file whose paragraphs stand, in turn, in each of ``places``: a plain paragraph, a content
    control, a control inside a paragraph, a text box (with its VML fallback), a table nested in a frame
    table, a paragraph with a tracked insertion (and a deletion and a move away that must not be read)."""
    return docx_of_blocks(path, [_placed(text, places[(number - 1) % len(places)], number)
                                 for number, text in enumerate(paragraphs, 1)])


def docx_of_blocks(path: Path, blocks: list[str]) -> Path:
    """A Word file whose body is ``blocks``, each the XML of one block (w:p, w:tbl, w:sdt …) using the
    prefixes of WORD_NAMESPACES."""
    import docx
    from docx.oxml import parse_xml

    document = docx.Document()
    body = document.element.body
    for xml in blocks:
        body.insert(len(body) - 1, parse_xml(f"<w:body {WORD_NAMESPACES}>{xml}</w:body>")[0])  # before the section settings
    document.save(str(path))
    return path


def docx_with_parts(path: Path, paragraphs: list[str], *, footnote: str = "", comment: str = "",
                    placeholder: str = "", chart_labels: tuple[str, ...] = (), embedded_html: str = "") -> Path:
    """A Word report with what is not body text or not text at all: a footnote, a reviewer's comment,
    an empty content control showing its placeholder, a chart with category labels, an embedded web page
    (w:altChunk)."""
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from docx.oxml import parse_xml

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    body = document.element.body

    def add(xml: str) -> None:
        body.insert(len(body) - 1, parse_xml(f"<w:body {WORD_NAMESPACES}>{xml}</w:body>")[0])

    def part(name: str, content_type: str, reltype: str, blob: bytes) -> str:
        return document.part.relate_to(Part(PackURI(name), content_type, blob, document.part.package), reltype)

    if footnote:
        notes = (f'<w:footnotes {WORD_NAMESPACES}><w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p>'
                 f'</w:footnote><w:footnote w:id="1"><w:p>{word_run(footnote)}</w:p></w:footnote></w:footnotes>')
        part("/word/footnotes.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml",
             RT.FOOTNOTES, notes.encode("utf-8"))
        add('<w:p><w:r><w:t>注释见脚注</w:t></w:r><w:r><w:footnoteReference w:id="1"/></w:r></w:p>')
    if comment:
        first = document.paragraphs[0]
        document.add_comment(first.runs, text=comment, author="审核人")
    if placeholder:
        add(f"<w:sdt><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent><w:p>{word_run(placeholder)}</w:p>"
            "</w:sdtContent></w:sdt>")
    if chart_labels:
        points = "".join(f'<c:pt idx="{i}"><c:v>{escape(label)}</c:v></c:pt>' for i, label in enumerate(chart_labels))
        chart = (f'<c:chartSpace {WORD_NAMESPACES}><c:chart><c:plotArea><c:barChart><c:ser><c:cat><c:strRef><c:f>Sheet1!$A$2</c:f>'
                 f'<c:strCache><c:ptCount val="{len(chart_labels)}"/>{points}</c:strCache></c:strRef></c:cat></c:ser>'
                 "</c:barChart></c:plotArea></c:chart></c:chartSpace>")
        rid = part("/word/charts/chart1.xml", "application/vnd.openxmlformats-officedocument.drawingml.chart+xml",
                   RT.CHART, chart.encode("utf-8"))
        add(f'<w:p><w:r><w:drawing><wp:inline><wp:extent cx="5274310" cy="3076575"/><wp:docPr id="900" name="图表 1"/>'
            f'<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/chart">'
            f'<c:chart r:id="{rid}"/></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>')
    if embedded_html:
        rid = part("/word/afchunk1.htm", "text/html", RT.A_F_CHUNK,
                   f"<html><body><p>{escape(embedded_html)}</p></body></html>".encode("utf-8"))
        add(f'<w:altChunk r:id="{rid}"/>')
    document.save(str(path))
    return path


def lying_docx(path: Path, inflated: int, stated: int = 4096) -> Path:
    """A .docx whose document.xml inflates to ``inflated`` bytes (under 2 GB) but whose zip headers (the
    local header and the central directory) state ``stated``: a bomb that lies about its sizes."""
    bomb_docx(path, inflated)
    data = bytearray(path.read_bytes())
    name = b"word/document.xml"
    with zipfile.ZipFile(path) as archive:
        local = archive.getinfo(name.decode()).header_offset
    central = next(at for at in _all(data, b"PK\x01\x02")
                   if data[at + 46:at + 46 + int.from_bytes(data[at + 28:at + 30], "little")] == name)
    for size_at in (local + 22, central + 24):  # the uncompressed size in each header
        data[size_at:size_at + 4] = stated.to_bytes(4, "little")
    path.write_bytes(bytes(data))
    return path


def _all(data: bytearray, signature: bytes):
    at = data.find(signature)
    while at >= 0:
        yield at
        at = data.find(signature, at + 1)


def broken_docx(path: Path) -> Path:
    """A .docx that is not a whole zip (a download cut short)."""
    path.write_bytes(b"PK\x03\x04" + b"\x14\x00\x06\x00" + bytes(range(256)) * 4)
    return path


# ---------------------------------------------------------------- saved portal pages


def portal_html(path: Path, title: str, paragraphs: list[str], *, encoding: str = "utf-8",
                declare: bool = True, site: str = "西宁市人民政府", old_style: bool = False) -> Path:
    """A government-portal article page as a browser saves it: header and navigation, breadcrumb,
    title, info line (发布时间 / 来源 / 字号 / 打印本页), the article's paragraphs, 责任编辑, share and
    QR-code blocks, 相关链接 and the site footer. ``old_style``: the article is one table cell whose
    paragraphs are separated by <br> and indented with &nbsp; (as older GBK portals publish)."""
    charset = {"gbk": "gb2312", "gb18030": "gb18030"}.get(encoding, encoding)
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">' if declare else ""
    if old_style:
        body = ('<table width="100%"><tr><td class="content" style="font-size:14px;line-height:28px">'
                + "<br>\n".join(f"&nbsp;&nbsp;&nbsp;&nbsp;{escape(p)}" for p in paragraphs) + "</td></tr></table>")
    else:
        body = "\n".join(f'<p style="text-indent:2em;">{escape(p)}</p>' for p in paragraphs)
    page = f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html><head>{meta}
<title>{escape(title)}_政府工作报告_{site}</title>
<link rel="stylesheet" href="../css/style.css"><script src="../js/jquery.min.js"></script>
</head><body>
<div class="top"><div class="w1200"><span>欢迎访问{site}门户网站</span>
<a href="#">无障碍浏览</a> | <a href="#">长者模式</a> | <a href="#">English</a></div></div>
<div class="header"><img src="../images/logo.png" alt="{site}"><div class="search"><input type="text" value="请输入关键字"><button>搜索</button></div></div>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="#">走进{site[:3]}</a></li><li><a href="#">政务公开</a></li>
<li><a href="#">政务服务</a></li><li><a href="#">互动交流</a></li><li><a href="#">专题专栏</a></li></ul></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="#">政务公开</a> &gt; <a href="#">政府工作报告</a></div>
<div class="main"><div class="article">
<h1 class="title">{escape(title)}</h1>
<div class="info">发布时间：2024-01-30 09:15　来源：{site}办公室　浏览次数：3261　字号：<a href="#">【大</a> <a href="#">中</a> <a href="#">小】</a>　<a href="javascript:window.print()">打印本页</a></div>
<div class="content" id="zoom">
{body}
</div>
<div class="editor">责任编辑：李明</div>
<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a> <a href="#">QQ空间</a>
<div class="qr"><img src="../images/qr.png" alt="二维码">扫一扫在手机打开当前页</div></div>
<div class="print"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
</div>
<div class="related"><h3>相关链接</h3><ul>
<li><a href="#">2023年{site[:3]}政府工作报告</a></li><li><a href="#">图解：2024年政府工作报告</a></li>
<li><a href="#">市政府召开常务会议</a></li></ul></div></div>
<div class="footer"><p><a href="#">网站地图</a> | <a href="#">联系我们</a> | <a href="#">隐私声明</a></p>
<p>主办单位：{site}办公室　承办单位：{site}信息中心</p>
<p>网站标识码：6301000001　青ICP备05000001号　青公网安备 63010002000123号</p></div>
</body></html>
"""
    path.write_bytes(page.encode(encoding))
    return path


# ---------------------------------------------------------------- decompression bombs

_BOMB_CHUNK = 1 << 20


def _repeated(unit: bytes, size: int):
    """``size`` bytes of ``unit`` repeated, in chunks of about a megabyte (never held whole)."""
    chunk = unit * (_BOMB_CHUNK // len(unit) + 1)
    written = 0
    while written < size:
        piece = chunk[: min(_BOMB_CHUNK, size - written)]
        written += len(piece)
        yield piece


def bomb_docx(path: Path, inflated: int, text: str = "政府工作报告") -> Path:
    """A real python-docx file whose document.xml inflates to about ``inflated`` bytes of paragraphs of
    ``text``: a decompression bomb of the kind a hostile tester builds (the zip states the true sizes)."""
    import docx

    base = io.BytesIO()
    docx.Document().save(base)
    paragraph = f"<w:p><w:r><w:t>{escape(text)}</w:t></w:r></w:p>".encode("utf-8")
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for info in source.infolist():
            if info.filename != "word/document.xml":
                out.writestr(info, source.read(info))
        with out.open("word/document.xml", "w", force_zip64=inflated >= 2**31) as xml:
            xml.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w='
                      b'"http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>')
            for piece in _repeated(paragraph, inflated):
                xml.write(piece[: len(piece) - len(piece) % len(paragraph)] or paragraph)
            xml.write(b"</w:body></w:document>")
    return path


def bomb_pdf(path: Path, inflated: int, layers: int = 1) -> Path:
    """A one-page PDF whose content stream inflates to ``inflated`` bytes of spaces, deflated ``layers``
    times over (/Filter [/FlateDecode /FlateDecode]: each layer on its own looks harmless)."""
    squeeze = zlib.compressobj(9)
    stream = b"".join(squeeze.compress(piece) for piece in _repeated(b" ", inflated)) + squeeze.flush()
    for _ in range(layers - 1):
        stream = zlib.compress(stream, 9)
    filters = b"[" + b" ".join([b"/FlateDecode"] * layers) + b"]"
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << >> >>",
               b"<< /Length %d /Filter %s >>\nstream\n" % (len(stream), filters) + stream + b"\nendstream"]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    path.write_bytes(out.getvalue())
    return path
