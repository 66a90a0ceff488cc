"""Saved web pages (.html, .htm) → the article's paragraphs (trafilatura).

Main-content extraction is trafilatura's (it kept every report paragraph of the portal-page fixtures,
also pages whose article is one table cell broken by <br>, and let less chrome through than
readability-lxml; benchmarks/bench_reading.py prints both). Its XML output keeps <br> as <lb/>, so
paragraphs separated only by line breaks stay apart.

The encoding comes from the page's own declaration (<meta charset> or http-equiv Content-Type; the
GB2312/GBK family is read as GB18030, its superset, since portals declaring gb2312 routinely use GBK
characters), else from a byte-order mark, strict UTF-8, strict GB18030, or a statistical guess.

Everything of the page that is not the article — navigation, breadcrumb, info line, 相关链接, 打印本页,
责任编辑, 扫一扫, footer — is recorded as removed ("web-chrome"), line by line, and the page title as
"title" when the article repeats it as its first line.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

import lxml.etree
import lxml.html
import trafilatura

from . import Extracted, UnreadableFile

_DECLARED = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_GB_FAMILY = {"gb2312", "gbk", "x-gbk", "gb18030", "cp936", "euc-cn", "hz-gb-2312"}
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# elements after which the text of a page breaks a line (for listing what is not the article)
_BLOCKS = {"p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th", "table", "br",
           "section", "article", "header", "footer", "nav", "dl", "dt", "dd", "form", "aside", "center", "blockquote"}
_PARAGRAPH_TAGS = {"p", "head", "item", "row", "quote", "list", "table"}


def read_html(path: Path, data: bytes) -> Extracted:
    page, encoding, source = decode_page(path, data)
    try:
        xml = trafilatura.extract(page, output_format="xml", include_tables=True, include_comments=False,
                                  include_images=False, deduplicate=False, favor_recall=True, with_metadata=True)
    except Exception as err:  # trafilatura's parser errors on malformed markup: the page cannot be read
        raise UnreadableFile(path, f"web page that cannot be parsed ({type(err).__name__})") from None
    if not xml:
        raise UnreadableFile(path, "web page without article text (nothing but navigation, or an empty page)")
    root = lxml.etree.fromstring(xml.encode("utf-8"))
    title = _squash(root.get("title") or "")
    paragraphs = _paragraphs(root.find("main"))
    removed = []
    if title in paragraphs:  # the page heading, which trafilatura may also place after a layout table
        removed.append({"reason": "title", "text": paragraphs.pop(paragraphs.index(title))})
    removed += [{"reason": "web-chrome", "text": line} for line in _outside(page, paragraphs, title)]
    meta = {"format": "html", "encoding": encoding, "encoding_from": source}
    return Extracted(text="\n\n".join(paragraphs), title=title, removed=removed, meta=meta)


def decode_page(path: Path, data: bytes) -> tuple[str, str, str]:
    """(text, encoding, where the encoding came from: "declared" | "byte-order mark" | "detected")."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding, "byte-order mark"
            except UnicodeDecodeError:
                break  # a wrong mark: detect instead
    match = _DECLARED.search(data[:4096])
    if match:
        declared = match.group(1).decode("ascii").lower()
        encoding = "gb18030" if declared in _GB_FAMILY else declared
        try:
            return data.decode(encoding), encoding, "declared"
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong or unknown declaration: detect instead
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding), encoding, "detected"
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise UnreadableFile(path, "web page in an unknown encoding (not UTF-8, GB18030/GBK, nor detectable)")
    return str(best), best.encoding, "detected"


def _squash(text: str) -> str:
    return " ".join(text.split())


def _paragraphs(main) -> list[str]:
    """The article's paragraphs from trafilatura's XML: one per block element or <lb/>-separated line."""
    if main is None:
        return []
    parts: list[str] = []

    def walk(element):
        if element.tag == "lb" or element.tag in _PARAGRAPH_TAGS:
            parts.append("\n")
        if element.text:
            parts.append(element.text)
        for child in element:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if element.tag in _PARAGRAPH_TAGS:
            parts.append("\n")
        elif element.tag == "cell":
            parts.append("\t")

    walk(main)
    return [_squash(line) for line in "".join(parts).split("\n") if line.strip()]


def _outside(page: str, paragraphs: list[str], title: str) -> list[str]:
    """The lines of the whole page that are not part of the article (nor its title)."""
    try:
        root = lxml.html.fromstring(page)
    except (lxml.etree.ParserError, ValueError):
        return []
    for element in root.xpath("//script|//style|//noscript|//head|//comment()"):
        if element.getparent() is not None:
            element.drop_tree()  # keeps the text after the element
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.lower() in _BLOCKS:
            element.tail = "\n" + (element.tail or "")
    # the article's text runs through the page in order: a page line is the article's when it comes
    # next in it (a long line may come a little further on); any other line is chrome
    article = "".join("".join(p.split()) for p in paragraphs)
    cursor = 0
    lines = []
    for line in root.text_content().split("\n"):
        line = _squash(line)
        if not line:
            continue
        bare = "".join(line.split())
        if line == title:
            continue  # recorded as the title
        found = article.find(bare, cursor)
        if found == cursor or (found > cursor and len(bare) >= 12):
            cursor = found + len(bare)
        else:
            lines.append(line)
    return lines
