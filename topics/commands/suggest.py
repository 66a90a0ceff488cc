"""topics suggest PATH... -o REVIEW.tsv [--themes LEXICON.toml] — theme words the corpus itself suggests,
for review; topics suggest --apply REVIEW.tsv -o NEW_LEXICON.toml [--themes LEXICON.toml] — the lexicon
with the words marked accept added."""

from __future__ import annotations

from ..errors import InputError
from ..lexicon import Lexicon
from ..outputs import writable_output
from ..rules import check, integer
from ..settings import MAX_SEED
from ..suggest import SuggestSettings, apply_review, read_review, suggest_words, write_review  # pandas on first use
from ..tokenize import Tokenizer, TokenizerSettings


def configure(parser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="report files or folders, or a units.jsonl from `topics ingest` (not with --apply)")
    parser.add_argument("-o", "--output", required=True,
                        help="the review file to write (TSV), or with --apply the new lexicon (TOML)")
    parser.add_argument("--apply", metavar="REVIEW.tsv", help="add the words marked accept in this review file")
    parser.add_argument("--themes", metavar="LEXICON.toml", help="theme lexicon (default: the package's)")
    parser.add_argument("--per-theme", type=int, default=SuggestSettings.per_theme,
                        help=f"suggestions per theme at most (default {SuggestSettings.per_theme})")
    parser.add_argument("--min-count", type=int, default=SuggestSettings.min_count,
                        help=f"a word must occur this often (default {SuggestSettings.min_count})")
    parser.add_argument("--seed", type=int, default=SuggestSettings.seed, help="random seed of the word vectors")


def run(args) -> int:
    from ..ingest import format_skipped, units_from_inputs

    writable_output(args.output)
    lexicon = Lexicon.load(args.themes)
    if args.apply:
        if args.paths:
            raise InputError("--apply takes no PATH: it reads the review file and the lexicon only")
        grown, counts = apply_review(lexicon, read_review(args.apply, lexicon))
        grown.save(args.output)
        print(f"{counts['accepted']} accepted ({counts['added']} new to the lexicon), {counts['rejected']} rejected, "
              f"{counts['undecided']} undecided (left out); wrote {args.output}")
        return 0
    if not args.paths:
        raise InputError("give report files or folders to learn from (or --apply REVIEW.tsv)")
    for name in ("per_theme", "min_count"):
        if getattr(args, name) < 1:
            raise InputError(f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}")
    check(args.seed, integer(0, MAX_SEED), "--seed")
    read = units_from_inputs(args.paths, themes=lexicon, progress=True)
    for line in format_skipped(read.summary)[1:]:
        print(line)
    units = [unit for unit in read.units if unit.kind != "heading"]
    tokens = Tokenizer(TokenizerSettings(), lexicon_words=lexicon.words()).tokenize([u.text for u in units], progress=True)
    settings = SuggestSettings(per_theme=args.per_theme, min_count=args.min_count, seed=args.seed)
    table = suggest_words(tokens, lexicon, settings)
    write_review(table, args.output)
    counts = table.groupby("theme").size().to_dict() if not table.empty else {}
    print(f"{len(table)} suggestions ({', '.join(f'{t} {n}' for t, n in counts.items()) or 'none'}) in {args.output}: "
          "write accept or reject in the decision column, then run `topics suggest --apply` on it")
    return 0
