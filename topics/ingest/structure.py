"""Structure: a cleaned document's paragraphs → units (headings, paragraphs, enumerated points,
headed sections), each with its heading, kind, position, character span and weak theme label.

How a document is cut (CleanDocument.text holds one paragraph per line):

- A paragraph that is only a heading becomes a unit of kind "heading" and opens a section:
  numbered headings (一、… level 1; （七）… level 2; 1. … / 第一，… / 一是… level 3; but a short numbered
  paragraph followed by the next item of the same list is a point), a short phrase without
  sentence punctuation (2023年工作回顾, 加强政府自身建设), or a short one-sentence paragraph followed by a
  much longer one (生态底色更加亮丽。). Headings close the sections of their own level and below.
- Inside a paragraph, an enumeration that runs 一是 … 二是 …, 第一，… 第二，…, （一）…（二）…, 1. … 2. … or
  一、… 二、… (each marker at a sentence start, numbered in order from one) cuts the paragraph into points:
  each point is a unit of kind "point" from its marker to the next; text before the first marker is a
  unit of its own.
- A paragraph (or the text before an enumeration) that opens with a short formulaic sentence (at most
  30 characters, no comma, no digits: 在打造生态文明高地上拉高标杆。…, 推进制造业提质扩量增效。…) is a
  "section" unit; one that starts with a
  numbered marker or a dash (——) is a "point"; anything else is a "paragraph".
- A unit longer than ``max_unit_chars`` (``[corpus] max_unit_chars``) is cut at sentence ends (。！？),
  never above the limit (a sentence longer than the limit is cut at a comma, or hard), so that a long
  paragraph on several subjects counts for each of them: first into even parts of at most LONGEST_PART
  (or the limit, when it is higher), then each part still too long where its next sentence names another
  theme (see _by_subject) or at an even share. Parts keep the kind, heading and section and record
  meta["part"] / meta["parts"].

Every unit's text is exactly ``clean.text[unit.span[0]:unit.span[1]]``; together the units cover every
paragraph of the cleaned text (nothing is dropped).

Headings: ``Unit.heading`` is the unit's own lead — the heading line for a "heading" unit, the lead
sentence of a point or section without its marker and final punctuation (一是着力在生态文明建设上创造高标准。
→ 着力在生态文明建设上创造高标准) — or, for a unit without one, the innermost enclosing section heading;
"" when there is none. ``meta["section"]`` lists the enclosing section headings (outermost first) and
``meta["marker"]`` the enumeration marker (一是, （七）…); ``meta["columns"]`` the document's metadata columns
(MANIFEST.tsv, jsonl/csv fields) when it has any.

Weak labels (weak_label): the theme a heading names, by substring match against the theme lexicon plus
the lexicon's heading words (topics.lexicon). Overlapping matches keep the longest word; each match
counts once, twice in the heading's first clause (up to the first ，；), because report headings put the
subject first and a generic aim after (增进民生福祉，共享高质量发展成果); equal counts are decided by the
matched length (加强和创新社会治理 → governance). The best theme wins; a tie, or no match, gives "". A unit whose own lead names no theme takes the label of the innermost enclosing
heading that names one.
"""

from __future__ import annotations

import math
import re

from ..documents import Unit
from .layout import CleanDocument
from ..lexicon import Lexicon, as_lexicon
from ..settings import default

MAX_UNIT_CHARS = default("corpus.max_unit_chars")
LONGEST_PART = 1000  # a unit is first cut into even parts of at most this length (the only cut before max_unit_chars)

_NUMERAL = "一二三四五六七八九十"
_CN = f"[{_NUMERAL}]{{1,3}}"
# (family, pattern at a sentence start, level when the marker opens a standalone heading)
_MARKERS = (
    ("shi", re.compile(f"({_CN})是"), 3),
    ("di", re.compile(f"第({_CN})[，、,]"), 3),
    ("paren", re.compile(f"[（(]({_CN})[）)]"), 2),
    ("arabic", re.compile(r"(\d{1,2})[\.．、](?!\d)"), 3),
    ("dun", re.compile(f"({_CN})、"), 1),
)
_SENTENCE_START = "。；！？：!?;:"
_SENTENCE = re.compile(r"[^。！？!?]*[。！？!?]+[”’」』）)]*|[^。！？!?]+")
_LEAD = re.compile(r"[^。！？!?；;：:]{1,60}?[。！？!?；;：:]")
_DASH = re.compile(r"^[—–\-－―─]{1,2}\s*")
_TOP_LEVEL = re.compile(r"工作回顾|工作安排|重点工作|主要任务|目标任务|总体要求|工作建议|自身建设|结束语|工作总结|发展成就")
_ADDRESSES = re.compile(r"(?:各位代表|各位委员|同志们)[！!：:，,]?")


# ---------------------------------------------------------------- weak labels


def weak_label(heading: str, lexicon: Lexicon | dict[str, list[str]]) -> str:
    """The theme a heading names, or "" when it names none or several equally.

    Words are the theme's lexicon words plus its heading words (see topics.lexicon), matched as
    substrings; overlapping matches keep the longest word. ``lexicon`` may also be plain themes
    (name → words), which then take the package's heading words."""
    if not heading:
        return ""
    owners = as_lexicon(lexicon).heading_word_owners
    found = []  # (start, end, word)
    for word in owners:
        start = heading.find(word)
        while start != -1:
            found.append((start, start + len(word), word))
            start = heading.find(word, start + 1)
    taken = [False] * len(heading)
    first_clause = min((i for i, ch in enumerate(heading) if ch in "，；,;"), default=len(heading))
    scores: dict[str, tuple[int, int]] = {}  # theme → (weighted matches, weighted matched characters)
    for start, end, word in sorted(found, key=lambda f: (-(f[1] - f[0]), f[0])):
        if any(taken[start:end]):
            continue
        taken[start:end] = [True] * (end - start)
        weight = 2 if start < first_clause else 1
        for theme in owners[word]:
            count, length = scores.get(theme, (0, 0))
            scores[theme] = (count + weight, length + weight * (end - start))
    if not scores:
        return ""
    ranked = sorted(scores.values(), reverse=True)
    if len(ranked) > 1 and ranked[0] == ranked[1]:
        return ""
    return max(scores, key=scores.get)


# ---------------------------------------------------------------- headings and markers


_VALUES = {ch: i + 1 for i, ch in enumerate(_NUMERAL)}


def _number(numeral: str) -> int:
    """一 → 1, 十 → 10, 十二 → 12, 二十一 → 21; Arabic digits as they are."""
    if numeral.isdigit():
        return int(numeral)
    values = _VALUES
    if "十" not in numeral:
        return values.get(numeral, 0) if len(numeral) == 1 else 0
    tens, _, ones = numeral.partition("十")
    return (values.get(tens, 0) if tens else 1) * 10 + (values.get(ones, 0) if ones else 0)


def _leading_marker(text: str) -> tuple[str, str, int] | None:
    """(family, marker text, level) when the paragraph starts with an enumeration marker."""
    for family, pattern, level in _MARKERS:
        match = pattern.match(text)
        if match and _number(match.group(1)) > 0:
            return family, match.group(0), level
    return None


def _strip_lead(text: str) -> str:
    """A heading or lead sentence without marker, dash and final punctuation."""
    marker = _leading_marker(text)
    if marker:
        text = text[len(marker[1]):]
    text = _DASH.sub("", text)
    return text.strip().rstrip("。！？!?；;：:，, ")


def _lead_sentence(text: str) -> str:
    """The first sentence or clause of a point (up to 。；：！？), when it is short enough to be a lead."""
    match = _LEAD.match(text)
    return match.group(0) if match else ""


def _heading_level(text: str, following: str | None, last_numbered: int) -> int | None:
    """The level when this paragraph is a heading on its own, else None."""
    if following is None or len(text) > 60 or _ADDRESSES.fullmatch(text):
        return None
    body = text.rstrip("。！？!?")
    if re.search("[。！？!?；;：:]", body) or text.endswith(("：", ":", "；", ";")):
        return None  # more than one sentence, a list item or a lead-in
    marker = _leading_marker(text)
    if marker:
        sibling = _leading_marker(following)
        if sibling and sibling[0] == marker[0]:
            return None  # a list of short items (一是…。二是…。): points, not headings
        return marker[2]
    below = min(last_numbered + 1, 4) if last_numbered else 2
    if body == text and len(text) <= 40:  # a phrase without sentence punctuation
        return 1 if _TOP_LEVEL.search(text) or re.search(r"\d{4}\s*年", text) else below
    if len(text) <= 30 and not re.search(r"\d", text) and len(following) >= max(2 * len(text), 60):
        return below
    return None


def _enumeration(text: str) -> list[tuple[int, str]]:
    """(offset, marker) of the enumerated points inside a paragraph, in text order.

    Each marker family (一是 / 第一， / （一） / 1. / 一、) counts on its own: a marker is taken when it
    stands at a sentence start and carries the next number of its family, or 1 again (a new list); a
    family needs two points to count. Points of all families are cut (one-line files hold whole reports)."""
    points: dict[int, str] = {}
    for family, pattern, _ in _MARKERS:
        found: list[tuple[int, str]] = []
        expected = 1
        for match in pattern.finditer(text):
            start = match.start()
            before = text[max(0, start - 4):start].rstrip()  # a space may stand where a line break was
            if before and before[-1] not in _SENTENCE_START and not (
                    before[-1] == "”" and before[-2:-1] in ("。", "！", "？")):
                continue
            number = _number(match.group(1))
            if number == expected or (number == 1 and expected > 2):
                found.append((start, match.group(0)))
                expected = number + 1
        if len(found) >= 2:
            for start, marker in found:
                points.setdefault(start, marker)
    return sorted(points.items())


# ---------------------------------------------------------------- units


def _parts(text: str, limit: int, lexicon: Lexicon) -> list[tuple[int, int]]:
    """Cut text into (start, end) parts at sentence ends, none longer than ``limit``: first into parts of
    similar size of at most LONGEST_PART, then each part still above ``limit`` where its sentences turn to
    another theme (``_by_subject``)."""
    parts = []
    for start, end in _even_parts(text, max(limit, LONGEST_PART)):
        parts += [(start + a, start + b) for a, b in _by_subject(text[start:end], limit, lexicon)]
    return parts


def _sentences(text: str, limit: int) -> list[tuple[int, int]]:
    """The (start, end) of each sentence; one longer than ``limit`` is cut at a comma, else hard."""
    pieces: list[tuple[int, int]] = []
    for match in _SENTENCE.finditer(text):
        start, end = match.span()
        while end - start > limit:
            window = text[start:start + limit]
            cut = max(window.rfind(c) for c in "，；、,;")
            cut = start + (cut + 1 if cut > limit // 2 else limit)
            pieces.append((start, cut))
            start = cut
        pieces.append((start, end))
    return pieces


def _even_parts(text: str, limit: int) -> list[tuple[int, int]]:
    """Parts of similar size at sentence ends, each at most ``limit`` long."""
    if len(text) <= limit:
        return [(0, len(text))]
    target = len(text) / math.ceil(len(text) / limit)
    parts: list[tuple[int, int]] = []
    for start, end in _sentences(text, limit):
        if parts and end - parts[-1][0] <= limit and parts[-1][1] - parts[-1][0] < target:
            parts[-1] = (parts[-1][0], end)
        else:
            parts.append((start, end))
    return parts


def _by_subject(text: str, limit: int, lexicon: Lexicon) -> list[tuple[int, int]]:
    """Parts at sentence ends, each at most ``limit`` long, that end where the next sentence names another
    theme than the part so far (by weak_label, once the part is a third of an even share long) or where
    the part reaches an even share; a short last part joins the one before when it fits."""
    if len(text) <= limit:
        return [(0, len(text))]
    target = len(text) / math.ceil(len(text) / limit)
    parts: list[tuple[int, int]] = []
    subject = ""  # the first theme a sentence of the current part names
    for start, end in _sentences(text, limit):
        named = weak_label(text[start:end], lexicon)
        if parts:
            size = parts[-1][1] - parts[-1][0]
            turns = bool(named and subject and named != subject and size >= target / 3)
            if end - parts[-1][0] <= limit and size < target and not turns:
                parts[-1] = (parts[-1][0], end)
                subject = subject or named
                continue
        parts.append((start, end))
        subject = named
    if len(parts) > 1 and parts[-1][1] - parts[-1][0] < target / 3 and parts[-1][1] - parts[-2][0] <= limit:
        parts[-2:] = [(parts[-2][0], parts[-1][1])]
    return parts


def _paragraph_kind(text: str) -> tuple[str, str, str]:
    """(kind, own heading, marker) of a paragraph or of the text before an enumeration."""
    marker = _leading_marker(text)
    if marker or _DASH.match(text):
        lead = _lead_sentence(text[len(marker[1]):] if marker else _DASH.sub("", text))
        return "point", _strip_lead(lead), marker[1] if marker else "——"
    lead = _lead_sentence(text)
    core = lead.rstrip("。！？!?")
    if (lead.endswith("。") and 4 <= len(core) <= 30 and not re.search(r"\d", core)
            and not re.search("[，,；;：:]", core) and len(text) - len(lead) >= len(lead)):
        return "section", core, ""
    return "paragraph", "", ""


def split_units(clean: CleanDocument, themes: Lexicon | dict[str, list[str]] | None = None,
                max_unit_chars: int = MAX_UNIT_CHARS) -> list[Unit]:
    """Cut a cleaned document into units (see the module docstring for the rules). ``themes``: the
    lexicon whose themes weak labels name (default: the package's); ``max_unit_chars``: the longest unit."""
    themes = Lexicon.load() if themes is None else as_lexicon(themes)
    paragraphs: list[tuple[int, str]] = []
    offset = 0
    for line in clean.text.split("\n"):
        if line.strip():
            lead = len(line) - len(line.lstrip())
            paragraphs.append((offset + lead, line.strip()))
        offset += len(line) + 1

    units: list[Unit] = []
    sections: list[tuple[int, str]] = []  # open section headings: (level, heading)
    last_numbered = 0
    columns = dict(clean.meta.get("columns") or {})  # the document's metadata columns: one table all its units share
    shared_sections: dict[tuple, list] = {}

    def add(start: int, end: int, kind: str, heading: str, marker: str = "") -> None:
        text = clean.text[start:end]
        start += len(text) - len(text.lstrip())
        end -= len(text) - len(text.rstrip())
        if end <= start:
            return
        enclosing = [h for _, h in sections]
        own = heading
        label = weak_label(own, themes)
        for parent in reversed(enclosing):
            if label:
                break
            label = weak_label(parent, themes)
        if not own and enclosing:
            heading = enclosing[-1]
        spans = []
        for a, b in _parts(clean.text[start:end], max_unit_chars, themes):
            part = clean.text[start + a:start + b]
            a, b = a + len(part) - len(part.lstrip()), b - (len(part) - len(part.rstrip()))
            if b > a:
                spans.append((a, b))
        section = shared_sections.setdefault(tuple(enclosing), list(enclosing))  # read-only: one list per section
        for k, (a, b) in enumerate(spans):
            meta = {"section": section}
            if marker:
                meta["marker"] = marker
            if len(spans) > 1:
                meta.update(part=k + 1, parts=len(spans))
            if columns:  # the document's metadata columns travel with each unit
                meta["columns"] = columns
            if clean.meta.get("source_doc_id"):  # one of several articles cut from one page
                meta["source_doc_id"] = clean.meta["source_doc_id"]
            position = len(units)
            units.append(Unit(doc_id=clean.doc_id, unit_id=f"{clean.doc_id}:u{position:03d}", kind=kind,
                              heading=heading, text=clean.text[start + a:start + b], weak_label=label,
                              year=clean.year, region=clean.region, position=position,
                              span=(start + a, start + b), meta=meta))

    for index, (start, text) in enumerate(paragraphs):
        following = paragraphs[index + 1][1] if index + 1 < len(paragraphs) else None
        level = _heading_level(text, following, last_numbered)
        if level is not None:
            while sections and sections[-1][0] >= level:
                sections.pop()
            marker = _leading_marker(text)
            if marker:
                last_numbered = level
            add(start, start + len(text), "heading", _strip_lead(text), marker[1] if marker else "")
            sections.append((level, _strip_lead(text)))
            continue
        points = _enumeration(text)
        cuts = [offset for offset, _ in points]
        if not cuts:
            kind, heading, marker = _paragraph_kind(text)
            add(start, start + len(text), kind, heading, marker)
            continue
        intro_heading = ""
        if cuts[0] > 0:
            kind, intro_heading, marker = _paragraph_kind(text[:cuts[0]])
            add(start, start + cuts[0], kind, intro_heading, marker)
        if intro_heading:  # the points sit under the paragraph's own lead
            sections.append((99, intro_heading))
        for (cut, marker), end in zip(points, cuts[1:] + [len(text)]):
            lead = _lead_sentence(text[cut + len(marker):end])
            add(start + cut, start + end, "point", _strip_lead(lead), marker)
        if intro_heading:
            sections.pop()
    return units
