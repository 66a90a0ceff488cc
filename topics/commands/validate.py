"""``topics validate RUN_DIR -o KIT_DIR [--design D --size N]``: write the human-validation kit of a
finished run, its coding sample drawn by a design with known inclusion probabilities;
``topics validate RUN_DIR --add N -o KIT_DIR``: draw N more units into the kit's coding sample;
``topics validate --score KIT_DIR ANSWERS.csv…``: score coders' answers to it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import InputError
from ..where import parse_where
from .shares import parse_where_option, units_of
from ..validation.kit import MAX_WORDS, KitSettings
from ..validation.guide import LANGUAGES
from ..validation.sample import DESIGNS

# options that only writing a kit takes, and the attribute each sets
KIT_OPTIONS = {"--model": "model", "--coders": "coders", "--n-words": "n_words", "--n-units": "n_units",
               "--n-themes": "n_themes", "--size": "n_coding", "--design": "design", "--seed": "seed",
               "--exclude-seed-words": "exclude_seed_words", "--add": "add", "--where": "where",
               "--learn-from": "learn_from", "--language": "language"}
RETRAINED = "model"  # the retrained classifier's folder in the scores folder
# of these, what a further batch (--add) takes
ADD_OPTIONS = ("--design", "--seed", "--add", "--learn-from")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="+", metavar="PATH",
                        help="RUN_DIR (to write a kit), or with --score the coders' ANSWERS.csv files")
    parser.add_argument("-o", "--output", metavar="DIR",
                        help="the kit folder to write (new or empty); with --score, where the scores go "
                             "(default KIT_DIR/scores)")
    parser.add_argument("--score", metavar="KIT_DIR", help="score the answers files given as PATH against this kit")
    parser.add_argument("--model", help="only this model (default: every model of the run)")
    # the kit's settings default to None so that one given with --add or --score, which do not take it, is named
    defaults = KitSettings()
    parser.add_argument("--coders", type=int, default=None, help=f"number of coders (default {defaults.coders})")
    parser.add_argument("--n-words", type=int, default=None,
                        help=f"top words per word-intrusion task, 2 to {MAX_WORDS} (default {defaults.n_words})")
    parser.add_argument("--n-units", type=int, default=None,
                        help=f"theme-intrusion tasks per model (default {defaults.n_units})")
    parser.add_argument("--n-themes", type=int, default=None,
                        help="model themes shown per theme-intrusion task, fewer than the lexicon's themes "
                             f"(default {defaults.n_themes})")
    parser.add_argument("--size", "--n-coding", dest="n_coding", type=int, default=None,
                        help=f"units in the coding sample (default {defaults.n_coding})")
    parser.add_argument("--design", choices=DESIGNS, default=None,
                        help="how the coding sample is drawn, each unit's inclusion probability recorded in "
                             "KIT_DIR/key/sample.tsv: random, stratified by the model's themes (rare themes "
                             "coded more often than their size says; the default), active (stratified, and more "
                             "often where the model is unsure), or learn (the batch that also teaches a classifier: "
                             "every predicted theme an equal share, more often where the model is unsure, spread "
                             "over the reports)")
    parser.add_argument("--add", type=int, metavar="N", default=None,
                        help="draw N more units into the coding sample of the kit -o KIT_DIR, from those not yet "
                             "drawn, with the kit's design (a new batch; the coding page keeps coders' answers)")
    parser.add_argument("--learn-from", metavar="MODEL_DIR", default=None,
                        help="with --add, for an active or learn kit: share the batch among the kit's strata by the "
                             "uncertainty of this model about each unit, e.g. the one --score --retrain wrote "
                             "(KIT_DIR/scores/model), so each batch goes where the model trained on the codes so far "
                             "is still unsure")
    parser.add_argument("--seed", type=int, default=None,
                        help="random seed: one seed gives the same kit (default 1; with --add, the kit's)")
    parser.add_argument("--language", choices=LANGUAGES, default=None,
                        help="language of guide.md and of the coding page when it opens; the page holds both and "
                             f"a button switches (default {defaults.language})")
    parser.add_argument("--exclude-seed-words", action="store_true",
                        help="leave the lexicon's words (and the longer words that count through them) out of word-intrusion tasks")
    # not the run's [inference] where: a coding sample of a subset stands for that subset only
    parser.add_argument("--where", metavar="EXPR", default=None,
                        help="theme-intrusion tasks and the coding sample from the documents this condition keeps "
                             "(as topics shares --where; default every document, whatever the run's [inference] "
                             "where); the design records it, and --add draws from the same documents")
    parser.add_argument("--retrain", action="store_true",
                        help="with --score: train the kit's run's classifier again with the coded units (its first "
                             "label-learning model, or supervised) and save it as a model folder, SCORES/model, "
                             "which `topics assign` takes")


def run(args: argparse.Namespace) -> int:
    if args.score:
        _refuse(args, KIT_OPTIONS, "--score, which scores the kit as it was written")
        return _score(args)
    from ..run_folder import RunFolder
    from ..validation.kit import write_kit

    if args.retrain:
        raise InputError("--retrain: only with --score KIT_DIR ANSWERS.csv…, which writes the coded units it "
                         "learns from")
    if len(args.inputs) != 1:
        raise InputError("give one RUN_DIR to write a kit (or --score KIT_DIR ANSWERS.csv… to score one)")
    if not args.output:
        raise InputError("-o KIT_DIR is required: the folder to write the kit into")
    if args.add is not None:
        return _add(args)
    if args.learn_from is not None:
        raise InputError("--learn-from: only with --add N, which draws a further batch into a kit")
    given = {name: getattr(args, name) for name in ("coders", "n_words", "n_units", "n_themes", "n_coding", "seed",
                                                     "design", "language") if getattr(args, name) is not None}
    settings = KitSettings(**given, exclude_seed_words=args.exclude_seed_words)
    where = parse_where_option(args)
    run = RunFolder.open(args.inputs[0])
    units = None if where is None else units_of(run, where)
    kit = write_kit(run, args.output, args.model, settings, units=units, where=args.where or "")
    from ..validation.kit import read_key

    key = read_key(kit)
    counts = key["kit"]["tasks"]
    print(f"kit {kit}: {counts['word']} word-intrusion, {counts['theme']} theme-intrusion and {counts['code']} "
          f"coding tasks for {settings.coders} coder(s); give coders coding.html (and guide.md), keep key/ to yourself")
    if key["kit"].get("design"):
        print(_design_line(key["kit"]["design"], counts["code"]))
        if counts["code"] < settings.n_coding:
            print(f"note: --size {settings.n_coding}, but the run has only {counts['code']} units a coder can judge: "
                  "all of them are in the sample")
    for note in key["kit"]["notes"]:
        print(f"note: {note}")
    return 0


def _refuse(args: argparse.Namespace, options: dict[str, str], why: str) -> None:
    """InputError naming the options given that ``why`` does not take (rather than ignoring them)."""
    given = [flag for flag, name in options.items() if getattr(args, name) not in (None, False)]
    if given:
        raise InputError(f"{' '.join(given)}: not with {why}")


def _add(args: argparse.Namespace) -> int:
    from ..run_folder import RunFolder
    from ..validation.kit import add_units, read_key

    _refuse(args, {flag: name for flag, name in KIT_OPTIONS.items() if flag not in ADD_OPTIONS},
            "--add, which draws with the kit's own model, design and tasks")
    run = RunFolder.open(args.inputs[0])
    kept = (read_key(args.output)["kit"].get("design") or {}).get("where")
    units = units_of(run, parse_where(kept, f"{args.output}: the kit's where")) if kept else None
    uncertain = None if args.learn_from is None else _uncertainty_under(args.learn_from, run)
    new = add_units(run, args.output, args.add, seed=args.seed, design=args.design, units=units,
                    uncertain=uncertain, learnt_from=args.learn_from or "")
    key = read_key(args.output)
    design = key["kit"]["design"]
    print(f"kit {args.output}: batch {design['batches'][-1]['batch']}, {len(new)} more coding tasks "
          f"({key['kit']['tasks']['code']} in all); give coders the new coding.html: it keeps their answers")
    print(_design_line(design, key["kit"]["tasks"]["code"]))
    return 0


def _uncertainty_under(model_dir: str, run):
    """Every unit of the run's uncertainty under the saved model ``model_dir``: its themes in context, as
    `topics assign` gives them, then topics.validation.sample.uncertainty."""
    from ..assignment import fit_themes
    from ..models import load_model
    from ..tokenize import Tokenizer, settings_for_new_text
    from ..validation.sample import uncertainty

    if not Path(model_dir).is_dir():
        raise InputError(f"--learn-from {model_dir}: no such model folder (e.g. KIT_DIR/scores/model, written by "
                         "`topics validate --score KIT_DIR ANSWERS.csv… --retrain`)")
    model = load_model(model_dir)
    tokenizer = Tokenizer(settings_for_new_text(model.tokenizer_settings_, f"{model_dir}: tokenizer_settings"),
                          lexicon_words=model.lexicon_.words())
    tokens = tokenizer.tokenize(run.run_units.texts())
    themes = fit_themes(model.result_, run.units, model.transform(tokens), model.known_tokens(tokens))
    return uncertainty(themes.probabilities)


def _design_line(design: dict, drawn: int) -> str:
    subset = f" of the documents where {design['where']!r} keeps" if design.get("where") else ""
    return (f"design: {design['design']}, {drawn} of {design['frame']} codable units{subset} in "
            f"{len(design['strata'])} stratum/strata, {len(design['batches'])} batch(es); inclusion probabilities in "
            "key/sample.tsv")


def _score(args: argparse.Namespace) -> int:
    from ..validation.scoring import score_kit, write_scores

    scores = score_kit(args.score, args.inputs)
    written = write_scores(scores, args.output or Path(args.score) / "scores")

    def show(title, table):
        if not table.empty:
            print(f"\n{title}\n" + table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))

    show("Word intrusion: model precision per model (mean over topics)", scores.word_models)
    show("Word intrusion: model precision per topic", scores.word_topics)
    show("Theme intrusion per model", scores.theme_models)
    show("Per coder", scores.coders)
    show("Agreement between coders", scores.agreement)
    if scores.agreement_note:
        print(f"\n{scores.agreement_note}")
    print(f"\ncoded units: {len(scores.gold)} with a majority label → {written['gold']}"
          + (f"; {len(scores.disagreements)} without one → {written['disagreements']}" if len(scores.disagreements) else ""))
    if "notes" in written:
        print(f"notes: {len(scores.notes)} written by coders → {written['notes']}")
    design = scores.design
    if design:
        missing = design["drawn"] - design["coded"]
        print(f"design: {design['design']}, {design['coded']} of the {design['drawn']} drawn units coded"
              + (f"; the other {missing} count as not drawn (inclusion probabilities are coded units over each "
                 "stratum's units; settle disagreements and score again to keep them)" if missing else ""))
        if design["empty_strata"]:
            print(f"warning: no unit of stratum/strata {', '.join(design['empty_strata'])} has a majority label: "
                  "the corrected estimators refuse a sample with a stratum left out; settle the disagreements "
                  "(disagreements.tsv) or code its units, and score again", file=sys.stderr)
    print(f"scores: {written['word_topics'].parent}")
    if args.retrain:
        _retrain(args.score, written["gold"], written["word_topics"].parent / RETRAINED)
    return 0


def _retrain(kit_dir: str, gold: Path, folder: Path) -> None:
    from ..run_folder import RunFolder
    from ..running.retrain import retrain
    from ..validation.kit import read_key

    run_dir = read_key(kit_dir)["kit"]["run"]
    try:
        run = RunFolder.open(run_dir)
    except InputError as err:
        raise InputError(f"--retrain: the kit's run: {err}") from None
    done = retrain(run, gold, folder, progress=sys.stderr.isatty())
    for message in done.warnings:
        print(f"warning: {done.model}: {message}", file=sys.stderr)
    print(f"retrained {done.model} on {done.coded} coded units (the run's and this sample's) → {done.folder}; "
          f"`topics assign {done.folder} REPORTS…` uses it")
