"""PDF with a text layer → paragraphs in reading order (pdfminer.six).

pdfminer gives the text lines of each page with their boxes; the rest is done here, on the boxes:

1. Line text is rebuilt from the glyphs: Chinese characters join without spaces (justified CJK text is
   letter-spaced, and pdfminer would put a space into every wider gap); a space stays only between two
   Latin words. Glyphs without a Unicode mapping become U+FFFD and are counted.
2. Running headers and footers: a line in the top two or bottom two rows of a page is removed when
   the same text (digits ignored) stands there on at least half the odd or half the even pages (two at
   least): on every page, or alternating between facing pages (the report's title on one, the
   government's name on the other). One that is only a page number (3, — 3 —, 第3页, 3/20) is removed on
   any page, and on a one-page document a short one naming an edition or weekday (A3版, 星期五) is a
   masthead. Every removed line is recorded with its reason and page.
3. Reading order: recursive XY cut. A region splits first at vertical gutters into columns (left to
   right) when the parts stand side by side (some line of one level with some line of the other),
   else at its widest horizontal gap wider than one em (a title above columns, headlines, articles),
   and each part is cut again; horizontal first when a "column" would be a single short row and such a
   gap exists. What cannot be split is one column block, read top to bottom, its rows joined into lines
   (a title set with wide letter spacing comes in pieces). A two-column newspaper page is thus read
   headline, left column, right column, then the next article.
4. Paragraphs: inside a block, a line starts a new paragraph when it is indented, set in another size,
   follows a gap, or follows a line that ends short of its column's right edge after a sentence end (or
   well short of it: a heading). Into the next block (the next column or page) a paragraph goes on only
   from a line that runs to its column's right edge into one flush with its column's left edge, in a
   column of the same width; in a document that marks paragraphs by a gap, not an indent, only from a
   line that does not end a sentence. A block is measured against its column — the edges of the
   document's justified blocks — so the last line of a paragraph standing alone at the top of a column
   still joins. Every join over a column or page break is recorded (meta["joins"]: the two lines, the
   page, column or page). Lines of one paragraph join without spaces.
5. Damage: producers that drop the character at a line end (or split it off onto the next line) leave
   a line that ends about one character short of the right edge of a justified column although the
   sentence goes on. Among the lines of justified column blocks (most lines reach the right edge) that
   do not end a paragraph, the share that ends 0.3-1.6 em short without a sentence end or a word space
   is the document's damage ratio (meta["damage_ratio"]; meta["damage"] has the counts, examples and
   the number of glyphs without a Unicode mapping). The text is never guessed: such lines are joined
   as they are. Ragged-right text is not assessed.

A PDF without text (a scan), an encrypted or a broken one raises UnreadableFile with a one-line reason,
and so does one whose streams inflate beyond inflate_limit(file size): every stream pdfminer decodes
is first measured piece by piece (nothing kept), and decoding stops once the total passes the limit.
"""

from __future__ import annotations

import io
import logging
import re
import statistics
import zlib
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

from pdfminer import pdftypes
from pdfminer.ascii85 import ascii85decode, asciihexdecode
from pdfminer.high_level import extract_pages
from pdfminer.layout import LAParams, LTChar, LTImage, LTTextLine
from pdfminer.lzw import LZWDecoder
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

from . import Extracted, UnreadableFile, inflate_limit, too_large

# char_margin 1.0: columns a little more than one character apart stay apart; boxes_flow None: the
# reading order is worked out below, pdfminer's own box ordering is not needed
LAPARAMS = LAParams(char_margin=1.0, line_margin=0.5, boxes_flow=None, all_texts=True)

_HAN = re.compile("[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
_TERMINAL = "。！？!?；;：:"
_CLOSERS = "”’」』）)》】"
_PAGE_NUMBER = re.compile(r"[—–－\-─\s]*(?:第\s*)?\d{1,4}\s*(?:页)?[—–－\-─\s]*|\d{1,4}\s*/\s*\d{1,4}|"
                          r"第\s*\d{1,4}\s*页\s*[，,]?\s*共\s*\d{1,4}\s*页")
_MASTHEAD = re.compile(r"[A-Z]?\d{1,2}\s*版|星期[一二三四五六日天]|周[一二三四五六日]")

logging.getLogger("pdfminer").setLevel(logging.ERROR)  # pdfminer warns about every odd font


@dataclass
class _Line:
    page: int
    x0: float
    x1: float
    top: float  # distance from the top of the page
    bottom: float
    size: float  # median glyph size
    text: str
    unmapped: int = 0
    space_after: bool = False  # the line ends with a space glyph (kept when lines are joined)


@dataclass
class _Leaf:
    """A column block: lines read top to bottom, with its left and right edges."""

    lines: list[_Line]
    left: float = 0.0
    right: float = 0.0
    justified: bool = False
    frame_left: float | None = None  # the edges of the text column it stands in (see _frame_leaves)
    frame_right: float | None = None


@dataclass
class _Damage:
    checked: int = 0
    damaged: int = 0
    examples: list[str] = field(default_factory=list)


def read_pdf(path: Path, data: bytes, *, limit: int | None = None) -> Extracted:
    """``limit``: the most the PDF's streams may inflate to (default inflate_limit of the file's size)."""
    pages, info_title, images = _pages(path, data, inflate_limit(len(data)) if limit is None else limit)
    if not any(pages):
        if images:
            raise UnreadableFile(path, "PDF without a text layer (a scan?): run OCR on it first, or give its text as .txt")
        raise UnreadableFile(path, "PDF without any text (empty pages)")
    removed = _remove_running_lines(pages)
    leaves = [leaf for page in pages for leaf in _column_blocks(page)]
    damage = _Damage()
    paragraphs, joins = _paragraphs(leaves, damage)
    text = "\n\n".join(paragraphs)
    unmapped = sum(line.unmapped for page in pages for line in page)
    meta = {
        "format": "pdf",
        "pages": len(pages),
        "damage_ratio": round(damage.damaged / damage.checked, 4) if damage.checked else 0.0,
        "damage": {"lines_checked": damage.checked, "lines_short": damage.damaged,
                   "examples": damage.examples[:5], "unmapped_glyphs": unmapped},
        "joins": joins,
    }
    return Extracted(text=text, title=info_title or _largest_lines(pages), removed=removed, meta=meta)


# ---------------------------------------------------------------- pdfminer


def _pages(path: Path, data: bytes, limit: int) -> tuple[list[list[_Line]], str, bool]:
    """Text lines of every page (top to bottom), the document-information title, and whether any page
    holds an image."""
    pages: list[list[_Line]] = []
    images = False
    budget = _INFLATION.set(_Inflation(limit))
    try:
        for number, page in enumerate(extract_pages(io.BytesIO(data), laparams=LAPARAMS), 1):
            lines: list[_Line] = []
            for obj in _walk(page):
                if isinstance(obj, LTTextLine):
                    line = _make_line(obj, number, page.height)
                    if line is not None:
                        lines.append(line)
                elif isinstance(obj, LTImage):
                    images = True
            pages.append(sorted(lines, key=lambda l: (l.top, l.x0)))
        title = _info_title(data)
    except _TooLarge:
        raise too_large(path, len(data), limit, "its streams inflate") from None
    except PDFPasswordIncorrect:
        raise UnreadableFile(path, "encrypted PDF (needs a password): save an unprotected copy") from None
    except PDFEncryptionError as err:
        raise UnreadableFile(path, f"encrypted PDF that cannot be opened ({err})") from None
    except UnreadableFile:
        raise
    except Exception as err:  # pdfminer raises many kinds of errors on broken files; all mean the same to a user
        reason = str(err).splitlines()[0][:120] if str(err) else type(err).__name__
        raise UnreadableFile(path, f"broken or not a PDF ({reason})") from None
    finally:
        _INFLATION.reset(budget)
    return pages, title, images


# ---------------------------------------------------------------- what streams may inflate to


class _TooLarge(Exception):
    """The streams of the PDF being read inflate beyond its limit."""


@dataclass
class _Inflation:
    limit: int
    used: int = 0  # bytes the document's decoded streams take so far


_INFLATION: ContextVar[_Inflation | None] = ContextVar("pdf_inflation", default=None)
_PIECE = 1 << 20  # bytes inflated at a time while measuring


def _decode_within_limit(stream: pdftypes.PDFStream) -> None:
    """pdfminer's PDFStream.decode, once what the stream decodes to is known to fit the limit of the PDF
    being read (measured piece by piece, nothing kept); outside read_pdf, pdfminer's own."""
    inflation = _INFLATION.get()
    if inflation is not None and stream.rawdata is not None:
        inflation.used += _decoded_size(stream, inflation.limit - inflation.used)
        if inflation.used > inflation.limit:
            raise _TooLarge()
    _pdfminer_decode(stream)


_pdfminer_decode = pdftypes.PDFStream.decode
pdftypes.PDFStream.decode = _decode_within_limit  # every stream pdfminer reads is decoded by this method


def _decoded_size(stream: pdftypes.PDFStream, room: int) -> int:
    """The bytes ``stream`` decodes to through its filters, or more than ``room`` once it passes it."""
    data = stream.rawdata
    if stream.decipher and stream.objid is not None and stream.genno is not None:
        data = stream.decipher(stream.objid, stream.genno, data, stream.attrs)
    try:
        filters = stream.get_filters()
        pieces = iter([data])
        for name, params in filters:
            pieces = _filtered(pieces, name, params, room)
        size = 0
        for piece in pieces:
            size += len(piece)
            if size > room:
                return size
        return size
    except _Over:
        return room + 1
    except Exception:  # a broken stream or parameter: pdfminer's own decoding says what is wrong
        return 0


class _Over(Exception):
    """A filter's output passed the room left."""


def _filtered(pieces, name, params, room: int):
    """The output of one filter, piece by piece; _Over once it passes ``room`` (pdfminer holds each
    filter's output whole)."""
    if name in pdftypes.LITERALS_FLATE_DECODE:
        return _counted(_inflate(pieces), room)
    if name in pdftypes.LITERALS_LZW_DECODE:
        return _counted(LZWDecoder(io.BytesIO(b"".join(pieces))).run(), room)
    if name in pdftypes.LITERALS_RUNLENGTH_DECODE:
        data = b"".join(pieces)
        if _run_length_size(data) > room:  # known before decoding: pdfminer's decoder holds a list of ints
            raise _Over()
        return iter([pdftypes.rldecode(data)])
    if name in pdftypes.LITERALS_ASCII85_DECODE:  # these shrink: 5 characters → 4 bytes, 2 → 1
        return _counted(iter([ascii85decode(b"".join(pieces))]), room)
    if name in pdftypes.LITERALS_ASCIIHEX_DECODE:
        return _counted(iter([asciihexdecode(b"".join(pieces))]), room)
    if name in pdftypes.LITERALS_CCITTFAX_DECODE:  # a bitmap: rows × columns / 8, a row per input bit at most
        params = params or {}
        columns = pdftypes.int_value(params.get("Columns", 1728))
        rows = pdftypes.int_value(params.get("Rows", 0)) or 8 * len(b"".join(pieces))
        if rows * -(-columns // 8) > room:
            raise _Over()
    return pieces  # images (DCT, JPX, JBIG2) stay as they are; pdfminer refuses what it does not know


def _inflate(pieces):
    inflater = zlib.decompressobj()
    try:
        for piece in pieces:
            while piece and not inflater.eof:
                yield inflater.decompress(piece, _PIECE)
                piece = inflater.unconsumed_tail
        yield inflater.flush()
    except zlib.error:  # damaged: pdfminer inflates what it can, which is no more than was measured
        return


def _counted(pieces, room: int):
    size = 0
    for piece in pieces:
        size += len(piece)
        if size > room:
            raise _Over()
        yield piece


def _run_length_size(data: bytes) -> int:
    """What RunLengthDecode makes of ``data``: a length byte n < 128 copies n + 1 bytes, n > 128
    repeats one byte 257 - n times, 128 ends the data."""
    size, at = 0, 0
    while at < len(data) and data[at] != 128:
        n = data[at]
        size += n + 1 if n < 128 else 257 - n
        at += n + 2 if n < 128 else 2
    return size


def _walk(obj):
    yield obj
    if not isinstance(obj, (LTTextLine, LTChar)) and hasattr(obj, "__iter__"):
        for child in obj:
            yield from _walk(child)


def _make_line(obj: LTTextLine, page: int, height: float) -> _Line | None:
    glyphs = [c for c in obj if isinstance(c, LTChar)]
    parts: list[str] = []
    kept: list[LTChar] = []
    unmapped = 0
    sizes = [c.size for c in glyphs if not c.get_text().isspace()] or [1.0]
    em = statistics.median(sizes)
    # justified lines spread every gap alike: a word space is a gap wider than the line's usual one
    gaps = [b.x0 - a.x1 for a, b in zip(glyphs, glyphs[1:])]
    usual = max(0.0, statistics.median(gaps)) if gaps else 0.0
    previous = None
    for glyph in glyphs:
        char = glyph.get_text()
        if char.startswith("(cid:") or char == "\ufffd":
            char, unmapped = "\ufffd", unmapped + 1
        if char.isspace() and char != "\u3000":
            if parts and parts[-1] != " ":
                parts.append(" ")
            continue
        if previous is not None and parts and parts[-1] != " " and glyph.x0 - previous.x1 > usual + 0.2 * em \
                and not (_HAN.match(parts[-1][-1]) or _HAN.match(char[0])):
            parts.append(" ")  # a gap between two Latin words that the producer drew without a space
        parts.append(char)
        kept.append(glyph)
        previous = glyph
    text = "".join(parts)
    if not text.strip("\u3000 "):
        return None
    visible = [g for g in kept if not g.get_text().isspace()]
    x0 = visible[0].x0 if visible else obj.x0  # a leading ideographic space is an indent, not text
    return _Line(page, x0, max(g.x1 for g in kept), height - obj.y1, height - obj.y0, em,
                 text.strip("\u3000 "), unmapped, space_after=bool(parts) and parts[-1] == " ")


def _info_title(data: bytes) -> str:
    """The title in the document information, when it is Chinese text (not "Microsoft Word - 1.doc")."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import resolve1

    document = PDFDocument(PDFParser(io.BytesIO(data)))
    for info in document.info:
        value = resolve1(info.get("Title"))
        if isinstance(value, bytes):
            value = value.decode("utf-16") if value.startswith((b"\xfe\xff", b"\xff\xfe")) else value.decode("latin-1")
        if isinstance(value, str) and _HAN.search(value) and not re.search(r"\.(?:docx?|wps|pdf)\b|Word", value):
            return value.strip()
    return ""


# ---------------------------------------------------------------- running headers and footers


def _rows(page: list[_Line]) -> tuple[list[_Line], list[_Line]]:
    """Candidate header and footer lines: those of the top two and the bottom two rows of a page (a
    row: lines whose tops lie within half an em of each other)."""
    rows: list[list[_Line]] = []
    for line in sorted(page, key=lambda l: l.top):
        if rows and line.top - rows[-1][0].top <= 0.5 * rows[-1][0].size:
            rows[-1].append(line)
        else:
            rows.append([line])
    top = [line for row in rows[:2] for line in row]
    bottom = [line for row in rows[2:][-2:] for line in row]
    return top, bottom


def _key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def _remove_running_lines(pages: list[list[_Line]]) -> list[dict]:
    """Take running headers, footers and page numbers off the pages; return what was removed. A header
    or footer may stand on every page or alternate between odd and even pages (the report's title on
    one side, the government's name on the other): a line counts as one when it stands there on at
    least half the pages (two at least) of either parity."""
    rows = [_rows(page) for page in pages]
    counts = {(reason, parity): {} for reason in ("running-header", "running-footer") for parity in (0, 1)}
    for number, (top, bottom) in enumerate(rows):
        for reason, row in (("running-header", top), ("running-footer", bottom)):
            for key in {_key(line.text) for line in row}:
                counts[reason, number % 2][key] = counts[reason, number % 2].get(key, 0) + 1
    with_text = [sum(1 for page in pages[parity::2] if page) for parity in (0, 1)]
    needed = [max(2, (n + 1) // 2) for n in with_text]
    removed: list[dict] = []
    for number, (page, (top, bottom)) in enumerate(zip(pages, rows)):
        for reason, row in (("running-header", top), ("running-footer", bottom)):
            for line in row:
                key = _key(line.text)
                if _PAGE_NUMBER.fullmatch(line.text):
                    why = "page-number"
                elif any(counts[reason, parity].get(key, 0) >= needed[parity] for parity in (0, 1)):
                    why = reason
                elif sum(with_text) == 1 and len(line.text) <= 40 and _MASTHEAD.search(line.text):
                    why = "running-header"
                else:
                    continue
                page.remove(line)
                removed.append({"reason": why, "text": line.text, "page": line.page})
    return removed


# ---------------------------------------------------------------- reading order


def _split(lines: list[_Line], span, min_gap: float) -> list[list[_Line]]:
    """Groups of lines separated by a gap of at least ``min_gap`` along one axis, in order."""
    ordered = sorted(lines, key=lambda l: span(l)[0])
    groups = [[ordered[0]]]
    end = span(ordered[0])[1]
    for line in ordered[1:]:
        start, stop = span(line)
        if start - end >= min_gap:
            groups.append([line])
        else:
            groups[-1].append(line)
        end = max(end, stop)
    return groups


def _rows_of(lines: list[_Line]) -> list[list[_Line]]:
    """Lines grouped into rows: a line joins the row whose first line it overlaps by half its height."""
    rows: list[list[_Line]] = []
    for line in sorted(lines, key=lambda l: (l.top, l.x0)):
        if rows:
            first = rows[-1][0]
            overlap = min(first.bottom, line.bottom) - max(first.top, line.top)
            if overlap >= 0.5 * min(first.bottom - first.top, line.bottom - line.top):
                rows[-1].append(line)
                continue
        rows.append([line])
    return rows


def _merge_row(row: list[_Line]) -> _Line:
    """Pieces of one row as one line: a title set with wide letter spacing comes in pieces."""
    row = sorted(row, key=lambda l: l.x0)
    if len(row) == 1:
        return row[0]
    text = row[0].text
    for a, b in zip(row, row[1:]):
        far = b.x0 - a.x1 > 3 * a.size  # cells of a table row, not letter spacing
        if far or a.space_after or not (_HAN.match(text[-1]) or _HAN.match(b.text[0])):
            text += " "
        text += b.text
    return _Line(row[0].page, row[0].x0, max(l.x1 for l in row), min(l.top for l in row),
                 max(l.bottom for l in row), statistics.median(l.size for l in row), text,
                 sum(l.unmapped for l in row), space_after=row[-1].space_after)


def _side_by_side(columns: list[list[_Line]]) -> bool:
    """Does each group stand beside the next, some line of one level with some line of the other? A
    short last line between two indented ones is no column."""
    return all(_level(a, b) for a, b in zip(columns, columns[1:]))


def _level(a: list[_Line], b: list[_Line]) -> bool:
    """Does some line of ``a`` share a height with some line of ``b``? (a sweep down the page)"""
    lines = sorted([(line.top, line.bottom, 0) for line in a] + [(line.top, line.bottom, 1) for line in b])
    reach = [float("-inf"), float("-inf")]  # the lowest bottom seen so far in each group
    for top, bottom, group in lines:
        if reach[1 - group] > top:
            return True
        reach[group] = max(reach[group], bottom)
    return False


def _xy_cut(lines: list[_Line], em: float) -> list[list[_Line]]:
    if len(lines) < 2:
        return [lines] if lines else []
    columns = _split(lines, lambda l: (l.x0, l.x1), 0.8 * em)
    if len(columns) > 1 and not _side_by_side(columns):
        columns = [lines]
    if len(_rows_of(lines)) == 1:
        # one row: pieces of a few characters are a title set with wide letter spacing; longer pieces
        # are the last lines of columns
        if len(columns) > 1 and all(sum(len(l.text) for l in column) >= 4 for column in columns):
            return columns
        return [lines]
    bands = _split(lines, lambda l: (l.top, l.bottom), 1.0 * em)
    # a "column" of one row beside short lines (the end of a spaced-out title, a signature) is cut off
    # by a horizontal gap first; one as wide as the widest column is the first line of a column
    widest = max(max(l.x1 for l in column) - min(l.x0 for l in column) for column in columns)
    if len(columns) > 1 and (len(bands) == 1 or all(
            len(_rows_of(column)) > 1 or max(l.x1 for l in column) - min(l.x0 for l in column) >= widest - em
            for column in columns)):
        return [leaf for column in columns for leaf in _xy_cut(column, em)]
    if len(bands) > 1:
        # cut at the widest gap only: the parts may then split into columns (a title above two
        # columns whose paragraph gaps happen to line up is cut off, not the columns across)
        gaps = [min(l.top for l in lower) - max(l.bottom for l in upper) for upper, lower in zip(bands, bands[1:])]
        cut = gaps.index(max(gaps)) + 1
        upper = [line for band in bands[:cut] for line in band]
        lower = [line for band in bands[cut:] for line in band]
        return _xy_cut(upper, em) + _xy_cut(lower, em)
    return [sorted(lines, key=lambda l: (l.top, l.x0))]


def _column_blocks(page: list[_Line]) -> list[_Leaf]:
    if not page:
        return []
    em = statistics.median(line.size for line in page)
    leaves = []
    for block in _xy_cut(page, em):
        lines = [_merge_row(row) for row in _rows_of(block)]
        leaf = _Leaf(lines, min(l.x0 for l in lines), max(l.x1 for l in lines))
        full = [l for l in lines[:-1] if leaf.right - l.x1 <= 0.3 * l.size]
        leaf.justified = len(lines) >= 3 and len(full) >= 0.6 * (len(lines) - 1)
        leaves.append(leaf)
    return leaves


# ---------------------------------------------------------------- paragraphs


def _ends_sentence(text: str) -> bool:
    end = text.rstrip(_CLOSERS)
    return bool(end) and end[-1] in _TERMINAL


def _paragraphs(leaves: list[_Leaf], damage: _Damage) -> tuple[list[str], list[dict]]:
    """The paragraphs, and a record of every join over a column or page break."""
    _frame_leaves(leaves)
    indents = _indents_paragraphs(leaves)
    paragraphs: list[list[_Line]] = []
    joins: list[dict] = []
    previous: tuple[_Line, _Leaf] | None = None
    for leaf in leaves:
        for line in leaf.lines:
            if previous is None or _breaks(previous, (line, leaf), damage, indents):
                paragraphs.append([])
            elif previous[1] is not leaf:
                joins.append(_join_record(previous[0], line))
            paragraphs[-1].append(line)
            previous = (line, leaf)
    return [_join(lines) for lines in paragraphs], joins


def _frame_leaves(leaves: list[_Leaf]) -> None:
    """Give each block the text column it stands in: the edges of the document's justified blocks
    (blocks whose left and right edges agree within an em are one column), so that a block of one
    line, or one ending short, is still measured against its column's right edge."""
    frames: list[tuple[float, float, float]] = []  # left, right, em
    for leaf in leaves:
        if not leaf.justified:
            continue
        em = leaf.lines[0].size
        for k, (left, right, _) in enumerate(frames):
            if abs(left - leaf.left) <= em and abs(right - leaf.right) <= em:
                frames[k] = (min(left, leaf.left), max(right, leaf.right), em)
                break
        else:
            frames.append((leaf.left, leaf.right, em))
    for leaf in leaves:
        inside = [(right - left, left, right) for left, right, em in frames
                  if left - 0.5 * em <= leaf.left and leaf.right <= right + 0.5 * em]
        if inside:
            _, leaf.frame_left, leaf.frame_right = min(inside)


def _indents_paragraphs(leaves: list[_Leaf]) -> bool:
    """Does the document mark a new paragraph by indenting its first line? Decided by the lines that
    follow a clear paragraph end (a sentence end well short of the column's right edge): indented
    ones against flush ones. Block-style documents mark paragraphs by a gap alone."""
    indented = flush = 0
    sequence = [(line, leaf) for leaf in leaves for line in leaf.lines]
    for (a, a_leaf), (b, b_leaf) in zip(sequence, sequence[1:]):
        if a_leaf.frame_right is None or b_leaf.frame_right is None or abs(a.size - b.size) > 0.15 * a.size:
            continue
        if _ends_sentence(a.text) and a_leaf.frame_right - a.x1 > 2 * a.size:
            if b.x0 - b_leaf.frame_left >= 0.8 * b.size:
                indented += 1
            else:
                flush += 1
    return indented > flush


def _breaks(a_at: tuple[_Line, _Leaf], b_at: tuple[_Line, _Leaf], damage: _Damage, indents: bool) -> bool:
    """Does line b start a new paragraph after line a? Counts a's shortfall as damage when it is one."""
    (a, a_leaf), (b, b_leaf) = a_at, b_at
    em = a.size
    if a_leaf.frame_right is not None:
        shortfall = (a_leaf.frame_right - a.x1) / em
    else:
        shortfall = (a_leaf.right - a.x1) / em if len(a_leaf.lines) > 1 else 0.0
    suspicious = 0.3 < shortfall < 1.6 and not _ends_sentence(a.text) and not a.space_after
    if a_leaf.justified and (suspicious or shortfall <= 0.3):  # lines that should run to the right edge
        damage.checked += 1
        if suspicious:
            damage.damaged += 1
            damage.examples.append(f"page {a.page}: …{a.text[-12:]}")
    if abs(a.size - b.size) > 0.15 * em:
        return True
    full = shortfall <= 0.3 or suspicious or (a.space_after and not _ends_sentence(a.text))
    if a_leaf is not b_leaf:
        return not _continues(a, a_leaf, b, b_leaf, full, indents)
    if b.top - a.bottom > 1.0 * em:
        return True
    if b.x0 - b_leaf.left >= 0.8 * b.size:  # indented
        return True
    return not full


def _continues(a: _Line, a_leaf: _Leaf, b: _Line, b_leaf: _Leaf, full: bool, indents: bool) -> bool:
    """Does the paragraph of line a, the last of its block, go on at line b, the first of the next block?
    Only in the next column or on the next page (a block below in the same column stands after a gap,
    which ends a paragraph), from a line that runs to its column's right edge into a line flush with the
    left edge of a column of the same width; from a sentence end only when the document indents its
    paragraphs (else a new block after a sentence end is a new paragraph)."""
    if b.page == a.page and b.top > a.top:
        return False  # below in the same column: a gap there is a paragraph's end
    if a_leaf.frame_right is None or b_leaf.frame_right is None:
        return False  # a title, headline or author line outside the text columns
    if abs((a_leaf.frame_right - a_leaf.frame_left) - (b_leaf.frame_right - b_leaf.frame_left)) > a.size:
        return False  # a box or a block of another width
    flush = b.x0 - b_leaf.frame_left < 0.8 * b.size
    return full and flush and (indents or not _ends_sentence(a.text))


def _join_record(a: _Line, b: _Line) -> dict:
    """A join between two blocks as the changes log shows it: where, and the two lines it joined."""
    across = "page" if b.page != a.page else "column"
    return {"across": across, "page": a.page, "next_page": b.page, "text": f"{a.text}\n{b.text}"}


def _join(lines: list[_Line]) -> str:
    text = lines[0].text
    for before, line in zip(lines, lines[1:]):
        if before.space_after or (text[-1].isascii() and text[-1].isalpha() and line.text[0].isascii()
                                  and line.text[0].isalpha()):
            text += " "  # a space drawn at the line end, or two Latin words; Chinese joins without one
        text += line.text
    return text


def _largest_lines(pages: list[list[_Line]]) -> str:
    """The title on the first page with text: its run of lines in the largest type, if larger than the body."""
    page = next((p for p in pages if p), [])
    if not page:
        return ""
    body = statistics.median(line.size for line in page)
    largest = max(line.size for line in page)
    if largest < 1.2 * body:
        return ""
    run: list[_Line] = []
    for line in (_merge_row(row) for row in _rows_of(page)):  # top to bottom: the first run in the largest type
        if line.size >= 0.95 * largest and len(line.text) <= 40 and len(run) < 3:
            run.append(line)
        elif run:
            break
    return "".join(line.text for line in run)
