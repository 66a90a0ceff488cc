"""PDF, Word and web-page input: reading order, what is removed and recorded, damage, encodings, titles,
bad files, duplicates, and the same report giving the same units through every format."""

from __future__ import annotations

import difflib
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from format_fixtures import (DELETED, PLACES, Article, blank_pdf, bomb_docx, bomb_pdf, broken_docx, column_report_pdf,
                             docx_with_parts, lying_docx, newspaper_pdf, official_pdf, paragraphs_of, portal_html,
                             report_docx, rich_docx, scanned_pdf)
from topics.documents import Document
from topics.ingest.duplicates import find_duplicates
from topics.errors import InputError
from topics.ingest.formats import (INFLATE_RATIO, READERS, UnreadableFile, document_from, read_extracted, removals,
                            year_region_from_dateline, year_region_from_title)
from topics.ingest.formats.docx import read_docx
from topics.ingest.formats.pdf import read_pdf
from topics.ingest import ingest_paths
from topics.ingest.layout import repair_layout
from topics.ingest.reading import read_documents

# the three real reports of the format-equivalence test: a district, a city and a provincial report
REPORTS = ["hailar_district_gwr/2016.txt", "city_gwr_2024/2024_东营市.txt", "province_gwr_2026/2026_上海市.txt"]
FORMATS = ["pdf", "docx", "html", "htm"]


@pytest.fixture(scope="module")
def sample_pieces(sample_path):
    """The two articles of the bundled newspaper page, as layout repair finds them in the .txt."""
    text = sample_path.read_text(encoding="utf-8")
    pieces = repair_layout(Document("sample", text, str(sample_path)))
    return [Article(piece.title, piece.meta.get("author", ""), piece.text.split("\n"),
                    next(r.text for r in piece.removals if r.reason == "byline")) for piece in pieces]


@pytest.fixture(scope="module")
def hailar(shared_corpora) -> Path:
    return shared_corpora / "hailar_district_gwr" / "2016.txt"


@pytest.fixture(scope="module")
def hailar_pdf(hailar, tmp_path_factory) -> Path:
    paragraphs = paragraphs_of(hailar.read_text(encoding="utf-8"))
    return official_pdf(tmp_path_factory.mktemp("pdf") / "hailar.pdf", paragraphs, header="海拉尔区2016年政府工作报告",
                        footer="海拉尔区人民政府办公室", title_lines=3)


def one_line(message: str) -> bool:
    return "\n" not in message and len(message) < 300


# ---------------------------------------------------------------- PDF


def test_official_pdf_gives_the_report_paragraphs(hailar, hailar_pdf):
    extracted = read_extracted(hailar_pdf)
    assert extracted.text.split("\n\n") == paragraphs_of(hailar.read_text(encoding="utf-8"))
    assert extracted.meta["pages"] >= 10
    assert extracted.meta["damage_ratio"] == 0.0
    assert extracted.title == "政 府 工 作 报 告"  # the largest type on page 1


def test_running_headers_footers_and_page_numbers_are_removed_and_recorded(hailar_pdf):
    extracted = read_extracted(hailar_pdf)
    pages = extracted.meta["pages"]
    by_reason: dict[str, list[dict]] = {}
    for item in extracted.removed:
        by_reason.setdefault(item["reason"], []).append(item)
    assert [item["text"] for item in by_reason["page-number"]] == [f"— {n} —" for n in range(1, pages + 1)]
    assert {item["text"] for item in by_reason["running-header"]} == {"海拉尔区2016年政府工作报告"}
    assert [item["page"] for item in by_reason["running-header"]] == list(range(2, pages + 1))  # not on page 1
    assert len(by_reason["running-footer"]) == pages
    for item in extracted.removed:
        assert item["text"] not in extracted.text
    document = document_from(hailar_pdf, "hailar")
    assert [(r.doc_id, r.reason, r.text) for r in removals(document)] == \
        [("hailar", item["reason"], item["text"]) for item in extracted.removed]


@pytest.mark.parametrize("columns, chars_per_line", [(2, 14), (3, 10), (4, 9)])
def test_newspaper_page_is_read_column_by_column(sample_pieces, tmp_path, columns, chars_per_line):
    path = newspaper_pdf(tmp_path / "page.pdf", sample_pieces, columns=columns, chars_per_line=chars_per_line)
    extracted = read_extracted(path)
    expected = [text for article in sample_pieces
                for text in (article.headline, article.author, *article.paragraphs, article.byline)]
    assert extracted.text.split("\n\n") == expected
    assert [item["reason"] for item in extracted.removed] == ["running-header"]  # the masthead
    assert "A3版" in extracted.removed[0]["text"]
    assert extracted.title == sample_pieces[0].headline


def test_newspaper_pdf_through_layout_repair_gives_both_articles(sample_pieces, tmp_path):
    path = newspaper_pdf(tmp_path / "page.pdf", sample_pieces)
    pieces = repair_layout(document_from(path, "page"))
    assert [piece.doc_id for piece in pieces] == ["page#1", "page#2"]
    for piece, article in zip(pieces, sample_pieces):
        for paragraph in article.paragraphs:
            assert paragraph in piece.text.split("\n")
        assert any(r.reason == "byline" and r.text == article.byline for r in piece.removals)


def test_lines_are_joined_without_spaces_and_latin_words_keep_theirs(sample_pieces, tmp_path):
    text = read_extracted(newspaper_pdf(tmp_path / "page.pdf", sample_pieces, chars_per_line=11)).text
    joined = "".join(text.split("\n\n"))
    for article in sample_pieces:
        for paragraph in article.paragraphs:
            assert paragraph in joined
    assert "延伸 First 青年" in text  # the sample's own space before a Latin word survives the line break


def test_widely_letter_spaced_title_is_one_line(tmp_path, sample_pieces):
    paragraphs = ["政府工作报告"] + sample_pieces[0].paragraphs[:3]
    path = official_pdf(tmp_path / "report.pdf", paragraphs, title_lines=1, title_tracking=2.0)
    extracted = read_extracted(path)
    assert extracted.text.split("\n\n") == paragraphs
    assert extracted.title == "政府工作报告"


def test_indent_typed_as_ideographic_spaces_starts_a_paragraph(tmp_path, sample_pieces):
    paragraphs = [p for article in sample_pieces for p in article.paragraphs]
    extracted = read_extracted(official_pdf(tmp_path / "report.pdf", paragraphs, indent_chars=True))
    assert extracted.text.split("\n\n") == paragraphs


def test_damage_from_dropped_line_end_characters_is_measured_not_repaired(hailar, tmp_path):
    paragraphs = paragraphs_of(hailar.read_text(encoding="utf-8"))
    path = official_pdf(tmp_path / "damaged.pdf", paragraphs, title_lines=3, drop_line_ends=5)
    extracted = read_extracted(path)
    assert 0.15 <= extracted.meta["damage_ratio"] <= 0.25  # every 5th full line lost its last character
    assert extracted.meta["damage"]["lines_short"] > 50
    assert len(extracted.meta["damage"]["examples"]) == 5
    got = extracted.text.split("\n\n")
    assert len(got) == len(paragraphs)  # short lines are joined, not taken for paragraph ends
    lost = sum(len(want) - len(have) for want, have in zip(paragraphs, got))  # nothing guessed: just missing
    short = extracted.meta["damage"]["lines_short"]
    assert short <= lost <= 1.1 * short  # a line that lost its last character but ends a sentence is not counted
    for want, have in zip(paragraphs, got):
        assert len(have) <= len(want)


# reports typeset in columns: a district report, a city report of few long paragraphs, a provincial one
COLUMN_REPORTS = ["hailar_district_gwr/2016.txt", "city_gwr_2024/2024_德州市.txt", "province_gwr_2026/2026_上海市.txt"]
COLUMN_LAYOUTS = {
    "one column": dict(columns=1, page_number="chinese"),
    "two columns": dict(columns=2, page_number="dash"),
    "two columns, paragraph gaps, headers alternating": dict(columns=2, page_number="plain", paragraph_gap=0.6),
}


def _column_pdf(source: Path, folder: Path, layout: str, crossings: list, **options) -> tuple[Path, set[str]]:
    """A report typeset in columns, with paragraphs made to cross columns and pages where the flow alone
    would not (the opening paragraph after its first line, every ninth paragraph after its second); and
    the running text of its pages (headers, footer)."""
    paragraphs = paragraphs_of(source.read_text(encoding="utf-8"))
    cross = tuple((i, 1) for i, p in enumerate(paragraphs) if "审议" in p) + tuple((i, 2) for i in range(5, len(paragraphs), 9))
    headers = (f"{source.stem} 政府工作报告", "人民政府 文件汇编") if "alternating" in layout else f"{source.stem} 政府工作报告"
    footer = "人民政府办公室印发"
    folder.mkdir(parents=True)
    path = column_report_pdf(folder / f"{source.stem}.pdf", paragraphs, header=headers, footer=footer, cross=cross,
                             crossings=crossings, **{**COLUMN_LAYOUTS.get(layout, {}), **options})
    return path, {*([headers] if isinstance(headers, str) else headers), footer}


def _identical(expected: list[str], got: list[str]) -> int:
    return sum(block.size for block in difflib.SequenceMatcher(None, expected, got, autojunk=False).get_matching_blocks())


def _joins(result) -> list[tuple[str, int, str]]:
    """The joins over a column or page break in ingest's changes log: (column or page, page, first line)."""
    return [(change.change.removeprefix("joined-across-"), int(change.where.split()[1]), change.original.split("\n")[0])
            for change in result.changes if change.change.startswith("joined-across-")]


@pytest.mark.slow
@pytest.mark.corpora
@pytest.mark.parametrize("report", COLUMN_REPORTS)
def test_paragraphs_stay_whole_across_columns_and_pages(shared_corpora, tmp_path, report):
    source = shared_corpora / report
    expected = _units_of(source)
    for layout in COLUMN_LAYOUTS:
        crossings: list = []
        path, running = _column_pdf(source, tmp_path / layout, layout, crossings)
        result = ingest_paths([path])
        got = [unit.text for unit in result.units]
        assert _identical(expected, got) >= 0.98 * max(len(expected), len(got)), f"{layout}: {len(got)} units for {len(expected)}"
        # every paragraph that goes on in the next column or page is joined there, and the join is logged
        assert _joins(result) == crossings, layout
        assert len(crossings) >= 5
        text = result.documents[0].text
        for change in result.changes:
            if change.change.startswith("joined-across-"):
                assert change.original.replace("\n", "") in text
        # the page furniture is removed and recorded, never inside a unit
        pages = read_extracted(path).meta["pages"]
        removed = [r for r in result.removals if r.reason in ("page-number", "running-header", "running-footer")]
        assert sorted(int(re.sub(r"\D", "", r.text)) for r in removed if r.reason == "page-number") == list(range(1, pages + 1))
        assert {r.text for r in removed if r.reason != "page-number"} == running, layout
        assert not [unit for unit in got if any(line in unit for line in running)]


@pytest.mark.slow
@pytest.mark.corpora
def test_block_style_paragraphs_go_on_into_the_next_column_from_a_line_that_does_not_end_a_sentence(shared_corpora, tmp_path):
    """Paragraphs set flush left with a gap between them: at a column's end only the sentence tells
    whether the paragraph goes on (its next line, at the top of the next column, looks the same)."""
    for report in COLUMN_REPORTS:
        source = shared_corpora / report
        expected = _units_of(source)
        crossings: list = []
        path, _ = _column_pdf(source, tmp_path / source.stem, "block", crossings, columns=2, paragraph_gap=0.8,
                              indent=False)
        result = ingest_paths([path])
        got = [unit.text for unit in result.units]
        joins = _joins(result)
        assert [crossing for crossing in crossings if crossing not in joins] == \
            [crossing for crossing in crossings if crossing[2].rstrip("”’）)")[-1] in "。；！？：!?;:"]
        missed = len(crossings) - len(joins)
        assert _identical(expected, got) >= len(expected) - missed - 1, report


BAD_PDFS = [
    ("encrypted", lambda p, text: official_pdf(p, [text], encrypt="secret"), "encrypted PDF"),
    ("scan", lambda p, text: scanned_pdf(p), "without a text layer"),
    ("blank", lambda p, text: blank_pdf(p), "without any text"),
    ("truncated", lambda p, text: p.write_bytes(official_pdf(p, [text]).read_bytes()[:400]) and p, "broken or not a PDF"),
    ("not a pdf", lambda p, text: p.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 8) and p, "broken or not a PDF"),
]


@pytest.mark.parametrize("kind, make, fragment", BAD_PDFS, ids=[row[0] for row in BAD_PDFS])
def test_bad_pdf_is_one_line_naming_the_file(tmp_path, sample_path, kind, make, fragment):
    path = make(tmp_path / "report.pdf", sample_path.read_text(encoding="utf-8")[:300])
    with pytest.raises(InputError) as error:
        read_extracted(path)
    message = str(error.value)
    assert message.startswith(f"{path}: ") and fragment in message and one_line(message)


# ---------------------------------------------------------------- Word


def test_docx_headings_numbering_tables_and_page_furniture(hailar, tmp_path):
    paragraphs = paragraphs_of(hailar.read_text(encoding="utf-8"))
    table = [["指标", "2015年", "增长"], ["地区生产总值", "287.9亿元", "8.9%"]]
    path = report_docx(tmp_path / "hailar.docx", paragraphs, title_lines=1, table=table,
                       header="海拉尔区人民政府文件", footer="海拉尔区人民政府办公室印发")
    extracted = read_extracted(path)
    got = extracted.text.split("\n\n")
    assert got[:len(paragraphs)] == paragraphs  # 一、 二、 三、 come back from Word's automatic numbering
    assert got[len(paragraphs):] == ["指标\t2015年\t增长", "地区生产总值\t287.9亿元\t8.9%"]
    assert extracted.meta["tables"] == [{"paragraphs": [len(paragraphs), len(paragraphs) + 1], "rows": 2, "columns": 3}]
    headings = {text: level for _, level, text in extracted.meta["headings"]}
    assert headings["政 府 工 作 报 告"] == 0
    assert headings["一、“十二五”时期和2015年工作回顾"] == 1
    assert headings["三、2016年工作安排"] == 1
    assert extracted.removed == [{"reason": "running-header", "text": "海拉尔区人民政府文件"},
                                 {"reason": "running-footer", "text": "海拉尔区人民政府办公室印发"}]


def test_broken_docx_and_old_doc_are_one_line(tmp_path):
    broken = broken_docx(tmp_path / "broken.docx")
    old = tmp_path / "old.doc"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))
    renamed = tmp_path / "renamed.docx"
    renamed.write_bytes(old.read_bytes())
    for path, fragment in ((broken, "broken"), (old, "save it as .docx"), (renamed, "save it as .docx")):
        with pytest.raises(InputError) as error:
            read_extracted(path)
        assert str(error.value).startswith(f"{path}: ") and fragment in str(error.value)
        assert one_line(str(error.value))


def test_doc_that_is_really_docx_is_read(tmp_path, sample_path):
    paragraphs = paragraphs_of(sample_path.read_text(encoding="utf-8"))[:5]
    docx_path = report_docx(tmp_path / "a.docx", paragraphs)
    doc_path = tmp_path / "a.doc"
    doc_path.write_bytes(docx_path.read_bytes())
    assert read_extracted(doc_path).text.split("\n\n") == paragraphs


# ---------------------------------------------------------------- Word: every place a report's text stands


@pytest.mark.corpora
@pytest.mark.parametrize("report", REPORTS)
def test_word_text_in_controls_boxes_nested_tables_and_insertions_gives_the_units_of_the_txt(shared_corpora, tmp_path,
                                                                                            report):
    """A real report whose paragraphs stand in turn in a content control, a control inside a paragraph,
    a text box (with its VML fallback), a table nested in a frame table and a tracked insertion (beside
    a deletion and a move away): every character is read, once, in order, and the units are the .txt's."""
    source = shared_corpora / report
    paragraphs = paragraphs_of(source.read_text(encoding="utf-8"))
    path = rich_docx(tmp_path / f"{source.stem}.docx", paragraphs)
    extracted = read_extracted(path)
    assert extracted.text.split("\n\n") == paragraphs
    assert DELETED not in extracted.text and "not_read" not in extracted.meta
    assert _units_of(path) == _units_of(source)


@pytest.mark.parametrize("place", PLACES[1:])
def test_each_place_of_word_text_is_read_once_in_document_order(sample_path, tmp_path, place):
    paragraphs = paragraphs_of(sample_path.read_text(encoding="utf-8"))[:6]
    extracted = read_extracted(rich_docx(tmp_path / "a.docx", paragraphs, places=("paragraph", place)))
    assert extracted.text.split("\n\n") == paragraphs  # a text box is not read again from its fallback
    assert DELETED not in extracted.text


def test_table_nested_in_a_cell_stays_in_its_row(tmp_path):
    import docx

    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "指标", "2023年"
    table.cell(1, 0).text = "地区生产总值"
    nested = table.cell(1, 1).add_table(rows=2, cols=1)
    nested.cell(0, 0).text, nested.cell(1, 0).text = "4.72万亿元", "增长5%"
    document.save(str(tmp_path / "table.docx"))
    extracted = read_extracted(tmp_path / "table.docx")
    assert extracted.text.split("\n\n") == ["指标\t2023年", "地区生产总值\t4.72万亿元 增长5%"]
    assert extracted.meta["tables"] == [{"paragraphs": [0, 1], "rows": 2, "columns": 2}]


FOOTNOTE = "“三区三线”是指城镇空间、农业空间、生态空间，以及城镇开发边界、永久基本农田、生态保护红线。"


def test_notes_comments_and_placeholders_are_recorded_as_removed(sample_path, tmp_path, capsys):
    from topics.cli import main

    paragraphs = paragraphs_of(sample_path.read_text(encoding="utf-8"))[:8]
    path = docx_with_parts(tmp_path / "2024_西宁市.docx", paragraphs, footnote=FOOTNOTE, comment="此段数据请再核实",
                           placeholder="单击或点击此处输入文字。")
    extracted = read_extracted(path)
    assert {(item["reason"], item["text"]) for item in extracted.removed} == {
        ("word-note", FOOTNOTE), ("word-comment", "此段数据请再核实"), ("word-placeholder", "单击或点击此处输入文字。")}
    assert extracted.text.split("\n\n") == paragraphs + ["注释见脚注"]
    assert main(["ingest", str(path), "-o", str(tmp_path / "units.jsonl"), "--removed", str(tmp_path / "removed.jsonl")]) == 0
    printed = capsys.readouterr().out
    read, kept, removed = (int(n.replace(",", "")) for n in
                           re.search(r"characters: ([\d,]+) read = ([\d,]+) kept \+ ([\d,]+) removed", printed).groups())
    assert read == kept + removed and "word-note" in printed and "files skipped: 0" in printed
    records = [json.loads(line) for line in (tmp_path / "removed.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {"reason": "word-note", "text": FOOTNOTE} in [{k: r[k] for k in ("reason", "text")} for r in records]


def test_chart_text_and_embedded_documents_are_counted_and_named(sample_path, tmp_path, capsys):
    """What the reader cannot read is never silent: characters per place, and a warning naming the file."""
    from topics.cli import main

    paragraphs = paragraphs_of(sample_path.read_text(encoding="utf-8"))[:8]
    folder = tmp_path / "corpus"
    folder.mkdir()
    path = docx_with_parts(folder / "2024_西宁市.docx", paragraphs, chart_labels=("地区生产总值", "一般公共预算收入"),
                           embedded_html="附件：重点项目清单")
    extracted = read_extracted(path)
    assert extracted.text.split("\n\n") == paragraphs
    assert extracted.meta["not_read"] == {"chars": 14, "where": {"charts": 14}, "objects": ["word/afchunk1.htm"]}
    warning = f"{path}: 14 characters not read (charts 14); 1 embedded object(s) not read (word/afchunk1.htm)"
    assert read_documents([folder]).warnings == [warning]
    assert main(["ingest", str(folder), "-o", str(tmp_path / "units.jsonl")]) == 0
    printed = capsys.readouterr().out
    assert "; 14 not read (see the warnings)\n" in printed and f"warnings: 1\n  {warning}" in printed


# ---------------------------------------------------------------- decompression bombs

MB = 2**20
# what the peak memory of a command is measured with: the command in a fresh interpreter, its peak read
# from /proc (getrusage's maxrss would count the pages of the test process it was forked from)
_PEAK_RSS = ("import re, sys\nfrom pathlib import Path\nfrom topics.cli import main\ncode = main(sys.argv[1:])\n"
             "status = Path('/proc/self/status').read_text()\n"
             "print('peak-rss-kb', re.search(r'VmHWM:\\s+(\\d+) kB', status).group(1), file=sys.stderr)\nsys.exit(code)")


def _peak_rss(argv: list[str], cwd: Path) -> tuple[int, str, float]:
    """Exit code, what the command printed, and its peak resident memory in MB."""
    proc = subprocess.run([sys.executable, "-c", _PEAK_RSS, *argv], cwd=cwd, capture_output=True, text=True,
                          timeout=300)
    peak = int(re.search(r"peak-rss-kb (\d+)", proc.stderr).group(1)) / 1024
    return proc.returncode, proc.stdout + proc.stderr, peak


def test_docx_bomb_is_refused_naming_the_limit(tmp_path):
    path = bomb_docx(tmp_path / "bomb.docx", 16 * MB)
    with pytest.raises(UnreadableFile) as error:
        read_docx(path, path.read_bytes(), limit=4 * MB)
    message = str(error.value)
    assert re.match(rf"{re.escape(str(path))}: its parts inflate to 16\.\d MB, beyond the limit of 4\.0 MB for a ", message)
    assert one_line(message)
    with pytest.raises(UnreadableFile, match=rf"limit of [\d.]+ MB for a [\d.]+ MB file \({INFLATE_RATIO} times its size"):
        read_extracted(path)  # 16 MB from a few dozen kilobytes is beyond the default limit too


def test_docx_member_that_lies_about_its_size_is_broken_and_never_inflated(tmp_path):
    path = lying_docx(tmp_path / "lying.docx", 512 * MB)  # states 4 KB
    code, printed, peak = _peak_rss(["ingest", str(path), "-o", str(tmp_path / "units.jsonl")], tmp_path)
    assert code == 2 and "lying.docx: broken or not a Word .docx file (Bad CRC-32" in printed, printed
    assert peak < 400, f"{peak:.0f} MB"  # python-docx given the zip itself inflates the member whole: over 600 MB


@pytest.mark.parametrize("layers", [1, 2])
def test_pdf_bomb_is_refused_naming_the_limit(tmp_path, layers):
    path = bomb_pdf(tmp_path / "bomb.pdf", 16 * MB, layers=layers)
    with pytest.raises(UnreadableFile) as error:
        read_pdf(path, path.read_bytes(), limit=4 * MB)
    message = str(error.value)
    assert message.startswith(f"{path}: its streams inflate beyond the limit of 4.0 MB for a ") and one_line(message)
    assert "decompression bomb" in message


def test_real_files_inflate_far_below_the_limit(hailar, hailar_pdf, tmp_path):
    """The limit leaves real files a wide margin: a report's .docx and PDF inflate to a few times their size."""
    docx_path = report_docx(tmp_path / "hailar.docx", paragraphs_of(hailar.read_text(encoding="utf-8")), title_lines=1)
    with zipfile.ZipFile(docx_path) as archive:
        ratio = sum(member.file_size for member in archive.infolist()) / docx_path.stat().st_size
    assert ratio < INFLATE_RATIO / 10, ratio
    data = hailar_pdf.read_bytes()
    assert read_pdf(hailar_pdf, data, limit=10 * len(data)).text == read_extracted(hailar_pdf).text


@pytest.fixture(scope="module")
def realistic_bombs(tmp_path_factory) -> dict[str, Path]:
    """The tester's bombs: a .docx of a few MB whose document.xml inflates to 3 GB, a 1 MB PDF whose
    content stream inflates to 1 GB."""
    folder = tmp_path_factory.mktemp("bombs")
    return {"docx": bomb_docx(folder / "bomb.docx", 3 * 2**30), "pdf": bomb_pdf(folder / "bomb.pdf", 2**30)}


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["docx", "pdf"])
def test_realistic_bomb_is_refused_in_bounded_memory(realistic_bombs, sample_path, tmp_path, kind):
    bomb = realistic_bombs[kind]
    good = tmp_path / f"good.{kind}"
    paragraphs = paragraphs_of(sample_path.read_text(encoding="utf-8"))
    report_docx(good, paragraphs) if kind == "docx" else official_pdf(good, paragraphs)
    code, _, baseline = _peak_rss(["ingest", str(good), "-o", str(tmp_path / "good.jsonl")], tmp_path)
    assert code == 0
    code, printed, peak = _peak_rss(["ingest", str(bomb), "-o", str(tmp_path / "units.jsonl")], tmp_path)
    assert code == 2 and f"{bomb}: its" in printed and "decompression bomb" in printed, printed
    assert len([line for line in printed.splitlines() if ": error: " in line]) == 1 and "Traceback" not in printed
    # before the limit: 6.4 GB for a 3 GB .docx, 2.2 GB for a 1 GB PDF stream
    assert peak < baseline + 150, f"{peak:.0f} MB against {baseline:.0f} MB reading a good file"


# ---------------------------------------------------------------- web pages


@pytest.mark.parametrize("old_style", [False, True], ids=["p-paragraphs", "table-and-br"])
def test_portal_page_gives_the_article_and_records_the_chrome(hailar, tmp_path, old_style):
    paragraphs = paragraphs_of(hailar.read_text(encoding="utf-8"))
    path = portal_html(tmp_path / "page.html", "2016年海拉尔区政府工作报告", paragraphs, encoding="gbk",
                       old_style=old_style)
    extracted = read_extracted(path)
    got = extracted.text.split("\n\n")
    want = [" ".join(p.split()) for p in paragraphs]  # markup whitespace: runs of spaces become one
    assert [p for p in got if p != "责任编辑：李明"] == want  # 责任编辑 is left to layout repair when it hugs the article
    assert extracted.meta["encoding"] == "gb18030" and extracted.meta["encoding_from"] == "declared"
    assert extracted.title == "2016年海拉尔区政府工作报告"
    chrome = " ".join(item["text"] for item in extracted.removed if item["reason"] == "web-chrome")
    for fragment in ("当前位置", "相关链接", "打印本页", "扫一扫", "来源", "主办单位", "网站标识码", "政务公开"):
        assert fragment in chrome
    for item in extracted.removed:
        assert item["text"] not in got


def test_page_encoding_is_detected_when_not_declared(tmp_path, sample_path):
    paragraphs = paragraphs_of(sample_path.read_text(encoding="utf-8"))
    path = portal_html(tmp_path / "page.htm", "城西区", paragraphs, encoding="gbk", declare=False)
    extracted = read_extracted(path)
    assert extracted.meta["encoding"] == "gb18030" and extracted.meta["encoding_from"] == "detected"
    assert "森 林 防 火" in extracted.text or "森林防火" in extracted.text


def test_page_without_an_article_is_one_line(tmp_path):
    path = tmp_path / "empty.html"
    path.write_text("<html><head><title>首页</title></head><body><div class='nav'><a href='/'>首页</a></div></body></html>",
                    encoding="utf-8")
    with pytest.raises(InputError) as error:
        read_extracted(path)
    assert str(error.value).startswith(f"{path}: ") and one_line(str(error.value))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=2000), suffix=st.sampled_from(sorted(READERS)))
def test_random_bytes_give_a_document_or_one_clean_error(tmp_path, data, suffix):
    path = tmp_path / f"random{suffix}"
    try:
        extracted = read_extracted(path, data)
    except UnreadableFile as err:
        assert str(err).startswith(f"{path}: ") and one_line(str(err))
    else:
        assert extracted.text


# ---------------------------------------------------------------- year and region from the title

TITLES = [
    ("2024年西宁市政府工作报告", 2024, "西宁市"),
    ("西宁市2024年政府工作报告", 2024, "西宁市"),
    ("2026年内蒙古自治区人民政府工作报告", 2026, "内蒙古自治区"),
    ("海拉尔区人民政府2016年政府工作报告", 2016, "海拉尔区"),
    ("凉山彝族自治州政府工作报告（2024年）", 2024, "凉山彝族自治州"),
    ("2024年政府工作报告", 2024, ""),
    ("政 府 工 作 报 告", None, ""),
    ("关于2023年全市国民经济和社会发展计划执行情况的报告", None, ""),
]


@pytest.mark.parametrize("title, year, region", TITLES)
def test_year_and_region_from_a_report_title(title, year, region):
    assert year_region_from_title(title) == (year, region)


DATELINES = [
    ("——2016年2月19日在海拉尔区第十四届人民代表大会第五次会议上", 2016, "海拉尔区"),
    ("——2019年3月4日在呼伦贝尔市海拉尔区第十五届人民代表大会第三次会议上", 2019, "呼伦贝尔市海拉尔区"),
    ("——2024年3月5日在第十四届全国人民代表大会第二次会议上", 2024, ""),
    ("——在2023年度“万家民营企业评营商环境”中继续保持全国前列", None, ""),
]


@pytest.mark.parametrize("line, year, region", DATELINES)
def test_year_and_region_from_a_dateline(line, year, region):
    assert year_region_from_dateline(line) == (year, region)


def test_dateline_of_the_title_block_when_the_title_names_neither(hailar_pdf, tmp_path):
    renamed = tmp_path / "report.pdf"
    renamed.write_bytes(hailar_pdf.read_bytes())
    document, = read_documents([renamed]).documents
    assert (document.year, document.region) == (2016, "海拉尔区")
    assert "2016年2月19日在海拉尔区" in document.meta["inferred"]["region"]
    named = tmp_path / "2015.pdf"  # the file name's year stands; the region comes from the dateline
    named.write_bytes(hailar_pdf.read_bytes())
    document, = read_documents([named]).documents
    assert (document.year, document.region) == (2015, "海拉尔区") and set(document.meta["inferred"]) == {"region"}


def test_title_fills_what_manifest_and_file_name_leave_empty(tmp_path, sample_path):
    paragraphs = ["2024年西宁市政府工作报告"] + paragraphs_of(sample_path.read_text(encoding="utf-8"))[:6]
    official_pdf(tmp_path / "report.pdf", paragraphs, title_lines=1)
    named = tmp_path / "named"
    named.mkdir()
    official_pdf(named / "2023_海东市.pdf", paragraphs, title_lines=1)
    inferred, = read_documents([tmp_path / "report.pdf"]).documents
    assert (inferred.year, inferred.region) == (2024, "西宁市")
    assert set(inferred.meta["inferred"]) == {"year", "region"}
    assert "2024年西宁市政府工作报告" in inferred.meta["inferred"]["year"]  # the words it was read from
    from_name, = read_documents([named / "2023_海东市.pdf"]).documents
    assert (from_name.year, from_name.region) == (2023, "海东市") and "inferred" not in from_name.meta


# ---------------------------------------------------------------- folders


def test_folder_reads_every_format_and_skips_bad_files_with_reasons(tmp_path, sample_path, sample_pieces):
    folder = tmp_path / "corpus"
    folder.mkdir()
    paragraphs = paragraphs_of(sample_path.read_text(encoding="utf-8"))
    (folder / "a.txt").write_text(sample_path.read_text(encoding="utf-8"), encoding="utf-8")
    newspaper_pdf(folder / "b.pdf", sample_pieces)
    report_docx(folder / "c.docx", paragraphs)
    portal_html(folder / "d.html", "城西区", paragraphs, encoding="gbk")
    official_pdf(folder / "e_locked.pdf", paragraphs[:3], encrypt="secret")
    scanned_pdf(folder / "f_scan.pdf")
    broken_docx(folder / "g_broken.docx")
    (folder / "h_old.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))
    blank_pdf(folder / "i_blank.pdf")
    result = read_documents([folder])
    assert [d.doc_id for d in result.documents] == ["corpus/a", "corpus/b", "corpus/c", "corpus/d"]
    assert [d.meta.get("format") for d in result.documents] == [None, "pdf", "docx", "html"]
    reasons = {Path(s.path).name: s.reason for s in result.skipped}
    assert set(reasons) == {"e_locked.pdf", "f_scan.pdf", "g_broken.docx", "h_old.doc", "i_blank.pdf"}
    assert "encrypted" in reasons["e_locked.pdf"] and "OCR" in reasons["f_scan.pdf"]
    assert ".docx" in reasons["h_old.doc"] and "broken" in reasons["g_broken.docx"]
    assert all(one_line(reason) for reason in reasons.values())
    with pytest.raises(InputError, match="e_locked.pdf: encrypted"):
        read_documents([folder], strict=True)


# ---------------------------------------------------------------- the same report through every format


def _units_of(path: Path) -> list[str]:
    result = ingest_paths([path])
    assert result.skipped == []
    return [unit.text for unit in result.units]


@pytest.mark.slow
@pytest.mark.corpora
@pytest.mark.parametrize("report", REPORTS)
def test_same_report_gives_the_same_units_through_every_format(shared_corpora, tmp_path, report):
    source = shared_corpora / report
    paragraphs = paragraphs_of(source.read_text(encoding="utf-8"))
    stem = source.stem  # the same file name, so the same year and region
    makers = {
        "pdf": lambda p: official_pdf(p, paragraphs, header=f"{stem} 政府工作报告", footer="人民政府办公室", title_lines=1),
        "docx": lambda p: report_docx(p, paragraphs, title_lines=1),
        "html": lambda p: portal_html(p, f"{stem}政府工作报告", paragraphs, encoding="gbk"),
        "htm": lambda p: portal_html(p, f"{stem}政府工作报告", paragraphs, encoding="gbk", old_style=True),
    }
    expected = _units_of(source)
    failures = []
    for suffix in FORMATS:
        folder = tmp_path / suffix
        folder.mkdir()
        got = _units_of(makers[suffix](folder / f"{stem}.{suffix}"))
        matcher = difflib.SequenceMatcher(None, expected, got, autojunk=False)
        same = sum(block.size for block in matcher.get_matching_blocks())
        if same < 0.99 * max(len(expected), len(got)):
            differing = [(op, expected[a:b], got[c:d]) for op, a, b, c, d in matcher.get_opcodes() if op != "equal"]
            failures.append(f".{suffix}: {same}/{len(expected)} units identical; differing: {differing}")
    assert not failures, "\n".join(failures)


# ---------------------------------------------------------------- duplicates


EDITIONS = [("national_gwr_hprc", "national_gwr_wikisource"), ("hailar_district_gwr", "hailar_district_gwr_raw")]


@pytest.mark.corpora
def test_two_editions_of_each_report_are_found_as_duplicates_and_nothing_else(shared_corpora):
    folders = [folder for pair in EDITIONS for folder in pair] + ["city_gwr_2024", "province_gwr_2026"]
    documents = read_documents([shared_corpora / folder for folder in folders]).documents
    groups = find_duplicates(documents, threshold=0.8)
    for group in groups:  # each group is one year's report in its two editions
        assert len(group.doc_ids) == 2
        first, second = (doc_id.split("/") for doc_id in group.doc_ids)
        assert (first[0], second[0]) in EDITIONS and first[1] == second[1]
        pair, = group.pairs  # alike, or one holding the other (an edition cut short)
        assert max(pair.similarity, pair.containment) >= 0.8 and pair.similarity == group.similarity
    found = {tuple(group.doc_ids) for group in groups}
    for one, other in EDITIONS:
        years = {d.doc_id.split("/")[1] for d in documents if d.doc_id.startswith(one + "/")} & \
                {d.doc_id.split("/")[1] for d in documents if d.doc_id.startswith(other + "/")}
        paired = [year for year in years if (f"{one}/{year}", f"{other}/{year}") in found]
        assert sorted(paired) == sorted(years), f"{one} / {other}: only {sorted(paired)} of {sorted(years)}"
    hailar = [group for group in groups if group.doc_ids[0].startswith("hailar")]
    assert len(hailar) == 7 and all(group.similarity == 1.0 for group in hailar)  # GBK copy = UTF-8 copy


def test_a_report_and_its_pdf_are_duplicates_other_reports_are_not(sample_path, sample_pieces, tmp_path):
    text = sample_path.read_text(encoding="utf-8")
    pdf_text = read_extracted(newspaper_pdf(tmp_path / "page.pdf", sample_pieces)).text
    other = "".join(reversed(text))  # the same characters in another order share almost no shingles
    documents = [Document("txt", text, "a"), ("pdf", pdf_text), ("other", other)]
    groups = find_duplicates(documents)
    assert [group.doc_ids for group in groups] == [["txt", "pdf"]]
    assert groups[0].similarity > 0.9
    assert find_duplicates({"txt": text, "other": other}) == []


def test_duplicate_search_checks_its_arguments():
    with pytest.raises(ValueError, match="threshold"):
        find_duplicates({"a": "政府工作报告"}, threshold=0)
    with pytest.raises(ValueError, match="given twice"):
        find_duplicates([("a", "政府工作报告"), ("a", "政府工作报告")])


# ---------------------------------------------------------------- through the commands


@pytest.mark.slow
@pytest.mark.corpora
def test_every_format_through_ingest_run_and_assign_with_the_accounting(shared_corpora, tmp_path, capsys):
    """A folder holding one report in each format goes through `topics ingest` (read = kept + removed,
    the readers' removals recorded), `topics run` and `topics assign` with the saved model."""
    from topics.cli import main

    reports = sorted((shared_corpora / "city_gwr_2024").glob("*.txt"))[:4]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    texts = [paragraphs_of(path.read_text(encoding="utf-8")) for path in reports]
    shutil.copy(reports[0], corpus / reports[0].name)
    official_pdf(corpus / f"{reports[1].stem}.pdf", texts[1], header=f"{reports[1].stem} 政府工作报告", footer="办公室")
    report_docx(corpus / f"{reports[2].stem}.docx", texts[2])
    portal_html(corpus / f"{reports[3].stem}.html", f"{reports[3].stem}政府工作报告", texts[3], encoding="gbk")

    assert main(["ingest", str(corpus), "-o", str(tmp_path / "units.jsonl"), "--removed", str(tmp_path / "removed.jsonl")]) == 0
    printed = capsys.readouterr().out
    read, kept, removed = (int(n.replace(",", "")) for n in
                           re.search(r"characters: ([\d,]+) read = ([\d,]+) kept \+ ([\d,]+) removed", printed).groups())
    assert read == kept + removed and "files skipped: 0" in printed
    records = [json.loads(line) for line in (tmp_path / "removed.jsonl").read_text(encoding="utf-8").splitlines()]
    reasons = {record["reason"] for record in records if "reason" in record}
    assert {"running-header", "web-chrome"} <= reasons, reasons
    assert "joined-across-page" in {record.get("change") for record in records}  # the PDF's paragraphs over page breaks
    units = [json.loads(line) for line in (tmp_path / "units.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {unit["doc_id"].split("/")[-1] for unit in units} == {path.stem for path in reports}

    config = tmp_path / "config.toml"
    config.write_text(f'[run]\nname = "formats"\nseeds = [1]\nprogress = false\n[corpus]\npaths = ["{corpus}"]\n'
                      "[report]\nenabled = false\n[models.dictionary]\n", encoding="utf-8")
    assert main(["run", str(config), "-o", str(tmp_path / "run")]) == 0
    summary = json.loads((tmp_path / "run" / "corpus_summary.json").read_text(encoding="utf-8"))
    assert summary["documents"] == 4 and summary["files_skipped"] == []
    assert main(["assign", str(tmp_path / "run" / "models" / "dictionary"), str(corpus), "-o", str(tmp_path / "out.csv"),
                 "--no-progress"]) == 0
    assigned = pd.read_csv(tmp_path / "out.csv")
    assert assigned["doc_id"].str.split("/").str[-1].nunique() == 4
