"""topics assign [MODEL_DIR] INPUT... [-o out.csv]: themes for new text with a saved model, or with the
package's pretrained model when no model folder is given.

INPUT is report files or folders (read, repaired and split into units like `topics ingest`)
or one units.jsonl written by `topics ingest`. The units are tokenized with the tokenizer
settings saved with the model, so they are cut into words the same way as the training text.
The first argument is taken for the model when it is a saved model folder (it holds model.json or
result.json) or the word ``pretrained``; otherwise every argument is input and the pretrained model
assigns it."""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import InputError, listed
from ..outputs import open_output, writable_output
from ..settings import add_flag, resolve


def configure(parser) -> None:
    parser.add_argument("inputs", metavar="[MODEL_DIR] INPUT", nargs="+",
                        help="a saved model folder (e.g. RUN_DIR/models/lda; left out or 'pretrained': the model "
                             "shipped with the package), then report files or folders, or one units.jsonl from "
                             "`topics ingest`")
    parser.add_argument("-o", "--output", metavar="OUT.csv",
                        help="write the assignments here (default: standard output)")
    parser.add_argument("--strict", action="store_true", help="stop at the first unreadable input file")
    parser.add_argument("--include-headings", action="store_true",
                        help="also assign heading units (left out by default, as `topics run` leaves them out)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    add_flag(parser, "corpus.max_unit_chars")


def model_and_inputs(arguments: list[str]):
    """The model the arguments name (a saved model folder or 'pretrained' first; else the pretrained model),
    the inputs after it, and how to name the model in messages."""
    from ..models import load_model, load_pretrained
    from ..models.base import MODEL_FILE
    from ..models.pretrained import NAME
    from ..result import META_FILE

    first, rest = arguments[0], arguments[1:]
    # a folder with a model's own files is meant as the model, even when damaged (load_model says what is wrong)
    if first == NAME or any((Path(first) / name).is_file() for name in (MODEL_FILE, META_FILE)):
        if not rest:
            raise InputError(f"{first}: give the report files or folders to assign after the model")
        return (load_pretrained() if first == NAME else load_model(first)), rest, first
    return load_pretrained(), arguments, NAME


def run(args) -> int:
    from ..ingest import format_skipped, units_from_inputs
    from ..assignment import assignments
    from ..tokenize import Tokenizer, settings_for_new_text

    model, inputs, model_dir = model_and_inputs(args.inputs)
    progress = not args.no_progress and sys.stderr.isatty()
    if args.output:
        writable_output(args.output)  # a bad output path fails before the work
    read = units_from_inputs(inputs, themes=model.lexicon_, strict=args.strict, progress=progress,
                             max_unit_chars=resolve("corpus.max_unit_chars", args.max_unit_chars))
    units = read.units
    skipped = format_skipped(read.summary)
    if len(skipped) > 1:  # standard output holds the table: what reading passed over goes to stderr
        print("\n".join(f"topics assign: {line}" for line in skipped), file=sys.stderr)
    headings = 0 if args.include_headings else sum(unit.kind == "heading" for unit in units)
    if headings:  # a heading is repeated in the heading field of the units under it
        units = [unit for unit in units if unit.kind != "heading"]
    if not units:
        raise InputError(f"{listed(inputs)}: no units to assign")

    if model.tokenizer_settings_ is None:
        print(f"topics assign: {model_dir} was saved without tokenizer settings; using the default tokenizer",
              file=sys.stderr)
    # cut as the training text was: the same settings, the same lexicon words in the dictionary
    tokenizer = Tokenizer(settings_for_new_text(model.tokenizer_settings_, f"{model_dir}: tokenizer_settings"),
                          lexicon_words=model.lexicon_.words())
    token_lists = tokenizer.tokenize([unit.text for unit in units], progress=progress)
    known = model.known_tokens(token_lists)
    table = assignments(model.result_, units, doc_topic=model.transform(token_lists), known_tokens=known)

    if args.output:
        with open_output(args.output, newline="") as out:
            table.to_csv(out, index=False)
    else:
        table.to_csv(sys.stdout, index=False)
    unknown = int((known == 0).sum())
    note = f"; {unknown} without any word of the model's vocabulary (theme other, p 0)" if unknown else ""
    note += f"; {headings} heading units left out (--include-headings keeps them)" if headings else ""
    files = sum(1 for item in read.summary["skipped"] if not item.get("record"))
    records = len(read.summary["skipped"]) - files
    note += f"; files skipped: {files}" if files else ""
    note += f"; records skipped: {records}" if records else ""
    print(
        f"topics assign: {len(units)} units of {table['doc_id'].nunique()} documents assigned with "
        f"{model.name} ({model.result_.k} topics){note}" + (f" → {args.output}" if args.output else ""),
        file=sys.stderr,
    )
    if model.pretrained:  # the shipped model, or a run's copy or adaptation of it
        print(f"topics assign: {pretrained_note(model)}", file=sys.stderr)
    return 0


def pretrained_note(model) -> str:
    """What the shipped model learnt from and how well it did, in a line."""
    provenance = model.provenance_
    scores = provenance["cross_validated"]
    shipped = (f"the package's pretrained model learnt from {scores['units']:,} hand-coded units of city, district, "
               "provincial and State Council reports")
    adapted = provenance.get("adapted_with")
    if adapted:  # its agreement with hand coding is the run's to score: the shipped figure is not this model's
        return (f"this model is the package's pretrained model adapted to {adapted['units']:,} hand-coded units "
                f"of a run (each label's count in its pretrained.json); {shipped}. How well it agrees with hand "
                "coding on your reports: the run's evaluation, or code a sample (topics validate; topics evaluate)")
    return (f"{shipped}; on reports it did not learn from it agrees with hand coding at macro-F1 "
            f"{scores['macro_f1']:.2f} (cross-validated). Code a sample of your own units to check it on your "
            "reports (topics validate; topics evaluate)")
