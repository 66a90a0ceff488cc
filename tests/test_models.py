"""Every model × every contract: result shape, reproducibility, transform, save/load, perplexity
(LDA family only), parameter checks and bad input. Fitted on the bundled sample with small
settings; one test trains on the sample plus real city reports."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from model_helpers import FAST_PARAMS, sample_units_and_tokens, seed_theme_rows, units_and_tokens
from topics import OTHER, UNMAPPED
from topics.errors import InputError
from topics.models import MODEL_NAMES, MODELS, load_model, make_model, model_params
from topics.lexicon import Lexicon
from topics.assignment import assignments
from topics.mapping import MappingSettings, apply_mapping
from topics.vectorize import build_corpus

LDA_FAMILY = ("lda", "sklearn-lda", "seeded-lda")
SEEDED = ("seeded-lda", "seeded-nmf", "dictionary")


@pytest.fixture(scope="module")
def sample():
    units, tokens = sample_units_and_tokens()
    corpus = build_corpus(tokens, no_below=1, no_above=0.9)
    return units, tokens, corpus, Lexicon.load().themes


def mapped(model):
    """The fitted model with its topics mapped to themes (the stage after fitting)."""
    apply_mapping(model.result_, model.lexicon_)
    return model


def sample_labels(corpus):
    """The weak labels of a corpus of the sample's units, one per row (for models that need labels)."""
    units = sample_units_and_tokens()[0]
    return [units[i].weak_label for i in corpus.kept]


def fit(name, corpus, themes, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # seed words missing from a small sample's vocabulary
        return mapped(make_model(name, **{**FAST_PARAMS[name], **params}).fit(corpus, themes,
                                                                              labels=sample_labels(corpus)))


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_result_has_the_shared_shape(sample, name):
    units, tokens, corpus, themes = sample
    model = fit(name, corpus, themes)
    result = model.result_
    n, v = corpus.matrix.shape
    k = result.k
    assert result.model_name == name and result.vocab == corpus.vocab
    assert result.topic_word.shape == (k, v) and result.doc_topic.shape == (n, k)
    for matrix in (result.topic_word, result.doc_topic):
        assert np.allclose(matrix.sum(axis=1), 1.0)
        assert (matrix > 0).all()  # LDAvis takes logs: no exact zeros
    assert result.topic_ids == list(range(k))
    assert len(result.topic_themes) == k and set(result.topic_themes) <= set(themes) | {UNMAPPED, OTHER}
    assert np.array_equal(result.doc_lengths, corpus.doc_lengths)
    assert np.array_equal(result.term_frequency, corpus.term_frequency)
    assert result.params == model.get_params()
    if "k" in FAST_PARAMS[name]:
        assert k == FAST_PARAMS[name]["k"]


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_same_seed_gives_identical_topics_and_assignments(sample, name):
    units, tokens, corpus, themes = sample
    kept = [units[i] for i in corpus.kept]
    seed = {"random_state": 7} if "random_state" in MODELS[name].param_rules else {}
    fits = [fit(name, corpus, themes, **seed) for _ in range(3)]
    first = fits[0].result_
    for other in fits[1:]:
        assert np.array_equal(other.result_.topic_word, first.topic_word)
        assert np.array_equal(other.result_.doc_topic, first.doc_topic)
        assert other.result_.topic_themes == first.topic_themes
        pd.testing.assert_frame_equal(assignments(other.result_, kept), assignments(first, kept))


@pytest.mark.parametrize("name", [n for n in MODEL_NAMES if not MODELS[n].deterministic])
def test_another_seed_gives_other_topics(sample, name):
    units, tokens, corpus, themes = sample
    a, b = fit(name, corpus, themes, random_state=1), fit(name, corpus, themes, random_state=2)
    assert not np.array_equal(a.result_.topic_word, b.result_.topic_word)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_transform_new_token_lists(sample, name):
    units, tokens, corpus, themes = sample
    model = fit(name, corpus, themes)
    kept_tokens = [tokens[i] for i in corpus.kept]
    shares = model.transform(kept_tokens)
    assert shares.shape == model.result_.doc_topic.shape
    assert np.allclose(shares.sum(axis=1), 1.0) and (shares > 0).all()
    assert np.array_equal(model.transform(kept_tokens), shares)  # asking twice gives the same answer
    # the training units get (nearly always) the same theme from transform as from the fit
    kept = [units[i] for i in corpus.kept]
    fitted = assignments(model.result_, kept)["theme"]
    transformed = assignments(model.result_, kept, doc_topic=shares)["theme"]
    assert (fitted == transformed).mean() >= 0.8
    # units with no known word still get a distribution, and known_tokens says so
    odd = model.transform([["完全陌生的词"], []])
    assert odd.shape == (2, model.result_.k) and np.allclose(odd.sum(axis=1), 1.0)
    assert model.known_tokens([["完全陌生的词"], kept_tokens[0]]).tolist() == [0, len(kept_tokens[0])]
    assert model.transform([]).shape == (0, model.result_.k)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_save_and_load_give_the_same_model(sample, name, tmp_path):
    units, tokens, corpus, themes = sample
    model = fit(name, corpus, themes)
    settings = {"segmenter": "jieba", "extra_stopwords": ["某词"]}
    model.save(tmp_path / name, tokenizer_settings=settings)
    assert {"model.json", "lexicon.toml", "result.json", "result.npz"} <= {p.name for p in (tmp_path / name).iterdir()}
    saved = json.loads((tmp_path / name / "model.json").read_text(encoding="utf-8"))
    assert saved["model"] == name and saved["tokenizer_settings"] == settings
    assert Lexicon.from_dict(saved["lexicon"]) == model.lexicon_ == Lexicon.load(tmp_path / name / "lexicon.toml")

    loaded = load_model(tmp_path / name)
    assert type(loaded) is type(model) and loaded.get_params() == model.get_params()
    assert loaded.themes_ == themes and loaded.lexicon_ == model.lexicon_ and loaded.tokenizer_settings_ == settings
    assert np.array_equal(loaded.result_.topic_word, model.result_.topic_word)
    assert np.array_equal(loaded.result_.doc_topic, model.result_.doc_topic)
    assert loaded.result_.topic_themes == model.result_.topic_themes
    new_text = [tokens[i] for i in corpus.kept][:5] + [["生态", "环境", "就业"]]
    assert np.allclose(loaded.transform(new_text), model.transform(new_text))


@pytest.fixture(scope="module")
def sample_with_lexicon(sample):
    """The sample's vocabulary with every lexicon word kept, as `topics run` builds it."""
    units, tokens, _, themes = sample
    other_words = Lexicon.load().other_words
    corpus = build_corpus(tokens, no_below=1, no_above=0.9, keep_words=Lexicon.load().words())
    return units, tokens, corpus, themes, other_words


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_lexicon_words_the_corpus_never_uses_stay_out_of_the_result_but_survive_saving(sample_with_lexicon, name,
                                                                                         sample, tmp_path):
    units, tokens, corpus, themes, other_words = sample_with_lexicon
    assert corpus.unseen > 100  # a one-page sample uses few of the lexicon's words
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = mapped(make_model(name, **FAST_PARAMS[name]).fit(corpus, themes, other_words, labels=sample_labels(corpus)))
    assert model.result_.vocab == corpus.vocab[:corpus.seen]  # topics show only words of the corpus
    assert model.result_.topic_word.shape[1] == corpus.seen and (model.result_.term_frequency > 0).all()
    loaded = load_model(model.save(tmp_path / name))
    unseen_text = [corpus.vocab[corpus.seen:][:40]]
    assert np.allclose(loaded.transform(unseen_text), model.transform(unseen_text))
    # only the dictionary and seeded LDA (through its prior) know what such words mean; the other
    # models are fitted without them, exactly as without keep_words
    assert model.reads_unseen_words == (name in ("dictionary", "seeded-lda", "seeded-supervised", "pretrained",
                                                 "pretrained-adapted"))
    if model.reads_unseen_words:
        assert model.vocab_ == loaded.vocab_ == corpus.vocab
        assert loaded.known_tokens(unseen_text).tolist() == [40]
    else:
        assert model.vocab_ == loaded.vocab_ == corpus.vocab[:corpus.seen]
        assert loaded.known_tokens(unseen_text).tolist() == [0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            plain = mapped(make_model(name, **FAST_PARAMS[name]).fit(sample[2], themes, other_words,
                                                                      labels=sample_labels(sample[2])))
        assert np.array_equal(plain.result_.topic_word, model.result_.topic_word)


@pytest.mark.parametrize("name", ["dictionary", "seeded-lda"])
def test_a_model_of_a_small_sample_reads_new_text_through_its_lexicon(sample_with_lexicon, name):
    """Text made only of a theme's lexicon words the one-page sample never uses still gets that
    theme: the dictionary counts them, seeded LDA's prior gives them to their theme's topic."""
    units, tokens, corpus, themes, other_words = sample_with_lexicon
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = mapped(make_model(name, **FAST_PARAMS[name]).fit(corpus, themes, other_words))
    unseen = set(corpus.vocab[corpus.seen:])
    texts = {theme: [w for w in words if w in unseen][:6] for theme, words in themes.items()}
    assert all(len(words) == 6 for words in texts.values()), texts
    table = assignments(model.result_, [units[0]] * len(texts), doc_topic=model.transform(list(texts.values())))
    assert table["theme"].tolist() == list(texts)


def test_loading_a_folder_that_is_not_a_model(tmp_path):
    with pytest.raises(InputError, match="not a saved model folder"):
        load_model(tmp_path)


def test_loading_a_damaged_model_file_names_it(sample, tmp_path):
    units, tokens, corpus, themes = sample
    fit("nmf", corpus, themes).save(tmp_path / "nmf")
    model_file = tmp_path / "nmf" / "model.json"
    saved = json.loads(model_file.read_text(encoding="utf-8"))
    for damage in ({"params": {**saved["params"], "no_such_param": 1}}, {"params": None}):
        model_file.write_text(json.dumps({**saved, **damage}), encoding="utf-8")
        with pytest.raises(InputError, match="model.json: damaged or from another version"):
            load_model(tmp_path / "nmf")


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_perplexity_only_for_the_lda_family(sample, name):
    units, tokens, corpus, themes = sample
    model = fit(name, corpus, themes)
    if name not in LDA_FAMILY:
        assert not hasattr(model, "perplexity")
        return
    kept_tokens = [tokens[i] for i in corpus.kept]
    value = model.perplexity(kept_tokens)
    assert np.isfinite(value) and value > 1
    assert model.perplexity(kept_tokens) == value  # reproducible
    with pytest.raises(InputError, match="perplexity needs units with words"):
        model.perplexity([["完全陌生的词"]])


def test_lda_perplexity_is_gensims_bound_in_nats(sample):
    """For a scalar eta our bound is gensim's own; we only fix its per-topic eta sum and base."""
    units, tokens, corpus, themes = sample
    model = fit("lda", corpus, themes)
    held = corpus.bow[:6]
    model.model_.random_state = np.random.RandomState(model.random_state)
    gensim_bound = model.model_.log_perplexity(held, total_docs=model.model_.state.numdocs)
    rows = [corpus.kept[i] for i in range(6)]
    assert model.perplexity([tokens[i] for i in rows]) == pytest.approx(np.exp(-gensim_bound))


@pytest.mark.parametrize("name", ["seeded-lda", "seeded-nmf"])
def test_seeded_models_keep_their_seed_to_topic_mapping(sample, name):
    units, tokens, corpus, themes = sample
    result = fit(name, corpus, themes, k=7).result_
    assert result.topic_themes[: len(themes)] == list(themes)
    for topic, (theme, words) in enumerate(themes.items()):
        top = result.top_words(10)[topic]
        assert set(top) & set(words), f"{name}: topic {topic} ({theme}) shows none of its seed words: {top}"


@pytest.fixture(scope="module")
def provinces(shared_corpora):
    """Ten real provincial reports of 2026: enough text for the other words to form a topic."""
    files = sorted((shared_corpora / "province_gwr_2026").glob("*.txt"))[:10]
    units, tokens = units_and_tokens(tuple(files))
    keep = [i for i, unit in enumerate(units) if unit.kind != "heading"]
    units, tokens = [units[i] for i in keep], [tokens[i] for i in keep]
    return units, tokens, build_corpus(tokens, no_below=3, no_above=0.3), Lexicon.load().themes


@pytest.mark.parametrize("name", ["seeded-lda", "seeded-nmf"])
def test_seeded_models_give_the_other_words_a_topic_of_their_own(provinces, name):
    units, tokens, corpus, themes = provinces
    other_words = Lexicon.load().other_words
    model = mapped(make_model(name, **FAST_PARAMS[name]).fit(corpus, themes, other_words))
    result = model.result_
    assert result.topic_themes[: len(themes) + 1] == [*themes, OTHER]
    top = result.top_words(15)[len(themes)]
    assert len(set(top) & set(other_words)) >= 3, f"{name}: the other topic shows few other words: {top}"
    # the closing paragraph of each report (thanks, calls to unite and strive) is other
    fitted = set(corpus.kept)
    last = [max(i for i, u in enumerate(units) if u.doc_id == doc and i in fitted) for doc in
            dict.fromkeys(u.doc_id for u in units)]
    table = assignments(result, [units[i] for i in corpus.kept])
    row_of = {unit_index: row for row, unit_index in enumerate(corpus.kept)}
    closing = [table["theme"][row_of[i]] for i in last]
    assert closing.count(OTHER) >= 0.7 * len(closing), closing


@pytest.mark.parametrize("name", ["seeded-lda", "seeded-nmf"])
def test_seeded_k_must_leave_a_topic_for_other(provinces, name, tmp_path):
    units, tokens, corpus, themes = provinces
    with pytest.raises(InputError, match=r"k=5 is too small; k must be >= 6, the number of themes \(ecology, .*\) plus one topic "
                                         r"for the lexicon's \[other\] words \(or set other_topic = false\)"):
        mapped(make_model(name, **{**FAST_PARAMS[name], "k": 5}).fit(corpus, themes, Lexicon.load().other_words))
    model = mapped(make_model(name, **{**FAST_PARAMS[name], "k": 5, "other_topic": False}).fit(corpus, themes, Lexicon.load().other_words))
    assert model.result_.topic_themes == list(themes)
    model.save(tmp_path / name)
    loaded = load_model(tmp_path / name)
    assert loaded.other_words_ == Lexicon.load().other_words
    assert np.array_equal(loaded.transform(tokens[:20]), model.transform(tokens[:20]))


@pytest.mark.parametrize("name", ["seeded-lda", "seeded-nmf"])
def test_a_facet_gets_a_seeded_topic_of_its_own_under_its_theme(provinces, name, tmp_path):
    units, tokens, corpus, themes = provinces
    other_words, facets = Lexicon.load().other_words, Lexicon.load().facets
    model = mapped(make_model(name, **{**FAST_PARAMS[name], "k": 7}).fit(corpus, themes, other_words, facets))
    result = model.result_
    assert result.topic_themes == ["ecology", "industry", "industry", "livelihood", "governance", "safety", OTHER]
    agriculture, rest = set(facets["industry"]["agriculture"]), set(themes["industry"]) - set(facets["industry"]["agriculture"])
    facet_top, main_top = set(result.top_words(15)[2]), set(result.top_words(15)[1])
    assert len(facet_top & agriculture) >= 3 and len(facet_top & agriculture) > len(facet_top & rest), facet_top
    assert len(main_top & rest) > len(main_top & agriculture), main_top
    # units about grain and farms go to industry through the facet's topic
    farm_units = [i for i, t in enumerate(tokens) if t.count("粮食") + t.count("农业") + t.count("耕地") >= 3][:10]
    assert len(farm_units) >= 5
    table = assignments(result, [units[i] for i in farm_units], doc_topic=model.transform([tokens[i] for i in farm_units]))
    assert (table["theme"] == "industry").mean() >= 0.8, table["theme"].tolist()
    loaded = load_model(model.save(tmp_path / name))
    assert loaded.facets_ == facets
    with pytest.raises(InputError, match=r"k=6 is too small; k must be >= 7, the number of themes \(.*\) plus their 1 "
                                         r"facet\(s\) plus one topic for the lexicon's \[other\] words"):
        mapped(make_model(name, **{**FAST_PARAMS[name], "k": 6}).fit(corpus, themes, other_words, facets))
    with pytest.raises(InputError, match=r"facets\.farming: not a theme; themes: ecology, industry"):
        mapped(make_model(name, **FAST_PARAMS[name]).fit(corpus, themes, other_words, {"farming": {"crops": ["粮食"]}}))


def test_dictionary_assigns_the_theme_with_most_lexicon_words(sample):
    units, tokens, corpus, themes = sample
    model = fit("dictionary", corpus, themes)
    # the words alone: no weight for a unit's section or heading (those are the assignment stage's, tested there)
    apply_mapping(model.result_, model.lexicon_, MappingSettings(section_weight=0.0, heading_bonus=0.0))
    table = assignments(model.result_, [units[i] for i in corpus.kept])
    for row, unit_index in enumerate(corpus.kept):
        counts = {t: sum(tokens[unit_index].count(w) for w in set(words) if w in corpus.vocab) for t, words in themes.items()}
        best = max(counts.values())
        expected = OTHER if best == 0 else next(t for t, c in counts.items() if c == best)
        assert table["theme"][row] == expected
    assert model.result_.topic_themes == list(themes) + [OTHER]
    assert fit("dictionary", corpus, themes, min_share=0.99).transform([tokens[2]]).argmax() == len(themes)


# ---- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [n for n in MODEL_NAMES if MODELS[n].has_k()])
def test_more_topics_than_units(sample, name):
    units, tokens, corpus, themes = sample
    n = corpus.matrix.shape[0]
    with pytest.raises(InputError, match=f"k={n + 1} topics but only {n} usable units"):
        fit(name, corpus, themes, k=n + 1)


def test_unknown_model_and_parameter_list_the_valid_ones():
    with pytest.raises(InputError, match="unknown model 'lsa'; valid models: lda, nmf, sklearn-lda"):
        make_model("lsa")
    with pytest.raises(InputError, match=r"lda: unknown parameter\(s\) topics; valid parameters: k, passes"):
        make_model("lda", topics=5)


@pytest.mark.parametrize(
    "name, params, message",
    [
        ("lda", {"k": 0}, r"parameter k must be an integer >= 1"),
        ("lda", {"alpha": "sometimes"}, r"parameter alpha must be one of 'symmetric'"),
        ("lda", {"passes": 2.5}, r"parameter passes must be .*, got 2.5"),
        ("sklearn-lda", {"doc_topic_prior": -1}, r"parameter doc_topic_prior must be .* unset \(None\) or a number > 0"),
        ("nmf", {"solver": "fast"}, r"parameter solver must be one of 'cd', 'mu'"),
        ("nmf", {"beta_loss": "kullback-leibler"}, r"needs solver='mu'"),
        ("seeded-lda", {"k": 3}, r"k=3 is too small; k must be >= 5, the number of themes"),
        ("seeded-lda", {"seed_boost": -1}, r"parameter seed_boost must be .*, got -1"),
        ("seeded-nmf", {"k": 4}, r"k=4 is too small; k must be >= 5, the number of themes"),
        ("dictionary", {"min_share": 2}, r"parameter min_share must be a number >= 0 and <= 1"),
        ("lda", {"random_state": None}, r"parameter random_state must be .*, got None"),
    ],
)
def test_bad_parameter_values_say_what_is_allowed(sample, name, params, message):
    units, tokens, corpus, themes = sample
    with pytest.raises(InputError, match=message):
        fit(name, corpus, themes, **params)


@pytest.mark.parametrize("name", SEEDED)
@pytest.mark.parametrize("kept", [False, True], ids=["absent", "kept-as-lexicon-words"])
def test_seed_words_missing_from_the_vocabulary(sample, name, kept):
    units, tokens, corpus, themes = sample
    themes = {"ecology": ["生态", "并不存在的词甲"], "livelihood": ["就业", "并不存在的词乙"]}
    if kept:  # in the vocabulary as lexicon words, but the corpus never uses them: still no help in fitting
        corpus = build_corpus(tokens, no_below=3, no_above=0.3, keep_words=["并不存在的词甲", "并不存在的词乙", "并不存在的词丙"])
    k = {"k": 3} if "k" in FAST_PARAMS[name] else {}
    with pytest.warns(UserWarning, match="seed words the training corpus does not use, no help in fitting — "
                                         "ecology: 并不存在的词甲; livelihood: 并不存在的词乙"):
        mapped(make_model(name, **{**FAST_PARAMS[name], **k}).fit(corpus, themes))
    themes["safety"] = ["并不存在的词丙"]
    with pytest.raises(InputError, match="no seed word of theme\\(s\\) safety is in the training corpus's vocabulary"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mapped(make_model(name, **{**FAST_PARAMS[name], **k}).fit(corpus, themes))


@pytest.mark.parametrize("themes, message", [({}, "at least one theme"), ({"other": ["生态"]}, "'other' is reserved"),
                                             ({"ecology": []}, "themes.ecology.words must be a non-empty list")])
def test_bad_theme_sets(sample, themes, message):
    units, tokens, corpus, _ = sample
    with pytest.raises(InputError, match=message):
        fit("nmf", corpus, themes)


def test_every_model_lists_its_parameters_with_defaults():
    for name in MODEL_NAMES:
        params = model_params(name)
        assert params == make_model(name).get_params()
        if MODELS[name].has_k():
            assert "k" in params and params["random_state"] == 0


# ---- on real reports ----------------------------------------------------------------------------


@pytest.mark.corpora
@pytest.mark.slow
@pytest.mark.parametrize("name", ["seeded-lda", "seeded-nmf"])
def test_seeded_models_put_the_seed_theme_units_under_their_themes(shared_corpora, name):
    """Trained on the sample together with 20 city reports (the full 122 are measured by
    experiments/seed_units_check.py)."""
    from model_helpers import SAMPLE

    cities = sorted((shared_corpora / "city_gwr_2024").glob("*.txt"))[:20]
    units, tokens = units_and_tokens((SAMPLE, *cities))
    themes, other_words, facets = Lexicon.load().themes, Lexicon.load().other_words, Lexicon.load().facets
    corpus = build_corpus(tokens, keep_words=Lexicon.load().words())  # as `topics run` builds it
    model = make_model(name, random_state=0)  # the defaults: one topic per theme and facet, one for other
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mapped(model.fit(corpus, themes, other_words, facets))
    row_of = {int(i): row for row, i in enumerate(corpus.kept)}
    table = assignments(model.result_, [units[i] for i in corpus.kept])
    expected = seed_theme_rows(units)
    hits = sum(table["theme"][row_of[i]] == theme for i, theme in expected.items())
    assert hits >= 9, f"{name}: {hits} of 10 seed theme units under their themes"
