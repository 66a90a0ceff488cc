"""The fit grid: every model × k × seed of a config, each fit a task on an executor.

A fit task is a pure function (``fit_task``) of the prepared corpus (sent to each worker once), the
lexicon and its job; it returns its fit folder's files, which only the runner's process writes: workers
need no access to the run folder, and a fit folder is written whole or not at all, wherever the fit ran.
So every scheduler writes the same tables (docs/scaling.md)."""

from __future__ import annotations

import json
import sys
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..errors import InputError
from ..lexicon import Lexicon
from ..metrics import MetricContext, compute_metrics, measure
from ..models import MODELS, ExtraUnits, load_model, make_model
from ..run_folder import RunFolder
from ..run_files import FIT_METRICS, FIT_WARNINGS, METRIC_NOTES, UNIT_SHARES, fit_folder
from ..result import TopicResult
from ..token_table import TokenTable
from .prepare import PreparedCorpus
from .stopwatch import Stopwatch


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


def is_primary(name: str, k: int, seed: int, config: dict, lexicon: Lexicon) -> bool:
    """The first k and first seed of each model is its primary fit: saved under models/<name>/, shown in
    assignments.csv and by every reader that shows one fit per model."""
    return (k, seed) == (topic_counts(name, config["models"][name], lexicon)[0], model_seeds(name, config)[0])


def capabilities(name: str) -> dict:
    """What readers of a run need to know of a model without importing it (the fit manifest holds it)."""
    model = MODELS[name]
    return {"has_k": model.has_k(), "deterministic": model.deterministic, "seeded": model.seeded,
            "needs_labels": model.needs_labels, "pretrained": model.pretrained}


@dataclass
class FitInputs:
    """What every fit reads, sent once to each worker: the training counts, every unit's tokens (for the
    metrics and for the units not fitted on), and for models that learn from labels the coded labels of the
    fitted units and the coded units of other corpora (their counts over the vocabulary)."""

    corpus: object
    token_lists: TokenTable
    train_index: list[int]
    heldout_index: list[int]
    other_index: list[int]
    train_labels: list[str]
    extra: ExtraUnits | None = None

    @classmethod
    def of(cls, prepared: PreparedCorpus) -> "FitInputs":
        labels = prepared.training_labels
        return cls(prepared.corpus, prepared.token_lists, prepared.train_index, prepared.heldout_index,
                   prepared.other_index, [labels[i] for i in prepared.train_index], prepared.extra)


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


def fit_grid(run: RunFolder, config: dict, inputs: FitInputs, lexicon: Lexicon, tasks, *, resumed: bool,
             progress: bool, clock: Stopwatch) -> None:
    """Fit every model × k × seed not kept from an earlier start, one task each, writing each fit's folder
    as its task finishes (so an interrupted run keeps every fit finished before it stopped)."""
    jobs = fit_jobs(config, lexicon)
    todo = [FitJob(name, k, seed, config["models"][name], config["evaluation"]["metrics"], config["tokenizer"])
            for name, k, seed in jobs if not _kept(fit_folder(run.path, name, k, seed))]
    if resumed:
        tqdm.write(f"resuming {run.path}: {len(jobs) - len(todo)} of {len(jobs)} fits kept", file=sys.stderr)
    if not todo:
        return
    inputs = tasks.share(inputs)
    shared_lexicon = tasks.share(lexicon)
    warned: set[str] = set()
    with tqdm(total=len(jobs), initial=len(jobs) - len(todo), desc="fitting", unit="fit", disable=not progress) as bar:
        for job, output in tasks.map(fit_task, todo, inputs, shared_lexicon, ordered=False):
            fit_dir = fit_folder(run.path, job.name, job.k, job.seed)
            run.write_fit_files(fit_dir, output.files)
            _show_warnings(fit_dir, output.warnings, warned)
            clock.add(output.seconds)
            bar.set_postfix_str(repr(job))
            bar.update()


def _kept(fit_dir: Path) -> bool:
    """A fit finished by an earlier start, every file of which still reads."""
    if not (fit_dir / FIT_METRICS).exists():
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
    extra = {"labels": inputs.train_labels, "extra": inputs.extra} if model_class.needs_labels else {}
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
            np.savez_compressed(folder / UNIT_SHARES, doc_topic=doc_topic, known=known)
        with clock("fit:metrics"):
            row = _fit_metrics(model, inputs, job, folder, seconds, peak_mb, clock)
        (folder / FIT_METRICS).write_text(json.dumps(row), encoding="utf-8")
        files = {path.relative_to(folder).as_posix(): path.read_bytes()
                 for path in sorted(folder.rglob("*")) if path.is_file()}
    messages = [str(w.message) for w in caught]
    if messages:
        files[FIT_WARNINGS] = ("\n".join(messages) + "\n").encode("utf-8")
    return FitOutput(files, messages, clock.seconds)


def _fit_metrics(model, inputs: FitInputs, job: FitJob, fit_dir: Path, seconds: float, peak_mb: float,
                 clock: Stopwatch) -> dict:
    """The fit's scores that do not depend on theme mapping; why one is n/a goes to metric_notes.json."""
    ctx = MetricContext(
        token_lists=inputs.token_lists.take(inputs.train_index),
        dictionary=inputs.corpus.dictionary,
        heldout_token_lists=inputs.token_lists.take(inputs.heldout_index),
        model=model,
    )
    scores = {}
    for metric in job.metrics:
        if not is_label_metric(metric):  # one at a time, so timings.json shows what each metric costs
            with clock(f"metric:{metric}"):
                scores.update(compute_metrics(model.result_, ctx, [metric]))
    row = {"model": job.name, "k": job.k, "seed": job.seed, **scores, "fit_seconds": round(seconds, 3),
           "peak_mb": round(peak_mb, 1)}
    (fit_dir / METRIC_NOTES).write_text(json.dumps(ctx.notes, ensure_ascii=False, indent=1), encoding="utf-8")
    return finite(row)


def finite(row: dict) -> dict:
    """A metrics row with undefined scores (NaN, inf) as None: written as n/a."""
    return {key: (None if isinstance(value, float) and not np.isfinite(value) else value) for key, value in row.items()}


def is_label_metric(name: str) -> bool:
    """Label scores compare assigned themes with labels: they depend on theme mapping."""
    return name.startswith("label_")


def read_fit(fit_dir: Path) -> tuple[TopicResult, np.ndarray, np.ndarray, dict]:
    """A finished fit's result, every unit's topic shares and known tokens, and its metrics row, as the
    fitting wrote them (the mapping stage reads them back); InputError when a file is missing or damaged."""
    try:
        result = TopicResult.load(fit_dir)
        with np.load(fit_dir / UNIT_SHARES) as arrays:
            doc_topic, known = arrays["doc_topic"], arrays["known"]
        row = json.loads((fit_dir / FIT_METRICS).read_text(encoding="utf-8"))
    except (OSError, KeyError, ValueError) as err:
        raise InputError(f"{fit_dir}: fit is missing or damaged ({err}); delete it and run the config again") from None
    return result, doc_topic, known, row


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
            shown = message if len(message) <= 300 else message[:300] + f" … (in full: {fit_dir / FIT_WARNINGS})"
            tqdm.write(f"warning: {shown}", file=sys.stderr)
