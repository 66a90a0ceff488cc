"""Do the models put the seed sample's ten theme units under their themes, and how well do
they agree with labels?

Every model is fitted (with its default parameters unless given) on the bundled sample together
with ../shared/corpora/city_gwr_2024, then scored:

  ten          how many of the sample's ten theme units get their theme: 一是 ecology, 二是 industry,
               三是 livelihood, 四是 governance, 五是 safety; 在打造生态文明高地上… ecology,
               在建设产业“四地”上… industry, 在推动高质量发展上… industry, 在办实事惠民生上… livelihood,
               在社会治理现代化上… governance
  city_f1      macro-F1 over the five themes against the weak labels (the theme a unit's heading
               names) of the training units that have one
  nat_assign   the same on ../shared/corpora/national_gwr_wikisource, the units assigned by the
               fitted model (as `topics assign` does)
  nat_fit      the same with the model fitted on the national reports themselves
  dev6_f1      six-label macro-F1 (with other) on the hand-labelled development units listed in
               experiments/dev_labels_province_2026.tsv, assigned by the fitted model
  other        share of the training units assigned to other
  fit_s        seconds to fit on the cities corpus

Usage: python experiments/seed_units_check.py [--seeds 0 1 2] [--models seeded-lda seeded-nmf]
           [--set seeded-lda.seed_boost=0.3 ...] [--no-below 5] [--no-above 0.3] [-o table.csv]
Needs ../shared/corpora beside the project. Segmentation is cached (~/.cache/topics), so reruns
start quickly.
"""

from __future__ import annotations

import argparse
import ast
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score

from topics import OTHER
from topics.ingest import ingest_paths
from topics.models import MODEL_NAMES, make_model
from topics.lexicon import Lexicon
from topics.assignment import assignments
from topics.mapping import apply_mapping
from topics.tokenize import Tokenizer, TokenizerSettings
from topics.vectorize import build_corpus

from handcoded_check import LABELLED_SETS, labelled_units

PROJECT = Path(__file__).resolve().parent.parent
SAMPLE = PROJECT / "corpora" / "xining_chengxi_2024.txt"
CORPORA = PROJECT.parent / "shared" / "corpora"

SEED_THEME_UNITS = [
    ("一是", "ecology"), ("二是", "industry"), ("三是", "livelihood"), ("四是", "governance"), ("五是", "safety"),
    ("在打造生态文明高地上", "ecology"), ("在建设产业“四地”上", "industry"), ("在推动高质量发展上", "industry"),
    ("在办实事惠民生上", "livelihood"), ("在社会治理现代化上", "governance"),
]


def main() -> int:
    args = parse_args()
    if not CORPORA.is_dir():
        print(f"needs the real corpora at {CORPORA}", file=sys.stderr)
        return 2
    warnings.simplefilter("ignore")  # seed words missing from the vocabulary: expected, listed elsewhere
    themes = Lexicon.load().themes
    other_words = Lexicon.load().other_words
    facets = Lexicon.load().facets
    tokenizer = Tokenizer(TokenizerSettings())
    vocabulary = {"no_below": args.no_below, "no_above": args.no_above,
                  "keep_words": Lexicon.load().words()}  # as `topics run`

    print("reading and tokenizing …", file=sys.stderr)
    train_units, train_tokens = prepare([SAMPLE, CORPORA / "city_gwr_2024"], themes, tokenizer)
    national_units, national_tokens = prepare([CORPORA / "national_gwr_wikisource"], themes, tokenizer)
    dev_units, dev_gold = labelled_units(LABELLED_SETS["dev"])
    dev_tokens = tokenizer.tokenize([u.text for u in dev_units])
    train = build_corpus(train_tokens, **vocabulary)
    national = build_corpus(national_tokens, **vocabulary)
    kept_units = [train_units[i] for i in train.kept]
    national_kept = [national_units[i] for i in national.kept]
    expected = {row: theme for row, theme in seed_rows(kept_units)}
    print(f"training units: {len(kept_units)} ({train.excluded_empty} empty excluded), vocabulary {len(train.vocab)}; "
          f"national units: {len(national.kept)}; dev units: {len(dev_units)}", file=sys.stderr)

    rows = []
    for name in args.models:
        for seed in args.seeds:
            params = dict(args.params.get(name, {}))
            if name != "dictionary":
                params["random_state"] = seed
            model = make_model(name, **params)
            start = time.perf_counter()
            model.fit(train, themes, other_words, facets)
            seconds = time.perf_counter() - start
            apply_mapping(model.result_, model.lexicon_)
            predicted = assignments(model.result_, kept_units)["theme"].tolist()
            row = {
                "model": name, "seed": seed, "k": model.result_.k,
                "ten": sum(predicted[r] == theme for r, theme in expected.items()),
                "missed": " ".join(f"{kept_units[r].text[:4]}→{predicted[r]}" for r, t in expected.items() if predicted[r] != t),
                "city_f1": weak_f1(kept_units, predicted, themes),
                "nat_assign": weak_f1(national_units, assign_new(model, national_units, national_tokens), themes),
                "nat_fit": weak_f1(national_kept, fit_predict(name, params, national, (themes, other_words, facets), national_kept),
                                   themes),
                "dev6_f1": f1_score(dev_gold, assign_new(model, dev_units, dev_tokens), labels=list(themes) + [OTHER],
                                    average="macro", zero_division=0) if dev_units else float("nan"),
                "other": float(np.mean(np.array(predicted) == OTHER)),
                "fit_s": seconds,
            }
            rows.append(row)
            print(f"{name} seed {seed}: ten={row['ten']} city_f1={row['city_f1']:.3f} nat_assign={row['nat_assign']:.3f} "
                  f"nat_fit={row['nat_fit']:.3f} dev6_f1={row['dev6_f1']:.3f} other={row['other']:.2f} "
                  f"fit={seconds:.1f}s {row['missed']}", file=sys.stderr, flush=True)
            if name == "dictionary":
                break  # no randomness: one fit stands for every seed
    table = pd.DataFrame(rows)
    if args.output:
        table.to_csv(args.output, index=False)
    print(summary_markdown(table, args))
    return 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=list(MODEL_NAMES), choices=MODEL_NAMES)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--set", dest="settings", nargs="*", default=[], metavar="MODEL.PARAM=VALUE",
                        help="a model parameter other than its default, e.g. seeded-lda.seed_boost=0.3")
    parser.add_argument("--no-below", type=int, default=5)
    parser.add_argument("--no-above", type=float, default=0.3)
    parser.add_argument("-o", "--output", help="also write every fit's row to this CSV")
    args = parser.parse_args()
    args.params = {}
    for setting in args.settings:
        key, _, value = setting.partition("=")
        model, _, param = key.partition(".")
        try:
            parsed = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            parsed = value
        args.params.setdefault(model, {})[param] = parsed
    return args


def prepare(paths: list[Path], themes: dict, tokenizer: Tokenizer):
    units = ingest_paths([str(p) for p in paths], themes=themes).units
    return units, tokenizer.tokenize([u.text for u in units])


def seed_rows(units) -> list[tuple[int, str]]:
    found = []
    for marker, theme in SEED_THEME_UNITS:
        rows = [i for i, u in enumerate(units) if u.doc_id.startswith(SAMPLE.stem) and u.text.startswith(marker)]
        if not rows:
            raise SystemExit(f"seed theme unit {marker} not found among the training units")
        found.append((rows[0], theme))
    return found


def assign_new(model, units, token_lists) -> list[str]:
    table = assignments(model.result_, units, doc_topic=model.transform(token_lists),
                        known_tokens=model.known_tokens(token_lists))
    return table["theme"].tolist()


def fit_predict(name: str, params: dict, corpus, lexicon: tuple, units) -> list[str]:
    """Themes of ``units`` (aligned with the corpus rows) from a model fitted on that corpus;
    ``lexicon``: (themes, other words, facets)."""
    model = make_model(name, **params).fit(corpus, *lexicon)
    apply_mapping(model.result_, model.lexicon_)
    return assignments(model.result_, units)["theme"].tolist()


def weak_f1(units, predicted: list[str], themes: dict) -> float:
    pairs = [(u.weak_label, p) for u, p in zip(units, predicted) if u.weak_label]
    if not pairs:
        return float("nan")
    gold, pred = zip(*pairs)
    return f1_score(gold, pred, labels=list(themes), average="macro", zero_division=0)


def summary_markdown(table: pd.DataFrame, args) -> str:
    columns = ["ten", "city_f1", "nat_assign", "nat_fit", "dev6_f1", "other", "fit_s"]
    grouped = table.groupby("model", sort=False)
    lines = [
        f"Trained on the sample + city_gwr_2024 (vocabulary no_below={args.no_below}, no_above={args.no_above}); "
        f"seeds {' '.join(map(str, args.seeds))}; mean ± sd over seeds.",
        "",
        "| model | k | " + " | ".join(columns) + " |",
        "|---|---|" + "---|" * len(columns),
    ]
    for name, group in grouped:
        cells = [name, str(group["k"].iloc[0])]
        for column in columns:
            values = group[column].astype(float)
            digits = 1 if column in ("ten", "fit_s") else 3
            cells.append(f"{values.mean():.{digits}f}" + (f" ± {values.std():.{digits}f}" if len(values) > 1 else ""))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
