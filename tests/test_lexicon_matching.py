"""Theme words inside longer words count for their theme; a theme's exclusions do not (real report text)."""

from __future__ import annotations

import numpy as np
import pytest

from topics.errors import InputError
from topics.ingest import ingest_paths
from topics.lexicon import Lexicon
from topics.mapping import apply_mapping, topic_lifts, word_lifts
from topics.models import load_model, make_model
from topics.tokenize import Tokenizer, TokenizerSettings
from topics.vectorize import build_corpus


@pytest.fixture(scope="module")
def reports(shared_corpora):
    """Units and tokens of one city report and one State Council report, cut with the lexicon's words."""
    lexicon = Lexicon.load()
    paths = [shared_corpora / "city_gwr_2024" / "2024_上海市.txt", shared_corpora / "national_gwr_hprc" / "1983.txt"]
    units = [u for u in ingest_paths([str(p) for p in paths], themes=lexicon).units if u.kind != "heading"]
    tokens = Tokenizer(TokenizerSettings(), lexicon_words=lexicon.words(), cache=False).tokenize([u.text for u in units])
    return lexicon, units, tokens, build_corpus(tokens, no_below=1, no_above=1.0, keep_words=lexicon.words())


def _row(units, start: str) -> int:
    return next(i for i, u in enumerate(units) if start in u.text)


def test_a_theme_word_inside_a_longer_word_counts_for_its_theme(reports, tmp_path):
    lexicon, units, tokens, corpus = reports
    i = _row(units, "科技成果转化")
    assert "科技成果转化" in tokens[i]  # jieba keeps the longer word whole
    assert "科技" in lexicon.themes["industry"] and "科技成果转化" not in lexicon.words()
    model = make_model("dictionary").fit(corpus, lexicon)
    word = list(corpus.vocab).index("科技成果转化")
    themes = list(lexicon.themes)
    assert model.membership_[word].tolist() == [float(t == "industry") for t in themes]
    model.save(tmp_path / "dictionary")  # a saved model counts it the same way
    assert (load_model(tmp_path / "dictionary").membership_ == model.membership_).all()
    seeded = make_model("seeded-lda", k=8, passes=1, iterations=5, random_state=1).fit(corpus, lexicon)
    assert word in seeded.seed_ids_["industry"]
    # a longer word that is a lexicon word itself counts for its own theme only: 营商环境 is industry, not ecology
    business = list(corpus.vocab).index("营商环境")
    assert model.membership_[business].tolist() == [float(t == "industry") for t in themes]


def test_the_international_environment_is_no_ecology(reports):
    lexicon, units, tokens, corpus = reports
    i = _row(units, "和平的国际环境")
    assert "国际环境" in tokens[i] and "环境" not in tokens[i]
    model = make_model("dictionary").fit(corpus, lexicon)
    apply_mapping(model.result_, lexicon)
    row = list(corpus.kept).index(i)
    ecology = list(lexicon.themes).index("ecology")
    assert model.result_.doc_topic[row, ecology] < 1e-6
    assert model.membership_[list(corpus.vocab).index("国际环境")].sum() == 0
    # without the exclusion the same text is cut 国际 + 环境, and 环境 is an ecology word
    plain = Tokenizer(TokenizerSettings(), lexicon_words=[w for w in lexicon.words() if w != "国际环境"], cache=False)
    assert "环境" in plain.tokenize([units[i].text])[0]


def test_mapping_weighs_the_longer_words_too(reports):
    lexicon, _, _, corpus = reports
    model = make_model("lda", k=6, passes=2, iterations=10, random_state=1).fit(corpus, lexicon)
    industry = list(lexicon.themes).index("industry")
    exact = word_lifts(model.result_, [lexicon.themes["industry"]])[:, 0]
    assert "科技成果转化" in lexicon.holders(model.result_.vocab)["科技"]
    assert not np.allclose(topic_lifts(model.result_, lexicon)[:, industry], exact)


def test_exclusions_are_read_saved_and_checked(tmp_path):
    path = tmp_path / "themes.toml"
    path.write_text('[themes.ecology]\nwords = ["环境", "生态"]\nexclude = ["国际环境"]\n'
                    '[themes.industry]\nwords = ["产业"]\n', encoding="utf-8")
    lexicon = Lexicon.load(path)
    assert lexicon.exclude == {"ecology": ["国际环境"]} and "国际环境" in lexicon.words()
    assert lexicon.counted_terms(["环境"], "ecology", lexicon.holders(["国际环境", "环境治理", "产业园区"])) == ["环境", "环境治理"]
    assert Lexicon.load(lexicon.save(tmp_path / "saved.toml")) == lexicon
    for n, (exclude, message) in enumerate([('["国际"]', r"themes\.ecology\.exclude: 国际 holds none of the theme's words"),
                                            ('["环境"]', r"themes\.ecology\.exclude: 环境 is one of the theme's words"),
                                            ('"国际环境"', r"themes\.ecology\.exclude must be a list of words")]):
        bad = tmp_path / f"bad{n}.toml"
        bad.write_text(f'[themes.ecology]\nwords = ["环境"]\nexclude = {exclude}\n', encoding="utf-8")
        with pytest.raises(InputError, match=message):
            Lexicon.load(bad)


def test_a_longer_word_counts_only_through_words_it_holds_outside_longer_lexicon_words_and_exclusions():
    lexicon = Lexicon.load()
    vocabulary = ["投资环境", "优化投资环境", "外商投资环境", "法治环境", "农民工工资", "政协委员提案", "国际环境"]
    holders = lexicon.holders(vocabulary)
    counted = {theme: [t for t in lexicon.counted_terms(words, theme, holders) if t in vocabulary]
               for theme, words in lexicon.themes.items()}
    # an ecology exclusion still counts for the other theme whose word it holds
    assert counted["industry"] == ["投资环境", "优化投资环境", "外商投资环境"]
    assert counted["governance"] == ["法治环境"]
    # 农民 sits inside livelihood's 农民工, 政协 inside the [other] word 政协委员; 环境 only inside exclusions
    assert counted["livelihood"] == ["农民工工资"] and counted["ecology"] == []
    assert "政协委员提案" not in lexicon.seed_terms(vocabulary) - {"政协委员提案"} and "政协委员提案" not in sum(counted.values(), [])


@pytest.mark.parametrize("heading, label", [
    ("为现代化建设创造良好的国际环境", ""),  # 国际环境 takes 环境: no theme
    ("营造公平公正的法治环境", "governance"),  # the exclusion still names governance through 法治
    ("持续改善生态环境质量", "ecology"),
])
def test_headings_are_read_with_the_exclusions(heading, label):
    from topics.ingest.structure import weak_label

    assert weak_label(heading, Lexicon.load()) == label


def test_accepting_suggested_words_keeps_the_exclusions(tmp_path):
    import pandas as pd

    from topics.suggest import apply_review

    lexicon = Lexicon.load()
    review = pd.DataFrame([{"decision": "accept", "theme": "ecology", "word": "湿地公园", "line": 2}])
    grown, counts = apply_review(lexicon, review)
    assert counts["added"] == 1 and "湿地公园" in grown.themes["ecology"]
    assert grown.exclude == lexicon.exclude and Lexicon.load(grown.save(tmp_path / "grown.toml")).exclude == lexicon.exclude
