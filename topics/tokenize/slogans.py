"""Discovering boilerplate slogans: phrases that recur across documents and across sections about every
theme, so they say nothing about any theme (习近平新时代中国特色社会主义思想, 两个确立, 稳中求进 …).

Candidates are of two kinds:

- ``ngram``: runs of 1–``max_words`` (default 8) words inside one clause (clauses end at any punctuation), as segmented
  without any filtering; a single word counts only when it has 4 or more characters;
- ``quoted``: the text between quotation marks (“…”, 「…」), which is where numbered formulas and lists
  (“稳中有进、以进促稳、先立后破”) usually stand.

Each candidate gets its document frequency, count, the units and headings it occurs under, and how evenly it
spreads over the weak labels (themes named by headings) of the units it occurs in — normalised entropy,
1 = equally often under every theme. Formulaic shapes are marked: ``numbered`` (四个意识, 两个确立),
``list`` (a quoted list), ``parallel`` (items sharing their first characters: 以学铸魂、以学增智 …).

    score = doc_share × (0.5 + 0.5 × spread) × (1.5 if a formulaic shape) × (0.5 if it contains a theme word)

where ``spread`` is the label entropy, or 0.5 when fewer than 5 occurrences are under labelled headings.
An n-gram is dropped when a longer candidate containing it occurs in at least 90 % as many documents
(it only ever appears as part of that longer phrase). The ranked list is for a researcher to review;
nothing is added to the slogan lexicon automatically.
"""

from __future__ import annotations

import csv
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ..documents import Unit
from ..word_lists import BUNDLED, load_word_list
from ..outputs import open_output
from . import Tokenizer, TokenizerSettings

_CLAUSE_BREAK = re.compile(r"[^\u3400-\u9fffA-Za-z0-9]+")  # any punctuation, space or symbol ends a clause
_QUOTED = re.compile(r"“([^“”\n]{2,30})”|「([^「」\n]{2,30})」")
_NUMBERED = re.compile(r"[一二两三四五六七八九十百千万]+[个大项条种类下必是]?")
_LIST_SEPARATOR = re.compile(r"[、，,；;]")
_MIN_LABELLED = 5  # occurrences under labelled headings needed before the label entropy counts
_CLOSED_RATIO = 0.9

CSV_COLUMNS = [
    "rank", "phrase", "kind", "words", "shape", "docs", "doc_share", "count", "units", "headings",
    "label_entropy", "labels", "theme_word", "listed", "score", "examples",
]


@dataclass
class SloganCandidate:
    phrase: str
    kind: str  # "ngram" | "quoted"
    words: int  # words in the phrase as segmented (quoted: 0)
    shape: str  # "numbered" | "list" | "parallel" | ""
    docs: int
    doc_share: float
    count: int
    units: int
    headings: int  # distinct headings the phrase occurs under
    label_entropy: float | None  # None: too few occurrences under labelled headings
    labels: dict[str, int]
    theme_word: str  # a theme seed word inside the phrase, "" when none
    listed: bool  # already in the slogan lexicon
    score: float
    examples: list[str] = field(default_factory=list)

    def to_row(self, rank: int) -> dict:
        return {
            "rank": rank,
            "phrase": self.phrase,
            "kind": self.kind,
            "words": self.words,
            "shape": self.shape,
            "docs": self.docs,
            "doc_share": f"{self.doc_share:.3f}",
            "count": self.count,
            "units": self.units,
            "headings": self.headings,
            "label_entropy": "" if self.label_entropy is None else f"{self.label_entropy:.3f}",
            "labels": ";".join(f"{label}:{n}" for label, n in sorted(self.labels.items(), key=lambda kv: -kv[1])),
            "theme_word": self.theme_word,
            "listed": "yes" if self.listed else "",
            "score": f"{self.score:.4f}",
            "examples": " | ".join(self.examples),
        }


def raw_settings(segmenter: str = "jieba") -> TokenizerSettings:
    """Segmentation without any filtering (policy terms kept whole): what slogans are made of."""
    return TokenizerSettings(
        segmenter=segmenter, stopwords=False, fillers=False, slogans=False, min_chars=1, keep_numbers=True
    )


def find_slogan_candidates(
    units: list[Unit],
    tokenizer: Tokenizer,
    *,
    themes: dict[str, list[str]] | None = None,
    min_docs: int = 3,
    max_words: int = 8,
    top: int | None = 300,
    examples: int = 3,
    progress: bool = False,
) -> list[SloganCandidate]:
    """Rank candidate slogans found in ``units``; ``tokenizer`` should not filter (see ``raw_settings``)."""
    clauses, clause_units = [], []
    for index, unit in enumerate(units):
        for clause in _CLAUSE_BREAK.split(unit.text):
            if len(clause) >= 2:
                clauses.append(clause)
                clause_units.append(index)
    words_per_clause = tokenizer.tokenize(clauses, progress=progress)
    docs_of_unit = [unit.doc_id for unit in units]
    n_docs = len(set(docs_of_unit)) or 1

    ngram_df = _frequent_ngrams(words_per_clause, [docs_of_unit[i] for i in clause_units], min_docs, max_words)
    ngram_df = _closed(ngram_df)
    occurrences: dict[str, list[int]] = defaultdict(list)  # phrase → unit index per occurrence
    words_of: dict[str, int] = {}
    for words, unit_index in zip(words_per_clause, clause_units):
        for n in range(1, max_words + 1):
            for start in range(len(words) - n + 1):
                gram = tuple(words[start : start + n])
                if gram in ngram_df:
                    phrase = "".join(gram)
                    occurrences[phrase].append(unit_index)
                    words_of[phrase] = n
    quoted: dict[str, list[int]] = defaultdict(list)
    for index, unit in enumerate(units):
        for match in _QUOTED.finditer(unit.text):
            quoted[match.group(1) or match.group(2)].append(index)

    theme_words = sorted({w for ws in (themes or {}).values() for w in ws if len(w) >= 2}, key=len, reverse=True)
    listed = set(load_word_list(BUNDLED["slogans"]).entries)
    all_labels = sorted({unit.weak_label for unit in units if unit.weak_label})
    candidates: list[SloganCandidate] = []
    accepted: set[str] = set()
    for kind, table in (("ngram", occurrences), ("quoted", quoted)):
        for phrase, unit_indices in table.items():
            docs = {docs_of_unit[i] for i in unit_indices}
            if len(docs) < min_docs or len(phrase) < 4 and kind == "ngram":
                continue
            if kind == "quoted" and phrase in accepted:
                continue  # the same phrase already stands as an n-gram
            candidates.append(
                _describe(phrase, kind, words_of.get(phrase, 0), unit_indices, units, len(docs), n_docs,
                          all_labels, theme_words, listed)
            )
        accepted = {candidate.phrase for candidate in candidates}
    candidates.sort(key=lambda c: (-c.score, -c.docs, c.phrase))
    if top is not None:
        candidates = candidates[:top]
    for candidate in candidates:
        candidate.examples = _examples(candidate.phrase, units, (occurrences if candidate.kind == "ngram" else quoted)[candidate.phrase], examples)
    return candidates


def write_candidates(candidates: list[SloganCandidate], path: str | Path) -> None:
    # utf-8-sig: spreadsheet programs then show the Chinese text correctly
    with open_output(path, encoding="utf-8-sig", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for rank, candidate in enumerate(candidates, start=1):
            writer.writerow(candidate.to_row(rank))


def shape_of(phrase: str) -> str:
    """The formulaic shape of a phrase: "numbered", "list", "parallel" or ""."""
    items = [item for item in _LIST_SEPARATOR.split(phrase) if item]
    if len(items) >= 2:
        prefix = min(len(item) for item in items) >= 2 and len({item[:2] for item in items}) == 1
        return "parallel" if prefix or len({item[0] for item in items}) == 1 else "list"
    if _NUMBERED.match(phrase) and _NUMBERED.match(phrase).end() >= 2 and len(phrase) <= 8:
        return "numbered"
    return ""


def _frequent_ngrams(words_per_clause, doc_of_clause, min_docs: int, max_words: int) -> dict[tuple, int]:
    """Document frequency of every word n-gram in at least ``min_docs`` documents, found level by level:
    an n-gram can only be frequent when both of its (n-1)-word parts are (keeps memory small)."""
    clauses_of_doc: dict[str, list] = defaultdict(list)
    for words, doc in zip(words_per_clause, doc_of_clause):
        clauses_of_doc[doc].append(words)
    result: dict[tuple, int] = {}
    previous: set[tuple] | None = None
    for n in range(1, max_words + 1):
        doc_freq: Counter = Counter()
        for clauses in clauses_of_doc.values():
            in_doc = set()
            for words in clauses:
                for start in range(len(words) - n + 1):
                    gram = tuple(words[start : start + n])
                    if previous is None or (gram[:-1] in previous and gram[1:] in previous):
                        in_doc.add(gram)
            doc_freq.update(in_doc)
        frequent = {gram: df for gram, df in doc_freq.items() if df >= min_docs}
        if not frequent:
            break
        result.update(frequent)
        previous = set(frequent)
    return result


def _closed(ngram_df: dict[tuple, int]) -> dict[tuple, int]:
    """Drop n-grams that (almost) only occur inside one longer frequent n-gram."""
    redundant = set()
    for gram, df in ngram_df.items():
        if len(gram) >= 2:
            for part in (gram[:-1], gram[1:]):
                if part in ngram_df and df >= _CLOSED_RATIO * ngram_df[part]:
                    redundant.add(part)
    return {gram: df for gram, df in ngram_df.items() if gram not in redundant}


def _describe(phrase, kind, n_words, unit_indices, units, docs, n_docs, all_labels, theme_words, listed):
    labels = Counter(units[i].weak_label for i in unit_indices if units[i].weak_label)
    entropy = None
    if sum(labels.values()) >= _MIN_LABELLED and len(all_labels) >= 2:
        total = sum(labels.values())
        entropy = -sum(n / total * math.log(n / total) for n in labels.values()) / math.log(len(all_labels))
    spread = 0.5 if entropy is None else entropy
    shape = shape_of(phrase)
    theme_word = next((w for w in theme_words if w in phrase), "")
    score = docs / n_docs * (0.5 + 0.5 * spread) * (1.5 if shape else 1.0) * (0.5 if theme_word else 1.0)
    return SloganCandidate(
        phrase=phrase,
        kind=kind,
        words=n_words,
        shape=shape,
        docs=docs,
        doc_share=docs / n_docs,
        count=len(unit_indices),
        units=len(set(unit_indices)),
        headings=len({units[i].heading for i in unit_indices if units[i].heading}),
        label_entropy=entropy,
        labels=dict(labels),
        theme_word=theme_word,
        listed=phrase in listed,
        score=score,
    )


def _examples(phrase: str, units: list[Unit], unit_indices: list[int], limit: int, width: int = 12) -> list[str]:
    """Short contexts from different documents, the phrase marked with 【】."""
    found, docs = [], set()
    for index in unit_indices:
        unit = units[index]
        if unit.doc_id in docs:
            continue
        at = unit.text.find(phrase)
        if at < 0:
            continue
        docs.add(unit.doc_id)
        before = unit.text[max(0, at - width) : at]
        after = unit.text[at + len(phrase) : at + len(phrase) + width]
        found.append(f"{unit.doc_id}: …{before}【{phrase}】{after}…".replace("\n", " "))
        if len(found) >= limit:
            break
    return found
