"""topics run CONFIG.toml [-o RUN_DIR] [--no-progress] [--scheduler serial|local|tcp://host:port] [--workers N]"""

from __future__ import annotations

import json
from pathlib import Path


def configure(parser) -> None:
    parser.add_argument("config", type=Path, help="experiment config (TOML), e.g. experiments/compare_models.toml")
    parser.add_argument("-o", "--output", type=Path, default=None,
                        help="run folder (default: run.output of the config, else runs/<run.name>); "
                             "a folder of an unfinished run of the same config is resumed")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars (overrides run.progress)")
    parser.add_argument("--scheduler", default=None, metavar="WHERE",
                        help='where fits and segmentation run: "serial" (this process), "local" (a Dask cluster of '
                             '--workers processes on this machine) or the address of a running Dask scheduler, '
                             '"tcp://host:port" (overrides run.scheduler; results are the same on each)')
    parser.add_argument("--workers", type=int, default=None, metavar="N",
                        help="worker processes of a local Dask cluster (overrides run.workers)")


def run(args) -> int:
    from ..config import SCHEDULER, WORKERS
    from ..rules import check
    from ..runner import run_experiment

    for option, value, rule in (("--scheduler", args.scheduler, SCHEDULER), ("--workers", args.workers, WORKERS)):
        if value is not None:
            check(value, rule, option)
    run_dir = run_experiment(args.config, args.output, progress=False if args.no_progress else None,
                             scheduler=args.scheduler, workers=args.workers)
    for line in _skipped_lines(run_dir / "corpus_summary.json"):
        print(line)
    print(f"run folder: {run_dir}")
    print(f"comparison: {run_dir / 'comparison.md'}")
    report = run_dir / "report.html"
    if report.exists():
        print(f"report: {report}")
    return 0


def _skipped_lines(summary_path: Path) -> list[str]:
    """What reading the corpus passed over, from the run's corpus_summary.json, said on the terminal
    as `topics ingest` says it: a skipped file must not go unnoticed in a finished run."""
    from ..ingest import format_skipped

    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []  # a run folder without the summary: nothing to add
    skipped = [item for item in summary.get("files_skipped") or [] if isinstance(item, dict)]
    return format_skipped({"skipped": skipped, "warnings": summary.get("warnings") or []})
