"""How many hand-coded units does a supervised model need? A learning curve on the labelled sets.

The labelled sets dev, a and b (see handcoded_check.py) are split three ways: train on two of them,
score on the third (a+dev → b, b+dev → a, a+b → dev). For each split and each training size (50,
100, 200, 400 and all units of the two sets), `--draws` random draws of that many units are
labelled; the model is fitted on the sample and the city reports of 2024 together with the two
sets' units (only the drawn ones carry their label) and assigns the third set's units afresh
(as `topics assign` does). The score is six-label macro-F1. seeded-lda, which uses no labels, is
fitted with the same seeds as the reference.

`--active`: the coding loop's arm. Sets A and C (620 units) are the study's corpus, whose codes the pretrained
model did not see: they are cut by report into three folds, and for each fold the other two are the pool of
units a researcher could code and the fold the units scored. Units are coded 50, then 50, 100 and 200 more
(50, 100, 200, 400 in all), chosen at random (one permutation, taken in order) or by the learn design
(topics.validation.sample, the package's own code: `topics validate --design learn`), the model retrained on
what is coded so far before each batch: ``active`` forms the design's strata afresh from each retrained
model's themes and uncertainty over the pool; ``kit`` keeps the first batch's strata and shares each later
batch among them by the retrained model's uncertainty, as `topics validate --add N --learn-from MODEL` does.
Three starts: the pretrained model retrained without A and C (train_pretrained.py's recipe, on dev, B and D: 650
units), the coded units added to its own; that model's weights moved toward the coded units alone, as
``pretrained-adapted`` moves the shipped model's (topics.models.adapt: what a user can do, the shipped model's
training text not being shipped); and nothing (the classifier learns from the coded units alone; its
first learn batch is drawn from the themes of the dictionary baseline, which needs no coded unit, as a kit is
drawn from its run's model). Every model has the pretrained model's features (vocabulary of the five corpora,
words and character pairs) and temperature, and assigns the scored fold's units with every unit of their
reports around them, as `topics assign` does. Six-label macro-F1 on the scored fold, mean over folds and draws.

Usage: python experiments/learning_curve.py [--models supervised seeded-supervised] [--sizes 50 100 all]
           [--draws 5] [--params C=3 class_weight=None] [-o rows.csv]
       python experiments/learning_curve.py --active [--draws 5] [--batch 50] [--starts adapted] [--params C=3] [-o rows.csv]
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
from topics.models import MODELS, make_model, model_params
from topics.tokenize import Tokenizer, TokenizerSettings

SPLITS = {"b": ("a", "dev"), "a": ("b", "dev"), "dev": ("a", "b")}  # scored set: the sets trained on
REFERENCE = "seeded-lda"


def main() -> int:
    args = parse_args()
    if not CORPORA.is_dir():
        print(f"needs the real corpora at {CORPORA}", file=sys.stderr)
        return 2
    if args.active:
        return active_curve(args.draws, args.output, args.batch, args.starts, args.params)
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
                        help="model parameters, as Python literals (C=3 class_weight=None); with --active, "
                             "those of the adapted start's adaptation")
    parser.add_argument("--no-reference", dest="reference", action="store_false",
                        help=f"do not fit {REFERENCE} (no labels) for reference")
    parser.add_argument("-o", "--output", help="also write every fit's row to this CSV")
    parser.add_argument("--active", action="store_true",
                        help="random against active selection of the units to code, on sets A and C")
    parser.add_argument("--starts", nargs="+", default=list(STARTS), choices=STARTS,
                        help="with --active: the starts to run (default: all)")
    parser.add_argument("--batch", type=int, default=None,
                        help="with --active: code this many units per active batch, the model retrained after each "
                             "(default: batches that make 50, 100, 200, 400)")
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


# ---- the active arm ----------------------------------------------------------------------------

HELD_OUT = ("a", "c")  # the study's coded units: neither the pretrained start nor any choice saw them
ACTIVE_SIZES = (50, 100, 200, 400)
ACTIVE_FOLDS = 3
ARMS = ("random", "active", "kit")
STARTS = ("pretrained", "adapted", "nothing")


def active_curve(draws: int, output: str | None, batch: int | None = None, starts: list[str] = STARTS,
                 adapt_params: dict | None = None) -> int:
    from sklearn.model_selection import GroupKFold

    from train_pretrained import CODED_SETS, TOKENIZER, VOCABULARY, Coded, Fold, assess, read_coded, report_of, train
    from topics import OTHER
    from topics.assignment import fit_themes
    from topics.mapping import MappingSettings
    from topics.models.adapt import adapted
    from topics.tokenize import Tokenizer, TokenizerSettings
    from topics.validation.sample import draw as draw_batch
    from topics.validation.sample import frame_of, reweighted, uncertainty
    from topics.vectorize import build_corpus, count_matrix

    lexicon = Lexicon.load()
    labels = lexicon.labels_with_other
    print("reading and tokenizing the five corpora …", file=sys.stderr)
    data = read_coded(lexicon, list(CODED_SETS))
    tokens = Tokenizer(TokenizerSettings(**TOKENIZER), lexicon_words=lexicon.words()).tokenize(
        [unit.text for unit in data.units])
    base = [j for j, name in enumerate(data.sets) if name not in HELD_OUT]
    study = [j for j, name in enumerate(data.sets) if name in HELD_OUT]
    start, _ = train(Coded(data.units, [data.coded[j] for j in base], [data.labels[j] for j in base],
                           [data.sets[j] for j in base]), tokens, lexicon)
    temperature = 0.5  # the shipped model's (train_pretrained.py calibrates it on the same kind of folds)
    counts = count_matrix(tokens, start.vocab_)
    features, known = start._features(counts), np.asarray(counts.getnnz(axis=1))
    topics = [*start.themes_, OTHER]
    y = np.array(data.labels, dtype=object)
    groups = np.array([report_of(data.units[data.coded[j]]) for j in study])
    members = {}
    for i, unit in enumerate(data.units):
        members.setdefault(report_of(unit), []).append(i)

    dictionary = make_model("dictionary").fit(build_corpus(tokens, **VOCABULARY, keep_words=lexicon.words()),
                                               lexicon)
    apply_mapping(dictionary.result_, lexicon, MappingSettings())

    def fitted(rows: list[int]):  # a classifier on these coded units (indices into data.coded)
        with start._one_thread():
            return start._classifier().fit(features[[data.coded[j] for j in rows]], y[rows])

    shipped = fitted(base)  # what a user installs: its weights, without the units it learnt from

    # pretrained-adapted's parameters but its seed, which draws the folds of its own cross-validation only
    moving = {key: value for key, value in {**model_params("pretrained-adapted"), **(adapt_params or {})}.items()
              if key != "random_state"}

    def moved(rows: list[int]):  # the shipped weights moved toward these coded units (pretrained-adapted)
        if not rows:
            return shipped
        with start._one_thread():
            return adapted(shipped, features[[data.coded[j] for j in rows]], y[rows], **moving)

    def themes_of(classifier, coded_rows: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """The theme and theme probabilities of the coded units ``coded_rows``, assigned in context (by the
        dictionary baseline when ``classifier`` is None)."""
        context = sorted({i for j in coded_rows for i in members[report_of(data.units[data.coded[j]])]})
        if classifier is None:
            context_tokens = [tokens[i] for i in context]
            themes = fit_themes(dictionary.result_, [data.units[i] for i in context],
                                dictionary.transform(context_tokens), dictionary.known_tokens(context_tokens))
            row_of = {i: r for r, i in enumerate(context)}
            rows = [row_of[data.coded[j]] for j in coded_rows]
            return np.array(themes.theme_names(), dtype=object)[rows], themes.in_columns(topics)[rows]
        probabilities = np.zeros((len(context), len(topics)))
        probabilities[:, [topics.index(c) for c in classifier.classes_]] = classifier.predict_proba(features[context])
        predicted, shares = assess(data, [Fold(np.asarray(coded_rows), context, probabilities)], known, topics,
                                   temperature)
        return predicted[coded_rows], shares[coded_rows]

    rows = []
    for fold, (pool_at, test_at) in enumerate(GroupKFold(n_splits=ACTIVE_FOLDS).split(study, groups=groups)):
        pool, test = [study[k] for k in pool_at], [study[k] for k in test_at]

        def score(classifier) -> float:
            predicted, _ = themes_of(classifier, test)
            return f1_score(y[test], predicted, labels=labels, average="macro", zero_division=0)

        rows.append({"fold": fold, "start": "pretrained", "arm": "none", "draw": 0, "units": 0,
                     "pool": len(pool), "scored": len(test), "macro_f1": score(shipped)})
        _show(rows[-1])
        for draw in range(draws):
            for begin, known_rows in [(name, base if name == "pretrained" else []) for name in starts]:
                learn = moved if begin == "adapted" else fitted
                for arm in ARMS:
                    rng = np.random.default_rng([draw, fold])
                    order = [int(k) for k in rng.permutation(len(pool))]  # random: one order, taken in turn
                    chosen: list[int] = []  # positions in the pool
                    classifier = learn(known_rows) if known_rows or begin == "adapted" else None
                    frame = None
                    steps = ACTIVE_SIZES if arm == "random" or not batch else \
                        sorted(set(range(batch, max(ACTIVE_SIZES) + 1, batch)) | set(ACTIVE_SIZES))
                    for size in steps:
                        if size > len(pool):
                            continue
                        if arm == "random":
                            chosen += [k for k in order if k not in chosen][: size - len(chosen)]
                        else:  # the kit's learn draw over the pool, from the latest model (or the dictionary)
                            assigned, shares = themes_of(classifier, pool)
                            if arm == "active" or frame is None:
                                frame = frame_of(np.arange(len(pool)), "learn", list(assigned), uncertainty(shares),
                                                 labels)
                            else:  # kit: its first strata, shared by the latest model (--add --learn-from)
                                frame = reweighted(frame, uncertainty(shares), set(range(len(pool))) - set(chosen))
                            chosen += [k for k, _ in draw_batch(frame, set(chosen), size - len(chosen), rng)]
                        classifier = learn(known_rows + [pool[k] for k in chosen])
                        if size not in ACTIVE_SIZES:
                            continue
                        rows.append({"fold": fold, "start": begin, "arm": arm, "draw": draw, "units": size,
                                     "pool": len(pool), "scored": len(test), "macro_f1": score(classifier)})
                        _show(rows[-1])
    table = pd.DataFrame(rows)
    if output:
        table.to_csv(output, index=False)
    print(active_markdown(table, draws))
    return 0


def active_markdown(table: pd.DataFrame, draws: int) -> str:
    folds = table[table["arm"] == "none"]
    pools, scored = "/".join(map(str, folds["pool"])), "/".join(map(str, folds["scored"]))
    lines = [f"Six-label macro-F1 on the scored fold of sets A + C, mean (± sd) over {table['fold'].nunique()} folds × "
             f"{draws} draws (pool {pools} units, scored {scored}); "
             f"the pretrained start with no coded unit: {folds['macro_f1'].mean():.3f}.", "",
             "| start | selection | " + " | ".join(str(n) for n in ACTIVE_SIZES) + " |",
             "|---|---|" + "---|" * len(ACTIVE_SIZES)]
    for (begin, arm), group in table[table["arm"] != "none"].groupby(["start", "arm"], sort=False):
        cells = []
        for size in ACTIVE_SIZES:
            values = group.loc[group["units"] == size, "macro_f1"].to_numpy(dtype=float)
            cells.append(f"{values.mean():.3f} ± {values.std():.3f}" if len(values) else "–")
        lines.append(f"| {begin} | {arm} | " + " | ".join(cells) + " |")
    # the target: a learn arm with 200 units against random with 400, paired by fold and draw
    wide = table[table["arm"] != "none"].pivot_table(index=["start", "fold", "draw"], columns=["arm", "units"],
                                                     values="macro_f1")
    lines.append("")
    for begin in dict.fromkeys(table.loc[table["arm"] != "none", "start"]):
        for arm in [a for a in ARMS if a != "random"]:
            gap = (wide.loc[begin, (arm, 200)] - wide.loc[begin, ("random", 400)]).to_numpy()
            lines.append(f"{begin}, {arm} with 200 units − random with 400: {gap.mean():+.3f} ± {gap.std():.3f} "
                         f"(ahead or level in {(gap >= 0).sum()} of {len(gap)})")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
