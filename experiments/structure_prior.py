"""Does a unit's place in its report help tell its theme? Measured on the consulted hand-coded sets (dev, A, B).

Government reports are hierarchical: a paragraph under （七）加强生态文明建设 usually shares the section's theme.
Seeded LDA is fitted as handcoded_check.py fits it (the 122 city reports and the bundled sample); each labelled
unit's theme probabilities are then mixed with the mean of the units under the same section heading of its
document (``--section-weight``), and/or given a bonus for the theme its section heading names (the weak label,
``--heading-bonus``); each unit's own words stay decisive when both are small. Prints macro-F1 per set for each
combination. Set C is never read here.

Usage: python experiments/structure_prior.py [--seeds 1 2] [--weights 0 0.2 0.4] [--bonuses 0 0.1 0.2]
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
from handcoded_check import CORPORA, LABELLED_SETS, SAMPLE, labelled_units  # noqa: E402

from topics import OTHER  # noqa: E402
from topics.assignment import theme_probabilities  # noqa: E402
from topics.ingest import ingest_paths  # noqa: E402
from topics.lexicon import Lexicon  # noqa: E402
from topics.mapping import apply_mapping  # noqa: E402
from topics.models import make_model  # noqa: E402
from topics.tokenize import Tokenizer, TokenizerSettings  # noqa: E402
from topics.vectorize import build_corpus  # noqa: E402


def section_key(unit) -> tuple:
    """The innermost section a unit sits under (its enclosing headings), within its document."""
    return unit.doc_id, tuple(unit.meta.get("section", ()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--weights", nargs="+", type=float, default=[0.0, 0.2, 0.35, 0.5])
    parser.add_argument("--bonuses", nargs="+", type=float, default=[0.0, 0.1, 0.2, 0.3])
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    lexicon = Lexicon.load()
    tokenizer = Tokenizer(TokenizerSettings(), lexicon_words=lexicon.words())
    sets = {name: labelled_units(path) for name, path in LABELLED_SETS.items()}
    # every unit of the documents the labelled units come from: their sections' other units
    corpora = sorted({u.unit_id.split("/", 1)[0] for units, _ in sets.values() for u in units})
    docs = {u.doc_id for units, _ in sets.values() for u in units}
    context = [u for corpus in corpora for u in ingest_paths([str(CORPORA / corpus)], themes=lexicon).units
               if u.doc_id in docs]
    context_tokens = tokenizer.tokenize([u.text for u in context])
    index = {u.unit_id: i for i, u in enumerate(context)}
    sections = defaultdict(list)
    for i, unit in enumerate(context):
        sections[section_key(unit)].append(i)

    train_units = [u for u in ingest_paths([str(SAMPLE), str(CORPORA / "city_gwr_2024")], themes=lexicon).units
                   if u.kind != "heading"]
    corpus = build_corpus(tokenizer.tokenize([u.text for u in train_units]), no_below=5, no_above=0.3,
                          keep_words=lexicon.words())
    labels = [*lexicon.names, OTHER]
    scores = defaultdict(list)
    for seed in args.seeds:
        model = make_model("seeded-lda", random_state=seed).fit(corpus, lexicon)
        apply_mapping(model.result_, lexicon)
        names, probs = theme_probabilities(model.transform(context_tokens), model.result_.topic_themes)
        known = model.known_tokens(context_tokens)
        section_mean = np.zeros_like(probs)
        for members in sections.values():
            section_mean[members] = probs[members].mean(axis=0)
        for weight in args.weights:
            for bonus in args.bonuses:
                mixed = (1 - weight) * probs + weight * section_mean
                for i, unit in enumerate(context):
                    if bonus and unit.weak_label in names:
                        mixed[i, names.index(unit.weak_label)] += bonus
                for set_name, (units, gold) in sets.items():
                    rows = [index[u.unit_id] for u in units]
                    predicted = [OTHER if known[r] == 0 else names[int(mixed[r].argmax())] for r in rows]
                    scores[(weight, bonus, set_name)].append(
                        f1_score(gold, predicted, labels=labels, average="macro", zero_division=0))
        print(f"seed {seed} done", file=sys.stderr, flush=True)
    print("| section weight | heading bonus | " + " | ".join(sets) + " |")
    print("|---|---|" + "---|" * len(sets))
    for weight in args.weights:
        for bonus in args.bonuses:
            cells = [f"{np.mean(scores[(weight, bonus, s)]):.3f}" for s in sets]
            print(f"| {weight:g} | {bonus:g} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
