"""Corpus quality before any model runs: the figures of experiments/README.md, "Corpus quality".

1. PDF layouts: shared reports rendered as PDFs (tests/format_fixtures.column_report_pdf) in five
   layouts, with running headers, footers and page numbers and paragraphs made to cross columns and
   pages; for each PDF, how many of the .txt's units come back identical through `topics ingest`,
   whether page furniture is left inside a unit, and how many column and page crossings the join log
   records.
2. Editions: the near-duplicate pairs of the two State Council sources, against the years they share.
3. Document checks on every shared corpus.
4. Near-duplicate search time per document on growing subsets of the corpora (near-linear).
5. Long units: unit lengths per corpus (what `[corpus] max_unit_chars` is set from), how many units the cut
   makes, and 德州 2024 (a report with few line breaks): its ecology share of units under the dictionary and
   seeded LDA (fitted on the 122 city reports, seed 1) with units cut at 1,000 and at 600 characters, beside how
   much of its text is ecology words.

Usage: python experiments/corpus_quality.py [--part pdf|editions|checks|scaling|long ...]
Needs ../shared/corpora beside the project and the test extras (reportlab, the WenQuanYi font).
"""

from __future__ import annotations

import argparse
import difflib
import random
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
CORPORA = PROJECT.parent / "shared" / "corpora"
sys.path.insert(0, str(PROJECT / "tests"))

from format_fixtures import column_report_pdf, paragraphs_of  # noqa: E402

from topics.ingest.duplicates import find_duplicates  # noqa: E402
from topics.ingest import ingest_paths  # noqa: E402
from topics.ingest.reading import read_documents  # noqa: E402
from topics.assignment import assignments  # noqa: E402
from topics.lexicon import Lexicon  # noqa: E402
from topics.mapping import apply_mapping  # noqa: E402
from topics.models import make_model  # noqa: E402
from topics.settings import default  # noqa: E402
from topics.tokenize import Tokenizer, TokenizerSettings  # noqa: E402
from topics.vectorize import build_corpus  # noqa: E402

REPORTS = ["city_gwr_2024/2024_东营市.txt", "city_gwr_2024/2024_黄山市.txt", "city_gwr_2024/2024_三亚市.txt",
           "city_gwr_2024/2024_德州市.txt", "province_gwr_2026/2026_上海市.txt", "province_gwr_2026/2026_云南省.txt",
           "hailar_district_gwr/2016.txt"]
LAYOUTS = {
    "1 column": dict(columns=1, page_number="chinese"),
    "1 column, gaps": dict(columns=1, page_number="plain", paragraph_gap=0.6),
    "2 columns": dict(columns=2, page_number="dash"),
    "2 columns, gaps, alternating headers": dict(columns=2, page_number="plain", paragraph_gap=0.6),
    "2 columns, block style": dict(columns=2, page_number="dash", paragraph_gap=0.8, indent=False),
}
FOOTER = "人民政府办公室印发"


def pdf_layouts(folder: Path) -> None:
    print("report | layout | .txt units | PDF units | identical | furniture in units | joins logged / crossings")
    total = same_total = 0
    for report in REPORTS:
        source = CORPORA / report
        paragraphs = paragraphs_of(source.read_text(encoding="utf-8"))
        expected = [unit.text for unit in ingest_paths([source]).units]
        cross = tuple((i, 1) for i, p in enumerate(paragraphs) if "审议" in p) + \
            tuple((i, 2) for i in range(5, len(paragraphs), 9))
        for name, layout in LAYOUTS.items():
            header = (f"{source.stem} 政府工作报告", "人民政府 文件汇编") if "alternating" in name else f"{source.stem} 政府工作报告"
            crossings: list = []
            path = folder / name / source.parent.name / f"{source.stem}.pdf"
            path.parent.mkdir(parents=True, exist_ok=True)
            column_report_pdf(path, paragraphs, header=header, footer=FOOTER, cross=cross, crossings=crossings, **layout)
            result = ingest_paths([path])
            got = [unit.text for unit in result.units]
            same = sum(block.size for block in
                       difflib.SequenceMatcher(None, expected, got, autojunk=False).get_matching_blocks())
            running = [header] if isinstance(header, str) else list(header)
            furniture = sum(1 for unit in got if any(line in unit for line in [*running, FOOTER]))
            joins = sum(1 for change in result.changes if change.change.startswith("joined-across-"))
            print(f"{source.stem} | {name} | {len(expected)} | {len(got)} | {same} ({same / len(expected):.1%}) | "
                  f"{furniture} | {joins} / {len(crossings)}")
            total, same_total = total + len(expected), same_total + same
    print(f"all | | {total} | | {same_total} ({same_total / total:.1%})")


def editions() -> None:
    folders = ["national_gwr_hprc", "national_gwr_wikisource"]
    result = ingest_paths([CORPORA / folder for folder in folders])
    years = [{path.stem for path in (CORPORA / folder).glob("*.txt")} for folder in folders]
    shared = sorted(years[0] & years[1])
    paired = {group["doc_ids"][0].rsplit("/", 1)[1] for group in result.summary["duplicates"]
              if [doc_id.split("/")[0] for doc_id in group["doc_ids"]] == folders}
    print(f"years both sources hold: {len(shared)}; found as near-duplicates: {len(paired & set(shared))}; "
          f"missed: {sorted(set(shared) - paired)}; other groups: {len(result.summary['duplicates']) - len(paired)}")
    for group in result.summary["duplicates"]:
        pair = group["pairs"][0]
        if pair["similarity"] < 0.95 or "flag" in group["keep_because"]:
            print(f"  {' = '.join(group['doc_ids'])}: similarity {pair['similarity']}, containment "
                  f"{pair['containment']}; --dedupe keeps {group['keep']} ({group['keep_because']})")


def checks() -> None:
    result = ingest_paths(sorted(path for path in CORPORA.iterdir() if path.is_dir()))
    for check in result.summary["document_checks"]:
        print(f"{check['doc_id']}: {check['message']}")


def scaling() -> None:
    folders = ["national_gwr_hprc", "national_gwr_wikisource", "city_gwr_2024", "province_gwr_2026", "hailar_district_gwr"]
    documents = read_documents([CORPORA / folder for folder in folders]).documents
    random.Random(1).shuffle(documents)
    for n in (60, 120, 240):
        started = time.perf_counter()
        groups = find_duplicates(documents[:n])
        seconds = time.perf_counter() - started
        print(f"{n} documents: {seconds:.2f} s ({1000 * seconds / n:.1f} ms a document), {len(groups)} groups")


def long_units() -> None:
    import numpy as np

    cut = default("corpus.max_unit_chars")
    print("corpus | units | length at the 50th / 90th / 95th / 99th percentile | above the cut | units after the cut")
    for folder in ["city_gwr_2024", "province_gwr_2026", "national_gwr_hprc", "hailar_district_gwr"]:
        before = [u for u in ingest_paths([CORPORA / folder], max_unit_chars=1000).units if u.kind != "heading"]
        after = [u for u in ingest_paths([CORPORA / folder]).units if u.kind != "heading"]
        lengths = np.array([len(u.text) for u in before])
        print(f"{folder} | {len(before):,} | {' / '.join(f'{p:.0f}' for p in np.percentile(lengths, [50, 90, 95, 99]))} | "
              f"{(lengths > cut).mean():.1%} | {len(after):,}")
    lexicon = Lexicon.load()
    tokenizer = Tokenizer(TokenizerSettings(), lexicon_words=lexicon.words())
    ecology = set(lexicon.themes["ecology"])
    for limit in (1000, cut):
        units = [u for u in ingest_paths([CORPORA / "city_gwr_2024"], max_unit_chars=limit).units if u.kind != "heading"]
        tokens = tokenizer.tokenize([u.text for u in units])
        corpus = build_corpus(tokens, no_below=5, no_above=0.3, keep_words=lexicon.words())
        rates = {}
        for unit, unit_tokens in zip(units, tokens):
            hits, total = rates.get(unit.doc_id, (0, 0))
            rates[unit.doc_id] = (hits + sum(token in ecology for token in unit_tokens), total + len(unit_tokens))
        doc = next(doc_id for doc_id in rates if "德州" in doc_id)
        per_thousand = {doc_id: 1000 * hits / max(total, 1) for doc_id, (hits, total) in rates.items()}
        line = [f"cut {limit}: 德州 {sum(u.doc_id == doc for u in units)} units; ecology words "
                f"{per_thousand[doc]:.1f} per 1,000 tokens (median of the 122 reports {np.median(list(per_thousand.values())):.1f})"]
        for name, params in (("dictionary", {}), ("seeded-lda", {"random_state": 1})):
            model = make_model(name, **params).fit(corpus, lexicon)
            apply_mapping(model.result_, lexicon)
            table = assignments(model.result_, [units[i] for i in corpus.kept])
            shares = table.assign(ecology=table["theme"] == "ecology").groupby("doc_id")["ecology"].mean()
            line.append(f"{name}: 德州 ecology {shares.get(doc, 0):.1%} of units (median report {shares.median():.1%}, "
                        f"德州 ranks {int((shares < shares.get(doc, 0)).sum()) + 1} of {len(shares)})")
        print("; ".join(line))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", nargs="+", choices=["pdf", "editions", "checks", "scaling", "long"],
                        default=["pdf", "editions", "checks", "scaling", "long"])
    args = parser.parse_args()
    if not CORPORA.is_dir():
        sys.exit(f"{CORPORA}: the shared corpora are needed beside the project")
    with tempfile.TemporaryDirectory() as folder:
        for part in args.part:
            print(f"\n== {part}")
            {"pdf": lambda: pdf_layouts(Path(folder)), "editions": editions, "checks": checks, "scaling": scaling,
             "long": long_units}[part]()


if __name__ == "__main__":
    main()
