"""``topics remap RUN_DIR [--min-lift X] [--min-margin M]``: map a finished run's topics to themes again with other
mapping settings, rewriting its tables, saved models and report, without refitting."""

from __future__ import annotations

import argparse

from ..settings import add_flag, resolve


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a finished run folder (written by `topics run`, holds DONE)")
    for name in ("themes.min_lift", "themes.min_margin"):
        add_flag(parser, name)
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from ..run_files import REPORT
    from ..running import remap_run

    for name in ("themes.min_lift", "themes.min_margin"):
        resolve(name, getattr(args, name.split(".")[1]), None)  # a given value is checked against its rule
    run_dir = remap_run(args.run_dir, min_lift=args.min_lift, min_margin=args.min_margin,
                        progress=not args.no_progress)
    print(f"run folder: {run_dir}")
    print(f"report: {run_dir / REPORT}")
    return 0
