"""Topic coherence of each topic's top words on the training units, with gensim's coherence measures.

The measures are gensim's own — the segmentation and confirmation functions of
``gensim.models.coherencemodel.COHERENCE_MEASURES``, called with the arguments CoherenceModel uses —
applied to word and window counts made here. gensim's coherence has traps; each is handled on purpose:

- gensim's sliding-window counter updates each window incrementally and forgets a word when one
  occurrence leaves the window although another is still inside, so words repeated within a window —
  common in work reports — are undercounted (on the city reports this moved c_v by up to 0.07 per topic).
  It is also slow (about 30 s per model on the city reports). We count exactly: a window contains a
  word when any of its positions holds it, computed for the top words only with sparse matrices.
- Topic words missing from the dictionary are dropped by gensim without a word, and words that never
  occur in the training units give inf (c_npmi), NaN (c_v) or a silent 0 (u_mass). We leave both out
  beforehand and write which ones to ``ctx.notes``; a topic with fewer than two words left scores NaN.
- Two words that occur in every window (tiny corpora) get NPMI −1 from gensim, where the limit is +1
  (log(1+ε)/−log(1+ε)): such a topic scores NaN, with a note.
- An empty unit is no window (gensim counts it as one, diluting every probability).
- No worker processes are started (gensim's multiprocess counter can hang).

Windows are as in gensim: every run of ``window_size`` consecutive tokens of a unit, and a unit no
longer than the window is one window; u_mass counts units. A model's score is the mean over its topics
with a finite value; topics left out are named in the notes.
"""

from __future__ import annotations

import numpy as np
from gensim.models.coherencemodel import COHERENCE_MEASURES
from scipy.sparse import csr_matrix

from ..result import TopicResult
from ..token_table import TokenTable
from .base import Metric, MetricContext, mean_or_nan, top_word_ids

WINDOWED = ("c_npmi", "c_v")
# The confirmation-measure arguments CoherenceModel.get_coherence_per_topic passes for each measure.
_CONFIRMATION_ARGS = {"c_npmi": {"normalize": True}, "c_v": {"measure": "nlr", "gamma": 1}, "u_mass": {}}
# (window, word) entries counted at a time, about 50 bytes each while counted: bounds the memory of counting
# (which does not depend on the corpus's size beyond one chunk) when long units meet wide (c_v) windows
_ENTRIES_PER_CHUNK = 250_000


class WindowCounts:
    """Exact boolean counts, read like a gensim accumulator: ``counts[id]`` = windows containing the word,
    ``counts[id1, id2]`` = windows containing both, ``counts.num_docs`` = number of windows."""

    def __init__(self, together: np.ndarray, column: dict[int, int], num_docs: int):
        self.together, self.column, self.num_docs = together, column, num_docs

    def __getitem__(self, key):
        if isinstance(key, tuple):
            return self.together[self.column[key[0]], self.column[key[1]]]
        return self.together[self.column[key], self.column[key]]


def _unit_aligned_chunks(units: np.ndarray, spans: np.ndarray, limit: int):
    """Slices of the occurrences covering about ``limit`` (window, word) entries each, ending at unit
    boundaries so that no window is split between two chunks."""
    ends = np.cumsum(spans)
    start = 0
    while start < len(units):
        done = ends[start - 1] if start else 0
        stop = max(int(np.searchsorted(ends, done + limit, side="right")), start + 1)
        stop = int(np.searchsorted(units, units[stop - 1], side="right"))  # finish that unit
        yield slice(start, stop)
        start = stop


def count_windows(texts: TokenTable, word_ids: dict[str, int], window_size: int | None) -> WindowCounts:
    """Count, for the given words, the windows (units when ``window_size`` is None) containing each word
    and each pair of words."""
    column = {word: j for j, word in enumerate(word_ids)}
    lengths = texts.lengths()
    windows = np.ones_like(lengths) if window_size is None else np.maximum(1, lengths - window_size + 1)
    first_window = np.concatenate([[0], np.cumsum(windows)[:-1]])

    # every occurrence of a counted word: its column, its unit and its position in the unit, read off the
    # table's token ids (a Python object per occurrence cost several times the tokens)
    lookup = np.full(len(texts.words), -1, dtype=np.int32)
    for token_id, word in enumerate(texts.words):
        lookup[token_id] = column.get(word, -1)
    every = lookup[texts.ids]
    at = np.flatnonzero(every >= 0)
    cols = every[at].astype(np.int64)
    del every
    units = np.searchsorted(texts.offsets[1:], at, side="right")
    positions = at - texts.offsets[units]
    if window_size is None:
        low = high = first_window[units]
    else:  # the windows holding position p start at p - size + 1 … p, within the unit's windows
        low = first_window[units] + np.maximum(0, positions - window_size + 1)
        high = first_window[units] + np.minimum(positions, windows[units] - 1)
    spans = high - low + 1

    together = np.zeros((len(column), len(column)), dtype=np.int64)
    for part in _unit_aligned_chunks(units, spans, _ENTRIES_PER_CHUNK):
        # a windows × words matrix: 1 where the window holds the word (each occurrence covers `span` windows)
        span = spans[part]
        base = low[part].min()
        rows = np.repeat(low[part] - base, span) + np.arange(span.sum()) - np.repeat(np.cumsum(span) - span, span)
        incidence = csr_matrix((np.ones(len(rows), dtype=np.int64), (rows, np.repeat(cols[part], span))),
                               shape=(int(high[part].max() - base + 1), len(column)))
        incidence.data[:] = 1  # a word twice in a window counts once
        together += (incidence.T @ incidence).toarray()
    return WindowCounts(together, {word_ids[word]: j for word, j in column.items()}, int(windows.sum()))


def coherence_per_topic(result: TopicResult, ctx: MetricContext, *, measure: str, top_n: int = 10,
                        window_size: int | None = None, metric: str | None = None) -> list[float]:
    """One coherence value per topic (NaN, with a note, where it is undefined)."""
    metric = metric or measure
    values = [np.nan] * result.k
    texts = ctx.training_texts()
    if not texts:
        ctx.note(metric, "no training text: coherence undefined")
        return values
    token2id = ctx.gensim_dictionary().token2id
    present = ctx.training_words()

    topics = {}  # topic position -> its usable top words
    for k, ids in enumerate(top_word_ids(result, top_n)):
        label = f"topic {result.topic_ids[k]}"
        words = [result.vocab[i] for i in ids]
        unknown = [w for w in words if w not in token2id]
        absent = [w for w in words if w in token2id and w not in present]
        if unknown:
            ctx.note(metric, f"{label}: words not in the dictionary left out: {' '.join(unknown)}")
        if absent:
            ctx.note(metric, f"{label}: words absent from the training units left out: {' '.join(absent)}")
        kept = [w for w in words if w in token2id and w in present]
        if len(kept) < 2:
            ctx.note(metric, f"{label}: fewer than 2 usable top words, coherence undefined (NaN)")
        else:
            topics[k] = kept
    if not topics:
        return values

    word_ids = {w: token2id[w] for words in topics.values() for w in words}
    counts = count_windows(texts, word_ids, window_size if measure in WINDOWED else None)
    id_topics = [np.array([token2id[w] for w in words]) for words in topics.values()]
    pipeline = COHERENCE_MEASURES[measure]
    extra = {"topics": id_topics} if measure == "c_v" else {}
    with np.errstate(all="ignore"):  # non-finite values are checked below, topic by topic
        scores = pipeline.conf(pipeline.seg(id_topics), counts, **_CONFIRMATION_ARGS[measure], **extra)

    for (k, words), score in zip(topics.items(), scores):
        label = f"topic {result.topic_ids[k]}"
        everywhere = [w for w in words if counts[token2id[w]] == counts.num_docs]
        if measure in WINDOWED and len(everywhere) >= 2:
            ctx.note(metric, f"{label}: words {' '.join(everywhere)} occur in every window, so their NPMI is "
                             f"undefined (gensim gives -1); NaN — the corpus is too small for this measure")
        elif not np.isfinite(score):
            ctx.note(metric, f"{label}: gensim's measure returned {score}; NaN")
        else:
            values[k] = float(score)
    return values


def coherence(result: TopicResult, ctx: MetricContext, *, metric: str, measure: str, top_n: int,
              window_size: int | None = None) -> float:
    values = coherence_per_topic(result, ctx, measure=measure, top_n=top_n, window_size=window_size,
                                 metric=metric)
    finite = [v for v in values if np.isfinite(v)]
    if 0 < len(finite) < len(values):
        ctx.note(metric, f"mean over the {len(finite)} of {len(values)} topics with a defined coherence")
    return mean_or_nan(finite)


def _npmi(result, ctx, *, metric, top_n, window_size):
    return coherence(result, ctx, metric=metric, measure="c_npmi", top_n=top_n, window_size=window_size)


def _umass(result, ctx, *, metric, top_n):
    return coherence(result, ctx, metric=metric, measure="u_mass", top_n=top_n)


def _cv(result, ctx, *, metric, top_n, window_size):
    return coherence(result, ctx, metric=metric, measure="c_v", top_n=top_n, window_size=window_size)


NPMI = Metric(
    name="coherence_npmi",
    params={"top_n": 10, "window_size": 10},
    citation="Bouma 2009 (NPMI); Aletras & Stevenson 2013; Röder, Both & Hinneburg 2015 (C_NPMI); "
             "gensim's 'c_npmi' measure on the training units",
    higher_is_better=True,
    description="Mean over topics of the mean NPMI of all pairs of a topic's top_n words, with probabilities "
                "= share of sliding windows of window_size tokens (over the training units) that contain the "
                "word(s); gensim adds ε=1e-12 to joint probabilities, so a pair that never co-occurs scores "
                "between about -0.4 and -1 rather than exactly -1. Range [-1, 1]. The primary coherence.",
    function=_npmi,
)

UMASS = Metric(
    name="coherence_umass",
    params={"top_n": 10},
    citation="Mimno, Wallach, Talley, Leenders & McCallum 2011; gensim's 'u_mass' measure on the training units",
    higher_is_better=True,
    description="Mean over topics of the mean of log((D(wi,wj)/N + ε) / (D(wj)/N)) over pairs of top_n words "
                "(wj ranked above wi), D = number of training units containing the words, N = units. gensim "
                "uses ε=1e-12 instead of Mimno's +1 count, so a pair that never shares a unit contributes "
                "about -20 to -28 and dominates the mean. At most about 0; closer to 0 is better.",
    function=_umass,
)

CV = Metric(
    name="coherence_cv",
    params={"top_n": 10, "window_size": 110},
    citation="Röder, Both & Hinneburg 2015 (C_V); gensim's 'c_v' measure. UNRELIABLE: the author of its "
             "reference implementation (Palmetto) cannot reproduce the paper's C_V figures and advises "
             "against C_V, gensim's included (github.com/dice-group/Palmetto/issues/76; issues/12 shows "
             "it rating a nonsense topic above a good one)",
    higher_is_better=True,
    description="Mean over topics of the cosine between each top word's NPMI context vector and the "
                "topic's summed vector (one-set segmentation, windows of window_size tokens). Reported "
                "only to compare with studies that use it; do not choose models by it.",
    function=_cv,
    reliable=False,
)

METRICS = [NPMI, UMASS, CV]
