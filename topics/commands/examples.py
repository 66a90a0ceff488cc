"""``topics examples RUN_DIR``: the units that express each topic and theme most, per model."""

from __future__ import annotations

import argparse
import re
import sys

from ..errors import InputError
from ..outputs import open_output, writable_output
from ..settings import add_flag
from .shares import kept_units, parse_where_option

TEXT_SHOWN = 60  # characters of a unit's text in the printed table (the CSV holds all of it)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a finished run folder (written by `topics run`)")
    parser.add_argument("--model", help="only this model (default: every model of the run)")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--theme", help="only this theme (e.g. ecology, other)")
    target.add_argument("--topic", help="only this topic, by the model's own id (3 or T3)")
    parser.add_argument("-n", type=int, default=5, help="units per topic and theme (default 5)")
    parser.add_argument("--typical", action="store_true",
                        help="the most typical units among those assigned to the topic or theme, instead of "
                             "those with the highest share")
    parser.add_argument("-o", "--output", metavar="OUT.csv", help="write every column to this CSV file")
    add_flag(parser, "inference.where")


def run(args: argparse.Namespace) -> int:
    from ..run_folder import RunFolder
    from ..validation.examples import run_examples

    if args.output:
        writable_output(args.output)  # a bad output path fails before the work
    topic = _topic_id(args.topic) if args.topic is not None else None
    parse_where_option(args)
    run = RunFolder.open(args.run_dir)
    table = run_examples(run, args.model, n=args.n, theme=args.theme, topic=topic,
                         ranking="typical" if args.typical else "top", units=kept_units(run, args))
    if args.output:
        with open_output(args.output, newline="") as out:
            table.to_csv(out, index=False)
        print(f"{len(table)} examples → {args.output}", file=sys.stderr)
        return 0
    shown = table[["model", "target", "theme", "rank", "probability", "doc_id", "year", "region", "heading", "text"]].copy()
    shown["probability"] = shown["probability"].map(lambda p: f"{p:.3f}")
    for column in ("heading", "text"):
        shown[column] = shown[column].map(lambda s: s if len(s) <= TEXT_SHOWN else s[: TEXT_SHOWN - 1] + "…")
    print(shown.to_string(index=False))
    return 0


def _topic_id(value: str) -> int:
    match = re.fullmatch(r"[Tt]?(\d+)", value.strip())
    if not match:
        raise InputError(f"--topic {value}: expected a topic id such as 3 or T3")
    return int(match.group(1))
