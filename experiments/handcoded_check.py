"""How well do the models assign hand-coded units to their themes (six labels, with other)?

Every model is fitted with its default parameters on the bundled sample together with
../shared/corpora/city_gwr_2024 (as `topics run` would), then assigns the hand-coded units afresh
(as `topics assign` does) and is scored by macro-F1 over the six labels, on each labelled set.
A model that needs labels (supervised, seeded-supervised) is scored on each set after training on
the other two: their units join the training corpus with their labels (as a run with
`[evaluation] labels = GOLD.tsv` gives them), the scored set's units keep none.

  dev   experiments/dev_labels_province_2026.tsv  150 provincial units, one coder; consulted for defaults
  a     experiments/handcoded_a.tsv               300 city, district and State Council units; consulted
  b     experiments/handcoded_b.tsv               300 units of all four corpora; held out

The units are rebuilt from ../shared/corpora by `topics ingest`'s own cutting; a unit whose text no
longer matches the stored check is reported and left out. `--write-gold DIR` also writes every coded set
(dev, a, b and the held-out sets c and d of heldout_check.py) as DIR/gold_<set>.tsv, and all of them as
DIR/gold_all.tsv (doc, unit, label, heading, text, text_sha1): for `topics evaluate RUN_DIR --gold`, and
for `[evaluation] training` in a run (the pooled codes of every corpus); `--gold-only` stops there.

Usage: python experiments/handcoded_check.py [--seeds 1 2 3] [--models seeded-lda dictionary]
           [--write-gold runs/gold [--gold-only]] [-o table.csv]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import sys
import warnings
from collections import defaultdict
from pathlib import Path

import pandas as pd
from sklearn.metrics import f1_score

from topics import OTHER
from topics.documents import Unit
from topics.evaluation import flat_text, text_sha1
from topics.ingest import ingest_paths
from topics.ingest.structure import LONGEST_PART
from topics.models import MODEL_NAMES, MODELS, make_model
from topics.lexicon import Lexicon
from topics.assignment import assignments
from topics.mapping import apply_mapping
from topics.tokenize import Tokenizer, TokenizerSettings
from topics.vectorize import build_corpus

HERE = Path(__file__).resolve().parent
SAMPLE = HERE.parent / "corpora" / "xining_chengxi_2024.txt"
CORPORA = HERE.parent.parent / "shared" / "corpora"
VOCABULARY = {"no_below": 5, "no_above": 0.3}  # the training corpus's filters
LABELLED_SETS = {
    "dev": HERE / "dev_labels_province_2026.tsv",
    "a": HERE / "handcoded_a.tsv",
    "b": HERE / "handcoded_b.tsv",
}
# every coded set: the three above, set C (held out for the final measurements, heldout_check.py) and set D
# (1954–1979 State Council units)
CODED_SETS = {**LABELLED_SETS, "c": HERE / "handcoded_c.tsv", "d": HERE / "handcoded_d.tsv"}
# The coded sets were drawn from units cut only into even parts of at most 1,000 characters, before `[corpus]
# max_unit_chars` cut long units further; their units (and the reports around them) are rebuilt with that cut.
CODED_CUT = LONGEST_PART


def main() -> int:
    args = parse_args()
    if not CORPORA.is_dir():
        print(f"needs the real corpora at {CORPORA}", file=sys.stderr)
        return 2
    warnings.simplefilter("ignore")  # seed words missing from the vocabulary: expected
    themes, other_words, facets = Lexicon.load().themes, Lexicon.load().other_words, Lexicon.load().facets
    labels = [*themes, OTHER]
    tokenizer = Tokenizer(TokenizerSettings())
    if args.write_gold:
        write_every_gold(Path(args.write_gold))
        if args.gold_only:
            return 0
    sets = {name: labelled_units(path) for name, path in LABELLED_SETS.items()}
    set_tokens = {name: tokenizer.tokenize([u.text for u in units]) for name, (units, _) in sets.items()}

    print("reading and tokenizing the training corpus …", file=sys.stderr)
    train_units, train_tokens, corpus = training_set(tokenizer, Lexicon.load())

    rows = []
    for name in args.models:
        for seed in args.seeds:
            row = {"model": name, "seed": seed}
            params = {"random_state": seed} if "random_state" in MODELS[name].param_rules else {}
            if not MODELS[name].needs_labels:
                model = make_model(name, **params)
                model.fit(corpus, themes, other_words, facets)
                apply_mapping(model.result_, model.lexicon_)
            for set_name, (units, gold) in sets.items():
                if MODELS[name].needs_labels:  # trained on the other sets' units and labels
                    others = [(unit, tokens, label) for other in sets if other != set_name
                              for unit, tokens, label in zip(sets[other][0], set_tokens[other], sets[other][1])]
                    set_corpus, set_labels = labelled_corpus(train_units, train_tokens, others)
                    model = make_model(name, **params).fit(set_corpus, Lexicon.load(), labels=set_labels)
                    apply_mapping(model.result_, model.lexicon_)
                tokens = set_tokens[set_name]
                predicted = assignments(model.result_, units, doc_topic=model.transform(tokens),
                                        known_tokens=model.known_tokens(tokens))["theme"].tolist()
                row[set_name] = f1_score(gold, predicted, labels=labels, average="macro", zero_division=0)
                if set_name == "b":
                    for source, score in by_source(units, gold, predicted, labels).items():
                        row[f"b:{source}"] = score
            rows.append(row)
            print(" ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()),
                  file=sys.stderr, flush=True)
            if MODELS[name].deterministic:
                break  # one fit stands for every seed
    table = pd.DataFrame(rows)
    if args.output:
        table.to_csv(args.output, index=False)
    print(summary_markdown(table, sets))
    return 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=list(MODEL_NAMES), choices=MODEL_NAMES)
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    parser.add_argument("--write-gold", metavar="DIR",
                        help="also write every coded set as DIR/gold_<set>.tsv, and all of them as DIR/gold_all.tsv")
    parser.add_argument("--gold-only", action="store_true", help="with --write-gold: write the files and stop")
    parser.add_argument("-o", "--output", help="also write every fit's row to this CSV")
    return parser.parse_args()


def training_set(tokenizer: Tokenizer, lexicon: Lexicon) -> tuple[list[Unit], list[list[str]], object]:
    """What every check trains on: the units of the bundled sample and the 122 city reports (headings left
    out), their tokens, and the corpus built from them with the lexicon's words kept, as `topics run` does."""
    units = [u for u in ingest_paths([str(SAMPLE), str(CORPORA / "city_gwr_2024")], themes=lexicon).units
             if u.kind != "heading"]
    tokens = tokenizer.tokenize([u.text for u in units])
    return units, tokens, build_corpus(tokens, **VOCABULARY, keep_words=lexicon.words())


def labelled_units(path: Path, units: dict[str, Unit] | None = None) -> tuple[list[Unit], list[str]]:
    """The units of a labelled set, rebuilt from ../shared/corpora (or taken from ``units``, every unit of the
    corpora by id, when they are read already), and their labels."""
    with path.open(encoding="utf-8") as handle:
        records = list(csv.DictReader((line for line in handle if not line.startswith("#")), delimiter="\t"))
    found = units if units is not None else {}
    for corpus_name in sorted({record["unit_id"].split("/", 1)[0] for record in records}) if units is None else ():
        found.update({u.unit_id: u for u in ingest_paths([str(CORPORA / corpus_name)], max_unit_chars=CODED_CUT).units})
    by_text = {}  # a unit whose id moved (a unit before it in its report cut otherwise) is found by its text
    for unit in found.values():
        by_text.setdefault((unit.doc_id, _sha1(unit.text)), unit)
    kept, labels, lost = [], [], []
    for record in records:
        unit = found.get(record["unit_id"])
        check = record.get("text_sha1")
        if check and (unit is None or _sha1(unit.text) != check):
            unit = by_text.get((record["unit_id"].rsplit(":", 1)[0], check))
        if unit is None:
            lost.append(record["unit_id"])
            continue
        kept.append(unit)
        labels.append(record["label"])
    if lost:
        print(f"warning: {path.name}: {len(lost)} unit(s) are no longer cut the same way by ingest and are left out "
              f"(e.g. {lost[0]})", file=sys.stderr)
    return kept, labels


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def labelled_corpus(units: list[Unit], tokens: list[list[str]],
                    labelled: list[tuple[Unit, list[str], str]], lexicon: Lexicon | None = None) -> tuple:
    """The training corpus (as main builds it) with the labelled units added (a unit already in it keeps
    its place), and each corpus row's label ("" for unlabelled units): what a supervised model trains on."""
    label_of = {unit.unit_id: label for unit, _, label in labelled}
    known = {unit.unit_id for unit in units}
    extra = [(unit, unit_tokens) for unit, unit_tokens, _ in labelled if unit.unit_id not in known]
    all_units = list(units) + [unit for unit, _ in extra]
    corpus = build_corpus(list(tokens) + [unit_tokens for _, unit_tokens in extra], **VOCABULARY,
                          keep_words=(lexicon or Lexicon.load()).words())
    return corpus, [label_of.get(all_units[i].unit_id, "") for i in corpus.kept]


def write_gold(units: list[Unit], labels: list[str], path: Path) -> Path:
    """A GOLD.tsv as `topics evaluate` reads it (tabs and line breaks inside text become spaces), with each
    unit's text check (text_sha1), by which its label finds the unit in a copy of the corpus named otherwise."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        handle.write("doc\tunit\tlabel\theading\ttext\ttext_sha1\n")
        for unit, label in zip(units, labels):
            handle.write(f"{unit.doc_id}\t{unit.unit_id}\t{label}\t{flat_text(unit.heading or '')}\t"
                         f"{flat_text(unit.text)}\t{text_sha1(unit.text)}\n")
    return path


def write_every_gold(folder: Path) -> list[Path]:
    """Every coded set as folder/gold_<set>.tsv, and all of them as folder/gold_all.tsv."""
    written, pooled = [], ([], [])
    for name, path in CODED_SETS.items():
        units, labels = labelled_units(path)
        written.append(write_gold(units, labels, folder / f"gold_{name}.tsv"))
        pooled[0].extend(units)
        pooled[1].extend(labels)
    written.append(write_gold(*pooled, folder / "gold_all.tsv"))
    for path in written:
        print(f"wrote {path}", file=sys.stderr)
    return written


def by_source(units: list[Unit], gold: list[str], predicted: list[str], labels: list[str]) -> dict[str, float]:
    """Macro-F1 per corpus the units come from."""
    groups = defaultdict(list)
    for i, unit in enumerate(units):
        groups[unit.doc_id.split("/", 1)[0]].append(i)
    return {source: f1_score([gold[i] for i in rows], [predicted[i] for i in rows], labels=labels, average="macro",
                             zero_division=0) for source, rows in sorted(groups.items())}


def summary_markdown(table: pd.DataFrame, sets: dict) -> str:
    columns = [c for c in table.columns if c not in ("model", "seed")]
    sizes = {name: len(units) for name, (units, _) in sets.items()}
    lines = [f"Six-label macro-F1, mean ± sd over seeds {' '.join(map(str, sorted(table['seed'].unique())))} "
             f"(units: {', '.join(f'{k} {v}' for k, v in sizes.items())}).", "",
             "| model | " + " | ".join(columns) + " |", "|---|" + "---|" * len(columns)]
    for model, group in table.groupby("model", sort=False):
        cells = []
        for column in columns:
            values = group[column].to_numpy(dtype=float)
            cells.append(f"{values.mean():.3f}" + (f" ± {values.std():.3f}" if len(values) > 1 else ""))
        lines.append(f"| {model} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
