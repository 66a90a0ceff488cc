"""topics assign MODEL_DIR INPUT... [-o out.csv]: themes for new text with a saved model.

INPUT is report files or folders (read, repaired and split into units like `topics ingest`)
or one units.jsonl written by `topics ingest`. The units are tokenized with the tokenizer
settings saved with the model, so they are cut into words the same way as the training text."""

from __future__ import annotations

import sys

from ..errors import InputError, listed
from ..outputs import open_output, writable_output


def configure(parser) -> None:
    parser.add_argument("model_dir", metavar="MODEL_DIR", help="a saved model folder (e.g. RUN_DIR/models/lda)")
    parser.add_argument("inputs", metavar="INPUT", nargs="+",
                        help="report files or folders, or one units.jsonl from `topics ingest`")
    parser.add_argument("-o", "--output", metavar="OUT.csv",
                        help="write the assignments here (default: standard output)")
    parser.add_argument("--strict", action="store_true", help="stop at the first unreadable input file")
    parser.add_argument("--include-headings", action="store_true",
                        help="also assign heading units (left out by default, as `topics run` leaves them out)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bars")


def run(args) -> int:
    from ..ingest import format_skipped, units_from_inputs
    from ..models import load_model
    from ..assignment import assignments
    from ..tokenize import Tokenizer, settings_for_new_text

    model = load_model(args.model_dir)
    progress = not args.no_progress and sys.stderr.isatty()
    if args.output:
        writable_output(args.output)  # a bad output path fails before the work
    read = units_from_inputs(args.inputs, themes=model.lexicon_, strict=args.strict, progress=progress)
    units = read.units
    skipped = format_skipped(read.summary)
    if len(skipped) > 1:  # standard output holds the table: what reading passed over goes to stderr
        print("\n".join(f"topics assign: {line}" for line in skipped), file=sys.stderr)
    headings = 0 if args.include_headings else sum(unit.kind == "heading" for unit in units)
    if headings:  # a heading is repeated in the heading field of the units under it
        units = [unit for unit in units if unit.kind != "heading"]
    if not units:
        raise InputError(f"{listed(args.inputs)}: no units to assign")

    if model.tokenizer_settings_ is None:
        print(f"topics assign: {args.model_dir} was saved without tokenizer settings; using the default tokenizer",
              file=sys.stderr)
    # cut as the training text was: the same settings, the same lexicon words in the dictionary
    tokenizer = Tokenizer(settings_for_new_text(model.tokenizer_settings_, f"{args.model_dir}: tokenizer_settings"),
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
    return 0
