"""The lexicon files: their loaders, their errors, and what the bundled lists promise about theme words."""

from __future__ import annotations

import jieba
import pytest

from topics.errors import InputError
from topics.word_lists import BUNDLED, bundled_path, load_user_dictionary, load_word_list
from topics.lexicon import Lexicon

THEME_WORDS = sorted({word for words in Lexicon.load().themes.values() for word in words})
# with the [other] words, which must reach the models whole too (slogans may contain them: they are
# there for the wording around and outside the slogans)
LEXICON_WORDS = sorted(set(THEME_WORDS) | set(Lexicon.load().other_words))
WORD_LISTS = ("stopwords", "fillers", "slogans")


def _default_jieba() -> jieba.Tokenizer:
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


# -- the bundled files ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(BUNDLED))
def test_bundled_lexicon_has_a_header_saying_how_it_was_made(name):
    text = bundled_path(name).read_text(encoding="utf-8")
    header = [line for line in text.splitlines()[:40] if line.startswith("#")]
    assert any("How it was made" in line for line in header), name
    assert len(header) >= 5


@pytest.mark.parametrize("name", WORD_LISTS)
def test_bundled_word_lists_load_without_duplicates(name):
    word_list = load_word_list(bundled_path(name))
    assert len(word_list.entries) > 50
    assert len(set(word_list.entries)) == len(word_list.entries), "duplicate entries"
    assert word_list.version, "each list states its version"


def test_policy_terms_load_and_are_words_jieba_would_split():
    dictionary = load_user_dictionary(bundled_path("policy_terms"))
    words = dictionary.words
    assert len(words) > 200 and len(set(words)) == len(words)
    plain = _default_jieba()
    for required in ("河湖长制", "林草长制", "零工驿站", "无废城市", "枫桥经验", "一老一小", "碳达峰", "碳中和",
                     "乡村振兴", "营商环境", "新质生产力", "双重预防体系"):
        assert required in words, required
    unsplit = [w for w in words if plain.lcut(w, HMM=False) == [w]]
    assert unsplit == [], "entries jieba keeps whole anyway"


def test_slogan_list_is_versioned():
    assert load_word_list(bundled_path("slogans")).version == "1"


# -- theme words survive every list ------------------------------------------------------------------


def test_every_theme_word_jieba_would_split_is_a_policy_term():
    plain = _default_jieba()
    terms = set(load_user_dictionary(bundled_path("policy_terms")).words)
    split = [w for w in LEXICON_WORDS if len(w) > 1 and plain.lcut(w, HMM=False) != [w]]
    assert split, "jieba splits some theme words (河湖长制 …): the check below must have something to check"
    assert [w for w in split if w not in terms] == []


@pytest.mark.parametrize("name", ["stopwords", "fillers"])
def test_no_theme_word_is_a_stopword_or_filler(name):
    entries = set(load_word_list(bundled_path(name)).entries)
    assert sorted(entries & set(LEXICON_WORDS)) == []


def test_no_slogan_contains_a_theme_word():
    slogans = load_word_list(bundled_path("slogans")).entries
    clashes = [(s, w) for s in slogans for w in THEME_WORDS if len(w) > 1 and w in s]
    assert clashes == []


def test_stopwords_are_written_for_the_package_not_copied(shared_corpora):
    """The reference lists are for comparison only: report the overlap and check ours is no copy."""
    reference_dir = shared_corpora.parent / "stopwords"
    if not reference_dir.is_dir():
        pytest.skip("no reference stopword lists beside the corpora")
    ours = set(load_word_list(bundled_path("stopwords")).entries)
    for reference_file in sorted(reference_dir.glob("*.txt")):
        reference = {line.strip() for line in reference_file.read_text(encoding="utf-8").splitlines() if line.strip()}
        jaccard = len(ours & reference) / len(ours | reference)
        print(f"{reference_file.name}: {len(ours & reference)} of our {len(ours)} entries shared, Jaccard {jaccard:.2f}")
        assert jaccard < 0.5


# -- the loaders and their errors --------------------------------------------------------------------


def test_user_dictionary_reads_word_freq_and_tag(tmp_path):
    path = tmp_path / "terms.txt"
    path.write_text("# comment\n\n河湖长制\n零工驿站 50\n枫桥经验 nz\n一老一小 20 n\n", encoding="utf-8")
    entries = load_user_dictionary(path).entries
    assert [(e.word, e.freq, e.tag) for e in entries] == [
        ("河湖长制", None, None), ("零工驿站", 50, None), ("枫桥经验", None, "nz"), ("一老一小", 20, "n"),
    ]


@pytest.mark.parametrize(
    "line",
    ["河湖长制 10 nz extra", "河湖长制 0", "河湖长制 10 n3", "河湖长制 nz 10", "河湖\x07长制"],
)
def test_malformed_dictionary_line_names_file_and_line(tmp_path, line):
    path = tmp_path / "terms.txt"
    path.write_text(f"# header\n零工驿站\n{line}\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_user_dictionary(path)
    assert str(error.value).startswith(f"{path}:3: ")
    assert "\n" not in str(error.value)


def test_malformed_word_list_line_names_file_and_line(tmp_path):
    path = tmp_path / "stop.txt"
    path.write_text("# version: 2\n的\n加强 推进\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"stop\.txt:3: expected one word or phrase a line"):
        load_word_list(path)


def test_word_list_version_comment(tmp_path):
    path = tmp_path / "slogans.txt"
    path.write_text("# my slogans\n# version: 2024.2\n两个确立\n", encoding="utf-8")
    word_list = load_word_list(path)
    assert word_list.version == "2024.2" and word_list.entries == ("两个确立",)


def test_missing_lexicon_is_a_one_line_error(tmp_path):
    missing = tmp_path / "nope.txt"
    for loader in (load_word_list, load_user_dictionary):
        with pytest.raises(InputError, match="nope.txt: lexicon file not found"):
            loader(missing)


def test_lexicon_that_is_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes("的\n加强\n".encode("utf-8") + "河湖长制\n".encode("gbk"))
    with pytest.raises(InputError, match=r"gbk\.txt:3: lexicon files must be UTF-8"):
        load_word_list(path)


def test_digest_follows_content(tmp_path):
    path = tmp_path / "stop.txt"
    path.write_text("的\n", encoding="utf-8")
    before = load_word_list(path).digest
    path.write_text("的\n了\n", encoding="utf-8")
    assert load_word_list(path).digest != before


# -- the theme lexicon's [other] table -------------------------------------------------------------


def test_other_words_are_read_and_are_no_theme_word():
    other = Lexicon.load().other_words
    assert len(other) >= 30 and "列席" in other and "预期" in other
    theme_words = {word for words in Lexicon.load().themes.values() for word in words}
    assert sorted(set(other) & theme_words) == []


def test_a_lexicon_without_other_words_and_a_bad_other_table(tmp_path):
    path = tmp_path / "themes.toml"
    path.write_text('[themes.ecology]\nwords = ["生态"]\n', encoding="utf-8")
    assert Lexicon.load(path).other_words == [] and Lexicon.load(path).themes == {"ecology": ["生态"]}
    bad = tmp_path / "bad.toml"
    bad.write_text('[themes.ecology]\nwords = ["生态"]\n[other]\nwords = "列席"\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.toml: other\.words must be a non-empty list of words"):
        Lexicon.load(bad).other_words
    reserved = tmp_path / "reserved.toml"
    reserved.write_text('[themes.other]\nwords = ["列席"]\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"themes\.other: 'other' is reserved .* put words of passages about no theme in an \[other\] table"):
        Lexicon.load(reserved).themes


# -- facets: groups of a theme's words that seeded models give a topic of their own -------------------


def test_facet_words_are_read_and_belong_to_their_theme():
    facets = Lexicon.load().facets
    assert list(facets) == ["industry"] and list(facets["industry"]) == ["agriculture"]
    agriculture = facets["industry"]["agriculture"]
    assert "农业" in agriculture and "粮食" in agriculture
    industry = Lexicon.load().themes["industry"]
    assert set(agriculture) <= set(industry) and len(industry) == len(set(industry))


def test_a_lexicon_without_facets_and_bad_facet_tables(tmp_path):
    path = tmp_path / "themes.toml"
    path.write_text('[themes.industry]\nwords = ["产业"]\n[themes.industry.facets]\nfarms = ["农业", "产业"]\n',
                    encoding="utf-8")
    assert Lexicon.load(path).facets == {"industry": {"farms": ["农业", "产业"]}}
    assert Lexicon.load(path).themes == {"industry": ["产业", "农业"]}  # facet words join their theme once
    plain = tmp_path / "plain.toml"
    plain.write_text('[themes.ecology]\nwords = ["生态"]\n', encoding="utf-8")
    assert Lexicon.load(plain).facets == {}
    for n, (body, key) in enumerate([('facets = "农业"\n', r"themes\.industry\.facets must be a table"),
                                     ('[themes.industry.facets]\nfarms = []\n',
                                      r"themes\.industry\.facets\.farms must be a non-empty list")]):
        bad = tmp_path / f"bad{n}.toml"  # one file each: lexicons are cached by path
        bad.write_text('[themes.industry]\nwords = ["产业"]\n' + body, encoding="utf-8")
        with pytest.raises(InputError, match=key):
            Lexicon.load(bad).themes


# -- the codebook's decisions (../shared/codebook.md) for a few anchor words ---------------------------


def _theme_of(word: str) -> set[str]:
    lexicon = Lexicon.load()
    found = {theme for theme, words in lexicon.themes.items() if word in words}
    return found | ({"other"} if word in lexicon.other_words else set())


@pytest.mark.parametrize("word, theme", [
    ("公安", "governance"), ("扫黑除恶", "governance"), ("犯罪", "governance"), ("治安", "governance"),
    ("电信网络诈骗", "governance"), ("平安建设", "governance"),                      # public order is 平安建设
    ("老旧小区", "livelihood"), ("城市更新", "livelihood"), ("棚户区", "livelihood"),  # urban renewal
    ("债务", "safety"), ("金融风险", "safety"), ("安全生产", "safety"),               # risk stays safety
    ("营商环境", "industry"), ("政务服务", "governance"),
])
def test_lexicon_follows_the_codebook(word, theme):
    assert _theme_of(word) == {theme}, f"{word}: {sorted(_theme_of(word))}, codebook says {theme}"


@pytest.mark.parametrize("word", ["国防", "军队", "双拥"])
def test_defence_words_are_no_theme_word(word):
    """Defence is `other` in the codebook: its words may be [other] words, never a theme's (a seeded safety
    topic must not turn into a defence topic on State Council text)."""
    assert _theme_of(word) <= {"other"}
    assert word not in Lexicon.load().themes["safety"]
