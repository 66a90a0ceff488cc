"""``topics flags RUN_DIR [-o OUT.csv] [--model M]``: the validity flags of each model's primary fit, one row
per flagged model/theme, as the run's flags.csv holds them (written by the mapping stage; nothing is
computed again)."""

from __future__ import annotations

import argparse
import sys

from ..errors import InputError
from ..outputs import open_output, writable_output

DETAIL_SHOWN = 70  # characters of the flags' details in the printed table (the CSV holds all of them)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a finished run folder (written by `topics run`)")
    parser.add_argument("--model", help="only this model (default: every model of the run)")
    parser.add_argument("-o", "--output", metavar="OUT.csv",
                        help="write the table to this CSV file: model, k, seed, theme, flags, topics, details")


def run(args: argparse.Namespace) -> int:
    from ..run_folder import RunFolder
    from ..validation.flags import flagged_themes

    if args.output:
        writable_output(args.output)  # a bad output path fails before the work
    run = RunFolder.open(args.run_dir)
    if args.model is not None and args.model not in run.models:
        raise InputError(f"--model {args.model}: not a model of {run.path} (its models: {', '.join(run.models)})")
    table = flagged_themes(run, args.model)
    if args.output:
        with open_output(args.output, newline="") as out:
            table.to_csv(out, index=False)
        print(f"{len(table)} flagged model/theme pair(s) → {args.output}", file=sys.stderr)
        return 0
    if table.empty:
        print(f"no validity flags on the primary fit{'s' * (args.model is None)} of {args.model or run.path}")
        return 0
    shown = table[["model", "k", "theme", "flags", "topics", "details"]].copy()
    shown["details"] = shown["details"].map(lambda s: s if len(s) <= DETAIL_SHOWN else s[: DETAIL_SHOWN - 1] + "…")
    print(shown.to_string(index=False))
    return 0
