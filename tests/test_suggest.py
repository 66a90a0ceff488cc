"""Theme words suggested from the corpus itself, for review: real city reports in, a review file out,
the accepted words added to a new lexicon — never the rejected or undecided ones."""

from __future__ import annotations

import pytest

from model_helpers import load_units, tokenize
from topics.cli import main
from topics.errors import InputError
from topics.lexicon import Lexicon
from topics.suggest import REVIEW_COLUMNS, SuggestSettings, apply_review, read_review, suggest_words, write_review

SETTINGS = SuggestSettings(per_theme=15, min_count=5, seed=3)


@pytest.fixture(scope="module")
def city_tokens(shared_corpora):
    units = load_units(sorted((shared_corpora / "city_gwr_2024").glob("*.txt"))[:40])
    return tokenize([unit.text for unit in units if unit.kind != "heading"])


@pytest.fixture(scope="module")
def suggestions(city_tokens):
    return suggest_words(city_tokens, Lexicon.load(), SETTINGS)


@pytest.mark.corpora
def test_suggestions_are_new_corpus_words_near_their_theme(suggestions, city_tokens):
    lexicon = Lexicon.load()
    assert list(suggestions.columns) == REVIEW_COLUMNS
    assert set(suggestions["theme"]) <= set(lexicon.names) and (suggestions["decision"] == "").all()
    assert not set(suggestions["word"]) & set(lexicon.words())  # only words the lexicon does not list yet
    assert (suggestions.groupby("theme").size() <= SETTINGS.per_theme).all()
    assert (suggestions["similarity"] - suggestions["next_similarity"] >= SETTINGS.min_gap - 1e-9).all()
    counts = {}
    for tokens in city_tokens:
        for token in tokens:
            counts[token] = counts.get(token, 0) + 1
    assert all(counts.get(word, 0) >= SETTINGS.min_count for word in suggestions["word"])
    ecology = set(suggestions.loc[suggestions["theme"] == "ecology", "word"])
    # words of forests, water and air pollution the lexicon lacks are found for ecology
    clear = {"防护林", "湖长制", "河长制", "总磷", "环境空气", "荒山", "水环境", "水体", "治水", "海域", "近岸",
             "环境治理", "空气", "污水处理", "森林覆盖率"}
    assert len(ecology & clear) >= 3, ecology


@pytest.mark.corpora
def test_the_same_seed_gives_the_same_suggestions(suggestions, city_tokens):
    again = suggest_words(city_tokens, Lexicon.load(), SETTINGS)
    assert again.equals(suggestions)


@pytest.mark.corpora
def test_only_accepted_words_join_the_lexicon(suggestions, tmp_path):
    review = suggestions.copy()
    review.loc[0, "decision"] = "accept"
    review.loc[1, "decision"] = "reject"
    review.loc[2, "decision"] = "Accept"  # any case
    path = write_review(review, tmp_path / "review.tsv")
    lexicon = Lexicon.load()
    grown, counts = apply_review(lexicon, read_review(path, lexicon))
    assert counts == {"accepted": 2, "added": 2, "rejected": 1, "undecided": len(review) - 3}
    for row in (0, 2):
        assert review.loc[row, "word"] in grown.themes[review.loc[row, "theme"]]
    assert review.loc[1, "word"] not in grown.words() and review.loc[3, "word"] not in grown.words()
    saved = Lexicon.load(grown.save(tmp_path / "grown.toml"))
    assert saved == grown and saved.facets == lexicon.facets and saved.other_words == lexicon.other_words


def test_a_bad_review_row_names_its_line(tmp_path):
    path = tmp_path / "review.tsv"
    path.write_text("decision\ttheme\tword\naccept\tecology\t湿地公园\nmaybe\tecology\t荒山\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"review.tsv:3: decision must be accept, reject or empty, got 'maybe'"):
        read_review(path, Lexicon.load())
    path.write_text("decision\ttheme\tword\naccept\tspace\t火箭\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"review.tsv:2: theme 'space' is not in the lexicon"):
        read_review(path, Lexicon.load())


@pytest.mark.corpora
@pytest.mark.slow
def test_suggest_command_round_trip(shared_corpora, tmp_path, capsys):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in sorted((shared_corpora / "city_gwr_2024").glob("*.txt"))[:15]:
        (corpus / path.name).write_bytes(path.read_bytes())
    review = tmp_path / "review.tsv"
    assert main(["suggest", str(corpus), "-o", str(review), "--per-theme", "5", "--min-count", "3"]) == 0
    lines = review.read_text(encoding="utf-8").splitlines()
    assert lines[0].split("\t") == REVIEW_COLUMNS and len(lines) > 1
    first = lines[1].split("\t")
    lines[1] = "\t".join(["accept", *first[1:]])
    review.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["suggest", "--apply", str(review), "-o", str(tmp_path / "grown.toml")]) == 0
    assert "1 accepted (1 new to the lexicon)" in capsys.readouterr().out
    assert first[2] in Lexicon.load(tmp_path / "grown.toml").themes[first[1]]
    assert main(["suggest", "--apply", str(review), str(corpus), "-o", str(tmp_path / "x.toml")]) == 2
