"""How cost grows with the corpus: the same experiment on 1x, 2x, 4x … the real corpora, per stage
seconds and peak memory, and the fitted exponent b of cost ≈ a · size^b for each stage.

    python benchmarks/scaling.py [--corpora ../shared/corpora] [--factors 1,2,4] [--scheduler serial|local|tcp://host:port] [--workers 2]
                                 [--seeds 2] [--report] [--output FILE] [--keep DIR]

1x is every corpus under ../shared/corpora. Larger sizes add copies of it in a temporary folder outside the
project: copy c of a corpus folder is named <folder>_c<c>, so its documents get new ids, and a space and c
end every line, so no unit text repeats an earlier one (tokenizing drops the space and the number, so the
copies cost what the originals cost; identical texts would be segmented once). Each size runs as its own
`python -m topics run` process with an empty token cache (cold), so every figure is that run's own.

Seconds per stage and the peak resident memory of each stage (the run process and its children, sampled)
come from the run's timings.json. The exponent is the least-squares slope of log(cost) on log(characters):
1 is linear; above 1, cost grows faster than the corpus. The figures go to the screen and to JSON (default
benchmarks/results/scaling_<scheduler>.json) with the machine's load average, since other work on the
machine slows every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from topics.tomlfile import to_toml

PROJECT = Path(__file__).resolve().parent.parent
CORPORA = PROJECT.parent / "shared" / "corpora"
STAGES = ("ingest", "tokenize", "vocabulary", "fit", "tables", "validation", "inference", "report", "total")

# a smaller grid than the cities experiment, so that 4x fits in a benchmark session
MODELS = {
    "dictionary": {},
    "lda": {"k": 10},
    "nmf": {"k": 10},
    "seeded-lda": {"k": 7},
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", type=Path, default=CORPORA, help="folder of corpus folders (default: %(default)s)")
    parser.add_argument("--factors", default="1,2,4", help="corpus sizes, as multiples of the real corpora (default: %(default)s)")
    parser.add_argument("--scheduler", default="serial", help="run.scheduler of every run (default: %(default)s)")
    parser.add_argument("--workers", type=int, default=2, help="run.workers of every run (default: %(default)s)")
    parser.add_argument("--seeds", type=int, default=2, help="seeds per model (default: %(default)s)")
    parser.add_argument("--report", action="store_true", help="include the report stage (plots, LDAvis, report.html)")
    parser.add_argument("--output", type=Path, default=None, help="JSON file (default: benchmarks/results/scaling_<scheduler>.json)")
    parser.add_argument("--keep", type=Path, default=None, help="keep corpora copies, caches and runs in this new folder")
    args = parser.parse_args()
    if not args.corpora.is_dir():
        print(f"scaling.py: error: {args.corpora}: no such folder (the real corpora)", file=sys.stderr)
        return 2
    try:
        factors = sorted({int(f) for f in args.factors.split(",") if f.strip()})
    except ValueError:
        factors = []
    if not factors or factors[0] < 1:
        print(f"scaling.py: error: --factors: whole numbers >= 1, got {args.factors!r}", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="topics-scaling-")) if args.keep is None else args.keep
    if args.keep is not None:
        work.mkdir(parents=True, exist_ok=False)
    originals = sorted(path for path in args.corpora.iterdir() if path.is_dir())
    load_before = os.getloadavg()
    print(f"corpora: {', '.join(path.name for path in originals)}; scheduler {args.scheduler}; work folder {work}")
    output = args.output or PROJECT / "benchmarks" / "results" / f"scaling_{_slug(args.scheduler)}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    rows = []
    try:
        copies = {c: [_copy(folder, c, work / "copies") for folder in originals] for c in range(1, factors[-1])}
        for factor in factors:
            paths = list(originals) + [path for c in range(1, factor) for path in copies[c]]
            row = _run(factor, paths, args, work)
            rows.append(row)
            if row["exit_code"] != 0:
                print(f"scaling.py: the {factor}x run failed (exit {row['exit_code']}); log: {row['log']}", file=sys.stderr)
                return 1
            print(f"  {factor}x  {row['characters']:>12,} characters  {row['wall_seconds']:8.1f} s  "
                  f"peak RSS {max(row['peak_rss_mb'].values()):7.0f} MB")
            # written after every size, so a long series keeps what it measured if stopped
            output.write_text(json.dumps(_report(rows, args, load_before), ensure_ascii=False, indent=2), encoding="utf-8")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)

    report = _report(rows, args, load_before)
    _print(report)
    output.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"wrote {output}")
    return 0


def _copy(folder: Path, c: int, into: Path) -> Path:
    """Copy c of a corpus folder, made once: new document ids (the folder name) and distinct unit texts."""
    target = into / f"{folder.name}_c{c}"
    if target.is_dir():
        return target
    partial = into / f"{folder.name}_c{c}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    for path in folder.iterdir():
        if path.suffix == ".txt":  # bytes: the files are UTF-8 or GBK, both ASCII-compatible
            lines = path.read_bytes().split(b"\n")
            tag = f" {c}".encode("ascii")
            (partial / path.name).write_bytes(b"\n".join(line + tag if line.strip() else line for line in lines))
        elif path.is_file():
            shutil.copy2(path, partial / path.name)  # MANIFEST.tsv, README.md
    partial.rename(target)
    return target


def _run(factor: int, paths: list[Path], args, work: Path) -> dict:
    """One cold `topics run` of the experiment on these folders, in its own process."""
    folder = work / f"x{factor}"
    folder.mkdir(parents=True, exist_ok=True)
    config = {
        "run": {"name": f"scaling_x{factor}", "seeds": list(range(1, args.seeds + 1)), "progress": False,
                "scheduler": args.scheduler, "workers": args.workers},
        "corpus": {"paths": [str(path) for path in paths]},
        "vocabulary": {"no_below": 5, "no_above": 0.3, "keep_n": 20000},
        "models": MODELS,
        "report": {"enabled": bool(args.report)},
    }
    config_path = folder / "config.toml"
    config_path.write_text(to_toml(config), encoding="utf-8")
    run_dir, log = folder / "run", folder / "run.log"
    env = {**os.environ, "TOPICS_CACHE_DIR": str(folder / "cache")}
    command = [sys.executable, "-m", "topics", "run", str(config_path), "-o", str(run_dir), "--no-progress"]
    start = time.perf_counter()
    with log.open("w", encoding="utf-8") as handle:
        process = subprocess.Popen(command, cwd=PROJECT, env=env, stdout=handle, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
    row = {"factor": factor, "exit_code": os.waitstatus_to_exitcode(status), "log": str(log),
           "wall_seconds": round(time.perf_counter() - start, 2), "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2)}
    if row["exit_code"] != 0:
        return row
    del row["log"]  # a temporary folder's file: only a failed run's is worth showing
    timings = json.loads((run_dir / "timings.json").read_text(encoding="utf-8"))
    summary = json.loads((run_dir / "corpus_summary.json").read_text(encoding="utf-8"))
    units = [json.loads(line) for line in (run_dir / "units.jsonl").read_text(encoding="utf-8").splitlines()]
    row.update({
        "characters": sum(len(unit["text"]) for unit in units),
        "documents": summary["documents"], "units": summary["units"], "tokens": summary["tokens"],
        "vocabulary": summary["vocabulary"],
        "seconds": {stage: timings[stage] for stage in STAGES if stage in timings},
        "peak_rss_mb": timings.get("peak_rss_mb", {}),
    })
    if args.keep is None:
        shutil.rmtree(folder)  # a run of 4x is large: keep only its figures
    return row


def _exponent(sizes: list[float], costs: list[float]) -> float | None:
    """The slope b of log(cost) = log(a) + b log(size); None with fewer than two sizes or a zero cost."""
    if len(sizes) < 2 or min(costs) <= 0:
        return None
    return round(float(np.polyfit(np.log(sizes), np.log(costs), 1)[0]), 2)


def _report(rows: list[dict], args, load_before) -> dict:
    sizes = [row["characters"] for row in rows]
    stages = [stage for stage in STAGES if all(stage in row["seconds"] for row in rows)]
    memory = [stage for stage in STAGES if all(stage in row["peak_rss_mb"] for row in rows)]
    largest = rows[-1]
    return {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "load_average_before": [round(v, 2) for v in load_before],
                    "load_average_after": [round(v, 2) for v in os.getloadavg()], "platform": platform.platform()},
        "experiment": {"models": MODELS, "seeds": args.seeds, "scheduler": args.scheduler, "workers": args.workers,
                       "report": bool(args.report)},
        "runs": rows,
        "seconds_exponent": {stage: _exponent(sizes, [row["seconds"][stage] for row in rows]) for stage in stages},
        "memory_exponent": {stage: _exponent(sizes, [row["peak_rss_mb"][stage] for row in rows]) for stage in memory},
        # the memory target: peak RSS at the largest size over that at the smallest, per stage
        "memory_ratio": {stage: round(largest["peak_rss_mb"][stage] / rows[0]["peak_rss_mb"][stage], 2)
                         for stage in memory},
        # characters per second of each stage at the largest size
        "throughput_chars_per_second": {stage: round(largest["characters"] / largest["seconds"][stage])
                                        for stage in stages if largest["seconds"][stage] > 0},
    }


def _print(report: dict) -> None:
    rows = report["runs"]
    print(f"\nload average before {report['machine']['load_average_before']}, after "
          f"{report['machine']['load_average_after']} on {report['machine']['cpus']} CPUs")
    width = 14
    header = "".join(f"{str(row['factor']) + 'x':>{width}}" for row in rows)
    print(f"\n{'':<22}{header}{'exponent':>{width}}{'largest/first':>{width}}")
    print(f"{'characters':<22}" + "".join(f"{row['characters']:>{width},}" for row in rows))
    print(f"{'units':<22}" + "".join(f"{row['units']:>{width},}" for row in rows))
    for stage, exponent in report["seconds_exponent"].items():
        print(f"{'seconds ' + stage:<22}" + "".join(f"{row['seconds'][stage]:>{width}.1f}" for row in rows)
              + f"{'-' if exponent is None else exponent:>{width}}")
    for stage, exponent in report["memory_exponent"].items():
        print(f"{'peak MB ' + stage:<22}" + "".join(f"{row['peak_rss_mb'][stage]:>{width}.0f}" for row in rows)
              + f"{'-' if exponent is None else exponent:>{width}}" + f"{report['memory_ratio'][stage]:>{width}.2f}")
    print("throughput at the largest size (characters per second): "
          + ", ".join(f"{stage} {value:,}" for stage, value in report["throughput_chars_per_second"].items()))


def _slug(scheduler: str) -> str:
    return scheduler if scheduler in ("serial", "local") else "cluster"


if __name__ == "__main__":
    sys.exit(main())
