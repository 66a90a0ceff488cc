"""Corpus quality before any model runs: editions found as near-duplicates after normalisation (full-width
digits, traditional script, spacing), the one --dedupe keeps, and the document checks of the ingest
summary — a passage held twice, a document much shorter than its twin edition or its year's other
reports, one that ends mid-sentence."""

from __future__ import annotations

import difflib
import json
import re

import opencc
import pytest

from topics.ingest.checks import DOUBLED_CHARS, check_documents, doubled_passages
from topics.cli import main
from topics.documents import Document
from topics.ingest.duplicates import find_duplicates, normalised
from topics.errors import InputError
from topics.ingest import format_duplicates, ingest_paths
from topics.ingest.layout import count_chars, repair_layout

NATIONAL = ["national_gwr_hprc", "national_gwr_wikisource"]
_TEXT = re.compile(r"[0-9A-Za-z\u4e00-\u9fff]")
# the years both State Council sources hold: each one report in two editions
SHARED_YEARS = [1954, 1956, 1957, 1959, 1964, 1978, 1979, 1981, 1982, 1983, 1984, 1986, 1987, 1988, 1992, 1993,
                1994, 1997, 1998, 1999, 2001, 2002, 2003, 2004, 2006, 2007, 2008, 2009, 2011, 2012, 2013, 2014,
                2016, 2017, 2018, 2019, 2021, 2022]
# what the document checks find in the shared State Council reports: hprc's 1959 holds the report twice,
# its 1991 the plan report twice, its 2007 is cut short
NATIONAL_PROBLEMS = {("national_gwr_hprc/1959", "doubled"), ("national_gwr_hprc/1991", "doubled"),
                     ("national_gwr_hprc/2007", "short")}
# and in the other corpora: 日照's report is truncated after its review section (the corpus README says
# so), 宜宾's ends its closing sentence without a full stop
OTHER_PROBLEMS = {("city_gwr_2024/2024_日照市", "short"), ("city_gwr_2024/2024_宜宾市", "unfinished")}


@pytest.fixture(scope="module")
def national(shared_corpora):
    return ingest_paths([shared_corpora / folder for folder in NATIONAL], dedupe=True)


@pytest.fixture(scope="module")
def sample_report(sample_path) -> str:
    """The two articles of the bundled newspaper page as one text, as layout repair gives them."""
    pieces = repair_layout(Document("sample", sample_path.read_text(encoding="utf-8"), str(sample_path)))
    return "\n".join(piece.text for piece in pieces)


# ---------------------------------------------------------------- near-duplicates


def test_editions_in_full_width_digits_traditional_script_or_other_spacing_are_near_duplicates(sample_report):
    full_width = "".join(chr(ord(ch) + 0xFEE0) if ch.isascii() and ch.isalnum() else ch for ch in sample_report)
    assert full_width != sample_report  # the page's Latin words (First …) in full-width letters
    spaced = "\n\n".join(" ".join(line) for line in full_width.split("\n"))  # letter-spaced, paragraphs apart
    traditional = opencc.OpenCC("s2t").convert(sample_report)
    assert normalised(full_width) == normalised(spaced) == normalised(sample_report)
    groups = find_duplicates({"original": sample_report, "full width": spaced, "traditional": traditional,
                              "other": "".join(reversed(sample_report))})
    assert [group.doc_ids for group in groups] == [["original", "full width", "traditional"]]
    assert all(pair.similarity >= 0.95 for pair in groups[0].pairs)


def test_a_copy_cut_short_is_a_near_duplicate_by_containment_and_a_fragment_is_not(sample_report):
    cut = sample_report[:int(0.7 * len(sample_report))]
    fragment = sample_report[:int(0.3 * len(sample_report))]
    pair, = find_duplicates({"whole": sample_report, "cut": cut}, threshold=0.8)[0].pairs
    assert pair.similarity < 0.8 <= pair.containment
    assert find_duplicates({"whole": sample_report, "fragment": fragment}) == []  # less than half of it


@pytest.mark.corpora
def test_both_editions_of_every_year_the_state_council_sources_share_are_near_duplicates(national, shared_corpora):
    hprc, wikisource = ({int(path.stem) for path in (shared_corpora / folder).glob("*.txt")} for folder in NATIONAL)
    assert sorted(hprc & wikisource) == SHARED_YEARS
    groups = national.summary["duplicates"]
    assert [group["doc_ids"] for group in groups] == \
        [[f"national_gwr_hprc/{year}", f"national_gwr_wikisource/{year}"] for year in SHARED_YEARS]
    for group in groups:
        pair, = group["pairs"]
        assert pair["similarity"] >= 0.8 or pair["containment"] >= 0.8
    by_year = {int(group["doc_ids"][0].rsplit("/", 1)[1]): group["pairs"][0] for group in groups}
    assert by_year[1954]["similarity"] >= 0.95  # the traditional Wikisource edition, compared in simplified
    assert by_year[2007]["similarity"] < 0.8 <= by_year[2007]["containment"]  # hprc's edition is cut short


@pytest.mark.corpora
def test_dedupe_keeps_the_complete_edition_and_records_the_other_as_removed(national, shared_corpora):
    keep = {int(group["doc_ids"][0].rsplit("/", 1)[1]): group["keep"] for group in national.summary["duplicates"]}
    assert keep[1959] == "national_gwr_wikisource/1959"  # hprc's holds the report twice
    assert keep[2007] == "national_gwr_wikisource/2007"  # hprc's is cut short
    kept = {document.doc_id for document in national.documents}
    assert all(group["keep"] in kept and set(group["dropped"]) == set(group["doc_ids"]) - {group["keep"]}
               for group in national.summary["duplicates"])
    assert len(kept) == len({doc_id.rsplit("/", 1)[1] for doc_id in kept})  # every year once
    dropped = {removal.doc_id for removal in national.removals if removal.reason == "duplicate"}
    assert dropped == {doc_id for group in national.summary["duplicates"] for doc_id in group["dropped"]}
    assert {unit.doc_id for unit in national.units} == kept
    summary = national.summary
    inputs = sum(count_chars(path.read_text(encoding="utf-8")) for folder in NATIONAL
                 for path in (shared_corpora / folder).glob("*.txt"))
    assert summary["chars_input"] == inputs == summary["chars_kept"] + summary["chars_removed"]
    printed = "\n".join(format_duplicates(summary, limit=len(SHARED_YEARS)))
    assert "national_gwr_hprc/2007 = national_gwr_wikisource/2007 (similarity 0.68, containment 1.00): kept " \
           "national_gwr_wikisource/2007 (the document checks flag national_gwr_hprc/2007)" in printed


# ---------------------------------------------------------------- document checks


@pytest.mark.corpora
def test_the_summary_names_the_doubled_and_truncated_state_council_reports(national):
    checks = national.summary["document_checks"]
    assert {(check["doc_id"], check["check"]) for check in checks} == NATIONAL_PROBLEMS
    text = {document.doc_id: document.text for document in national.documents}
    for check in checks:
        assert any(warning.startswith(f"{check['doc_id']}: ") for warning in national.warnings)
    doubled = [check for check in checks if check["check"] == "doubled"]
    short, = [check for check in checks if check["check"] == "short"]
    assert short["details"]["twin"] == "national_gwr_wikisource/2007"
    assert short["details"]["chars"] < 0.8 * short["details"]["twin_chars"]
    assert "national_gwr_hprc/1959" not in text and "national_gwr_hprc/1991" in text  # 1959 was deduplicated
    for check in doubled:
        assert check["details"]["chars"] >= 10_000


@pytest.mark.corpora
def test_a_doubled_report_names_both_copies(shared_corpora):
    """hprc's 1959 edition holds the report, then the report again; 1991 the plan report twice, the
    second copy a little different (numbers in figures, not words)."""
    result = ingest_paths([shared_corpora / "national_gwr_hprc" / f"{year}.txt" for year in (1959, 1991)])
    for document, check in zip(result.documents, result.summary["document_checks"]):
        assert check["doc_id"] == document.doc_id and check["check"] == "doubled"
        (start, end), (first_start, first_end) = check["details"]["span"], check["details"]["first_span"]
        # the whole report, twice (a span ends with the last character of text, before a closing 。 or ！)
        assert first_start == 0 and first_end <= start and not _TEXT.search(document.text[end:])
        later, first = document.text[start:end], document.text[first_start:first_end]
        assert difflib.SequenceMatcher(None, first, later, autojunk=False).ratio() > 0.9
        paragraph = document.text[:start].count("\n") + 1
        assert f"paragraphs {paragraph}–" in check["message"]


@pytest.mark.slow
@pytest.mark.corpora
def test_document_checks_on_every_shared_corpus(shared_corpora):
    folders = [path for path in sorted(shared_corpora.iterdir()) if path.is_dir()]
    result = ingest_paths(folders)
    assert {(check["doc_id"], check["check"]) for check in result.summary["document_checks"]} == \
        NATIONAL_PROBLEMS | OTHER_PROBLEMS


def test_a_passage_held_twice_is_found_and_repeated_phrases_are_not(sample_report):
    doubled = sample_report + "\n" + sample_report
    passage, = doubled_passages(doubled)
    last = max(match.end() for match in _TEXT.finditer(sample_report))  # the spans end with the last text character
    assert (passage.first_start, passage.first_end) == (0, last)
    assert (passage.start, passage.end) == (len(sample_report) + 1, len(sample_report) + 1 + last)
    assert passage.chars == len(_TEXT.findall(sample_report))
    # a long slogan said again and again, and a passage just under the length that counts, are no doubled report
    slogan = "坚持以习近平新时代中国特色社会主义思想为指导，全面贯彻党的二十大精神。"
    assert doubled_passages(sample_report.replace("。", "。" + slogan)) == []
    piece = re.sub(r"[^\u4e00-\u9fff]", "", sample_report)[:DOUBLED_CHARS - 10]
    assert doubled_passages(sample_report + piece) == []
    assert len(doubled_passages(sample_report + re.sub(r"[^\u4e00-\u9fff]", "", sample_report)[:DOUBLED_CHARS + 10])) == 1


def test_a_document_cut_short_or_mid_sentence_is_named(sample_report):
    whole = repair_layout(Document("whole", sample_report, "whole.txt", year=2024))[0]
    cut_at = sample_report.index("，", 2 * len(sample_report) // 3)
    cut = repair_layout(Document("cut", sample_report[:cut_at], "cut.txt", year=2024))[0]
    checks, lengths = check_documents([whole, cut], find_duplicates([whole, cut]))
    assert [(check.doc_id, check.check) for check in checks] == [("cut", "unfinished"), ("cut", "short")]
    assert checks[1].details["twin"] == "whole" and lengths["cut"] < lengths["whole"]
    # a report less than half as long as the median of its year's others (five at least)
    longer = "".join(reversed(sample_report)) + "\n" + sample_report
    others = [repair_layout(Document(f"other{i}", longer, f"o{i}.txt", year=2024))[0] for i in range(5)]
    half = sample_report[:sample_report.rindex("。", 0, len(sample_report) // 2) + 1]
    short_one = repair_layout(Document("short", half, "s.txt", year=2024))[0]
    checks, _ = check_documents([*others, short_one], [])
    assert [(check.doc_id, check.check) for check in checks] == [("short", "short")]
    assert "5 other reports of 2024" in checks[0].message
    checks, _ = check_documents([*others[:4], short_one], [])  # four others are too few to judge by
    assert checks == []


@pytest.mark.corpora
def test_strict_makes_a_document_check_an_error_naming_the_file(shared_corpora, tmp_path, capsys):
    report = shared_corpora / "national_gwr_hprc" / "1959.txt"
    assert main(["ingest", str(report), "-o", str(tmp_path / "units.jsonl")]) == 0
    printed = capsys.readouterr().out
    assert "warnings: 1\n  1959: holds a passage twice: paragraphs 120–236" in printed
    assert main(["ingest", str(report), "--strict", "-o", str(tmp_path / "strict.jsonl")]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"topics ingest: error: {report}: ") and "holds a passage twice" in error
    assert error.count("\n") == 1 and not (tmp_path / "strict.jsonl").exists()
    with pytest.raises(InputError, match="1959.txt"):
        ingest_paths([report], strict=True)


@pytest.mark.corpora
def test_run_folder_summary_carries_the_document_checks(shared_corpora, tmp_path, capsys):
    corpus = tmp_path / "corpus"
    for folder in NATIONAL:  # the two editions of 2007, one cut short
        (corpus / folder).mkdir(parents=True)
        (corpus / folder / "2007.txt").write_bytes((shared_corpora / folder / "2007.txt").read_bytes())
    config = tmp_path / "config.toml"
    config.write_text(f'[run]\nname = "checks"\nseeds = [1]\nprogress = false\n[corpus]\npaths = ["{corpus}"]\n'
                      "[report]\nenabled = false\n[models.dictionary]\n", encoding="utf-8")
    assert main(["run", str(config), "-o", str(tmp_path / "run")]) == 0
    assert "corpus/national_gwr_hprc/2007: holds" in capsys.readouterr().out  # the run says it, as ingest does
    summary = json.loads((tmp_path / "run" / "corpus_summary.json").read_text(encoding="utf-8"))
    assert [(check["doc_id"], check["check"]) for check in summary["document_checks"]] == \
        [("corpus/national_gwr_hprc/2007", "short")]
    assert summary["duplicates"][0]["keep"] == "corpus/national_gwr_wikisource/2007"
