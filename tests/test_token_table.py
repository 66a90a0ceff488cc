"""The token table keeps every unit's tokens exactly, in memory and on disk, on real report text."""

import pickle

import pytest

from model_helpers import sample_units_and_tokens
from topics.token_table import TokenTable, TokenTableBuilder


@pytest.fixture(scope="module")
def rows():
    return sample_units_and_tokens()[1]


def test_rows_read_back_as_given(rows):
    table = TokenTable.build(rows)
    assert len(table) == len(rows) and list(table) == rows
    assert [table[i] for i in range(len(rows))] == rows and table[-1] == rows[-1]
    assert table.lengths().tolist() == [len(row) for row in rows]
    assert len(table.words) == len({token for row in rows for token in row})  # each distinct token once
    with pytest.raises(IndexError):
        table[len(rows)]


def test_built_batch_by_batch_equals_built_at_once(rows):
    builder = TokenTableBuilder()
    for start in range(0, len(rows), 7):
        builder.extend(rows[start:start + 7])
    assert list(builder.table()) == list(TokenTable.build(rows))


def test_take_keeps_the_chosen_rows_in_order(rows):
    table = TokenTable.build(rows)
    chosen = [5, 0, 3, 3]
    assert list(table.take(chosen)) == [rows[i] for i in chosen]
    assert list(table[2:6]) == rows[2:6]
    assert list(table.take([])) == []


def test_saved_table_loads_memory_mapped_and_pickles(rows, tmp_path):
    table = TokenTable.build(rows)
    table.save(tmp_path / "tokens")
    loaded = TokenTable.load(tmp_path / "tokens")
    assert list(loaded) == rows
    assert list(pickle.loads(pickle.dumps(table))) == rows
