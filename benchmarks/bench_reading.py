"""Speed of corpus reading: the real corpora (when ../shared/corpora is present) and a 10 MB one-line
file in each common encoding. Prints seconds and MB/s.

    python benchmarks/bench_reading.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from topics.reading import read_documents

PROJECT = Path(__file__).resolve().parent.parent
SAMPLE = PROJECT / "corpora" / "xining_chengxi_2024.txt"
SHARED_CORPORA = PROJECT.parent / "shared" / "corpora"


def timed(paths: list[Path]) -> tuple[float, int]:
    start = time.perf_counter()
    result = read_documents(paths)
    return time.perf_counter() - start, len(result.documents)


def main() -> None:
    if SHARED_CORPORA.is_dir():
        megabytes = sum(p.stat().st_size for p in SHARED_CORPORA.rglob("*.txt")) / 1e6
        seconds, count = timed([SHARED_CORPORA])
        print(f"shared corpora: {count} documents, {megabytes:.1f} MB in {seconds:.2f} s ({megabytes / seconds:.0f} MB/s)")
    one_line = SAMPLE.read_text(encoding="utf-8").replace("\n", "")
    with tempfile.TemporaryDirectory() as folder:
        for encoding in ("utf-8", "gb18030", "utf-16"):
            repeats = 10_000_000 // len(one_line.encode(encoding))
            data = (one_line * repeats).encode(encoding)  # about 10 MB, no line breaks
            path = Path(folder) / f"huge_{encoding}.txt"
            path.write_bytes(data)
            seconds, _ = timed([path])
            print(f"one-line file, {encoding}: {len(data) / 1e6:.1f} MB in {seconds:.2f} s ({len(data) / 1e6 / seconds:.0f} MB/s)")


if __name__ == "__main__":
    main()
