"""Slogan discovery: ranking, spread over themes, shapes, the shipped list, and the command."""

from __future__ import annotations

import csv
import re

import pytest

from tokenize_helpers import load_units
from topics.cli import main
from topics.documents import Unit
from topics.word_lists import bundled_path, load_word_list
from topics.tokenize.slogans import CSV_COLUMNS, find_slogan_candidates, raw_settings, shape_of
from topics.lexicon import Lexicon
from topics.tokenize import Tokenizer


@pytest.fixture(scope="module")
def raw_tokenizer(tmp_path_factory) -> Tokenizer:
    return Tokenizer(raw_settings("jieba-rs"), cache_dir=tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def city_units(shared_corpora) -> list[Unit]:
    files = sorted((shared_corpora / "city_gwr_2024").glob("*.txt"))[:25]
    return load_units(files)


@pytest.mark.parametrize(
    "phrase, shape",
    [
        ("四个意识", "numbered"),
        ("两个确立", "numbered"),
        ("稳中有进、以进促稳、先立后破", "list"),
        ("以学铸魂、以学增智、以学正风、以学促干", "parallel"),
        ("兜住、兜准、兜牢", "parallel"),
        ("乡村振兴", ""),
    ],
)
def test_shapes(phrase, shape):
    assert shape_of(phrase) == shape


def test_spread_over_themes_ranks_boilerplate_above_theme_phrases(raw_tokenizer):
    """A phrase used under every theme beats one used as often but only under one theme."""
    themes = ["ecology", "industry", "livelihood", "governance", "safety"]
    units = []
    for doc in range(6):
        for label in themes:
            text = "坚持稳中求进工作总基调，办好各项工作。"
            if label == "ecology":
                text += "持续打好蓝天保卫战，改善空气质量。"
            units.append(Unit(doc_id=f"d{doc}", unit_id=f"d{doc}:{label}", kind="section", heading=label,
                              text=text, weak_label=label))
    found = {c.phrase: c for c in find_slogan_candidates(units, raw_tokenizer, themes=Lexicon.load().themes, min_docs=3)}
    boilerplate = found["坚持稳中求进工作总基调"]
    theme_phrase = found["持续打好蓝天保卫战"]
    assert boilerplate.label_entropy == pytest.approx(1.0)
    assert theme_phrase.label_entropy == pytest.approx(0.0)
    assert boilerplate.docs == theme_phrase.docs == 6
    assert boilerplate.score > theme_phrase.score
    assert theme_phrase.theme_word == "蓝天"
    # only the longest phrase that always comes together is kept, not its pieces
    assert "稳中求进工作" not in found and "工作总基调" not in found


def test_candidates_on_real_reports(city_units, raw_tokenizer):
    candidates = find_slogan_candidates(city_units, raw_tokenizer, themes=Lexicon.load().themes, min_docs=3, top=None)
    phrases = [c.phrase for c in candidates]
    top = set(phrases[:150])
    assert {"两个确立", "两个维护"} <= top
    assert any("习近平新时代中国特色社会主义思想" in p for p in top)
    assert [c.score for c in candidates] == sorted((c.score for c in candidates), reverse=True)
    for candidate in candidates[:50]:
        assert candidate.docs >= 3 and candidate.count >= candidate.docs
        assert candidate.examples and all(f"【{candidate.phrase}】" in e for e in candidate.examples)
    listed = {c.phrase for c in candidates if c.listed}
    assert {"两个确立", "两个维护"} <= listed
    quoted = [c for c in candidates if c.kind == "quoted"]
    assert "十四五" in {c.phrase for c in quoted}  # too short for an n-gram candidate, found between quotes
    assert any(c.shape == "list" for c in quoted)  # 学思想、强党性、重实践、建新功
    assert len(find_slogan_candidates(city_units[:400], raw_tokenizer, min_docs=3, top=40)) == 40


def test_shipped_slogans_occur_in_the_reports(shared_corpora, sample_path):
    """Every listed slogan is written as it appears in real reports (else it could never match)."""
    paths = [p for p in shared_corpora.glob("*/*.txt") if not p.parent.name.endswith("_raw")] + [sample_path]
    text = "".join(re.sub(r"\s+", "", path.read_text(encoding="utf-8")) for path in paths)
    slogans = load_word_list(bundled_path("slogans")).entries
    assert [s for s in slogans if s not in text] == []


def test_slogans_command_writes_the_csv(shared_corpora, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TOPICS_CACHE_DIR", str(tmp_path / "cache"))
    output = tmp_path / "candidates.csv"
    code = main(["slogans", str(shared_corpora / "hailar_district_gwr"), "-o", str(output), "--min-docs", "4",
                 "--segmenter", "jieba-rs", "--top", "50"])
    assert code == 0
    with open(output, encoding="utf-8-sig", newline="") as rows:
        table = list(csv.DictReader(rows))
    assert list(table[0]) == CSV_COLUMNS
    assert len(table) == 50 and table[0]["rank"] == "1"
    assert all(int(row["docs"]) >= 4 for row in table)
    out = capsys.readouterr().out
    assert "candidates from" in out and f"wrote {output}" in out


def test_slogans_command_bad_input(tmp_path, capsys):
    assert main(["slogans", str(tmp_path), "--min-docs", "0"]) == 2
    assert "--min-docs: must be >= 1" in capsys.readouterr().err
