"""The whole pipeline, end to end: time per stage and peak memory of `topics run`, cold and warm.

    python benchmarks/pipeline.py [--config experiments/compare_models_cities.toml] [--seeds N]
                                  [--models lda,nmf] [--output FILE] [--keep DIR]
                                  [--scheduler local --workers 2]

The experiment (default: the city reports plus the sample, experiments/compare_models_cities.toml)
is run three times, each as its own `python -m topics run` process:

  cold               an empty token cache (TOPICS_CACHE_DIR pointed at a fresh folder) and a fresh run folder
  warm-segmentation  the same token cache, a fresh run folder: segmentation comes from the cache, fits are redone
  warm-rerun         the same cache and the cold run's folder: every fit is resumed, tables and report redone
  cold-<scheduler>   with --scheduler: cold again (its own empty cache and run folder), segmentation and fits
                     on that scheduler (`local`: a Dask cluster of --workers processes); its speed-up over the
                     serial cold run is reported for the fit stage and the whole run

Then, unless --no-report: `topics report` on the cold run's folder, in its own process, twice: as a user
re-renders a finished run (the plots and LDAvis pages the run drew are kept: their inputs did not change; the
report page is written again), then with the run's plots/drawn.json deleted first, so that every plot and page
is drawn again (what every `topics report` did before plots were kept); and unless --no-sample, the README's main job
`topics run experiments/compare_models.toml` on the bundled sample, cold (its own empty token cache).

Stage times come from RUN_DIR/timings.json (ingest, tokenize, vocabulary, fit, tables, validation, inference,
report, with the fit broken down into model fitting, metrics, theme shares and saving); wall time and peak
resident memory (RSS) are the process's own (os.wait4 gives the child's getrusage figures). The seconds of each
model's fits come from the cold run's metrics.csv; peak memory per stage (this process and its children: a
local cluster's workers) from timings.json's peak_rss_mb.

Targets on a 2-core machine: cold <= 10 minutes, peak RSS <= 2 GB, warm rerun <= 0.25 x cold; the stages
after fitting (tables, validation, inference, report) <= 25 % of the cold run's wall time and `topics report`
on the cold run <= 15 s (both for the cities experiment: on the sample the fits take next to nothing, so the
stages after them are most of its run); the sample's main job <= 30 s; with --scheduler local --workers 2,
fit stage >= 1.7x and whole run >= 1.5x faster than serial. The figures go to the screen and to JSON
(default benchmarks/results/pipeline_<run name>.json); the machine's load average (1, 5, 15 minutes) is
recorded as each measurement starts and printed beside it, since other work on the machine slows every figure.
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

from topics.config import load_config
from topics.tomlfile import to_toml
from topics.errors import InputError
from topics.run_files import PLOT_MANIFEST, PLOTS
from topics.versions import package_versions

PROJECT = Path(__file__).resolve().parent.parent

DEFAULT_CONFIG = PROJECT / "experiments" / "compare_models_cities.toml"
SCENARIOS = ("cold", "warm-segmentation", "warm-rerun")
STAGES = ("ingest", "tokenize", "vocabulary", "fit", "tables", "validation", "inference", "report")
AFTER_FIT = ("tables", "validation", "inference", "report")  # the stages that read the fits back
SAMPLE_CONFIG = PROJECT / "experiments" / "compare_models.toml"  # the README's main job
FIT_PARTS = ("fit:models", "fit:metrics", "fit:unit_shares", "fit:saving")
TARGETS = {"cold_seconds": 600.0, "peak_rss_mb": 2048.0, "warm_rerun_ratio": 0.25, "after_fit_share": 0.25,
           "report_command_seconds": 15.0, "sample_seconds": 30.0, "fit_speedup": 1.7, "run_speedup": 1.5}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="experiment config (default: %(default)s)")
    parser.add_argument("--seeds", type=int, default=0, help="use only the first N seeds of the config (0 = all)")
    parser.add_argument("--models", default="", help="comma-separated models of the config to keep (default: all)")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS),
                        help="comma-separated scenarios to run, in order (default: all; warm ones need cold first)")
    parser.add_argument("--no-report", action="store_true",
                        help="skip the report stage (plots, LDAvis, report.html) and the timing of `topics report`")
    parser.add_argument("--no-sample", action="store_true", help="skip the timing of the sample's main job")
    parser.add_argument("--output", type=Path, default=None, help="JSON file (default: benchmarks/results/pipeline_<name>.json)")
    parser.add_argument("--keep", type=Path, default=None, help="keep the cache and run folders in this new folder")
    parser.add_argument("--scheduler", default=None,
                        help='add a cold run on this scheduler ("local" or "tcp://host:port") after the others')
    parser.add_argument("--workers", type=int, default=2, help="workers of a local cluster (default: %(default)s)")
    args = parser.parse_args()

    scenarios = [name.strip() for name in args.scenarios.split(",") if name.strip()]
    try:
        config = _benchmark_config(args)
        bad = [name for name in scenarios if name not in SCENARIOS]
        if bad or not scenarios or scenarios[0] != "cold":
            raise InputError(f"--scenarios: {bad[0] if bad else args.scenarios!r}: give cold first, then any of "
                             f"{', '.join(SCENARIOS[1:])}")
    except InputError as err:
        print(f"pipeline.py: error: {err}", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="topics-pipeline-")) if args.keep is None else args.keep
    if args.keep is not None:
        work.mkdir(parents=True, exist_ok=False)
    config_path = work / "config.toml"
    config_path.write_text(to_toml(config), encoding="utf-8")
    cache, cold_run, warm_run = work / "cache", work / "run-cold", work / "run-warm"
    plan = {"cold": (cold_run, cache, []), "warm-segmentation": (warm_run, cache, []), "warm-rerun": (cold_run, cache, [])}
    if args.scheduler:
        distributed = f"cold-{'local' if args.scheduler == 'local' else 'cluster'}"
        scenarios.append(distributed)
        plan[distributed] = (work / f"run-{distributed}", work / f"cache-{distributed}",
                             ["--scheduler", args.scheduler, "--workers", str(args.workers)])
    print(f"{config['run']['name']}: seeds {config['run']['seeds']}, models {', '.join(config['models'])}; "
          f"work folder {work}")

    load_before = os.getloadavg()
    results, extra = {}, {}
    try:
        for scenario in scenarios:
            results[scenario] = _run(scenario, config_path, *plan[scenario], work)
            print(f"  {scenario:<18} {results[scenario]['wall_seconds']:8.1f} s  "
                  f"peak RSS {results[scenario]['peak_rss_mb']:7.0f} MB  load {_load(results[scenario])}")
        if config["report"]["enabled"] and results["cold"]["exit_code"] == 0:
            report_command = ["report", str(cold_run), "--no-progress"]
            # as a user re-renders a finished run: the plots and pages its report stage drew are kept
            extra["report_command"] = _command("report-command", report_command, cache, work)
            # without the run's manifest of drawn files: every plot and page drawn again
            (cold_run / PLOTS / PLOT_MANIFEST).unlink(missing_ok=True)
            extra["report_redraw"] = _command("report-redraw", report_command, cache, work)
        if not args.no_sample:
            extra["sample"] = _command("sample", ["run", str(SAMPLE_CONFIG), "-o", str(work / "run-sample"), "--no-progress"],
                                       work / "cache-sample", work)
        for name, result in extra.items():
            print(f"  {name:<18} {result['wall_seconds']:8.1f} s  peak RSS {result['peak_rss_mb']:7.0f} MB  "
                  f"load {_load(result)}")
    finally:
        if args.keep is None and all(r.get("exit_code") == 0 for r in [*results.values(), *extra.values()]):
            shutil.rmtree(work, ignore_errors=True)
    failed = [(name, r) for name, r in [*results.items(), *extra.items()] if r["exit_code"] != 0]
    if failed:
        name, result = failed[0]
        print(f"pipeline.py: {name} failed (exit {result['exit_code']}); log: {result['log']}", file=sys.stderr)
        return 1

    report = _report(args, config, results, extra, load_before)
    _print(report)
    output = args.output or PROJECT / "benchmarks" / "results" / f"pipeline_{config['run']['name']}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"wrote {output}")
    return 0


def _benchmark_config(args) -> dict:
    """The experiment's resolved config (absolute paths), with the seeds and models asked for."""
    config = load_config(args.config)
    if args.seeds:
        seeds = config["run"]["seeds"]
        config["run"]["seeds"] = seeds[: args.seeds] if args.seeds <= len(seeds) else list(range(1, args.seeds + 1))
    if args.models:
        wanted = [name.strip() for name in args.models.split(",") if name.strip()]
        unknown = [name for name in wanted if name not in config["models"]]
        if unknown:
            raise InputError(f"--models: {unknown[0]} is not a model of {args.config} ({', '.join(config['models'])})")
        config["models"] = {name: config["models"][name] for name in wanted}
    if args.no_report:
        config["report"]["enabled"] = False
    config["run"]["progress"] = False
    return config


def _run(scenario: str, config_path: Path, run_dir: Path, cache: Path, options: list[str], work: Path) -> dict:
    """One `topics run` in its own process: wall time, peak RSS, and the run's own stage timings.
    The process's peak RSS includes its largest child's (a local cluster's worker), not their sum:
    the run's timings.json has the sum per stage."""
    result = _command(scenario, ["run", str(config_path), "-o", str(run_dir), "--no-progress", *options], cache, work)
    if result["exit_code"] != 0:
        return result
    result["timings"] = json.loads((run_dir / "timings.json").read_text(encoding="utf-8"))
    result["corpus"] = json.loads((run_dir / "corpus_summary.json").read_text(encoding="utf-8"))
    result["fits"] = _fit_seconds(run_dir / "metrics.csv")
    return result


def _command(name: str, arguments: list[str], cache: Path, work: Path) -> dict:
    """One `python -m topics ARGUMENTS` in its own process: exit code, wall and CPU seconds, peak RSS, and the
    machine's load average as it started."""
    log = work / f"{name}.log"
    env = {**os.environ, "TOPICS_CACHE_DIR": str(cache)}
    command = [sys.executable, "-m", "topics", *arguments]
    load = os.getloadavg()
    start = time.perf_counter()
    with log.open("w", encoding="utf-8") as handle:
        process = subprocess.Popen(command, cwd=PROJECT, env=env, stdout=handle, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)  # this child's own rusage (getrusage RUSAGE_CHILDREN is cumulative)
        process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    return {"exit_code": process.returncode, "wall_seconds": round(wall, 2), "log": str(log),
            "peak_rss_mb": round(usage.ru_maxrss / (2**20 if sys.platform == "darwin" else 1024), 1),
            "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
            "load_average_at_start": [round(value, 2) for value in load]}


def _load(result: dict) -> str:
    return "/".join(f"{value:.1f}" for value in result["load_average_at_start"])


def _fit_seconds(metrics_csv: Path) -> dict:
    """Per model and k: number of fits, total and mean fit seconds, and the largest peak_mb."""
    import pandas as pd

    metrics = pd.read_csv(metrics_csv)
    table = {}
    for (model, k), rows in metrics.groupby(["model", "k"], sort=False):
        table[f"{model} k={k}"] = {"fits": len(rows), "total_seconds": round(float(rows["fit_seconds"].sum()), 2),
                                   "mean_seconds": round(float(rows["fit_seconds"].mean()), 2),
                                   "max_peak_mb": round(float(rows["peak_mb"].max()), 1)}
    return table


def _after_fit_share(timings: dict, wall: float) -> dict:
    """Seconds of each stage after fitting and their sum's share of the run's wall time."""
    seconds = {stage: timings.get(stage, 0.0) for stage in AFTER_FIT}
    return {**seconds, "sum": round(sum(seconds.values()), 2), "share": round(sum(seconds.values()) / wall, 3)}


def _report(args, config: dict, results: dict, extra: dict, load_before) -> dict:
    cold = results["cold"]
    after_fit = _after_fit_share(cold["timings"], cold["wall_seconds"])
    report_seconds = extra["report_command"]["wall_seconds"] if "report_command" in extra else None
    sample_seconds = extra["sample"]["wall_seconds"] if "sample" in extra else None
    peak = max(r["peak_rss_mb"] for r in results.values())
    ratio = results["warm-rerun"]["wall_seconds"] / cold["wall_seconds"] if "warm-rerun" in results else None
    distributed = next((r for name, r in results.items() if name.startswith("cold-")), None)
    fit_speedup = run_speedup = None
    if distributed is not None:
        fit_speedup = cold["timings"]["fit"] / distributed["timings"]["fit"]
        run_speedup = cold["wall_seconds"] / distributed["wall_seconds"]
    corpus = cold["corpus"]
    metric_seconds = {key.removeprefix("metric:"): value for key, value in cold["timings"].items()
                      if key.startswith("metric:")}
    versions = package_versions()
    return {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "load_average_before": [round(v, 2) for v in load_before],
                    "load_average_after": [round(v, 2) for v in os.getloadavg()], "platform": platform.platform(),
                    "python": versions["python"], "gensim": versions["gensim"], "scikit-learn": versions["scikit-learn"]},
        "experiment": {"config": str(args.config.resolve().relative_to(PROJECT) if args.config.resolve().is_relative_to(PROJECT)
                                     else args.config),
                       "seeds": config["run"]["seeds"], "models": list(config["models"]),
                       "report": config["report"]["enabled"]},
        "corpus": {key: corpus[key] for key in ("documents", "units", "units_fitted", "units_heldout", "vocabulary", "tokens")},
        "scenarios": {name: {key: value for key, value in result.items() if key not in ("corpus", "log")}
                      for name, result in results.items()},
        "commands": {name: {key: value for key, value in result.items() if key != "log"} for name, result in extra.items()},
        "cold_after_fit": after_fit,
        "cold_metric_seconds": dict(sorted(metric_seconds.items(), key=lambda item: -item[1])),
        "targets": {
            "cold_seconds": {"target": TARGETS["cold_seconds"], "measured": cold["wall_seconds"],
                             "met": cold["wall_seconds"] <= TARGETS["cold_seconds"]},
            "peak_rss_mb": {"target": TARGETS["peak_rss_mb"], "measured": peak, "met": peak <= TARGETS["peak_rss_mb"]},
            "warm_rerun_ratio": {"target": TARGETS["warm_rerun_ratio"],
                                 "measured": None if ratio is None else round(ratio, 3),
                                 "met": None if ratio is None else ratio <= TARGETS["warm_rerun_ratio"]},
            "after_fit_share": {"target": TARGETS["after_fit_share"], "measured": after_fit["share"],
                                "met": after_fit["share"] <= TARGETS["after_fit_share"]},
            "report_command_seconds": {"target": TARGETS["report_command_seconds"], "measured": report_seconds,
                                       "met": None if report_seconds is None
                                       else report_seconds <= TARGETS["report_command_seconds"]},
            "sample_seconds": {"target": TARGETS["sample_seconds"], "measured": sample_seconds,
                               "met": None if sample_seconds is None else sample_seconds <= TARGETS["sample_seconds"]},
            # speed-ups of the cold run on --scheduler over the serial cold run
            "fit_speedup": {"target": TARGETS["fit_speedup"],
                            "measured": None if fit_speedup is None else round(fit_speedup, 2),
                            "met": None if fit_speedup is None else fit_speedup >= TARGETS["fit_speedup"]},
            "run_speedup": {"target": TARGETS["run_speedup"],
                            "measured": None if run_speedup is None else round(run_speedup, 2),
                            "met": None if run_speedup is None else run_speedup >= TARGETS["run_speedup"]},
        },
    }


def _print(report: dict) -> None:
    scenarios = report["scenarios"]
    names = list(scenarios)
    corpus = report["corpus"]
    print()
    print(f"corpus: {corpus['documents']} documents, {corpus['units']:,} units ({corpus['units_fitted']:,} fitted), "
          f"vocabulary {corpus['vocabulary']:,}, {corpus['tokens']:,} tokens; seeds {report['experiment']['seeds']}")
    print(f"load average before {report['machine']['load_average_before']}, after "
          f"{report['machine']['load_average_after']} on {report['machine']['cpus']} CPUs")
    width = 19
    print(f"\n{'seconds':<20}" + "".join(f"{name:>{width}}" for name in names))
    rows = [(stage, stage) for stage in STAGES] + [(f"  {part}", part) for part in FIT_PARTS]
    rows += [("total (in the run)", "total")]
    for label, key in rows:
        cells = [scenarios[name]["timings"].get(key) for name in names]
        if all(cell is None for cell in cells):
            continue
        print(f"{label:<20}" + "".join(f"{'-' if c is None else f'{c:.1f}':>{width}}" for c in cells))
    print(f"{'wall (process)':<20}" + "".join(f"{scenarios[name]['wall_seconds']:>{width}.1f}" for name in names))
    print(f"{'load at start':<20}" + "".join(f"{_load(scenarios[name]):>{width}}" for name in names))
    print(f"{'cpu (process)':<20}" + "".join(f"{scenarios[name]['cpu_seconds']:>{width}.1f}" for name in names))
    print(f"{'peak RSS MB':<20}" + "".join(f"{scenarios[name]['peak_rss_mb']:>{width}.0f}" for name in names))
    for stage in STAGES:  # the sum over the run's processes (a local cluster's workers included)
        cells = [scenarios[name]["timings"].get("peak_rss_mb", {}).get(stage) for name in names]
        if any(cell is not None for cell in cells):
            print(f"{'  RSS MB ' + stage:<20}" + "".join(f"{'-' if c is None else f'{c:.0f}':>{width}}" for c in cells))

    print("\ncold run, fits per model (fit_seconds from metrics.csv; metrics and theme shares not included):")
    for name, row in scenarios["cold"]["fits"].items():
        print(f"  {name:<22} {row['fits']:>3} fits  total {row['total_seconds']:8.1f} s  mean {row['mean_seconds']:7.1f} s  "
              f"peak {row['max_peak_mb']:7.0f} MB")
    slowest = list(report["cold_metric_seconds"].items())[:6]
    print("cold run, slowest metrics (seconds over all fits): "
          + ", ".join(f"{name} {seconds:.1f}" for name, seconds in slowest))

    after = report["cold_after_fit"]
    print(f"\ncold run, stages after fitting: " + ", ".join(f"{stage} {after[stage]:.1f} s" for stage in AFTER_FIT)
          + f"; together {after['sum']:.1f} s = {after['share']:.1%} of its {scenarios['cold']['wall_seconds']:.1f} s "
          f"(load at start {_load(scenarios['cold'])})")
    for name, label in (("report_command", "`topics report` on the cold run"),
                        ("report_redraw", "`topics report` on it, every plot drawn again (no drawn.json)"),
                        ("sample", "the sample's main job, cold")):
        if name in report["commands"]:
            result = report["commands"][name]
            print(f"{label}: {result['wall_seconds']:.1f} s (CPU {result['cpu_seconds']:.1f} s, load at start "
                  f"{_load(result)})")

    print("\ntargets:")
    for name, target in report["targets"].items():
        verdict = "not measured" if target["met"] is None else "met" if target["met"] else "NOT met"
        print(f"  {name:<22} measured {str(target['measured']):>9}  target {target['target']:>7}  {verdict}")


if __name__ == "__main__":
    sys.exit(main())
