"""measure(): the value, the wall time and the extra resident memory of one call."""

from __future__ import annotations

import time

import numpy as np
import pytest

from topics.metrics import measure

MIB = 2**20


def _allocate(mib: int) -> float:
    block = np.ones(mib * MIB // 8)  # np.ones writes every page, so all of it becomes resident
    return float(block[-1])


def test_value_arguments_and_time_pass_through():
    value, seconds, _ = measure(lambda x, y=0: (time.sleep(0.05), x + y)[1], 2, y=3)
    assert value == 5
    assert seconds >= 0.05


def test_peak_memory_counts_a_numpy_allocation_even_after_it_is_freed():
    # 64 MiB allocated inside the call and freed before it returns: the peak still shows it, each time.
    for _ in range(2):
        value, _, peak = measure(_allocate, 64)
        assert value == 1.0
        assert 60 <= peak <= 64 + 32
    _, _, idle = measure(lambda: None)
    assert idle == pytest.approx(0, abs=8)
