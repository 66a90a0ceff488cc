"""topics slogans PATH... [-o candidates.csv] — rank candidate boilerplate slogans for a researcher to review."""

from __future__ import annotations


from ..errors import InputError
from ..outputs import writable_output
from ..lexicon import Lexicon
from ..tokenize.cache import default_cache_dir
from ..tokenize import SEGMENTERS, Tokenizer


def configure(parser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="report files or folders, or a units.jsonl from `topics ingest`")
    parser.add_argument("-o", "--output", help="write every ranked candidate to this CSV (with counts and example contexts)")
    parser.add_argument("--min-docs", type=int, default=3, help="candidates must occur in at least this many documents (default 3)")
    parser.add_argument("--max-words", type=int, default=8, help="longest word n-gram considered (default 8)")
    parser.add_argument("--top", type=int, default=500, help="keep this many candidates (default 500; 0 = all)")
    parser.add_argument("--show", type=int, default=25, help="print this many on screen (default 25)")
    parser.add_argument("--segmenter", default="jieba", choices=SEGMENTERS, help="the segmenter (default jieba)")
    parser.add_argument("--themes", help="theme lexicon TOML (default: the bundled themes.toml)")
    parser.add_argument("--no-cache", action="store_true", help="do not read or store segmented text in the token cache")
    parser.add_argument("--strict", action="store_true", help="stop at the first bad file instead of skipping it")


def run(args) -> int:
    from ..ingest import format_skipped, units_from_inputs
    from ..tokenize.slogans import find_slogan_candidates, raw_settings, write_candidates

    for name in ("min_docs", "max_words"):
        if getattr(args, name) < 1:
            raise InputError(f"--{name.replace('_', '-')}: must be >= 1, got {getattr(args, name)}")
    if args.top < 0 or args.show < 0:
        raise InputError("--top and --show must be >= 0")
    if args.output:
        writable_output(args.output)  # a bad output path fails before the counting
    themes = Lexicon.load(args.themes).themes
    read = units_from_inputs(args.paths, themes=themes, strict=args.strict, progress=True)
    units = read.units
    documents = len({unit.doc_id for unit in units})
    if args.min_docs > documents:  # no phrase can qualify: an empty ranking would look like a clean corpus
        raise InputError(f"--min-docs {args.min_docs}: more than the {documents} document(s) read, so no phrase can "
                         f"occur in that many; give at most {documents}")
    tokenizer = Tokenizer(raw_settings(args.segmenter), cache_dir=default_cache_dir(), cache=not args.no_cache)
    candidates = find_slogan_candidates(
        units, tokenizer, themes=themes, min_docs=args.min_docs, max_words=args.max_words,
        top=args.top or None, progress=True,
    )
    print(f"{len(candidates):,} candidates from {len(units):,} units in {documents:,} documents "
          f"(phrases in at least {args.min_docs} documents); 'listed' = already in the slogan lexicon")
    print("\n".join(format_skipped(read.summary)))
    print(f"{'rank':>4}  {'docs':>5}  {'count':>6}  {'entropy':>7}  {'shape':<8}  {'listed':<6}  phrase")
    for rank, candidate in enumerate(candidates[: args.show], start=1):
        entropy = "" if candidate.label_entropy is None else f"{candidate.label_entropy:.2f}"
        print(f"{rank:>4}  {candidate.docs:>5}  {candidate.count:>6}  {entropy:>7}  {candidate.shape:<8}  "
              f"{'yes' if candidate.listed else '':<6}  {candidate.phrase}")
    if args.output:
        write_candidates(candidates, args.output)
        print(f"wrote {args.output}")
    return 0
