"""Random bytes into every reader (.txt, .jsonl, .csv, MANIFEST.tsv), random folder trees (pipes,
sockets, links, run folders, names that are not UTF-8) and random Word structures: reading gives a
ReadResult or an InputError with a one-line message, never any other exception, never a hang, and
nothing in a folder goes unaccounted."""

from __future__ import annotations

import base64
import os
import re
import signal
import socket
import tempfile
import zipfile
import zlib
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from format_fixtures import DELETED, bomb_docx, docx_of_blocks, word_run
from topics.errors import InputError
from topics.files import shown
from topics.ingest.formats import read_extracted
from topics.ingest.reading import ReadResult, read_documents

GOOD_TEXT = "坚持生态优先、绿色发展，深入打好蓝天、碧水、净土保卫战。"
# characters that matter to the readers' syntax, mixed with Chinese and the odd control character
TRICKY = st.sampled_from(list(',"\t\n\r{}[]:#\\\x00\x0b\x1c\u2028\ufeff') + list("id,text,year,region,file")
                         + list("生态产业民生治理安全。，“”") + ["2024", "-5", "NaN", "1e999"])
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "big5", "utf-16-le", "utf-16-be", "utf-16", "utf-32"])

# bytes as random as they come, and text made of the readers' own syntax, saved in any encoding
RANDOM_BYTES = st.one_of(
    st.binary(max_size=400),
    st.tuples(st.lists(TRICKY, max_size=80).map("".join), ENCODINGS).map(
        lambda pair: pair[0].encode(pair[1], errors="replace")),
)
# JSON that Python's parser refuses with errors other than JSONDecodeError: huge numbers, deep nesting
HOSTILE_JSON = st.one_of(
    st.integers(4000, 6000).map(lambda n: b'{"text": "\xe4\xb8\xad", "year": ' + b"9" * n + b"}"),
    st.integers(2000, 200_000).map(lambda n: b"[" * n),
    st.integers(10, 6000).map(lambda n: b'{"text": "\xe4\xb8\xad", "year": "' + b"9" * n + b'"}'),
)
FUZZ = settings(max_examples=60, deadline=None)


def read_folder(files: dict[str, bytes], inputs: list[str]) -> ReadResult | InputError:
    """Write the files into a fresh folder and read ``inputs`` (paths inside it)."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for name, data in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(data)
        try:
            return read_documents([root / name for name in inputs])
        except InputError as err:
            assert "\n" not in str(err), str(err)  # a user error is one line
            return err


def check(outcome) -> None:
    assert isinstance(outcome, (ReadResult, InputError))
    if isinstance(outcome, ReadResult):
        assert outcome.documents  # a result without documents would have been an InputError
        for document in outcome.documents:
            assert isinstance(document.text, str) and document.text.strip()


@FUZZ
@given(data=RANDOM_BYTES)
def test_txt_file(data):
    check(read_folder({"c/report.txt": data}, ["c/report.txt"]))


@FUZZ
@given(data=RANDOM_BYTES)
def test_txt_file_beside_a_good_one_in_a_folder(data):
    outcome = read_folder({"c/good.txt": GOOD_TEXT.encode(), "c/random.txt": data}, ["c"])
    check(outcome)
    assert isinstance(outcome, ReadResult)  # the good file is read whatever the other holds


@FUZZ
@given(data=RANDOM_BYTES)
def test_jsonl_file(data):
    check(read_folder({"rows.jsonl": data}, ["rows.jsonl"]))


@FUZZ
@given(lines=st.lists(RANDOM_BYTES, max_size=5))
def test_jsonl_good_row_among_random_lines(lines):
    good = ('{"id": "good", "text": "%s"}' % GOOD_TEXT).encode()
    outcome = read_folder({"rows.jsonl": b"\n".join([good, *lines])}, ["rows.jsonl"])
    check(outcome)


@FUZZ
@given(lines=st.lists(HOSTILE_JSON, min_size=1, max_size=3))
def test_jsonl_numbers_and_nesting_beyond_the_parsers_limits(lines):
    good = ('{"id": "good", "text": "%s"}' % GOOD_TEXT).encode()
    outcome = read_folder({"rows.jsonl": b"\n".join([*lines, good])}, ["rows.jsonl"])
    check(outcome)
    assert [d.doc_id for d in outcome.documents] == ["rows#good"]
    assert all(skipped.record for skipped in outcome.skipped)


@FUZZ
@given(data=RANDOM_BYTES)
def test_csv_file(data):
    check(read_folder({"rows.csv": data}, ["rows.csv"]))


@FUZZ
@given(body=RANDOM_BYTES)
def test_csv_with_header_and_random_rows(body):
    check(read_folder({"rows.csv": b"id,text,year\n" + body}, ["rows.csv"]))


@FUZZ
@given(data=RANDOM_BYTES)
def test_manifest(data):
    outcome = read_folder({"c/MANIFEST.tsv": data, "c/2024.txt": GOOD_TEXT.encode()}, ["c"])
    check(outcome)


@FUZZ
@given(rows=RANDOM_BYTES)
def test_manifest_with_header_and_random_rows(rows):
    manifest = b"file\tyear\tregion\n2024.txt\t2024\t\xe8\xa5\xbf\xe5\xae\x81\n" + rows
    outcome = read_folder({"c/MANIFEST.tsv": manifest, "c/2024.txt": GOOD_TEXT.encode()}, ["c"])
    check(outcome)


# ---------------------------------------------------------------- config and lexicon loaders

TOML_KEYS = st.sampled_from(["run", "name", "seeds", "corpus", "paths", "themes", "lexicon", "min_lift", "models",
                             "lda", "k", "dictionary", "words", "facets", "heading_words", "other", "label",
                             "ecology", "vocabulary", "no_below", "evaluation", "metrics", "report", "enabled", "生态"])
TOML_SCALARS = st.one_of(st.integers(-3, 2**40), st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
                         st.text(max_size=12), st.lists(st.one_of(st.text(max_size=6), st.integers(-2, 9)), max_size=4))
TOML_TABLES = st.recursive(TOML_SCALARS, lambda inner: st.dictionaries(TOML_KEYS, inner, max_size=5), max_leaves=25)


def toml_text(data) -> str:
    from topics.tomlfile import to_toml

    try:
        return to_toml(data if isinstance(data, dict) else {"value": data})
    except TypeError:  # a value TOML cannot hold (e.g. a list of tables): write nothing for it
        return ""


def load_from_text(loader, text: str | bytes):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "file.toml"
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
        try:
            return loader(path)
        except InputError as err:
            assert "\n" not in str(err), str(err)
            return err


@FUZZ
@given(st.one_of(TOML_TABLES.map(toml_text), st.binary(max_size=300)))
def test_random_toml_to_the_config_loader(text):
    from topics.config import load_config

    load_from_text(load_config, text)


@FUZZ
@given(st.one_of(TOML_TABLES.map(toml_text), st.binary(max_size=300),
                 st.dictionaries(st.sampled_from(["ecology", "其他", "other", ""]),
                                 st.dictionaries(st.sampled_from(["words", "facets", "label", "heading_words", "x"]),
                                                 TOML_SCALARS, max_size=4), max_size=3).map(
                     lambda themes: toml_text({"themes": themes}))))
def test_random_toml_to_the_lexicon_loader(text):
    from topics.lexicon import Lexicon

    load_from_text(Lexicon.load, text)


# ---------------------------------------------------------------- folder trees


def _stop(signum, frame):
    raise TimeoutError("reading blocked (a pipe opened?)")


ENTRY_NAMES = st.sampled_from(["a.txt", "2024_西宁市.txt", "rows.jsonl", "s", "t.txt",
                               os.fsdecode("政府工作报告".encode("gbk") + b".txt"),  # GBK bytes
                               os.fsdecode(b"\xff\xfe.txt")])  # neither UTF-8 nor GB18030
ENTRY_KINDS = st.sampled_from(["good", "random", "folder", "pipe", "socket", "link-to-parent", "link-to-itself",
                               "link-to-file", "broken-link", "run-folder", "done-file"])
TREES = st.lists(st.tuples(st.sampled_from(["", "s/", "s/s/"]), ENTRY_NAMES, ENTRY_KINDS, RANDOM_BYTES), max_size=10)


def _make_entry(root: Path, path: Path, kind: str, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError:  # a file or a link (a loop, too) already has the folder's name
        return
    if os.path.lexists(path) or not path.parent.is_dir() or path.parent.is_symlink():
        return
    if kind == "good":
        path.write_bytes(GOOD_TEXT.encode())
    elif kind == "random":
        path.write_bytes(data)
    elif kind == "folder":
        path.mkdir()
    elif kind == "pipe":
        os.mkfifo(path)
    elif kind == "socket":
        with socket.socket(socket.AF_UNIX) as server:
            server.bind(os.fsencode(path))
    elif kind == "link-to-parent":
        path.symlink_to(path.parent)
    elif kind == "link-to-itself":
        path.symlink_to(path)
    elif kind == "link-to-file":
        target = root / "outside.txt"
        target.write_bytes(GOOD_TEXT.encode())
        path.symlink_to(target)
    elif kind == "broken-link":
        path.symlink_to(root / "nowhere")
    elif kind == "run-folder":
        path.mkdir()
        (path / "config.toml").write_text("[run]\n", encoding="utf-8")
        (path / "units.jsonl").write_text('{"text": "%s"}\n' % GOOD_TEXT, encoding="utf-8")
    elif kind == "done-file":  # a file named DONE makes its folder look like a finished run
        (path.parent / "DONE").write_bytes(b"")


@settings(max_examples=60, deadline=None)
@given(tree=TREES)
def test_folder_tree_is_read_or_refused_with_everything_named(tree):
    with tempfile.TemporaryDirectory(dir="/tmp") as folder:  # short paths: a socket's path has a length limit
        root = Path(folder)
        corpus = root / "c"
        corpus.mkdir()
        for where, name, kind, data in tree:
            _make_entry(root, corpus / where / name, kind, data)
        previous = signal.signal(signal.SIGALRM, _stop)
        signal.alarm(20)
        try:
            outcome = read_documents([corpus])
        except InputError as err:
            assert "\n" not in str(err) and shown(str(err)) == str(err), str(err)
            return
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
        check(outcome)
        named = [document.source.split(":row ")[0] for document in outcome.documents]
        named += [re.sub(r":\d+$", "", skipped.path) for skipped in outcome.skipped]  # "file:line" names the file
        for text in named + outcome.warnings + [document.doc_id for document in outcome.documents]:
            text.encode("utf-8")  # prints and can be written: no surrogate escapes left
        read = {Path(document.source.split(":row ")[0]).resolve() for document in outcome.documents}
        for entry in corpus.rglob("*"):  # what the walk can see (rglob enters no linked folder)
            if entry.is_dir() and not entry.is_symlink() or entry.name == "DONE":
                continue
            where = shown(entry)
            once = Path(os.path.realpath(entry)) in read  # a file reached twice (two links to it) is read once
            assert once or any(where == path or where.startswith(path + "/") for path in named), f"{where} unaccounted"


# ---------------------------------------------------------------- Word structures

SENTENCES = ["坚持生态优先、绿色发展", "深入打好蓝天碧水净土保卫战", "全面推进国土绿化", "城市生态环境持续改善",
             "加快建设现代化产业体系", "办好民生实事", "提升社会治理效能", "守牢安全发展底线"]
INLINE = st.sampled_from(["run", "insertion", "control", "hyperlink", "field", "smart-tag"])
BLOCK = st.sampled_from(["control", "frame-table", "text-box", "custom-xml"])
PARAGRAPHS = st.lists(st.tuples(st.lists(INLINE, min_size=1, max_size=4), st.lists(BLOCK, max_size=3), st.booleans()),
                      min_size=1, max_size=8)


def _inline(text: str, kind: str) -> str:
    run = word_run(text)
    return {"run": run,
            "insertion": f'<w:ins w:id="1" w:author="审核人">{run}</w:ins>',
            "control": f"<w:sdt><w:sdtPr/><w:sdtContent>{run}</w:sdtContent></w:sdt>",
            "hyperlink": f"<w:hyperlink>{run}</w:hyperlink>",
            "field": f'<w:fldSimple w:instr=" DOCPROPERTY 标题 ">{run}</w:fldSimple>',
            "smart-tag": f'<w:smartTag w:element="place">{run}</w:smartTag>'}[kind]


def _block(xml: str, kind: str) -> str:
    if kind == "control":
        return f"<w:sdt><w:sdtPr/><w:sdtContent>{xml}</w:sdtContent></w:sdt>"
    if kind == "frame-table":
        return f'<w:tbl><w:tblGrid><w:gridCol w:w="8000"/></w:tblGrid><w:tr><w:tc>{xml}<w:p/></w:tc></w:tr></w:tbl>'
    if kind == "custom-xml":
        return f'<w:customXml w:element="正文">{xml}</w:customXml>'
    box = f"<w:txbxContent>{xml}</w:txbxContent>"  # a text box, and its VML copy for older Word
    return (f'<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:inline><a:graphic><a:graphicData>'
            f"<wps:wsp><wps:txbx>{box}</wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:inline></w:drawing></mc:Choice>"
            f"<mc:Fallback><w:pict><v:shape><v:textbox>{box}</v:textbox></v:shape></w:pict></mc:Fallback>"
            "</mc:AlternateContent></w:r></w:p>")


@settings(max_examples=60, deadline=None)
@given(paragraphs=PARAGRAPHS)
def test_word_paragraphs_in_any_nesting_are_read_once_in_order_and_deletions_never(paragraphs):
    blocks, expected = [], []
    for number, (inlines, wrappers, deletion) in enumerate(paragraphs):
        pieces = [f"{SENTENCES[(number + k) % len(SENTENCES)]}{number}-{k}" for k in range(len(inlines))]
        xml = "".join(_inline(piece, kind) for piece, kind in zip(pieces, inlines))
        if deletion:
            xml += (f'<w:del w:id="2" w:author="审核人"><w:r><w:delText>{DELETED}</w:delText></w:r></w:del>'
                    f'<w:moveFrom w:id="3" w:author="审核人">{word_run(DELETED)}</w:moveFrom>')
        xml = f"<w:p>{xml}</w:p>"
        for kind in wrappers:
            xml = _block(xml, kind)
        blocks.append(xml)
        expected.append("".join(pieces))
    with tempfile.TemporaryDirectory() as folder:
        extracted = read_extracted(docx_of_blocks(Path(folder) / "report.docx", blocks))
    assert extracted.text.split("\n\n") == expected
    assert DELETED not in extracted.text and "not_read" not in extracted.meta


# ---------------------------------------------------------------- what a compressed file may inflate to


def _run_length(data: bytes) -> bytes:
    """RunLengthDecode's encoding: runs of one byte, and literal stretches."""
    out, at = bytearray(), 0
    while at < len(data):
        run = 1
        while at + run < len(data) and data[at + run] == data[at] and run < 128:
            run += 1
        if run > 1:
            out += bytes([257 - run, data[at]])
        else:
            out += bytes([0, data[at]])
        at += run
    return bytes(out) + b"\x80"


ENCODERS = {"FlateDecode": lambda data: zlib.compress(data), "ASCIIHexDecode": lambda data: data.hex().encode() + b">",
            "ASCII85Decode": lambda data: base64.a85encode(data) + b"~>", "RunLengthDecode": _run_length}
CONTENT = st.one_of(st.binary(max_size=3000), st.tuples(st.binary(min_size=1, max_size=8), st.integers(1, 5000)).map(
    lambda pair: pair[0] * pair[1]))


@FUZZ
@given(content=CONTENT, chain=st.lists(st.sampled_from(sorted(ENCODERS)), max_size=4), room=st.integers(0, 60_000))
def test_pdf_stream_size_is_measured_as_pdfminer_decodes_it(content, chain, room):
    """What a stream is measured to decode to, before pdfminer decodes it, is what pdfminer makes of it;
    once it passes the room left, the measure says so (every filter's output counts: pdfminer holds each)."""
    from pdfminer.psparser import LIT
    from pdfminer.pdftypes import PDFStream

    from topics.ingest.formats.pdf import _decoded_size

    stages = [content]
    for name in chain:  # applied in turn, so the stream's filters undo them last first
        stages.append(ENCODERS[name](stages[-1]))
    filters = [LIT(name) for name in reversed(chain)]
    size = _decoded_size(PDFStream({"Filter": filters}, stages[-1]), room)
    if max(map(len, stages[:-1] or stages)) <= room:  # what each filter makes (unfiltered: the data itself)
        assert size == len(content)
    else:
        assert size > room
    assert len(PDFStream({"Filter": filters}, stages[-1]).get_data()) == len(content)


@settings(max_examples=20, deadline=None)
@given(inflated=st.integers(0, 4 * 2**20), limit=st.integers(2**20, 3 * 2**20))
def test_docx_is_refused_exactly_when_it_inflates_beyond_its_limit(inflated, limit):
    from topics.ingest.formats import UnreadableFile
    from topics.ingest.formats.docx import read_docx

    with tempfile.TemporaryDirectory() as folder:
        path = bomb_docx(Path(folder) / "report.docx", inflated)
        data = path.read_bytes()
        with zipfile.ZipFile(path) as archive:
            stated = sum(member.file_size for member in archive.infolist())
        try:
            read_docx(path, data, limit=limit)
            assert stated <= limit
        except UnreadableFile as err:
            assert stated > limit and "beyond the limit of" in err.reason and "\n" not in str(err)


# ---------------------------------------------------------------- run folders and worker processes


@FUZZ
@given(output=st.lists(st.sampled_from(["corpus", "runs", "..", ".", "a"]), min_size=1, max_size=4),
       inputs=st.lists(st.sampled_from(["corpus", "corpus/a", "runs", "report.txt"]), min_size=1, max_size=3))
def test_an_output_folder_is_refused_exactly_when_it_lies_in_an_input_folder(output, inputs):
    from topics.ingest.reading import refuse_output_inside_inputs

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "work"
        for name in ("corpus/a", "runs"):
            (root / name).mkdir(parents=True, exist_ok=True)
        (root / "report.txt").write_text(GOOD_TEXT, encoding="utf-8")
        out = root.joinpath(*output)
        real = os.path.realpath(out)
        inside = [name for name in inputs if (root / name).is_dir()
                  and os.path.commonpath([real, os.path.realpath(root / name)]) == os.path.realpath(root / name)]
        try:
            refuse_output_inside_inputs(out, [str(root / name) for name in inputs])
            assert not inside
        except InputError as err:
            assert inside and "\n" not in str(err) and str(out) in str(err)


@FUZZ
@given(workers=st.integers(1, 10_000))
def test_workers_warn_beyond_the_cores_and_are_refused_far_beyond(workers):
    from topics.execution import WORKERS_PER_CORE, check_local_workers

    cores = os.cpu_count() or 1
    try:
        warning = check_local_workers(workers)
    except InputError as err:
        assert workers > WORKERS_PER_CORE * cores and "\n" not in str(err)
        return
    assert workers <= WORKERS_PER_CORE * cores and bool(warning) == (workers > cores)
