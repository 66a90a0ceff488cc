"""``topics report RUN_DIR``: re-render the plots, LDAvis pages and report page of a finished run, without refitting."""

from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a finished run folder (written by `topics run`, holds DONE)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from ..run_folder import RunFolder

    run = RunFolder.open(args.run_dir)  # a folder that is no finished run is named before the drawing libraries load
    from ..report import write_plots, write_report

    with run.locked("report"):
        write_plots(run)
        path = write_report(run, progress=not args.no_progress)
    print(path)
    return 0
