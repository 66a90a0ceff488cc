"""``topics shares RUN_DIR [--by COL ...]``: theme shares per document or per group of documents, with
cluster-bootstrap intervals pooled over seeds; a CSV table and a plot. Also writes
RUN_DIR/unit_probabilities.csv (every unit's theme probabilities for every fit) when it is absent.

``topics shares RUN_DIR --gold GOLD.tsv [--by COL ...]``: the shares of the run's codable units (all of them,
or per group) by the model alone and corrected by a coded sample drawn with known inclusion probabilities
(topics.inference.corrected), with the model's bias: RUN_DIR/shares_corrected.csv, which the report shows,
and its plot."""

from __future__ import annotations

import argparse
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path

from ..errors import InputError
from ..outputs import open_output, writable_output
from ..run_files import CONFIG
from ..settings import add_flag, resolve

SHARES = "shares.csv"  # the command's default output in the run folder


def configure(parser: argparse.ArgumentParser) -> None:
    add_run_options(parser)
    parser.add_argument("--by", nargs="+", metavar="COL", default=None,
                        help="group documents by these metadata columns (year, region, any MANIFEST column; "
                             "decade: years in periods of 10 unless the documents have a decade column); "
                             "default: one row per document")
    parser.add_argument("--bins", nargs="+", metavar="COL:WIDTH", default=[],
                        help="group a number column into periods of this width, aligned on its multiples "
                             "(year:10 gives 1950–1959, 1960–1969, …); the column is grouped by even without --by")
    add_flag(parser, "inference.draws")
    add_flag(parser, "inference.min_documents")
    add_gold_options(parser)
    add_flag(parser, "inference.tuning")
    parser.add_argument("-o", "--output", type=Path, default=None,
                        help="CSV of shares (default RUN_DIR/shares.csv, with --gold RUN_DIR/shares_corrected.csv, "
                             "the table the report shows); its plot is written beside it as .png (for one --by "
                             "column or none)")


def add_gold_options(parser: argparse.ArgumentParser) -> None:
    """The options of the corrected estimates, shared by `topics shares` and `topics effects`."""
    parser.add_argument("--gold", type=Path, default=None, metavar="GOLD.tsv",
                        help="a coded sample drawn with known inclusion probabilities (`topics validate --score` "
                             "of a kit's answers): give the model-only and the corrected estimates side by side")
    add_flag(parser, "inference.predictions")


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by `topics shares` and `topics effects`."""
    parser.add_argument("run_dir", metavar="RUN_DIR", type=Path, help="a finished run folder (holds DONE)")
    parser.add_argument("--model", default=None, help="only this model (default: every model of the run)")
    parser.add_argument("--k", type=int, default=None, help="only this number of topics (default: every k)")
    for name in ("inference.seed", "inference.level", "inference.weight"):
        add_flag(parser, name)
    parser.add_argument("--column-type", action="append", default=[], metavar="COL=TYPE",
                        help="state a metadata column's type, number or category (repeatable); "
                             "default: the run config's [inference] column_types, else inferred")
    add_flag(parser, "inference.where")


def run(args: argparse.Namespace) -> int:
    from ..run_folder import RunFolder
    from ..run_files import UNIT_PROBABILITIES

    refuse_without_gold(args, "--predictions", "--tuning")
    parse_where_option(args)
    if args.bins and args.gold is not None:
        raise InputError("--bins: not with --gold (group the corrected shares by a column of periods in the "
                         "MANIFEST instead)")
    run = RunFolder.open(args.run_dir)
    writes_probabilities = not run.file(UNIT_PROBABILITIES).is_file()
    with holding_if_written(run, args.output, "shares", writes_probabilities):
        if args.gold is None:
            return _shares(run, args, writes_probabilities)
        _corrected(run, args)
        redraw_report(run, args)  # it shows the corrected shares
        return 0


def _shares(run, args: argparse.Namespace, writes_probabilities: bool) -> int:
    from ..inference import shares, write_unit_probabilities
    from ..inference.shares import thin_groups
    from ..report.inference import save, shares_figure
    from ..report.ldavis import theme_display_names

    output = writable_output(args.output or run.file(SHARES))
    data = read_data(run, args)
    args.by, args.bins = grouping(args.by, args.bins, data.column_types)
    if writes_probabilities:  # the run's config left it out: the command writes it
        write_unit_probabilities(run)
    chosen = inference_options(args, run.config, "draws", "min_documents")
    table = shares(data, by=args.by, model=args.model, k=args.k, bins=args.bins, **chosen)
    thin = thin_groups(table, args.by or [], chosen["min_documents"])
    if thin:
        print(f"warning: {thin}", file=sys.stderr)
    table = flagged(run, table)
    with open_output(output, newline="") as out:
        table.to_csv(out, index=False)
    by = args.by[0] if args.by and len(args.by) == 1 else None
    if by or not args.by:
        names = theme_display_names(run.lexicon)
        column = by or "doc_id"
        for model, k in table[["model", "k"]].drop_duplicates().itertuples(index=False):
            rows = table[(table["model"] == model) & (table["k"] == k)]
            path = output.with_name(f"{output.stem}_{_safe(model)}-k{k}.png")
            span = f" in periods of {args.bins[by]:g}" if by in args.bins else ""
            save(shares_figure(rows, column, names, f"{model} (k={k}): theme shares by {column}{span}",
                               step=args.bins.get(by)), path)
    else:
        print(f"note: no plot for --by {' '.join(args.by)}: a plot shows one grouping; the table has them all")
    print(f"shares: {output} ({table[['model', 'k']].drop_duplicates().shape[0]} model/k, {chosen['draws']} draws, "
          f"weight {chosen['weight']})")
    return 0


def _corrected(run, args: argparse.Namespace) -> None:
    from ..inference.corrected import coded_sample, corrected_shares
    from ..report.corrected import corrected_figure
    from ..report.inference import save
    from ..report.ldavis import theme_display_names
    from ..run_files import CORRECTED_SHARES

    output = writable_output(args.output or run.file(CORRECTED_SHARES))
    data = read_data(run, args, subset=False)
    sample = coded_sample(run, data, args.gold)
    chosen = inference_options(args, run.config, "draws", "predictions", "tuning")
    table, notes = corrected_shares(data, sample, by=args.by, model=args.model, k=args.k, **chosen)
    for note in notes:
        print(f"warning: {note}", file=sys.stderr)
    table = flagged(run, table)
    with open_output(output, newline="") as out:
        table.to_csv(out, index=False)
    names = theme_display_names(run.lexicon)
    for (model, k), rows in table.groupby(["model", "k"], sort=False):
        path = output.with_name(f"{output.stem}_{_safe(model)}-k{k}.png")
        save(corrected_figure(rows, args.by or [], names, f"{model} (k={k})"), path)
    shown = table[table["estimator"] != "bias"].pivot_table(
        index=["model", "k", *(args.by or []), "theme"], columns="estimator", values="share", sort=False)
    print(shown.to_string(float_format=lambda v: f"{v:.3f}"))
    print(f"corrected shares: {output} ({sample.size} coded units, {sample.design} design; predictions "
          f"{chosen['predictions']}, tuning {chosen['tuning']})")


@contextmanager
def holding_if_written(run, output: str | None, command: str, also: bool = False):
    """The run folder's lock while ``command`` writes in it: its default outputs (no ``-o``), an ``-o`` inside
    the folder, or ``also`` (another file it adds there). A table written elsewhere from a run folder one may
    only read takes no lock."""
    inside = output is None or Path(output).resolve().is_relative_to(run.path.resolve())
    if inside or also:
        with run.locked(command):
            yield
    else:
        yield


def redraw_report(run, args: argparse.Namespace) -> None:
    """The run's plots and report drawn again (as `topics report` does) when the command wrote its tables into
    the run folder, which the report shows; not with -o, nor when the run's [report] enabled is false."""
    if args.output is not None or not run.config["report"]["enabled"]:
        return
    from ..report import write_plots, write_report

    write_plots(run.path)  # from the folder as it is now: the tables just written included
    print(f"report: {write_report(run.path)}")


def flagged(run, table):
    """The table with its model/theme's validity flags as a last column (topics.validation.flags.with_flags);
    a run folder without flags.csv is said to have none on stderr."""
    from ..run_files import FLAGS
    from ..validation.flags import with_flags

    if run.table(FLAGS) is None:
        print(f"note: {run.file(FLAGS)} is absent (a run folder older than it): the flags column is empty; "
              f"`topics remap {run.path}` writes it", file=sys.stderr)
    return with_flags(run, table)


def grouping(by: list[str] | None, bins: list[str], column_types: dict[str, str]) -> tuple[list[str] | None, dict]:
    """--by and --bins as shares() takes them: --by decade is year in periods of 10 (unless the documents have
    a decade column), and a binned column is grouped by even when --by leaves it out."""
    from ..inference.shares import parse_bins

    periods = parse_bins(bins)
    by = list(by) if by else []
    if "decade" in by and "decade" not in column_types:
        if "year" in by:
            raise InputError("--by decade year: decade is the year in periods of 10; give one of them")
        by[by.index("decade")] = "year"
        periods.setdefault("year", 10.0)
    by += [column for column in periods if column not in by]
    return by or None, periods


def parse_where_option(args: argparse.Namespace):
    """--where checked before the run is read (None when not given); refused with --gold, whose coded sample
    was drawn from every document of the run."""
    from ..where import parse_where

    if args.where is None:
        return None
    if getattr(args, "gold", None) is not None:
        raise InputError("--where: not with --gold: the coded sample was drawn from every document of the run, so "
                         "its inclusion probabilities do not hold for a subset")
    return parse_where(args.where, "--where")


def refuse_without_gold(args: argparse.Namespace, *options: str) -> None:
    """InputError naming the options of the corrected estimates given without --gold, which they would not change."""
    given = [option for option in options if getattr(args, option.lstrip("-")) is not None]
    if given and args.gold is None:
        raise InputError(f"{' '.join(given)}: only with --gold GOLD.tsv, the coded sample the corrected estimates "
                         "start from")


def inference_options(args: argparse.Namespace, config: dict, *own: str, table: str = "inference") -> dict:
    """weight, seed and level (and the command's ``own`` settings of ``table``): each flag given, else the
    run's config, else the declared default."""
    chosen = {key: resolve(f"inference.{key}", getattr(args, key), config) for key in ("weight", "seed", "level")}
    chosen.update({key: resolve(f"{table}.{key}", getattr(args, key), config) for key in own})
    return chosen


def read_data(run, args: argparse.Namespace, subset: bool = True):
    """The run's study data with the column types of --column-type, else of the run config, and (``subset``)
    of the documents --where keeps, else the run config's [inference] where; editions (two documents of one
    year and region) are reported on stderr."""
    from ..inference import study_data

    types = dict(run.config.get("inference", {}).get("column_types", {}))
    for item in getattr(args, "column_type", []):
        column, sep, kind = item.partition("=")
        if not sep or not column:
            raise InputError(f"--column-type {item}: expected COL=number or COL=category")
        types[column.strip()] = kind.strip()
    # the run's own types held for its tables: a type that fails here is one the flags gave
    stated_by = "--column-type" if getattr(args, "column_type", None) else f"{run.file(CONFIG)}: inference.column_types"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = study_data(run, types, stated_by=stated_by)
    for warning in caught:
        print(f"warning: {warning.message}", file=sys.stderr)
    if subset:
        data = subset_data(data, args.where, run)
    elif run.config.get("inference", {}).get("where"):
        print(f"note: {run.file(CONFIG)}: inference.where is not applied with --gold: the coded sample was drawn "
              "from every document of the run", file=sys.stderr)
    documents = data.documents()
    # documents without a value of a grouping column are left out of its groups: said, not silent
    for column in dict.fromkeys(getattr(args, "by", None) or []):
        missing = int(documents[column].isna().sum()) if column in documents else 0
        if 0 < missing < len(documents):
            print(f"warning: --by {column}: {missing} of the {len(documents)} documents have no {column} and are "
                  "left out", file=sys.stderr)
    return data


def subset_data(data, given: str | None, run):
    """The study data restricted by --where, else by the run config's [inference] where (said on stdout)."""
    from ..where import parse_where

    text = given if given is not None else run.config.get("inference", {}).get("where", "")
    if not text:
        return data
    where = parse_where(text, "--where" if given is not None else f"{run.file(CONFIG)}: inference.where")
    data, line = data.subset(where)
    print(line)
    return data


def kept_units(run, args: argparse.Namespace):
    """A mask over the run's units: those of the documents --where (else the run's [inference] where)
    keeps; None when no subset is asked for."""
    if args.where is None and not run.config.get("inference", {}).get("where"):
        return None
    return _mask(run, read_data(run, args))


def units_of(run, where):
    """A mask over the run's units: those of the documents ``where`` (a checked condition) keeps; what it kept
    is said on stdout."""
    from ..inference import study_data

    with warnings.catch_warnings():  # editions are warned about by the commands that estimate from them
        warnings.simplefilter("ignore")
        data = study_data(run, run.config.get("inference", {}).get("column_types", {}))
    data, line = data.subset(where)
    print(line)
    return _mask(run, data)


def _mask(run, data):
    import numpy as np

    kept = np.zeros(len(run.units), bool)
    kept[data.units["row"].to_numpy()] = True
    return kept


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
