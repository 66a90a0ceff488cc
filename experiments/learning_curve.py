"""How many hand-coded units does a supervised model need? A learning curve on the labelled sets.

The labelled sets dev, a and b (see handcoded_check.py) are split three ways: train on two of them,
score on the third (a+dev → b, b+dev → a, a+b → dev). For each split and each training size (50,
100, 200, 400 and all units of the two sets), `--draws` random draws of that many units are
labelled; the model is fitted on the sample and the city reports of 2024 together with the two
sets' units (only the drawn ones carry their label) and assigns the third set's units afresh
(as `topics assign` does). The score is six-label macro-F1. seeded-lda, which uses no labels, is
fitted with the same seeds as the reference.

Usage: python experiments/learning_curve.py [--models supervised seeded-supervised] [--sizes 50 100 all]
           [--draws 5] [--params C=3 class_weight=None] [-o rows.csv]
"""

from __future__ import annotations

import argparse
import ast
import sys
import warnings

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score

from handcoded_check import CORPORA, LABELLED_SETS, labelled_corpus, labelled_units, training_set
from topics.assignment import assignments
from topics.lexicon import Lexicon
from topics.mapping import apply_mapping
from topics.models import MODELS, make_model
from topics.tokenize import Tokenizer, TokenizerSettings

SPLITS = {"b": ("a", "dev"), "a": ("b", "dev"), "dev": ("a", "b")}  # scored set: the sets trained on
REFERENCE = "seeded-lda"


def main() -> int:
    args = parse_args()
    if not CORPORA.is_dir():
        print(f"needs the real corpora at {CORPORA}", file=sys.stderr)
        return 2
    warnings.simplefilter("ignore")  # seed words missing from the vocabulary, rare labels in a fold: expected
    lexicon = Lexicon.load()
    labels = lexicon.labels_with_other
    tokenizer = Tokenizer(TokenizerSettings())
    sets = {}
    for name, path in LABELLED_SETS.items():
        units, gold = labelled_units(path)
        sets[name] = (units, tokenizer.tokenize([u.text for u in units]), gold)
    print("reading and tokenizing the training corpus …", file=sys.stderr)
    base_units, base_tokens, _ = training_set(tokenizer, lexicon)

    rows = []
    for scored, trained_on in SPLITS.items():
        pool = [(unit, tokens, label) for name in trained_on for unit, tokens, label in zip(*sets[name])]
        units, tokens, gold = sets[scored]
        corpus, pool_labels = labelled_corpus(base_units, base_tokens, pool)
        row_of_pool = _rows_of(corpus, base_units, pool)
        unfitted = [pool[j][0].unit_id for j, row in enumerate(row_of_pool) if row is None]
        if unfitted:
            print(f"{len(unfitted)} labelled unit(s) have no vocabulary word and cannot be trained on "
                  f"(e.g. {unfitted[0]})", file=sys.stderr)
        pool = [entry for entry, row in zip(pool, row_of_pool) if row is not None]
        row_of_pool = [row for row in row_of_pool if row is not None]

        def score(model) -> float:
            apply_mapping(model.result_, model.lexicon_)
            predicted = assignments(model.result_, units, doc_topic=model.transform(tokens),
                                    known_tokens=model.known_tokens(tokens))["theme"]
            return f1_score(gold, predicted.tolist(), labels=labels, average="macro", zero_division=0)

        for draw in range(args.draws):
            if args.reference:
                rows.append({"model": REFERENCE, "scored": scored, "size": 0, "draw": draw,
                             "macro_f1": score(make_model(REFERENCE, random_state=draw).fit(corpus, lexicon))})
                _show(rows[-1])
            for size in args.sizes:
                n = len(pool) if size == "all" else int(size)
                if n > len(pool):
                    continue
                chosen = set(np.random.default_rng(draw).choice(len(pool), size=n, replace=False).tolist())
                drawn = ["" for _ in pool_labels]
                for j in chosen:
                    drawn[row_of_pool[j]] = pool[j][2]
                for name in args.models:
                    if MODELS[name].deterministic and size == "all" and draw > 0:
                        continue  # every draw of all units is the same fit
                    model = make_model(name, **{**args.params, "random_state": draw}).fit(corpus, lexicon, labels=drawn)
                    rows.append({"model": name, "scored": scored, "size": n if size != "all" else "all", "draw": draw,
                                 "units": n, "macro_f1": score(model)})
                    _show(rows[-1])
    table = pd.DataFrame(rows)
    if args.output:
        table.to_csv(args.output, index=False)
    print(summary_markdown(table, {name: len(sets[name][0]) for name in sets}, args))
    return 0


def _rows_of(corpus, base_units, pool) -> list[int]:
    """The corpus row of each pool unit (labelled_corpus puts units not in the base corpus after it)."""
    known = {unit.unit_id: i for i, unit in enumerate(base_units)}
    position, extra = [], len(base_units)
    for unit, _, _ in pool:
        if unit.unit_id in known:
            position.append(known[unit.unit_id])
        else:
            position.append(extra)
            extra += 1
    row_of_unit = {int(unit_index): row for row, unit_index in enumerate(corpus.kept)}
    return [row_of_unit.get(p) for p in position]  # None: no word of the vocabulary, not fitted


def _show(row: dict) -> None:
    print(" ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()),
          file=sys.stderr, flush=True)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=["supervised", "seeded-supervised"],
                        choices=[name for name, cls in MODELS.items() if cls.needs_labels])
    parser.add_argument("--sizes", nargs="+", default=["50", "100", "200", "400", "all"])
    parser.add_argument("--draws", type=int, default=5, help="random draws per size (seeds 0 … draws-1)")
    parser.add_argument("--params", nargs="*", default=[], metavar="KEY=VALUE",
                        help="model parameters, as Python literals (C=3 class_weight=None)")
    parser.add_argument("--no-reference", dest="reference", action="store_false",
                        help=f"do not fit {REFERENCE} (no labels) for reference")
    parser.add_argument("-o", "--output", help="also write every fit's row to this CSV")
    args = parser.parse_args()
    args.params = {key: ast.literal_eval(value) for key, value in (item.split("=", 1) for item in args.params)}
    return args


def summary_markdown(table: pd.DataFrame, sizes: dict[str, int], args) -> str:
    """Mean ± sd over draws of each model × training size, per scored set, and the mean of the three."""
    params = ", ".join(f"{k}={v!r}" for k, v in args.params.items()) or "defaults"
    lines = [f"Six-label macro-F1 on the scored set, mean ± sd over {args.draws} draws ({params}; scored sets: "
             f"{', '.join(f'{k} {v} units' for k, v in sizes.items())}).", "",
             "| model | units coded | scored b (trained a+dev) | scored a (b+dev) | scored dev (a+b) | mean |",
             "|---|---|---|---|---|---|"]
    for (model, size), group in table.groupby(["model", "size"], sort=False):
        cells = []
        for scored in SPLITS:
            values = group.loc[group["scored"] == scored, "macro_f1"].to_numpy(dtype=float)
            cells.append("–" if not len(values) else f"{values.mean():.3f}" + (f" ± {values.std():.3f}" if len(values) > 1 else ""))
        means = group.groupby("scored")["macro_f1"].mean()
        pools = ", ".join(str(sum(sizes[name] for name in trained_on)) for trained_on in SPLITS.values())
        shown = "none" if size == 0 else (f"all ({pools})" if size == "all" else size)
        lines.append(f"| {model} | {shown} | " + " | ".join(cells) + f" | {means.mean():.3f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
