"""The ``topics`` command: one subcommand per module in ``topics/commands``.

User mistakes (InputError) end as one line on stderr and exit code 2, never a traceback. Output to a
pipe that closes early (`topics assign … | head -1`) ends quietly with exit code 141, as for Unix tools."""

from __future__ import annotations

import argparse
import errno
import importlib
import os
import sys

from . import __version__
from .errors import InputError

# subcommand → module in topics.commands defining configure(parser) and run(args) -> int
COMMANDS = {
    "ingest": "Read report files, repair their layout and split them into units (units.jsonl).",
    "tokenize": "Segment units with jieba and the policy lexicon; filter stopwords and slogans.",
    "slogans": "Rank candidate boilerplate slogans for review.",
    "suggest": "Suggest theme words from the corpus for review, or add the accepted ones to a lexicon (--apply).",
    "run": "Run an experiment config: fit, evaluate, and write the run folder with its report.",
    "assign": "Assign themes to new text with a saved model.",
    "evaluate": "Score every model of a run against hand-coded labels.",
    "report": "Re-render the report of a finished run without refitting.",
    "remap": "Map a finished run's topics to themes again with other settings, without refitting.",
    "shares": "Theme shares per document or group of documents, with bootstrap intervals.",
    "effects": "Effects of document metadata on theme shares, with intervals (fractional logit).",
    "examples": "Show the units that express each topic and theme most, per model.",
    "flags": "Show the validity flags of each model's themes: which to doubt, and why.",
    "validate": "Write a human-validation kit for a finished run, or score coders' answers to one (--score).",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own errors: one line, exit 2
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="topics", description="Thematic topic modeling of Chinese government work reports.")
    parser.add_argument("--version", action="version", version=f"topics {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, summary in COMMANDS.items():
        module = importlib.import_module(f"topics.commands.{name}")
        command_parser = sub.add_parser(name, help=summary, description=summary)
        module.configure(command_parser)
        command_parser.set_defaults(handler=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:
        # the reader of our output went away (`topics assign … | head -1`): stop quietly, as Unix tools
        # do, with 128 + SIGPIPE as the shell reports for them; stdout goes to devnull so that
        # Python's flush at exit does not fail again
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):  # stdout is not a real file (captured, replaced): nothing to redirect
            pass
        return BROKEN_PIPE


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    if unknown and not hasattr(args, "overrides"):  # only `topics run` takes --table.key settings
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    if hasattr(args, "overrides"):
        args.overrides = unknown
    try:
        code = int(args.handler(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit
        return code
    except InputError as err:
        print(f"topics {args.command}: error: {_one_line(str(err))}", file=sys.stderr)
        return 2
    except OSError as err:
        if err.errno not in _ENVIRONMENT_ERRORS:  # anything else is a fault of the package: show it whole
            raise
        where = f"{err.filename}: " if err.filename else ""
        # a full disk wants space; a forbidden or read-only place wants another place (or its rights)
        remedy = "free space" if err.errno in (errno.ENOSPC, errno.EDQUOT) else "make it writable or write elsewhere"
        print(f"topics {args.command}: error: {where}{err.strerror}; nothing half-written was kept "
              f"(a run folder stays unfinished: {remedy} and run the command again)", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"topics {args.command}: interrupted", file=sys.stderr)
        return 130


# what the machine refuses, not what the package got wrong: a full disk or quota, a read-only or forbidden place
_ENVIRONMENT_ERRORS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM)
BROKEN_PIPE = 141  # 128 + SIGPIPE (13): the status `yes | head -1` leaves for `yes`
MAX_MESSAGE = 1000  # characters: a longer error line is cut (its lists should already be capped)


def _one_line(message: str) -> str:
    message = " ".join(message.splitlines())
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 1] + "…"


if __name__ == "__main__":
    sys.exit(main())
