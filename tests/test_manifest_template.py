"""topics ingest --manifest-template: a MANIFEST.tsv to fill in, which read back gives the documents the
year, region, title and columns they had."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from topics.ingest.reading import load_manifest, read_documents

PROJECT = Path(__file__).resolve().parent.parent


def _topics(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "topics", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


def _described(folder: Path) -> dict[str, tuple]:
    return _described_documents(read_documents([folder]).documents)


def _described_documents(documents) -> dict[str, tuple]:
    """file name → (year, region, title, columns) of documents, for comparing two readings."""
    found = {}
    for document in documents:
        found[document.doc_id.split("/", 1)[1]] = (document.year, document.region, document.title,
                                                   json.dumps(document.meta["columns"], sort_keys=True, ensure_ascii=False))
    return found


def _linked_folder(files: list[Path], folder: Path) -> Path:
    """A folder of links to ``files`` (the corpus is read where it is, never copied)."""
    folder.mkdir()
    for file in files:
        (folder / file.name).symlink_to(file)
    return folder


@pytest.mark.corpora
def test_the_city_reports_template_reads_back_as_the_same_documents(shared_corpora, tmp_path):
    cities = shared_corpora / "city_gwr_2024"
    proc = _topics("ingest", str(cities), "--manifest-template", "MANIFEST.tsv", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    reports = sorted(p for p in cities.iterdir() if p.suffix == ".txt")
    assert f"wrote MANIFEST.tsv ({len(reports)} files, {len(reports)} documents)" in proc.stdout
    template = load_manifest(tmp_path / "MANIFEST.tsv")
    assert sorted(template) == [p.name for p in reports]
    given = load_manifest(cities / "MANIFEST.tsv")
    for name, row in template.items():  # the corpus's own year, region and columns, row for row, and a province
        province = row.extra.pop("province")
        assert (row.year, row.region, row.extra) == (given[name].year, given[name].region, given[name].extra)
        assert province.endswith(("省", "自治区", "市")), name
    suzhou = template["2024_苏州市.txt"]
    assert (suzhou.year, suzhou.region, suzhou.extra["doc_type"]) == (2024, "苏州市", "政府工作报告")
    header = (tmp_path / "MANIFEST.tsv").read_text(encoding="utf-8").split("\n", 1)[0].split("\t")
    assert header[:5] == ["file", "year", "region", "province", "title"]

    copy = _linked_folder(reports, tmp_path / "city_gwr_2024")
    (copy / "MANIFEST.tsv").write_bytes((tmp_path / "MANIFEST.tsv").read_bytes())
    read_back = read_documents([copy]).documents
    assert {doc.doc_id: doc.meta["columns"]["province"] for doc in read_back}["city_gwr_2024/2024_苏州市"] == "江苏省"
    for doc in read_back:
        del doc.meta["columns"]["province"]
    assert _described_documents(read_back) == _described(cities)


def test_years_and_regions_come_from_file_names_and_rows_keep_their_own(sample_path, tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "2024_西宁市城西区.txt").symlink_to(sample_path)
    text = sample_path.read_text(encoding="utf-8")
    (folder / "report.txt").write_text(text, encoding="utf-8")  # no year in its name: the template leaves it to fill
    rows = [{"id": "a", "text": text, "year": 2022}, {"id": "b", "text": text, "year": 2023, "region": "西宁市"}]
    (folder / "2021_海东市.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n",
                                           encoding="utf-8")
    before = _described(folder)
    proc = _topics("ingest", str(folder), "--manifest-template", str(tmp_path / "MANIFEST.tsv"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = (tmp_path / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "file\tyear\tregion\tprovince\ttitle"
    # the jsonl's rows differ in year and region: its row leaves them to the rows and the file name;
    # a district takes the province of the city its name begins with
    assert lines[1:] == ["2021_海东市.jsonl\t\t\t\t", "2024_西宁市城西区.txt\t2024\t西宁市城西区\t青海省\t",
                         "report.txt\t\t\t\t"]
    (folder / "MANIFEST.tsv").write_bytes((tmp_path / "MANIFEST.tsv").read_bytes())
    read_back = read_documents([folder]).documents
    assert [doc.meta["columns"].pop("province") for doc in read_back] == ["", "", "青海省", ""]
    assert _described_documents(read_back) == before


def test_the_template_never_overwrites_and_describes_one_folder(sample_path, tmp_path):
    existing = tmp_path / "MANIFEST.tsv"
    existing.write_text("mine\n", encoding="utf-8")
    proc = _topics("ingest", str(sample_path), "--manifest-template", str(existing), cwd=tmp_path)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    assert "already exists" in proc.stderr and "Traceback" not in proc.stderr
    assert existing.read_text(encoding="utf-8") == "mine\n"

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "2023_西宁市.txt").symlink_to(sample_path)
    (tmp_path / "b" / "2024_西宁市.txt").write_text(sample_path.read_text(encoding="utf-8"), encoding="utf-8")
    proc = _topics("ingest", str(tmp_path / "a"), str(tmp_path / "b"), "--manifest-template", "t.tsv", cwd=tmp_path)
    assert proc.returncode == 2 and "2 folders" in proc.stderr and "one template per folder" in proc.stderr
    assert not (tmp_path / "t.tsv").exists()


def test_a_province_the_manifest_gives_is_kept_under_its_own_name(sample_path, tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    text = sample_path.read_text(encoding="utf-8")
    for name in ("2024_苏州市.txt", "2024_大连市.txt"):
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "MANIFEST.tsv").write_text("file\tProvince\n2024_苏州市.txt\t苏\n2024_大连市.txt\t\n", encoding="utf-8")
    proc = _topics("ingest", str(folder), "--manifest-template", "t.tsv", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "t.tsv").read_text(encoding="utf-8").splitlines() == [
        "file\tyear\tregion\tProvince\ttitle", "2024_大连市.txt\t2024\t大连市\t辽宁省\t", "2024_苏州市.txt\t2024\t苏州市\t苏\t"]
