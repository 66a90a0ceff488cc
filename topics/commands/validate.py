"""``topics validate RUN_DIR -o KIT_DIR``: write the human-validation kit of a finished run;
``topics validate --score KIT_DIR ANSWERS.csv…``: score coders' answers to it."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import InputError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="+", metavar="PATH",
                        help="RUN_DIR (to write a kit), or with --score the coders' ANSWERS.csv files")
    parser.add_argument("-o", "--output", metavar="DIR",
                        help="the kit folder to write (new or empty); with --score, where the scores go "
                             "(default KIT_DIR/scores)")
    parser.add_argument("--score", metavar="KIT_DIR", help="score the answers files given as PATH against this kit")
    parser.add_argument("--model", help="only this model (default: every model of the run)")
    parser.add_argument("--coders", type=int, default=2, help="number of coders (default 2)")
    parser.add_argument("--n-words", type=int, default=5, help="top words per word-intrusion task (default 5)")
    parser.add_argument("--n-units", type=int, default=10, help="theme-intrusion tasks per model (default 10)")
    parser.add_argument("--n-themes", type=int, default=3, help="model themes shown per theme-intrusion task (default 3)")
    parser.add_argument("--n-coding", type=int, default=60, help="units in the coding sample (default 60)")
    parser.add_argument("--stratify", choices=("doc", "year"), default="doc",
                        help="spread the coding sample over documents or years (default doc)")
    parser.add_argument("--seed", type=int, default=1, help="random seed: one seed gives the same kit (default 1)")
    parser.add_argument("--exclude-seed-words", action="store_true",
                        help="leave the lexicon's words out of word-intrusion tasks")


def run(args: argparse.Namespace) -> int:
    if args.score:
        return _score(args)
    from ..run_folder import RunFolder
    from ..validation.kit import KitSettings, write_kit

    if len(args.inputs) != 1:
        raise InputError("give one RUN_DIR to write a kit (or --score KIT_DIR ANSWERS.csv… to score one)")
    if not args.output:
        raise InputError("-o KIT_DIR is required: the folder to write the kit into")
    settings = KitSettings(coders=args.coders, n_words=args.n_words, n_units=args.n_units, n_themes=args.n_themes,
                           n_coding=args.n_coding, seed=args.seed, exclude_seed_words=args.exclude_seed_words,
                           stratify=args.stratify)
    kit = write_kit(RunFolder.open(args.inputs[0]), args.output, args.model, settings)
    from ..validation.kit import read_key

    counts = read_key(kit)["kit"]["tasks"]
    print(f"kit {kit}: {counts['word']} word-intrusion, {counts['theme']} theme-intrusion and {counts['code']} "
          f"coding tasks for {args.coders} coder(s); give coders coding.html (and guide.md), keep key/ to yourself")
    return 0


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
    print(f"\ncoded units: {len(scores.gold)} with a majority label → {written['gold']}"
          + (f"; {len(scores.disagreements)} without one → {written['disagreements']}" if len(scores.disagreements) else ""))
    print(f"scores: {written['word_topics'].parent}")
    return 0
