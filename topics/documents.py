"""The records that flow between stages: documents read from files, units cut from them,
and pieces of text removed by cleaning (kept so nothing the user gave is lost)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Document:
    """One document as read from disk (before layout repair)."""

    doc_id: str  # stable id, e.g. "city_gwr_2024/2024_上海市" or "2024_上海市#2" for a second piece
    text: str  # decoded text, newlines normalised to "\n"
    source: str  # path of the file it came from (plus ":row N" for jsonl/csv rows)
    title: str = ""
    year: int | None = None
    region: str = ""
    meta: dict = field(default_factory=dict)  # meta["columns"]: the user's metadata columns (MANIFEST, jsonl/csv fields)


@dataclass(slots=True)  # a run holds one per unit: no per-object dict
class Unit:
    """A paragraph, enumerated point or headed section: what the models assign to a theme."""

    doc_id: str
    unit_id: str  # unique within the corpus, e.g. "<doc_id>:u003"
    kind: str  # "paragraph" | "point" | "section" | "heading" ...
    heading: str  # heading (or enumeration lead sentence) the unit sits under; "" when none
    text: str
    weak_label: str = ""  # theme named by the heading, "" when the heading names none
    year: int | None = None
    region: str = ""
    position: int = 0  # order within its document, from 0
    span: tuple[int, int] = (0, 0)  # character span in the cleaned document text
    meta: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        """The unit as a JSON record, for writing out. ``meta`` is a shallow copy: its lists and dicts are
        the unit's own (dataclasses.asdict deep-copied them all, and writing tokens.jsonl cost more than
        segmenting the text)."""
        return {
            "doc_id": self.doc_id, "unit_id": self.unit_id, "kind": self.kind, "heading": self.heading,
            "text": self.text, "weak_label": self.weak_label, "year": self.year, "region": self.region,
            "position": self.position, "span": list(self.span), "meta": dict(self.meta),
        }

    @classmethod
    def from_json(cls, record: dict) -> "Unit":
        record = dict(record)
        record["span"] = tuple(record.get("span", (0, 0)))
        if _UNIT_FIELDS.issuperset(record):  # as the package writes units: no field to move into meta
            return cls(**record)
        extra = {k: v for k, v in record.items() if k not in _UNIT_FIELDS}
        unit = cls(**{k: v for k, v in record.items() if k in _UNIT_FIELDS})
        unit.meta.update(extra)
        return unit


_UNIT_FIELDS = frozenset(Unit.__dataclass_fields__)


@dataclass
class Removal:
    """Text that cleaning took out of a document, with the reason why."""

    doc_id: str
    reason: str  # e.g. "byline", "headline", "author", "dateline", "caption", "web-chrome",
    #               "licence-footer", "endnote-marker", "page-number", "whitespace"
    text: str
    line: int | None = None  # 1-based line in the source file, when known

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class Change:
    """A document's text that reading changed as a whole (e.g. traditional to simplified script), with
    the original kept: nothing the user gave is lost."""

    doc_id: str
    change: str  # "traditional-to-simplified"; "joined-across-column", "joined-across-page" (PDF)
    original: str  # the whole text; for a join, the two lines it joined (a line break between)
    chars_changed: int
    where: str = ""  # where in the file, when it is one place ("page 3 → 4")

    def to_json(self) -> dict:
        return asdict(self)
