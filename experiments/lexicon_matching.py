"""Theme words inside longer words, and the economic 环境: what the dictionary baseline counts.

1. The State Council reports (../shared/corpora/national_gwr_hprc, every unit but headings, the vocabulary
   filters of `topics run`): the units the dictionary assigns to ecology with the package's lexicon and with
   the same lexicon without its ecology exclusions (国际环境, 发展环境 … then come out as 国际 + 环境), and how
   many of them hold 环境 only in those senses and no other ecology word.
2. Every hand-coded unit (sets dev, a, b, c, d) whose coded theme's words it holds only inside longer words
   (科技 inside 科技成果转化): exact matching cannot see the theme there; how many of them the dictionary
   (fitted as experiments/handcoded_check.py fits it) now assigns to their coded theme.

Usage: python experiments/lexicon_matching.py
"""

from __future__ import annotations

import dataclasses
import re
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from handcoded_check import CODED_SETS, CORPORA, labelled_units, training_set  # noqa: E402

from topics.assignment import assignments  # noqa: E402
from topics.ingest import ingest_paths  # noqa: E402
from topics.lexicon import Lexicon  # noqa: E402
from topics.mapping import apply_mapping  # noqa: E402
from topics.models import make_model  # noqa: E402
from topics.tokenize import Tokenizer, TokenizerSettings  # noqa: E402
from topics.vectorize import build_corpus  # noqa: E402

AMBIGUOUS = "环境"


def dictionary_themes(units, lexicon: Lexicon) -> tuple[list[str], list[list[str]]]:
    """The dictionary's theme of every unit (fitted on the units themselves), and their tokens."""
    tokens = Tokenizer(TokenizerSettings(), lexicon_words=lexicon.words()).tokenize([u.text for u in units])
    corpus = build_corpus(tokens, keep_words=lexicon.words())
    model = make_model("dictionary").fit(corpus, lexicon)
    apply_mapping(model.result_, lexicon)
    table = assignments(model.result_, [units[i] for i in corpus.kept])
    theme_of = dict(zip(table["unit_id"], table["theme"]))
    return [theme_of.get(u.unit_id, "other") for u in units], tokens


def other_senses_only(text: str, exclusions: list[str]) -> bool:
    """Whether every 环境 of the text sits inside one of the exclusions."""
    inside = sum(len(re.findall(re.escape(word), text)) for word in exclusions if AMBIGUOUS in word)
    return text.count(AMBIGUOUS) > 0 and inside >= text.count(AMBIGUOUS)


def ambiguous_ecology(lexicon: Lexicon) -> None:
    units = [u for u in ingest_paths([str(CORPORA / "national_gwr_hprc")], themes=lexicon).units if u.kind != "heading"]
    exclusions = lexicon.exclude.get("ecology", [])
    plain = dataclasses.replace(lexicon, exclude={})
    ecology_words = set(lexicon.themes["ecology"]) - {AMBIGUOUS}
    print(f"State Council reports (hprc edition): {len(units)} units")
    for name, used in (("without the exclusions", plain), ("with the exclusions", lexicon)):
        themes, tokens = dictionary_themes(units, used)
        ecology = [i for i, theme in enumerate(themes) if theme == "ecology"]
        other_sense = [i for i in ecology if other_senses_only(units[i].text, exclusions)
                       and not ecology_words.intersection(tokens[i])]
        print(f"  {name}: {len(ecology)} units assigned to ecology, {len(other_sense)} of them with 环境 only "
              f"in an economic, institutional or international sense")
        for i in other_sense[:5]:
            print(f"    {units[i].unit_id}: {units[i].text[:60]}")


def words_inside(lexicon: Lexicon) -> None:
    tokenizer = Tokenizer(TokenizerSettings(), lexicon_words=lexicon.words())
    train, _, corpus = training_set(tokenizer, lexicon)
    model = make_model("dictionary").fit(corpus, lexicon)
    apply_mapping(model.result_, lexicon)
    vocabulary = list(corpus.vocab)
    holders = lexicon.holders(vocabulary)
    found = predicted_right = 0
    examples = []
    for name, path in CODED_SETS.items():
        units, labels = labelled_units(path)
        tokens = tokenizer.tokenize([u.text for u in units])
        themes = model.transform(tokens).argmax(axis=1)
        topics = model.result_.topic_themes
        for unit, unit_tokens, label, best in zip(units, tokens, labels, themes):
            if label not in lexicon.themes or set(lexicon.themes[label]).intersection(unit_tokens):
                continue
            held = set(lexicon.counted_terms(lexicon.themes[label], label, holders)).intersection(unit_tokens)
            if held:
                found += 1
                predicted_right += topics[best] == label
                examples.append(f"{name} {unit.unit_id} {label}: {', '.join(sorted(held))}")
    print(f"Hand-coded units whose coded theme's words they hold only inside longer words: {found}; "
          f"the dictionary assigns {predicted_right} of them to their coded theme (exact matching: none)")
    for line in examples[:8]:
        print(f"  {line}")


def main() -> int:
    warnings.simplefilter("ignore")
    lexicon = Lexicon.load()
    ambiguous_ecology(lexicon)
    words_inside(lexicon)
    return 0


if __name__ == "__main__":
    sys.exit(main())
