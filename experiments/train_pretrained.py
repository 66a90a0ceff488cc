"""Build the package's pretrained model (topics/pretrained/) from ../shared/corpora and the coded sets.

The model is `supervised` with the characters of its words as features too (char_ngrams = 2; what each
choice does is measured by experiments/pretrained_check.py), trained on every coded unit of experiments/
(sets dev, a, b, c and d: 1,257 distinct texts of city, district, provincial and State Council reports; a text
coded at two places counts once). Its vocabulary and inverse document frequencies come from every unit of the
five corpora the coded units were drawn from (all of ../shared/corpora but the GBK copy of the Hailar reports);
text is cut with jieba-rs and the package's lexicon words, as `topics assign` then cuts new text with it.

It is scored by cross-validation over reports: the coded units are split into folds by report (the two
editions of a State Council report count as one), and each fold's units are assigned together with every
unit of their reports (so that a unit's section and heading count, as in `topics assign`) by a classifier
trained on the other folds. The same predictions set its temperature: the one whose probabilities, once
assigned, have the least log loss (so that the shares and corrected estimates that read probabilities get
honest ones). Six-label macro-F1 overall, per source and per label, and the calibration error go into
pretrained.json with the rest of its provenance (package and library versions, the codebook's hash, the coded
sets' hashes, the corpora); training_units.tsv lists every unit it learnt from by id, set, label and text
hash.

The same corpora, coded sets and package and library versions give the same files, byte for byte
(tests/test_pretrained.py builds them afresh and compares).

Usage: python experiments/train_pretrained.py [-o topics/pretrained] [--without c] [--folds 10]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import warnings
from collections import defaultdict
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupKFold

sys.path.insert(0, str(Path(__file__).resolve().parent))
from handcoded_check import CODED_CUT, CODED_SETS, CORPORA, labelled_units  # noqa: E402

from topics import OTHER  # noqa: E402
from topics.assignment import fit_themes  # noqa: E402
from topics.documents import Unit  # noqa: E402
from topics.evaluation import text_sha1  # noqa: E402
from topics.ingest import ingest_paths  # noqa: E402
from topics.lexicon import Lexicon  # noqa: E402
from topics.mapping import MappingSettings, apply_mapping  # noqa: E402
from topics.result import TopicResult  # noqa: E402
from topics.models import PRETRAINED_DIR  # noqa: E402
from topics.models.base import distributions  # noqa: E402
from topics.models.pretrained import write_pretrained  # noqa: E402
from topics.models.supervised import Supervised, tempered  # noqa: E402
from topics.tokenize import Tokenizer, TokenizerSettings  # noqa: E402
from topics.vectorize import build_corpus, count_matrix  # noqa: E402

HERE = Path(__file__).resolve().parent
CODEBOOK = CORPORA.parent / "codebook.md"
CORPUS_NAMES = ("city_gwr_2024", "hailar_district_gwr", "national_gwr_hprc", "national_gwr_wikisource",
                "province_gwr_2026")
PARAMS = {"char_ngrams": 2}  # the rest are supervised's defaults: C = 10, balanced classes, sublinear counts
VOCABULARY = {"no_below": 5, "no_above": 0.3}
TOKENIZER = {"segmenter": "jieba-rs"}  # the same tokens as jieba's, nine times faster (benchmarks/segment.py)
FOLDS = 10
LIBRARIES = ("numpy", "scipy", "scikit-learn", "gensim", "jieba", "rjieba")


@dataclass
class Coded:
    """The coded units, each with its label and set, and every unit of the corpora."""

    units: list[Unit]  # every unit of the corpora, in reading order
    coded: list[int]  # indices into units of the coded units
    labels: list[str]
    sets: list[str]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-o", "--output", type=Path, default=PRETRAINED_DIR, help="folder to write (default: %(default)s)")
    parser.add_argument("--without", nargs="*", default=[], choices=list(CODED_SETS),
                        help="coded sets to leave out (e.g. c, to score the model on set C afterwards)")
    parser.add_argument("--unseen", nargs="*", default=[], choices=list(CODED_SETS),
                        help="coded sets whose reports are left out altogether: their text, and every coded unit of "
                             "them in any set")
    parser.add_argument("--folds", type=int, default=FOLDS, help="folds of the cross-validation over reports")
    args = parser.parse_args()
    if not CORPORA.is_dir():
        print(f"needs the real corpora at {CORPORA}", file=sys.stderr)
        return 2
    written = build(args.output, without=args.without, unseen=args.unseen, folds=args.folds, progress=True)
    for path in written:
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


def build(output: Path, *, without: list[str] = (), unseen: list[str] = (), folds: int = FOLDS,
          progress: bool = False, params: dict | None = None) -> list[Path]:
    """Read, train, score and write the pretrained model's files into ``output``. ``without``: coded sets left
    out; ``unseen``: coded sets whose reports are left out altogether (their text, and every coded unit of them)."""
    lexicon = Lexicon.load()
    data = read_coded(lexicon, [name for name in CODED_SETS if name not in without and name not in unseen], unseen)
    tokenizer = Tokenizer(TokenizerSettings(**TOKENIZER), lexicon_words=lexicon.words())
    tokens = tokenizer.tokenize([unit.text for unit in data.units], progress=progress)
    model, corpus = train(data, tokens, lexicon, params)
    # the temperature at which its probabilities say how often it is right, from the folds' predictions
    topics = [*model.themes_, OTHER]
    found, known = out_of_fold(model, data, tokens, folds)
    uncalibrated = calibration_error(assess(data, found, known, topics)[1], data.labels, topics)
    model.set_params(temperature=calibrated_temperature(data, found, known, topics))
    predicted, probabilities = assess(data, found, known, topics, model.temperature)
    scores = scores_of(data.labels, predicted, [data.units[i] for i in data.coded], topics)
    scores["calibration_error"] = round(calibration_error(probabilities, data.labels, topics), 4)
    scores["calibration_error_at_temperature_1"] = round(uncalibrated, 4)
    if progress:
        print(summary(scores), file=sys.stderr)
    provenance = {
        "built_by": "experiments/train_pretrained.py",
        "package": metadata.version("gwr-topics"),
        "versions": {name: metadata.version(name) for name in LIBRARIES},
        "codebook": {"file": "../shared/codebook.md", "sha1": _sha1(CODEBOOK)},
        "coded_sets": {name: {"file": f"experiments/{CODED_SETS[name].name}", "sha1": _sha1(CODED_SETS[name]),
                              "units": data.sets.count(name)} for name in CODED_SETS if name not in without},
        "corpora": {name: {"documents": len({u.doc_id for u in data.units if u.doc_id.startswith(name + "/")}),
                           "units": sum(u.doc_id.startswith(name + "/") for u in data.units)} for name in CORPUS_NAMES},
        "vocabulary": {**VOCABULARY, "words": model.n_words_, "character_sequences": len(getattr(model, "gram_idf_", [])),
                       "units": int(corpus.matrix.shape[0])},
        "label_counts": {label: data.labels.count(label) for label in lexicon.labels_with_other},
        "cross_validated": scores,
    }
    units = [(data.units[i].unit_id, name, label, text_sha1(data.units[i].text))
             for i, name, label in zip(data.coded, data.sets, data.labels)]
    return write_pretrained(output, model, list(corpus.vocab), labels=lexicon.labels_with_other,
                            topic_themes=model.result_.topic_themes, mapping=model.result_.mapping,
                            tokenizer_settings=tokenizer.settings.to_dict(), lexicon=lexicon, provenance=provenance,
                            training_units=units)


def read_coded(lexicon: Lexicon, sets: list[str], unseen: list[str] = ()) -> Coded:
    """Every unit of the corpora (headings left out, as runs leave them out, unless coded) and the coded units
    of ``sets`` among them, without the reports of the sets ``unseen``; a coded unit that ingest no longer cuts
    the same way stops the build. A text coded at two places (the hprc 1959 edition holds its report twice)
    counts once, at the first; the two codes must agree."""
    units = [unit for name in CORPUS_NAMES
             for unit in ingest_paths([str(CORPORA / name)], themes=lexicon, max_unit_chars=CODED_CUT).units]
    by_id = {unit.unit_id: unit for unit in units}
    hidden = {report_of(unit) for name in unseen for unit in labelled_units(CODED_SETS[name], by_id)[0]}
    label_of, set_of, first_of = {}, {}, {}
    for name in sets:
        found, labels = labelled_units(CODED_SETS[name], by_id)
        expected = sum(1 for line in CODED_SETS[name].open(encoding="utf-8")
                       if line.strip() and not line.startswith(("#", "unit_id")))
        if len(found) != expected:
            raise SystemExit(f"{CODED_SETS[name]}: {expected - len(found)} coded unit(s) no longer match the corpora")
        for k in once_per_text(found, labels, first_of, CODED_SETS[name]):
            if report_of(found[k]) not in hidden:
                label_of[found[k].unit_id], set_of[found[k].unit_id] = labels[k], name
    units = [unit for unit in units if report_of(unit) not in hidden]
    units = [unit for unit in units if unit.kind != "heading" or unit.unit_id in label_of]
    coded = [i for i, unit in enumerate(units) if unit.unit_id in label_of]
    return Coded(units, coded, [label_of[units[i].unit_id] for i in coded], [set_of[units[i].unit_id] for i in coded])


def once_per_text(found: list[Unit], labels: list[str], first_of: dict[str, tuple[str, str]],
                  where: Path) -> list[int]:
    """Which of the coded units ``found`` (of the file ``where``) count: a text coded at two places (the hprc 1959
    edition holds its report twice) counts once, at the first; ``first_of`` (text → unit id, label) carries the
    texts counted so far from file to file. Two places coded differently stop the build. (A run learns from both
    places, as two coded units, and takes differing codes as given: topics.running.prepare.coded_training. Here the
    shipped model's scores are at stake, and a text counted twice would count its errors twice.)"""
    kept = []
    for k, (unit, label) in enumerate(zip(found, labels)):
        first = first_of.setdefault(unit.text, (unit.unit_id, label))
        if first[1] != label:
            raise SystemExit(f"{where}: {unit.unit_id} is coded {label}, the same text at {first[0]} {first[1]}; "
                             "settle the two codes")
        if first[0] == unit.unit_id:
            kept.append(k)
    return kept


def train(data: Coded, tokens: list[list[str]], lexicon: Lexicon, params: dict | None = None,
          vocabulary: dict | None = None) -> tuple[Supervised, object]:
    """The classifier fitted on the coded units, its vocabulary that of every unit; mapped as a run maps it."""
    corpus = build_corpus(tokens, **(VOCABULARY if vocabulary is None else vocabulary), keep_words=lexicon.words())
    label_of = dict(zip(data.coded, data.labels))
    row_labels = [label_of.get(int(i), "") for i in corpus.kept]
    # a coded unit without a word of the vocabulary is no row of the corpus; it has nothing to teach either
    model = Supervised(**(PARAMS if params is None else params))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lexicon words the corpora never use: not read by a supervised model
        model.fit(corpus, lexicon, labels=row_labels)
    apply_mapping(model.result_, lexicon, MappingSettings())
    return model, corpus


@dataclass
class Fold:
    """One fold of the cross-validation: its coded units, and the class probabilities (at temperature 1) of
    every unit of their reports from a classifier trained on the other folds."""

    test_rows: np.ndarray  # indices into the coded units
    context: list[int]  # indices into the units: every unit of the fold's reports
    probabilities: np.ndarray  # context × labels


def out_of_fold(model: Supervised, data: Coded, tokens: list[list[str]], folds: int = FOLDS,
                extra=None) -> tuple[list[Fold], np.ndarray]:
    """The folds of the coded units by report (a report's units all in one fold), each with its classifier's
    probabilities; and how many known words each unit has. ``model``: its features (vocabulary, idf) are used,
    its classifier is refitted per fold; ``extra``: more features of every unit, beside the model's."""
    counts = count_matrix(tokens, model.vocab_)
    features, known = model._features(counts), np.asarray(counts.getnnz(axis=1))
    if extra is not None:
        features = sparse.hstack([features, extra], format="csr")
    y = np.array(data.labels)
    groups = np.array([report_of(data.units[i]) for i in data.coded])
    members = defaultdict(list)
    for i, unit in enumerate(data.units):
        members[report_of(unit)].append(i)
    topics = [*model.themes_, OTHER]
    found = []
    for train_rows, test_rows in GroupKFold(n_splits=folds).split(y, y, groups):
        with model._one_thread():
            classifier = model._classifier().fit(features[[data.coded[j] for j in train_rows]], y[train_rows])
            context = sorted({i for report in set(groups[test_rows]) for i in members[report]})
            probabilities = np.zeros((len(context), len(topics)))
            probabilities[:, [topics.index(c) for c in classifier.classes_]] = classifier.predict_proba(features[context])
        found.append(Fold(test_rows, context, probabilities))
    return found, known


def assess(data: Coded, folds: list[Fold], known: np.ndarray, topics: list[str], temperature: float = 1.0,
           mapping: MappingSettings | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Each coded unit's theme and theme probabilities, assigned as `topics assign` does: the classifier's
    probabilities at ``temperature``, then the unit's section and heading (``mapping``)."""
    settings = mapping or MappingSettings()
    mapped = TopicResult(model_name="supervised", vocab=[""], topic_word=np.ones((len(topics), 1)),
                         doc_topic=np.zeros((0, len(topics))), doc_lengths=np.zeros(0), term_frequency=np.ones(1),
                         topic_themes=topics, mapping=settings.to_dict())  # each topic is its label
    predicted, probabilities = np.empty(len(data.coded), dtype=object), np.zeros((len(data.coded), len(topics)))
    for fold in folds:
        shares = distributions(tempered(fold.probabilities, temperature))
        themes = fit_themes(mapped, [data.units[i] for i in fold.context], shares, known[fold.context])
        row_of = {i: r for r, i in enumerate(fold.context)}
        rows = [row_of[data.coded[j]] for j in fold.test_rows]
        predicted[fold.test_rows] = [themes.theme_names()[r] for r in rows]
        probabilities[fold.test_rows] = themes.in_columns(topics)[rows]
    return predicted, probabilities


def cross_validate(model: Supervised, data: Coded, tokens: list[list[str]], folds: int = FOLDS,
                   mapping: MappingSettings | None = None, out: dict | None = None, extra=None) -> dict:
    """Six-label macro-F1 of the coded units, each assigned (with every unit of its report around it) by a
    classifier trained on the coded units of the other folds' reports, at the model's temperature; ``out``
    receives the folds, each unit's prediction and probabilities."""
    topics = [*model.themes_, OTHER]
    found, known = out_of_fold(model, data, tokens, folds, extra)
    predicted, probabilities = assess(data, found, known, topics, model.temperature, mapping)
    if out is not None:
        out.update(folds=found, known=known, predicted=predicted, probabilities=probabilities, labels=topics)
    scores = scores_of(data.labels, predicted, [data.units[i] for i in data.coded], topics)
    scores["calibration_error"] = round(calibration_error(probabilities, data.labels, topics), 4)
    return scores


def calibrated_temperature(data: Coded, folds: list[Fold], known: np.ndarray, topics: list[str],
                           mapping: MappingSettings | None = None) -> float:
    """The temperature (0.30 to 1.50 in steps of 0.05) whose assigned probabilities have the least log loss
    on the coded units, out of fold."""
    truth = np.array([topics.index(label) for label in data.labels])
    losses = {}
    for temperature in np.round(np.arange(0.30, 1.501, 0.05), 2):
        _, probabilities = assess(data, folds, known, topics, float(temperature), mapping)
        losses[float(temperature)] = -np.log(np.clip(probabilities[np.arange(len(truth)), truth], 1e-12, None)).mean()
    return min(losses, key=losses.get)


def calibration_error(probabilities: np.ndarray, labels: list[str], topics: list[str], bins: int = 10) -> float:
    """Expected calibration error of the most probable theme: over ten bins of its probability, how far the
    share of units it is right for lies from the probability, weighted by the units in the bin."""
    top = probabilities.max(axis=1)
    right = np.array([topics[j] == label for j, label in zip(probabilities.argmax(axis=1), labels)], dtype=float)
    which = np.clip((top * bins).astype(int), 0, bins - 1)
    return float(sum(abs(top[which == b].mean() - right[which == b].mean()) * (which == b).mean()
                     for b in range(bins) if (which == b).any()))


def scores_of(y, predicted, units: list[Unit], labels: list[str]) -> dict:
    """Six-label macro-F1 overall, per source (over the labels its units have) and F1 per label."""
    y, predicted = np.asarray(y, dtype=object), np.asarray(predicted, dtype=object)
    scores = {"units": len(y), "macro_f1": round(f1_score(y, predicted, labels=labels, average="macro",
                                                          zero_division=0), 4), "by_source": {}, "by_label": {}}
    sources = np.array([source_of(unit) for unit in units])
    for source in sorted(set(sources)):
        mine = sources == source
        scores["by_source"][source] = {"units": int(mine.sum()), "macro_f1": round(f1_score(
            y[mine], predicted[mine], labels=sorted(set(y[mine])), average="macro", zero_division=0), 4)}
    for label, value in zip(labels, f1_score(y, predicted, labels=labels, average=None, zero_division=0)):
        scores["by_label"][label] = {"units": int((y == label).sum()), "f1": round(float(value), 4)}
    return scores


def report_of(unit: Unit) -> str:
    """The report a unit is of: the two editions of a State Council report (hprc, Wikisource) are one."""
    corpus, name = unit.doc_id.split("/", 1)
    return f"national/{name[:4]}" if corpus.startswith("national") else unit.doc_id


def source_of(unit: Unit) -> str:
    corpus = unit.doc_id.split("/", 1)[0]
    if corpus.startswith("national"):
        return "State Council 1954–1979" if int(unit.doc_id.split("/", 1)[1][:4]) < 1980 else "State Council 1980–"
    return {"city_gwr_2024": "cities", "province_gwr_2026": "provinces", "hailar_district_gwr": "Hailar district"}[corpus]


def summary(scores: dict) -> str:
    lines = [f"cross-validated over reports: macro-F1 {scores['macro_f1']:.3f} ({scores['units']} units), calibration "
             f"error {scores['calibration_error']:.3f} ({scores.get('calibration_error_at_temperature_1', float('nan')):.3f} "
             "at temperature 1)"]
    lines += [f"  {source:24} {v['macro_f1']:.3f} (n={v['units']})" for source, v in scores["by_source"].items()]
    lines += [f"  {label:24} {v['f1']:.3f} (n={v['units']})" for label, v in scores["by_label"].items()]
    return "\n".join(lines)


def _sha1(path: Path) -> str | None:
    return hashlib.sha1(path.read_bytes()).hexdigest()[:12] if path.is_file() else None


if __name__ == "__main__":
    sys.exit(main())
