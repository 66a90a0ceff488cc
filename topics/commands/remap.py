"""``topics remap RUN_DIR [--min-lift X] [--min-margin M]``: map a finished run's topics to themes again with other
mapping settings, rewriting its tables, saved models and report, without refitting."""

from __future__ import annotations

import argparse
import sys

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
    for warning in _nothing_mapped(run_dir):
        print(f"warning: {warning}", file=sys.stderr)
    print(f"run folder: {run_dir}")
    print(f"report: {run_dir / REPORT}")
    return 0


def _nothing_mapped(run_dir) -> list[str]:
    """Each model none of whose free topics (those not seeded) is mapped to a theme: settings that leave a
    model no theme of its own to show, said rather than left to be found in the tables."""
    from collections import Counter

    from ..labels import OTHER, UNMAPPED
    from ..run_files import TOPIC_EVIDENCE
    from ..run_folder import RunFolder

    run = RunFolder.open(run_dir)
    settings = run.config["themes"]
    said = []
    for fit in run.fits(primary_only=True):
        free = Counter(fit.result.topic_themes[fit.seeded_topics:])
        if free and set(free) <= {OTHER, UNMAPPED}:
            counts = ", ".join(f"{theme} {n}" for theme, n in free.items())
            said.append(f"no free topic of {fit.label()} is mapped to a theme ({counts}) with min_lift "
                        f"{settings['min_lift']:g} and min_margin {settings['min_margin']:g}: a topic below min_lift "
                        "or its lift for the [other] words is other, one that clears them by less than min_margin "
                        f"is unmapped; each topic's lifts are in {run.file(TOPIC_EVIDENCE)}")
    return said
