"""The shared vocabulary: gensim Dictionary and CSR matrix with the same ids, frequency filters,
empty units excluded and counted."""

from __future__ import annotations

import numpy as np
import pytest

from model_helpers import sample_units_and_tokens
from topics.errors import InputError
from topics.token_table import TokenTable
from topics.vectorize import build_corpus, count_matrix, csr_to_bow


@pytest.fixture(scope="module")
def tokens():
    return sample_units_and_tokens()[1]


def test_dictionary_and_matrix_share_ids(tokens):
    corpus = build_corpus(tokens, no_below=1, no_above=1.0)
    assert corpus.vocab == [corpus.dictionary[i] for i in range(len(corpus.dictionary))]
    assert corpus.matrix.shape == (len(corpus.kept), len(corpus.vocab))
    for row, unit_index in enumerate(corpus.kept):
        # every count in the matrix is the count of that word in that unit's tokens
        unit_tokens = tokens[unit_index]
        for term_id, count in corpus.bow[row]:
            assert corpus.matrix[row, term_id] == count == unit_tokens.count(corpus.vocab[term_id])
    assert csr_to_bow(corpus.matrix) == list(corpus.bow) == corpus.bow[:]
    assert corpus.term_frequency.sum() == corpus.doc_lengths.sum() == sum(len(t) for t in tokens)


def test_frequency_filters(tokens):
    corpus = build_corpus(tokens, no_below=2, no_above=0.5)
    df = np.asarray((corpus.matrix > 0).sum(axis=0)).ravel()
    n_units = sum(1 for t in tokens if t)
    assert df.min() >= 2
    assert df.max() <= 0.5 * n_units
    every = build_corpus(tokens, no_below=1, no_above=1.0)
    assert len(corpus.vocab) < len(every.vocab)
    top = build_corpus(tokens, no_below=1, no_above=1.0, keep_n=25)
    assert len(top.vocab) == 25
    kept_df = np.asarray((top.matrix > 0).sum(axis=0)).ravel()
    all_df = np.sort(np.asarray((every.matrix > 0).sum(axis=0)).ravel())[::-1]
    assert kept_df.min() >= all_df[24]  # the 25 most widespread terms are kept


def test_empty_and_out_of_vocabulary_units_are_excluded_and_counted(tokens):
    lists = [[], tokens[2], ["孤词"], [], tokens[3], tokens[4]]
    corpus = build_corpus(lists, no_below=2, no_above=1.0)
    assert corpus.excluded_empty == 2
    assert corpus.excluded_out_of_vocabulary == 1  # 孤词 appears once: filtered by no_below=2
    assert corpus.kept.tolist() == [1, 4, 5]
    assert corpus.matrix.shape[0] == 3


def test_vectorize_new_text_ignores_unknown_words(tokens):
    corpus = build_corpus(tokens, no_below=1, no_above=1.0)
    word = corpus.vocab[0]
    counts = corpus.vectorize([[word, word, "不在词表里的词"], []])
    assert counts.shape == (2, len(corpus.vocab))
    assert counts[0, 0] == 2 and counts.sum() == 2
    assert count_matrix([], corpus.vocab).shape == (0, len(corpus.vocab))


def test_empty_vocabulary_is_an_input_error(tokens):
    with pytest.raises(InputError, match="vocabulary is empty after filtering.*no_below=1000"):
        build_corpus(tokens, no_below=1000)
    with pytest.raises(InputError, match="all 2 units are empty"):
        build_corpus([[], []])


@pytest.mark.parametrize(
    "params, key",
    [({"no_below": 0}, "no_below"), ({"no_above": 0}, "no_above"), ({"no_above": 1.5}, "no_above"),
     ({"keep_n": 0}, "keep_n"), ({"no_below": 2.5}, "no_below")],
)
def test_bad_filter_values_name_the_key(tokens, params, key):
    with pytest.raises(InputError, match=f"vocabulary.{key} must be"):
        build_corpus(tokens, **params)


def test_kept_words_pass_the_filters_and_unused_ones_join_with_count_zero(tokens):
    filtered = build_corpus(tokens, no_below=3, no_above=0.3)
    rare = next(w for w in build_corpus(tokens, no_below=1, no_above=1.0).vocab if w not in filtered.vocab)
    corpus = build_corpus(tokens, no_below=3, no_above=0.3, keep_words=[rare, "不在样本里的词甲", "不在样本里的词乙", rare])
    assert rare in corpus.vocab[:corpus.seen]  # used by the corpus: kept through no_below, with its count
    assert corpus.term_frequency[corpus.vocab.index(rare)] == sum(t.count(rare) for t in tokens)
    assert corpus.vocab[corpus.seen:] == ["不在样本里的词甲", "不在样本里的词乙"] and corpus.unseen == 2
    assert (corpus.term_frequency[:corpus.seen] > 0).all() and (corpus.term_frequency[corpus.seen:] == 0).all()
    assert corpus.matrix.shape[1] == len(corpus.vocab) == len(corpus.dictionary)
    assert corpus.dictionary.token2id["不在样本里的词乙"] == len(corpus.vocab) - 1
    assert corpus.vectorize([["不在样本里的词乙", "不在样本里的词甲", "不在样本里的词乙"]]).toarray()[0, -2:].tolist() == [1, 2]
    plain = corpus.without_unseen()  # what models that cannot use such words are fitted on
    assert plain.vocab == corpus.vocab[:corpus.seen] and plain.unseen == 0 and list(plain.bow) == list(corpus.bow)
    assert plain.dictionary.token2id == {word: i for i, word in enumerate(plain.vocab)}
    assert (plain.matrix != corpus.matrix[:, :corpus.seen]).nnz == 0
    assert len(corpus.dictionary) == len(corpus.vocab)  # the original is left as it was


def test_kept_words_do_not_hide_an_empty_vocabulary(tokens):
    with pytest.raises(InputError, match="vocabulary is empty after filtering"):
        build_corpus(tokens, no_below=1000, keep_words=["不在样本里的词甲"])


def test_a_token_table_gives_the_corpus_that_token_lists_give(tokens):
    """The runner hands the vocabulary stage a token table (ids on disk or in one array), not lists."""
    from_lists = build_corpus(tokens, no_below=2, no_above=0.5)
    from_table = build_corpus(TokenTable.build(tokens), no_below=2, no_above=0.5)
    assert from_table.vocab == from_lists.vocab and list(from_table.kept) == list(from_lists.kept)
    assert (from_table.matrix != from_lists.matrix).nnz == 0


def test_gensim_lda_learns_the_same_topics_from_the_streamed_rows_as_from_lists(tokens):
    """corpus.bow is read from the count matrix as gensim asks for it (no copy of the corpus in lists);
    gensim's LDA, which reads it in chunks, learns exactly what it learns from lists of the same rows."""
    from gensim.models import LdaModel

    corpus = build_corpus(tokens, no_below=2, no_above=0.5)
    assert not isinstance(corpus.bow, list)

    def topics(rows):
        return LdaModel(rows, id2word=corpus.dictionary, num_topics=4, chunksize=50, passes=2,
                        random_state=3, dtype=np.float64).get_topics()

    assert np.array_equal(topics(corpus.bow), topics(csr_to_bow(corpus.matrix)))
