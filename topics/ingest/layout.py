"""Layout repair: raw report text → clean paragraphs, one per line, with everything removed recorded.

What it does, in order:

1. Lines. Newlines of every kind become line breaks; a run of two or more ideographic spaces
   (U+3000) inside a line is a lost paragraph break (the hprc.org.cn texts put whole reports on one
   line and separate paragraphs by "　　"), so the line is split there. The salutation 各位代表： is
   split from a speaker line glued before it and from body text glued after it.
2. Characters (per line). Every whitespace character (NBSP, U+2002, U+3000, tab …) becomes a plain
   space and runs of spaces shrink to one; control and format characters (zero-width spaces, BOM)
   are dropped; full-width ASCII letters and digits become ASCII, as do ％ and the full-width point
   between digits (Chinese punctuation such as ，。“” is left alone). Letter-spaced runs of three or
   more single Chinese characters are closed up (森 林 防 火 → 森林防火) without touching
   "2023 年" or "First 青年". In lines longer than 80 characters (files whose line breaks became
   spaces) a numbered heading between a sentence end and a space is split off onto its own line, and
   a single space between two Chinese characters, a wrap artefact, is closed.
3. Paragraphs. Each file is read in one of three layouts:
   - "wrapped": hard-wrapped text (PDF extracts): most lines have the same display width W. A line
     is joined to the next unless it ends a sentence (。！？；：) and is either shorter than a full line
     or followed by an indented (short) first line; a short line that does not end a sentence is a
     heading. Blank lines are column or page breaks, not paragraph breaks, unless they follow a
     sentence end (and are not between every line anyway).
   - "blocks": paragraphs are separated by blank lines and a paragraph's lines are joined (Wikisource
     renders inline links as separate lines); an indented line also starts a paragraph.
   - "lines": every line is a paragraph.
4. Removal of what is not body, each recorded as a Removal with a reason (see REASONS): the front
   matter before the salutation 各位代表 (web toolbars, title, dateline, source and time lines,
   speaker line, photo caption), page numbers, bylines, headline and author lines, datelines,
   print citations, endnote markers like [1] and the glossaries, appendices and web-page footers
   after the report, the Wikisource licence footer, and applause notes such as （鼓掌）.
5. Pieces. A page that holds several articles, each closed by a byline （记者 …）, becomes one
   CleanDocument per article ("<doc_id>#1", "#2" …); headlines printed together after the last byline
   are matched to the articles in page order.

Accounting: a *counted* character is any character that is not whitespace and not a control or
format character (count_chars). Every step above either keeps a counted character (mapping it 1:1 when
normalising) or moves it into a Removal, so for every input Document the kept text plus the removed
texts of its CleanDocuments hold exactly count_chars(document.text) counted characters;
CleanDocument.input_chars is each piece's share of that count.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from ..documents import Document, Removal

# What each removal reason means (the reasons a Removal record can carry).
REASONS = {
    "web-chrome": "web-page toolbar, breadcrumb, share or print links (下载 / 打印 / 【字号 / 扫一扫 / 相关报道 …)",
    "site-footer": "website footer (主办单位, 备案号, 网站标识码 …)",
    "front-matter": "text before the salutation 各位代表 that matches no more specific pattern",
    "title": "report title line (… 政府工作报告), also repeated as a page header",
    "dateline": "place and date line (——2026年1月26日在…会议上, 新华社北京3月5日电)",
    "source": "source or time line of a web page or newspaper (来源：…, 时间：…)",
    "speaker": "the speaker's office and name (省长 王予波)",
    "caption": "photo caption (… 本报记者 霍艳恩摄)",
    "byline": "reporter byline (（记者 张国静）)",
    "headline": "newspaper headline printed apart from its article",
    "author": "author line under a headline (市人大代表、城西区委书记 张俊录)",
    "address": "the salutation on its own (各位代表：)",
    "print-citation": "print source of a reprint (（《人民日报》… 版）)",
    "endnote-marker": "endnote reference in the text ([1], ［27］, ^[3])",
    "glossary": "glossary or endnote list after the report (名词解释, 注释 …)",
    "appendix": "appendix after the report (附件 …)",
    "note": "editor's note after the report (字库未存字注释 …)",
    "after-report": "web-page material after the end of the report (related links, repeated text)",
    "page-number": "page number or continuation mark (— 1 —, （下转第3版）)",
    "licence-footer": "Wikisource licence footer (from 本作品是中华人民共和国的 on)",
    "applause": "applause note in a transcript (（鼓掌）)",
    "stray": "short line without any Chinese text (stray characters, link ids)",
    "duplicate": "a whole document that is a near-duplicate of another one read (ingest --dedupe keeps the most complete)",
}

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_CHAR = re.compile(f"[{HAN}]")
_CJK_PUNCT = "，。、；：？！“”‘’（）《》〈〉【】「」『』…·—"
TERMINAL = "。！？!?；;：:"
_CLOSERS = "”’」』）)》】"
_OPENERS = "，、“‘（(《—-"  # a paragraph never ends on one of these
_INDENT = 4  # display width of a two-character paragraph indent

# ---------------------------------------------------------------- characters


def _format_chars() -> str:
    """Character class body of the control and format characters (category Cc/Cf)."""
    codes = [c for c in range(0x10000) if unicodedata.category(chr(c)) in ("Cc", "Cf")]
    codes += [0x110BD, 0x110CD, *range(0x13430, 0x13440), *range(0x1BCA0, 0x1BCA4), *range(0x1D173, 0x1D17B),
              0xE0001, *range(0xE0020, 0xE0080)]
    ranges, start, prev = [], codes[0], codes[0]
    for code in codes[1:] + [None]:
        if code is not None and code == prev + 1:
            prev = code
            continue
        ranges.append(re.escape(chr(start)) + (f"-{re.escape(chr(prev))}" if prev > start else ""))
        if code is not None:
            start = prev = code
    return "".join(ranges)


_FORMAT = _format_chars()
_FORMAT_ONLY = re.compile(f"[{_FORMAT}]+")  # applied after whitespace is gone, so only non-space controls go
_LINE_BREAK = re.compile("\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_IDEOGRAPHIC_BREAK = re.compile("\u3000{2,}")
_FULLWIDTH = {0xFF05: "%", **{0xFF10 + i: chr(0x30 + i) for i in range(10)},
              **{0xFF21 + i: chr(0x41 + i) for i in range(26)}, **{0xFF41 + i: chr(0x61 + i) for i in range(26)}}
_FULLWIDTH_RUN = re.compile("[\uff05\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]+")
_FULLWIDTH_POINT = re.compile(r"(?<=\d)．(?=\d)")


def count_chars(text: str) -> int:
    """Counted characters: everything except whitespace and control/format characters.
    This is the unit of the kept + removed = input accounting."""
    visible = "".join(text.split())  # str.split() drops exactly the characters str.isspace() knows
    if visible.isprintable():  # fast path: no control or format character left
        return len(visible)
    return len(visible) - sum(len(m) for m in _FORMAT_ONLY.findall(visible))


def _normalise(raw: str) -> str:
    """One line's characters: whitespace → single spaces, control/format characters dropped,
    full-width ASCII letters and digits → ASCII, letter-spaced runs closed."""
    text = " ".join(raw.split())
    if not text.isprintable():
        text = " ".join(_FORMAT_ONLY.sub("", text).split())
    if _FULLWIDTH_RUN.search(text):
        text = _FULLWIDTH_RUN.sub(lambda m: m.group().translate(_FULLWIDTH), text)
    if "．" in text:
        text = _FULLWIDTH_POINT.sub(".", text)
    if " " in text:
        text = _close_letter_spacing(text)
    return text


def _close_han_gaps(text: str) -> str:
    """Drop a single space between two Chinese characters (a line break that became a space)."""
    parts = text.split(" ")
    out = [parts[0]]
    for prev, part in zip(parts, parts[1:]):
        if not (prev and part and _HAN_CHAR.match(prev[-1]) and _HAN_CHAR.match(part[0])):
            out.append(" ")
        out.append(part)
    return "".join(out)


_SPACED_CHAR = f"[{HAN}{_CJK_PUNCT}]"
# three or more single Chinese characters separated by single spaces, with the space to a Chinese
# neighbour on either side (健全 森 林 防 火 体系 → 健全森林防火体系)
_SPACED_RUN = re.compile(rf"(?:(?<=[{HAN}]) )?(?<![^ ])(?:{_SPACED_CHAR} ){{2,}}{_SPACED_CHAR}(?![^ ])(?: (?=[{HAN}]))?")


def _close_letter_spacing(text: str) -> str:
    """Close letter-spaced runs (森 林 防 火 → 森林防火); "2023 年" and "First 青年" are left alone."""
    return _SPACED_RUN.sub(lambda m: m.group().replace(" ", ""), text)


def _width(text: str) -> int:
    """Display width without spaces: ASCII counts 1, everything else 2 (Chinese fonts)."""
    if len(text) > 400:
        return 10**6
    visible = text.replace(" ", "")
    return 2 * len(visible) - sum(1 for ch in visible if ch < "\x80")


def _ends_sentence(text: str) -> bool:
    """Ends with 。！？；： (possibly followed by closing quotes or brackets)."""
    end = text.rstrip(_CLOSERS)
    return bool(end) and end[-1] in TERMINAL


# ---------------------------------------------------------------- patterns

_ADDRESS_WORDS = r"(?:各位(?:代表|委员|主任)(?:[、和]各位(?:代表|委员)|、委员|、同志们)?|同志们)"
_ADDRESS_IN_LINE = re.compile(_ADDRESS_WORDS + r"[：:！!]")
_ADDRESS = re.compile(r"(?:" + _ADDRESS_WORDS + r"|位代表)[：:！!，,]?")
_BYLINE = re.compile(r"[（(](?:本报|新华社|人民日报)?(?:特约|见习|全媒体)?(?:记者|通讯员)[^（）()]{1,40}[）)]")
_PAGE_NUMBER = re.compile(r"[—–－\-─]*\s*(?:第\s*)?\d{1,3}\s*(?:页)?\s*[—–－\-─]*|第\s*\d{1,3}\s*页\s*[，,]?\s*共\s*\d{1,3}\s*页")
_LICENCE = "本作品是中华人民共和国的"
_CHROME = re.compile(
    r"(?:下载|打印|全屏|收藏|加大|还原|减小|大|中|小|首页|>+|»|\||×|【|】|[【\[]?字[号体][：:]?|分享(?:到)?[：:]?|"
    r"分享到(?:微信|微博|QQ空间)|打印本页|关闭窗口|打印关闭分享到[：:]?|扫一扫.{0,12}|"
    r"相关(?:报道|文档|链接|附件|阅读|新闻|稿件)[：:>》]*|》*点击.{0,16}《*|当前位置[：:]?|您的位置[：:]?|"
    r"阅读量[：:]?\s*\d*|[【\[](?:打印|关闭|返回顶部|关闭窗口|打印本页)[】\]]|返回顶部|(?:责任)?编辑[：:].{0,12}|作者[：:].{0,12})"
)
_FOOTER = re.compile(r"(?:主办单位|承办单位|技术支持|联系电话|网站管理)[：:]|备案号|ICP备|网站标识码|公网安备|版权所有\s*[©（(：:]|"
                     r"网站地图|页面纠错|^党政机关$")
_SOURCE = re.compile(r"[（(]?(?:来源|稿源|信息来源|发布时间|发表时间|时间|日期|发布日期|浏览次数|点击数|出处)\s*[：:]")
_TIMESTAMP = re.compile(r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(?:\s*\d{1,2}\s*[:时]\s*\d{1,2}(?:\s*分|:\d{1,2})?)?")
_DATELINE_DASH = re.compile(r"[—–\-－―─]{1,2}\s*\S")
_DATELINE_AGENCY = re.compile(r"[（(]?(?:新华社|中新社|本报)[^，。（）()\s]{0,12}\d{1,2}月\d{1,2}日电[）)]?")
_TITLE_WORDS = re.compile(r"政府工作报告|工作报告|政\s*府\s*工\s*作\s*报\s*告")
_ROLE = r"(?:总理|副总理|省长|市长|区长|县长|州长|盟长|主席|主任|部长|书记|代省长|代市长|代总理|旗长|镇长)"
_SPEAKER = re.compile(r"[^，。！？：:]{0,30}" + _ROLE + rf"[\s·]*[{HAN}·\s]{{2,10}}")
_CAPTION_CREDIT = re.compile(r"记者|摄影|通讯员")
_CAPTION_REPORT = re.compile(r"[^，。]{2,14}?(?:同志)?(?:代表[^，。]{0,12})?(?:向大会)?作政府工作报告。")
_PRINT_CITATION = re.compile(r"[（(]?《\s*人民日报\s*》.{0,60}")
_AUTHOR = re.compile(rf"[{HAN}、，·（）()“”]{{1,40}}?(?:代表|委员|书记|主任|主席|[市区县省州镇乡局厅部处科院校]长|总理|经理|董事长|主编)\s+[{HAN}·]{{2,6}}")
_GLOSSARY_MARK = re.compile(
    r"(?:[（(]?(?:政府工作报告)?附件[\d一二三四五六七八九十]*(?:二维码)?[）)]?|附[：:]|附注[：:]?|名词解释|名词注释|注释[：:]?|注解[：:]?|"
    r"字库未存字注释[：:]?|.{0,24}名词(?:解释|注释))"
)
_TAIL_START = re.compile(
    r"(?:相关(?:报道|文档|链接|附件|阅读|新闻|稿件)|扫一扫|打印本页|关闭窗口|(?:责任)?编辑[：:]|网站地图|主办单位|"
    r"分享到|》*点击图片|[（(]?来源[：:])"
)

# inline removals
_ENDNOTE = re.compile(r"\^?\[\d{1,3}\]|［\d{1,3}］|\^\d{1,2}(?!\d)")
_APPLAUSE = re.compile(r"[（(][^（）()]{0,30}(?:鼓掌|掌声)[^（）()]{0,10}[）)]")
_INLINE_PAGE = re.compile(r"(?<!\S)[—–－\-]\s\d{1,3}\s[—–－\-](?!\S)")
_CONTINUED_TO = re.compile(r"\s*[（(]下转第?\s*\d{1,3}\s*版[）)]\s*$")
_CONTINUED_FROM = re.compile(r"^\s*[（(](?:上接|接)第?\s*\d{1,3}\s*版[）)]\s*")
_TRAILING_CITATION = re.compile(
    r"\s*(?:[（(]《\s*人民日报\s*》[^（）()]{0,60}[）)]|《\s*人民日报\s*》\s*[（(][^（）()]{0,40}版\s*[）)])\s*$")
_LEADING_DATELINE = re.compile(
    r"^(?:新华社|中新社|本报)[^，。（）()\s]{0,12}\d{1,2}月\d{1,2}日电\s*(?:[（(](?:记者|通讯员)[^（）()]{1,30}[）)])?\s*"
    r"|^本报讯\s*[（(](?:记者|通讯员)[^（）()]{1,30}[）)]\s*")
_HEADING_IN_LINE = re.compile(
    r"(?:[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[）)])[^。！？；：\s]{2,40}(?=\s\S)")


# ---------------------------------------------------------------- records


@dataclass
class CleanDocument:
    """A document (or one article of a page) after layout repair: ``text`` holds one paragraph per
    line; ``removals`` is everything taken out of it; ``input_chars`` is its share of the input's
    counted characters (kept + removed == input_chars)."""

    doc_id: str
    title: str
    year: int | None
    region: str
    source: str
    text: str
    removals: list[Removal]
    input_chars: int
    meta: dict = field(default_factory=dict)

    @property
    def kept_chars(self) -> int:
        return count_chars(self.text)

    @property
    def removed_chars(self) -> int:
        return sum(count_chars(r.text) for r in self.removals)


@dataclass
class _Line:
    number: int  # 1-based line in the source text
    text: str  # normalised, no leading or trailing space
    indented: bool = False  # the raw line began with whitespace
    forced: bool = False  # starts a new paragraph whatever the layout (lost break found in the line)
    blank_before: bool = False
    standalone: bool = False  # never joined with its neighbours
    partial: bool = False  # the rest of a line split above: its width says nothing about wrapping
    width: int = 0


@dataclass
class _Para:
    text: str
    segments: list[tuple[int, int]]  # (offset in text, source line) of each joined line
    reason: str = ""  # non-empty: the whole paragraph is removed for this reason
    removals: list[Removal] = field(default_factory=list)  # inline removals
    continued_to: bool = False  # ended with （下转第N版）
    continued_from: bool = False  # began with （上接第N版）
    piece: int | None = None  # forced article index (headline blocks)

    @property
    def line(self) -> int:
        return self.segments[0][1]

    def line_at(self, offset: int) -> int:
        index = bisect.bisect_right([start for start, _ in self.segments], offset) - 1
        return self.segments[max(index, 0)][1]


# ---------------------------------------------------------------- lines


def _split_lines(text: str) -> list[_Line]:
    """Source lines → normalised lines, split where a line hides a paragraph break."""
    lines: list[_Line] = []
    blank = False
    offset = 0  # characters of normalised text so far (the salutation split looks only near the start)
    for number, raw in enumerate(_LINE_BREAK.sub("\n", text).split("\n"), 1):
        if not raw.strip():
            blank = blank or bool(lines)
            continue
        for k, segment in enumerate(_IDEOGRAPHIC_BREAK.split(raw)):
            clean = _normalise(segment)
            if not clean:
                continue
            parts = _split_inline_headings(clean) if len(clean) > 80 else [clean]
            # in a long line, a space between two Chinese characters is a line break that became a space
            parts = [_close_han_gaps(part) if len(part) > 80 and " " in part else part for part in parts]
            for n, part in enumerate(parts):
                for piece, forced in _split_salutation(part, near_start=offset < 400):
                    lines.append(_Line(number, piece, indented=(k > 0 or segment[:1].isspace()),
                                       forced=k > 0 or n > 0 or forced, blank_before=blank,
                                       partial=piece != clean))
                    blank = False
                offset += len(part)
    for line in lines:
        line.width = _width(line.text)
        line.standalone = _is_standalone(line.text)
    return lines


def _split_salutation(text: str, near_start: bool) -> list[tuple[str, bool]]:
    """Split 各位代表： off a speaker line glued before it (only near the start of a document) and off
    the body text glued after it. Returns (part, starts a new paragraph) pairs."""
    match = _ADDRESS_IN_LINE.search(text, 0, 80)
    if not match:
        return [(text, False)]
    start, end = match.span()
    before, after = text[:start].strip(), text[end:].strip()
    if before and not (near_start and not re.search("[。！？!?]", before)):
        return [(text, False)]
    parts = [(before, False)] if before else []
    parts.append((text[start:end], bool(before)))
    if after:
        parts.append((after, True))
    return parts


def _split_inline_headings(text: str) -> list[str]:
    """In a long line whose line breaks became spaces, a numbered heading stands between a sentence end
    and a space: "…提出意见。 一、2023年工作回顾 2023 年是…" → three lines."""
    parts, last = [], 0
    for match in _HEADING_IN_LINE.finditer(text):
        before = text[max(last, match.start() - 6):match.start()].rstrip()
        if match.start() > last and not (before[-1:] in "。！？：；!?" or re.search(r"\d —$", before)):
            continue  # a heading starts after a sentence end (or a page number)
        parts += [text[last:match.start()].strip(), match.group()]
        last = match.end()
    parts.append(text[last:].strip())
    return [part for part in parts if part]


def _is_standalone(text: str) -> bool:
    return bool(
        _ADDRESS.fullmatch(text) or _BYLINE.fullmatch(text) or _CHROME.fullmatch(text)
        or (len(text) <= 30 and _GLOSSARY_MARK.fullmatch(text))
    )


# ---------------------------------------------------------------- paragraphs


def _layout(lines: list[_Line]) -> tuple[str, int | None]:
    """("wrapped", W) for hard-wrapped text, else ("blocks" | "lines", None)."""
    width = _wrap_width(lines)
    if width:
        return "wrapped", width
    gaps = len(lines) - 1
    blank_gaps = sum(1 for line in lines[1:] if line.blank_before or line.forced)
    return ("blocks" if gaps > 0 and blank_gaps >= 0.3 * gaps else "lines"), None


def _wrap_width(lines: list[_Line]) -> int | None:
    """The common display width of wrapped lines, or None when the text is not hard-wrapped."""
    widths = [line.width for line in lines if 12 <= line.width <= 120 and not _ends_sentence(line.text)]
    if len(widths) < 6 or len(lines) < 8:
        return None
    counts = Counter(widths)
    best = max(counts, key=lambda w: (counts[w], w))  # the most common width of unfinished lines
    near = sum(counts[x] for x in range(best - 3, best + 3))
    if near >= 0.5 * len(widths) and near >= 0.4 * len(lines):
        return best
    return None


def _join(lines: list[_Line], layout: str, wrap: int | None) -> list[_Para]:
    blank_everywhere = sum(1 for line in lines[1:] if line.blank_before) >= 0.8 * max(len(lines) - 1, 1)
    paras: list[_Para] = []
    group: list[_Line] = []
    for line in lines:
        if group and _breaks(group, line, layout, wrap, blank_everywhere):
            paras.append(_make_para(group))
            group = []
        group.append(line)
    if group:
        paras.append(_make_para(group))
    return paras


def _breaks(group: list[_Line], b: _Line, layout: str, wrap: int | None, blank_everywhere: bool) -> bool:
    """Does line ``b`` start a new paragraph after the lines in ``group``?"""
    a = group[-1]
    if b.forced or b.standalone or a.standalone:
        return True
    if layout == "lines":  # only a line broken off mid-sentence (a link, a subscript as in PM2.5) joins on
        if b.text[0] in "，、。；：！？”’）》」』" and not a.text.endswith("摄"):
            return False
        mid_word = a.text[-1].isalnum() and not a.text.endswith("摄")  # ends on a character, not punctuation
        broken = a.text[-1] in _OPENERS or (len(a.text) > 40 and mid_word)
        return _ends_sentence(a.text) or not broken
    if layout == "blocks":
        return b.blank_before or b.indented
    full = wrap - (_INDENT if len(group) == 1 else 0) - 2
    if _ends_sentence(a.text):
        if a.width < full:
            return True
        if b.blank_before and not blank_everywhere:
            return True
        return b.indented or b.width <= wrap - 3
    # a line that does not end a sentence continues on the next, unless it is too short to be either a
    # full line or an indented first line: then it is a heading or title standing on its own
    heading_like = not a.partial and "，" not in a.text and not a.text[-1].isascii() and a.text[-1] not in _OPENERS
    return heading_like and a.width < wrap - _INDENT - 4


def _make_para(group: list[_Line]) -> _Para:
    text, segments = "", []
    for line in group:
        if text and text[-1].isascii() and text[-1].isalpha() and line.text[0].isascii() and line.text[0].isalpha():
            text += " "  # two Latin words across a line break (but M + 2 is M2, a subscript)
        segments.append((len(text), line.number))
        text += line.text
    return _Para(text, segments)


# ---------------------------------------------------------------- inline removals


def _cut(para: _Para, pattern: re.Pattern, reason: str, doc_id: str) -> None:
    """Remove every match of ``pattern`` from the paragraph, recording each."""
    spans = [m.span() for m in pattern.finditer(para.text) if m.end() > m.start()]
    if not spans:
        return
    pieces, last = [], 0
    new_segments = []
    for start, end in spans:
        para.removals.append(Removal(doc_id, reason, para.text[start:end].strip(), para.line_at(start)))
        pieces.append(para.text[last:start])
        last = end
    pieces.append(para.text[last:])
    for seg_start, line in para.segments:  # shift segment offsets by what was cut before them
        cut_before = sum(min(end, seg_start) - start for start, end in spans if start < seg_start)
        new_segments.append((seg_start - cut_before, line))
    para.text = "".join(pieces).strip()
    para.segments = new_segments


def _inline_removals(para: _Para, doc_id: str) -> None:
    text = para.text
    if "版" in text[-20:] and _CONTINUED_TO.search(text[-20:]):
        para.continued_to = True
        _cut(para, _CONTINUED_TO, "page-number", doc_id)
    if _CONTINUED_FROM.match(para.text):
        para.continued_from = True
        _cut(para, _CONTINUED_FROM, "page-number", doc_id)
    # each pattern runs only when its telltale character is there: cheap on very long paragraphs
    if any(dash in text for dash in "—–－-"):
        _cut(para, _INLINE_PAGE, "page-number", doc_id)
    if "[" in text or "［" in text or "^" in text:
        _cut(para, _ENDNOTE, "endnote-marker", doc_id)
    if "掌" in text:
        _cut(para, _APPLAUSE, "applause", doc_id)
    if "人民日报" in para.text[-80:] and (len(para.text) > 60 or not _PRINT_CITATION.fullmatch(para.text)):
        _cut(para, _TRAILING_CITATION, "print-citation", doc_id)
    if len(para.text) > 40:
        if _LEADING_DATELINE.match(para.text):
            reason = "byline" if para.text.startswith("本报讯") else "dateline"
            _cut(para, _LEADING_DATELINE, reason, doc_id)


# ---------------------------------------------------------------- whole-paragraph classification


def _front_reason(text: str) -> str:
    """Reason for a paragraph at the head of a report (before the body), or ""."""
    if len(text) > 160:
        return ""
    return _any_reason(text) or _head_only_reason(text)


def _head_only_reason(text: str) -> str:
    """Patterns only trusted before the body starts."""
    if _DATELINE_DASH.match(text) and re.search(r"\d|[〇一二三四五六七八九十]+年", text):
        return "dateline"
    if re.search(r"(?:会议|會議|大会|大會)上", text) and not re.search("[。！？]", text) and len(text) <= 100:
        return "dateline"
    if _TITLE_WORDS.search(text) and not re.search("[。！？]", text) and len(text) <= 120:
        return "title"
    if len(text) <= 40 and _SPEAKER.fullmatch(text):
        return "speaker"
    if len(text) <= 80 and _CAPTION_REPORT.match(text):
        return "caption"
    return ""


def _any_reason(text: str) -> str:
    """Reason for a paragraph anywhere in a report, or "" for body text. Only short paragraphs qualify."""
    if len(text) > 160:
        return ""
    if _CHROME.fullmatch(text):
        return "web-chrome"
    if len(text) <= 150 and _FOOTER.search(text):
        return "site-footer"
    if _BYLINE.fullmatch(text):
        return "byline"
    if _ADDRESS.fullmatch(text):
        return "address"
    if _PAGE_NUMBER.fullmatch(text) or re.fullmatch(r"[（(]?(?:上接|下转|接)第?\s*\d{1,3}\s*版[）)]?", text):
        return "page-number"
    if _SOURCE.match(text) or _TIMESTAMP.fullmatch(text):
        return "source"
    if _DATELINE_AGENCY.fullmatch(text):
        return "dateline"
    if len(text) <= 80 and _PRINT_CITATION.fullmatch(text):
        return "print-citation"
    if len(text) <= 150 and text.rstrip("）) ").endswith("摄") and _CAPTION_CREDIT.search(text):
        return "caption"
    if len(text) <= 60 and _TITLE_WORDS.search(text) and not re.search("[。！？：，]", text) \
            and re.fullmatch(rf"[{HAN}\d〇 ·（）()]+", text):
        return "title"
    if len(text) <= 60 and not _HAN_CHAR.search(text):
        return "stray"
    return ""


def _classify(paras: list[_Para]) -> None:
    """Set ``reason`` on every paragraph that is not body text."""
    total = sum(len(p.text) for p in paras) or 1

    # head: everything before the salutation, if it comes early; else the leading run of front matter
    salutation = None
    seen = 0
    for index, para in enumerate(paras[:40]):
        if seen > 0.25 * total:
            break
        if _ADDRESS.fullmatch(para.text):
            salutation = index
            break
        seen += len(para.text)
    if salutation is not None:
        for before in paras[:salutation]:
            before.reason = before.reason or _front_reason(before.text) or "front-matter"
    else:
        for para in paras:
            reason = para.reason or _front_reason(para.text)
            if not reason:
                break
            para.reason = reason

    # tail: a glossary or appendix heading in the second half, or a web-page footer near the end
    seen = 0
    tail_reason, tail_from = "", len(paras)
    for index, para in enumerate(paras):
        seen += len(para.text)
        if seen < 0.5 * total or para.reason:
            continue
        if len(para.text) <= 30 and _GLOSSARY_MARK.fullmatch(para.text):
            tail_reason = "appendix" if "附件" in para.text else "note" if "字库" in para.text else "glossary"
            tail_from = index
            break
        if seen >= 0.7 * total and len(para.text) <= 60 and _TAIL_START.match(para.text):
            tail_reason, tail_from = "after-report", index
            break
    for para in paras[tail_from:]:  # the reason changes at each new heading or once the web page footer starts
        if len(para.text) <= 30 and _GLOSSARY_MARK.fullmatch(para.text):
            tail_reason = "appendix" if "附件" in para.text else "note" if "字库" in para.text else "glossary"
            para.reason = tail_reason
            continue
        own = _any_reason(para.text)
        if own in ("web-chrome", "site-footer"):
            tail_reason = "after-report"
        para.reason = para.reason or own or tail_reason

    for para in paras:
        if not para.reason:
            para.reason = _any_reason(para.text)


def _merge_continued(paras: list[_Para]) -> list[_Para]:
    """Join an article cut by （下转第N版） with its continuation marked （上接第N版）."""
    kept = [p for p in paras if not p.reason]
    for first, second in zip(kept, kept[1:]):
        if first.continued_to and second.continued_from and not first.reason:
            offset = len(first.text)
            first.segments += [(start + offset, line) for start, line in second.segments]
            first.text += second.text
            first.removals += second.removals
            first.continued_to = second.continued_to
            second.reason, second.text = "merged", ""
    return [p for p in paras if p.reason != "merged"]


# ---------------------------------------------------------------- pages with several articles


def _headline_block(lines: list[_Line]) -> tuple[list[_Line], list[list[_Line]]]:
    """Split off headline and author lines printed together after the last byline.
    Returns (remaining lines, [[headline, author...] per article])."""
    last = max((i for i, line in enumerate(lines) if _BYLINE.fullmatch(line.text)), default=None)
    if last is None or last == len(lines) - 1:
        return lines, []
    block = lines[last + 1:]
    if len(block) > 12 or any(len(line.text) > 40 or _ends_sentence(line.text) for line in block):
        return lines, []
    groups: list[list[_Line]] = []
    for line in block:
        if _AUTHOR.fullmatch(line.text) and groups:
            groups[-1].append(line)
        else:
            groups.append([line])
    return lines[:last + 1], groups


def repair_layout(doc: Document) -> list[CleanDocument]:
    """Repair one document's layout. Returns one CleanDocument, or one per article when the page holds
    several articles closed by bylines (ids "<doc_id>#1", "#2" …)."""
    input_chars = count_chars(doc.text)
    lines = _split_lines(doc.text)
    line_removals: list[Removal] = []

    for index, line in enumerate(lines):  # Wikisource licence footer: from its first line to the end
        if line.text.startswith(_LICENCE):
            footer = "\n".join(rest.text for rest in lines[index:])
            line_removals.append(Removal(doc.doc_id, "licence-footer", footer, line.number))
            lines = lines[:index]
            break
    kept_lines = []
    for index, line in enumerate(lines):  # page numbers go before joining, so text across a page break joins up
        if len(line.text) <= 20 and _PAGE_NUMBER.fullmatch(line.text):
            alone = line.blank_before and (index + 1 == len(lines) or lines[index + 1].blank_before)
            if alone or not line.text.isdigit():  # a bare number inside a block is a subscript (M2, PM2.5)
                line_removals.append(Removal(doc.doc_id, "page-number", line.text, line.number))
                continue
        kept_lines.append(line)
    lines, headline_groups = _headline_block(kept_lines)

    layout, wrap = _layout(lines)
    paras = _join(lines, layout, wrap) if lines else []
    _classify(paras)
    for para in paras:  # inline marks are cut from body text only; removed paragraphs go whole
        if not para.reason:
            _inline_removals(para, doc.doc_id)
            if not para.text:
                para.reason = "stray"  # nothing left: its text is already in the inline removals
    paras = _merge_continued(paras)

    # articles: a byline closes one when body text follows it
    starts = [0]
    for index, para in enumerate(paras):
        if para.reason == "byline" and any(not p.reason for p in paras[index + 1:]):
            starts.append(index + 1)
    pieces = [paras[a:b] for a, b in zip(starts, starts[1:] + [len(paras)])]
    first_lines = [piece[0].line if piece else 1 for piece in pieces]
    first_lines[0] = 0

    headline_of: dict[int, str] = {}
    author_of: dict[int, str] = {}
    extra: list[tuple[int | None, Removal]] = [(None, r) for r in line_removals]
    for g, group in enumerate(headline_groups):
        target = g if len(headline_groups) == len(pieces) else len(pieces) - 1
        for k, line in enumerate(group):
            reason = "headline" if k == 0 else "author"
            extra.append((target, Removal(doc.doc_id, reason, line.text, line.number)))
        if len(headline_groups) == len(pieces):
            headline_of[g] = group[0].text
            author_of[g] = "；".join(line.text for line in group[1:])

    many = len(pieces) > 1
    results = []
    for p, piece in enumerate(pieces):
        piece_id = f"{doc.doc_id}#{p + 1}" if many else doc.doc_id
        removals: list[Removal] = []
        body: list[str] = []
        for para in piece:
            removals += [_renamed(r, piece_id) for r in para.removals]
            if para.reason:
                if para.text:
                    removals.append(Removal(piece_id, para.reason, para.text, para.line))
            else:
                body.append(para.text)
        for target, removal in extra:
            if target is None:
                target = max(i for i, first in enumerate(first_lines) if first <= (removal.line or 0))
            if target == p:
                removals.append(_renamed(removal, piece_id))
        removals.sort(key=lambda r: r.line or 0)
        text = "\n".join(body)
        kept = count_chars(text)
        removed = sum(count_chars(r.text) for r in removals)
        meta = {**doc.meta, "layout": layout}
        if wrap:
            meta["wrap_width"] = wrap
        if many:
            meta.update(source_doc_id=doc.doc_id, piece=p + 1, pieces=len(pieces))
        if author_of.get(p):
            meta["author"] = author_of[p]
        results.append(CleanDocument(piece_id, headline_of.get(p) or doc.title, doc.year, doc.region, doc.source,
                                     text, removals, kept + removed, meta))
    accounted = sum(r.input_chars for r in results)
    if accounted != input_chars:  # a bug, never a user error: nothing may be lost silently
        raise RuntimeError(f"{doc.doc_id}: layout repair lost characters ({accounted} accounted, {input_chars} read)")
    return results


def _renamed(removal: Removal, doc_id: str) -> Removal:
    return Removal(doc_id, removal.reason, removal.text, removal.line)
