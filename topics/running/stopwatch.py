"""Wall-clock seconds and peak memory per stage of a run, written to timings.json for the benchmarks."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager

import psutil


class Stopwatch:
    """Wall-clock seconds per stage, written to timings.json for the benchmarks.
    Stages named "fit:<part>" or "metric:<name>" break the fit stage down; on a Dask cluster they are
    summed over the fits, so together they can exceed the stage's wall time.

    It also samples, every 0.1 s while a stage runs, the resident memory (RSS) of this process and of its
    child processes (a local Dask cluster's workers, segmentation workers): timings.json's peak_rss_mb
    holds each stage's highest sum. A shorter spike can be missed; workers of a remote cluster are not seen."""

    SAMPLE_SECONDS = 0.1

    def __init__(self, *, sample_memory: bool = False) -> None:
        self.seconds: dict[str, float] = {}
        self.peak_mb: dict[str, float] = {}
        self.sample_memory = sample_memory
        self._open: list[str] = []
        self._lock = threading.Lock()
        self._sampler: threading.Thread | None = None

    @contextmanager
    def __call__(self, stage: str):
        start = time.perf_counter()
        with self._lock:
            self._open.append(stage)
            if self.sample_memory and self._sampler is None:
                self._sampler = threading.Thread(target=self._sample_while_open, daemon=True, name="rss-sampler")
                self._sampler.start()
        try:
            yield
        finally:
            if self.sample_memory:
                self._sample()
            with self._lock:
                self._open.remove(stage)
            self.seconds[stage] = round(self.seconds.get(stage, 0.0) + time.perf_counter() - start, 3)

    def add(self, seconds: dict[str, float]) -> None:
        """Add the seconds a task measured for itself (on a worker) to this run's."""
        for stage, value in seconds.items():
            self.seconds[stage] = round(self.seconds.get(stage, 0.0) + value, 3)

    def summary(self) -> dict:
        return {**self.seconds, "peak_rss_mb": {stage: round(mb, 1) for stage, mb in self.peak_mb.items()}}

    def _sample_while_open(self) -> None:
        while True:
            time.sleep(self.SAMPLE_SECONDS)
            with self._lock:
                if not self._open:  # no stage running: stop (the next stage starts a new sampler)
                    self._sampler = None
                    return
            self._sample()

    def _sample(self) -> None:
        mb = _tree_rss_mb()
        with self._lock:
            open_stages = list(self._open)
        for stage in open_stages:
            if mb > self.peak_mb.get(stage, 0.0):
                self.peak_mb[stage] = mb


def _tree_rss_mb() -> float:
    """Resident memory of this process and its descendants, in MiB."""
    me = psutil.Process()
    total = 0
    for process in [me, *me.children(recursive=True)]:
        try:
            total += process.memory_info().rss
        except psutil.Error:  # ended between listing and reading
            pass
    return total / 2**20
