"""``topics effects RUN_DIR --formula "~ year + C(region)"``: how each theme's document share depends on
document metadata (fractional logit, intervals by the method of composition over bootstrap draws and
seeds; see topics.inference.effects). Writes the coefficients (effects.csv), the expected share over
each numeric covariate of the formula (effects_expected.csv beside it) and their plots."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..formula import check_formula
from ..outputs import writable_output
from .shares import add_run_options, finished_run, read_data


def configure(parser: argparse.ArgumentParser) -> None:
    add_run_options(parser)
    parser.add_argument("--formula", required=True,
                        help='right-hand side of the regression over document metadata (patsy), '
                             'e.g. "~ year", "~ bs(year, df=4) + C(region)"')
    parser.add_argument("--theme", nargs="+", default=None, help="only these themes (default: every theme)")
    parser.add_argument("--weight", choices=("units", "length", "soft"), default="units",
                        help="how document shares are counted (see topics shares; default units)")
    parser.add_argument("--draws", type=int, default=200, help="draws for the intervals (default 200)")
    parser.add_argument("--uncertainty", choices=("composition", "documents"), default="composition",
                        help="composition (default): units resampled within documents, seeds pooled, coefficients "
                             "drawn from each refit (as stm's estimateEffect; errs on the wide side); documents: "
                             "documents resampled, seeds pooled")
    parser.add_argument("-o", "--output", type=Path, default=None,
                        help="CSV of coefficients (default RUN_DIR/effects.csv); expected shares and plots beside it")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from ..inference import effects
    from ..report.inference import write_effects

    check_formula(args.formula, "--formula")  # before the run is read; its columns are checked once it is
    output = writable_output(args.output or finished_run(args.run_dir) / "effects.csv")
    expected_path = writable_output(output.with_name(f"{output.stem}_expected.csv"))
    data = read_data(args)
    result = effects(data, args.formula, model=args.model, k=args.k, themes=args.theme, weight=args.weight,
                     draws=args.draws, seed=args.seed, level=args.level, uncertainty=args.uncertainty,
                     progress=not args.no_progress)
    for why in result.skipped:
        print(f"warning: no effect estimated for {why}", file=sys.stderr)
    write_effects(args.run_dir, result, output, expected_path)
    shown = result.table[result.table["term"] != "Intercept"]
    print(shown[["model", "k", "theme", "term", "estimate", "ci_low", "ci_high"]].to_string(
        index=False, float_format=lambda v: f"{v:.4g}"))
    print(f"effects: {output}" + (f"; expected shares: {expected_path}" if not result.expected.empty else ""))
    return 0
