"""Runs an experiment config: ingest → tokenize → vocabulary → every model × k × seed →
metrics, theme assignments, comparison, plots and report, all written to one run folder.

Each fit is cached under RUN_DIR/fits/ so an interrupted run resumes where it stopped;
DONE is written last, and a folder without it is never taken as a finished run."""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import time
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
from .ingest import ingest_paths
from .metrics import METRICS, MetricContext, compute_metrics, higher_is_better, measure, stability
from .models import load_model, make_model
from .theme_words import load_theme_lexicon
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
    train_index: list[int]  # indices into units of the units the models are fitted on
    heldout_index: list[int]  # indices into units held out of fitting
    corpus: object  # topics.vectorize.Corpus built from the training units
    summary: dict


def run_experiment(config_path: str | Path, run_dir: str | Path | None = None) -> Path:
    """Run the config file and return the run folder (which holds report.html when enabled)."""
    return run_config(load_config(config_path), run_dir)


def run_config(config: dict, run_dir: str | Path | None = None) -> Path:
    """Run a resolved config (see topics.config.resolve_config) and return the run folder."""
    run_dir = Path(run_dir or config["run"]["output"] or Path("runs") / config["run"]["name"])
    _claim_run_dir(run_dir, config)
    progress = config["run"]["progress"]
    clock = Stopwatch()

    themes = load_theme_lexicon(config["themes"]["lexicon"] or None)
    prepared = prepare_corpus(config, themes, progress=progress, clock=clock)
    (run_dir / "corpus_summary.json").write_text(json.dumps(prepared.summary, ensure_ascii=False, indent=1), encoding="utf-8")

    with clock("fit"):
        jobs = [(name, k, seed) for name, params in config["models"].items()
                for k in _topic_counts(name, params, themes) for seed in _seeds(name, config)]
        rows, shares, fitted = [], [], {}
        bar = tqdm(jobs, desc="fitting", unit="fit", disable=not progress)
        for name, k, seed in bar:
            bar.set_postfix_str(f"{name} k={k} seed={seed}")
            model, row = _fit_or_resume(run_dir, config, prepared, themes, name, k, seed)
            rows.append(row)
            fitted[(name, k, seed)] = model
            shares.append(_theme_shares_all_units(model, prepared).assign(model=name, k=k, seed=seed))

    with clock("tables"):
        metrics = _add_stability(pd.DataFrame(rows), fitted)
        metrics.to_csv(run_dir / "metrics.csv", index=False)
        share_table = pd.concat(shares, ignore_index=True)
        share_table[["model", "k", "seed", "doc_id", "year", "region", "theme", "units", "share"]].to_csv(
            run_dir / "theme_shares.csv", index=False)
        primary = _save_primary_models(run_dir, config, themes, fitted)
        table = pd.concat([_assign_all_units(model, prepared) for model in primary.values()], ignore_index=True)
        table.to_csv(run_dir / "assignments.csv", index=False)
        (run_dir / "comparison.md").write_text(comparison_markdown(metrics, config, prepared.summary), encoding="utf-8")

    if config["report"]["enabled"]:
        from .plots import write_plots
        from .report import write_report

        with clock("report"):
            write_plots(run_dir)
            write_report(run_dir)
    (run_dir / "timings.json").write_text(json.dumps(clock.seconds, indent=1), encoding="utf-8")
    (run_dir / DONE).write_text("finished\n", encoding="utf-8")
    return run_dir


class Stopwatch:
    """Wall-clock seconds per stage, written to timings.json for the pipeline benchmark."""

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
    """Create the run folder, or resume it when it was started with the same config."""
    config_text = to_toml(config)
    saved = run_dir / "config.toml"
    if saved.exists():
        if saved.read_text(encoding="utf-8") != config_text:
            raise InputError(f"{run_dir}: holds a run of a different config; choose another -o folder or delete it")
        (run_dir / DONE).unlink(missing_ok=True)
    elif run_dir.exists() and any(run_dir.iterdir()):
        raise InputError(f"{run_dir}: folder exists and is not a run folder; choose another -o folder")
    run_dir.mkdir(parents=True, exist_ok=True)
    saved.write_text(config_text, encoding="utf-8")
    (run_dir / "versions.json").write_text(json.dumps(package_versions(), indent=1), encoding="utf-8")


def prepare_corpus(config: dict, themes: dict, *, progress: bool = False, clock: Stopwatch | None = None) -> PreparedCorpus:
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

    fraction = config["evaluation"]["heldout_fraction"]
    heldout = [i for i, unit in enumerate(units) if token_lists[i] and _heldout(unit.unit_id, fraction)]
    heldout_set = set(heldout)
    train = [i for i in range(len(units)) if i not in heldout_set]
    with clock("vocabulary"):
        corpus = build_corpus([token_lists[i] for i in train], **config["vocabulary"])
    train = [train[j] for j in corpus.kept]
    summary = {
        "documents": len(ingested.documents),
        "units": len(units),
        "units_skipped_by_kind": len(ingested.units) - len(units),
        "units_fitted": len(train),
        "units_heldout": len(heldout),
        "units_empty": sum(1 for tokens in token_lists if not tokens),
        "units_excluded_by_vocabulary": len(units) - len(train) - len(heldout),
        "vocabulary": len(corpus.vocab),
        "tokens": int(sum(len(tokens) for tokens in token_lists)),
        "files_skipped": [{"path": s.path, "reason": s.reason} for s in ingested.skipped],
        "tokenizer": tokenizer.fingerprint(),
    }
    return PreparedCorpus(units, token_lists, train, heldout, corpus, summary)


def _heldout(unit_id: str, fraction: float) -> bool:
    """A fixed, seed-independent split: the same units are held out in every run of a corpus."""
    digest = hashlib.sha1(unit_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < fraction


def _topic_counts(name: str, params: dict, themes: dict) -> list[int]:
    return [len(themes)] if name == "dictionary" else params["k"]


def _seeds(name: str, config: dict) -> list[int]:
    # The dictionary baseline has no randomness: one fit stands for every seed.
    return config["run"]["seeds"][:1] if name == "dictionary" else config["run"]["seeds"]


def _fit_or_resume(run_dir: Path, config: dict, prepared: PreparedCorpus, themes: dict, name: str, k: int, seed: int):
    fit_dir = run_dir / "fits" / f"{name}-k{k}-s{seed}"
    row_file = fit_dir / "metrics.json"
    if row_file.exists():
        return load_model(fit_dir), json.loads(row_file.read_text(encoding="utf-8"))
    if fit_dir.exists():
        shutil.rmtree(fit_dir)  # an interrupted fit: start it again
    params = {key: value for key, value in config["models"][name].items() if key != "k"}
    if name != "dictionary":
        params.update(k=k, random_state=seed)
    model = make_model(name, **params)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _, seconds, peak_mb = measure(lambda: model.fit(prepared.corpus, themes))
    _report_warnings(fit_dir, name, caught)
    model.save(fit_dir, tokenizer_settings=config["tokenizer"])

    result = model.result_
    train_units = [prepared.units[i] for i in prepared.train_index]
    predicted = assignments(result, train_units)["theme"].tolist()
    ctx = MetricContext(
        token_lists=[prepared.token_lists[i] for i in prepared.train_index],
        dictionary=prepared.corpus.dictionary,
        labels=[unit.weak_label for unit in train_units],
        predicted=predicted,
        heldout_token_lists=[prepared.token_lists[i] for i in prepared.heldout_index],
        model=model,
    )
    names = config["evaluation"]["metrics"] or default_metric_names(themes)
    row = {"model": name, "k": k, "seed": seed, **compute_metrics(result, ctx, names),
           "fit_seconds": round(seconds, 3), "peak_mb": round(peak_mb, 1)}
    row = {key: (None if isinstance(value, float) and not np.isfinite(value) else value) for key, value in row.items()}
    # why a score is undefined, or what a metric left out: kept beside the scores
    (fit_dir / "metric_notes.json").write_text(json.dumps(ctx.notes, ensure_ascii=False, indent=1), encoding="utf-8")
    row_file.write_text(json.dumps(row), encoding="utf-8")  # written last: marks the fit complete
    return model, row


_warned: set[str] = set()


def _report_warnings(fit_dir: Path, name: str, caught: list) -> None:
    """Keep a fit's warnings beside it; show each distinct one once, not once per seed."""
    if not caught:
        return
    fit_dir.mkdir(parents=True, exist_ok=True)
    messages = [str(w.message) for w in caught]
    (fit_dir / "warnings.txt").write_text("\n".join(messages) + "\n", encoding="utf-8")
    for message in messages:
        if message not in _warned:
            _warned.add(message)
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
    return metrics


def _units_doc_topic(model, prepared: PreparedCorpus):
    """Units with tokens and their topic distributions: fitted rows, then held-out rows by transform."""
    units = [prepared.units[i] for i in prepared.train_index]
    doc_topic = model.result_.doc_topic
    if prepared.heldout_index:
        units += [prepared.units[i] for i in prepared.heldout_index]
        held = model.transform([prepared.token_lists[i] for i in prepared.heldout_index])
        doc_topic = np.vstack([doc_topic, held])
    return units, doc_topic


def _assign_all_units(model, prepared: PreparedCorpus) -> pd.DataFrame:
    units, doc_topic = _units_doc_topic(model, prepared)
    return assignments(model.result_, units, doc_topic=doc_topic)


def _theme_shares_all_units(model, prepared: PreparedCorpus) -> pd.DataFrame:
    units, doc_topic = _units_doc_topic(model, prepared)
    return theme_shares(model.result_, units, doc_topic=doc_topic)


def _save_primary_models(run_dir: Path, config: dict, themes: dict, fitted: dict) -> dict:
    """The first k and first seed of each model is its primary fit: saved under models/<name>/."""
    primary = {}
    for name, params in config["models"].items():
        k = _topic_counts(name, params, themes)[0]
        seed = _seeds(name, config)[0]
        source = run_dir / "fits" / f"{name}-k{k}-s{seed}"
        target = run_dir / "models" / name
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(source, target)
        primary[name] = fitted[(name, k, seed)]
    return primary


def comparison_markdown(metrics: pd.DataFrame, config: dict, summary: dict) -> str:
    """Mean ± sd of every metric per model and k, the best of each column in bold."""
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

    lines = [f"# Model comparison: {config['run']['name']}", ""]
    lines.append(
        f"Corpus: {summary['documents']} documents, {summary['units']} units — {summary['units_fitted']} fitted, "
        f"{summary['units_heldout']} held out, {summary['units_empty']} empty after filtering; "
        f"vocabulary {summary['vocabulary']} terms "
        f"(no_below={config['vocabulary']['no_below']}, no_above={config['vocabulary']['no_above']}, "
        f"keep_n={config['vocabulary']['keep_n']}). Seeds: {', '.join(map(str, config['run']['seeds']))}."
    )
    lines.append("")
    lines.append("Each cell is mean ± sd over seeds; the best value of each column is in **bold** "
                 "(↑ higher is better, ↓ lower is better). Label scores compare each unit's theme with the "
                 f"labels named by its heading ({config['evaluation']['labels']}).")
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
        shown = ", ".join(f"{key}={value}" for key, value in params.items()) or "defaults"
        lines.append(f"- `{name}`: {shown}")
    lines.append(f"- tokenizer: {json.dumps(config['tokenizer'], ensure_ascii=False) if config['tokenizer'] else 'defaults'}")
    lines += ["", "## Metrics", ""]
    for name, metric in METRICS.items():
        if name in columns:
            lines.append(f"- `{name}` {json.dumps(metric.params, ensure_ascii=False)}: {metric.citation}")
    lines.append("- `topic_jaccard`, `assignment_ari`: stability across seeds (topics matched by Hungarian assignment).")
    lines.append("- `heldout_perplexity` is defined for the LDA family only, on held-out units; gensim's and "
                 "scikit-learn's figures are computed differently and are not comparable with each other.")
    lines.append("- Why a score is n/a, or what a metric left out, is in `fits/<model>-k<k>-s<seed>/metric_notes.json`.")
    return "\n".join(lines) + "\n"
