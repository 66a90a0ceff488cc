"""Agreement with hand coding as a run gives it: every unit of a labelled unit's document is assigned
(so its section and heading count as they do in `topics run`), then the labelled units are scored.

Models are fitted as experiments/handcoded_check.py fits them (the 122 city reports and the bundled sample,
default parameters, the package's lexicon and mapping settings). Macro-F1 over the six labels per set, and
per source and per label. Set C (experiments/handcoded_c.tsv) is the held-out set: it is scored only when
asked for with --sets c, once every choice has been fixed on dev, A and B.

Usage: python experiments/heldout_check.py [--sets dev a b] [--models seeded-lda dictionary] [--seeds 1 2 3]
           [--lexicon themes.toml] [--predictions predictions.tsv]
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
from handcoded_check import (CODED_CUT, CODED_SETS, CORPORA, LABELLED_SETS, labelled_corpus, labelled_units,  # noqa: E402
                             training_set)

from topics import OTHER  # noqa: E402
from topics.assignment import assignments  # noqa: E402
from topics.ingest import ingest_paths  # noqa: E402
from topics.lexicon import Lexicon  # noqa: E402
from topics.mapping import MappingSettings, apply_mapping  # noqa: E402
from topics.models import MODELS, make_model  # noqa: E402
from topics.tokenize import Tokenizer, TokenizerSettings  # noqa: E402

SETS = CODED_SETS


def source_of(unit_id: str) -> str:
    corpus, rest = unit_id.split("/", 1)
    if corpus.startswith("national"):
        year = int(rest[:4])
        return "State Council 1954–1979" if year < 1980 else "State Council 1980–" if year < 2023 else "State Council 2023–"
    return {"city_gwr_2024": "cities", "province_gwr_2026": "provinces", "hailar_district_gwr": "Hailar"}.get(corpus, corpus)


def document_context(sets: dict, lexicon: Lexicon, tokenizer: Tokenizer) -> tuple[list, list[list[str]]]:
    """Every unit of the documents the labelled units come from, and their tokens: what a run assigns
    around them (a few labelled units are headings with text of their own, so headings stay)."""
    corpora = sorted({u.unit_id.split("/", 1)[0] for units, _ in sets.values() for u in units})
    docs = {u.doc_id for units, _ in sets.values() for u in units}
    units = [u for corpus in corpora
             for u in ingest_paths([str(CORPORA / corpus)], themes=lexicon, max_unit_chars=CODED_CUT).units
             if u.doc_id in docs]
    return units, tokenizer.tokenize([u.text for u in units])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", nargs="+", default=["dev", "a", "b"], choices=list(SETS))
    parser.add_argument("--models", nargs="+", default=["seeded-lda", "seeded-nmf", "dictionary"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    parser.add_argument("--no-structure", action="store_true", help="give a unit's section and heading no weight")
    parser.add_argument("--lexicon", type=Path, default=None, help="a theme lexicon (TOML) instead of the package's")
    parser.add_argument("--predictions", type=Path, default=None,
                        help="also write every scored unit's label and prediction (model, seed, set, unit_id, label, "
                             "predicted) to this TSV, for reading the errors")
    parser.add_argument("--train-labels", nargs="*", default=None, choices=[s for s in SETS if s != "c"],
                        help="hand-coded sets a label-learning model (supervised) trains on "
                             "(default: those of dev, a, b not scored)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    lexicon = Lexicon.load(args.lexicon)
    settings = MappingSettings(section_weight=0.0, heading_bonus=0.0) if args.no_structure else MappingSettings()
    tokenizer = Tokenizer(TokenizerSettings(), lexicon_words=lexicon.words())
    sets = {name: labelled_units(SETS[name]) for name in args.sets}
    context, context_tokens = document_context(sets, lexicon, tokenizer)
    row_of = {u.unit_id: i for i, u in enumerate(context)}
    train, train_tokens, corpus = training_set(tokenizer, lexicon)
    coded = args.train_labels if args.train_labels is not None else [s for s in LABELLED_SETS if s not in args.sets]
    coded_units = []
    for name in coded:  # the hand-coded units a supervised model learns from (never a scored set's)
        units, gold = labelled_units(SETS[name])
        coded_units += list(zip(units, tokenizer.tokenize([u.text for u in units]), gold))
    labelled, corpus_labels = labelled_corpus(train, train_tokens, coded_units, lexicon) if coded_units else (None, None)
    labels = [*lexicon.names, OTHER]
    rows, by_source, by_label, predictions = [], defaultdict(list), defaultdict(list), []
    for name in args.models:
        for seed in args.seeds:
            params = {"random_state": seed} if "random_state" in MODELS[name].param_rules else {}
            if MODELS[name].needs_labels:
                if labelled is None:
                    raise SystemExit(f"{name} needs hand-coded units to learn from: --train-labels dev a b")
                model = make_model(name, **params).fit(labelled, lexicon, labels=corpus_labels)
            else:
                model = make_model(name, **params).fit(corpus, lexicon)
            apply_mapping(model.result_, lexicon, settings)
            table = assignments(model.result_, context, doc_topic=model.transform(context_tokens),
                                known_tokens=model.known_tokens(context_tokens))
            row = {"model": name, "seed": seed}
            for set_name, (units, gold) in sets.items():
                predicted = [table["theme"].iat[row_of[u.unit_id]] for u in units]
                predictions += [(name, seed, set_name, u.unit_id, g, p) for u, g, p in zip(units, gold, predicted)]
                row[set_name] = f1_score(gold, predicted, labels=labels, average="macro", zero_division=0)
                per_label = f1_score(gold, predicted, labels=labels, average=None, zero_division=0)
                for label, score in zip(labels, per_label):
                    if label in gold:
                        by_label[(name, set_name, label)].append(score)
                sources = defaultdict(lambda: ([], []))
                for unit, g, p in zip(units, gold, predicted):
                    sources[source_of(unit.unit_id)][0].append(g)
                    sources[source_of(unit.unit_id)][1].append(p)
                for source, (g, p) in sources.items():
                    by_source[(name, set_name, source, len(g))].append(
                        f1_score(g, p, labels=sorted(set(g)), average="macro", zero_division=0))
            rows.append(row)
            print(" ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()),
                  file=sys.stderr, flush=True)
            if MODELS[name].deterministic:
                break
    if args.predictions:
        pd.DataFrame(predictions, columns=["model", "seed", "set", "unit_id", "label", "predicted"]).to_csv(
            args.predictions, sep="\t", index=False)
    table = pd.DataFrame(rows)
    print("| model | " + " | ".join(args.sets) + " |")
    print("|---|" + "---|" * len(args.sets))
    for name, group in table.groupby("model", sort=False):
        cells = [f"{group[s].mean():.3f}" + (f" ± {group[s].std():.3f}" if len(group) > 1 else "") for s in args.sets]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print("\nBy source (macro-F1 over the labels present in the source):")
    for (name, set_name, source, n), scores in sorted(by_source.items()):
        print(f"  {name:11} {set_name:4} {source:24} n={n:<4} {np.mean(scores):.3f}")
    print("\nBy label (F1):")
    for (name, set_name, label), scores in sorted(by_label.items()):
        print(f"  {name:11} {set_name:4} {label:11} {np.mean(scores):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
