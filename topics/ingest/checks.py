"""Document checks after layout repair: documents that are doubtful copies of their report.

- **doubled**: a long passage (DOUBLED_CHARS or more of Chinese characters, letters and digits) stands
  twice in the document, as when a web page or a database row holds the report and then the report
  again. Every WINDOW-character stretch is hashed; stretches whose hash came earlier, at one distance,
  make a run, and runs at about the same distance with short gaps between them (an edition repeated
  with a few words changed) make one passage. The check names the passage and where its first copy is,
  in paragraphs and characters of the cleaned text.
- **short**: the document holds less than SHORT_OF_TWIN of the text of a near-duplicate of it (its
  twin edition: a copy cut short), or less than SHORT_OF_YEAR of the median of the other reports of its
  year (when there are at least YEAR_PEERS of them). Text is counted without the second copy of a
  doubled passage, so a doubled twin does not make its edition look short.
- **unfinished**: the document's last paragraph does not end a sentence (a download cut off mid-way).

Each finding is a Check; ingest shows them as warnings, and ``--strict`` makes them errors.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field

import numpy as np

from .duplicates import HASH_BASE, DuplicateGroup, kgram_hashes
from .layout import TERMINAL, CleanDocument

DOUBLED_CHARS = 300  # a long paragraph; phrases and slogans said again stay far below (experiments/README.md)
WINDOW = 40  # characters hashed together (5 doubled three times, see _window_hashes)
DOUBLED_GAP = 100  # runs this close (in characters) and at about the same distance are one passage
SHORT_OF_TWIN = 0.8  # a fifth of the text missing
SHORT_OF_YEAR = 0.5
YEAR_PEERS = 5  # fewer reports of a year say little about its usual length
_ENDS = TERMINAL + "…"
_CLOSERS = "”’」』）)》】"


@dataclass
class Check:
    """One problem found in one document."""

    doc_id: str
    check: str  # "doubled" | "short" | "unfinished"
    message: str  # what was found, without the document's id
    details: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class Passage:
    """A passage that stands twice: ``start``–``end`` (characters of the cleaned text) repeats
    ``first_start``–``first_end``; ``chars``: the characters of text the two copies share."""

    start: int
    end: int
    first_start: int
    first_end: int
    chars: int


def check_documents(documents: list[CleanDocument], groups: list[DuplicateGroup]) -> tuple[list[Check], dict[str, int]]:
    """The problems of every document, in document order, and every document's length in characters of
    text (Chinese characters, letters, digits) without the second copies of its doubled passages.
    ``groups``: the near-duplicates among ``documents`` (topics.duplicates.find_duplicates)."""
    checks = DocumentChecks()
    for document in documents:
        checks.add(document)
    return checks.finish(groups)


class DocumentChecks:
    """check_documents one document at a time (``add``, then ``finish`` with the near-duplicate groups): it
    keeps each document's length, year and own problems, not its text."""

    def __init__(self):
        self.found: dict[str, list[Check]] = {}
        self.length: dict[str, int] = {}
        self.years: dict[str, int | None] = {}

    def add(self, document: CleanDocument) -> None:
        """The checks that need the document's text: doubled passages, its length, how it ends."""
        passages = doubled_passages(document.text)
        self.length[document.doc_id] = len(_text_offsets(document.text)) - sum(passage.chars for passage in passages)
        self.found[document.doc_id] = [_doubled(document, passage) for passage in passages] + _unfinished(document)
        self.years[document.doc_id] = document.year

    def finish(self, groups: list[DuplicateGroup]) -> tuple[list[Check], dict[str, int]]:
        """Every document's problems (those against its twin editions and its year's other reports added), in
        the order added, and every document's length."""
        found, length = self.found, self.length
        twins: dict[str, set[str]] = {}
        for group in groups:
            for pair in group.pairs:
                twins.setdefault(pair.a, set()).add(pair.b)
                twins.setdefault(pair.b, set()).add(pair.a)
        by_year: dict[int, list[str]] = {}
        for doc_id, year in self.years.items():
            if year is not None:
                by_year.setdefault(year, []).append(doc_id)
        for doc_id, year in self.years.items():
            others = twins.get(doc_id, set()) & length.keys()
            peers = [length[other] for other in by_year.get(year, ()) if other != doc_id and other not in others]
            found[doc_id] += (_short_of_twin(doc_id, others, length)
                              or _short_of_year(doc_id, year, peers, length[doc_id]))
        return [check for doc_id in self.years for check in found[doc_id]], length


def _unfinished(document: CleanDocument) -> list[Check]:
    text = document.text.rstrip()
    if not text or _ends_sentence(text.rsplit("\n", 1)[-1]):
        return []
    return [Check(document.doc_id, "unfinished", f"ends mid-sentence (…{text[-20:]}): cut off?", {"ending": text[-20:]})]


def _short_of_twin(doc_id: str, twins: set[str], length: dict[str, int]) -> list[Check]:
    """A check when the document holds much less text than the longest of its near-duplicates."""
    if not twins:
        return []
    longest = max(sorted(twins), key=lambda twin: length[twin])
    if length[doc_id] >= SHORT_OF_TWIN * length[longest]:
        return []
    return [Check(doc_id, "short", f"holds {length[doc_id]:,} characters of text against {length[longest]:,} in its twin "
                  f"edition {longest} ({length[doc_id] / length[longest]:.0%}): truncated?",
                  {"chars": length[doc_id], "twin": longest, "twin_chars": length[longest]})]


def _short_of_year(doc_id: str, year: int | None, peers: list[int], chars: int) -> list[Check]:
    """A check when the document holds much less text than the median of its year's other reports."""
    if len(peers) < YEAR_PEERS or chars >= SHORT_OF_YEAR * statistics.median(peers):
        return []
    median = statistics.median(peers)
    return [Check(doc_id, "short", f"holds {chars:,} characters of text, {chars / median:.0%} of the median of "
                  f"the {len(peers)} other reports of {year} ({median:,.0f}): truncated or abridged?",
                  {"chars": chars, "year_median": median, "year_reports": len(peers)})]


def doubled_passages(text: str, *, min_chars: int = DOUBLED_CHARS) -> list[Passage]:
    """Passages of at least ``min_chars`` characters of text that stand twice in ``text``, as spans of
    ``text`` (the later copy, and the first)."""
    offsets = _text_offsets(text)
    if len(offsets) < 2 * min_chars:
        return []
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)[offsets].astype(np.uint64)
    hashes = _window_hashes(codes)
    _, first_index, inverse = np.unique(hashes, return_index=True, return_inverse=True)
    first = first_index[inverse]  # for each window, where its text came first
    position = np.arange(len(hashes))
    distance = position - first
    repeated = np.nonzero(distance >= WINDOW)[0]  # a copy that does not overlap its original
    if len(repeated) == 0:
        return []
    # runs: consecutive windows repeating at one distance; then runs put together into copies
    cuts = np.nonzero((np.diff(repeated) != 1) | (np.diff(distance[repeated]) != 0))[0] + 1
    runs = [(int(run[0]), int(run[-1]) + WINDOW, int(distance[run[0]])) for run in np.split(repeated, cuts)]

    copies: list[_Copy] = []
    for start, end, distance_here in runs:
        # the copy this run continues: one ending just before it, at about its distance (a phrase that
        # also stood earlier in the first copy makes a short run at another distance in between)
        near = [copy for copy in copies[-10:]
                if start - copy.end <= DOUBLED_GAP and abs(distance_here - copy.end_distance) <= DOUBLED_GAP]
        if near:
            copy = near[-1]
            copy.shared += max(0, end - max(start, copy.end))
            copy.end, copy.end_distance = max(copy.end, end), distance_here
        else:
            copies.append(_Copy(start, end, distance_here, distance_here, end - start))
    return [Passage(int(offsets[copy.start]), int(offsets[copy.end - 1]) + 1, int(offsets[copy.start - copy.start_distance]),
                    int(offsets[copy.end - 1 - copy.end_distance]) + 1, copy.shared)
            for copy in copies if copy.shared >= min_chars]


@dataclass
class _Copy:
    """A later copy being put together from runs, in positions of the text characters: ``start``–``end``,
    at ``start_distance`` from its first copy at the start and ``end_distance`` at the end."""

    start: int
    end: int
    start_distance: int
    end_distance: int
    shared: int


def _window_hashes(codes: np.ndarray) -> np.ndarray:
    """A hash of every WINDOW consecutive characters, built by doubling 5-character hashes."""
    hashes, width = kgram_hashes(codes, 5), 5
    while width < WINDOW:
        # the hash of 2 × width characters from two of width: the first shifted by base ** width
        hashes = hashes[:-width] * np.uint64(pow(HASH_BASE, width, 2**64)) + hashes[width:]
        width *= 2
    return hashes


def _text_offsets(text: str) -> np.ndarray:
    """Offsets in ``text`` of its Chinese characters, letters and digits."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    letters = codes | 0x20  # A-Z → a-z
    keep = (((codes >= 0x4E00) & (codes <= 0x9FFF)) | ((codes >= 0x3400) & (codes <= 0x4DBF))
            | ((codes >= 0x30) & (codes <= 0x39)) | ((letters >= 0x61) & (letters <= 0x7A)))
    return np.nonzero(keep)[0]


def _ends_sentence(paragraph: str) -> bool:
    end = paragraph.rstrip().rstrip(_CLOSERS)
    return bool(end) and end[-1] in _ENDS


def _doubled(document: CleanDocument, passage: Passage) -> Check:
    text = document.text

    def paragraph(offset: int) -> int:
        return text.count("\n", 0, offset) + 1

    where = f"paragraphs {paragraph(passage.start)}–{paragraph(passage.end - 1)}"
    first = f"paragraphs {paragraph(passage.first_start)}–{paragraph(passage.first_end - 1)}"
    opening = text[passage.start:passage.start + 16].split("\n")[0]
    return Check(document.doc_id, "doubled",
                 f"holds a passage twice: {where} (characters {passage.start:,}–{passage.end:,} of the cleaned text, "
                 f"「{opening}…」) repeat {first} ({passage.chars:,} characters of text in common)",
                 {"span": [passage.start, passage.end], "first_span": [passage.first_start, passage.first_end],
                  "chars": passage.chars})
