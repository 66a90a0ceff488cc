"""How long the shipped pretrained model takes to assign 10,000 units on one core.

    python benchmarks/assign_pretrained.py [CORPORA] [--units 10000] [--output results/assign_pretrained.json]

The units are the first N units (headings left out) of the report corpora (default ../shared/corpora beside
the project), read once beforehand. The process is pinned to one CPU with one BLAS thread, and the token cache
is off, so every unit is segmented afresh. Two measurements:

  in process   loading the model, segmenting (jieba-rs, as the model was trained), the classifier's
               probabilities, each unit's theme with its section and heading (what `topics assign` does
               after reading its input), with CPU seconds beside the wall time;
  command      `topics assign UNITS.jsonl -o OUT.csv` end to end in a new process (Python start-up, imports,
               reading the units and writing the table included), with its CPU seconds.

Target: 10,000 units in 10 s or less. On a machine shared with other work the wall times include waiting for
the core; the CPU seconds are what the work itself costs. It prints a table and writes JSON (default
benchmarks/results/assign_pretrained.json).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
DEFAULT_CORPORA = PROJECT.parent / "shared" / "corpora"
DEFAULT_OUTPUT = PROJECT / "benchmarks" / "results" / "assign_pretrained.json"
TARGET_SECONDS = 10.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpora", nargs="?", default=str(DEFAULT_CORPORA))
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT))
    args = parser.parse_args()
    corpora = Path(args.corpora)
    if not corpora.is_dir():
        print(f"assign_pretrained.py: error: {corpora}: no such folder", file=sys.stderr)
        return 2
    cpu = sorted(os.sched_getaffinity(0))[0]
    os.sched_setaffinity(0, {cpu})  # one core, for this process and the command it starts

    from threadpoolctl import threadpool_limits

    from topics.assignment import assignments
    from topics.ingest import ingest_paths, write_units
    from topics.models import load_pretrained
    from topics.tokenize import Tokenizer, settings_for_new_text

    folders = sorted(p for p in corpora.iterdir() if p.is_dir() and not p.name.endswith("_raw"))
    units = [u for folder in folders for u in ingest_paths([str(folder)]).units if u.kind != "heading"][:args.units]
    chars = sum(len(u.text) for u in units)
    print(f"{len(units):,} units, {chars:,} characters, from {', '.join(f.name for f in folders)}; one CPU ({cpu})")

    seconds = {}
    with threadpool_limits(limits=1):
        wall, cpu_start = time.perf_counter(), time.process_time()
        clock = time.perf_counter()
        model = load_pretrained()
        settings = settings_for_new_text(model.tokenizer_settings_, "pretrained")
        tokenizer = Tokenizer(settings, lexicon_words=model.lexicon_.words(), cache=False)
        tokenizer.tokenize(["载入词典。"])  # the segmenter's dictionary, loaded once per process
        seconds["load model and dictionary"] = time.perf_counter() - clock
        clock = time.perf_counter()
        tokens = tokenizer.tokenize([u.text for u in units])
        seconds["segment"] = time.perf_counter() - clock
        clock = time.perf_counter()
        doc_topic, known = model.transform(tokens), model.known_tokens(tokens)
        seconds["classify"] = time.perf_counter() - clock
        clock = time.perf_counter()
        table = assignments(model.result_, units, doc_topic=doc_topic, known_tokens=known)
        seconds["themes in context"] = time.perf_counter() - clock
        seconds["in process, total"] = time.perf_counter() - wall
        seconds["in process, CPU"] = time.process_time() - cpu_start
    assert len(table) == len(units)

    with tempfile.TemporaryDirectory() as tmp:
        units_file = write_units(units, Path(tmp) / "units.jsonl")
        env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "TOPICS_CACHE_DIR": str(Path(tmp) / "cache")}  # an empty cache: every unit segmented afresh
        clock, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-m", "topics", "assign", str(units_file), "-o", str(Path(tmp) / "out.csv"),
                        "--no-progress"], check=True, env=env, capture_output=True)
        seconds["command, total"] = time.perf_counter() - clock
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        seconds["command, CPU"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

    width = max(map(len, seconds))
    for stage, value in seconds.items():
        print(f"  {stage:{width}}  {value:6.2f} s")
    worst = max(seconds["in process, total"], seconds["command, total"])
    print(f"target: {len(units):,} units in <= {TARGET_SECONDS:.0f} s on one core: "
          f"{'met' if worst <= TARGET_SECONDS else 'NOT met'} (slowest wall time {worst:.2f} s, load average "
          f"{os.getloadavg()[0]:.1f})")
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps({"units": len(units), "chars": chars, "seconds": {k: round(v, 3) for k, v in seconds.items()},
                                  "target_seconds": TARGET_SECONDS, "met": worst <= TARGET_SECONDS,
                                  "machine": platform.platform(), "load_average": os.getloadavg(),
                                  "when": datetime.now(timezone.utc).isoformat(timespec="seconds")}, indent=1),
                      encoding="utf-8")
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
