"""``topics shares RUN_DIR [--by COL ...]``: theme shares per document or per group of documents, with
cluster-bootstrap intervals pooled over seeds; a CSV table and a plot. Also writes
RUN_DIR/unit_probabilities.csv (every unit's theme probabilities for every fit) when it is absent."""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from ..errors import InputError
from ..outputs import open_output, writable_output


def configure(parser: argparse.ArgumentParser) -> None:
    add_run_options(parser)
    parser.add_argument("--by", nargs="+", metavar="COL", default=None,
                        help="group documents by these metadata columns (year, region, any MANIFEST column); "
                             "default: one row per document")
    parser.add_argument("--weight", choices=("units", "length", "soft"), default="units",
                        help="units: share of units (default); length: share of characters; "
                             "soft: mean theme probability")
    parser.add_argument("--draws", type=int, default=1000, help="bootstrap draws (default 1000)")
    parser.add_argument("-o", "--output", type=Path, default=None,
                        help="CSV of shares (default RUN_DIR/shares.csv); its plot is written beside it as .png")


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by `topics shares` and `topics effects`."""
    parser.add_argument("run_dir", metavar="RUN_DIR", type=Path, help="a finished run folder (holds DONE)")
    parser.add_argument("--model", default=None, help="only this model (default: every model of the run)")
    parser.add_argument("--k", type=int, default=None, help="only this number of topics (default: every k)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default 0): same seed, same table")
    parser.add_argument("--level", type=float, default=0.95, help="interval level (default 0.95)")
    parser.add_argument("--column-type", action="append", default=[], metavar="COL=TYPE",
                        help="state a metadata column's type, number or category (repeatable); "
                             "default: the run config's [inference] column_types, else inferred")


def run(args: argparse.Namespace) -> int:
    from ..inference import shares
    from ..inference.run_data import PROBABILITIES_FILE, write_unit_probabilities
    from ..report.inference import save, shares_figure
    from ..report.ldavis import theme_display_names
    from ..report.tables import run_lexicon

    output = writable_output(args.output or finished_run(args.run_dir) / "shares.csv")
    data = read_data(args)
    if not (args.run_dir / PROBABILITIES_FILE).is_file():
        write_unit_probabilities(args.run_dir)
    table = shares(data, by=args.by, weight=args.weight, draws=args.draws, seed=args.seed, model=args.model,
                   k=args.k, level=args.level)
    with open_output(output, newline="") as out:
        table.to_csv(out, index=False)
    by = args.by[0] if args.by and len(args.by) == 1 else None
    if by or not args.by:
        names = theme_display_names(run_lexicon(args.run_dir))
        column = by or "doc_id"
        for model, k in table[["model", "k"]].drop_duplicates().itertuples(index=False):
            rows = table[(table["model"] == model) & (table["k"] == k)]
            path = output.with_name(f"{output.stem}_{_safe(model)}-k{k}.png")
            save(shares_figure(rows, column, names, f"{model} (k={k}): theme shares by {column}"), path)
    print(f"shares: {output} ({table[['model', 'k']].drop_duplicates().shape[0]} model/k, {args.draws} draws, "
          f"weight {args.weight})")
    return 0


def finished_run(run_dir: Path) -> Path:
    if not run_dir.is_dir():
        raise InputError(f"{run_dir}: no such run folder")
    if not (run_dir / "DONE").is_file():
        raise InputError(f"{run_dir}: not a finished run (no DONE file); run `topics run CONFIG.toml` first "
                         "or let it finish")
    return run_dir


def read_data(args: argparse.Namespace):
    """The run's data with the column types of --column-type, else of the run config; editions (two
    documents of one year and region) are reported on stderr."""
    from ..inference import read_run_data
    from ..tomlfile import read_toml

    finished_run(args.run_dir)
    types = dict(read_toml(args.run_dir / "config.toml", "run config").get("inference", {}).get("column_types", {}))
    for item in args.column_type:
        column, sep, kind = item.partition("=")
        if not sep or not column:
            raise InputError(f"--column-type {item}: expected COL=number or COL=category")
        types[column.strip()] = kind.strip()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = read_run_data(args.run_dir, types)
    for warning in caught:
        print(f"warning: {warning.message}", file=sys.stderr)
    return data


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
