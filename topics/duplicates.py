"""Near-duplicate documents: the same report read twice (a .txt and its PDF, a portal page and a
newspaper reprint, two downloads of one file).

Each document becomes its set of character shingles: k consecutive characters of its text after
everything but Chinese characters, letters and digits is dropped (so line breaks, spacing, punctuation
styles and layout make no difference), each shingle held as a 32-bit hash. MinHash signatures with
locality-sensitive hashing (datasketch) propose candidate pairs without comparing every pair; each
candidate is then checked with the Jaccard similarity of the two shingle sets themselves, so every
similarity reported is computed, not estimated, and no pair below the threshold is reported. The
hashing is tuned to 0.6 × the threshold, so a pair right at the threshold becomes a candidate with
probability ≥ 0.999 for thresholds from 0.8 (0.99 at 0.5). Pairs at or above the threshold are joined
into groups.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from datasketch import MinHash, MinHashLSH

_KEEP = re.compile(r"[^0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


@dataclass
class DuplicateGroup:
    """Documents that are near-duplicates of each other, in input order (the first is the one to keep)."""

    doc_ids: list[str]
    similarity: float  # the lowest Jaccard similarity among the pairs that joined the group
    pairs: list[tuple[str, str, float]] = field(default_factory=list)  # (id, id, Jaccard) at or above the threshold


def shingles(text: str, k: int = 5) -> np.ndarray:
    """The k-character shingles of a text's Chinese characters, letters and digits, as sorted unique
    32-bit hashes (a polynomial hash of the k code points, computed for all shingles at once)."""
    bare = _KEEP.sub("", text)
    codes = np.frombuffer(bare.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if len(codes) == 0:
        return np.zeros(0, dtype=np.uint64)
    k = min(k, len(codes))
    hashes = np.zeros(len(codes) - k + 1, dtype=np.uint64)
    for offset in range(k):  # uint64 arithmetic wraps around, which is what a hash wants
        hashes = hashes * np.uint64(1_000_003) + codes[offset:len(codes) - k + 1 + offset]
    folded = (hashes >> np.uint64(32)) ^ (hashes & np.uint64(0xFFFFFFFF))
    return np.unique(folded)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard similarity of two shingle sets (sorted unique arrays)."""
    if len(a) == 0 and len(b) == 0:
        return 1.0
    common = len(np.intersect1d(a, b, assume_unique=True))
    return common / (len(a) + len(b) - common)


def find_duplicates(documents, *, threshold: float = 0.8, k: int = 5, num_perm: int = 128,
                    seed: int = 1) -> list[DuplicateGroup]:
    """Groups of near-duplicate documents (Jaccard similarity of k-character shingles ≥ ``threshold``).

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
    sets = [shingles(text, k) for _, text in items]

    # LSH tuned below the threshold only proposes candidates; the Jaccard check decides
    lsh = MinHashLSH(threshold=max(0.05, 0.6 * threshold), num_perm=num_perm)
    pairs: list[tuple[int, int, float]] = []
    for index, shingle_set in enumerate(sets):
        signature = MinHash(num_perm=num_perm, seed=seed, hashfunc=int)  # shingles are hashed already
        signature.update_batch(shingle_set)
        for other in sorted(lsh.query(signature)):
            similarity = jaccard(sets[other], shingle_set)
            if similarity >= threshold:
                pairs.append((other, index, similarity))
        lsh.insert(index, signature)

    parent = list(range(len(items)))  # union-find over the confirmed pairs

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b, _ in pairs:
        parent[max(root(a), root(b))] = min(root(a), root(b))
    members: dict[int, list[int]] = {}
    for index in range(len(items)):
        members.setdefault(root(index), []).append(index)
    groups = []
    for first in sorted(members):
        group = members[first]
        if len(group) < 2:
            continue
        inside = [(ids[a], ids[b], round(sim, 4)) for a, b, sim in pairs if root(a) == first]
        groups.append(DuplicateGroup([ids[i] for i in group], min(sim for _, _, sim in inside), inside))
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
