"""Speed of corpus reading: the real corpora (when ../shared/corpora is present), a 10 MB one-line
file in each common encoding, and PDF, Word and web-page files built from real reports (as the tests
build them) with pages and characters per second. Also compares the libraries the format readers were
chosen from: the package's PDF reader (pdfminer.six line boxes) against pdfminer's and pdfplumber's own
text extraction, and trafilatura against readability-lxml on portal pages (paragraphs recovered intact
and in order, chrome lines let through, time). Prints its figures.

    python benchmarks/bench_reading.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from topics.ingest.formats import read_extracted
from topics.ingest.reading import read_documents

PROJECT = Path(__file__).resolve().parent.parent
SAMPLE = PROJECT / "corpora" / "xining_chengxi_2024.txt"
SHARED_CORPORA = PROJECT.parent / "shared" / "corpora"
REPORTS = ["hailar_district_gwr/2016.txt", "city_gwr_2024/2024_东营市.txt", "province_gwr_2026/2026_上海市.txt"]
sys.path.insert(0, str(PROJECT / "tests"))  # the fixture builders the tests use


def timed(paths: list[Path]) -> tuple[float, int]:
    start = time.perf_counter()
    result = read_documents(paths)
    return time.perf_counter() - start, len(result.documents)


def main() -> None:
    if SHARED_CORPORA.is_dir():
        megabytes = sum(p.stat().st_size for p in SHARED_CORPORA.rglob("*.txt")) / 1e6
        seconds, count = timed([SHARED_CORPORA])
        print(f"shared corpora: {count} documents, {megabytes:.1f} MB in {seconds:.2f} s ({megabytes / seconds:.0f} MB/s)")
    one_line = SAMPLE.read_text(encoding="utf-8").replace("\n", "")
    with tempfile.TemporaryDirectory() as folder:
        for encoding in ("utf-8", "gb18030", "utf-16"):
            repeats = 10_000_000 // len(one_line.encode(encoding))
            data = (one_line * repeats).encode(encoding)  # about 10 MB, no line breaks
            path = Path(folder) / f"huge_{encoding}.txt"
            path.write_bytes(data)
            seconds, _ = timed([path])
            print(f"one-line file, {encoding}: {len(data) / 1e6:.1f} MB in {seconds:.2f} s ({len(data) / 1e6 / seconds:.0f} MB/s)")
        formats(Path(folder))
    if SHARED_CORPORA.is_dir():
        duplicates()


def duplicates() -> None:
    from topics.ingest.duplicates import find_duplicates

    documents = read_documents([SHARED_CORPORA]).documents
    start = time.perf_counter()
    groups = find_duplicates(documents, threshold=0.8)
    seconds = time.perf_counter() - start
    chars = sum(len(d.text) for d in documents) / 1e6
    print(f"\nnear-duplicates over the shared corpora: {len(documents)} documents ({chars:.1f} M chars) in "
          f"{seconds:.2f} s ({len(documents) / seconds:.0f} documents/s), {len(groups)} groups at Jaccard ≥ 0.8")


def _squash(text: str) -> str:
    return "".join(text.split())


def paragraphs_in_order(paragraphs: list[str], text: str) -> tuple[int, int]:
    """(paragraphs found intact in the text, of those the ones found after the previous one found)."""
    bare = _squash(text)
    found = in_order = 0
    cursor = 0
    for paragraph in paragraphs:
        piece = _squash(paragraph)
        at = bare.find(piece, cursor)  # a paragraph printed twice (a byline) counts where it comes next
        if at >= 0:
            found += 1
            in_order += 1
            cursor = at + len(piece)
        elif piece in bare:
            found += 1
    return found, in_order


def timed_read(path: Path, repeats: int = 3):
    best, extracted = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        extracted = read_extracted(path)
        best = min(best, time.perf_counter() - start)
    return best, extracted


def formats(folder: Path) -> None:
    from format_fixtures import (Article, newspaper_pdf, official_pdf, paragraphs_of, portal_html,
                                 report_docx)
    from topics.documents import Document
    from topics.ingest.layout import repair_layout

    print("\nreading speed per format (best of 3; files built from real reports as the tests build them)")
    pieces = repair_layout(Document("sample", SAMPLE.read_text(encoding="utf-8"), str(SAMPLE)))
    articles = [Article(p.title, p.meta.get("author", ""), p.text.split("\n"),
                        next(r.text for r in p.removals if r.reason == "byline")) for p in pieces]
    cases = [("pdf, two-column newspaper page (sample)", newspaper_pdf(folder / "page.pdf", articles))]
    for report in REPORTS if SHARED_CORPORA.is_dir() else []:
        paragraphs = paragraphs_of((SHARED_CORPORA / report).read_text(encoding="utf-8"))
        stem = Path(report).stem
        cases += [
            (f"pdf, official A4 ({stem})", official_pdf(folder / f"{stem}.pdf", paragraphs, header=stem, title_lines=1)),
            (f"docx ({stem})", report_docx(folder / f"{stem}.docx", paragraphs, title_lines=1)),
            (f"html, GBK portal page ({stem})", portal_html(folder / f"{stem}.html", stem, paragraphs, encoding="gbk")),
            (f"htm, GBK table-and-br page ({stem})",
             portal_html(folder / f"{stem}.htm", stem, paragraphs, encoding="gbk", old_style=True)),
        ]
    for name, path in cases:
        seconds, extracted = timed_read(path)
        chars = len(_squash(extracted.text))
        pages = extracted.meta.get("pages")
        per_page = f", {pages / seconds:.1f} pages/s" if pages else ""
        print(f"  {name}: {chars:,} chars in {seconds * 1000:.0f} ms ({chars / seconds:,.0f} chars/s{per_page})")
    compare_pdf(folder, articles)
    compare_html(folder)


def compare_pdf(folder: Path, articles) -> None:
    """Reading order and speed of the package's reader against the libraries' own text extraction."""
    from pdfminer.high_level import extract_text

    from format_fixtures import paragraphs_of

    print("\nPDF libraries: paragraphs intact / in reading order, time (best of 3)")
    cases = [("two-column newspaper page", folder / "page.pdf",
              [t for a in articles for t in (a.headline, a.author, *a.paragraphs, a.byline)])]
    if (folder / "2016.pdf").is_file():
        cases.append(("official A4, 15 pages", folder / "2016.pdf",
                      paragraphs_of((SHARED_CORPORA / REPORTS[0]).read_text(encoding="utf-8"))))
    for case, path, paragraphs in cases:
        readers = [("topics.ingest.formats.pdf (pdfminer.six line boxes + XY cut)", lambda: read_extracted(path).text),
                   ("pdfminer.six extract_text (default layout)", lambda: extract_text(str(path)))]
        try:
            import pdfplumber

            def plumber() -> str:
                with pdfplumber.open(str(path)) as pdf:
                    return "\n".join(page.extract_text() or "" for page in pdf.pages)

            readers.append(("pdfplumber extract_text", plumber))
        except ImportError:
            print("  (pdfplumber not installed: not compared)")
        print(f" {case}:")
        for name, read in readers:
            times = []
            for _ in range(3):
                start = time.perf_counter()
                text = read()
                times.append(time.perf_counter() - start)
            found, in_order = paragraphs_in_order(paragraphs, text)
            print(f"  {name}: {found}/{len(paragraphs)} intact, {in_order} in order, {min(times) * 1000:.0f} ms")


def compare_html(folder: Path) -> None:
    """trafilatura (the package's choice) against readability-lxml on the portal pages built above."""
    import lxml.html
    import trafilatura

    from format_fixtures import paragraphs_of

    try:
        from readability import Document as Readability
    except ImportError:
        print("\n(readability-lxml not installed: web-page extraction not compared)")
        return
    print("\nweb-page extraction: report paragraphs recovered, chrome lines let through, ms per page")
    pages = sorted(folder.glob("*.htm*"))
    for name, extract in (("trafilatura", _trafilatura_lines), ("readability-lxml", _readability_lines)):
        recovered = total = leaked = 0
        times = []
        for page in pages:
            stem = page.stem
            report = next(r for r in REPORTS if Path(r).stem == stem)
            paragraphs = {" ".join(p.split()) for p in paragraphs_of((SHARED_CORPORA / report).read_text(encoding="utf-8"))}
            html = page.read_bytes().decode("gb18030")
            start = time.perf_counter()
            lines = extract(html, trafilatura, Readability, lxml.html)
            times.append(time.perf_counter() - start)
            recovered += len(paragraphs & set(lines))
            total += len(paragraphs)
            leaked += len([line for line in lines if line not in paragraphs and line != stem])
        print(f"  {name}: {recovered}/{total} paragraphs, {leaked} chrome lines in {len(pages)} pages, "
              f"{statistics.mean(times) * 1000:.0f} ms/page")


def _trafilatura_lines(html, trafilatura, _readability, _lxml_html) -> list[str]:
    from topics.ingest.formats.html import _paragraphs
    import lxml.etree

    xml = trafilatura.extract(html, output_format="xml", include_tables=True, include_comments=False,
                              deduplicate=False, favor_recall=True)
    return _paragraphs(lxml.etree.fromstring(xml.encode("utf-8")).find("main")) if xml else []


def _readability_lines(html, _trafilatura, readability, lxml_html) -> list[str]:
    fragment = readability(html).summary(html_partial=True)
    root = lxml_html.fromstring(fragment)
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag in ("p", "br", "div", "td", "li", "h1", "h2", "h3"):
            element.tail = "\n" + (element.tail or "")
    return [" ".join(line.split()) for line in root.text_content().split("\n") if line.strip()]


if __name__ == "__main__":
    main()
