"""topics ingest PATH... -o units.jsonl [--removed removed.jsonl] [--strict] [--dedupe] [--themes THEMES.toml]
topics ingest PATH... --manifest-template MANIFEST.tsv"""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from ..outputs import writable_output
from ..lexicon import Lexicon
from ..settings import add_flag, resolve


def configure(parser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="report files (.txt in any common Chinese encoding, .pdf, .docx, .html/.htm, .jsonl, .csv) or folders of them")
    written = parser.add_mutually_exclusive_group(required=True)
    written.add_argument("-o", "--output", metavar="UNITS.jsonl", help="where to write the units")
    written.add_argument("--manifest-template", metavar="MANIFEST.tsv",
                         help="instead of units, write a MANIFEST.tsv template for the files read: one row per file with "
                              "the year, region and title inferred today and the folder manifest's other columns, to "
                              "fill in and save as the folder's MANIFEST.tsv (never overwrites a file)")
    parser.add_argument("--removed", metavar="REMOVED.jsonl",
                        help="also write everything layout repair removed, with the reason, one record per line")
    parser.add_argument("--strict", action="store_true",
                        help="stop at the first bad file instead of skipping it, and at the first document that fails a "
                             "check (a passage held twice, cut short, ending mid-sentence) instead of warning")
    parser.add_argument("--dedupe", action="store_true",
                        help="keep only the most complete of each group of near-duplicate documents (the others are "
                             "recorded as removed, reason 'duplicate')")
    parser.add_argument("--themes", metavar="THEMES.toml",
                        help="theme lexicon for the weak labels (default: the package's themes.toml)")
    add_flag(parser, "corpus.max_unit_chars")


def run(args) -> int:
    if args.manifest_template:
        return _write_template(args)
    from ..ingest import format_summary, ingest_paths, write_removals, write_units

    # every output path is checked before any work, so a bad one never leaves the others half done
    writable_output(args.output)
    if args.removed:
        if Path(args.removed).resolve() == Path(args.output).resolve():
            raise InputError(f"{args.removed}: --removed and -o name the same file")
        writable_output(args.removed)
    themes = Lexicon.load(args.themes) if args.themes else None
    progress = any(Path(path).is_dir() for path in args.paths)
    result = ingest_paths(args.paths, strict=args.strict, progress=progress, themes=themes, dedupe=args.dedupe,
                          max_unit_chars=resolve("corpus.max_unit_chars", args.max_unit_chars))
    written = [f"{write_units(result.units, args.output)} ({len(result.units):,} units)"]
    if args.removed:
        written.append(f"{write_removals(result.removals, args.removed, result.changes)} ({len(result.removals):,} "
                       f"removals, {len(result.changes):,} changes: script conversions, PDF paragraphs joined)")
    print(format_summary(result.summary))
    print("wrote " + "; ".join(written))
    return 0


def _write_template(args) -> int:
    from ..ingest.manifest_template import write_manifest_template
    from ..ingest.pipeline import format_skipped

    for option in ("removed", "dedupe", "themes"):
        if getattr(args, option):
            raise InputError(f"--{option} applies to units; --manifest-template writes no units")
    result, rows = write_manifest_template(args.paths, args.manifest_template, strict=args.strict)
    print("\n".join(format_skipped({"skipped": [s.to_json() for s in result.skipped], "warnings": result.warnings})))
    print(f"wrote {args.manifest_template} ({rows:,} files, {len(result.documents):,} documents)")
    return 0
