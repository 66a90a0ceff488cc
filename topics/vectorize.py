"""One vocabulary for every model: a gensim Dictionary and a scipy CSR count matrix built
from the same term ids, so LDA (gensim) and NMF (scikit-learn) see exactly the same words."""

from __future__ import annotations

import copy
import warnings
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from gensim.corpora import Dictionary
from scipy import sparse

from .errors import InputError
from .rules import check_all
from .settings import default, table_rules

# The vocabulary filters (gensim Dictionary.filter_extremes), declared in topics.settings.
FILTER_RULES = table_rules("vocabulary")


@dataclass
class Corpus:
    """The units a model is fitted on, as counts over the shared vocabulary.

    ``kept`` holds the indices (into the token lists given to :func:`build_corpus`) of the
    units that are used; row i of ``matrix`` (and of its gensim view ``bow``) is unit ``kept[i]``. Units with
    no tokens at all are counted in ``excluded_empty``; units whose tokens were all removed
    by the frequency filters are counted in ``excluded_out_of_vocabulary``.

    The vocabulary lists the corpus's own terms first; the last ``unseen`` terms are lexicon
    words the corpus never uses (count 0), kept so that models can read new text with them.
    """

    dictionary: Dictionary
    matrix: sparse.csr_matrix
    vocab: list[str]
    kept: np.ndarray
    excluded_empty: int
    excluded_out_of_vocabulary: int = 0
    unseen: int = 0

    @property
    def bow(self) -> "BowRows":
        """The kept units as gensim bag-of-words rows, read from ``matrix`` one at a time (a streamed corpus)."""
        return BowRows(self.matrix)

    @property
    def seen(self) -> int:
        """How many vocabulary terms (the first ones) the corpus uses."""
        return len(self.vocab) - self.unseen

    @property
    def doc_lengths(self) -> np.ndarray:
        """In-vocabulary tokens per kept unit."""
        return np.asarray(self.matrix.sum(axis=1)).ravel().astype(float)

    @property
    def term_frequency(self) -> np.ndarray:
        """Corpus count of every vocabulary term."""
        return np.asarray(self.matrix.sum(axis=0)).ravel().astype(float)

    def without_unseen(self) -> "Corpus":
        """The same corpus without the lexicon words it never uses (for models that cannot use them)."""
        if not self.unseen:
            return self
        dictionary = copy.deepcopy(self.dictionary)
        dictionary.filter_tokens(bad_ids=range(self.seen, len(self.vocab)))  # the last ids: the others keep theirs
        matrix = self.matrix
        if matrix.nnz == 0 or matrix.indices.max() < self.seen:  # the unseen columns hold nothing: no copy of the
            # counts (a copy per fit was a fit's largest temporary), the same arrays with fewer columns
            matrix = sparse.csr_matrix((matrix.data, matrix.indices, matrix.indptr), shape=(matrix.shape[0], self.seen))
        else:
            matrix = matrix[:, :self.seen]
        return replace(self, dictionary=dictionary, matrix=matrix, vocab=self.vocab[:self.seen], unseen=0)

    def vectorize(self, token_lists: list[list[str]]) -> sparse.csr_matrix:
        """Counts of new token lists over this vocabulary (unknown words are ignored)."""
        return count_matrix(token_lists, self.vocab)


def build_corpus(
    token_lists: list[list[str]],
    *,
    no_below: int = default("vocabulary.no_below"),
    no_above: float = default("vocabulary.no_above"),
    keep_n: int | None = default("vocabulary.keep_n"),
    keep_words: Iterable[str] = (),
) -> Corpus:
    """Build the shared vocabulary and count matrix.

    no_below: keep terms found in at least this many units; no_above: drop terms found in
    more than this fraction of units; keep_n: then keep at most this many most frequent
    terms (None keeps all). ``keep_words`` (the theme lexicon's words) pass the filters and join
    the vocabulary even when the corpus lacks them, with a count of zero, so that a model fitted
    on a small corpus still reads new text through its lexicon. Raises InputError for bad values
    or an empty vocabulary.
    """
    _check_filters(no_below, no_above, keep_n)
    if not isinstance(token_lists, Sequence):  # read twice below: a generator is read once into a list
        token_lists = [list(tokens) for tokens in token_lists]
    nonempty = [i for i, tokens in enumerate(token_lists) if len(tokens)]
    excluded_empty = len(token_lists) - len(nonempty)
    if not nonempty:
        raise InputError(f"no tokens to build a vocabulary from: all {len(token_lists)} units are empty")

    dictionary = Dictionary(token_lists[i] for i in nonempty)
    distinct = len(dictionary)
    keep_words = [str(word) for word in dict.fromkeys(keep_words)]
    dictionary.filter_extremes(no_below=no_below, no_above=no_above, keep_n=keep_n, keep_tokens=keep_words)
    seen = len(dictionary)
    if seen == 0:
        raise InputError(
            f"vocabulary is empty after filtering (no_below={no_below}, no_above={no_above}, keep_n={keep_n}): "
            f"{len(nonempty)} units with {distinct} distinct tokens; lower vocabulary.no_below or raise vocabulary.no_above"
            + (" or vocabulary.keep_n" if keep_n is not None else "")
        )
    _add_unseen(dictionary, keep_words)
    vocab = [dictionary[i] for i in range(len(dictionary))]

    matrix, kept = _count_rows(dictionary, token_lists, nonempty, len(vocab))
    _warn_if_filtered_too_hard(vocab[:seen], set(keep_words), len(nonempty), len(kept), no_below, no_above, keep_n)
    return Corpus(
        dictionary=dictionary,
        matrix=matrix,
        vocab=vocab,
        kept=np.asarray(kept, dtype=int),
        excluded_empty=excluded_empty,
        excluded_out_of_vocabulary=len(nonempty) - len(kept),
        unseen=len(vocab) - seen,
    )


def _count_rows(dictionary: Dictionary, token_lists: Sequence, rows: list[int], n_terms: int):
    """The CSR counts of the given rows that keep a vocabulary word, and which rows those are, filled
    row by row (no bag-of-words lists are kept: a list of tuples costs about 70 bytes a distinct word)."""
    indptr, indices, data, kept = array("q", [0]), array("i"), array("d"), []
    for i in rows:
        bow = dictionary.doc2bow(token_lists[i])
        if bow:
            kept.append(i)
            for term, count in bow:
                indices.append(term)
                data.append(count)
            indptr.append(len(indices))
    matrix = sparse.csr_matrix((np.frombuffer(data, dtype=np.float64), np.frombuffer(indices, dtype=np.int32),
                                np.frombuffer(indptr, dtype=np.int64)), shape=(len(kept), n_terms))
    return matrix, kept


# Below these, filtering has left too little for a topic model to learn from: said, not silently fitted.
FEW_CORPUS_WORDS = 20
MOST_UNITS = 0.5


def _warn_if_filtered_too_hard(vocab: list[str], lexicon: set[str], n_units: int, n_kept: int, no_below, no_above,
                               keep_n=None) -> None:
    own = sum(1 for term in vocab if term not in lexicon)
    # keep_n is named only when it is what cut the vocabulary down
    capped = keep_n is not None and len(vocab) >= keep_n
    filters = f"no_below={no_below}, no_above={no_above}" + (f", keep_n={keep_n}" if capped else "")
    remedy = "raise vocabulary.keep_n" if capped else "lower vocabulary.no_below or raise vocabulary.no_above"
    if own < FEW_CORPUS_WORDS:
        warnings.warn(f"vocabulary: filtering ({filters}) leaves only {own} words beyond the lexicon's; topics will "
                      f"hardly differ — {remedy}", stacklevel=3)
    if n_units and n_units - n_kept > MOST_UNITS * n_units:
        warnings.warn(f"vocabulary: {n_units - n_kept} of {n_units} units keep no vocabulary word after filtering "
                      f"({filters}); they are assigned 'other'", stacklevel=3)


def _add_unseen(dictionary: Dictionary, words: list[str]) -> None:
    """Give words the corpus never used an id (after every other term), seen in no document."""
    for word in words:
        if word not in dictionary.token2id:
            new_id = len(dictionary.token2id)
            dictionary.token2id[word] = new_id
            dictionary.dfs[new_id] = 0
            dictionary.cfs[new_id] = 0
    dictionary.id2token = {}  # gensim rebuilds it on demand


def count_matrix(token_lists: list[list[str]], vocab: list[str]) -> sparse.csr_matrix:
    """N×V counts of each token list over ``vocab`` (term id = position in vocab)."""
    index = {term: i for i, term in enumerate(vocab)}
    rows, cols = [], []
    for row, tokens in enumerate(token_lists):
        for token in tokens:
            col = index.get(token)
            if col is not None:
                rows.append(row)
                cols.append(col)
    data = np.ones(len(rows), dtype=np.float64)
    matrix = sparse.csr_matrix((data, (rows, cols)), shape=(len(token_lists), len(vocab)))
    matrix.sum_duplicates()
    return matrix


class BowRows(Sequence):
    """A CSR count matrix seen as gensim's corpus: row i is [(term id, count), …] with ascending ids,
    made when it is read, so a model streams the corpus without a second copy of it in Python lists."""

    def __init__(self, matrix: sparse.csr_matrix) -> None:
        self.matrix = sparse.csr_matrix(matrix)
        self.matrix.sort_indices()

    def __len__(self) -> int:
        return self.matrix.shape[0]

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if not -len(self) <= index < len(self):
            raise IndexError(f"row {index} out of range ({len(self)} rows)")
        index %= len(self)
        start, end = self.matrix.indptr[index], self.matrix.indptr[index + 1]
        return [(int(j), int(c)) for j, c in zip(self.matrix.indices[start:end], self.matrix.data[start:end])]

    def __iter__(self):
        return (self[i] for i in range(len(self)))


def csr_to_bow(matrix: sparse.csr_matrix) -> list[list[tuple[int, int]]]:
    """gensim bag-of-words rows from a CSR count matrix, as a list."""
    return list(BowRows(matrix))


def _check_filters(no_below, no_above, keep_n) -> None:
    check_all({"no_below": no_below, "no_above": no_above, "keep_n": keep_n}, FILTER_RULES, "vocabulary",
              prefix="vocabulary.")
