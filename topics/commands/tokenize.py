"""topics tokenize units.jsonl -o tokens.jsonl — segment and filter units, with a summary of what was removed."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from ..errors import InputError, listed
from ..outputs import writable_output
from ..rules import check, integer
from ..lexicon import Lexicon
from ..tokenize.cache import default_cache_dir
from ..tokenize import REMOVAL_REASONS, SEGMENTERS, Tokenizer, TokenizerSettings, write_tokens
from ..tomlfile import read_toml


def configure(parser) -> None:
    parser.add_argument("units", help="units.jsonl written by `topics ingest`")
    parser.add_argument("-o", "--output", required=True, help="tokens.jsonl to write (each unit plus tokens, empty)")
    parser.add_argument("--segmenter", help=f"one of: {', '.join(SEGMENTERS)} (default jieba)")
    parser.add_argument("--workers", type=int, default=1, help="processes segmenting in parallel (default 1)")
    parser.add_argument("--no-cache", action="store_true", help="segment everything afresh and store nothing")
    parser.add_argument("--cache-dir", help="token cache folder (default $TOPICS_CACHE_DIR, else ~/.cache/topics)")
    parser.add_argument("--settings", help="TOML file of tokenizer settings (top level or a [tokenizer] table)")
    parser.add_argument("--user-dict", action="append", default=[], metavar="FILE", help="more policy terms ('word [freq] [tag]' a line); repeatable")
    parser.add_argument("--stopwords", action="append", default=[], metavar="FILE", help="more words to drop, one a line; repeatable")
    parser.add_argument("--slogans", action="append", default=[], metavar="FILE", help="more phrases to cut out, one a line; repeatable")
    parser.add_argument("--no-policy-terms", action="store_true", help="do not load the bundled policy-term dictionary")
    parser.add_argument("--no-stopwords", action="store_true", help="keep general stopwords")
    parser.add_argument("--no-fillers", action="store_true", help="keep policy fillers (加强, 推进 …)")
    parser.add_argument("--no-slogans", action="store_true", help="keep boilerplate slogans")
    parser.add_argument("--min-chars", type=int, help="drop tokens shorter than this (default 2)")
    parser.add_argument("--keep-numbers", action="store_true", help="keep numbers as tokens")
    parser.add_argument("--pos", help="keep only these part-of-speech tag prefixes, comma-separated (e.g. n,v,vn)")
    parser.add_argument("--phrases", action="store_true", help="join frequent collocations (gensim Phrases)")
    parser.add_argument("--themes", metavar="THEMES.toml",
                        help="theme lexicon whose words the segmenter keeps whole (default: the package's themes.toml)")
    parser.add_argument("--no-themes", action="store_true", help="do not add the theme lexicon's words to the segmenter")


def run(args) -> int:
    from ..execution import check_local_workers  # more processes than cores: a warning; far more: refused
    from ..ingest import read_units

    check(args.workers, integer(1), "--workers")
    if warning := check_local_workers(args.workers, "--workers"):
        print(warning, file=sys.stderr)
    settings = build_settings(args)
    writable_output(args.output)  # a bad output path fails now, not after the segmenting
    if args.themes and args.no_themes:
        raise InputError("--themes and --no-themes: give one or the other")
    words = [] if args.no_themes else Lexicon.load(args.themes).words()
    if Path(args.units).is_dir():
        raise InputError(f"{args.units}: is a folder, expected a file")
    units = read_units(args.units)
    if not units:
        raise InputError(f"{args.units}: empty file, no units to tokenize")
    cache_dir = Path(args.cache_dir) if args.cache_dir else default_cache_dir()
    tokenizer = Tokenizer(settings, lexicon_words=words, cache_dir=cache_dir, workers=args.workers)
    warning = unsplittable_warning(tokenizer.unsplittable(words))
    if warning:
        print(warning, file=sys.stderr)
    results = tokenizer.tokenize_detailed([unit.text for unit in units], progress=True)
    write_tokens(units, results, args.output)
    print(summary(tokenizer, results, args.output, cache_dir if settings.cache else None))
    return 0


def unsplittable_warning(reasons: dict[str, str], limit: int = 10) -> str:
    """One line naming the theme words that cannot come out as one token, and why ("" when none)."""
    if not reasons:
        return ""
    words = [f"{word} ({reason})" for word, reason in reasons.items()]
    return (f"warning: {len(words)} theme lexicon words cannot come out as one token, so no topic can "
            f"show them: {listed(words, limit)}")


def build_settings(args) -> TokenizerSettings:
    """Settings from --settings, then the command-line options on top."""
    data: dict = {}
    where = "tokenizer"
    if args.settings:
        data, where = _read_settings_file(args.settings)
    flags = {
        "segmenter": args.segmenter,
        "min_chars": args.min_chars,
        "pos_filter": [tag.strip() for tag in args.pos.split(",") if tag.strip()] if args.pos else None,
    }
    flags = {key: value for key, value in flags.items() if value is not None}
    for key, value in flags.items():  # a bad value is named by the option that gave it, not the settings key
        try:
            TokenizerSettings.from_dict({key: value})
        except InputError as err:
            raise InputError(f"{FLAGS[key]} {args.pos if key == 'pos_filter' else value}: "
                             f"{str(err).split(': ', 1)[1]}") from None
    data.update(flags)
    for option, key in (("user_dict", "user_dictionaries"), ("stopwords", "stopword_lists"), ("slogans", "slogan_lists")):
        if getattr(args, option):
            data[key] = list(data.get(key, [])) + getattr(args, option)
    for option, key in (("no_policy_terms", "policy_terms"), ("no_stopwords", "stopwords"), ("no_fillers", "fillers"), ("no_slogans", "slogans")):
        if getattr(args, option):
            data[key] = False
    if args.keep_numbers:
        data["keep_numbers"] = True
    if args.phrases:
        data["phrases"] = True
    if args.no_cache:
        data["cache"] = False
    return TokenizerSettings.from_dict(data, where=where)


FLAGS = {"segmenter": "--segmenter", "min_chars": "--min-chars", "pos_filter": "--pos"}  # the options of settings


def _read_settings_file(path: str) -> tuple[dict, str]:
    data = read_toml(path, "tokenizer settings")
    if isinstance(data.get("tokenizer"), dict):
        return dict(data["tokenizer"]), f"{path}: tokenizer"
    return data, f"{path}: tokenizer"


def summary(tokenizer: Tokenizer, results, output: str, cache_dir: Path | None) -> str:
    empty = sum(result.empty for result in results)
    kept = sum(len(result.tokens) for result in results)
    removed = Counter()
    hits = Counter()
    for result in results:
        removed.update(result.removed)
        hits.update(result.slogan_hits)
    lines = [
        f"tokenized {len(results):,} units into {output}: {kept:,} tokens kept; "
        f"{empty:,} units left empty (kept, flagged \"empty\": true, not used for fitting)",
        "removed: " + ", ".join(f"{reason} {removed[reason]:,}" for reason in REMOVAL_REASONS if removed[reason])
        + ("  (slogan = phrase hits cut out before segmentation; the others are tokens)" if removed["slogan"] else ""),
    ]
    if hits:
        lines.append("most frequent slogans: " + ", ".join(f"{phrase} ×{n}" for phrase, n in hits.most_common(5)))
    stats = tokenizer.stats
    if cache_dir is not None:
        distinct = stats["cache_hits"] + stats["segmented"]
        lines.append(f"cache: {stats['cache_hits']:,} of {distinct:,} distinct texts read from {cache_dir}, {stats['segmented']:,} segmented")
    else:
        lines.append(f"cache: off, {stats['segmented']:,} distinct texts segmented")
    lexicons = ", ".join(
        f"{Path(info['path']).name}{' v' + info['version'] if info['version'] else ''} ({info['entries']})"
        for info in tokenizer.describe()["lexicons"]
    )
    lines.append(f"segmenter: {tokenizer.settings.segmenter}; lexicons: {lexicons or 'none'}; "
                 f"theme lexicon words: {len(tokenizer.lexicon_words):,}; fingerprint {tokenizer.fingerprint()}")
    return "\n".join(lines)

