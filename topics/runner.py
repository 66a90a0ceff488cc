"""Runs an experiment config: ingest → tokenize → vocabulary → every model × k × seed →
metrics, theme assignments, comparison, plots and report, all written to one run folder.

Each fit is cached under RUN_DIR/fits/ so an interrupted run resumes where it stopped;
DONE is written last, and a folder without it is never taken as a finished run."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
import sys
import time
import tomllib
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from . import OTHER
from .config import load_config, to_toml
from .errors import InputError
from .evaluation import gold_labels_for
from .ingest import ingest_paths
from .metrics import METRICS, MetricContext, compute_metrics, higher_is_better, measure, stability
from .models import load_model, make_model
from .theme_words import lexicon_words, load_other_words, load_theme_facets, load_theme_lexicon
from .themes import assignments, theme_shares
from .tokenize import Tokenizer, TokenizerSettings
from .vectorize import build_corpus
from .versions import package_versions

DONE = "DONE"


@dataclass
class PreparedCorpus:
    """Everything the fits share: units, their tokens, the held-out split and the vocabulary."""

    units: list
    token_lists: list[list[str]]
    labels: list[str]  # one per unit: its weak or gold label, "" when it has none
    train_index: list[int]  # indices into units of the units the models are fitted on
    heldout_index: list[int]  # indices into units held out of fitting
    corpus: object  # topics.vectorize.Corpus built from the training units
    summary: dict

    @property
    def other_index(self) -> list[int]:
        """Units not fitted on: held out, empty after tokenizing, or without a vocabulary word."""
        fitted = set(self.train_index)
        return [i for i in range(len(self.units)) if i not in fitted]

    def fingerprint(self, themes: dict) -> str:
        """Hash of everything a fit depends on besides its config: units, tokens, labels, split, themes."""
        digest = hashlib.sha256()
        for part in (themes, self.train_index, self.heldout_index, self.corpus.vocab, self.labels):
            digest.update(json.dumps(part, ensure_ascii=False).encode("utf-8"))
        for unit, tokens in zip(self.units, self.token_lists):
            digest.update(json.dumps([unit.unit_id, tokens], ensure_ascii=False).encode("utf-8"))
        return digest.hexdigest()


def run_experiment(config_path: str | Path, run_dir: str | Path | None = None, *, progress: bool | None = None) -> Path:
    """Run the config file and return the run folder (which holds report.html when enabled).
    ``progress`` overrides the config's run.progress."""
    return run_config(load_config(config_path), run_dir, progress=progress)


def run_config(config: dict, run_dir: str | Path | None = None, *, progress: bool | None = None) -> Path:
    """Run a resolved config (see topics.config.resolve_config) and return the run folder."""
    config = copy.deepcopy(config)
    if progress is not None:
        config["run"]["progress"] = progress
    progress = config["run"]["progress"]
    run_dir = Path(run_dir or config["run"]["output"] or Path("runs") / config["run"]["name"])
    themes = load_theme_lexicon(config["themes"]["lexicon"] or None)
    other_words = load_other_words(config["themes"]["lexicon"] or None)
    facets = load_theme_facets(config["themes"]["lexicon"] or None)
    _claim_run_dir(run_dir, config)
    clock = Stopwatch()
    started = time.perf_counter()

    prepared = prepare_corpus(config, themes, other_words, progress=progress, clock=clock)
    _check_inputs_unchanged(run_dir, prepared.fingerprint({**themes, OTHER: other_words, "facets": facets}))
    # from here on the folder is being rewritten: until DONE comes back it is not a finished run
    (run_dir / DONE).unlink(missing_ok=True)
    _write_text(run_dir / "config.toml", to_toml(config))
    _write_text(run_dir / "versions.json", json.dumps(package_versions(), indent=1))
    _write_text(run_dir / "corpus_summary.json", json.dumps(prepared.summary, ensure_ascii=False, indent=1))

    with clock("fit"):
        jobs = [(name, k, seed) for name, params in config["models"].items()
                for k in topic_counts(name, params, themes) for seed in _seeds(name, config)]
        rows, shares, fitted = [], [], {}
        warned: set[str] = set()
        bar = tqdm(jobs, desc="fitting", unit="fit", disable=not progress)
        for name, k, seed in bar:
            bar.set_postfix_str(f"{name} k={k} seed={seed}")
            model, row = _fit_or_resume(run_dir, config, prepared, (themes, other_words, facets), name, k, seed,
                                        warned, clock)
            rows.append(row)
            fitted[(name, k, seed)] = model
            with clock("fit:theme_shares"):
                shares.append(_theme_shares_all_units(model, prepared).assign(model=name, k=k, seed=seed))

    with clock("tables"):
        metrics = _add_stability(pd.DataFrame(rows), fitted)
        _write_csv(metrics, run_dir / "metrics.csv")
        share_table = pd.concat(shares, ignore_index=True)
        _write_csv(share_table[["model", "k", "seed", "doc_id", "year", "region", "theme", "units", "share"]],
                   run_dir / "theme_shares.csv")
        primary = _save_primary_models(run_dir, config, themes, fitted)
        table = pd.concat([_assign_all_units(model, prepared) for model in primary.values()], ignore_index=True)
        _write_csv(table, run_dir / "assignments.csv")
        _write_text(run_dir / "comparison.md", comparison_markdown(metrics, config, prepared.summary, themes))

    if config["report"]["enabled"]:
        from .plots import write_plots
        from .report import write_report

        with clock("report"):
            write_plots(run_dir)
            write_report(run_dir, progress=progress)
    clock.seconds["total"] = round(time.perf_counter() - started, 3)
    _write_text(run_dir / "timings.json", json.dumps(clock.seconds, indent=1))
    _write_text(run_dir / DONE, "finished\n")  # last: only now is the folder a finished run
    return run_dir


def is_finished(run_dir: str | Path) -> bool:
    """True when ``run_dir`` holds a run that ran to its end (its DONE marker exists)."""
    return (Path(run_dir) / DONE).is_file()


class Stopwatch:
    """Wall-clock seconds per stage, written to timings.json for the pipeline benchmark.
    Stages named "fit:<part>" break the fit stage down (model fitting, metrics, theme shares, resumed fits)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, stage: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] = round(self.seconds.get(stage, 0.0) + time.perf_counter() - start, 3)


def _claim_run_dir(run_dir: Path, config: dict) -> None:
    """Create the run folder (its config.toml marks it as ours), or accept it for resuming when it
    holds a run of the same config. Nothing in an existing folder is changed here.

    Resuming compares the whole resolved config except run.progress (a progress bar changes no result)."""
    saved = run_dir / "config.toml"
    if run_dir.exists() and not run_dir.is_dir():
        raise InputError(f"{run_dir}: exists and is not a folder; choose another -o folder")
    if saved.is_file():
        if saved.read_text(encoding="utf-8") != _with_saved_progress(config, saved):
            raise InputError(f"{run_dir}: holds a run of a different config; choose another -o folder or delete it")
        return
    if run_dir.exists() and any(run_dir.iterdir()):
        raise InputError(f"{run_dir}: folder exists and is not a run folder; choose another -o folder")
    run_dir.mkdir(parents=True, exist_ok=True)
    _write_text(saved, to_toml(config))


def _with_saved_progress(config: dict, saved: Path) -> str:
    """The config as TOML with run.progress as the saved config has it."""
    try:
        saved_run = tomllib.loads(saved.read_text(encoding="utf-8")).get("run", {})
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return to_toml(config)  # damaged: cannot match, so the folder is refused
    same = copy.deepcopy(config)
    same["run"]["progress"] = saved_run.get("progress", same["run"]["progress"])
    return to_toml(same)


INPUTS_FILE = "inputs.sha256"


def _check_inputs_unchanged(run_dir: Path, fingerprint: str) -> None:
    """Fits kept from an earlier start are reused only if the corpus, its tokens, the labels and the
    theme lexicon are still the same (the config alone cannot tell: files may have changed)."""
    fits = run_dir / "fits"
    saved = fits / INPUTS_FILE
    if saved.is_file() and saved.read_text(encoding="utf-8").strip() != fingerprint:
        raise InputError(f"{run_dir}: the corpus, its tokens, the labels or the theme lexicon changed since this run "
                         f"began; delete {fits} to refit, or choose another -o folder")
    fits.mkdir(parents=True, exist_ok=True)
    _write_text(saved, fingerprint + "\n")


def _write_text(path: Path, text: str) -> None:
    """Write through a temporary file, so an interrupted run never leaves half a file behind."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def _write_csv(table: pd.DataFrame, path: Path) -> None:
    _write_text(path, table.to_csv(index=False))


def prepare_corpus(config: dict, themes: dict, other_words: list[str] = (), *, progress: bool = False,
                   clock: Stopwatch | None = None) -> PreparedCorpus:
    """Ingest, tokenize, label, split off the held-out units and build the one vocabulary every model
    uses (with the lexicon's theme and other words kept in it unless vocabulary.keep_lexicon is off)."""
    clock = clock or Stopwatch()
    with clock("ingest"):
        ingested = ingest_paths(config["corpus"]["paths"], strict=config["corpus"]["strict"], progress=progress, themes=themes)
    skip = set(config["corpus"]["skip_kinds"])
    units = [unit for unit in ingested.units if unit.kind not in skip]
    if not units:
        raise InputError(f"corpus.paths: no units could be read from {', '.join(config['corpus']['paths'])}")
    with clock("tokenize"):
        tokenizer = Tokenizer(TokenizerSettings.from_dict(config["tokenizer"]))
        token_lists = tokenizer.tokenize([unit.text for unit in units], progress=progress)

    labels = _labels(config, units, themes)

    fraction = config["evaluation"]["heldout_fraction"]
    heldout = [i for i, unit in enumerate(units) if token_lists[i] and _heldout(unit.unit_id, fraction)]
    heldout_set = set(heldout)
    train = [i for i in range(len(units)) if i not in heldout_set]
    with clock("vocabulary"):
        filters = {key: value for key, value in config["vocabulary"].items() if key != "keep_lexicon"}
        keep = lexicon_words(themes, other_words) if config["vocabulary"]["keep_lexicon"] else ()
        corpus = build_corpus([token_lists[i] for i in train], **filters, keep_words=keep)
    train = [train[j] for j in corpus.kept]
    summary = {
        "documents": len(ingested.documents),
        "units": len(units),
        "units_skipped_by_kind": len(ingested.units) - len(units),
        "units_fitted": len(train),
        "units_heldout": len(heldout),
        "units_empty": sum(1 for tokens in token_lists if not tokens),
        "units_excluded_by_vocabulary": len(units) - len(train) - len(heldout) - sum(1 for t in token_lists if not t),
        "units_labelled": sum(1 for label in labels if label),
        "labels": config["evaluation"]["labels"],
        "vocabulary": len(corpus.vocab),
        "vocabulary_lexicon_only": corpus.unseen,
        "tokens": int(sum(len(tokens) for tokens in token_lists)),
        "files_skipped": [{"path": s.path, "reason": s.reason} for s in ingested.skipped],
        "tokenizer": tokenizer.fingerprint(),
    }
    return PreparedCorpus(units, token_lists, labels, train, heldout, corpus, summary)


def _labels(config: dict, units: list, themes: dict) -> list[str]:
    """Each unit's label: the theme its heading names ("weak"), or its label in the gold file."""
    source = config["evaluation"]["labels"]
    if source == "weak":
        return [unit.weak_label for unit in units]
    return gold_labels_for(units, source, [*themes, OTHER])


def _heldout(unit_id: str, fraction: float) -> bool:
    """A fixed, seed-independent split: the same units are held out in every run of a corpus."""
    digest = hashlib.sha1(unit_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < fraction


def topic_counts(name: str, params: dict, themes: dict) -> list[int]:
    """The topic counts a model is fitted with. The dictionary baseline has no k parameter: it has one
    topic per theme plus a last topic, 'other', for every word outside the lexicon."""
    return [len(themes) + 1] if name == "dictionary" else params["k"]


def _seeds(name: str, config: dict) -> list[int]:
    # The dictionary baseline has no randomness: one fit stands for every seed.
    return config["run"]["seeds"][:1] if name == "dictionary" else config["run"]["seeds"]


def fit_folder(run_dir: Path, name: str, k: int, seed: int) -> Path:
    """Where one fit is kept; it is complete only when its metrics.json exists."""
    return Path(run_dir) / "fits" / f"{name}-k{k}-s{seed}"


def _fit_or_resume(run_dir: Path, config: dict, prepared: PreparedCorpus, lexicon: tuple, name: str, k: int,
                   seed: int, warned: set[str], clock: Stopwatch):
    """``lexicon``: (themes, other words, facets), as model.fit takes them."""
    fit_dir = fit_folder(run_dir, name, k, seed)
    row_file = fit_dir / "metrics.json"
    if row_file.exists():
        with clock("fit:resumed"):
            return load_model(fit_dir), json.loads(row_file.read_text(encoding="utf-8"))
    if fit_dir.exists():
        shutil.rmtree(fit_dir)  # an interrupted fit: start it again
    params = {key: value for key, value in config["models"][name].items() if key != "k"}
    if name != "dictionary":
        params.update(k=k, random_state=seed)
    model = make_model(name, **params)
    with warnings.catch_warnings(record=True) as caught, clock("fit:models"):
        warnings.simplefilter("always")
        try:
            _, seconds, peak_mb = measure(lambda: model.fit(prepared.corpus, *lexicon))
        except InputError as err:  # e.g. k larger than the units, seed words missing: name the config key
            raise InputError(f"models.{name} (k={k}, seed={seed}): {err}") from None
    if model.result_.k != k:
        raise RuntimeError(f"{name}: fitted {model.result_.k} topics, the runner expected {k}")
    _report_warnings(fit_dir, name, caught, warned)
    with clock("fit:saving"):
        model.save(fit_dir, tokenizer_settings=config["tokenizer"])
    with clock("fit:metrics"):
        row = _score(model, prepared, config, lexicon[0], name, k, seed, fit_dir, seconds, peak_mb, clock)
    _write_text(row_file, json.dumps(row))  # written last: marks the fit complete
    return model, row


def _score(model, prepared: PreparedCorpus, config: dict, themes: dict, name: str, k: int, seed: int, fit_dir: Path,
           seconds: float, peak_mb: float, clock: Stopwatch) -> dict:
    """The fit's metrics.csv row; why a score is undefined goes to metric_notes.json beside it."""
    result = model.result_
    train_units = [prepared.units[i] for i in prepared.train_index]
    predicted = assignments(result, train_units)["theme"].tolist()
    ctx = MetricContext(
        token_lists=[prepared.token_lists[i] for i in prepared.train_index],
        dictionary=prepared.corpus.dictionary,
        labels=[prepared.labels[i] for i in prepared.train_index],
        predicted=predicted,
        heldout_token_lists=[prepared.token_lists[i] for i in prepared.heldout_index],
        model=model,
    )
    names = config["evaluation"]["metrics"] or default_metric_names(themes)
    scores = {}
    for metric in names:  # one at a time, so timings.json shows what each metric costs
        with clock(f"metric:{metric}"):
            scores.update(compute_metrics(result, ctx, [metric]))
    row = {"model": name, "k": k, "seed": seed, **scores, "fit_seconds": round(seconds, 3), "peak_mb": round(peak_mb, 1)}
    row = {key: (None if isinstance(value, float) and not np.isfinite(value) else value) for key, value in row.items()}
    _write_text(fit_dir / "metric_notes.json", json.dumps(ctx.notes, ensure_ascii=False, indent=1))
    return row


def _report_warnings(fit_dir: Path, name: str, caught: list, warned: set[str]) -> None:
    """Keep a fit's warnings beside it; show each distinct one once, not once per seed."""
    if not caught:
        return
    fit_dir.mkdir(parents=True, exist_ok=True)
    messages = [str(w.message) for w in caught]
    (fit_dir / "warnings.txt").write_text("\n".join(messages) + "\n", encoding="utf-8")
    for message in messages:
        if message not in warned:
            warned.add(message)
            shown = message if len(message) <= 300 else message[:300] + f" … (in full: {fit_dir / 'warnings.txt'})"
            tqdm.write(f"warning: {shown}", file=sys.stderr)


def default_metric_names(themes: dict) -> list[str]:
    """Every metric, with a per-label F1 for each theme of the lexicon in use and for 'other'."""
    names = [name for name in METRICS if not name.startswith("label_f1_")]
    return names + [f"label_f1_{label}" for label in [*themes, OTHER]]


def _add_stability(metrics: pd.DataFrame, fitted: dict) -> pd.DataFrame:
    """Stability across seeds, one value per (model, k), repeated on each of its rows."""
    metrics = metrics.copy()
    metrics["topic_jaccard"] = np.nan
    metrics["assignment_ari"] = np.nan
    for (name, k), group in metrics.groupby(["model", "k"], sort=False):
        results = [fitted[(name, k, seed)].result_ for seed in group["seed"]]
        if len(results) < 2:
            continue
        scores = stability(results)
        metrics.loc[group.index, "topic_jaccard"] = scores["topic_jaccard"]
        metrics.loc[group.index, "assignment_ari"] = scores["assignment_ari"]
    # the contract's order: model, k, seed, metrics..., fit_seconds, peak_mb
    cost = ["fit_seconds", "peak_mb"]
    return metrics[[c for c in metrics.columns if c not in cost] + cost]


def _all_units_doc_topic(model, prepared: PreparedCorpus) -> tuple[np.ndarray, np.ndarray]:
    """Topic shares of every unit in corpus order, and how many of its tokens the model knows.

    Fitted units keep their fitted rows; the others (held out, empty, or out of vocabulary) are
    transformed. A unit with no known token is marked by known_tokens 0, which assigns it 'other'
    with p = 0: there is no evidence for any theme."""
    result = model.result_
    doc_topic = np.full((len(prepared.units), result.k), 1.0 / result.k)
    known = np.zeros(len(prepared.units), dtype=int)
    doc_topic[prepared.train_index] = result.doc_topic
    known[prepared.train_index] = np.asarray(result.doc_lengths, dtype=int)
    others = prepared.other_index
    if others:
        tokens = [prepared.token_lists[i] for i in others]
        known[others] = model.known_tokens(tokens)
        usable = [i for i, n in zip(others, known[others]) if n > 0]
        if usable:
            doc_topic[usable] = model.transform([prepared.token_lists[i] for i in usable])
    return doc_topic, known


def _assign_all_units(model, prepared: PreparedCorpus) -> pd.DataFrame:
    doc_topic, known = _all_units_doc_topic(model, prepared)
    return assignments(model.result_, prepared.units, doc_topic=doc_topic, known_tokens=known)


def _theme_shares_all_units(model, prepared: PreparedCorpus) -> pd.DataFrame:
    doc_topic, known = _all_units_doc_topic(model, prepared)
    return theme_shares(model.result_, prepared.units, doc_topic=doc_topic, known_tokens=known,
                        all_themes=list(model.themes_))


def _save_primary_models(run_dir: Path, config: dict, themes: dict, fitted: dict) -> dict:
    """The first k and first seed of each model is its primary fit: saved under models/<name>/."""
    primary = {}
    for name, params in config["models"].items():
        k = topic_counts(name, params, themes)[0]
        seed = _seeds(name, config)[0]
        source = fit_folder(run_dir, name, k, seed)
        target = run_dir / "models" / name
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(source, target)
        primary[name] = fitted[(name, k, seed)]
    return primary


def comparison_markdown(metrics: pd.DataFrame, config: dict, summary: dict, themes: dict) -> str:
    """Mean ± sd of every metric per model and k, the best of each column in bold, every parameter stated."""
    columns = [c for c in metrics.columns if c not in ("model", "k", "seed")]
    directions = {name: higher_is_better(name) for name in columns}
    numeric = metrics[columns].apply(pd.to_numeric, errors="coerce")  # None (undefined) -> NaN
    grouped = numeric.groupby([metrics["model"], metrics["k"]], sort=False)
    means, sds = grouped.mean(), grouped.std()
    counts = grouped.size()
    best = {}
    for column in columns:
        values = means[column].dropna()
        if len(values) > 1:
            best[column] = values.idxmax() if directions[column] else values.idxmin()

    labels = config["evaluation"]["labels"]
    lines = [f"# Model comparison: {config['run']['name']}", ""]
    lines.append(
        f"Corpus: {summary['documents']} documents, {summary['units']} units — {summary['units_fitted']} fitted, "
        f"{summary['units_heldout']} held out, {summary['units_empty']} empty after filtering, "
        f"{summary['units_excluded_by_vocabulary']} without a vocabulary word; "
        f"vocabulary {summary['vocabulary']} terms, {summary.get('vocabulary_lexicon_only', 0)} of them lexicon words "
        f"the corpus does not use, kept for new text "
        f"(no_below={config['vocabulary']['no_below']}, no_above={config['vocabulary']['no_above']}, "
        f"keep_n={config['vocabulary']['keep_n']}). Seeds: {', '.join(map(str, config['run']['seeds']))}. "
        f"Themes: {', '.join(themes)} (lexicon: {config['themes']['lexicon'] or 'the package default'})."
    )
    lines.append("")
    lines.append("Each cell is mean ± sd over seeds; the best value of each column is in **bold** "
                 "(↑ higher is better, ↓ lower is better).")
    lines.append("")
    if labels == "weak":
        lines.append(
            f"Label scores compare each fitted unit's theme with the theme its heading names (weak labels; "
            f"{summary['units_labelled']} of {summary['units']} units have one). The headings are matched with the "
            "same theme lexicon that the dictionary baseline and the seeded models use, so those models are "
            "favoured: read their label scores as agreement with the lexicon, not as accuracy.")
    else:
        lines.append(f"Label scores compare each fitted unit's theme with its hand-coded label in {labels} "
                     f"({summary['units_labelled']} of {summary['units']} units labelled).")
    if "dictionary" in config["models"]:
        lines.append("")
        lines.append(f"The dictionary baseline has no k parameter: its k is its number of topics, one per theme "
                     f"plus '{OTHER}' ({len(themes) + 1}). It has no randomness, so it is fitted once (first seed).")
    lines.append("")
    header = ["model", "k", "seeds"] + [f"{c} {'↑' if directions[c] else '↓'}" for c in columns]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "---|" * len(header))
    for key in means.index:
        cells = [key[0], str(key[1]), str(counts[key])]
        for column in columns:
            mean, sd = means.at[key, column], sds.at[key, column]
            if pd.isna(mean):
                cells.append("n/a")
                continue
            text = f"{mean:.3f}" if pd.isna(sd) else f"{mean:.3f} ± {sd:.3f}"
            cells.append(f"**{text}**" if best.get(column) == key else text)
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "## Parameters", ""]
    for name, params in config["models"].items():
        shown = ", ".join(f"{key}={value}" for key, value in params.items()) or "no parameters"
        lines.append(f"- `{name}`: {shown}")
    lines.append(f"- tokenizer ({summary['tokenizer']}): {json.dumps(config['tokenizer'], ensure_ascii=False)}")
    lines.append(f"- evaluation: heldout_fraction={config['evaluation']['heldout_fraction']}, labels={labels}")
    lines += ["", "## Metrics", ""]
    for name in columns:
        if name in METRICS:
            metric = METRICS[name]
            lines.append(f"- `{name}` {json.dumps(metric.params, ensure_ascii=False)}: {metric.citation}")
    lines.append("- `topic_jaccard`, `assignment_ari`: stability across seeds (topics matched by Hungarian assignment; "
                 "mean top-10 Jaccard; ARI of the units' most probable topics), n/a with one seed.")
    lines.append("- `fit_seconds`, `peak_mb`: wall time and peak extra resident memory of the fit alone.")
    lines.append("- `heldout_perplexity` is defined for the LDA family only, on held-out units; gensim's and "
                 "scikit-learn's figures are computed differently and are not comparable with each other.")
    lines.append("- Why a score is n/a, or what a metric left out, is in `fits/<model>-k<k>-s<seed>/metric_notes.json`.")
    return "\n".join(lines) + "\n"
