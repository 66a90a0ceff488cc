"""topics evaluate RUN_DIR --gold GOLD.tsv [-o gold_metrics.csv]"""

from __future__ import annotations

from pathlib import Path

from ..outputs import open_output, writable_output


def configure(parser) -> None:
    parser.add_argument("run_dir", type=Path, help="a finished run folder (written by topics run)")
    parser.add_argument("--gold", type=Path, required=True,
                        help="hand-coded units: TSV with columns doc, unit, label, heading, text")
    parser.add_argument("-o", "--output", type=Path, default=None,
                        help="CSV of scores, one row per model (default: RUN_DIR/gold_metrics.csv)")


def run(args) -> int:
    from ..evaluation import evaluate_run
    from ..run_files import GOLD_METRICS

    output = args.output or args.run_dir / GOLD_METRICS
    if args.output or args.run_dir.is_dir():  # (a missing run folder is reported as such, not created)
        writable_output(output)  # a bad output path fails before the models are loaded
    table = evaluate_run(args.run_dir, args.gold)
    with open_output(output, newline="") as out:
        table.to_csv(out, index=False)
    shown = [c for c in ("model", "units", "no_vocabulary", "accuracy", "macro_f1", "nmi", "ari") if c in table.columns]
    print(table[shown].to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    for model, count, units in zip(table["model"], table["no_vocabulary"], table["units"]):
        if count:  # as `topics assign` says it: these units get no real assignment
            print(f"{model}: {count} of {units} gold units without any word of the model's vocabulary (theme other, p 0)")
    print(f"scores: {output}")
    return 0
