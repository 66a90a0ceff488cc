"""How good is the pretrained model out of the box, and what made it so?

`--levers`: each choice of experiments/train_pretrained.py measured by cross-validation over reports on the
coded sets dev, a, b and d — set C held out, neither trained on nor scored — with the vocabulary of every
unit of the corpora; the units of a fold are assigned with every unit of their reports (section and heading
counting as in `topics assign`). Six-label macro-F1 overall, per source, per label, and how well the chosen
model's probabilities are calibrated at temperature 1 and at the temperature train_pretrained.py picks
(expected calibration error of the most probable theme, Brier score).

`--heldout`: the model built without set C, then scored on C as `topics assign` assigns C's reports: with C's
labels left out (its reports' text still in the vocabulary, set D's units of the same 1954–1979 reports still
learnt from), and with C's reports left out altogether (their text and every coded unit of them: the reports
are new to the model, as a user's are).

Usage: python experiments/pretrained_check.py [--levers] [--heldout] [--folds 10]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import warnings
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.preprocessing import normalize

sys.path.insert(0, str(Path(__file__).resolve().parent))
from handcoded_check import CODED_CUT, CODED_SETS, CORPORA, labelled_units  # noqa: E402
from train_pretrained import (FOLDS, PARAMS, TOKENIZER, VOCABULARY, Coded, assess, build,  # noqa: E402
                              calibrated_temperature, calibration_error, cross_validate, once_per_text, read_coded,
                              report_of, scores_of, train)

from topics import OTHER  # noqa: E402
from topics.assignment import fit_themes  # noqa: E402
from topics.ingest import ingest_paths  # noqa: E402
from topics.lexicon import Lexicon  # noqa: E402
from topics.mapping import MappingSettings  # noqa: E402
from topics.models import load_pretrained  # noqa: E402
from topics.models.supervised import SeededSupervised  # noqa: E402
from topics.tokenize import Tokenizer, TokenizerSettings, settings_for_new_text  # noqa: E402
from topics.vectorize import count_matrix  # noqa: E402

CONSULTED = ["dev", "a", "b", "d"]
SOURCES = ["cities", "provinces", "Hailar district", "State Council 1980–", "State Council 1954–1979"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levers", action="store_true", help="cross-validate each choice on dev, a, b, d")
    parser.add_argument("--heldout", action="store_true", help="score the model built without C on C")
    parser.add_argument("--folds", type=int, default=FOLDS)
    args = parser.parse_args()
    if not CORPORA.is_dir():
        print(f"needs the real corpora at {CORPORA}", file=sys.stderr)
        return 2
    warnings.simplefilter("ignore")
    if args.levers:
        levers(args.folds)
    if args.heldout:
        heldout()
    return 0


# ---- the levers -------------------------------------------------------------------------------


def levers(folds: int) -> None:
    lexicon = Lexicon.load()
    data = read_coded(lexicon, CONSULTED)
    tokens = Tokenizer(TokenizerSettings(**TOKENIZER), lexicon_words=lexicon.words()).tokenize(
        [unit.text for unit in data.units])
    run_defaults = {"no_below": 2, "no_above": 0.5}
    rows = []

    def measure(name, params=PARAMS, vocabulary=VOCABULARY, mapping=None, extra=None, model=None):
        if model is None:
            model, _ = train(data, tokens, lexicon, params, vocabulary)
        out = {}
        scores = cross_validate(model, data, tokens, folds, mapping, out, extra=extra and extra(model))
        rows.append((name, scores, out))
        print(f"{name}: {scores['macro_f1']:.3f}", file=sys.stderr, flush=True)

    measure("words alone, a run's vocabulary (`supervised`'s defaults)", {}, run_defaults)
    measure("words alone", {})
    measure("+ the characters of each word (char_ngrams = 1)", {"char_ngrams": 1})
    measure("**+ and pairs of characters (char_ngrams = 2): the shipped model** (at temperature 1)")
    measure("+ and triples (char_ngrams = 3)", {"char_ngrams": 3})
    measure("shipped, C = 3", {**PARAMS, "C": 3.0})
    measure("shipped, C = 30", {**PARAMS, "C": 30.0})
    measure("shipped, classes unweighted", {**PARAMS, "class_weight": None})
    measure("shipped, no section or heading evidence", mapping=MappingSettings(section_weight=0.0, heading_bonus=0.0))
    measure("shipped, section weight 0.1, heading bonus 0.1", mapping=MappingSettings(section_weight=0.1, heading_bonus=0.1))
    measure("shipped + its section's words as features (weight 0.5)", extra=lambda m: section_features(m, data, tokens))
    measure("shipped + its heading's words as features (weight 0.5)", extra=lambda m: heading_features(m, data))
    seeded = SeededSupervised(**PARAMS, seeded_weight=0.3, random_state=1)
    measure("shipped + seeded LDA's topic shares (weight 0.3, seeded-supervised)",
            model=_fitted(seeded, data, tokens, lexicon))
    for name, keep in (("shipped, vocabulary of the city reports and the coded units",
                        lambda unit: unit.doc_id.startswith("city_gwr_2024/")),
                       ("shipped, vocabulary of the coded units alone", lambda unit: False)):
        fewer = vocabulary_of(data, keep)
        fewer_tokens = [tokens[i] for i in fewer.kept]
        model, _ = train(fewer.data, fewer_tokens, lexicon)
        out = {}
        rows.append((name, cross_validate(model, fewer.data, fewer_tokens, folds, None, out), out))
        print(f"{name}: {rows[-1][1]['macro_f1']:.3f}", file=sys.stderr, flush=True)
    print(levers_table(rows))
    print()
    print(calibration_table(rows, data))


@dataclass
class Fewer:
    data: Coded
    kept: list[int]  # the units of the full data it keeps


def vocabulary_of(data: Coded, keep) -> Fewer:
    """The coded units with fewer other units beside them: those ``keep`` says yes to (their text makes the
    vocabulary, and is the context of the coded units of their reports)."""
    coded = set(data.coded)
    kept = [i for i, unit in enumerate(data.units) if i in coded or keep(unit)]
    position = {i: k for k, i in enumerate(kept)}
    return Fewer(Coded([data.units[i] for i in kept], [position[i] for i in data.coded], data.labels, data.sets), kept)


def section_features(model, data: Coded, tokens, weight: float = 0.5):
    """Each unit's features beside the mean features of the other units under its section headings."""
    features = model._features(count_matrix(tokens, model.vocab_))
    groups = defaultdict(list)
    for i, unit in enumerate(data.units):
        if unit.meta.get("section"):
            groups[(unit.doc_id, tuple(unit.meta["section"]))].append(i)
    rows, cols, values = [], [], []
    for members in groups.values():
        for i in members:
            others = [j for j in members if j != i]
            rows += [i] * len(others)
            cols += others
            values += [1.0 / max(len(others), 1)] * len(others)
    mean = sparse.csr_matrix((values, (rows, cols)), shape=(len(data.units),) * 2)
    return weight * normalize(mean @ features)


def heading_features(model, data: Coded, weight: float = 0.5):
    """The features of each unit's heading (the lead sentence or section heading it sits under)."""
    tokenizer = Tokenizer(TokenizerSettings(**TOKENIZER), lexicon_words=Lexicon.load().words())
    headings = tokenizer.tokenize([unit.heading or "" for unit in data.units])
    return weight * model._features(count_matrix(headings, model.vocab_))


def _fitted(model, data: Coded, tokens, lexicon):
    from topics.mapping import apply_mapping
    from topics.vectorize import build_corpus

    corpus = build_corpus(tokens, **VOCABULARY, keep_words=lexicon.words())
    label_of = dict(zip(data.coded, data.labels))
    model.fit(corpus, lexicon, labels=[label_of.get(int(i), "") for i in corpus.kept])
    apply_mapping(model.result_, lexicon, MappingSettings())
    return model


def levers_table(rows) -> str:
    header = ["choice", "macro-F1", *SOURCES, "safety", "other"]
    lines = ["| " + " | ".join(header) + " |", "|---|" + "---|" * (len(header) - 1)]
    for name, scores, _ in rows:
        cells = [f"{scores['macro_f1']:.3f}"]
        cells += [f"{scores['by_source'][s]['macro_f1']:.3f}" if s in scores["by_source"] else "–" for s in SOURCES]
        cells += [f"{scores['by_label'][label]['f1']:.3f}" for label in ("safety", OTHER)]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    n = rows[0][1]["units"]
    counts = ", ".join(f"{s} {v['units']}" for s, v in rows[0][1]["by_source"].items())
    return f"Cross-validated over reports, {n} coded units of dev, a, b, d ({counts}):\n\n" + "\n".join(lines)


def calibration_table(rows, data: Coded) -> str:
    """The chosen model's probabilities at temperature 1 and at the temperature train_pretrained.py picks."""
    _, _, out = next(row for row in rows if "shipped model" in row[0])
    topics = out["labels"]
    temperature = calibrated_temperature(data, out["folds"], out["known"], topics)
    truth = np.array([[label == t for t in topics] for label in data.labels], dtype=float)
    lines = ["| temperature | macro-F1 | calibration error (most probable theme) | Brier score |", "|---|---|---|---|"]
    for value in (1.0, temperature):
        predicted, probabilities = assess(data, out["folds"], out["known"], topics, value)
        scores = scores_of(data.labels, predicted, [data.units[i] for i in data.coded], topics)
        lines.append(f"| {value:.2f} | {scores['macro_f1']:.3f} | "
                     f"{calibration_error(probabilities, data.labels, topics):.3f} | "
                     f"{((probabilities - truth) ** 2).sum(axis=1).mean():.3f} |")
    return ("The shipped choice (char_ngrams = 2), its probabilities as assigned (section and heading counted), at "
            "temperature 1 and at the one that minimises their log loss:\n\n" + "\n".join(lines))


# ---- set C held out ---------------------------------------------------------------------------


def heldout() -> None:
    lexicon = Lexicon.load()
    units = [unit for name in sorted({p.name for p in CORPORA.iterdir() if p.is_dir()} - {"hailar_district_gwr_raw"})
             for unit in ingest_paths([str(CORPORA / name)], themes=lexicon, max_unit_chars=CODED_CUT).units]
    coded_c, labels_c = labelled_units(CODED_SETS["c"], {unit.unit_id: unit for unit in units})
    kept = once_per_text(coded_c, labels_c, {}, CODED_SETS["c"])  # C's text coded twice is scored once
    coded_c, labels_c = [coded_c[k] for k in kept], [labels_c[k] for k in kept]
    reports = {report_of(unit) for unit in coded_c}
    context = [unit for unit in units if report_of(unit) in reports
               and (unit.kind != "heading" or unit.unit_id in {u.unit_id for u in coded_c})]
    rows = []
    for name, options in (("C's labels left out", {"without": ["c"]}),
                          ("C's reports left out altogether", {"unseen": ["c"]})):
        with tempfile.TemporaryDirectory() as folder:
            build(Path(folder), **options)
            model = load_pretrained(folder)
            settings = settings_for_new_text(model.tokenizer_settings_, "pretrained")
            tokens = Tokenizer(settings, lexicon_words=model.lexicon_.words()).tokenize([u.text for u in context])
            themes = fit_themes(model.result_, context, model.transform(tokens), model.known_tokens(tokens))
        row_of = {unit.unit_id: i for i, unit in enumerate(context)}
        predicted = [themes.theme_names()[row_of[unit.unit_id]] for unit in coded_c]
        rows.append((name, scores_of(labels_c, predicted, coded_c, [*lexicon.themes, OTHER])))
    sources = list(rows[0][1]["by_source"])
    header = ["pretrained model", "C", *(f"{s} ({rows[0][1]['by_source'][s]['units']})" for s in sources),
              "safety", "other"]
    print("| " + " | ".join(header) + " |")
    print("|---|" + "---|" * (len(header) - 1))
    for name, scores in rows:
        cells = [f"{scores['macro_f1']:.3f}", *(f"{scores['by_source'][s]['macro_f1']:.3f}" for s in sources),
                 *(f"{scores['by_label'][label]['f1']:.3f}" for label in ("safety", OTHER))]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print("\nF1 per label: " + "; ".join(f"{name}: " + ", ".join(f"{label} {v['f1']:.2f}"
                                                                   for label, v in scores["by_label"].items())
                                        for name, scores in rows))


if __name__ == "__main__":
    sys.exit(main())
