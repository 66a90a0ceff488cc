"""Random bytes into every reader (.txt, .jsonl, .csv, MANIFEST.tsv): reading gives a ReadResult or
an InputError with a one-line message, never any other exception."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from topics.errors import InputError
from topics.reading import ReadResult, read_documents

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
