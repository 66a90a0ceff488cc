"""A realistic run folder for the report tests, built from real text with the real libraries.

The runner writes run folders in production; these helpers write the same files (the columns
documented for the run folder) from small real fits — gensim LdaModel and scikit-learn NMF on
the bundled sample, plus a slice of the national and city reports when ../shared/corpora is
present — so the report can be tested on its own, quickly.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import jieba
import numpy as np
import pandas as pd
from gensim.corpora import Dictionary
from gensim.models import LdaModel
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import TfidfTransformer

from conftest import SAMPLE, SHARED_CORPORA
from topics.result import TopicResult
from topics.lexicon import Lexicon
from topics.run_folder import manifest_entry
from topics.run_files import fit_folder
from topics.run_folder.fits import manifest_json

jieba.setLogLevel(60)

# A few function words so the fixture topics are about content (the real tokenizer does much more).
STOPWORDS = set("我们 你们 他们 一个 这个 以及 进一步 不断 坚持 推进 加强 加快 全面 深入 积极 持续 推动 实施 工作 建设 发展".split())
NUMBERED_LEAD = re.compile(r"^[一二三四五六七八九十]+是")
HEADING_LINE = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)")


@dataclass
class FixtureUnit:
    doc_id: str
    unit_id: str
    year: int | None
    region: str
    heading: str
    text: str
    tokens: list[str] = field(default_factory=list)


def segment(text: str) -> list[str]:
    return [w for w in jieba.lcut(text) if len(w) >= 2 and re.fullmatch(r"[\u4e00-\u9fff]+", w) and w not in STOPWORDS]


def sample_units(path: Path = SAMPLE) -> list[FixtureUnit]:
    """The bundled sample, two sentences a unit; a unit's heading is the enumeration lead (一是…) it sits under."""
    text = re.sub(r"\s+", "", path.read_text(encoding="utf-8"))
    sentences = [s + "。" for s in text.split("。") if s]
    units, heading = [], ""
    for i in range(0, len(sentences), 2):
        chunk = sentences[i:i + 2]
        for sentence in chunk:
            if NUMBERED_LEAD.match(sentence):
                heading = sentence
        units.append(FixtureUnit("xining_chengxi_2024", f"xining_chengxi_2024:u{i // 2:03d}", 2024, "西宁市城西区", heading, "".join(chunk)))
    return units


def report_units(path: Path, doc_id: str, year: int, region: str, limit: int) -> list[FixtureUnit]:
    """Paragraphs of a real report file; a paragraph's heading is the last numbered heading line above it."""
    units, heading = [], ""
    for paragraph in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        if HEADING_LINE.match(paragraph) and len(paragraph) < 40:
            heading = paragraph
            continue
        if len(paragraph) < 40:
            continue
        units.append(FixtureUnit(doc_id, f"{doc_id}:u{len(units):03d}", year, region, heading, paragraph))
        if len(units) >= limit:
            break
    return units


def fixture_units(with_corpora: bool) -> list[FixtureUnit]:
    units = sample_units()
    if with_corpora:
        national = SHARED_CORPORA / "national_gwr_wikisource"
        for year in (1978, 1998, 2008, 2018, 2024):
            units += report_units(national / f"{year}.txt", f"national_gwr_wikisource/{year}", year, "全国", 30)
        cities = SHARED_CORPORA / "city_gwr_2024"
        for city in ("上海市", "三亚市", "东营市"):
            units += report_units(cities / f"2024_{city}.txt", f"city_gwr_2024/2024_{city}", 2024, city, 25)
    for unit in units:
        unit.tokens = segment(unit.text)
    return [u for u in units if u.tokens]


def weak_label(heading: str, themes: dict[str, list[str]]) -> str:
    """The theme whose seed words occur most in the heading ("" when none) — the fixture's weak label."""
    counts = {theme: sum(heading.count(w) for w in words) for theme, words in themes.items()}
    best = max(counts, key=counts.get)
    return best if counts[best] else ""


def themes_of_topics(topic_word: np.ndarray, vocab: list[str], themes: dict[str, list[str]], counts: np.ndarray) -> list[str]:
    """Each topic's theme: the one whose seed words are most over-represented in it relative to the
    corpus (lift), "other" when none is at least 1.2 times as frequent as in the corpus."""
    index = {w: i for i, w in enumerate(vocab)}
    corpus = counts.sum(axis=0) / counts.sum()
    names, lifts = list(themes), []
    for words in themes.values():
        ids = [index[w] for w in words if w in index]
        base = corpus[ids].sum()
        lifts.append(topic_word[:, ids].sum(axis=1) / base if base > 0 else np.zeros(len(topic_word)))
    lifts = np.stack(lifts, axis=1)
    return [names[j] if row[j] >= 1.2 else "other" for row, j in zip(lifts, lifts.argmax(axis=1))]


def fit_lda(bow, dictionary, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    model = LdaModel(corpus=bow, id2word=dictionary, num_topics=k, random_state=seed, passes=2, iterations=25, eval_every=None)
    gamma, _ = model.inference(bow)
    return model.get_topics(), gamma / gamma.sum(axis=1, keepdims=True)


def training_perplexity(counts: np.ndarray, doc_topic: np.ndarray, topic_word: np.ndarray) -> float:
    """exp of the mean negative log-likelihood per token of the training units."""
    return float(np.exp(-(counts * np.log(doc_topic @ topic_word)).sum() / counts.sum()))


def fit_nmf(counts: np.ndarray, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    tfidf = TfidfTransformer().fit_transform(counts)
    nmf = NMF(n_components=k, init="random", random_state=seed, max_iter=200)
    weights = nmf.fit_transform(tfidf)
    components = nmf.components_  # coordinate descent leaves exact zeros: what the LDAvis page must survive
    topic_word = components / components.sum(axis=1, keepdims=True)
    sums = weights.sum(axis=1, keepdims=True)
    doc_topic = np.where(sums > 0, weights / np.where(sums > 0, sums, 1), 1.0 / k)
    return topic_word, doc_topic


def build_run_folder(run_dir: Path, *, with_corpora: bool, ks=(5, 8), seeds=(0, 1, 2)) -> dict:
    """Write a finished run folder (every file the report reads) and return what was fitted."""
    themes = Lexicon.load().themes
    units = fixture_units(with_corpora)
    dictionary = Dictionary(u.tokens for u in units)
    dictionary.filter_extremes(no_below=2, no_above=0.5, keep_n=None)
    bow = [dictionary.doc2bow(u.tokens) for u in units]
    kept = [i for i, doc in enumerate(bow) if doc]
    units, bow = [units[i] for i in kept], [bow[i] for i in kept]
    vocab = [dictionary[i] for i in range(len(dictionary))]
    counts = np.zeros((len(bow), len(vocab)))
    for row, doc in enumerate(bow):
        for term, n in doc:
            counts[row, term] = n
    labels = [weak_label(u.heading, themes) for u in units]

    metric_rows, share_rows, assignment_tables, primary = [], [], [], {}
    for model_name, fit in (("lda", lambda k, s: fit_lda(bow, dictionary, k, s)), ("nmf", lambda k, s: fit_nmf(counts, k, s))):
        for k in ks:
            for seed in seeds:
                started = time.perf_counter()
                topic_word, doc_topic = fit(k, seed)
                seconds = time.perf_counter() - started
                result = TopicResult(
                    model_name=model_name, vocab=vocab, topic_word=topic_word, doc_topic=doc_topic,
                    doc_lengths=counts.sum(axis=1), term_frequency=counts.sum(axis=0),
                    params={"k": k}, random_state=seed, topic_ids=list(range(k)),
                    topic_themes=themes_of_topics(topic_word, vocab, themes, counts),
                )
                assigned = assign(result, units).assign(label=labels)  # the label each unit is scored against
                labelled = [(gold, pred) for gold, pred in zip(labels, assigned["theme"]) if gold]
                top = result.top_words(25)
                metric_rows.append({
                    "model": model_name, "k": k, "seed": seed,
                    "topic_diversity": len({w for words in top for w in words}) / (25 * k),
                    "accuracy": float(np.mean([g == p for g, p in labelled])) if labelled else float("nan"),
                    # NMF has no likelihood: its perplexity is left empty, as the runner does
                    "perplexity": training_perplexity(counts, doc_topic, topic_word) if model_name == "lda" else float("nan"),
                    "fit_seconds": round(seconds, 3), "peak_mb": 0.0,
                })
                share_rows.append(shares(assigned).assign(model=model_name, k=k, seed=seed))
                if k == ks[0] and seed == seeds[0]:
                    primary[model_name] = result
                    assignment_tables.append(assigned)

    run_dir.mkdir(parents=True, exist_ok=True)
    metrics = pd.DataFrame(metric_rows)
    metrics.to_csv(run_dir / "metrics.csv", index=False)
    pd.concat(share_rows)[["model", "k", "seed", "doc_id", "year", "region", "theme", "units", "share"]].to_csv(
        run_dir / "theme_shares.csv", index=False)
    pd.concat(assignment_tables).to_csv(run_dir / "assignments.csv", index=False)
    (run_dir / "comparison.md").write_text(comparison(metrics), encoding="utf-8")
    (run_dir / "config.toml").write_text(
        '[run]\nname = "report-fixture"\nseeds = [0, 1, 2]\n\n[themes]\nlexicon = ""\n\n'
        f'[models.lda]\nk = {list(ks)}\n\n[models.nmf]\nk = {list(ks)}\n', encoding="utf-8")
    (run_dir / "versions.json").write_text(json.dumps({"python": "3.11", "topics": "0.1.0"}), encoding="utf-8")
    for name, result in primary.items():
        result.save(run_dir / "models" / name)
        result.save(fit_folder(run_dir, name, ks[0], seeds[0]))
    # the manifest lists the primary fits, whose topics the report shows (the fixture keeps no other fit)
    capabilities = {"has_k": True, "deterministic": False, "seeded": False, "needs_labels": False}
    (run_dir / "fits.json").write_text(manifest_json(
        [manifest_entry(name, ks[0], seeds[0], primary=True, capabilities=capabilities) for name in primary],
        len(units)), encoding="utf-8")
    (run_dir / "DONE").write_text("finished\n", encoding="utf-8")
    return {"units": units, "labels": labels, "results": primary, "metrics": metrics}


def assign(result: TopicResult, units: list[FixtureUnit]) -> pd.DataFrame:
    """Each unit's theme: topic probabilities summed per theme, the largest wins."""
    names = sorted(set(result.topic_themes))
    by_theme = np.stack([result.doc_topic[:, [t == name for t in result.topic_themes]].sum(axis=1) for name in names], axis=1)
    order = np.argsort(-by_theme, axis=1, kind="stable")
    rows = []
    for i, unit in enumerate(units):
        best = order[i, 0]
        runner_up = names[order[i, 1]] if len(names) > 1 else ""
        rows.append({"doc_id": unit.doc_id, "unit_id": unit.unit_id, "year": unit.year, "region": unit.region,
                     "heading": unit.heading, "text": unit.text, "model": result.model_name,
                     "theme": names[best], "p": round(float(by_theme[i, best]), 4), "runner_up": runner_up})
    return pd.DataFrame(rows)


def shares(assigned: pd.DataFrame) -> pd.DataFrame:
    counted = assigned.groupby(["doc_id", "year", "region", "theme"], dropna=False).size().rename("units").reset_index()
    counted["share"] = counted["units"] / counted.groupby("doc_id")["units"].transform("sum")
    return counted


def comparison(metrics: pd.DataFrame) -> str:
    columns = [c for c in metrics.columns if c not in ("model", "k", "seed")]
    grouped = metrics.groupby(["model", "k"])
    means, sds = grouped[columns].mean(), grouped[columns].std()
    lines = ["# Model comparison: report-fixture", "", "Each cell is mean ± sd over seeds.", "",
             "| model | k | " + " | ".join(columns) + " |", "|" + "---|" * (len(columns) + 2)]
    for key in means.index:
        cells = [f"{means.at[key, c]:.3f} ± {sds.at[key, c]:.3f}" if pd.notna(means.at[key, c]) else "n/a" for c in columns]
        lines.append(f"| {key[0]} | {key[1]} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def hostile_result(base: TopicResult, terms: list[str]) -> TopicResult:
    """A copy of ``base`` whose vocabulary holds ``terms``, each made the top word of a topic."""
    vocab = list(base.vocab)
    topic_word = base.topic_word.copy()
    for i, term in enumerate(terms):
        vocab[i] = term
        topic_word[i % base.k, i] = topic_word[i % base.k].max() * 3
    topic_word /= topic_word.sum(axis=1, keepdims=True)
    term_frequency = base.term_frequency.copy()
    term_frequency[: len(terms)] = term_frequency.max() * 2  # frequent, so they are among the 30 salient terms
    return TopicResult(
        model_name=base.model_name, vocab=vocab, topic_word=topic_word, doc_topic=base.doc_topic,
        doc_lengths=base.doc_lengths, term_frequency=term_frequency, params=base.params,
        random_state=base.random_state, topic_ids=base.topic_ids, topic_themes=base.topic_themes,
    )


_BUILT: dict[bool, tuple[Path, dict]] = {}
_RENDERED: dict[bool, tuple[Path, dict, list[Path], Path]] = {}


def cached_run_folder(tmp_path_factory, with_corpora: bool) -> tuple[Path, dict]:
    """One fixture run folder per test session (shared by every report test file)."""
    if with_corpora not in _BUILT:
        run_dir = tmp_path_factory.mktemp("run") / ("run-corpora" if with_corpora else "run-sample")
        _BUILT[with_corpora] = run_dir, build_run_folder(run_dir, with_corpora=with_corpora)
    return _BUILT[with_corpora]


def cached_rendered_run(tmp_path_factory, with_corpora: bool) -> tuple[Path, dict, list[Path], Path]:
    """The fixture run folder with its plots, LDAvis pages and report written, once per session.

    Returns (run folder, what was fitted, plot paths, report path); tests that change files copy it first."""
    from topics.report import write_plots
    from topics.report import write_report

    if with_corpora not in _RENDERED:
        source, fitted = cached_run_folder(tmp_path_factory, with_corpora)
        run_dir = tmp_path_factory.mktemp("rendered") / "run"
        shutil.copytree(source, run_dir)
        plots = write_plots(run_dir)
        _RENDERED[with_corpora] = run_dir, fitted, plots, write_report(run_dir)
    return _RENDERED[with_corpora]


def gold_labelled_run(folder: Path) -> Path:
    """A finished run on the bundled sample scored against its hand-coded units, with the models that learn from
    them (supervised), that learnt before (pretrained) and a topic model (lda): its report and LDAvis pages
    written by the runner. Its tables carry a label-F1 column per label, the widest a report shows."""
    from test_evaluate import HAND_LABELS, HEADER, config_text, gold_lines
    from topics.running import run_experiment

    folder.mkdir(parents=True, exist_ok=True)
    gold = folder / "gold.tsv"
    gold.write_text(HEADER + "".join(gold_lines(SAMPLE, HAND_LABELS)), encoding="utf-8")
    models = "\n[models.supervised]\ncv_folds = 2\n\n[models.pretrained]\n\n[models.lda]\nk = 5\npasses = 2\n"
    config = folder / "config.toml"
    config.write_text(config_text(SAMPLE, models, labels=str(gold)).replace("enabled = false", "enabled = true"),
                      encoding="utf-8")
    return run_experiment(config, folder / "run")
