"""``topics effects RUN_DIR --formula "~ year + C(region)"``: how each theme's document share depends on
document metadata (fractional logit, intervals by the method of composition over bootstrap draws and
seeds; see topics.inference.effects). Writes the coefficients (effects.csv), the expected share over
each numeric covariate of the formula (effects_expected.csv beside it), the differences in expected share
between the levels of each category or 0/1 covariate and the average slope of each other numeric one in
percentage points (effects_contrasts.csv) and their plots.

With ``--gold GOLD.tsv`` (a coded sample drawn with known inclusion probabilities): the effects on the
shares of the run's codable units by the model alone and corrected by the sample (DSL pseudo-outcomes,
topics.inference.corrected), side by side: RUN_DIR/effects_corrected.csv and
effects_corrected_expected.csv, which the report shows."""

from __future__ import annotations

import argparse
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path

from ..errors import InputError, listed
from ..outputs import open_output, writable_output
from ..settings import add_flag
from .shares import (add_gold_options, add_run_options, holding_if_written, inference_options, parse_where_option,
                     read_data, redraw_report, refuse_without_gold)


def configure(parser: argparse.ArgumentParser) -> None:
    add_run_options(parser)
    parser.add_argument("--formula", required=True,
                        help='right-hand side of the regression over document metadata (patsy), '
                             'e.g. "~ year", "~ bs(year, df=4) + C(region)"')
    parser.add_argument("--theme", nargs="+", default=None, help="only these themes (default: every theme)")
    for name in ("effects.draws", "effects.uncertainty"):
        add_flag(parser, name)
    add_gold_options(parser)
    parser.add_argument("-o", "--output", type=Path, default=None,
                        help="CSV of coefficients (default RUN_DIR/effects.csv, with --gold "
                             "RUN_DIR/effects_corrected.csv); expected shares and plots beside it")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from ..formula import check_formula
    from ..run_folder import RunFolder

    check_formula(args.formula, "--formula")  # before the run is read; its columns are checked once it is
    refuse_without_gold(args, "--predictions")
    parse_where_option(args)
    run = RunFolder.open(args.run_dir)
    with holding_if_written(run, args.output, "effects"):
        if args.gold is None:
            _effects(run, args)
        else:
            _corrected(run, args)
        redraw_report(run, args)  # it shows the effects
    return 0


def _effects(run, args: argparse.Namespace) -> None:
    from ..inference import effects
    from ..report.inference import effects_plots
    from ..report.ldavis import theme_display_names
    from ..run_files import EFFECTS
    from ..validation.flags import effects_with_flags

    output = writable_output(args.output or run.file(EFFECTS))
    expected_path = writable_output(output.with_name(f"{output.stem}_expected.csv"))
    contrasts_path = writable_output(output.with_name(f"{output.stem}_contrasts.csv"))
    data = read_data(run, args)
    chosen = inference_options(args, run.config, "draws", "uncertainty", table="effects")
    with _said_warnings():
        result = effects(data, args.formula, model=args.model, k=args.k, themes=args.theme,
                         progress=not args.no_progress, **chosen)
    _report_skipped(result.skipped, result.table)
    result = effects_with_flags(run, result)
    with open_output(output, newline="") as out:
        result.table.to_csv(out, index=False)
    if not result.expected.empty:
        with open_output(expected_path, newline="") as out:
            result.expected.to_csv(out, index=False)
    if not result.contrasts.empty:
        with open_output(contrasts_path, newline="") as out:
            result.contrasts.to_csv(out, index=False)
    else:
        contrasts_path.unlink(missing_ok=True)  # an earlier formula's, which this one does not have
    effects_plots(result.table, result.expected, theme_display_names(run.lexicon), output.with_suffix(".png"),
                  expected_path.with_suffix(".png"), result.contrasts, contrasts_path.with_suffix(".png"))
    shown = result.table[result.table["term"] != "Intercept"]
    print(shown[["model", "k", "theme", "term", "estimate", "ci_low", "ci_high"]].to_string(
        index=False, float_format=lambda v: f"{v:.4g}"))
    if not result.contrasts.empty:
        print("\nin percentage points, over the documents as they are: differences between levels, and average "
              "slopes per unit of a numeric covariate:")
        print(result.contrasts[["model", "k", "theme", "covariate", "kind", "level", "reference", "difference",
                                "ci_low", "ci_high"]].to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    print(f"effects: {output}" + (f"; expected shares: {expected_path}" if not result.expected.empty else "")
          + (f"; contrasts in points: {contrasts_path}" if not result.contrasts.empty else ""))


def _corrected(run, args: argparse.Namespace) -> None:
    from ..inference.corrected import coded_sample, corrected_effects
    from ..run_files import CORRECTED_EFFECTS, CORRECTED_EXPECTED
    from ..settings import resolve
    from ..validation.flags import with_flags

    output = writable_output(args.output or run.file(CORRECTED_EFFECTS))
    expected_path = writable_output(output.with_name(f"{output.stem}_expected.csv") if args.output
                                    else run.file(CORRECTED_EXPECTED))
    data = read_data(run, args, subset=False)
    sample = coded_sample(run, data, args.gold)
    chosen = inference_options(args, run.config, "draws", "uncertainty", table="effects")
    predictions = resolve("inference.predictions", args.predictions, run.config)
    with _said_warnings():
        table, expected, skipped = corrected_effects(data, sample, args.formula, model=args.model, k=args.k,
                                                     themes=args.theme, predictions=predictions,
                                                     progress=not args.no_progress, **chosen)
    _report_skipped(skipped, table)
    table, expected = with_flags(run, table), with_flags(run, expected)
    with open_output(output, newline="") as out:
        table.to_csv(out, index=False)
    with open_output(expected_path, newline="") as out:
        expected.to_csv(out, index=False)
    shown = table[table["term"] != "Intercept"]
    print(shown[["model", "k", "theme", "term", "estimator", "estimate", "ci_low", "ci_high"]].to_string(
        index=False, float_format=lambda v: f"{v:.4g}"))
    print(f"effects, model-only and corrected by {sample.size} coded units ({sample.design} design): {output}; "
          f"expected shares: {expected_path}")


def _report_skipped(skipped: list[str], table) -> None:
    """Each theme without an effect, as a warning; InputError when no theme has one (nothing to write)."""
    if table.empty:
        raise InputError(f"no effect estimated: {listed(skipped)}" if skipped else "no effect estimated")
    for why in skipped:
        print(f"warning: no effect estimated for {why}", file=sys.stderr)


@contextmanager
def _said_warnings():
    """Print what the estimation warns about (documents left out) as the command's own warning lines."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for warning in caught:
        print(f"warning: {warning.message}", file=sys.stderr)
