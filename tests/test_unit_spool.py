"""The run's units on disk while it prepares them (topics.running.unit_spool)."""

from __future__ import annotations

import gc
import warnings

import pytest

from topics.ingest import ingest_paths
from topics.running.unit_spool import BLOCK, UnitSpool


def test_units_come_back_as_they_went_in(sample_path):
    units = ingest_paths([sample_path]).units
    # a text with the line breaks that JSON writes as they are (U+2028, NEL) beside those it escapes
    odd = units[3].__class__(**{**units[3].to_json(), "span": tuple(units[3].span),
                                "text": "一行\n两行\u2028三行\x85四行\r五行"})
    spool = UnitSpool([*units, odd])
    assert len(spool) == len(units) + 1
    assert list(spool) == [*units, odd] and spool[-1] == odd and spool[2] == units[2]
    assert list(spool.texts()) == [unit.text for unit in [*units, odd]]
    assert spool.unit_ids == [unit.unit_id for unit in [*units, odd]]
    assert spool.weak_labels == [unit.weak_label for unit in [*units, odd]]
    with pytest.raises(IndexError):
        spool[len(spool)]


def test_reading_by_index_inside_a_reading_in_order_and_appending_after(sample_path):
    units = ingest_paths([sample_path]).units
    many = [units[i % len(units)] for i in range(2 * BLOCK + 5)]  # more than two blocks
    spool = UnitSpool()
    for unit in many[:BLOCK]:
        spool.append(unit)
    assert spool[BLOCK - 1] == many[BLOCK - 1]  # read before the rest is appended
    for unit in many[BLOCK:]:
        spool.append(unit)
    seen = [(unit, spool[(i * 7) % len(spool)]) for i, unit in enumerate(spool)]
    assert [unit for unit, _ in seen] == many
    assert all(other == many[(i * 7) % len(many)] for i, (_, other) in enumerate(seen))
    spool.close()


def test_a_spool_and_an_ingest_leave_no_temporary_file_open(sample_path):
    """Both keep a temporary file (the units; the twin search's shingle sets): closed when done with, or when
    no longer referenced, never left to the file's own finaliser (a ResourceWarning)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        spool = UnitSpool(ingest_paths([sample_path]).units)
        assert len(list(spool)) == len(spool)
        del spool
        gc.collect()
    assert not [str(warning.message) for warning in caught if issubclass(warning.category, ResourceWarning)]
