"""Tokenizing: the seed's done-when, every filter and option, the segmenter table, the theme lexicon's words, both segmenters, the cache, workers and errors."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from collections import Counter
from dataclasses import asdict, fields
from importlib.metadata import version
from pathlib import Path

import jieba
import pytest

from tokenize_helpers import load_units
from topics.cli import main
from topics.documents import Unit
from topics.errors import InputError
from topics.lexicon import Lexicon
from topics.word_lists import load_user_dictionary
from topics.tokenize.cache import default_cache_dir
from topics.tokenize import ADAPTERS, POS_TAGS, SEGMENTERS, Tokenizer, TokenizerSettings, read_tokens, write_tokens

HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("topics-cache")


@pytest.fixture(scope="module")
def seed_units(sample_path) -> list[Unit]:
    return load_units([sample_path])


def make(cache_dir: Path, **settings) -> Tokenizer:
    return Tokenizer(TokenizerSettings(**settings), cache_dir=cache_dir)


# -- done-when on the seed ----------------------------------------------------------------------------


@pytest.mark.parametrize("segmenter", SEGMENTERS)
def test_seed_has_no_slogan_residue_and_keeps_policy_terms_whole(seed_units, cache_dir, segmenter):
    tokens = {t for ts in make(cache_dir, segmenter=segmenter).tokenize([u.text for u in seed_units]) for t in ts}
    for residue in ("前作", "表率", "习近平", "新时代", "社会主义", "思想", "加强", "推进", "持续"):
        assert residue not in tokens, residue
    for term in ("河湖长制", "零工驿站", "无废城市", "枫桥经验", "林草长制", "一老一小", "双重预防体系"):
        assert term in tokens, term


def test_seed_slogan_hits_are_counted(seed_units, cache_dir):
    results = make(cache_dir).tokenize_detailed([u.text for u in seed_units])
    hits = [hit for r in results for hit in r.slogan_hits]
    assert "习近平新时代中国特色社会主义思想" in hits
    assert "稳中有进、以进促稳、先立后破" in hits
    assert hits.count("走在前作表率") >= 2
    assert sum(r.removed.get("slogan", 0) for r in results) == len(hits)


# -- theme words survive tokenizing whole ---------------------------------------------------------------

THEME_WORDS = sorted({w for ws in Lexicon.load().themes.values() for w in ws})


@pytest.mark.parametrize("segmenter", SEGMENTERS)
def test_every_theme_word_comes_out_whole(cache_dir, segmenter):
    tokenizer = make(cache_dir, segmenter=segmenter)
    alone = tokenizer.tokenize(THEME_WORDS)
    in_clause = tokenizer.tokenize([f"今年，{w}。" for w in THEME_WORDS])
    assert [w for w, ts in zip(THEME_WORDS, alone) if ts != [w]] == []
    assert [w for w, ts in zip(THEME_WORDS, in_clause) if ts != [w]] == []


# -- slogans ----------------------------------------------------------------------------------------------


def test_slogans_are_cut_out_longest_first_before_segmentation(cache_dir):
    tokenizer = make(cache_dir, extra_slogans=["中国特色社会主义", "社会主义"])
    text = "坚持以习近平新时代中国特色社会主义思想为指导，走在前作表率，发展中国特色社会主义。"
    explained = tokenizer.explain(text)
    hits = [token for token, reason in explained if reason == "slogan"]
    assert hits == ["习近平新时代中国特色社会主义思想", "走在前作表率", "中国特色社会主义"]
    kept = [token for token, reason in explained if reason == ""]
    assert not {"前作", "表率", "特色", "中国"} & set(kept)


def test_slogan_hits_are_the_longest_phrase_at_each_place_in_real_text(shared_corpora):
    # the reference: at each character, the longest listed phrase starting there, else the next character
    extra = ["中国特色社会主义", "社会主义", "高质量发展", "高质量", "新时代"]
    tokenizer = Tokenizer(TokenizerSettings(segmenter="jieba-rs", extra_slogans=extra), cache=False)
    phrases = tokenizer.lexicons.words("slogans")
    lengths = sorted({len(p) for p in phrases}, reverse=True)

    def longest_first(text: str) -> list[str]:
        hits, i = [], 0
        while i < len(text):
            hit = next((text[i:i + n] for n in lengths if text[i:i + n] in phrases), "")
            if hit:
                hits.append(hit)
            i += len(hit) or 1
        return hits

    texts = [u.text for u in load_units([shared_corpora / "hailar_district_gwr"])]
    results = tokenizer.tokenize_detailed(texts)
    assert sum(len(r.slogan_hits) for r in results) > 100
    assert [r.slogan_hits for r in results] == [longest_first(text) for text in texts]


def test_slogan_cut_does_not_glue_the_neighbours(cache_dir):
    # with the slogan simply deleted, 加 and 快 would meet and could form a new word
    tokenizer = make(cache_dir, extra_slogans=["两个确立"], min_chars=1, stopwords=False, fillers=False)
    assert tokenizer.tokenize(["加两个确立快"]) == [["加", "快"]]


def test_slogans_can_be_switched_off_and_extended_from_a_file(cache_dir, tmp_path):
    text = "我们走在前作表率，推动青货出青行动。"
    assert "表率" not in make(cache_dir, fillers=False).tokenize([text])[0]
    off = make(cache_dir, slogans=False, fillers=False).tokenize([text])[0]
    assert {"前作", "表率"} <= set(off)
    extra = tmp_path / "more_slogans.txt"
    extra.write_text("# version: 1\n青货出青\n", encoding="utf-8")
    result = make(cache_dir, slogan_lists=[str(extra)]).tokenize_detailed([text])[0]
    assert result.slogan_hits == ["走在前作表率", "青货出青"]


# -- filters -------------------------------------------------------------------------------------------


def test_explain_gives_a_reason_for_every_dropped_token(cache_dir):
    tokenizer = make(cache_dir)
    explained = dict(tokenizer.explain("我们加强了3个河湖长制，GDP增长5.2%，生态文明！"))
    assert explained["河湖长制"] == "" and explained["gdp"] == "" and explained["生态文明"] == ""
    assert explained["我们"] == "stopword" and explained["加强"] == "filler"
    assert explained["5.2%"] == "number" or explained["5.2"] == "number"
    assert explained["！"] == "punctuation" and explained["，"] == "punctuation"
    assert explained["了"] == "stopword"


def test_counts_of_removed_tokens_add_up(cache_dir):
    text = "我们加强了3个河湖长制，GDP增长5.2%。"
    tokenizer = make(cache_dir)
    result = tokenizer.tokenize_detailed([text])[0]
    dropped = [reason for _, reason in tokenizer.explain(text) if reason]
    assert sum(result.removed.values()) == len(dropped)


def test_numbers_min_chars_latin_options(cache_dir):
    text = "2023年完成投资12.5亿元，5G基站和PM2.5监测，水。"
    default = make(cache_dir, fillers=False).tokenize([text])[0]
    assert "2023" not in default and "12.5" not in default and "水" not in default
    assert "5g" in default and "pm2.5" in default  # Latin kept, lower-cased
    numbers = make(cache_dir, fillers=False, keep_numbers=True).tokenize([text])[0]
    assert "2023" in numbers and "12.5" in numbers
    single = make(cache_dir, fillers=False, stopwords=False, min_chars=1).tokenize([text])[0]
    assert "水" in single and "年" in single
    no_latin = make(cache_dir, fillers=False, keep_latin=False, lowercase=False).tokenize([text])[0]
    assert not any(re.search("[A-Za-z]", t) for t in no_latin)
    upper = make(cache_dir, fillers=False, lowercase=False).tokenize([text])[0]
    assert "5G" in upper


def test_stopwords_and_fillers_switch_off_and_extend(cache_dir, tmp_path):
    text = "我们持续推进乡村振兴和城市更新工作。"
    default = make(cache_dir).tokenize([text])[0]
    assert default == ["乡村振兴", "城市更新"]
    no_fillers = make(cache_dir, fillers=False).tokenize([text])[0]
    assert {"持续", "推进", "工作"} <= set(no_fillers) and "我们" not in no_fillers
    no_stop = make(cache_dir, stopwords=False, fillers=False).tokenize([text])[0]
    assert "我们" in no_stop
    more = tmp_path / "stop.txt"
    more.write_text("城市更新\n", encoding="utf-8")
    assert make(cache_dir, stopword_lists=[str(more)]).tokenize([text])[0] == ["乡村振兴"]
    assert make(cache_dir, extra_stopwords=["乡村振兴"]).tokenize([text])[0] == ["城市更新"]


def test_user_dictionary_keeps_a_new_word_whole_without_leaking(cache_dir, tmp_path):
    text = "助力青货出青。"
    words = tmp_path / "mine.txt"
    words.write_text("青货出青 nz\n", encoding="utf-8")
    for segmenter in SEGMENTERS:
        plain = make(cache_dir, segmenter=segmenter).tokenize([text])[0]
        assert "青货出青" not in plain
        assert "青货出青" in make(cache_dir, segmenter=segmenter, user_dictionaries=[str(words)]).tokenize([text])[0]
    assert "河湖长制" not in jieba.lcut("持续优化河湖长制")  # jieba's global tokenizer never sees our words


@pytest.mark.parametrize("segmenter", SEGMENTERS)
def test_part_of_speech_filter(cache_dir, segmenter):
    text = "我们大力建设美丽乡村，积极发展数字经济，改善河湖长制。"
    nouns = make(cache_dir, segmenter=segmenter, pos_filter=["n"]).tokenize([text])[0]
    everything = make(cache_dir, segmenter=segmenter).tokenize([text])[0]
    assert "河湖长制" in nouns and "数字经济" in nouns  # policy terms are tagged nz
    assert "改善" in everything and "改善" not in nouns  # a verb
    tokenizer = make(cache_dir, segmenter=segmenter, pos_filter=["n"])
    assert ("改善", "pos") in tokenizer.explain(text)


def test_phrases_join_frequent_collocations(cache_dir):
    texts = ["西宁 盐湖 产业 基地 建设。", "盐湖 产业 发展 很快。", "做强 盐湖 产业 集群。"] * 4 + ["盐湖 旅游。", "产业 工人。"]
    settings = dict(stopwords=False, fillers=False, phrases=True, phrases_min_count=3, phrases_threshold=1.0)
    tokenizer = make(cache_dir, **settings)
    joined = tokenizer.tokenize(texts)
    assert "盐湖产业" in joined[0] and "盐湖" in joined[-2]
    assert tokenizer.phrases_ is not None
    assert "盐湖产业" in tokenizer.tokenize(["盐湖 产业 升级。"])[0]  # learned phrases are reused


def test_units_left_empty_are_kept_and_flagged(cache_dir):
    results = make(cache_dir).tokenize_detailed(["的了吗？", "", "乡村振兴。"])
    assert [r.empty for r in results] == [True, True, False]
    assert results[0].tokens == [] and results[0].removed["stopword"] == 3


def test_part_of_speech_filter_accepts_prefixes_of_jiebas_tags():
    assert TokenizerSettings.from_dict({"pos_filter": ["n", "nr", "vn", "v", "eng"]}).pos_filter == ["n", "nr", "vn", "v", "eng"]
    tags = {tag for _, tag in ADAPTERS["jieba-rs"].build([], [], hmm=True, jieba_dir=None, pos=True).tag(
        "我们今天在北京吃了3个苹果和GDP，嗯。")}
    assert tags <= set(POS_TAGS)


# -- the segmenter table ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SEGMENTERS)
def test_every_adapter_builds_cuts_tags_and_names_its_engine(name, tmp_path):
    adapter = ADAPTERS[name]
    assert adapter.engine_version() == f"{adapter.package} {version(adapter.package)}"
    words = tmp_path / "mine.txt"
    words.write_text("青货出青 nz\n", encoding="utf-8")
    segmenter = adapter.build([load_user_dictionary(words)], ["成果转化"], hmm=True, jieba_dir=tmp_path, pos=True)
    assert list(segmenter.cut("助力青货出青，推动成果转化。")) == ["助力", "青货出青", "，", "推动", "成果转化", "。"]
    assert dict(segmenter.tag("推动成果转化，青货出青"))["成果转化"] == "nz"  # a new word gets the dictionary's default tag
    plain = adapter.build([], [], hmm=True, jieba_dir=tmp_path, pos=False)
    assert "成果转化" not in list(plain.cut("推动成果转化。"))  # one adapter's words never reach another
    assert SEGMENTERS == tuple(ADAPTERS)


# -- the theme lexicon's words in the segmenter's dictionary ----------------------------------------------


@pytest.fixture(scope="module")
def city_texts(shared_corpora) -> list[str]:
    return [u.text for u in load_units([shared_corpora / "city_gwr_2024"])]


@pytest.mark.parametrize("segmenter", SEGMENTERS)
def test_lexicon_words_come_out_whole_in_real_text(city_texts, segmenter):
    # 科技成果转化 is a policy term of its own, and 科研成果 a dictionary word that still wins against a
    # word added with a just-high-enough frequency; the other mentions are what jieba cuts into 成果 / 转化
    units = [text for text in city_texts if re.search("(?<!科技|科研)成果转化", text)]
    assert len(units) >= 20
    settings = TokenizerSettings(segmenter=segmenter)
    without = Tokenizer(settings, cache=False).tokenize(units)
    with_words = Tokenizer(settings, lexicon_words=["成果转化"], cache=False).tokenize(units)
    assert not any("成果转化" in tokens for tokens in without)
    assert all("成果转化" in tokens for tokens in with_words)


def test_the_package_lexicon_words_are_whole_already_and_change_no_token(sample_path):
    words = Lexicon.load().words()
    texts = [u.text for u in load_units([sample_path])]
    tokenizer = Tokenizer(lexicon_words=words, cache=False)
    assert tokenizer.unsplittable(words) == {}
    assert tokenizer.tokenize(texts) == Tokenizer(cache=False).tokenize(texts)


def test_unsplittable_names_each_word_that_cannot_come_out_whole():
    words = ["成果转化", "推进", "我们", "水", "十大", "乡村振兴", "河湖长制", "走在前作表率"]
    reasons = Tokenizer(cache=False).unsplittable(words)
    assert reasons == {
        "成果转化": "split into 成果 / 转化",
        "推进": "dropped as filler",
        "我们": "dropped as stopword",
        "水": "shorter than min_chars (2)",
        "十大": "number (keep_numbers is off)",
        "走在前作表率": "cut out as a slogan",
    }
    assert "成果转化" not in Tokenizer(lexicon_words=["成果转化"], cache=False).unsplittable(words)
    nouns = Tokenizer(TokenizerSettings(pos_filter=["n"]), cache=False).unsplittable(["改善"])
    assert nouns == {"改善": "part of speech 'v' is not in pos_filter"}


def test_lexicon_words_are_part_of_the_fingerprint_only_when_given(tmp_path):
    plain = Tokenizer(cache_dir=tmp_path)
    assert Tokenizer(lexicon_words=[], cache_dir=tmp_path).fingerprint() == plain.fingerprint()
    # the fingerprint of a tokenizer without lexicon words is the one caches were written under before
    # lexicon words existed, so those caches stay valid
    settings = TokenizerSettings().to_dict()
    for name in ("user_dictionaries", "stopword_lists", "slogan_lists", "cache"):
        settings.pop(name)
    earlier = {
        "version": "1",
        "engine": ADAPTERS["jieba"].engine_version(),
        "settings": settings,
        "dictionaries": [d.digest for d in plain.lexicons.dictionaries],
        "lists": [(kind, wl.digest) for kind, wl in plain.lexicons.lists],
    }
    assert plain.fingerprint() == hashlib.sha256(json.dumps(earlier, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:20]
    words = Tokenizer(lexicon_words=["成果转化", "未来产业"], cache_dir=tmp_path)
    assert words.fingerprint() != plain.fingerprint()
    assert Tokenizer(lexicon_words=["未来产业", "成果转化", "未来产业"], cache_dir=tmp_path).fingerprint() == words.fingerprint()
    text = ["推动成果转化。"]
    assert plain.tokenize(text) == [["转化"]]  # 成果 is a filler
    assert words.tokenize(text) == [["成果转化"]]  # not the cached tokens of the tokenizer without the words
    assert words.stats["segmented"] == 1


def test_lexicon_words_must_be_words():
    with pytest.raises(InputError, match="lexicon_words: entries are single words without spaces, got '成果 转化'"):
        Tokenizer(lexicon_words=["成果 转化"], cache=False)
    with pytest.raises(InputError, match="lexicon_words: expected a list of words"):
        Tokenizer(lexicon_words="成果转化", cache=False)


# -- both segmenters ------------------------------------------------------------------------------------


def test_jieba_rs_agrees_with_jieba_on_real_text(shared_corpora, cache_dir):
    units = load_units([shared_corpora / "province_gwr_2026"])[:720]  # some 20,000 words, long units cut
    texts = [u.text for u in units]
    py = make(cache_dir, segmenter="jieba").tokenize(texts)
    rs = make(cache_dir, segmenter="jieba-rs").tokenize(texts)
    chinese = sum(len([t for t in a if HAN.search(t)]) for a in py)
    differing = sum(1 for a, b in zip(py, rs) if a != b)
    assert chinese > 20_000
    assert differing <= len(texts) // 100, f"{differing} of {len(texts)} units differ"


# -- cache and workers ------------------------------------------------------------------------------------


def test_rerun_reads_the_cache_and_never_segments_twice(seed_units, tmp_path):
    texts = [u.text for u in seed_units]
    first = Tokenizer(cache_dir=tmp_path)
    tokens = first.tokenize(texts)
    assert first.stats["segmented"] == len(set(texts)) and first.stats["cache_hits"] == 0
    second = Tokenizer(cache_dir=tmp_path)
    assert second.tokenize(texts) == tokens
    assert second.stats["segmented"] == 0 and second.stats["cache_hits"] == len(set(texts))
    assert second._pipeline is None  # a fully cached run never even loads jieba


def test_cache_key_follows_settings_and_lexicon_contents(tmp_path):
    texts = ["持续优化营商环境和河湖长制。"]
    Tokenizer(cache_dir=tmp_path).tokenize(texts)
    other_setting = Tokenizer(TokenizerSettings(min_chars=1), cache_dir=tmp_path)
    other_setting.tokenize(texts)
    assert other_setting.stats["segmented"] == 1
    words = tmp_path / "mine.txt"
    words.write_text("营商\n", encoding="utf-8")
    settings = TokenizerSettings(user_dictionaries=[str(words)])
    before = Tokenizer(settings, cache_dir=tmp_path)
    before.tokenize(texts)
    words.write_text("营商环境和\n", encoding="utf-8")  # same path, new content
    after = Tokenizer(settings, cache_dir=tmp_path)
    assert after.fingerprint() != before.fingerprint()
    after.tokenize(texts)
    assert after.stats["segmented"] == 1


def test_no_cache_stores_nothing(tmp_path):
    tokenizer = Tokenizer(cache_dir=tmp_path, cache=False)
    tokenizer.tokenize(["乡村振兴。", "乡村振兴。"])
    assert not (tmp_path / "tokens.sqlite3").exists()
    assert tokenizer.stats["segmented"] == 1  # identical texts are segmented once anyway


def test_cache_setting_is_honoured_unless_the_argument_says_otherwise(tmp_path):
    off = TokenizerSettings.from_dict({"cache": False})
    Tokenizer(off, cache_dir=tmp_path).tokenize(["乡村振兴。"])
    assert not (tmp_path / "tokens.sqlite3").exists()
    Tokenizer(off, cache_dir=tmp_path, cache=True).tokenize(["乡村振兴。"])
    assert (tmp_path / "tokens.sqlite3").exists()
    again = Tokenizer(TokenizerSettings(), cache_dir=tmp_path)
    assert again.tokenize(["乡村振兴。"]) == [["乡村振兴"]] and again.stats["cache_hits"] == 1
    # the setting changes no token, so it is not part of the fingerprint
    assert Tokenizer(off, cache=False).fingerprint() == Tokenizer(TokenizerSettings(), cache=False).fingerprint()


def test_a_damaged_cache_names_the_file_and_the_ways_out(tmp_path):
    (tmp_path / "tokens.sqlite3").write_bytes(b"not a database, just some bytes " * 200)
    with pytest.raises(InputError) as error:
        Tokenizer(cache_dir=tmp_path).tokenize(["乡村振兴。"])
    message = str(error.value)
    assert message.startswith(f"{tmp_path / 'tokens.sqlite3'}: the token cache cannot be used")
    for way_out in ("delete that file", "TOPICS_CACHE_DIR", "`cache = false` under [tokenizer]", "--no-cache"):
        assert way_out in message
    assert Tokenizer(TokenizerSettings(cache=False), cache_dir=tmp_path).tokenize(["乡村振兴。"]) == [["乡村振兴"]]


def test_tests_keep_their_token_cache_out_of_the_users_home(private_token_cache, tmp_path_factory):
    assert default_cache_dir() == private_token_cache
    assert private_token_cache.is_relative_to(tmp_path_factory.getbasetemp())
    tokenizer = Tokenizer()
    tokenizer.tokenize(["乡村振兴。"])
    assert tokenizer.cache_dir == private_token_cache and (private_token_cache / "tokens.sqlite3").is_file()


def test_repeated_texts_get_independent_results(tmp_path):
    results = Tokenizer(cache_dir=tmp_path).tokenize(["乡村振兴。", "乡村振兴。"])
    results[0].append("x")
    assert results[1] == ["乡村振兴"]


def test_default_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("TOPICS_CACHE_DIR", str(tmp_path / "here"))
    assert default_cache_dir() == tmp_path / "here"
    monkeypatch.delenv("TOPICS_CACHE_DIR")
    assert default_cache_dir() == Path.home() / ".cache" / "topics"


def test_two_processes_share_one_cache_safely_and_quietly(cache_dir):
    script = (
        "import sys; from topics.tokenize import Tokenizer; "
        "texts = [f'第{i}项：持续推进乡村振兴和营商环境建设。' for i in range(1500)]; "
        "print(sum(map(len, Tokenizer(cache_dir=sys.argv[1]).tokenize(texts))))"
    )
    procs = [subprocess.Popen([sys.executable, "-c", script, str(cache_dir)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [proc.communicate(timeout=120) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], outputs
    assert outputs[0][0] == outputs[1][0]
    assert outputs[0][1] == "" and outputs[1][1] == ""  # and jieba printed nothing on stderr
    assert list((cache_dir / "jieba").glob("jieba-*.cache"))  # its dictionary cache went to our cache folder


@pytest.mark.parametrize("segmenter", SEGMENTERS)
def test_two_workers_give_the_same_tokens_as_one(shared_corpora, segmenter):
    texts = [u.text for u in load_units([shared_corpora / "province_gwr_2026"])][:1500]
    assert sum(map(len, texts)) > 100_000  # large enough for worker processes to start
    settings, words = TokenizerSettings(segmenter=segmenter), ["成果转化", "未来产业"]
    one = Tokenizer(settings, lexicon_words=words, cache=False, workers=1).tokenize(texts)
    two = Tokenizer(settings, lexicon_words=words, cache=False, workers=2).tokenize(texts)
    assert one == two
    assert any("未来产业" in tokens for tokens in two)  # the workers' segmenters have the lexicon words too


# -- settings and errors --------------------------------------------------------------------------------------


def test_settings_round_trip_and_fingerprint():
    settings = TokenizerSettings(segmenter="jieba-rs", min_chars=1, pos_filter=["n", "v"], extra_stopwords=["城区"])
    again = TokenizerSettings.from_dict(settings.to_dict())
    assert again == settings
    assert Tokenizer(again, cache=False).fingerprint() == Tokenizer(settings, cache=False).fingerprint()
    assert Tokenizer(TokenizerSettings(), cache=False).fingerprint() != Tokenizer(settings, cache=False).fingerprint()


@pytest.mark.parametrize(
    "data, message",
    [
        ({"segmentr": "jieba"}, "tokenizer.segmentr: unknown tokenizer setting (valid: segmenter, hmm"),
        ({"segmenter": "thulac"}, "tokenizer.segmenter: unknown segmenter 'thulac' (valid: jieba, jieba-rs)"),
        ({"min_chars": "2"}, "tokenizer.min_chars: must be a whole number"),
        ({"min_chars": 0}, "tokenizer.min_chars: must be >= 1"),
        ({"stopwords": "yes"}, "tokenizer.stopwords: must be true or false"),
        ({"user_dictionaries": "terms.txt"}, "tokenizer.user_dictionaries: must be a list of strings"),
        ({"pos_filter": ["n1"]}, "tokenizer.pos_filter: part-of-speech tags are letters"),
        ({"pos_filter": ["n", "zz"]}, "tokenizer.pos_filter: unknown part-of-speech tag 'zz'; give prefixes of jieba's tags: a, ad,"),
        ({"pos_filter": ["N"]}, "tokenizer.pos_filter: unknown part-of-speech tag 'N'"),
        ({"cache": "no"}, "tokenizer.cache: must be true or false"),
        ({"extra_slogans": ["两个 确立"]}, "tokenizer.extra_slogans: entries are single words"),
    ],
)
def test_bad_settings_name_the_key(data, message):
    with pytest.raises(InputError) as error:
        TokenizerSettings.from_dict(data)
    assert str(error.value).startswith(message)


def test_bad_lexicon_paths_and_workers(tmp_path):
    with pytest.raises(InputError, match="nope.txt: lexicon file not found"):
        Tokenizer(TokenizerSettings(user_dictionaries=[str(tmp_path / "nope.txt")]), cache=False)
    bad = tmp_path / "bad.txt"
    bad.write_text("河湖长制\n零工驿站 12x\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.txt:2: "):
        Tokenizer(TokenizerSettings(user_dictionaries=[str(bad)]), cache=False)
    with pytest.raises(InputError, match="workers: must be a whole number >= 1"):
        Tokenizer(workers=0, cache=False)
    with pytest.raises(InputError, match="unknown segmenter 'x'"):
        Tokenizer(TokenizerSettings(segmenter="x"), cache=False)


def test_tokens_file_round_trip_and_errors(seed_units, tmp_path, cache_dir):
    results = make(cache_dir).tokenize_detailed([u.text for u in seed_units])
    path = tmp_path / "tokens.jsonl"
    write_tokens(seed_units, results, path)
    units, token_lists = read_tokens(path)
    assert [u.unit_id for u in units] == [u.unit_id for u in seed_units]
    assert token_lists == [r.tokens for r in results]
    record = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    assert {"tokens", "empty", "slogan_hits", "unit_id", "text"} <= set(record)
    path.write_text(path.read_text(encoding="utf-8") + '{"unit_id": "x"}\n', encoding="utf-8")
    with pytest.raises(InputError, match=rf"tokens.jsonl:{len(seed_units) + 1}: not a tokens record"):
        read_tokens(path)


def test_tokens_file_is_the_unit_fields_then_the_tokens_byte_for_byte(shared_corpora, tmp_path):
    # the record of every field as dataclasses.asdict gave it (the span as a list), then the tokens: the
    # file tokens.jsonl was before Unit.to_json wrote the fields out itself
    units = load_units([shared_corpora / "province_gwr_2026"])
    results = Tokenizer(TokenizerSettings(segmenter="jieba-rs"), cache=False).tokenize_detailed([u.text for u in units])
    path = tmp_path / "tokens.jsonl"
    write_tokens(units, results, path)
    expected = "".join(
        json.dumps({**asdict(unit), "span": list(unit.span), "tokens": result.tokens, "empty": result.empty,
                    "slogan_hits": len(result.slogan_hits)}, ensure_ascii=False) + "\n"
        for unit, result in zip(units, results)
    )
    assert any(unit.meta.get("columns") for unit in units) and sum(len(r.tokens) for r in results) > 100_000
    assert path.read_text(encoding="utf-8") == expected
    assert list(units[0].to_json()) == [f.name for f in fields(Unit)]


@pytest.mark.parametrize("pos_filter", [[], ["n", "v", "vn"]])
@pytest.mark.parametrize("segmenter", SEGMENTERS)
def test_each_text_keeps_and_counts_what_explain_says_of_each_word(shared_corpora, segmenter, pos_filter):
    # explain judges word by word afresh; tokenizing remembers each word's verdict from text to text
    texts = [u.text for u in load_units([shared_corpora / "hailar_district_gwr"])]
    tokenizer = Tokenizer(TokenizerSettings(segmenter=segmenter, pos_filter=pos_filter), cache=False)
    results = tokenizer.tokenize_detailed(texts)
    assert sum(bool(r.removed) for r in results) > len(texts) / 2
    for text, result in zip(texts, results):
        verdicts = tokenizer.explain(text)
        assert result.tokens == [word for word, reason in verdicts if not reason]
        assert list(result.removed.items()) == list(Counter(reason for _, reason in verdicts if reason).items())
        assert result.slogan_hits == [word for word, reason in verdicts if reason == "slogan"]


# -- the command ----------------------------------------------------------------------------------------------


@pytest.fixture()
def units_file(seed_units, tmp_path) -> Path:
    path = tmp_path / "units.jsonl"
    empty = Unit(doc_id="x", unit_id="x:u000", kind="paragraph", heading="", text="的了吗？")
    with open(path, "w", encoding="utf-8") as out:
        for unit in [*seed_units, empty]:
            out.write(json.dumps(unit.to_json(), ensure_ascii=False) + "\n")
    return path


def test_tokenize_command_writes_tokens_and_a_summary(units_file, tmp_path, capsys, cache_dir):
    output = tmp_path / "tokens.jsonl"
    code = main(["tokenize", str(units_file), "-o", str(output), "--cache-dir", str(cache_dir), "--segmenter", "jieba-rs"])
    assert code == 0
    records = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert len(records) == len(units_file.read_text(encoding="utf-8").splitlines())
    assert records[-1]["empty"] is True and records[-1]["tokens"] == []
    assert all(isinstance(r["tokens"], list) for r in records)
    out = capsys.readouterr().out
    assert "1 units left empty" in out and "slogan" in out and "jieba-rs" in out


def test_tokenize_command_options(units_file, tmp_path, capsys):
    settings = tmp_path / "settings.toml"
    settings.write_text('[tokenizer]\nmin_chars = 1\nfillers = false\n', encoding="utf-8")
    output = tmp_path / "tokens.jsonl"
    code = main(["tokenize", str(units_file), "-o", str(output), "--no-cache", "--settings", str(settings),
                 "--no-slogans", "--keep-numbers", "--segmenter", "jieba-rs"])
    assert code == 0
    tokens = {t for line in output.read_text(encoding="utf-8").splitlines() for t in json.loads(line)["tokens"]}
    assert {"前作", "表率", "加强"} <= tokens
    assert "cache: off" in capsys.readouterr().out


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--segmenter", "thulac"], "unknown segmenter 'thulac' (valid: jieba, jieba-rs)"),
        (["--user-dict", "missing.txt"], "missing.txt: lexicon file not found"),
        (["--workers", "0"], "--workers must be an integer >= 1, got 0"),
        (["--pos", "n,zz"], "--pos n,zz: unknown part-of-speech tag 'zz'"),  # the option, not the settings key
        (["--user-dict", "folder"], "folder: is a folder, expected a file"),
        (["--settings", "folder"], "folder: is a folder, expected a file"),
        (["--themes", "folder"], "folder: is a folder, expected a file"),
        (["--themes", "folder", "--no-themes"], "--themes and --no-themes: give one or the other"),
    ],
)
def test_tokenize_command_bad_input_is_one_line(units_file, tmp_path, extra, message):
    (tmp_path / "folder").mkdir()
    proc = subprocess.run(
        [sys.executable, "-m", "topics", "tokenize", str(units_file), "-o", str(tmp_path / "t.jsonl"), "--no-cache", *extra],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert proc.returncode == 2
    assert message in proc.stderr and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


@pytest.mark.parametrize("units, message", [("empty.jsonl", "empty.jsonl: empty file, no units to tokenize"),
                                            ("folder", "folder: is a folder, expected a file")])
def test_tokenize_command_refuses_an_empty_or_folder_units_file(tmp_path, capsys, units, message):
    (tmp_path / "empty.jsonl").write_text("\n", encoding="utf-8")
    (tmp_path / "folder").mkdir()
    assert main(["tokenize", str(tmp_path / units), "-o", str(tmp_path / "t.jsonl"), "--no-cache"]) == 2
    error = capsys.readouterr().err
    assert message in error and error.count("\n") == 1
    assert not (tmp_path / "t.jsonl").exists()


def test_tokenize_command_keeps_theme_words_whole_and_warns_of_those_it_cannot(units_file, tmp_path, capsys):
    themes = tmp_path / "themes.toml"
    themes.write_text('[themes.industry]\nwords = ["成果转化", "未来产业", "推进", "产业"]\n\n'
                      '[themes.ecology]\nwords = ["生态", "水", "我们"]\n', encoding="utf-8")
    output = tmp_path / "tokens.jsonl"
    units_file.write_text(units_file.read_text(encoding="utf-8") + json.dumps(
        Unit(doc_id="y", unit_id="y:u000", kind="paragraph", heading="", text="推动成果转化，培育未来产业。").to_json(),
        ensure_ascii=False) + "\n", encoding="utf-8")
    assert main(["tokenize", str(units_file), "-o", str(output), "--no-cache", "--themes", str(themes)]) == 0
    captured = capsys.readouterr()
    assert captured.err.count("warning:") == 1
    warning = next(line for line in captured.err.splitlines() if line.startswith("warning:"))
    assert warning.startswith("warning: 3 theme lexicon words cannot come out as one token")
    assert "推进 (dropped as filler)" in warning and "水 (shorter than min_chars (2))" in warning
    assert "我们 (dropped as stopword)" in warning and "成果转化" not in warning
    last = json.loads(output.read_text(encoding="utf-8").splitlines()[-1])
    assert last["tokens"] == ["成果转化", "未来产业"]
    assert "theme lexicon words: 7" in captured.out
    assert main(["tokenize", str(units_file), "-o", str(output), "--no-cache", "--no-themes"]) == 0
    assert json.loads(output.read_text(encoding="utf-8").splitlines()[-1])["tokens"] == ["转化", "产业"]


def test_tokenize_command_names_unknown_settings_key_and_bad_units_line(units_file, tmp_path, capsys):
    settings = tmp_path / "settings.toml"
    settings.write_text("min_char = 1\n", encoding="utf-8")
    assert main(["tokenize", str(units_file), "-o", str(tmp_path / "t.jsonl"), "--no-cache", "--settings", str(settings)]) == 2
    assert f"{settings}: tokenizer.min_char: unknown tokenizer setting" in capsys.readouterr().err
    units_file.write_text(units_file.read_text(encoding="utf-8") + "not json\n", encoding="utf-8")
    assert main(["tokenize", str(units_file), "-o", str(tmp_path / "t.jsonl"), "--no-cache"]) == 2
    assert f"{units_file}:" in capsys.readouterr().err
