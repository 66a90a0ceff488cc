"""``topics report RUN_DIR``: re-render the plots, LDAvis pages and report page of a finished run, without refitting."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import InputError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a finished run folder (written by `topics run`, holds DONE)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from ..report import write_plots, write_report

    run_dir = Path(args.run_dir)
    if not run_dir.is_dir():
        raise InputError(f"{run_dir}: no such run folder")
    if not (run_dir / "DONE").is_file():
        raise InputError(f"{run_dir}: not a finished run (no DONE file); run `topics run CONFIG.toml` first or let it finish")
    write_plots(run_dir)
    path = write_report(run_dir, progress=not args.no_progress)
    print(path)
    return 0
