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
from handcoded_check import LABELLED_SETS, labelled_units, training_set  # noqa: E402
from heldout_check import document_context  # noqa: E402

from topics import OTHER  # noqa: E402
from topics.assignment import in_context, theme_probabilities  # noqa: E402
from topics.lexicon import Lexicon  # noqa: E402
from topics.mapping import apply_mapping  # noqa: E402
from topics.models import make_model  # noqa: E402
from topics.tokenize import Tokenizer, TokenizerSettings  # noqa: E402


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
    context, context_tokens = document_context(sets, lexicon, tokenizer)
    index = {u.unit_id: i for i, u in enumerate(context)}
    _, _, corpus = training_set(tokenizer, lexicon)
    labels = [*lexicon.names, OTHER]
    scores = defaultdict(list)
    for seed in args.seeds:
        model = make_model("seeded-lda", random_state=seed).fit(corpus, lexicon)
        apply_mapping(model.result_, lexicon)
        names, probs = theme_probabilities(model.transform(context_tokens), model.result_.topic_themes)
        known = model.known_tokens(context_tokens)
        for weight in args.weights:
            for bonus in args.bonuses:
                mixed = in_context(probs, names, context, section_weight=weight, heading_bonus=bonus)
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
