"""Growing the theme lexicon with review: words of the user's own corpus that sit near a theme's seed
words, written to a review file that the user marks accept or reject — never added silently.

Word vectors are learned from the corpus's tokens (gensim Word2Vec, one worker and a fixed seed, so the
same corpus gives the same suggestions). A candidate is a word of the corpus, in no list of the lexicon
yet, frequent enough to matter, whose vector is close to a theme's seed words (cosine similarity to the
mean vector of the theme's words that the corpus uses); it is suggested for the theme it is closest to
and only when it is clearly closer to that theme than to any other (``min_gap``) and to the ``[other]``
words, so that words shared by several themes (发展, 建设) stay out.

The review file is a TSV with one row per suggestion: ``decision`` (empty; the user writes accept or
reject), theme, word, similarity, the next theme and its similarity, count, and the seed words it is
nearest to. ``apply_review`` adds the accepted words to the lexicon and writes it as a new file."""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import InputError, existing_file
from .lexicon import Lexicon

REVIEW_COLUMNS = ["decision", "theme", "word", "similarity", "next_theme", "next_similarity", "count", "near_seeds"]
DECISIONS = ("accept", "reject", "")

if TYPE_CHECKING:  # pandas and numpy are loaded by the functions that use them: `topics --help` stays quick
    import pandas as pd


@dataclass(frozen=True)
class SuggestSettings:
    per_theme: int = 30  # suggestions per theme at most
    min_count: int = 5  # a word must occur at least this often in the corpus
    min_similarity: float = 0.35  # cosine to the theme's seed words
    min_gap: float = 0.05  # … and this much closer to it than to any other theme or the [other] words
    vector_size: int = 100
    window: int = 5
    epochs: int = 10
    seed: int = 1


def _stable_hash(word: str) -> int:
    # Word2Vec seeds each word's start vector with a hash of the word: Python's own hash changes
    # from process to process, so the same corpus would give other vectors
    return int(hashlib.blake2b(word.encode("utf-8"), digest_size=4).hexdigest(), 16)


def word_vectors(token_lists: list[list[str]], settings: SuggestSettings = SuggestSettings()):
    """Word vectors of the corpus (gensim KeyedVectors), reproducible for a fixed seed."""
    from gensim.models import Word2Vec

    sentences = [tokens for tokens in token_lists if tokens]
    if not sentences:
        raise InputError("suggest: no tokens to learn word vectors from")
    counts = Counter(token for tokens in sentences for token in tokens)
    word, most = counts.most_common(1)[0]
    if most < settings.min_count:  # Word2Vec would have no vocabulary to train
        raise InputError(f"--min-count {settings.min_count}: no word occurs that often in the corpus (the most "
                         f"frequent, {word}, {most} times); give a lower --min-count or more text")
    model = Word2Vec(sentences=sentences, vector_size=settings.vector_size, window=settings.window,
                     min_count=settings.min_count, workers=1, seed=settings.seed, epochs=settings.epochs,
                     hashfxn=_stable_hash, sg=1)
    return model.wv


def suggest_words(token_lists: list[list[str]], lexicon: Lexicon,
                  settings: SuggestSettings = SuggestSettings()) -> pd.DataFrame:
    """Candidate words per theme (columns REVIEW_COLUMNS, decision empty), best first within each theme."""
    import numpy as np
    import pandas as pd

    vectors = word_vectors(token_lists, settings)
    groups = {**lexicon.themes, "[other]": lexicon.other_words}
    centroids, seeds_in = {}, {}
    for name, words in groups.items():
        known = [w for w in words if w in vectors.key_to_index]
        if known:
            seeds_in[name] = known
            mean = np.mean([vectors[w] for w in known], axis=0)
            centroids[name] = mean / max(np.linalg.norm(mean), 1e-12)
    themes = [name for name in lexicon.names if name in centroids]
    if not themes:
        raise InputError(f"--min-count {settings.min_count}: no seed word of any theme occurs that often in the "
                         "corpus; give a lower --min-count or more text")
    listed = lexicon.seed_terms(vectors.index_to_key)  # a word that counts through a theme word already counts
    words = [w for w in vectors.index_to_key if w not in listed]
    if not words:
        return pd.DataFrame(columns=REVIEW_COLUMNS)
    matrix = np.stack([vectors[w] for w in words])
    matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    names = list(centroids)
    similarity = matrix @ np.stack([centroids[n] for n in names]).T  # words × groups
    rows = []
    for i, word in enumerate(words):
        order = np.argsort(-similarity[i], kind="stable")
        best, runner = names[order[0]], names[order[1]] if len(order) > 1 else ""
        best_sim = float(similarity[i, order[0]])
        next_sim = float(similarity[i, order[1]]) if runner else 0.0
        if best == "[other]" or best_sim < settings.min_similarity or best_sim - next_sim < settings.min_gap:
            continue
        near = sorted(seeds_in[best], key=lambda seed: -float(vectors.similarity(word, seed)))[:3]
        rows.append({"decision": "", "theme": best, "word": word, "similarity": round(best_sim, 3),
                     "next_theme": runner, "next_similarity": round(next_sim, 3),
                     "count": int(vectors.get_vecattr(word, "count")), "near_seeds": " ".join(near)})
    table = pd.DataFrame(rows, columns=REVIEW_COLUMNS)
    if table.empty:
        return table
    table["order"] = table["theme"].map({name: i for i, name in enumerate(themes)})
    table = table.sort_values(["order", "similarity", "word"], ascending=[True, False, True], kind="stable")
    table = table.groupby("theme", sort=False).head(settings.per_theme).drop(columns="order")
    return table.reset_index(drop=True)


def write_review(table: pd.DataFrame, path: str | Path) -> Path:
    path = Path(path)
    table.to_csv(path, sep="\t", index=False, lineterminator="\n")
    return path


def read_review(path: str | Path, lexicon: Lexicon) -> pd.DataFrame:
    """A review file as the user marked it; InputError naming the file and line of a bad row."""
    import pandas as pd

    path = existing_file(path, "review file")  # a folder or pipe is named as such, never opened
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle, delimiter="\t")
            missing = [c for c in ("decision", "theme", "word") if c not in (reader.fieldnames or [])]
            if missing:
                raise InputError(f"{path}:1: missing column(s) {', '.join(missing)} (a file written by `topics suggest`)")
            rows = []
            for record in reader:
                line = reader.line_num
                decision = (record["decision"] or "").strip().lower()
                if decision not in DECISIONS:
                    raise InputError(f"{path}:{line}: decision must be accept, reject or empty, got {record['decision']!r}")
                if record["theme"] not in lexicon.themes:
                    raise InputError(f"{path}:{line}: theme {record['theme']!r} is not in the lexicon "
                                     f"({', '.join(lexicon.names)})")
                word = (record["word"] or "").strip()
                if not word or any(ch.isspace() for ch in word):
                    raise InputError(f"{path}:{line}: word must be one word without spaces, got {record['word']!r}")
                rows.append({"decision": decision, "theme": record["theme"], "word": word, "line": line})
    except UnicodeDecodeError:
        raise InputError(f"{path}: review file is not UTF-8 text (a TSV written by `topics suggest`)") from None
    except csv.Error as err:
        raise InputError(f"{path}: not a readable TSV file ({err})") from None
    return pd.DataFrame(rows, columns=["decision", "theme", "word", "line"])


def apply_review(lexicon: Lexicon, review: pd.DataFrame) -> tuple[Lexicon, dict]:
    """The lexicon with the accepted words added to their themes, and counts of what was decided."""
    accepted = review[review["decision"] == "accept"]
    themes = {name: list(words) for name, words in lexicon.themes.items()}
    added = 0
    for row in accepted.itertuples():
        if row.word not in themes[row.theme]:
            themes[row.theme].append(row.word)
            added += 1
    grown = replace(lexicon, themes=themes)  # facets, labels, heading words and exclusions as they were
    counts = {"accepted": len(accepted), "added": added, "rejected": int((review["decision"] == "reject").sum()),
              "undecided": int((review["decision"] == "").sum())}
    return grown, counts
