"""Segmentation speed and memory over the report corpora, and how fast each command starts.

    python benchmarks/segment.py [CORPORA] [--output results/segment.json] [--max-chars N]

CORPORA defaults to ../shared/corpora beside the project. Every folder in it is ingested into units
(topics.ingest), identical unit texts are kept once, and each stage runs in its own process so its peak
memory is its own:

  raw-jieba    jieba.lcut on every text (the reference speed)
  raw-rjieba   rjieba.cut on every text (the Rust port's own speed)
  jieba        the package's Tokenizer, segmenter "jieba", with the lexicons and every filter, no cache
  jieba-rs     the same with segmenter "jieba-rs" (the in-process path `topics run` takes)
  cli-jieba-rs `topics tokenize units.jsonl --segmenter jieba-rs --no-cache` on every unit, end to end in a
               new process: Python's start-up, imports, the dictionaries, reading units, writing tokens.jsonl
  workers-2    segmenter "jieba" in 2 worker processes (process start-up included)
  cold-cache   segmenter "jieba", filling an empty token cache
  warm-cache   the same texts again with a new Tokenizer reading that cache

Then the start-up of commands, each the best of 5 runs in a new process (wall and CPU seconds):
`topics --help`, `topics tokenize` and `topics report` up to their first step (a units file, a run folder
that is not there: everything a command loads before it works is loaded by then).

It prints a table with the machine's load beside each figure and writes JSON (default
benchmarks/results/segment.json): chars/s per stage, the ratios, peak memory, the agreement of the jieba and
jieba-rs tokens, the start-up times and the targets (jieba >= 0.9x raw jieba; jieba-rs in process >= 0.6x
raw rjieba; the jieba-rs command >= 6x raw jieba, start-up included; >= 99.9 % identical Chinese tokens;
warm cache >= 20x raw jieba; every command started in <= 0.5 s). Timings in process exclude loading the
dictionaries, except for workers-2 where starting the workers is part of the cost.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
DEFAULT_CORPORA = PROJECT.parent / "shared" / "corpora"
DEFAULT_OUTPUT = PROJECT / "benchmarks" / "results" / "segment.json"
STAGES = ("raw-jieba", "raw-rjieba", "jieba", "jieba-rs", "cli-jieba-rs", "workers-2", "cold-cache", "warm-cache")
# a command and its arguments ({work}: the stage folder), timed up to its first step
STARTUP = {
    "topics --help": ["--help"],
    "topics tokenize (to its first step)": ["tokenize", "{work}/no-such-units.jsonl", "-o", "{work}/out.jsonl"],
    "topics report (to its first step)": ["report", "{work}/no-such-run"],
}
STARTUP_RUNS = 5
STARTUP_TARGET = 0.5  # seconds
HAN = re.compile(r"[\u4e00-\u9fff]")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpora", nargs="?", default=str(DEFAULT_CORPORA), help="folder of corpora (default ../shared/corpora)")
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT), help="JSON file to write")
    parser.add_argument("--max-chars", type=int, default=0, help="use only the first N characters of unit text (0 = all)")
    parser.add_argument("--stage", choices=STAGES, help=argparse.SUPPRESS)  # internal: run one stage
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        return _run_stage(args.stage, Path(args.workdir))

    corpora = Path(args.corpora)
    if not corpora.is_dir():
        print(f"segment.py: error: {corpora}: no such folder", file=sys.stderr)
        return 2
    texts, units, unit_records = _load_texts(corpora, args.max_chars)
    chars = sum(map(len, texts))
    print(f"{len(texts):,} distinct unit texts ({units:,} units from topics.ingest, {chars:,} characters) from {corpora}")
    with tempfile.TemporaryDirectory(prefix="topics-bench-") as workdir:
        work = Path(workdir)
        (work / "texts.json").write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
        with open(work / "units.jsonl", "w", encoding="utf-8") as out:
            out.writelines(json.dumps(record, ensure_ascii=False) + "\n" for record in unit_records)
        stages = {}
        for stage in STAGES:
            stages[stage] = _spawn(stage, work)
            print(f"  {stage:<12} {stages[stage]['seconds']:8.2f} s  (load {stages[stage]['load']:.2f})")
        agreement = _agreement(work / "tokens-jieba.pkl", work / "tokens-jieba-rs.pkl")
        startup = {name: _startup(command, work) for name, command in STARTUP.items()}
    report = _report(corpora, texts, units, stages, agreement, startup)
    _print_table(report)
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"wrote {output}")
    return 0


def _load_texts(corpora: Path, max_chars: int) -> tuple[list[str], int, list[dict]]:
    """The distinct unit texts, the number of units, and the records of the units holding those texts
    (what `topics tokenize` reads)."""
    from topics.ingest import ingest_paths

    folders = sorted(p for p in corpora.iterdir() if p.is_dir())
    units = ingest_paths([str(f) for f in folders]).units
    texts, total = [], 0
    for text in dict.fromkeys(unit.text for unit in units):  # distinct, in order
        if max_chars and total >= max_chars:
            break
        texts.append(text)
        total += len(text)
    kept = set(texts)
    return texts, len(units), [unit.to_json() for unit in units if unit.text in kept]


def _spawn(stage: str, work: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--stage", stage, "--workdir", str(work)],
        capture_output=True, text=True, cwd=PROJECT,
    )
    if proc.returncode != 0:
        raise SystemExit(f"stage {stage} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _run_stage(stage: str, work: Path) -> int:
    load = os.getloadavg()[0]
    if stage == "cli-jieba-rs":  # the whole command in a new process, as a user runs it
        command = [sys.executable, "-m", "topics", "tokenize", str(work / "units.jsonl"), "-o", str(work / "tokens.jsonl"),
                   "--segmenter", "jieba-rs", "--no-cache"]
        clock = _Clock()
        subprocess.run(command, check=True, capture_output=True, cwd=PROJECT)
        seconds, cpu_seconds = clock.read()
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(json.dumps({"seconds": seconds, "cpu_seconds": cpu_seconds, "peak_mb": peak_kb / 1024, "load": load}))
        return 0
    texts = json.loads((work / "texts.json").read_text(encoding="utf-8"))
    tokens = None
    if stage == "raw-rjieba":
        import rjieba

        rjieba.cut("预热")  # load the dictionary before timing
        clock = _Clock()
        tokens = [rjieba.cut(text) for text in texts]
        seconds, cpu_seconds = clock.read()
    elif stage == "raw-jieba":
        import jieba

        jieba.setLogLevel(60)
        jieba.initialize()
        clock = _Clock()
        tokens = [jieba.lcut(text) for text in texts]
        seconds, cpu_seconds = clock.read()
    else:
        from topics.tokenize import Tokenizer, TokenizerSettings

        segmenter = "jieba-rs" if stage == "jieba-rs" else "jieba"
        cached = stage in ("cold-cache", "warm-cache")
        tokenizer = Tokenizer(
            TokenizerSettings(segmenter=segmenter), cache_dir=work / "cache", cache=cached,
            workers=2 if stage == "workers-2" else 1,
        )
        if stage != "workers-2" and stage != "warm-cache":
            tokenizer.explain("预热")  # load the dictionaries before timing
        clock = _Clock()
        tokens = tokenizer.tokenize(texts)
        seconds, cpu_seconds = clock.read()
        if stage == "warm-cache":
            assert tokenizer.stats["segmented"] == 0, "warm cache segmented text"
    if stage in ("jieba", "jieba-rs"):
        with open(work / f"tokens-{stage}.pkl", "wb") as out:
            pickle.dump(tokens, out)
    peak_kb = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu_seconds, "peak_mb": peak_kb / 1024, "load": load}))
    return 0


class _Clock:
    """Wall seconds, and CPU seconds of this process and the children it waited for: on a machine shared
    with other work the CPU seconds say what the work cost, the wall seconds what it took."""

    def __init__(self):
        self.wall, self.cpu = time.perf_counter(), _cpu()

    def read(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, _cpu() - self.cpu


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _startup(command: list[str], work: Path) -> dict:
    """The best of STARTUP_RUNS runs of a command in a new process: wall and CPU seconds, and the load."""
    argv = [sys.executable, "-m", "topics", *(part.format(work=work) for part in command)]
    wall, cpu, load = [], [], os.getloadavg()[0]
    for _ in range(STARTUP_RUNS):
        clock = _Clock()
        subprocess.run(argv, capture_output=True, cwd=PROJECT)  # the first-step runs end with an error, as meant
        seconds, cpu_seconds = clock.read()
        wall.append(seconds)
        cpu.append(cpu_seconds)
    return {"seconds": min(wall), "cpu_seconds": min(cpu), "load": load}


def _agreement(jieba_file: Path, rs_file: Path) -> dict:
    with open(jieba_file, "rb") as a, open(rs_file, "rb") as b:
        py, rs = pickle.load(a), pickle.load(b)
    shared = total = same_units = 0
    differences = Counter()
    for x, y in zip(py, rs):
        cx = Counter(t for t in x if HAN.search(t))
        cy = Counter(t for t in y if HAN.search(t))
        shared += sum((cx & cy).values())
        total += max(sum(cx.values()), sum(cy.values()))
        same_units += x == y
        differences.update({f"jieba:{t}": n for t, n in (cx - cy).items()})
        differences.update({f"jieba-rs:{t}": n for t, n in (cy - cx).items()})
    return {
        "chinese_tokens": total,
        "identical_chinese_tokens_pct": 100.0 * shared / total if total else 100.0,
        "identical_units_pct": 100.0 * same_units / len(py) if py else 100.0,
        "top_differences": differences.most_common(10),
    }


def _report(corpora, texts, units, stages, agreement, startup) -> dict:
    chars = sum(map(len, texts))
    raw, raw_rs = stages["raw-jieba"], stages["raw-rjieba"]
    for stage in stages.values():
        stage["chars_per_s"] = chars / stage["seconds"]
        for clock in ("seconds", "cpu_seconds"):
            suffix = "" if clock == "seconds" else "_cpu"
            stage["x_raw_jieba" + suffix] = raw[clock] / stage[clock]
            stage["x_raw_rjieba" + suffix] = raw_rs[clock] / stage[clock]

    def targets_by(suffix: str, clock: str) -> dict:
        return {
            "jieba >= 0.9x raw jieba": stages["jieba"]["x_raw_jieba" + suffix] >= 0.9,
            "jieba-rs in process >= 0.6x raw rjieba": stages["jieba-rs"]["x_raw_rjieba" + suffix] >= 0.6,
            "jieba-rs command >= 6x raw jieba (start-up included)": stages["cli-jieba-rs"]["x_raw_jieba" + suffix] >= 6,
            "jieba-rs identical chinese tokens >= 99.9%": agreement["identical_chinese_tokens_pct"] >= 99.9,
            "warm cache >= 20x raw jieba": stages["warm-cache"]["x_raw_jieba" + suffix] >= 20,
            f"every command starts in <= {STARTUP_TARGET} s": max(e[clock] for e in startup.values()) <= STARTUP_TARGET,
        }

    targets = {"wall": targets_by("", "seconds"), "cpu": targets_by("_cpu", "cpu_seconds")}
    return {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "load_average_at_end": os.getloadavg(), "python": platform.python_version(),
                    "jieba": version("jieba"), "rjieba": version("rjieba")},
        "corpus": {"path": str(corpora), "units": units, "distinct_texts": len(texts), "chars": chars},
        "stages": stages,
        "agreement_jieba_vs_jieba_rs": agreement,
        "startup": startup,
        "targets": targets,
    }


def _print_table(report: dict) -> None:
    print(f"\n{'':<13} {'wall':-^47} {'CPU':-^29}")
    print(f"{'stage':<13} {'seconds':>8} {'chars/s':>12} {'x raw jieba':>12} {'x raw rjieba':>12} "
          f"{'seconds':>8} {'x jieba':>9} {'x rjieba':>10} {'peak MB':>8} {'load':>5}")
    for name, stage in report["stages"].items():
        print(f"{name:<13} {stage['seconds']:8.2f} {stage['chars_per_s']:12,.0f} {stage['x_raw_jieba']:12.2f} "
              f"{stage['x_raw_rjieba']:12.2f} {stage['cpu_seconds']:8.2f} {stage['x_raw_jieba_cpu']:9.2f} "
              f"{stage['x_raw_rjieba_cpu']:10.2f} {stage['peak_mb']:8.0f} {stage['load']:5.2f}")
    print(f"\n{'start-up (best of ' + str(STARTUP_RUNS) + ')':<38} {'seconds':>8} {'CPU s':>6} {'load':>5}")
    for name, entry in report["startup"].items():
        print(f"{name:<38} {entry['seconds']:8.2f} {entry['cpu_seconds']:6.2f} {entry['load']:5.2f}")
    agreement = report["agreement_jieba_vs_jieba_rs"]
    print(f"\njieba vs jieba-rs: {agreement['identical_chinese_tokens_pct']:.4f} % identical Chinese tokens "
          f"({agreement['chinese_tokens']:,}), {agreement['identical_units_pct']:.2f} % identical units")
    print("targets (wall seconds / CPU seconds):")
    for target, met in report["targets"]["wall"].items():
        on_cpu = report["targets"]["cpu"][target]
        print(f"  {'met ' if met else 'MISS'} / {'met ' if on_cpu else 'MISS'}  {target}")
    print(f"load average at the end: {report['machine']['load_average_at_end']} on {report['machine']['cpus']} CPUs")


if __name__ == "__main__":
    sys.exit(main())
