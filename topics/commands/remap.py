"""``topics remap RUN_DIR [--min-lift X] [--min-margin M]``: map a finished run's topics to themes again with other
mapping settings, rewriting its tables, saved models and report, without refitting."""

from __future__ import annotations

import argparse

from ..errors import InputError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a finished run folder (written by `topics run`, holds DONE)")
    parser.add_argument("--min-lift", type=float, default=None, metavar="X",
                        help="a free topic whose lift for its best theme is below X is 'other' "
                             "(default: the run's [themes] min_lift)")
    parser.add_argument("--min-margin", type=float, default=None, metavar="M",
                        help="a free topic is named after its theme only when its lift clears min_lift, its other "
                             "themes and the [other] words by this factor; otherwise it is 'unmapped' "
                             "(1: no margin; default: the run's [themes] min_margin)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from ..runner import remap_run

    if args.min_lift is not None and not args.min_lift >= 0:
        raise InputError(f"--min-lift must be a number >= 0, got {args.min_lift}")
    if args.min_margin is not None and not args.min_margin >= 1:
        raise InputError(f"--min-margin must be a number >= 1, got {args.min_margin}")
    run_dir = remap_run(args.run_dir, min_lift=args.min_lift, min_margin=args.min_margin,
                        progress=not args.no_progress)
    print(f"run folder: {run_dir}")
    print(f"report: {run_dir / 'report.html'}")
    return 0
