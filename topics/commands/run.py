"""topics run CONFIG.toml [-o RUN_DIR] [--no-progress]"""

from __future__ import annotations

from pathlib import Path


def configure(parser) -> None:
    parser.add_argument("config", type=Path, help="experiment config (TOML), e.g. experiments/compare_models.toml")
    parser.add_argument("-o", "--output", type=Path, default=None,
                        help="run folder (default: run.output of the config, else runs/<run.name>); "
                             "a folder of an unfinished run of the same config is resumed")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars (overrides run.progress)")


def run(args) -> int:
    from ..runner import run_experiment

    run_dir = run_experiment(args.config, args.output, progress=False if args.no_progress else None)
    print(f"run folder: {run_dir}")
    print(f"comparison: {run_dir / 'comparison.md'}")
    report = run_dir / "report.html"
    if report.exists():
        print(f"report: {report}")
    return 0
