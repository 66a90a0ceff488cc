"""Near-duplicate documents: the same report read twice (a .txt and its PDF, a portal page and a
newspaper reprint, two editions of one report, two downloads of one file).

Each document is first normalised (normalised()): compatibility forms folded by NFKC (full-width
digits and letters, １９８０ → 1980), traditional script converted to simplified (OpenCC, as reading
does), and everything but Chinese characters, letters and digits dropped, so that spacing, line breaks,
punctuation styles and layout make no difference. It then becomes its set of k-character shingles,
each held as a 32-bit hash.

Two documents are near-duplicates when the Jaccard similarity of their shingle sets reaches the
threshold, or when the shorter one's shingles lie inside the longer one's up to the threshold
(containment) while the shorter holds at least MIN_SHARE of the longer's shingles: an edition cut short
is still an edition. MinHash signatures with locality-sensitive hashing (datasketch) propose candidate
pairs without comparing every pair, so the search stays near-linear: each document is indexed whole
and by its first and its last EDGE characters, since an edition cut short shares one end with the
whole. The hashing is tuned to 0.6 × the threshold, so a pair right at the threshold (whole, or at one
end) becomes a candidate with probability ≥ 0.999 for thresholds from 0.8 (0.99 at 0.5). Each
candidate is then checked on the shingle sets of the whole documents, so every similarity reported is
computed, not estimated. Pairs that qualify are joined into groups.
"""

from __future__ import annotations

import io
import re
import tempfile
import unicodedata
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from .script import simplified

HASH_BASE = 1_000_003  # of the polynomial hash of k characters (kgram_hashes)
MIN_SHARE = 0.5  # a shorter copy counts by containment when it holds at least this share of the longer one
EDGE = 2000  # characters at each end of a document indexed on their own (a copy cut short shares one end)

_KEEP = re.compile(r"[^0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# characters NFKC turns into digits, letters or Chinese characters (full-width forms, circled and
# parenthesised numbers, Roman numerals, compatibility ideographs, radicals); NFKC on the whole of a long
# Chinese text would cost as much as reading it
_FOLDABLE = re.compile("[\u00b2\u00b3\u00b9\u2070-\u209f\u2160-\u217f\u2460-\u24ff\u2e80-\u2fdf\u3190-\u319f"
                       "\u3220-\u325f\u3280-\u32ff\uf900-\ufaff\uff10-\uff19\uff21-\uff3a\uff41-\uff5a"
                       "\U0002f800-\U0002fa1f]+")
# common characters of traditional script that simplified text never uses: a cheap look before OpenCC
_TRADITIONAL = re.compile("[國業們這經個會義發對關設計農現來進動機過資劃濟萬點還應時當實種學議運營費務團級數將財東從領長聯題問]")


class Pair(NamedTuple):
    a: str
    b: str
    similarity: float  # Jaccard similarity of the two shingle sets
    containment: float  # the share of the smaller set that lies in the larger one


@dataclass
class DuplicateGroup:
    """Documents that are near-duplicates of each other, in input order."""

    doc_ids: list[str]
    similarity: float  # the lowest Jaccard similarity among the pairs that joined the group
    pairs: list[Pair] = field(default_factory=list)  # every pair that qualified


def normalised(text: str) -> str:
    """The text as documents are compared: NFKC-folded, in simplified script, Chinese characters,
    letters and digits only."""
    text = _FOLDABLE.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    if len(_TRADITIONAL.findall(text)) >= 0.01 * len(text):
        text = simplified(text)[0]  # converts only text that is written in traditional script
    return _KEEP.sub("", text)


def kgram_hashes(codes: np.ndarray, k: int) -> np.ndarray:
    """A polynomial hash of every k consecutive code points (uint64 arithmetic wraps around, which is
    what a hash wants): entry i stands for codes[i:i + k]."""
    k = min(k, len(codes))
    hashes = np.zeros(len(codes) - k + 1, dtype=np.uint64)
    for offset in range(k):
        hashes = hashes * np.uint64(HASH_BASE) + codes[offset:len(codes) - k + 1 + offset]
    return hashes


def shingles(text: str, k: int = 5) -> np.ndarray:
    """The k-character shingles of a text (after normalised()), as sorted unique 32-bit hashes."""
    return _shingle_set(normalised(text), k)


def _shingle_set(bare: str, k: int) -> np.ndarray:
    codes = np.frombuffer(bare.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if len(codes) == 0:
        return np.zeros(0, dtype=np.uint32)
    hashes = kgram_hashes(codes, k)
    folded = (hashes >> np.uint64(32)) ^ (hashes & np.uint64(0xFFFFFFFF))
    return np.unique(folded.astype(np.uint32))  # 32-bit values: half the memory of the uint64 they were made in


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard similarity of two shingle sets (sorted unique arrays)."""
    return _similarities(a, b)[0]


def _similarities(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(Jaccard similarity, containment of the smaller set in the larger) of two shingle sets."""
    if len(a) == 0 or len(b) == 0:
        return (1.0, 1.0) if len(a) == len(b) else (0.0, 0.0)
    common = len(np.intersect1d(a, b, assume_unique=True))
    return common / (len(a) + len(b) - common), common / min(len(a), len(b))


def find_duplicates(documents, *, threshold: float = 0.8, k: int = 5, num_perm: int = 128,
                    seed: int = 1) -> list[DuplicateGroup]:
    """Groups of near-duplicate documents: Jaccard similarity of k-character shingles ≥ ``threshold``,
    or the shorter one's shingles inside the longer's ≥ ``threshold`` while it holds at least MIN_SHARE
    of them.

    ``documents``: objects with ``doc_id`` and ``text`` (Document, CleanDocument), (id, text) pairs, or a
    mapping id → text. Groups come in the order of their first document; documents without a
    near-duplicate are in no group."""
    finder = DuplicateFinder(threshold=threshold, k=k, num_perm=num_perm, seed=seed)
    for doc_id, text in _items(documents):
        finder.add(doc_id, text)
    groups = finder.groups()
    finder.close()
    return groups


class DuplicateFinder:
    """find_duplicates one document at a time (``add``, then ``groups``), so that a reader of many documents
    need not hold their texts: it holds each document's MinHash signatures in memory and its shingle set (4 bytes
    a character) in a temporary file, read back for the rare document that is proposed as a candidate."""

    def __init__(self, *, threshold: float = 0.8, k: int = 5, num_perm: int = 128, seed: int = 1):
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {threshold}")
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        self.threshold, self.k, self.num_perm, self.seed = threshold, k, num_perm, seed
        self.ids: list[str] = []
        self.known: set[str] = set()
        self.sizes: list[int] = []  # shingles per document: its set is that many uint32 in the spool
        self.offsets: list[int] = []
        self.spool = tempfile.TemporaryFile()  # deleted by close(), or when the finder is
        weakref.finalize(self, self.spool.close)  # closed, not left to the file's own finaliser (a ResourceWarning)
        self.pairs: list[tuple[int, int, float, float]] = []
        self.indexes: list | None = None  # made with the second document: one alone has no twin (nor needs datasketch)
        self.waiting: list[tuple[int, tuple[np.ndarray, ...]]] = []

    def close(self) -> None:
        """Delete the spool of shingle sets: after ``groups``, nothing reads it."""
        self.spool.close()

    def add(self, doc_id: str, text: str) -> None:
        if doc_id in self.known:
            raise ValueError(f"document id {doc_id!r} is given twice")
        self.known.add(doc_id)
        self.ids.append(doc_id)
        bare = normalised(text)
        shingle_set = _shingle_set(bare, self.k)
        self.offsets.append(self.spool.seek(0, io.SEEK_END))
        self.sizes.append(len(shingle_set))
        self.spool.write(shingle_set.tobytes())
        # indexed whole and by its first and last EDGE characters
        self.waiting.append((len(self.ids) - 1, (shingle_set, _shingle_set(bare[:EDGE], self.k),
                                                 _shingle_set(bare[-EDGE:], self.k))))
        if len(self.ids) > 1:
            for index, views in self.waiting:
                self._index(index, views)
            self.waiting = []

    def _index(self, index: int, views: tuple[np.ndarray, ...]) -> None:
        """Propose the earlier documents like document ``index`` (by its MinHash signatures) and keep those whose
        shingle sets qualify."""
        from datasketch import MinHash, MinHashLSH  # here, not at the top: it loads scipy, a third of a second

        if self.indexes is None:  # LSH tuned below the threshold only proposes candidates; the shingle sets decide
            self.indexes = [MinHashLSH(threshold=max(0.05, 0.6 * self.threshold), num_perm=self.num_perm)
                            for _ in views]
        candidates: set[int] = set()
        for view, lsh in zip(views, self.indexes):
            signature = MinHash(num_perm=self.num_perm, seed=self.seed, hashfunc=int)  # shingles are hashed already
            signature.update_batch(view)
            candidates.update(lsh.query(signature))
            lsh.insert(index, signature)
        shingle_set = views[0]
        for other in sorted(candidates):
            other_set = self._set(other)
            similarity, containment = _similarities(other_set, shingle_set)
            share = min(len(other_set), len(shingle_set)) / max(len(other_set), len(shingle_set), 1)
            if similarity >= self.threshold or (containment >= self.threshold and share >= MIN_SHARE):
                self.pairs.append((other, index, similarity, containment))

    def _set(self, index: int) -> np.ndarray:
        """The shingle set of document ``index``, read back from the spool."""
        self.spool.seek(self.offsets[index])
        return np.frombuffer(self.spool.read(4 * self.sizes[index]), dtype=np.uint32)

    def groups(self) -> list[DuplicateGroup]:
        """The groups of the documents added so far, in the order of their first document."""
        ids, pairs = self.ids, self.pairs
        parent = list(range(len(ids)))  # union-find over the confirmed pairs

        def root(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for a, b, _, _ in pairs:
            parent[max(root(a), root(b))] = min(root(a), root(b))
        members: dict[int, list[int]] = {}
        for index in range(len(ids)):
            members.setdefault(root(index), []).append(index)
        groups = []
        for first in sorted(members):
            group = members[first]
            if len(group) < 2:
                continue
            inside = [Pair(ids[a], ids[b], round(sim, 4), round(cont, 4)) for a, b, sim, cont in pairs
                      if root(a) == first]
            groups.append(DuplicateGroup([ids[i] for i in group], min(pair.similarity for pair in inside), inside))
        return groups


def _items(documents) -> list[tuple[str, str]]:
    if isinstance(documents, Mapping):
        return [(str(doc_id), text) for doc_id, text in documents.items()]
    items = []
    for document in documents:
        if hasattr(document, "doc_id") and hasattr(document, "text"):
            items.append((document.doc_id, document.text))
        else:
            doc_id, text = document
            items.append((str(doc_id), text))
    return items
