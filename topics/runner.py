"""Runs an experiment config: ingest → tokenize → vocabulary → every model × k × seed → theme mapping →
assignments, shares, label scores, comparison, plots and report, all written to one run folder.

The stages meet only through the run folder: fitting writes each fit (its topics, every unit's topic
shares, its fit-time metrics) under RUN_DIR/fits/, and the mapping stage (``write_tables``) reads them
back with the run's units and lexicon. So ``remap_run`` maps a finished run again with other mapping
settings without refitting, and an interrupted run resumes from the fits it kept.

Segmentation chunks and fits are tasks of a topics.execution executor (run.scheduler: this process, a
local Dask cluster or a running one). A fit task is a pure function (``fit_task``) of the prepared corpus
(sent to each worker once), the lexicon and its job; it returns its fit folder's files, which only this
process writes: workers need no access to the run folder, and a fit folder is written whole or not at all,
wherever the fit ran. So every scheduler writes the same tables (docs/scaling.md)."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
from tqdm import tqdm

from .assignment import assignments, theme_shares
from .comparison import comparison_markdown
from .config import SCHEDULER, WORKERS, load_config
from .errors import InputError
from .evaluation import gold_labels_for
from .execution import SerialExecutor, open_executor
from .ingest import ingest_paths
from .lexicon import LEXICON_FILE, Lexicon
from .labels import UNMAPPED
from .mapping import MappingSettings, apply_mapping
from .metrics import MetricContext, compute_metrics, measure, stability
from .models import MODELS, load_model, make_model
from .outputs import write_jsonl
from .reading import refuse_output_inside_inputs
from .result import TopicResult
from .rules import check
from .run_folder import (DONE, UNIT_SHARES_FILE, UNITS_FILE, RunUnits, check_inputs_unchanged, claim, create_folder,
                         csv_parts, fit_folder, locked, mark_done, mark_unfinished, read_fit, read_run_units, write_csv,
                         write_text)
from .token_table import TokenTable, TokenTableBuilder
from .tokenize import Tokenizer, TokenizerSettings
from .inference import write_unit_probabilities
from .validation.flags import run_flags
from .validation.run_data import RunData
from .tomlfile import read_toml, to_toml
from .vectorize import build_corpus
from .versions import package_versions



@dataclass
class PreparedCorpus:
    """Everything the fits share: units, their tokens, the held-out split and the vocabulary."""

    units: list
    token_lists: TokenTable
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

    def fingerprint(self, lexicon: dict) -> str:
        """Hash of everything a fit depends on besides its config: units, tokens, labels, split, lexicon."""
        digest = hashlib.sha256()
        for part in (lexicon, self.train_index, self.heldout_index, self.corpus.vocab, self.labels):
            digest.update(json.dumps(part, ensure_ascii=False).encode("utf-8"))
        for unit, tokens in zip(self.units, self.token_lists):
            digest.update(json.dumps([unit.unit_id, tokens], ensure_ascii=False).encode("utf-8"))
        return digest.hexdigest()


def run_experiment(config_path: str | Path, run_dir: str | Path | None = None, *, progress: bool | None = None,
                   scheduler: str | None = None, workers: int | None = None) -> Path:
    """Run the config file and return the run folder (which holds report.html when enabled).
    ``progress``, ``scheduler`` and ``workers`` override the config's run.progress, run.scheduler, run.workers."""
    return run_config(load_config(config_path), run_dir, progress=progress, scheduler=scheduler, workers=workers)


def run_config(config: dict, run_dir: str | Path | None = None, *, progress: bool | None = None,
               scheduler: str | None = None, workers: int | None = None) -> Path:
    """Run a resolved config (see topics.config.resolve_config) and return the run folder."""
    config = copy.deepcopy(config)
    for key, value, rule in (("progress", progress, None), ("scheduler", scheduler, SCHEDULER), ("workers", workers, WORKERS)):
        if value is not None:
            if rule is not None:
                check(value, rule, f"run.{key}")
            config["run"][key] = value
    progress = config["run"]["progress"]
    run_dir = Path(run_dir or config["run"]["output"] or Path("runs") / config["run"]["name"])
    refuse_output_inside_inputs(run_dir, config["corpus"]["paths"])
    lexicon = Lexicon.load(config["themes"]["lexicon"] or None)
    # segmentation chunks and fits run on this executor; it is opened first, so that an unreachable
    # scheduler stops the run before the folder is touched
    tasks = open_executor(config["run"]["scheduler"], config["run"]["workers"])
    try:
        create_folder(run_dir)
        with locked(run_dir):
            claim(run_dir, config)
            _run_locked(run_dir, config, lexicon, tasks, progress)
    finally:
        tasks.close()
    return run_dir


def _run_locked(run_dir: Path, config: dict, lexicon: Lexicon, tasks, progress: bool) -> None:
    clock = Stopwatch(sample_memory=True)
    started = time.perf_counter()
    prepared = prepare_corpus(config, lexicon, progress=progress, clock=clock, executor=tasks)
    resumed = check_inputs_unchanged(run_dir, prepared.fingerprint(lexicon.to_dict()))
    # from here on the folder is being rewritten: until DONE comes back it is not a finished run
    mark_unfinished(run_dir)
    write_text(run_dir / "config.toml", to_toml(config))
    write_text(run_dir / "versions.json", json.dumps(package_versions(), indent=1))
    write_text(run_dir / "corpus_summary.json", json.dumps(prepared.summary, ensure_ascii=False, indent=1))
    lexicon.save(run_dir / LEXICON_FILE)
    write_run_units(run_dir, prepared)
    inputs = FitInputs.of(prepared)
    del prepared  # the units' texts are in units.jsonl now: the fits need only tokens, counts and labels
    with clock("fit"):
        fit_grid(run_dir, config, inputs, lexicon, tasks, resumed=resumed, progress=progress, clock=clock)
    del inputs  # the tables read the run folder back
    tasks.close()  # the workers' memory is the tables' now

    with clock("tables"):
        write_tables(run_dir, config, lexicon, clock=clock)
    if config.get("effects", {}).get("formula"):
        with clock("effects"):
            write_run_effects(run_dir, config)
    if config["report"]["enabled"]:
        from .report import write_plots, write_report

        with clock("report"):
            write_plots(run_dir)
            write_report(run_dir, progress=progress)
    clock.seconds["total"] = round(time.perf_counter() - started, 3)
    write_text(run_dir / "timings.json", json.dumps(clock.summary(), indent=1))
    mark_done(run_dir)  # last: only now is the folder a finished run


class Stopwatch:
    """Wall-clock seconds per stage, written to timings.json for the benchmarks.
    Stages named "fit:<part>" or "metric:<name>" break the fit stage down; on a Dask cluster they are
    summed over the fits, so together they can exceed the stage's wall time.

    It also samples, every 0.1 s while a stage runs, the resident memory (RSS) of this process and of its
    child processes (a local Dask cluster's workers, segmentation workers): timings.json's peak_rss_mb
    holds each stage's highest sum. A shorter spike can be missed; workers of a remote cluster are not seen."""

    SAMPLE_SECONDS = 0.1

    def __init__(self, *, sample_memory: bool = False) -> None:
        self.seconds: dict[str, float] = {}
        self.peak_mb: dict[str, float] = {}
        self.sample_memory = sample_memory
        self._open: list[str] = []
        self._lock = threading.Lock()
        self._sampler: threading.Thread | None = None

    @contextmanager
    def __call__(self, stage: str):
        start = time.perf_counter()
        with self._lock:
            self._open.append(stage)
            if self.sample_memory and self._sampler is None:
                self._sampler = threading.Thread(target=self._sample_while_open, daemon=True, name="rss-sampler")
                self._sampler.start()
        try:
            yield
        finally:
            if self.sample_memory:
                self._sample()
            with self._lock:
                self._open.remove(stage)
            self.seconds[stage] = round(self.seconds.get(stage, 0.0) + time.perf_counter() - start, 3)

    def add(self, seconds: dict[str, float]) -> None:
        """Add the seconds a task measured for itself (on a worker) to this run's."""
        for stage, value in seconds.items():
            self.seconds[stage] = round(self.seconds.get(stage, 0.0) + value, 3)

    def summary(self) -> dict:
        return {**self.seconds, "peak_rss_mb": {stage: round(mb, 1) for stage, mb in self.peak_mb.items()}}

    def _sample_while_open(self) -> None:
        while True:
            time.sleep(self.SAMPLE_SECONDS)
            with self._lock:
                if not self._open:  # no stage running: stop (the next stage starts a new sampler)
                    self._sampler = None
                    return
            self._sample()

    def _sample(self) -> None:
        mb = _tree_rss_mb()
        with self._lock:
            open_stages = list(self._open)
        for stage in open_stages:
            if mb > self.peak_mb.get(stage, 0.0):
                self.peak_mb[stage] = mb


def _tree_rss_mb() -> float:
    """Resident memory of this process and its descendants, in MiB."""
    me = psutil.Process()
    total = 0
    for process in [me, *me.children(recursive=True)]:
        try:
            total += process.memory_info().rss
        except psutil.Error:  # ended between listing and reading
            pass
    return total / 2**20


# ---------------------------------------------------------------- corpus


def prepare_corpus(config: dict, lexicon: Lexicon, *, progress: bool = False,
                   clock: Stopwatch | None = None, executor=None) -> PreparedCorpus:
    """Ingest, tokenize, label, split off the held-out units and build the one vocabulary every model
    uses (with the lexicon's words kept in it unless vocabulary.keep_lexicon is off). ``executor``: a
    topics.execution executor whose workers segment large corpora chunk by chunk."""
    clock = clock or Stopwatch()
    with clock("ingest"):
        ingested = ingest_paths(config["corpus"]["paths"], strict=config["corpus"]["strict"], progress=progress,
                                themes=lexicon, dedupe=config["corpus"]["dedupe"])
    skip = set(config["corpus"]["skip_kinds"])
    units = [unit for unit in ingested.units if unit.kind not in skip]
    if not units:
        raise InputError(f"corpus.paths: no units could be read from {', '.join(config['corpus']['paths'])}")
    with clock("tokenize"):
        tokenizer = Tokenizer(TokenizerSettings.from_dict(config["tokenizer"]), lexicon_words=lexicon.words(),
                              executor=None if isinstance(executor, SerialExecutor) else executor)
        token_lists = _tokenize_units(tokenizer, [unit.text for unit in units], progress)
        unsplittable = tokenizer.unsplittable(lexicon.words())
    if unsplittable:
        shown = "; ".join(f"{word} ({why})" for word, why in list(unsplittable.items())[:10])
        more = f" … and {len(unsplittable) - 10} more" if len(unsplittable) > 10 else ""
        tqdm.write(f"warning: {len(unsplittable)} lexicon word(s) cannot occur as one token, so they match "
                   f"nothing: {shown}{more} (all in corpus_summary.json)", file=sys.stderr)

    source = config["evaluation"]["labels"]
    labels = [unit.weak_label for unit in units] if source == "weak" else gold_labels_for(
        units, source, lexicon.labels_with_other)

    fraction = config["evaluation"]["heldout_fraction"]
    lengths = token_lists.lengths()
    heldout = [i for i, unit in enumerate(units) if lengths[i] and _heldout(unit.unit_id, fraction)]
    heldout_set = set(heldout)
    train = [i for i in range(len(units)) if i not in heldout_set]
    with clock("vocabulary"):
        filters = {key: value for key, value in config["vocabulary"].items() if key != "keep_lexicon"}
        keep = lexicon.words() if config["vocabulary"]["keep_lexicon"] else ()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            corpus = build_corpus(token_lists.take(train), **filters, keep_words=keep)
    vocabulary_warnings = [str(w.message) for w in caught]
    for message in vocabulary_warnings:
        tqdm.write(f"warning: {message}", file=sys.stderr)
    train = [train[j] for j in corpus.kept]
    summary = {
        "documents": len(ingested.documents),
        "units": len(units),
        "units_skipped_by_kind": len(ingested.units) - len(units),
        "units_fitted": len(train),
        "units_heldout": len(heldout),
        "units_empty": int(np.sum(lengths == 0)),
        "units_excluded_by_vocabulary": len(units) - len(train) - len(heldout) - int(np.sum(lengths == 0)),
        "units_labelled": sum(1 for label in labels if label),
        "labels": source,
        "vocabulary": len(corpus.vocab),
        "vocabulary_lexicon_only": corpus.unseen,
        "vocabulary_warnings": vocabulary_warnings,
        "tokens": int(lengths.sum()),
        "files_skipped": [s.to_json() for s in ingested.skipped],
        "warnings": list(ingested.warnings),
        "duplicates": ingested.summary.get("duplicates", []),
        "tokenizer": tokenizer.fingerprint(),
        "lexicon_words_unsplittable": unsplittable,
    }
    return PreparedCorpus(units, token_lists, labels, train, heldout, corpus, summary)


TOKENIZE_BATCH = 20_000  # units per tokenizer call: bounds what one call holds besides the tokens kept


def _tokenize_units(tokenizer: Tokenizer, texts: list[str], progress: bool) -> TokenTable:
    """Every text's tokens, as a table of token ids (4 bytes a token), filled batch by batch so that only
    one batch's token lists are alive at a time."""
    if tokenizer.settings.phrases:  # collocations are learned from the texts of one call: all of them
        return TokenTable.build(tokenizer.tokenize(texts, progress=progress))
    one_call = len(texts) <= TOKENIZE_BATCH  # then the tokenizer's own bar shows the progress
    table = TokenTableBuilder()
    with tqdm(total=len(texts), desc="tokenizing", unit="unit", disable=not progress or one_call) as bar:
        for start in range(0, len(texts), TOKENIZE_BATCH):
            batch = tokenizer.tokenize(texts[start:start + TOKENIZE_BATCH], progress=progress and one_call)
            table.extend(batch)
            bar.update(len(batch))
    return table.table()


def _heldout(unit_id: str, fraction: float) -> bool:
    """A fixed, seed-independent split: the same units are held out in every run of a corpus."""
    digest = hashlib.sha1(unit_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < fraction


def write_run_units(run_dir: Path, prepared: PreparedCorpus) -> None:
    """units.jsonl: every unit with the label it is scored against and its row among the fitted units."""
    rows = {unit_index: row for row, unit_index in enumerate(prepared.train_index)}
    write_jsonl(({**unit.to_json(), "label": label, "fitted_row": rows.get(i)}
                 for i, (unit, label) in enumerate(zip(prepared.units, prepared.labels))), run_dir / UNITS_FILE)


# ---------------------------------------------------------------- fitting


def fit_jobs(config: dict, lexicon: Lexicon) -> list[tuple[str, int, int]]:
    """Every (model, k, seed) of the grid, in config order."""
    return [(name, k, seed) for name, params in config["models"].items()
            for k in topic_counts(name, params, lexicon) for seed in model_seeds(name, config)]


def topic_counts(name: str, params: dict, lexicon: Lexicon) -> list[int]:
    """The topic counts a model is fitted with: its k list, or for a model without k the topics it makes."""
    model = MODELS[name]
    return params["k"] if model.has_k() else [model.topic_count(lexicon)]


def model_seeds(name: str, config: dict) -> list[int]:
    """The seeds a model is fitted with; a deterministic model is fitted once, with the first."""
    return config["run"]["seeds"][:1] if MODELS[name].deterministic else config["run"]["seeds"]


@dataclass
class FitInputs:
    """What every fit reads, sent once to each worker: the training counts, every unit's tokens (for the
    metrics and for the units not fitted on), and the labels of the fitted units (for models that need them)."""

    corpus: object
    token_lists: TokenTable
    train_index: list[int]
    heldout_index: list[int]
    other_index: list[int]
    train_labels: list[str]

    @classmethod
    def of(cls, prepared: PreparedCorpus) -> "FitInputs":
        return cls(prepared.corpus, prepared.token_lists, prepared.train_index, prepared.heldout_index,
                   prepared.other_index, [prepared.labels[i] for i in prepared.train_index])


@dataclass
class FitJob:
    """One fit of the grid with the settings it needs from the config."""

    name: str
    k: int
    seed: int
    params: dict  # the model's table of the config
    metrics: list[str]  # evaluation.metrics
    tokenizer: dict  # the tokenizer settings, saved with the model

    def __repr__(self) -> str:  # names the fit in messages about its task
        return f"{self.name} k={self.k} seed={self.seed}"


@dataclass
class FitOutput:
    """What a fit task returns: the files of its fit folder (relative path → bytes; metrics.json among
    them), its warnings, and the seconds of its parts."""

    files: dict[str, bytes]
    warnings: list[str]
    seconds: dict[str, float]


def fit_grid(run_dir: Path, config: dict, inputs: FitInputs, lexicon: Lexicon, tasks, *, resumed: bool,
             progress: bool, clock: Stopwatch) -> None:
    """Fit every model × k × seed not kept from an earlier start, one task each, writing each fit's folder
    as its task finishes (so an interrupted run keeps every fit finished before it stopped)."""
    jobs = fit_jobs(config, lexicon)
    todo = [FitJob(name, k, seed, config["models"][name], config["evaluation"]["metrics"], config["tokenizer"])
            for name, k, seed in jobs if not _kept(fit_folder(run_dir, name, k, seed))]
    if resumed:
        tqdm.write(f"resuming {run_dir}: {len(jobs) - len(todo)} of {len(jobs)} fits kept", file=sys.stderr)
    if not todo:
        return
    inputs = tasks.share(inputs)
    shared_lexicon = tasks.share(lexicon)
    warned: set[str] = set()
    with tqdm(total=len(jobs), initial=len(jobs) - len(todo), desc="fitting", unit="fit", disable=not progress) as bar:
        for job, output in tasks.map(fit_task, todo, inputs, shared_lexicon, ordered=False):
            fit_dir = fit_folder(run_dir, job.name, job.k, job.seed)
            _write_fit(fit_dir, output)
            _show_warnings(fit_dir, output.warnings, warned)
            clock.add(output.seconds)
            bar.set_postfix_str(repr(job))
            bar.update()


def _kept(fit_dir: Path) -> bool:
    """A fit finished by an earlier start, every file of which still reads."""
    if not (fit_dir / "metrics.json").exists():
        return False
    try:
        read_fit(fit_dir)
        load_model(fit_dir)
        return True
    except InputError as err:
        tqdm.write(f"warning: {fit_dir}: damaged, fitted again ({err})", file=sys.stderr)
        return False


def fit_task(job: FitJob, inputs: FitInputs, lexicon: Lexicon) -> FitOutput:
    """One fit, as a task: a pure function of its inputs that returns its fit folder's files, so it runs
    the same here or on any worker (which needs no access to the run folder)."""
    clock = Stopwatch()
    params = {key: value for key, value in job.params.items() if key != "k"}
    model_class = MODELS[job.name]
    if model_class.has_k():
        params["k"] = job.k
    if "random_state" in model_class.param_rules:
        params["random_state"] = job.seed
    model = make_model(job.name, **params)
    extra = {"labels": inputs.train_labels} if getattr(model_class, "needs_labels", False) else {}
    with warnings.catch_warnings(record=True) as caught, clock("fit:models"):
        warnings.simplefilter("always")
        try:
            _, seconds, peak_mb = measure(lambda: model.fit(inputs.corpus, lexicon, **extra))
        except InputError as err:  # e.g. k larger than the units, seed words missing: name the config key
            raise InputError(f"models.{job.name} (k={job.k}, seed={job.seed}): {err}") from None
    if model.result_.k != job.k:
        raise RuntimeError(f"{job.name}: fitted {model.result_.k} topics, the runner expected {job.k}")
    with tempfile.TemporaryDirectory(prefix="topics-fit-") as tmp:
        folder = Path(tmp)
        with clock("fit:saving"):
            model.save(folder, tokenizer_settings=job.tokenizer)
        with clock("fit:unit_shares"):
            doc_topic, known = _all_units_doc_topic(model, inputs)
            np.savez_compressed(folder / UNIT_SHARES_FILE, doc_topic=doc_topic, known=known)
        with clock("fit:metrics"):
            row = _fit_metrics(model, inputs, job, folder, seconds, peak_mb, clock)
        write_text(folder / "metrics.json", json.dumps(row))
        files = {path.relative_to(folder).as_posix(): path.read_bytes()
                 for path in sorted(folder.rglob("*")) if path.is_file()}
    messages = [str(w.message) for w in caught]
    if messages:
        files["warnings.txt"] = ("\n".join(messages) + "\n").encode("utf-8")
    return FitOutput(files, messages, clock.seconds)


def _write_fit(fit_dir: Path, output: FitOutput) -> None:
    """Write a fit's folder afresh; metrics.json last, as it marks the fit complete."""
    if fit_dir.exists():
        shutil.rmtree(fit_dir)  # an interrupted or damaged fit of an earlier start
    for name, data in sorted(output.files.items(), key=lambda item: item[0] == "metrics.json"):
        path = fit_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        partial.write_bytes(data)
        os.replace(partial, path)


def _fit_metrics(model, inputs: FitInputs, job: FitJob, fit_dir: Path, seconds: float, peak_mb: float,
                 clock: Stopwatch) -> dict:
    """The fit's scores that do not depend on theme mapping; why one is n/a goes to metric_notes.json."""
    ctx = MetricContext(
        token_lists=[inputs.token_lists[i] for i in inputs.train_index],
        dictionary=inputs.corpus.dictionary,
        heldout_token_lists=[inputs.token_lists[i] for i in inputs.heldout_index],
        model=model,
    )
    scores = {}
    for metric in job.metrics:
        if not is_label_metric(metric):  # one at a time, so timings.json shows what each metric costs
            with clock(f"metric:{metric}"):
                scores.update(compute_metrics(model.result_, ctx, [metric]))
    row = {"model": job.name, "k": job.k, "seed": job.seed, **scores, "fit_seconds": round(seconds, 3),
           "peak_mb": round(peak_mb, 1)}
    write_text(fit_dir / "metric_notes.json", json.dumps(ctx.notes, ensure_ascii=False, indent=1))
    return _finite(row)


def is_label_metric(name: str) -> bool:
    """Label scores compare assigned themes with labels: they depend on theme mapping."""
    return name.startswith("label_")


def _all_units_doc_topic(model, inputs: FitInputs) -> tuple[np.ndarray, np.ndarray]:
    """Topic shares of every unit in corpus order, and how many of its tokens the model knows.

    Fitted units keep their fitted rows; the others (held out, empty, or out of vocabulary) are
    transformed. A unit with no known token is marked by known 0, which assigns it 'other'
    with p = 0: there is no evidence for any theme."""
    result = model.result_
    doc_topic = np.full((len(inputs.token_lists), result.k), 1.0 / result.k)
    known = np.zeros(len(inputs.token_lists), dtype=int)
    doc_topic[inputs.train_index] = result.doc_topic
    known[inputs.train_index] = np.asarray(result.doc_lengths, dtype=int)
    others = inputs.other_index
    if others:
        tokens = [inputs.token_lists[i] for i in others]
        known[others] = model.known_tokens(tokens)
        usable = [i for i, n in zip(others, known[others]) if n > 0]
        if usable:
            doc_topic[usable] = model.transform([inputs.token_lists[i] for i in usable])
    return doc_topic, known


def _show_warnings(fit_dir: Path, messages: list[str], warned: set[str]) -> None:
    """Show each distinct warning of the fits once, not once per seed (all are in the fit's warnings.txt)."""
    for message in messages:
        if message not in warned:
            warned.add(message)
            shown = message if len(message) <= 300 else message[:300] + f" … (in full: {fit_dir / 'warnings.txt'})"
            tqdm.write(f"warning: {shown}", file=sys.stderr)


# ---------------------------------------------------------------- mapping and tables


def write_tables(run_dir: Path, config: dict, lexicon: Lexicon, *, clock: Stopwatch | None = None) -> None:
    """The mapping stage and everything that depends on it, from what the fits wrote: each fit's topics
    mapped to themes, label scores, metrics.csv, theme_shares.csv, the saved models, assignments.csv
    and comparison.md. Fits are read back one (model, k) at a time, so memory holds one group's unit shares,
    not the whole grid's."""
    clock = clock or Stopwatch()
    settings = MappingSettings.from_config(config)
    run_units = read_run_units(run_dir)
    label_names = [m for m in config["evaluation"]["metrics"] if is_label_metric(m)]
    rows, groups, unmapped = [], {}, set()
    for name, k, seed in fit_jobs(config, lexicon):
        fit_dir = fit_folder(run_dir, name, k, seed)
        result, doc_topic, known, row = read_fit(fit_dir)
        with clock("tables:mapping"):
            apply_mapping(result, lexicon, settings)
            write_text(fit_dir / "result.json", json.dumps(result.meta(), ensure_ascii=False, indent=1))
        row.update(_label_scores(result, run_units, label_names, fit_dir, doc_topic, known))
        rows.append(row)
        groups.setdefault((name, k), []).append(seed)
        if UNMAPPED in result.topic_themes:
            unmapped.add(name)
    # every fit of a model lists the same themes (with 'unmapped' when any of its fits has such a topic),
    # so shares averaged over its seeds still sum to 1
    metrics = _ordered(pd.DataFrame(rows), config)
    shares, stable = [], {}
    # assignments.csv (every unit with its text, per model) is the largest table: written a model at a time
    with csv_parts(run_dir / "assignments.csv") as write_assignments:
        for (name, k), seeds in groups.items():
            results = []
            for seed in seeds:
                fit_dir = fit_folder(run_dir, name, k, seed)
                result, doc_topic, known, _ = read_fit(fit_dir)  # mapped above: result.json has its themes
                results.append(result)
                listed = lexicon.names + ([UNMAPPED] if name in unmapped else [])
                shares.append(theme_shares(result, run_units.units, doc_topic=doc_topic, known_tokens=known,
                                           all_themes=listed).assign(model=name, k=k, seed=seed))
                if (name, k, seed) == _primary_fit(name, config, lexicon):
                    write_assignments(assignments(result, run_units.units, doc_topic=doc_topic, known_tokens=known,
                                                  labels=run_units.labels))
                    _save_model(run_dir, name, fit_dir)
            stable[(name, k)] = stability(results)
    metrics = _with_stability(metrics, stable)
    write_csv(metrics, run_dir / "metrics.csv")
    share_table = pd.concat(shares, ignore_index=True)
    write_csv(share_table[["model", "k", "seed", "doc_id", "year", "region", "theme", "units", "share"]],
              run_dir / "theme_shares.csv")
    summary = json.loads((run_dir / "corpus_summary.json").read_text(encoding="utf-8"))
    if config.get("inference", {}).get("unit_probabilities", True):  # every unit's themes, every seed
        write_unit_probabilities(run_dir)
    # the units, labels and lexicon are at hand: validation reads only the fits it flags
    flags = run_flags(RunData(run_dir, config, lexicon, run_units.units, run_units.labels), primary_only=True)
    write_text(run_dir / "comparison.md", comparison_markdown(metrics, config, summary, lexicon.names, flags))


def write_run_effects(run_dir: Path, config: dict) -> None:
    """The covariate effects the config's [effects] formula asks for: effects.csv, effects_expected.csv and
    their plots, which the report shows."""
    from .inference import effects, read_run_data
    from .report.inference import write_effects

    table = config["effects"]
    data = read_run_data(run_dir, config.get("inference", {}).get("column_types"))
    result = effects(data, table["formula"], draws=table["draws"], seed=config.get("inference", {}).get("seed", 0),
                     uncertainty=table["uncertainty"])
    for why in result.skipped:
        tqdm.write(f"warning: no effect estimated for {why}", file=sys.stderr)
    write_effects(run_dir, result, run_dir / "effects.csv", run_dir / "effects_expected.csv")


def remap_run(run_dir: str | Path, *, min_lift: float | None = None, min_margin: float | None = None,
              progress: bool = False) -> Path:
    """Map a finished run's topics to themes again with other mapping settings, without refitting:
    rewrites the tables, the saved models' topic themes, config.toml's [themes] and the report."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise InputError(f"{run_dir}: no such run folder")
    if not (run_dir / DONE).is_file():
        raise InputError(f"{run_dir}: not a finished run (no DONE file); run `topics run CONFIG.toml` first or let it finish")
    with locked(run_dir):
        config = read_toml(run_dir / "config.toml", "run config")
        lexicon = Lexicon.load(run_dir / LEXICON_FILE)
        if min_lift is not None:
            config["themes"]["min_lift"] = min_lift
        if min_margin is not None:
            config["themes"]["min_margin"] = min_margin
        MappingSettings.from_config(config)  # checked before anything is rewritten
        mark_unfinished(run_dir)
        write_text(run_dir / "config.toml", to_toml(config))
        write_tables(run_dir, config, lexicon)
        if config.get("effects", {}).get("formula"):  # the effects rest on the themes: estimated again
            write_run_effects(run_dir, config)
        if config["report"]["enabled"]:
            from .report import write_plots, write_report

            write_plots(run_dir)
            write_report(run_dir, progress=progress)
        mark_done(run_dir)
    return run_dir


def _label_scores(result: TopicResult, run_units: RunUnits, names: list[str], fit_dir: Path,
                  doc_topic: np.ndarray, known: np.ndarray) -> dict:
    """Label scores of the fitted units' assigned themes (assigned among all the run's units, so that a
    unit's section neighbours count as they do in assignments.csv); why one is n/a goes to label_notes.json."""
    if not names:
        return {}
    assigned = assignments(result, run_units.units, doc_topic=doc_topic, known_tokens=known)["theme"].tolist()
    train_index = run_units.train_index
    ctx = MetricContext(token_lists=[], labels=[run_units.labels[i] for i in train_index],
                        predicted=[assigned[i] for i in train_index])
    scores = compute_metrics(result, ctx, names)
    write_text(fit_dir / "label_notes.json", json.dumps(ctx.notes, ensure_ascii=False, indent=1))
    return _finite(scores)


def _ordered(metrics: pd.DataFrame, config: dict) -> pd.DataFrame:
    """model, k, seed, the metrics in config order, fit_seconds, peak_mb."""
    names = [m for m in config["evaluation"]["metrics"] if m in metrics.columns]
    return metrics[["model", "k", "seed", *names, "fit_seconds", "peak_mb"]]


def _finite(row: dict) -> dict:
    return {key: (None if isinstance(value, float) and not np.isfinite(value) else value) for key, value in row.items()}


def _with_stability(metrics: pd.DataFrame, stable: dict) -> pd.DataFrame:
    """Stability across seeds, one value per (model, k), repeated on each of its rows."""
    metrics = metrics.copy()
    metrics["topic_jaccard"] = np.nan
    metrics["assignment_ari"] = np.nan
    for (name, k), group in metrics.groupby(["model", "k"], sort=False):
        metrics.loc[group.index, "topic_jaccard"] = stable[(name, k)]["topic_jaccard"]
        metrics.loc[group.index, "assignment_ari"] = stable[(name, k)]["assignment_ari"]
    cost = ["fit_seconds", "peak_mb"]
    return metrics[[c for c in metrics.columns if c not in cost] + cost]


def _primary_fit(name: str, config: dict, lexicon: Lexicon) -> tuple[str, int, int]:
    """The first k and first seed of each model is its primary fit: saved under models/<name>/."""
    return name, topic_counts(name, config["models"][name], lexicon)[0], model_seeds(name, config)[0]


def _save_model(run_dir: Path, name: str, fit_dir: Path) -> None:
    target = run_dir / "models" / name
    if target.exists():
        shutil.rmtree(target)
    # the model without the run's bookkeeping (unit shares, scores, notes)
    shutil.copytree(fit_dir, target, ignore=shutil.ignore_patterns(
        UNIT_SHARES_FILE, "metrics.json", "metric_notes.json", "label_notes.json", "*.partial"))
