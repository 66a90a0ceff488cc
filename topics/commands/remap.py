"""``topics remap RUN_DIR [--min-lift X]``: map a finished run's topics to themes again with other
mapping settings, rewriting its tables, saved models and report, without refitting."""

from __future__ import annotations

import argparse

from ..errors import InputError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a finished run folder (written by `topics run`, holds DONE)")
    parser.add_argument("--min-lift", type=float, default=None, metavar="X",
                        help="a free topic whose lift for its best theme is below X is 'other' "
                             "(default: the run's [themes] min_lift)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from ..runner import remap_run

    if args.min_lift is not None and not args.min_lift >= 0:
        raise InputError(f"--min-lift must be a number >= 0, got {args.min_lift}")
    run_dir = remap_run(args.run_dir, min_lift=args.min_lift, progress=not args.no_progress)
    print(f"run folder: {run_dir}")
    print(f"report: {run_dir / 'report.html'}")
    return 0
