"""Corpus reading: encodings, line ends, jsonl/csv, manifests, file-name metadata, bad input."""

from __future__ import annotations

import codecs
import csv
import json
import os
import signal
import socket
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import unprivileged
from topics.errors import InputError
from topics.ingest.reading import (decode_text, load_manifest, metadata_from_name, read_documents,
                            refuse_output_inside_inputs)

# A passage of the 1954 report as Wikisource prints it (traditional characters): Big5 input.
TRADITIONAL = ("我們第一屆全國人民代表大會第一次會議，在聽了劉少奇同志關於憲法草案的報告並進行了三天的討論以後，"
               "已經光榮地完成了一件歷史性的工作，通過了我們國家的根本法。")


@pytest.fixture(scope="module")
def sample_text(sample_path) -> str:
    return sample_path.read_text(encoding="utf-8")


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def encode(text: str, encoding: str) -> bytes:
    """Bytes as an editor would save them; the utf-16 variants carry their byte-order mark."""
    boms = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}
    return boms.get(encoding, b"") + text.encode(encoding)


def read_one(path: Path):
    result = read_documents([path])
    assert len(result.documents) == 1 and result.skipped == []
    return result.documents[0]


# ---------------------------------------------------------------- encodings and line ends

ENCODINGS = ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16", "utf-16-le", "utf-16-be"]


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_every_encoding_gives_the_same_text(tmp_path, sample_text, encoding):
    path = write(tmp_path / "report.txt", encode(sample_text, encoding))
    document = read_one(path)
    assert document.text == sample_text
    assert "\ufeff" not in document.text
    assert document.doc_id == "report"
    assert document.source == str(path)


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("newline", ["\r\n", "\r", "\n"])
def test_every_line_end_becomes_lf(tmp_path, sample_text, encoding, newline):
    path = write(tmp_path / "report.txt", encode(sample_text.replace("\n", newline), encoding))
    assert read_one(path).text == sample_text


def test_mixed_line_ends_and_unicode_separators(tmp_path):
    text = "第一行\r\n第二行\r第三行\n第四行\u2028第五行\x0c第六行\u2029第七行"
    document = read_one(write(tmp_path / "mixed.txt", text))
    assert document.text == "第一行\n第二行\n第三行\n第四行\n第五行\n第六行\n第七行"
    assert document.text.split("\n") == document.text.splitlines()


def test_detected_encoding_is_recorded(tmp_path, sample_text):
    gbk = read_one(write(tmp_path / "a.txt", sample_text.encode("gbk")))
    utf16 = read_one(write(tmp_path / "b.txt", encode(sample_text, "utf-16-be")))
    assert gbk.meta["encoding"] == "gb18030"
    assert utf16.meta["encoding"] == "utf-16-be"


def test_big5_is_not_misread_as_gbk(tmp_path):
    """Big5 bytes are valid GB18030 too; the reader must still recover the traditional text."""
    big5 = read_one(write(tmp_path / "big5.txt", TRADITIONAL.encode("big5")))
    assert big5.text == TRADITIONAL
    assert big5.meta["encoding"] == "big5"
    # and traditional text saved as GBK stays GBK
    gbk = read_one(write(tmp_path / "gbk.txt", TRADITIONAL.encode("gbk")))
    assert gbk.text == TRADITIONAL
    assert gbk.meta["encoding"] == "gb18030"


def _common_hanzi() -> list[str]:
    """The 3755 level-1 GB2312 characters: the everyday characters of simplified Chinese text."""
    chars = []
    for lead in range(0xB0, 0xD8):
        for trail in range(0xA1, 0xFF):
            try:
                chars.append(bytes([lead, trail]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


_LINE = st.text(alphabet=st.sampled_from(_common_hanzi() + list("，。、；：“”（）《》—…0123456789abcXYZ　 \t")),
                max_size=40)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(_LINE, min_size=1, max_size=8),
       encoding=st.sampled_from(ENCODINGS),
       newline=st.sampled_from(["\n", "\r\n", "\r"]))
def test_any_chinese_text_round_trips(tmp_path, lines, encoding, newline):
    text = "政府" + "\n".join(lines)  # always some Chinese
    path = write(tmp_path / "round_trip.txt", encode(text.replace("\n", newline), encoding))
    assert read_one(path).text == text


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_byte_order_mark(tmp_path, sample_text, encoding):
    document = read_one(write(tmp_path / "report.txt", sample_text.encode(encoding)))
    assert document.text == sample_text and document.meta["encoding"] == encoding


def test_nul_bytes_that_are_not_utf16_are_still_binary(tmp_path):
    # even length, NULs at odd offsets, but as UTF-16 it is private-use and Hangul soup: not text
    data = ("中文" * 10).encode("utf-8").replace(b"\xb8", b"\x00")
    path = write(tmp_path / "odd.txt", data + b"\x00" * (len(data) % 2))
    with pytest.raises(InputError, match="binary file"):
        read_documents([path])


def test_decode_text_directly(sample_text):
    assert decode_text(sample_text.replace("\n", "\r\n").encode("gb18030"), "x.txt") == sample_text
    with pytest.raises(InputError, match=r"^x\.txt: empty file$"):
        decode_text(b"", "x.txt")


@pytest.mark.corpora
def test_hailar_gbk_crlf_equals_utf8(shared_corpora):
    raw = read_documents([shared_corpora / "hailar_district_gwr_raw"])
    utf8 = read_documents([shared_corpora / "hailar_district_gwr"])
    raw_texts = {d.doc_id.split("/", 1)[1]: d for d in raw.documents}
    utf8_texts = {d.doc_id.split("/", 1)[1]: d for d in utf8.documents}
    assert len(raw_texts) == 7 and raw_texts.keys() == utf8_texts.keys()
    assert (shared_corpora / "hailar_district_gwr_raw" / "2012.txt").read_bytes().count(b"\r\n") > 10
    for name, document in raw_texts.items():
        assert document.meta["encoding"] == "gb18030"
        assert utf8_texts[name].meta["encoding"] == "utf-8"
        assert document.text == utf8_texts[name].text, name
        assert "\r" not in document.text


# ---------------------------------------------------------------- jsonl and csv


def test_jsonl_rows(tmp_path):
    rows = [
        {"id": "sh", "title": "上海市政府工作报告", "year": 2024, "region": "上海市", "text": "各位代表：\r\n现在报告工作。", "source_url": "u1"},
        {"content": "加强生态文明建设。", "year": "2023"},
        {"id": 7, "text": "保障和改善民生。"},
    ]
    lines = [json.dumps(rows[0], ensure_ascii=False), "", json.dumps(rows[1], ensure_ascii=False),
             json.dumps(rows[2], ensure_ascii=False)]
    path = write(tmp_path / "reports.jsonl", "\n".join(lines) + "\n")
    result = read_documents([path])
    assert result.skipped == []
    first, second, third = result.documents
    assert (first.doc_id, first.title, first.year, first.region) == ("reports#sh", "上海市政府工作报告", 2024, "上海市")
    assert first.text == "各位代表：\n现在报告工作。"
    assert first.meta["columns"]["source_url"] == "u1"  # extra fields are the document's metadata columns
    assert first.source == f"{path}:row 1"
    assert (second.doc_id, second.text, second.year) == ("reports#3", "加强生态文明建设。", 2023)  # line 3
    assert third.doc_id == "reports#7"


def test_jsonl_in_gbk(tmp_path):
    line = json.dumps({"id": "a", "text": "推进绿色低碳发展。"}, ensure_ascii=False)
    document = read_one(write(tmp_path / "gbk.jsonl", (line + "\r\n").encode("gbk")))
    assert document.text == "推进绿色低碳发展。"


def test_jsonl_escapes_of_a_character_beyond_the_basic_plane_are_read(tmp_path):
    path = write(tmp_path / "rows.jsonl", '{"text": "推进\\ud83c\\udf32绿色发展。"}\n')  # a surrogate pair: one character
    assert read_one(path).text == "推进\U0001f332绿色发展。"


BAD_JSONL_LINES = [
    ('{"text": "未闭合', "not valid JSON"),
    ('["数组"]', "not a JSON object"),
    ('{"title": "无正文"}', "no 'text' or 'content' field"),
    ('{"text": ""}', "empty 'text'"),
    ('{"text": 5}', "'text' is not a string"),
    ('{"text": "English only"}', "no Chinese text"),
    ('{"id": "a", "text": "重复编号"}', "id 'a' is used twice (first on line 1)"),
    ('{"text": "年份错误", "year": "2024年"}', "is not a whole number"),
    ('{"text": "半个代理对\\ud800"}', "holds an unpaired surrogate escape"),
    ('{"text": "元数据里的半个代理对", "source": "\\udfff"}', "holds an unpaired surrogate escape"),
]


@pytest.mark.parametrize("bad_line, reason", BAD_JSONL_LINES)
def test_bad_jsonl_line_is_skipped_or_strict_error(tmp_path, bad_line, reason):
    good = json.dumps({"id": "a", "text": "加快建设现代化产业体系。"}, ensure_ascii=False)
    path = write(tmp_path / "rows.jsonl", f"{good}\n\n{bad_line}\n")
    result = read_documents([path])
    assert [d.doc_id for d in result.documents] == ["rows#a"]
    assert len(result.skipped) == 1
    assert result.skipped[0].path == f"{path}:3"
    assert reason in result.skipped[0].reason
    assert result.skipped[0].record and result.files_skipped == [] and result.records_skipped == result.skipped
    with pytest.raises(InputError, match=rf"^{path}:3: .*{reason[:12]}"):
        read_documents([path], strict=True)


def test_jsonl_lines_beyond_the_json_parsers_limits_are_bad_rows(tmp_path):
    good = json.dumps({"text": "加快建设现代化产业体系。"}, ensure_ascii=False)
    path = write(tmp_path / "rows.jsonl", "\n".join(['{"text": "中文", "year": ' + "9" * 5000 + "}", "[" * 100_000, good]))
    result = read_documents([path])
    assert [d.doc_id for d in result.documents] == ["rows#3"]
    assert [(s.path, s.reason[:18]) for s in result.skipped] == [
        (f"{path}:1", "not readable JSON "), (f"{path}:2", "not readable JSON ")]


def _write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_rows(tmp_path, encoding):
    path = _write_csv(tmp_path / "reports.csv", [
        ["ID", "Region", "year", "full_text", "note"],
        ["bj", "北京市", "2026", "各位代表：\n现在，我代表市人民政府，向大会报告工作，请予审议。", "一,二"],
        ["", "", "", "坚持生态优先、绿色发展。", ""],
    ], encoding)
    result = read_documents([path])
    assert result.skipped == []
    first, second = result.documents
    assert (first.doc_id, first.region, first.year) == ("reports#bj", "北京市", 2026)
    assert first.text.startswith("各位代表：\n现在")
    assert first.meta["columns"]["note"] == "一,二"
    assert (second.doc_id, second.source) == ("reports#2", f"{path}:row 2")


def test_csv_huge_cell_and_field_limit_restored(tmp_path):
    before = csv.field_size_limit()
    text = "推进高质量发展。" * 40_000  # 320k characters, beyond the csv module's default cell limit
    document = read_one(_write_csv(tmp_path / "big.csv", [["text"], [text]]))
    assert document.text == text
    assert csv.field_size_limit() == before


def test_csv_bad_rows_name_their_line(tmp_path):
    path = _write_csv(tmp_path / "rows.csv", [
        ["id", "text"],
        ["a", "第一行\n跨两行的正文。"],  # lines 2-3
        ["b", ""],  # line 4: empty text
        ["c", "正文", "多出的字段"],  # line 5: too many fields
        ["d", "保障民生。"],
    ])
    result = read_documents([path])
    assert [d.doc_id for d in result.documents] == ["rows#a", "rows#d"]
    assert [(s.path, s.reason) for s in result.skipped] == [
        (f"{path}:4", "empty 'text'"), (f"{path}:5", "3 fields but the header has 2")]
    with pytest.raises(InputError, match=rf"^{path}:4: empty 'text'$"):
        read_documents([path], strict=True)


@pytest.mark.parametrize("rows, line, end", [
    # the quote opened on line 2 is never closed: the rest of the file would be one field
    ('id,text\n1,"坚持生态优先\n2,推进高质量发展\n3,保障民生\n', 2, 4),
    # ... or it is closed by the next quote, three lines on, with text right after it
    ('id,text\n1,坚持生态优先\n2,"推进高质量发展\n3,保障民生\n4,"加强社会治理"\n', 3, 5),
])
def test_csv_quote_left_open_is_a_bad_file_naming_its_line(tmp_path, rows, line, end):
    path = write(tmp_path / "rows.csv", rows)
    with pytest.raises(InputError, match=rf"^{path}:{line}: malformed CSV: a quoted field .* runs on to line {end}"):
        read_documents([path])
    write(tmp_path / "good.csv", "id,text\n1,保障民生\n")
    result = read_documents([tmp_path])
    assert [d.doc_id for d in result.documents] == [f"{tmp_path.name}/good#1"]
    assert [(s.path, s.record) for s in result.skipped] == [(f"{path}:{line}", False)]


def test_long_header_lists_are_capped_in_messages(tmp_path):
    path = write(tmp_path / "wide.csv", ",".join(f"column{i}" for i in range(300)) + "\n" + "x," * 299 + "x\n")
    with pytest.raises(InputError) as caught:
        read_documents([path])
    assert "column9, … and 290 more" in str(caught.value) and len(str(caught.value)) < 500


def test_csv_without_text_column(tmp_path):
    path = _write_csv(tmp_path / "table.csv", [["标题", "年份"], ["报告", "2024"]])
    with pytest.raises(InputError, match=rf"^{path}:1: no text column .*found: 标题, 年份"):
        read_documents([path])


# ---------------------------------------------------------------- manifest and file-name metadata


@pytest.mark.parametrize("stem, expected", [
    ("2024_上海市", (2024, "上海市")),
    ("2015", (2015, "")),
    ("上海市_2024", (2024, "上海市")),
    ("2024-内蒙古自治区", (2024, "内蒙古自治区")),
    ("政府工作报告2023", (2023, "")),
    ("2024_final", (2024, "")),
    ("2024_上海市_政府工作报告", (2024, "")),
    ("20240305", (None, "")),
    ("report", (None, "")),
])
def test_metadata_from_name(stem, expected):
    assert metadata_from_name(stem) == expected


def test_file_name_metadata_without_manifest(tmp_path):
    write(tmp_path / "corpus" / "2024_上海市.txt", "上海市政府工作报告")
    write(tmp_path / "corpus" / "national" / "2015.txt", "国务院政府工作报告")
    result = read_documents([tmp_path / "corpus"])
    assert [(d.doc_id, d.year, d.region) for d in result.documents] == [
        ("corpus/2024_上海市", 2024, "上海市"), ("corpus/national/2015", 2015, "")]


@pytest.mark.corpora
def test_real_manifest(shared_corpora):
    folder = shared_corpora / "hailar_district_gwr"
    manifest = load_manifest(folder / "MANIFEST.tsv")
    result = read_documents([folder])
    assert len(result.documents) == len(manifest)
    for document in result.documents:
        entry = manifest[Path(document.source).name]
        assert document.year == entry.year == int(Path(document.source).stem)
        assert document.region == "呼伦贝尔市海拉尔区"
        assert document.meta["columns"]["doc_type"] == "政府工作报告"
        assert document.meta["columns"]["source_repo"] == "derek-s/Python-GovWorkReportAnalyze"
        assert int(document.meta["columns"]["chars"]) == len(document.text)


def test_manifest_gives_title_and_extra_columns_and_wins_over_name(tmp_path):
    write(tmp_path / "c" / "MANIFEST.tsv",
          "file\tyear\tregion\ttitle\tdoc_type\n"
          "2024_上海市.txt\t2023\t上海\t上海市政府工作报告\t政府工作报告\n"
          "other.txt\t\t\t\t新闻\n")
    write(tmp_path / "c" / "2024_上海市.txt", "上海市的报告")
    write(tmp_path / "c" / "other.txt", "一篇报道")
    write(tmp_path / "c" / "2019_北京市.txt", "不在清单里的文件")
    docs = {d.doc_id: d for d in read_documents([tmp_path / "c"]).documents}
    shanghai = docs["c/2024_上海市"]
    assert (shanghai.year, shanghai.region, shanghai.title) == (2023, "上海", "上海市政府工作报告")
    assert shanghai.meta["columns"]["doc_type"] == "政府工作报告"
    assert (docs["c/other"].year, docs["c/other"].meta["columns"]["doc_type"]) == (None, "新闻")
    assert (docs["c/2019_北京市"].year, docs["c/2019_北京市"].region) == (2019, "北京市")  # from its name
    # a file given directly uses the manifest beside it too
    assert read_one(tmp_path / "c" / "2024_上海市.txt").title == "上海市政府工作报告"


def test_manifest_rows_naming_missing_files_and_files_it_does_not_name(tmp_path):
    manifest = write(tmp_path / "c" / "MANIFEST.tsv",
                     "file\tyear\tregion\n2024_上海.txt\t2024\t上海市\ngone.txt\t2023\t北京市\n2019.txt\t2019\t\n")
    write(tmp_path / "c" / "2024_上海市.txt", "上海市的报告")
    write(tmp_path / "c" / "2019.txt", "一份报告")
    write(tmp_path / "c" / "extra.txt", "另一份报告")
    write(tmp_path / "c" / "README.md", "# 说明")  # documentation is not expected in the manifest
    result = read_documents([tmp_path / "c"])
    assert len(result.documents) == 3 and result.skipped == []
    assert result.warnings == [
        f"{manifest}:2: names '2024_上海.txt', which is not in {tmp_path / 'c'} (did you mean '2024_上海市.txt'?); "
        "its year and region go to no file",
        f"{manifest}:3: names 'gone.txt', which is not in {tmp_path / 'c'}; its year and region go to no file",
        f"{manifest}: does not name 2 file(s) of its folder (2024_上海市.txt, extra.txt); "
        "they take their year and region from their file names",
    ]
    with pytest.raises(InputError, match=rf"^{manifest}:2: names '2024_上海.txt'"):
        read_documents([tmp_path / "c"], strict=True)


def test_manifest_that_is_a_folder(tmp_path):
    write(tmp_path / "c" / "MANIFEST.tsv" / "notes.txt", "说明")
    write(tmp_path / "c" / "a.txt", "正文")
    with pytest.raises(InputError, match=rf"^{tmp_path / 'c' / 'MANIFEST.tsv'}: is a folder, expected a file$"):
        read_documents([tmp_path / "c"])


def test_manifest_in_gbk(tmp_path):
    write(tmp_path / "MANIFEST.tsv", "file\tyear\tregion\r\na.txt\t2020\t海拉尔区\r\n".encode("gbk"))
    document = read_one(write(tmp_path / "a.txt", "海拉尔区政府工作报告"))
    assert (document.year, document.region) == (2020, "海拉尔区")


@pytest.mark.parametrize("manifest, where, message", [
    ("name\tyear\na.txt\t2020\n", 1, "no 'file' column"),
    ("file,year\na.txt,2020\n", 1, "no 'file' column"),
    ("file\tyear\na.txt\t2020\nb.txt\t二〇二一\n", 3, "year '二〇二一' is not a whole number"),
    ("file\tyear\na.txt\t-5\n", 2, "year -5 is out of range (1800–2199)"),
    ("file\tyear\na.txt\t" + "9" * 5000 + "\n", 2, "is out of range"),
    ("file\tyear\na.txt\t2020\na.txt\t2021\n", 3, "listed twice (first on line 2)"),
    ("file\tyear\na.txt\t2020\textra\n", 2, "3 fields but the header has 2"),
])
def test_malformed_manifest_names_file_and_line(tmp_path, manifest, where, message):
    manifest_path = write(tmp_path / "c" / "MANIFEST.tsv", manifest)
    write(tmp_path / "c" / "a.txt", "正文")
    for strict in (False, True):
        with pytest.raises(InputError) as caught:
            read_documents([tmp_path / "c"], strict=strict)
        assert str(caught.value).startswith(f"{manifest_path}:{where}: ")
        assert message in str(caught.value)


# ---------------------------------------------------------------- bad input

BAD_FILES = [
    ("empty.txt", b"", "empty file"),
    ("blank.txt", "  \r\n\u3000\n".encode("utf-8"), "empty file (only whitespace)"),
    ("picture.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file (PNG image)"),
    ("scan.txt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "binary file (PDF document"),
    ("nul.txt", "中文\x00正文".encode("utf-8"), "binary file (contains NUL bytes)"),
    ("latin.txt", "Café société, naïve résumé.\n".encode("latin-1"), "undecodable bytes"),
    ("english.txt", b"Report on the work of the government.\n", "no Chinese text"),
]


@pytest.mark.parametrize("name, data, reason", BAD_FILES)
def test_bad_file_given_directly_is_an_error_naming_it(tmp_path, name, data, reason):
    path = write(tmp_path / name, data)
    with pytest.raises(InputError) as caught:
        read_documents([path])
    message = str(caught.value)
    assert message.startswith(f"{path}") and reason in message
    assert "\n" not in message


@pytest.mark.parametrize("name, data, reason", BAD_FILES)
def test_bad_file_in_folder_is_skipped_unless_strict(tmp_path, sample_text, name, data, reason):
    write(tmp_path / "c" / "good.txt", sample_text.encode("gbk"))
    bad = write(tmp_path / "c" / name, data)
    result = read_documents([tmp_path / "c"])
    assert [d.doc_id for d in result.documents] == ["c/good"]
    assert len(result.skipped) == 1
    assert result.skipped[0].path.split(":")[0] == str(bad)  # the file, or file:line when known
    assert reason in result.skipped[0].reason
    with pytest.raises(InputError, match=rf"^{bad}"):
        read_documents([tmp_path / "c"], strict=True)


def test_undecodable_names_the_line(tmp_path, sample_text):
    data = sample_text.encode("gbk")
    third_line = data.index(b"\n", data.index(b"\n") + 1) + 1
    path = write(tmp_path / "broken.txt", data[:third_line] + b"\xff\xff" + data[third_line:])
    with pytest.raises(InputError, match=rf"^{path}:3: undecodable bytes"):
        read_documents([path])


def test_missing_path_is_always_an_error(tmp_path, sample_path):
    missing = tmp_path / "no_such.txt"
    for strict in (False, True):
        with pytest.raises(InputError, match=rf"^{missing}: no such file or folder$"):
            read_documents([sample_path, missing], strict=strict)


def test_folder_without_text_files(tmp_path):
    write(tmp_path / "c" / "README.md", "# 说明")
    write(tmp_path / "c" / "figure.png", b"\x89PNG\r\n")
    with pytest.raises(InputError, match=rf"^{tmp_path / 'c'}: no readable report files"):
        read_documents([tmp_path / "c"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=rf"^{tmp_path / 'empty'}: no readable report files"):
        read_documents([tmp_path / "empty"])


def test_folder_of_only_bad_files(tmp_path):
    write(tmp_path / "c" / "a.txt", b"")
    with pytest.raises(InputError, match=rf"^{tmp_path / 'c'}: no readable report files.*a\.txt: empty file"):
        read_documents([tmp_path / "c"])


def test_what_a_folder_passes_over(tmp_path, sample_text):
    folder = tmp_path / "c"
    write(folder / "2024.txt", sample_text)
    write(folder / "README.md", "# 西宁 说明文档")
    write(folder / "MANIFEST.tsv", "file\tyear\n2024.txt\t2024\n")
    write(folder / ".hidden.txt", "隐藏文件")
    write(folder / "__MACOSX" / "._2024.txt", b"\x00\x05\x16\x07")
    write(folder / "figures.xlsx", b"PK\x03\x04")
    result = read_documents([folder])
    assert [d.doc_id for d in result.documents] == ["c/2024"]
    assert [(s.path, s.record) for s in result.skipped] == [(str(folder / "figures.xlsx"), False)]
    assert result.skipped[0].reason.startswith("unsupported file type '.xlsx' (readable: .csv, .doc, .docx")
    assert result.warnings == []  # the manifest names the one document; README and hidden files need no row
    with pytest.raises(InputError, match=r"figures\.xlsx: unsupported file type"):
        read_documents([folder], strict=True)


def test_ten_megabyte_single_line(tmp_path, sample_text):
    one_line = sample_text.replace("\n", "")
    data = (one_line * (10_000_000 // len(one_line.encode()) + 1)).encode("utf-8")[:10_000_000]
    data = data[:data.rfind("。".encode())]  # end on a whole character
    document = read_one(write(tmp_path / "huge.txt", data))
    assert len(document.text.encode("utf-8")) == len(data) > 9_900_000
    assert "\n" not in document.text


# ---------------------------------------------------------------- what a folder holds besides report files


@contextmanager
def no_hang(seconds: int = 20):
    """Fails the test, instead of hanging it, when reading blocks (on a named pipe, a device)."""
    def stop(signum, frame):
        raise TimeoutError(f"still reading after {seconds} s: something blocked")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_links_pipes_sockets_and_run_folders_are_named_with_their_reason(tmp_path, sample_text):
    folder = tmp_path / "c"
    write(folder / "2024.txt", sample_text)
    elsewhere = write(tmp_path / "elsewhere" / "2023.txt", sample_text)
    (folder / "linked").symlink_to(elsewhere.parent)  # a folder: not followed
    (folder / "loop").symlink_to(folder)  # a loop: not followed either
    (folder / "2022.txt").symlink_to(elsewhere)  # a file: read
    (folder / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    os.mkfifo(folder / "pipe.txt")
    (folder / "to_pipe.txt").symlink_to(folder / "pipe.txt")
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(folder / "socket.txt"))
    write(folder / "run" / "DONE", "")  # a finished run of `topics run`
    write(folder / "run" / "metrics.csv", "model,k\n政府,1\n")
    write(folder / "unfinished" / "config.toml", "[run]\n")  # a run that stopped before DONE
    write(folder / "unfinished" / "units.jsonl", json.dumps({"doc_id": "d", "text": sample_text}) + "\n")
    with no_hang():
        result = read_documents([folder])
    assert [d.doc_id for d in result.documents] == ["c/2022", "c/2024"]
    reasons = {Path(s.path).name: s.reason for s in result.skipped}
    assert reasons == {
        "gone.txt": f"broken symbolic link to {tmp_path / 'nowhere.txt'}, its target missing (or a loop of links)",
        "linked": f"symbolic link to a folder ({elsewhere.parent}), not followed; give the folder itself as an input to read it",
        "loop": f"symbolic link to a folder ({folder}), not followed; give the folder itself as an input to read it",
        "pipe.txt": "not a regular file (named pipe), never opened",
        "to_pipe.txt": "not a regular file (named pipe), never opened",
        "socket.txt": "not a regular file (socket), never opened",
        "run": "a run folder of `topics run` (it holds DONE, or config.toml and units.jsonl): its tables are not "
               "reports, not read",
        "unfinished": "a run folder of `topics run` (it holds DONE, or config.toml and units.jsonl): its tables are not "
                      "reports, not read",
    }
    assert all(not s.record for s in result.skipped) and result.warnings == []
    with no_hang(), pytest.raises(InputError, match=r"c/gone\.txt: broken symbolic link"):
        read_documents([folder], strict=True)


def test_pipe_named_manifest_is_an_error_not_a_hang(tmp_path, sample_text):
    write(tmp_path / "c" / "2024.txt", sample_text)
    os.mkfifo(tmp_path / "c" / "MANIFEST.tsv")
    with no_hang(), pytest.raises(InputError, match=r"^\S+/c/MANIFEST\.tsv: not a regular file \(named pipe\)"):
        read_documents([tmp_path / "c"])
    with no_hang(), pytest.raises(InputError, match=r"MANIFEST\.tsv: not a regular file \(named pipe\)"):
        load_manifest(tmp_path / "c" / "MANIFEST.tsv")


def test_pipe_device_or_broken_link_given_directly_is_an_error_naming_it(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    for given, reason in ((tmp_path / "pipe.txt", "not a regular file (named pipe)"),
                          (Path("/dev/zero"), "not a regular file (character device)"),
                          (tmp_path / "gone.txt", "broken symbolic link")):
        with no_hang(), pytest.raises(InputError) as caught:
            read_documents([given])
        assert str(caught.value).startswith(f"{given}: {reason}") and "\n" not in str(caught.value)


def test_sub_folder_and_file_that_cannot_be_opened_are_named(tmp_path, sample_text):
    folder = tmp_path / "c"
    write(folder / "2024.txt", sample_text)
    write(folder / "closed" / "2023.txt", sample_text)
    write(folder / "2022.txt", sample_text)
    (folder / "closed").chmod(0)
    (folder / "2022.txt").chmod(0)
    script = ("import json, sys\nfrom topics.ingest.reading import read_documents\nresult = read_documents([sys.argv[1]])\n"
              "print(json.dumps([[d.doc_id for d in result.documents], [s.to_json() for s in result.skipped]]))")
    try:
        proc = subprocess.run(unprivileged([sys.executable, "-c", script, str(folder)]), capture_output=True, text=True,
                              timeout=120)
    finally:
        (folder / "closed").chmod(0o755)
        (folder / "2022.txt").chmod(0o644)
    assert proc.returncode == 0, proc.stderr
    documents, skipped = json.loads(proc.stdout)
    assert documents == ["c/2024"]
    assert skipped == [{"path": str(folder / "closed"), "reason": "cannot open the folder (Permission denied)", "record": False},
                       {"path": str(folder / "2022.txt"), "reason": "cannot read (Permission denied)", "record": False}]


def test_file_names_that_are_not_utf8_are_read_with_names_that_print(tmp_path, sample_text):
    folder = tmp_path / "c"
    folder.mkdir()
    gbk = os.fsdecode(os.fsencode(folder) + b"/" + "2024_西宁市.txt".encode("gbk"))  # as unzipped from Chinese Windows
    Path(gbk).write_text(sample_text, encoding="utf-8")
    odd = os.fsdecode(os.fsencode(folder) + b"/2023_\xff\xfe.txt")  # not GB18030 either
    Path(odd).write_text(sample_text, encoding="utf-8")
    result = read_documents([folder])
    assert [(d.doc_id, d.source, d.year, d.region) for d in result.documents] == [
        ("c/2023_\\xff\\xfe", str(folder / "2023_\\xff\\xfe.txt"), 2023, ""),
        ("c/2024_西宁市", str(folder / "2024_西宁市.txt"), 2024, "西宁市")]
    assert result.warnings == [f"2 file name(s) not UTF-8, shown decoded as GB18030: {folder / '2023_'}\\xff\\xfe.txt, "
                               f"{folder / '2024_西宁市.txt'}; rename them to UTF-8 (e.g. convmv -f gbk -t utf-8 -r "
                               "--notest FOLDER)"]
    # a manifest names the file as it reads: in Chinese
    write(folder / "MANIFEST.tsv", "file\tyear\tregion\n2024_西宁市.txt\t2024\t西宁市城西区\n2023_\\xff\\xfe.txt\t2023\t\n")
    by_id = {d.doc_id: d for d in read_documents([folder]).documents}
    assert by_id["c/2024_西宁市"].region == "西宁市城西区"
    # the whole command, its output a real pipe: the names print and the units are written
    proc = subprocess.run([sys.executable, "-m", "topics", "ingest", str(folder), "-o", str(tmp_path / "units.jsonl")],
                          capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    assert "2024_西宁市.txt".encode() in proc.stdout and b"Traceback" not in proc.stderr
    units = [json.loads(line) for line in (tmp_path / "units.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {unit["doc_id"].split("#")[0] for unit in units} == {"c/2023_\\xff\\xfe", "c/2024_西宁市"}  # #1, #2: two articles


def test_output_inside_an_input_folder_is_refused_naming_both(tmp_path, sample_text):
    corpus = write(tmp_path / "corpus" / "2024.txt", sample_text).parent
    (tmp_path / "via").symlink_to(corpus)
    for output in (corpus / "run", corpus, tmp_path / "via" / "runs" / "a"):
        with pytest.raises(InputError) as caught:
            refuse_output_inside_inputs(output, [str(corpus)])
        assert str(caught.value) == (f"{output}: the run folder is inside the input folder {corpus}, whose next reading "
                                     f"would take its tables for reports; choose a run folder outside {corpus}")
    for output in (tmp_path / "runs" / "a", tmp_path / "corpus_runs"):
        refuse_output_inside_inputs(output, [str(corpus), str(corpus / "2024.txt")])  # beside it: fine


# ---------------------------------------------------------------- order, ids, progress


def test_order_ids_and_duplicates(tmp_path):
    for name in ["b.txt", "a.txt", "sub/c.txt", "a/z.txt"]:
        write(tmp_path / "c" / name, f"正文{name}")
    result = read_documents([tmp_path / "c"])
    # sorted by path components, in code-point order
    assert [d.doc_id for d in result.documents] == ["c/a/z", "c/a", "c/b", "c/sub/c"]
    assert read_documents([tmp_path / "c"]) == result  # same input, same result
    # inputs in the order given; a file reachable twice is read once
    again = read_documents([tmp_path / "c" / "b.txt", tmp_path / "c"])
    assert [d.doc_id for d in again.documents] == ["b", "c/a/z", "c/a", "c/sub/c"]


def test_clashing_ids_are_an_error(tmp_path):
    first = write(tmp_path / "x" / "2024.txt", "第一份")
    second = write(tmp_path / "y" / "2024.txt", "第二份")
    with pytest.raises(InputError, match=rf"^{second}: document id '2024' is already used by {first}"):
        read_documents([first, second])


def test_progress_bar_goes_to_stderr(tmp_path, capsys):
    write(tmp_path / "c" / "a.txt", "正文")
    read_documents([tmp_path / "c"], progress=False)
    assert capsys.readouterr().err == ""
    read_documents([tmp_path / "c"], progress=True)
    captured = capsys.readouterr()
    assert "reading" in captured.err and "1/1" in captured.err
    assert captured.out == ""


@pytest.mark.corpora
def test_all_shared_corpora_read_without_error(shared_corpora):
    result = read_documents([shared_corpora])
    assert result.skipped == [] and result.warnings == []  # every manifest names exactly the files beside it
    expected = {}
    for manifest in sorted(shared_corpora.glob("*/MANIFEST.tsv")):
        expected.update({f"{manifest.parent.name}/{name}": entry for name, entry in load_manifest(manifest).items()})
    assert len(result.documents) == len(expected) > 200
    assert len({d.doc_id for d in result.documents}) == len(result.documents)
    for document in result.documents:
        entry = expected[Path(document.source).relative_to(shared_corpora).as_posix()]
        assert document.year == entry.year and document.region == entry.region
        assert int(document.meta["columns"]["chars"]) == len(document.text), document.doc_id  # exact decoding
    sources = [Path(d.source).relative_to(shared_corpora).parts for d in result.documents]
    assert sources == sorted(sources)
