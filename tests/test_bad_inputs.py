"""Bad input, one row each: the files a user has, the command they type, and what must follow — the
exit code, a fragment of what is printed, and which files must and must not exist afterwards.

Every row runs through the real command line (``topics.cli.main`` in this process, or a subprocess
where the row needs one: for a pipe closed early, a time limit on what could hang, real output
streams, or file permissions that apply to root too) in a fresh folder that is the working
directory, so paths in a row are relative to it. To add a case, add a ``Case`` to ``CASES``; rows
that need a saved model or a finished run write ``{model}`` or ``{run}`` in their command, and the
fixtures below provide them. Besides text and bytes, a row's files can be named pipes, sockets,
symbolic links, entries that cannot be opened, and files a builder writes (``Special``).
"""

from __future__ import annotations

import codecs
import json
import os
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

from conftest import unprivileged
from format_fixtures import bomb_docx, bomb_pdf, docx_with_parts, lying_docx, paragraphs_of, rich_docx
from topics.cli import BROKEN_PIPE, main
from topics.execution import WORKERS_PER_CORE

PROJECT = Path(__file__).resolve().parent.parent
SAMPLE_TEXT = (PROJECT / "corpora" / "xining_chengxi_2024.txt").read_text(encoding="utf-8")
# one paragraph of the sample report, for rows that need a short document
PARAGRAPH = "坚持生态优先、绿色发展，深入打好蓝天、碧水、净土保卫战，全面推进国土绿化，城市生态环境持续改善。"
UNIT = {"doc_id": "d", "unit_id": "d:u000", "kind": "paragraph", "heading": "", "text": PARAGRAPH,
        "weak_label": "", "year": None, "region": ""}
CITY = PROJECT.parent / "shared" / "corpora" / "city_gwr_2024" / "2024_上海市.txt"

SMALL_RUN = """
[run]
name = "bad_inputs"
seeds = [1]
progress = false
[corpus]
paths = ["corpus"]
[vocabulary]
no_below = 1
no_above = 0.6
[report]
enabled = false
[models.dictionary]
"""


@dataclass(frozen=True)
class Special:
    """A row's entry that is not text or bytes: "pipe" (a named pipe), "socket", "link" (a symbolic link
    to ``value``), "closed" (``value`` written as usual, then made unreadable: chmod 0) or "built"
    (``value(path)`` writes the file)."""

    kind: str
    value: object = None


PIPE, SOCKET = Special("pipe"), Special("socket")
CORES = os.cpu_count() or 1
MB = 2**20


@dataclass
class Case:
    id: str
    files: dict[str, str | bytes | Special | None]  # path → text (UTF-8), bytes, Special, or None for an empty folder
    argv: list[str]  # after `topics`; may hold {model} and {run}
    code: int
    message: str  # must appear in what the command prints (stdout and stderr together)
    exists: list[str] = field(default_factory=list)  # must exist afterwards
    absent: list[str] = field(default_factory=list)  # must not exist afterwards
    not_message: str = "Traceback"  # must not appear
    closed_stdout: bool = False  # run in a subprocess whose standard output is a pipe nobody reads
    timeout: int | None = None  # run in a subprocess, failing after this many seconds (a row that could hang)


def _sample_docx(make: Callable) -> Special:
    """A Word file of the sample's paragraphs, made by ``make(path, paragraphs)``."""
    return Special("built", lambda path: make(path, paragraphs_of(SAMPLE_TEXT)))


GBK_NAME = os.fsdecode(b"corpus/" + "2024_西宁市.txt".encode("gbk"))  # as a zip made on Chinese Windows unpacks


def jsonl(*records: dict) -> str:
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)


CASES = [
    # -- assign and slogans say what they skipped, as ingest does, and stop on it with --strict
    Case("assign-reports-skipped-file",
         {"corpus/report.txt": SAMPLE_TEXT, "corpus/empty.txt": b""},
         ["assign", "{model}", "corpus", "-o", "out.csv", "--no-progress"],
         0, "corpus/empty.txt: empty file", exists=["out.csv"]),
    Case("assign-counts-skipped-file",
         {"corpus/report.txt": SAMPLE_TEXT, "corpus/empty.txt": b""},
         ["assign", "{model}", "corpus", "-o", "out.csv", "--no-progress"],
         0, "files skipped: 1", exists=["out.csv"]),
    Case("assign-strict-stops-at-bad-file",
         {"corpus/report.txt": SAMPLE_TEXT, "corpus/empty.txt": b""},
         ["assign", "{model}", "corpus", "-o", "out.csv", "--strict", "--no-progress"],
         2, "error: corpus/empty.txt: empty file", absent=["out.csv"]),
    Case("assign-reports-bad-record",
         {"rows.jsonl": jsonl({"id": "a", "text": SAMPLE_TEXT}, {"id": "b", "txt": PARAGRAPH})},
         ["assign", "{model}", "rows.jsonl", "-o", "out.csv", "--no-progress"],
         0, "rows.jsonl:2: no 'text' or 'content' field", exists=["out.csv"]),
    Case("slogans-reports-skipped-file",
         {"corpus/report.txt": SAMPLE_TEXT, "corpus/picture.txt": b"\x89PNG\r\n\x1a\n\x00\x00"},
         ["slogans", "corpus", "--no-cache", "--min-docs", "1"],
         0, "corpus/picture.txt: binary file (PNG image)"),
    Case("slogans-strict-stops-at-bad-file",
         {"corpus/report.txt": SAMPLE_TEXT, "corpus/picture.txt": b"\x89PNG\r\n\x1a\n\x00\x00"},
         ["slogans", "corpus", "--no-cache", "--strict", "-o", "slogans.csv"],
         2, "corpus/picture.txt: binary file", absent=["slogans.csv"]),
    # -- a csv quote left open swallows the rows after it: the file is refused, naming the line
    Case("csv-unclosed-quote",
         {"corpus/report.txt": SAMPLE_TEXT,
          "corpus/rows.csv": f'id,text\n1,"{PARAGRAPH}\n2,{PARAGRAPH}\n3,{PARAGRAPH}\n'},
         ["ingest", "corpus", "-o", "units.jsonl"],
         0, "corpus/rows.csv:2: malformed CSV", exists=["units.jsonl"]),
    Case("csv-unclosed-quote-closed-by-a-later-quote",
         {"rows.csv": f'id,text\n1,{PARAGRAPH}\n2,"{PARAGRAPH}\n3,{PARAGRAPH}\n4,"{PARAGRAPH}"\n'},
         ["ingest", "rows.csv", "-o", "units.jsonl"],
         2, "rows.csv:3: malformed CSV", absent=["units.jsonl"]),
    # -- a manifest row naming a file that is not there, and files the manifest does not name
    Case("manifest-row-without-file",
         {"corpus/MANIFEST.tsv": "file\tyear\tregion\n2024_西宁.txt\t2024\t西宁市城西区\n",
          "corpus/2024_西宁市.txt": SAMPLE_TEXT},
         ["ingest", "corpus", "-o", "units.jsonl"],
         0, "MANIFEST.tsv:2: names '2024_西宁.txt', which is not in corpus", exists=["units.jsonl"]),
    Case("manifest-does-not-name-a-file",
         {"corpus/MANIFEST.tsv": "file\tyear\tregion\n2024_西宁.txt\t2024\t西宁市城西区\n",
          "corpus/2024_西宁市.txt": SAMPLE_TEXT},
         ["ingest", "corpus", "-o", "units.jsonl"],
         0, "does not name 1 file(s) of its folder (2024_西宁市.txt)", exists=["units.jsonl"]),
    Case("manifest-row-without-file-strict",
         {"corpus/MANIFEST.tsv": "file\tyear\n2024_西宁.txt\t2024\n", "corpus/2024_西宁市.txt": SAMPLE_TEXT},
         ["ingest", "corpus", "-o", "units.jsonl", "--strict"],
         2, "did you mean '2024_西宁市.txt'?", absent=["units.jsonl"]),
    Case("manifest-year-out-of-range",
         {"corpus/MANIFEST.tsv": "file\tyear\n2024.txt\t-5\n", "corpus/2024.txt": SAMPLE_TEXT},
         ["ingest", "corpus", "-o", "units.jsonl"],
         2, "MANIFEST.tsv:2: year -5 is out of range", absent=["units.jsonl"]),
    Case("manifest-is-a-folder",
         {"corpus/MANIFEST.tsv/notes.md": "# 说明", "corpus/2024.txt": SAMPLE_TEXT},
         ["ingest", "corpus", "-o", "units.jsonl"],
         2, "MANIFEST.tsv: is a folder, expected a file", absent=["units.jsonl"]),
    # -- topics run says on the terminal which corpus files it skipped
    Case("run-prints-skipped-files",
         {"config.toml": SMALL_RUN, "corpus/report.txt": SAMPLE_TEXT, "corpus/empty.txt": b""},
         ["run", "config.toml", "-o", "run", "--no-progress"],
         0, "corpus/empty.txt: empty file", exists=["run/DONE"]),
    # -- every output path is checked before any work; nothing is half written
    Case("ingest-removed-unwritable",
         {"report.txt": SAMPLE_TEXT, "blocker": "一个文件"},
         ["ingest", "report.txt", "-o", "units.jsonl", "--removed", "blocker/removed.jsonl"],
         2, "blocker/removed.jsonl: blocker is a file, not a folder", absent=["units.jsonl"]),
    Case("ingest-removed-same-as-output",
         {"report.txt": SAMPLE_TEXT},
         ["ingest", "report.txt", "-o", "units.jsonl", "--removed", "units.jsonl"],
         2, "--removed and -o name the same file", absent=["units.jsonl"]),
    # -- output into a pipe nobody reads: a quiet stop with 128 + SIGPIPE, no traceback
    Case("assign-into-closed-pipe",
         {"report.txt": SAMPLE_TEXT},
         ["assign", "{model}", "report.txt", "--no-progress"],
         BROKEN_PIPE, "", closed_stdout=True),
    Case("ingest-into-closed-pipe",
         {"report.txt": SAMPLE_TEXT},
         ["ingest", "report.txt", "-o", "units.jsonl"],
         BROKEN_PIPE, "", exists=["units.jsonl"], not_message="Error", closed_stdout=True),
    # -- messages that say what is wrong
    Case("gold-is-a-folder",
         {"gold.tsv/a.tsv": "doc\tunit\tlabel\theading\ttext\n"},
         ["evaluate", "{run}", "--gold", "gold.tsv", "-o", "scores.csv"],
         2, "gold.tsv: is a folder, expected a gold file", absent=["scores.csv"]),
    Case("units-file-is-a-folder",
         {"units.jsonl/part.jsonl": "{}\n"},
         ["tokenize", "units.jsonl", "-o", "tokens.jsonl", "--no-cache"],
         2, "units.jsonl: is a folder, expected a file", absent=["tokens.jsonl"]),
    Case("lexicon-file-is-a-folder",
         {"units.jsonl": jsonl(UNIT), "stopwords/words.txt": "的\n"},
         ["tokenize", "units.jsonl", "-o", "tokens.jsonl", "--no-cache", "--stopwords", "stopwords"],
         2, "stopwords: is a folder, expected a file", absent=["tokens.jsonl"], not_message="not found"),
    Case("utf16-without-bom-is-read",
         {"report.txt": SAMPLE_TEXT.encode("utf-16-le")},
         ["ingest", "report.txt", "-o", "units.jsonl"],
         0, "files skipped: 0", exists=["units.jsonl"], not_message="binary"),
    Case("utf16-big-endian-without-bom-is-read",
         {"corpus/report.txt": SAMPLE_TEXT.encode("utf-16-be"), "corpus/other.txt": PARAGRAPH},
         ["ingest", "corpus", "-o", "units.jsonl"],
         0, "files skipped: 0", exists=["units.jsonl"], not_message="binary"),
    Case("bad-record-is-not-a-skipped-file",
         {"rows.jsonl": jsonl({"id": "a", "text": SAMPLE_TEXT}) + "{broken\n"},
         ["ingest", "rows.jsonl", "-o", "units.jsonl"],
         0, "files skipped: 0\nrecords skipped: 1", exists=["units.jsonl"]),
    Case("evaluate-counts-units-without-vocabulary",
         {"gold.tsv": "doc\tunit\tlabel\theading\ttext\nx\tu1\tother\t\t哈哈哈哈\n"
                      f"x\tu2\tecology\t\t{PARAGRAPH}\n"},
         ["evaluate", "{run}", "--gold", "gold.tsv", "-o", "scores.csv"],
         0, "dictionary: 1 of 2 gold units without any word of the model's vocabulary", exists=["scores.csv"]),
    Case("long-list-in-a-message-is-capped",
         {"wide.csv": ",".join(f"列{i}" for i in range(500)) + "\n" + ",".join(["正文"] * 500) + "\n"},
         ["ingest", "wide.csv", "-o", "units.jsonl"],
         2, "列9, … and 490 more", absent=["units.jsonl"]),
    # -- the run folder and the config
    Case("run-folder-cannot-be-created",
         {"config.toml": SMALL_RUN, "corpus/report.txt": SAMPLE_TEXT, "blocker": "一个文件"},
         ["run", "config.toml", "-o", "blocker/run", "--no-progress"],
         2, "blocker/run: cannot create the run folder"),
    Case("seed-too-large",
         {"config.toml": SMALL_RUN.replace("seeds = [1]", "seeds = [4294967296]"), "corpus/report.txt": SAMPLE_TEXT},
         ["run", "config.toml", "-o", "run", "--no-progress"],
         2, "run.seeds must be a non-empty list of integers from 0 to 4294967295", absent=["run"]),
    Case("run-name-escapes-runs-folder",
         {"config.toml": SMALL_RUN.replace('name = "bad_inputs"', 'name = "../escape"'), "corpus/report.txt": SAMPLE_TEXT},
         ["run", "config.toml", "--no-progress"],
         2, "run.name must be a name without path separators or '..'", absent=["escape", "runs"]),
    Case("lexicon-with-misspelt-facets-table",
         {"config.toml": SMALL_RUN.replace("[models.dictionary]", '[themes]\nlexicon = "themes.toml"\n[models.dictionary]'),
          "themes.toml": '[themes.industry]\nwords = ["产业"]\n[themes.industry.facet]\nfarms = ["农业"]\n',
          "corpus/report.txt": SAMPLE_TEXT},
         ["run", "config.toml", "-o", "run", "--no-progress"],
         2, "themes.toml: unknown key themes.industry.facet; valid keys: label, words, facets, heading_words",
         absent=["run"]),
    Case("lexicon-with-misspelt-other-table",
         {"config.toml": SMALL_RUN.replace("[models.dictionary]", '[themes]\nlexicon = "themes.toml"\n[models.dictionary]'),
          "themes.toml": '[themes.industry]\nwords = ["产业"]\n[others]\nwords = ["列席"]\n',
          "corpus/report.txt": SAMPLE_TEXT},
         ["run", "config.toml", "-o", "run", "--no-progress"],
         2, "unknown key others; valid keys: themes, other", absent=["run"]),
    Case("lexicon-is-a-folder",
         {"config.toml": SMALL_RUN.replace("[models.dictionary]", '[themes]\nlexicon = "themes"\n[models.dictionary]'),
          "themes/a.toml": "", "corpus/report.txt": SAMPLE_TEXT},
         ["run", "config.toml", "-o", "run", "--no-progress"],
         2, "themes.lexicon: themes: is a folder, expected a file", absent=["run"]),
    Case("no-below-above-the-number-of-units-warns",
         {"config.toml": SMALL_RUN.replace("no_below = 1", "no_below = 50"), "corpus/report.txt": SAMPLE_TEXT},
         ["run", "config.toml", "-o", "run", "--no-progress"],
         0, "leaves only 0 words beyond the lexicon's", exists=["run/DONE"]),
    # -- an effects formula runs no code, wherever it comes from, and says what it cannot estimate
    Case("effects-formula-runs-no-code",
         {},
         ["effects", "{run}", "--formula", "~ I(year + 0 * __import__('os').system('touch pwned'))", "-o", "out.csv"],
         2, "'__import__' is not allowed; use document columns", absent=["pwned", "out.csv"]),
    Case("config-formula-runs-no-code",
         {"config.toml": SMALL_RUN + '[effects]\nformula = "~ year + eval(\'__import__(\\"os\\").system(\\"touch pwned\\")\')"\n',
          "corpus/report.txt": SAMPLE_TEXT},
         ["run", "config.toml", "-o", "run", "--no-progress"],
         2, "config.toml: effects.formula '~ year + eval(", absent=["pwned", "run"]),
    # -- a value set on the command line is named as such, and what the documents cannot take stops the run
    #    before any fitting (it stopped after every fit, naming the run folder's copy of the config)
    Case("run-override-is-named-not-the-file",
         {"config.toml": SMALL_RUN, "corpus/report.txt": SAMPLE_TEXT},
         ["run", "config.toml", "-o", "run", "--no-progress", "--inference.draws", "1"],
         2, "config.toml with --inference.draws: inference.draws must be an integer from 2 to 100000", absent=["run"]),
    Case("run-formula-the-documents-cannot-take-stops-before-fitting",  # the sample page holds two articles
         {"config.toml": SMALL_RUN, "corpus/2024_西宁市城西区.txt": SAMPLE_TEXT},
         ["run", "config.toml", "-o", "run", "--no-progress", "--effects.formula", "~ year"],
         2, "config.toml with --effects.formula: effects.formula '~ year': 2 coefficients for 2 documents with every "
            "value it uses; an estimate needs more documents than coefficients",
         absent=["run/fits/dictionary-k6-s1", "run/DONE"], not_message="run/config.toml"),
    Case("run-column-type-of-no-document-column-stops-before-fitting",
         {"config.toml": SMALL_RUN + '[inference]\ncolumn_types = { coastal = "category" }\n',
          "corpus/report.txt": SAMPLE_TEXT},
         ["run", "config.toml", "-o", "run", "--no-progress"],
         2, "config.toml: inference.column_types coastal=category: 'coastal' is not a document column; the run's "
            "documents have year, region", absent=["run/fits/dictionary-k6-s1", "run/DONE"], not_message="units.jsonl"),
    Case("run-skipping-every-kind-of-unit-says-so",  # it said no units could be read
         {"config.toml": SMALL_RUN, "corpus/report.txt": SAMPLE_TEXT},
         ["run", "config.toml", "-o", "run", "--no-progress", "--corpus.skip_kinds",
          '["paragraph", "point", "section", "heading"]'],
         2, "corpus.skip_kinds ['heading', 'paragraph', 'point', 'section']: skips all ",
         absent=["run/DONE"], not_message="no units could be read"),
    Case("run-misspelt-kind-of-unit-is-refused",  # it skipped nothing without a word
         {"config.toml": SMALL_RUN, "corpus/report.txt": SAMPLE_TEXT},
         ["run", "config.toml", "-o", "run", "--no-progress", "--corpus.skip_kinds", '["headings"]'],
         2, "corpus.skip_kinds must be a list of unit kinds (paragraph, point, section, heading), got ['headings']",
         absent=["run"]),
    Case("run-vocabulary-cut-by-keep-n-names-keep-n",  # it advised no_below and no_above, which were not at fault
         {"config.toml": SMALL_RUN, "corpus/report.txt": SAMPLE_TEXT},
         ["run", "config.toml", "-o", "run", "--no-progress", "--vocabulary.keep_n", "1"],
         2, "(no_below=1, no_above=0.6, keep_n=1) leaves only 0 words beyond the lexicon's; topics will hardly "
            "differ — raise vocabulary.keep_n", absent=["run/DONE"]),
    Case("effects-formula-column-without-values",  # the sample's file name gives no year or region
         {},
         ["effects", "{run}", "--formula", "~ C(region)", "-o", "out.csv"],
         2, "--formula '~ C(region)': no document has a value of region", absent=["out.csv"]),
    Case("assign-without-units-names-few-inputs",  # bylines only: layout repair removes all of it
         {f"n{i:03}.txt": "（记者 张国静）" for i in range(40)},
         ["assign", "{model}", *[f"n{i:03}.txt" for i in range(40)], "--no-progress"],
         2, "n009.txt, … and 30 more: no units to assign"),
    # -- Word: text in content controls, text boxes, nested tables and tracked insertions is read; what
    #    cannot be read is counted and named
    Case("word-text-in-controls-boxes-tables-insertions-is-read",
         {"word.docx": _sample_docx(rich_docx), "report.txt": SAMPLE_TEXT},
         ["ingest", "report.txt", "word.docx", "-o", "units.jsonl"],
         0, "report#1 = word#1 (similarity 1.00)", exists=["units.jsonl"]),  # the Word file reads as the .txt
    Case("word-chart-text-is-counted-and-named",
         {"report.docx": Special("built", lambda path: docx_with_parts(path, paragraphs_of(SAMPLE_TEXT),
                                                                       chart_labels=("地区生产总值",)))},
         ["ingest", "report.docx", "-o", "units.jsonl"],
         0, "report.docx: 6 characters not read (charts 6)", exists=["units.jsonl"]),
    Case("word-placeholder-is-recorded-as-removed",
         {"report.docx": Special("built", lambda path: docx_with_parts(path, paragraphs_of(SAMPLE_TEXT),
                                                                       placeholder="单击或点击此处输入文字。"))},
         ["ingest", "report.docx", "-o", "units.jsonl"],
         0, "word-placeholder 12", exists=["units.jsonl"]),
    # -- folders: what is not a regular file is named with its reason, and nothing blocks
    Case("symlinked-sub-folder-is-named-not-followed",
         {"corpus/report.txt": SAMPLE_TEXT, "other/2023.txt": SAMPLE_TEXT, "corpus/linked": Special("link", "../other")},
         ["ingest", "corpus", "-o", "units.jsonl"],
         0, "corpus/linked: symbolic link to a folder (../other), not followed", exists=["units.jsonl"]),
    Case("dangling-link-is-named",
         {"corpus/report.txt": SAMPLE_TEXT, "corpus/gone.txt": Special("link", "nowhere.txt")},
         ["ingest", "corpus", "-o", "units.jsonl"],
         0, "corpus/gone.txt: broken symbolic link to nowhere.txt", exists=["units.jsonl"]),
    Case("pipe-in-a-folder-is-named-never-opened",
         {"corpus/report.txt": SAMPLE_TEXT, "corpus/pipe.txt": PIPE},
         ["ingest", "corpus", "-o", "units.jsonl"],
         0, "files skipped: 1\n  corpus/pipe.txt: not a regular file (named pipe), never opened", exists=["units.jsonl"],
         timeout=120),
    Case("socket-in-a-folder-is-named",
         {"corpus/report.txt": SAMPLE_TEXT, "corpus/socket.txt": SOCKET},
         ["ingest", "corpus", "-o", "units.jsonl"],
         0, "corpus/socket.txt: not a regular file (socket)", exists=["units.jsonl"]),
    Case("pipe-named-manifest-is-an-error-not-a-hang",
         {"corpus/report.txt": SAMPLE_TEXT, "corpus/MANIFEST.tsv": PIPE},
         ["ingest", "corpus", "-o", "units.jsonl"],
         2, "corpus/MANIFEST.tsv: not a regular file (named pipe)", absent=["units.jsonl"], timeout=120),
    Case("pipe-given-directly-is-an-error",
         {"pipe.txt": PIPE},
         ["ingest", "pipe.txt", "-o", "units.jsonl"],
         2, "pipe.txt: not a regular file (named pipe)", absent=["units.jsonl"], timeout=120),
    Case("device-given-directly-is-an-error",
         {},
         ["ingest", "/dev/zero", "-o", "units.jsonl"],
         2, "/dev/zero: not a regular file (character device)", absent=["units.jsonl"], timeout=120),
    Case("sub-folder-that-cannot-be-opened-is-named",
         {"corpus/report.txt": SAMPLE_TEXT, "corpus/closed": Special("closed", None)},
         ["ingest", "corpus", "-o", "units.jsonl"],
         0, "corpus/closed: cannot open the folder (Permission denied)", exists=["units.jsonl"], timeout=300),
    Case("file-that-cannot-be-opened-is-named",
         {"corpus/report.txt": SAMPLE_TEXT, "corpus/closed.txt": Special("closed", SAMPLE_TEXT)},
         ["ingest", "corpus", "-o", "units.jsonl"],
         0, "corpus/closed.txt: cannot read (Permission denied)", exists=["units.jsonl"], timeout=300),
    Case("config-that-is-a-pipe-is-named",
         {"config.toml": PIPE},
         ["run", "config.toml", "--no-progress"],
         2, "config.toml: not a regular file (named pipe), expected a config file", not_message="no such",
         timeout=120),
    Case("gold-file-that-is-a-pipe-is-named",
         {"gold.tsv": PIPE},
         ["evaluate", "{run}", "--gold", "gold.tsv", "-o", "scores.csv"],
         2, "gold.tsv: not a regular file (named pipe), expected a gold file", absent=["scores.csv"], timeout=300),
    # -- a run folder inside its corpus folder: refused, and skipped when one is there already
    Case("run-folder-inside-the-corpus-is-refused",
         {"config.toml": SMALL_RUN, "corpus/report.txt": SAMPLE_TEXT},
         ["run", "config.toml", "-o", "corpus/run", "--no-progress"],
         2, "corpus/run: the run folder is inside the input folder", absent=["corpus/run"]),
    Case("run-folder-in-a-corpus-folder-is-not-read",
         {"corpus/report.txt": SAMPLE_TEXT, "corpus/run/DONE": "", "corpus/run/units.jsonl": jsonl(UNIT),
          "corpus/run/metrics.csv": "model,k\n生态,1\n"},
         ["ingest", "corpus", "-o", "units.jsonl"],
         0, "corpus/run: a run folder of `topics run`", exists=["units.jsonl"], not_message="metrics.csv"),
    # -- a file name that is not UTF-8 (GBK bytes): read, and shown as it reads
    Case("gbk-file-name-is-read-and-printed",
         {GBK_NAME: SAMPLE_TEXT},
         ["ingest", "corpus", "-o", "units.jsonl"],
         0, "1 file name(s) not UTF-8, shown decoded as GB18030: corpus/2024_西宁市.txt", exists=["units.jsonl"],
         timeout=300),
    # -- decompression bombs: one line naming the file and the limit
    Case("docx-bomb-in-a-folder-is-skipped-naming-the-limit",
         {"corpus/report.txt": SAMPLE_TEXT, "corpus/bomb.docx": Special("built", lambda path: bomb_docx(path, 64 * MB))},
         ["ingest", "corpus", "-o", "units.jsonl"],
         0, "corpus/bomb.docx: its parts inflate to 64.", exists=["units.jsonl"]),
    Case("pdf-bomb-is-one-line-naming-the-limit",
         {"bomb.pdf": Special("built", lambda path: bomb_pdf(path, 64 * MB))},
         ["ingest", "bomb.pdf", "-o", "units.jsonl"],
         2, "bomb.pdf: its streams inflate beyond the limit of", absent=["units.jsonl"]),
    Case("docx-lying-about-its-size-is-broken",
         {"lying.docx": Special("built", lambda path: lying_docx(path, 64 * MB))},
         ["ingest", "lying.docx", "-o", "units.jsonl"],
         2, "lying.docx: broken or not a Word .docx file (Bad CRC-32", absent=["units.jsonl"]),
    # -- a run folder given as something else, and what a run lacks, are named as such
    Case("report-of-a-file-is-not-no-such-folder",
         {"config.toml": SMALL_RUN},
         ["report", "config.toml"],
         2, "config.toml: is a file, not a run folder; give a folder written by `topics run`", not_message="no such"),
    Case("shares-of-a-device-is-not-no-such-folder",
         {},
         ["shares", "/dev/null"],
         2, "/dev/null: not a regular file (character device), not a run folder", not_message="no such"),
    Case("examples-of-a-theme-no-model-maps-to",
         {},
         ["examples", "{run}", "--theme", "unmapped"],
         2, "--theme unmapped: no model of this run assigns a unit to it", not_message="not a theme"),
    Case("examples-of-a-topic-no-model-has-names-every-model",
         {},
         ["examples", "{run}", "--topic", "99"],
         2, "--topic 99: no model of this run has it; dictionary T0–T5"),
    # -- tokenize names its options, not the settings keys behind them; without the cache it needs no cache folder
    Case("tokenize-segmenter-is-named-as-the-option",
         {"units.jsonl": jsonl(UNIT)},
         ["tokenize", "units.jsonl", "-o", "tokens.jsonl", "--no-cache", "--segmenter", "thulac"],
         2, "--segmenter thulac: unknown segmenter 'thulac' (valid: jieba, jieba-rs)", absent=["tokens.jsonl"],
         not_message="tokenizer.segmenter"),
    Case("tokenize-min-chars-is-named-as-the-option",
         {"units.jsonl": jsonl(UNIT)},
         ["tokenize", "units.jsonl", "-o", "tokens.jsonl", "--no-cache", "--min-chars", "0"],
         2, "--min-chars 0: must be >= 1", absent=["tokens.jsonl"], not_message="tokenizer.min_chars"),
    Case("tokenize-without-the-cache-needs-no-cache-folder",  # it said to give --no-cache, which was given
         {"units.jsonl": jsonl(UNIT), "blocker": "一个文件"},
         ["tokenize", "units.jsonl", "-o", "tokens.jsonl", "--no-cache", "--cache-dir", "blocker/cache"],
         0, "cache: off", exists=["tokens.jsonl"], not_message="cannot create the token cache folder"),
    # -- slogans and suggest: values that leave nothing to find are one line, not an empty list or a traceback
    Case("slogans-min-docs-above-the-documents-read",  # the sample page holds two articles
         {"corpus/report.txt": SAMPLE_TEXT},
         ["slogans", "corpus", "--no-cache", "-o", "slogans.csv"],
         2, "--min-docs 3: more than the 2 document(s) read, so no phrase can occur in that many; give at most 2",
         absent=["slogans.csv"]),
    Case("slogans-unknown-segmenter-before-reading",
         {"corpus/report.txt": SAMPLE_TEXT},
         ["slogans", "corpus", "--segmenter", "thulac"],
         2, "argument --segmenter: invalid choice: 'thulac'", not_message="reading", timeout=120),
    Case("suggest-negative-seed",
         {"corpus/report.txt": SAMPLE_TEXT},
         ["suggest", "corpus", "-o", "review.tsv", "--seed", "-1"],
         2, "--seed must be an integer >= 0 and <= 4294967295, got -1", absent=["review.tsv"]),
    Case("suggest-min-count-above-every-word",
         {"corpus/report.txt": SAMPLE_TEXT},
         ["suggest", "corpus", "-o", "review.tsv", "--min-count", "100000"],
         2, "--min-count 100000: no word occurs that often in the corpus (the most frequent, ", absent=["review.tsv"]),
    Case("suggest-review-that-is-a-folder-is-named",  # it said "no such review file"
         {"review/part.tsv": "decision\ttheme\tword\n"},
         ["suggest", "--apply", "review", "-o", "new.toml"],
         2, "review: is a folder, expected a review file", absent=["new.toml"], not_message="no such"),
    Case("suggest-review-not-utf8",  # a UnicodeDecodeError traceback before
         {"review.tsv": bytes(range(128, 256))},
         ["suggest", "--apply", "review.tsv", "-o", "new.toml"],
         2, "review.tsv: review file is not UTF-8 text", absent=["new.toml"]),
    Case("shares-by-a-column-no-document-has",  # a header-only table, "0 model/k", exit 0 before
         {},
         ["shares", "{run}", "--by", "region", "-o", "out.csv"],
         2, "--by region: no document has a value of region", absent=["out.csv"]),
    # -- worker processes: more than the cores warn, far more are refused
    Case("run-with-far-more-workers-than-cores-is-refused",
         {"config.toml": SMALL_RUN, "corpus/report.txt": SAMPLE_TEXT},
         ["run", "config.toml", "-o", "run", "--scheduler", "local", "--workers", "1024", "--no-progress"],
         2, f"run.workers: 1024 worker processes for this machine's {CORES} core(s); at most {WORKERS_PER_CORE * CORES}",
         absent=["run"]),
    Case("tokenize-with-far-more-workers-than-cores-is-refused",
         {"units.jsonl": jsonl(UNIT)},
         ["tokenize", "units.jsonl", "-o", "tokens.jsonl", "--no-cache", "--workers", "1024"],
         2, "--workers: 1024 worker processes", absent=["tokens.jsonl"]),
    Case("tokenize-with-more-workers-than-cores-warns",
         {"units.jsonl": jsonl(UNIT)},
         ["tokenize", "units.jsonl", "-o", "tokens.jsonl", "--no-cache", "--workers", str(CORES + 1)],
         0, f"warning: --workers {CORES + 1} is more than this machine's {CORES} core(s)", exists=["tokens.jsonl"]),
]


# ---------------------------------------------------------------- what rows can refer to


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory) -> Path:
    """A small finished run (dictionary model) on the sample report."""
    folder = tmp_path_factory.mktemp("finished")
    (folder / "corpus").mkdir()
    (folder / "corpus" / "report.txt").write_text(SAMPLE_TEXT, encoding="utf-8")
    (folder / "config.toml").write_text(SMALL_RUN, encoding="utf-8")
    assert main(["run", str(folder / "config.toml"), "-o", str(folder / "run"), "--no-progress"]) == 0
    return folder / "run"


def _placeholders(argv: list[str], request) -> list[str]:
    values = {}
    if any("{run}" in arg for arg in argv):
        values["run"] = str(request.getfixturevalue("finished_run"))
    if any("{model}" in arg for arg in argv):
        values["model"] = str(request.getfixturevalue("finished_run") / "models" / "dictionary")
    return [arg.format(**values) if values else arg for arg in argv]


def _make_files(folder: Path, files: dict) -> list[Path]:
    """Write a row's files; returns those made unreadable, to be opened again afterwards."""
    closed = []
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Special) and content.kind == "closed":
            closed.append(path)
            content = content.value
        if content is None:
            path.mkdir(parents=True, exist_ok=True)
        elif content == PIPE:
            os.mkfifo(path)
        elif content == SOCKET:
            with socket.socket(socket.AF_UNIX) as server:
                server.bind(str(path))
        elif isinstance(content, Special) and content.kind == "link":
            path.symlink_to(content.value)
        elif isinstance(content, Special):
            content.value(path)
        else:
            path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    for path in closed:
        path.chmod(0)
    return closed


def _run_in_subprocess(argv: list[str], cwd: Path, timeout: int) -> tuple[int, str]:
    """The command in a fresh interpreter, without root's right to read any file, failing the row
    after ``timeout`` seconds instead of hanging."""
    try:
        proc = subprocess.run(unprivileged([sys.executable, "-m", "topics", *argv]), cwd=cwd, capture_output=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"topics {' '.join(argv)}: still running after {timeout} s")
    return proc.returncode, (proc.stdout + proc.stderr).decode("utf-8", errors="replace")


def _run_with_closed_stdout(argv: list[str], cwd: Path) -> tuple[int, str]:
    """The command with its standard output a pipe whose reading end is closed before it starts,
    as when `head -1` has already gone: every write to it fails."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run([sys.executable, "-m", "topics", *argv], cwd=cwd, stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=600)
    finally:
        os.close(write_end)
    return proc.returncode, proc.stderr


@pytest.mark.parametrize("case", [pytest.param(case, id=case.id) for case in CASES])
def test_bad_input(case: Case, tmp_path, monkeypatch, capsys, request):
    argv = _placeholders(case.argv, request)
    closed = _make_files(tmp_path, case.files)
    if case.closed_stdout:
        code, printed = _run_with_closed_stdout(argv, tmp_path)
    elif case.timeout:
        try:
            code, printed = _run_in_subprocess(argv, tmp_path, case.timeout)
        finally:
            for path in closed:
                path.chmod(0o755)
    else:
        monkeypatch.chdir(tmp_path)
        code = main(argv)
        captured = capsys.readouterr()
        printed = captured.out + captured.err
    assert code == case.code, printed
    assert case.message in printed, printed
    assert case.not_message not in printed, printed
    if code == 2:  # a user mistake is one line
        errors = [line for line in printed.splitlines() if ": error: " in line]
        assert len(errors) == 1 and len(errors[0]) < 1000, printed
    for name in case.exists:
        assert (tmp_path / name).exists(), f"{name} should exist"
    for name in case.absent:
        assert not (tmp_path / name).exists(), f"{name} should not exist"
    # outputs are written whole through a temporary file that never stays behind
    assert not [p for p in tmp_path.rglob("*.partial")], "temporary output left behind"


def test_real_report_in_utf16_without_bom_reads_as_utf8(shared_corpora, tmp_path, capsys, monkeypatch):
    """A real city report saved as UTF-16 without a byte-order mark gives the same units as in UTF-8."""
    text = CITY.read_text(encoding="utf-8")
    (tmp_path / "le").mkdir()
    (tmp_path / "utf8").mkdir()
    (tmp_path / "le" / CITY.name).write_bytes(text.encode("utf-16-le"))
    (tmp_path / "utf8" / CITY.name).write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))
    monkeypatch.chdir(tmp_path)
    for name in ("le", "utf8"):
        assert main(["ingest", f"{name}/{CITY.name}", "-o", f"{name}.jsonl"]) == 0
    assert (tmp_path / "le.jsonl").read_bytes() == (tmp_path / "utf8.jsonl").read_bytes()
