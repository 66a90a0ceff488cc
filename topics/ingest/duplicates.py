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

import re
import unicodedata
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
        return np.zeros(0, dtype=np.uint64)
    hashes = kgram_hashes(codes, k)
    folded = (hashes >> np.uint64(32)) ^ (hashes & np.uint64(0xFFFFFFFF))
    return np.unique(folded)


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
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    items = _items(documents)
    ids = [doc_id for doc_id, _ in items]
    if len(set(ids)) != len(ids):
        repeated = next(doc_id for doc_id in ids if ids.count(doc_id) > 1)
        raise ValueError(f"document id {repeated!r} is given twice")
    bare = [normalised(text) for _, text in items]
    sets = [_shingle_set(text, k) for text in bare]
    views = [sets, [_shingle_set(text[:EDGE], k) for text in bare], [_shingle_set(text[-EDGE:], k) for text in bare]]

    from datasketch import MinHash, MinHashLSH  # here, not at the top: it loads scipy, a third of a second

    # LSH tuned below the threshold only proposes candidates; the shingle sets of the whole documents decide
    indexes = [MinHashLSH(threshold=max(0.05, 0.6 * threshold), num_perm=num_perm) for _ in views]
    pairs: list[tuple[int, int, float, float]] = []
    for index, shingle_set in enumerate(sets):
        candidates: set[int] = set()
        for view, lsh in zip(views, indexes):
            signature = MinHash(num_perm=num_perm, seed=seed, hashfunc=int)  # shingles are hashed already
            signature.update_batch(view[index])
            candidates.update(lsh.query(signature))
            lsh.insert(index, signature)
        for other in sorted(candidates):
            similarity, containment = _similarities(sets[other], shingle_set)
            share = min(len(sets[other]), len(shingle_set)) / max(len(sets[other]), len(shingle_set), 1)
            if similarity >= threshold or (containment >= threshold and share >= MIN_SHARE):
                pairs.append((other, index, similarity, containment))

    parent = list(range(len(items)))  # union-find over the confirmed pairs

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b, _, _ in pairs:
        parent[max(root(a), root(b))] = min(root(a), root(b))
    members: dict[int, list[int]] = {}
    for index in range(len(items)):
        members.setdefault(root(index), []).append(index)
    groups = []
    for first in sorted(members):
        group = members[first]
        if len(group) < 2:
            continue
        inside = [Pair(ids[a], ids[b], round(sim, 4), round(cont, 4)) for a, b, sim, cont in pairs if root(a) == first]
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
