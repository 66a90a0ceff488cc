"""Wall time and peak memory of one call (the runner's fit_seconds and peak_mb).

Memory is the process's resident set (RSS), read from Linux's /proc/self/status: the peak RSS during
the call (VmHWM, whose high-water mark is reset just before the call through /proc/self/clear_refs)
minus the RSS when the call started. That is the extra memory the machine really had to provide,
whoever allocated it — numpy, scipy, gensim's C code, BLAS buffers, threads.

tracemalloc was measured and rejected: it slows gensim's LdaModel about sevenfold (its many small
numpy allocations are each traced), which would falsify the time measured in the same call, and it
misses memory allocated outside Python's and numpy's allocators.

Limits: memory freed earlier but kept by the C allocator can be reused without raising RSS, so the
figure is a lower bound (we ask glibc to hand free memory back first, which makes this small); where
the peak cannot be reset (not Linux) it falls back to how much the call raised the process's lifetime
peak (getrusage), a lower bound too.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import resource
import sys
import time
from pathlib import Path

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def _status_kib(field: str) -> int:
    for line in _STATUS.read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise OSError(f"{field} not in {_STATUS}")


def _reset_peak() -> bool:
    try:
        _CLEAR_REFS.write_text("5")  # "5": reset the peak RSS to the current RSS (Linux >= 4.0)
        _status_kib("VmHWM")
        return True
    except OSError:
        return False


def _release_free_memory() -> None:
    """Ask glibc to return freed heap memory to the system, so reused memory shows as new RSS."""
    name = ctypes.util.find_library("c")
    try:
        ctypes.CDLL(name).malloc_trim(0)
    except (OSError, AttributeError, TypeError):
        pass  # not glibc: nothing to trim


def _lifetime_peak_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB elsewhere


def measure(fn, *args, **kwargs):
    """Call ``fn(*args, **kwargs)``; return (its value, wall seconds, peak extra memory in MiB)."""
    _release_free_memory()
    resettable = _reset_peak()
    start_rss = _status_kib("VmRSS") / 1024 if resettable else 0.0
    start_peak = _lifetime_peak_mib()
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    seconds = time.perf_counter() - start
    if resettable:
        peak_mb = _status_kib("VmHWM") / 1024 - start_rss
    else:
        peak_mb = _lifetime_peak_mib() - start_peak
    return value, seconds, max(0.0, peak_mb)
