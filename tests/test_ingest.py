"""Ingest end to end: files → units.jsonl and removed.jsonl, the summary, the command, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from topics.documents import Unit
from topics.errors import InputError
from topics.ingest import format_summary, ingest_paths, read_units, write_units
from topics.ingest.layout import count_chars
from topics.ingest.structure import MAX_UNIT_CHARS

PROJECT = Path(__file__).resolve().parent.parent
# what layout repair takes out of the sample page: two bylines, and the headlines and authors printed at its end
EXPECTED_REMOVED = {
    "headline": count_chars("在推进五个中心城市建设上走在前作表率" "奋力在“强省会”中显担当展作为"),
    "author": count_chars("市人大代表、城西区委书记 张俊录" "市人大代表、城西区委副书记、区长 袁文"),
    "byline": count_chars("（记者 张国静）" * 2),
}


def _topics(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "topics", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


def test_ingest_sample_summary_accounts_for_every_character(sample_path):
    result = ingest_paths([sample_path])
    summary = result.summary
    assert summary["documents"] == 1 and summary["pieces"] == 2
    assert [d.doc_id for d in result.documents] == ["xining_chengxi_2024#1", "xining_chengxi_2024#2"]
    # one point of 553 characters is longer than [corpus] max_unit_chars and is cut where its sentences turn
    assert summary["units"] == len(result.units) == 17
    assert summary["units_cut"] == {"max_unit_chars": MAX_UNIT_CHARS, "units": 1, "parts": 3}
    parts = [u for u in result.units if u.meta.get("part")]
    assert len({(u.heading, u.kind) for u in parts}) == 1 and "".join(u.text for u in parts) in sample_path.read_text(
        encoding="utf-8").replace("\n", "")
    assert summary["chars_input"] == count_chars(sample_path.read_text(encoding="utf-8"))
    assert summary["chars_input"] == summary["chars_kept"] + summary["chars_removed"]
    assert summary["removed_by_reason"] == EXPECTED_REMOVED
    assert summary["files_skipped"] == 0
    text = format_summary(summary)
    assert "units: 17" in text and "1 longer than 400 characters cut into 3 at sentence ends" in text and f"headline {EXPECTED_REMOVED['headline']}" in text and "files skipped: 0" in text


def test_units_jsonl_round_trip(tmp_path, sample_path):
    units = ingest_paths([sample_path]).units
    path = write_units(units, tmp_path / "out" / "units.jsonl")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(units)
    record = json.loads(lines[2])
    assert {"doc_id", "unit_id", "kind", "heading", "text", "weak_label", "year", "region"} <= set(record)
    assert record["heading"] == "着力在生态文明建设上创造高标准" and record["weak_label"] == "ecology"
    assert read_units(path) == units


@pytest.mark.parametrize("line, message", [
    ("{not json", ":2: not valid JSON"),
    ('["a list"]', ":2: expected a JSON object"),
    ('{"doc_id": "d", "unit_id": "u2", "kind": "paragraph", "text": "文本"}', ":2: missing field(s) heading, weak_label, year, region"),
    ('{"doc_id": "d", "unit_id": "u2", "kind": "paragraph", "heading": "", "text": 5, "weak_label": "", '
     '"year": 2024, "region": ""}', ":2: field 'text' must be a string"),
    ('{"doc_id": "d", "unit_id": "u2", "kind": "paragraph", "heading": "", "text": "文本", "weak_label": "", '
     '"year": "2024", "region": ""}', ":2: field 'year' must be an integer or null"),
    ('{"doc_id": "d", "unit_id": "u1", "kind": "paragraph", "heading": "", "text": "文本", "weak_label": "", '
     '"year": 2024, "region": ""}', ":2: unit_id 'u1' repeats line 1"),
])
def test_read_units_names_the_bad_line(tmp_path, line, message):
    good = Unit(doc_id="d", unit_id="u1", kind="paragraph", heading="", text="文本", year=2024)
    path = tmp_path / "units.jsonl"
    path.write_text(json.dumps(good.to_json(), ensure_ascii=False) + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        read_units(path)
    assert str(error.value).startswith(f"{path}{message}")
    with pytest.raises(InputError, match="no such file"):
        read_units(tmp_path / "missing.jsonl")


@pytest.mark.corpora
def test_gbk_crlf_files_give_the_same_units_as_utf8(shared_corpora):
    raw = ingest_paths([shared_corpora / "hailar_district_gwr_raw"])
    utf8 = ingest_paths([shared_corpora / "hailar_district_gwr"])

    def comparable(units):
        return [(u.unit_id.split("/", 1)[1], u.kind, u.heading, u.text, u.weak_label, u.year, u.region, u.span)
                for u in units]

    assert len(raw.units) > 300
    assert comparable(raw.units) == comparable(utf8.units)
    assert raw.summary["removed_by_reason"] == utf8.summary["removed_by_reason"]


@pytest.mark.slow
def test_ten_megabyte_file_without_line_breaks(tmp_path, sample_path):
    """A 10 MB single-line file is cut at sentence ends into bounded units, in near-linear time."""
    from topics.ingest.layout import repair_layout
    from topics.documents import Document

    body = "".join(d.text.replace("\n", "") for d in repair_layout(Document("s", sample_path.read_text(), "s")))
    text = (body * (10_000_000 // len(body) + 1))[:10_000_000]
    path = tmp_path / "big.txt"
    path.write_text(text, encoding="utf-8")
    result = ingest_paths([path])
    assert result.summary["chars_input"] == count_chars(text)
    assert result.summary["chars_kept"] + result.summary["chars_removed"] == result.summary["chars_input"]
    sizes = [len(u.text) for u in result.units]
    assert max(sizes) <= MAX_UNIT_CHARS and len(sizes) >= len(text) // MAX_UNIT_CHARS
    assert sum(1 for u in result.units if u.text.endswith(("。", "！", "？"))) > 0.9 * len(sizes)


# ---------------------------------------------------------------- the command


def test_command_writes_units_removed_record_and_summary(tmp_path, sample_path):
    proc = _topics("ingest", str(sample_path), "-o", "out/units.jsonl", "--removed", "out/removed.jsonl", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "documents: 1 (2 after splitting pages with several articles)" in proc.stdout
    listing = ", ".join(f"{reason} {chars}" for reason, chars in sorted(EXPECTED_REMOVED.items(), key=lambda x: -x[1]))
    assert "units: 17" in proc.stdout and f"removed by reason: {listing}" in proc.stdout
    units = read_units(tmp_path / "out" / "units.jsonl")
    assert len(units) == 17 and units[0].doc_id == "xining_chengxi_2024#1"
    removed = [json.loads(line) for line in (tmp_path / "out" / "removed.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {r["reason"] for r in removed} == {"byline", "headline", "author"} and len(removed) == 6
    assert all(set(r) == {"doc_id", "reason", "text", "line"} for r in removed)


def test_command_missing_path_is_a_one_line_error(tmp_path):
    proc = _topics("ingest", "no/such/folder", "-o", "units.jsonl", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "topics ingest: error: no/such/folder: no such file or folder"
    assert not (tmp_path / "units.jsonl").exists()


@pytest.fixture
def folder_with_bad_files(tmp_path, sample_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "2024_西宁市城西区.txt").write_bytes(sample_path.read_bytes())
    (folder / "2024_空.txt").write_bytes(b"")
    (folder / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    (folder / "english.txt").write_text("Only English words here.\n", encoding="utf-8")
    return folder


def test_command_skips_bad_files_in_a_folder(tmp_path, folder_with_bad_files):
    proc = _topics("ingest", str(folder_with_bad_files), "-o", "units.jsonl", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "files skipped: 3" in proc.stdout
    for name in ("2024_空.txt", "image.txt", "english.txt"):
        assert name in proc.stdout
    units = read_units(tmp_path / "units.jsonl")
    assert len(units) == 17 and units[0].doc_id == "reports/2024_西宁市城西区#1" and units[0].year == 2024
    assert "Traceback" not in proc.stderr


def test_command_strict_stops_at_a_bad_file(tmp_path, folder_with_bad_files):
    proc = _topics("ingest", str(folder_with_bad_files), "-o", "units.jsonl", "--strict", cwd=tmp_path)
    assert proc.returncode == 2
    last = proc.stderr.strip().splitlines()[-1]  # earlier lines are the progress bar
    assert last.startswith("topics ingest: error: ") and last.endswith("2024_空.txt: empty file")
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "units.jsonl").exists()


def test_summary_counts_bad_records_apart_from_files_and_lists_warnings(tmp_path, folder_with_bad_files):
    good = json.dumps({"id": "a", "text": "坚持生态优先、绿色发展。"}, ensure_ascii=False)
    (folder_with_bad_files / "rows.jsonl").write_text(f"{good}\n{{broken\n", encoding="utf-8")
    (folder_with_bad_files / "MANIFEST.tsv").write_text("file\tyear\n2024_西宁市城西区.txt\t2024\ngone.txt\t2020\n",
                                                       encoding="utf-8")
    summary = ingest_paths([folder_with_bad_files]).summary
    assert (summary["files_skipped"], summary["records_skipped"]) == (3, 1)
    text = format_summary(summary)
    assert "files skipped: 3\n" in text
    assert f"records skipped: 1 (bad rows of jsonl/csv files whose other rows were read)\n  " \
           f"{folder_with_bad_files / 'rows.jsonl'}:2: not valid JSON" in text
    assert "warnings: 2\n" in text and "MANIFEST.tsv:3: names 'gone.txt'" in text


def test_command_checks_every_output_before_any_work(tmp_path, sample_path):
    (tmp_path / "blocker").write_text("一个文件", encoding="utf-8")
    proc = _topics("ingest", str(sample_path), "-o", "units.jsonl", "--removed", "blocker/removed.jsonl", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip() == ("topics ingest: error: blocker/removed.jsonl: blocker is a file, not a folder")
    assert not (tmp_path / "units.jsonl").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker"]  # no temporary file left behind either


def test_read_units_says_a_folder_is_not_a_file(tmp_path):
    with pytest.raises(InputError, match=rf"^{tmp_path}: is a folder, expected a file$"):
        read_units(tmp_path)
    with pytest.raises(InputError, match=rf"^{tmp_path / 'none.jsonl'}: no such file$"):
        read_units(tmp_path / "none.jsonl")


def test_command_refuses_a_folder_as_output(tmp_path, sample_path):
    (tmp_path / "out").mkdir()
    proc = _topics("ingest", str(sample_path), "-o", "out", cwd=tmp_path)
    assert proc.returncode == 2 and "out: is a folder" in proc.stderr


@pytest.mark.corpora
def test_command_on_a_real_corpus_folder(tmp_path, shared_corpora):
    proc = _topics("ingest", str(shared_corpora / "hailar_district_gwr_raw"), "-o", "units.jsonl", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "documents: 7" in proc.stdout and "files skipped: 0" in proc.stdout
    numbers = proc.stdout.split("characters: ")[1].split(" (")[0]
    read, kept, removed = (int(x.replace(",", "")) for x in numbers.replace("=", "+").replace("read", "")
                           .replace("kept", "").replace("removed", "").split("+"))
    assert read == kept + removed and removed > 0
    assert "reading: 100%" in proc.stderr  # the progress bar on a folder: files read, cleaned and cut


@pytest.mark.corpora
def test_a_report_in_traditional_script_is_read_in_simplified_with_the_original_kept(shared_corpora, tmp_path):
    """The 1954 State Council report on Wikisource is in traditional characters; the newspaper edition
    of the same report is simplified. Read both: the first is converted and its original kept, the
    second is left as it is, and their words now meet."""
    from topics.ingest import ingest_paths, write_removals

    traditional = ingest_paths([shared_corpora / "national_gwr_wikisource" / "1954.txt"])
    simplified = ingest_paths([shared_corpora / "national_gwr_hprc" / "1954.txt"])
    assert traditional.summary["converted_to_simplified"] == ["1954"]
    assert simplified.summary["converted_to_simplified"] == [] and simplified.changes == []
    text = "".join(unit.text for unit in traditional.units)
    assert "經濟" not in text and "经济" in text and "國家" not in text
    change = traditional.changes[0]
    assert "經濟" in change.original and change.chars_changed > 0.2 * len(change.original)
    # the two editions now share their vocabulary of the economy
    assert text.count("经济") >= 0.8 * "".join(unit.text for unit in simplified.units).count("经济")
    summary = traditional.summary
    assert summary["chars_input"] == summary["chars_kept"] + summary["chars_removed"]
    written = [json.loads(line) for line in write_removals(traditional.removals, tmp_path / "removed.jsonl",
                                                            traditional.changes).read_text(encoding="utf-8").splitlines()]
    assert written[-1]["change"] == "traditional-to-simplified" and written[-1]["original"] == change.original


@pytest.mark.corpora
@pytest.mark.parametrize("dedupe", [False, True])
def test_streamed_ingest_gives_the_units_and_summary_of_the_whole_one(shared_corpora, dedupe):
    """A run's ingest (no text kept, each unit handed on as it is cut or, with dedupe, once the twins are known)
    gives the units and figures of the ingest that keeps everything, on the two national editions (38 twins)."""
    paths = [shared_corpora / "national_gwr_hprc", shared_corpora / "national_gwr_wikisource"]
    whole = ingest_paths(paths, dedupe=dedupe)
    handed: list[Unit] = []
    streamed = ingest_paths(paths, dedupe=dedupe, keep_text=False, unit_sink=handed.append)
    assert streamed.units == streamed.documents == streamed.removals == streamed.changes == []
    assert [unit.to_json() for unit in handed] == [unit.to_json() for unit in whole.units]
    assert streamed.summary == whole.summary and streamed.warnings == whole.warnings
    groups = whole.summary["duplicates"]
    assert len(groups) >= 30 and (sum(len(group["dropped"]) for group in groups) > 0) == dedupe
    if dedupe:  # the dropped twins' text is counted as removed, and their units are not handed on
        dropped = {doc_id for group in groups for doc_id in group["dropped"]}
        assert not dropped & {unit.doc_id for unit in handed}
        assert whole.summary["removed_by_reason"]["duplicate"] == sum(
            count_chars(removal.text) for removal in whole.removals if removal.reason == "duplicate")
