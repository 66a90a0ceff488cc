"""A config → a run folder: prepare the corpus, fit the grid, then the mapping stage, the tables and the
stages that read them (flags, examples, comparison, inference), and the report; DONE last.

The stages meet only through the run folder: fitting writes each fit under RUN_DIR/fits/, and the
mapping stage reads them back with the run's units and lexicon. So ``remap_run`` maps a finished run
again with other mapping settings without refitting, and an interrupted run resumes from the fits it kept."""

from __future__ import annotations

import copy
import os
import shutil
import time
from pathlib import Path

from ..config import SCHEDULER, WORKERS, config_source, load_config
from ..errors import InputError
from ..execution import open_executor
from ..formula import check_formula
from ..inference.study import document_columns
from ..lexicon import Lexicon
from ..mapping import MappingSettings
from ..ingest.reading import refuse_output_inside_inputs
from ..rules import check
from ..run_folder import RunFolder
from ..run_files import (CONFIG, CORPUS_SUMMARY, EFFECTS, EFFECTS_CONTRASTS, EFFECTS_EXPECTED, LEXICON, TIMINGS,
                         VERSIONS)
from ..tomlfile import to_toml
from ..versions import package_versions
from .analyses import check_documents, write_inference_tables, write_validation_tables
from .fitting import FitInputs, fit_grid
from .prepare import prepare_corpus
from .stopwatch import Stopwatch
from .tables import write_tables


def run_experiment(config_path: str | Path, run_dir: str | Path | None = None, *, progress: bool | None = None,
                   scheduler: str | None = None, workers: int | None = None,
                   overrides: dict[str, object] | None = None) -> Path:
    """Run the config file and return the run folder (which holds report.html when enabled).
    ``progress``, ``scheduler`` and ``workers`` override the config's run.progress, run.scheduler, run.workers;
    ``overrides`` ({"table.key": value}) any other key."""
    return run_config(load_config(config_path, overrides), run_dir, progress=progress, scheduler=scheduler,
                      workers=workers, source=config_source(config_path, overrides))


def run_config(config: dict, run_dir: str | Path | None = None, *, progress: bool | None = None,
               scheduler: str | None = None, workers: int | None = None, source: str = "<config>") -> Path:
    """Run a resolved config (see topics.config.resolve_config) and return the run folder; ``source`` names
    the config in messages."""
    config = copy.deepcopy(config)
    for key, value, rule in (("progress", progress, None), ("scheduler", scheduler, SCHEDULER), ("workers", workers, WORKERS)):
        if value is not None:
            if rule is not None:
                check(value, rule, f"run.{key}")
            config["run"][key] = value
    run_dir = Path(run_dir or config["run"]["output"] or Path("runs") / config["run"]["name"])
    refuse_output_inside_inputs(run_dir, config["corpus"]["paths"])
    lexicon = Lexicon.load(config["themes"]["lexicon"] or None)
    # segmentation chunks and fits run on this executor; it is opened first, so that an unreachable
    # scheduler stops the run before the folder is touched
    tasks = open_executor(config["run"]["scheduler"], config["run"]["workers"])
    try:
        run = RunFolder.create(run_dir)
        with run.locked("run"):
            run.claim(config)
            _run_locked(run, config, lexicon, tasks, source)
    finally:
        tasks.close()
    return run_dir


def _run_locked(run: RunFolder, config: dict, lexicon: Lexicon, tasks, source: str) -> None:
    progress = config["run"]["progress"]
    clock = Stopwatch(sample_memory=True)
    started = time.perf_counter()
    prepared = prepare_corpus(config, lexicon, progress=progress, clock=clock, executor=tasks)
    if config["effects"]["formula"]:  # its columns are known now: a wrong name stops the run before any fitting
        check_formula(config["effects"]["formula"], f"{source}: effects.formula",
                      columns=document_columns(prepared.units))
    resumed = run.check_inputs_unchanged(prepared.fingerprint(lexicon.to_dict()))
    # from here on the folder is being rewritten: until DONE comes back it is not a finished run
    run.mark_unfinished()
    run.write_text(CONFIG, to_toml(config))
    run.write_json(VERSIONS, package_versions())
    run.write_json(CORPUS_SUMMARY, prepared.summary)
    lexicon.save(run.file(LEXICON))
    run.write_units(prepared.units, prepared.labels, prepared.train_index)
    check_documents(run, config, source)  # what the inference stage needs of them, before hours of fitting
    inputs = FitInputs.of(prepared)
    prepared.units.close()  # the units' texts are in units.jsonl now: the fits need only tokens, counts and labels
    del prepared
    with clock("fit"):
        fit_grid(run, config, inputs, lexicon, tasks, resumed=resumed, progress=progress, clock=clock)
    del inputs  # the tables read the run folder back
    tasks.close()  # the workers' memory is the tables' now
    _stages_after_fitting(run, config, lexicon, clock, progress)
    clock.seconds["total"] = round(time.perf_counter() - started, 3)
    run.write_json(TIMINGS, clock.summary())
    run.mark_done()  # last: only now is the folder a finished run


def _stages_after_fitting(run: RunFolder, config: dict, lexicon: Lexicon, clock: Stopwatch, progress: bool) -> None:
    """The mapping stage, the tables, the stages that read them, and the report."""
    with clock("tables"):
        write_tables(run, config, lexicon, clock=clock)
    with clock("validation"):
        write_validation_tables(run)
    with clock("inference"):
        write_inference_tables(run, config, clock=clock)
    if config["report"]["enabled"]:
        from ..report import write_plots, write_report

        with clock("report"):
            write_plots(run)
            write_report(run, progress=progress)


def remap_run(run_dir: str | Path, *, min_lift: float | None = None, min_margin: float | None = None,
              progress: bool = False) -> Path:
    """Map a finished run's topics to themes again with other mapping settings, without refitting:
    rewrites the tables, the saved models' topic themes, config.toml's [themes] and the report.

    The new state is written into a copy of the folder (its files hard-linked, so the copy costs no
    space until a file is rewritten) that replaces the folder only when everything is written: a failure
    on the way leaves the finished run as it was."""
    run = RunFolder.open(run_dir)
    with run.locked("remap"):
        config = copy.deepcopy(run.config)
        if min_lift is not None:
            config["themes"]["min_lift"] = min_lift
        if min_margin is not None:
            config["themes"]["min_margin"] = min_margin
        MappingSettings.from_config(config)  # checked before anything is written
        if config["effects"]["formula"]:  # so is the formula, which a run folder sent to us may hold
            check_formula(config["effects"]["formula"], f"{run.file(CONFIG)}: effects.formula",
                          columns=document_columns(run.units))
        lexicon = run.lexicon
        staging = _linked_copy(run.path)
        try:
            new = RunFolder(staging)
            new.mark_unfinished()
            new.write_text(CONFIG, to_toml(config))
            if not config["effects"]["formula"]:  # effects estimated by hand rest on the old themes
                for name in (EFFECTS, EFFECTS_EXPECTED, EFFECTS_CONTRASTS):
                    new.file(name).unlink(missing_ok=True)
            _stages_after_fitting(new, config, lexicon, Stopwatch(), progress)
            new.mark_done()
            _swap(run.path, staging)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
    return run.path


def _linked_copy(folder: Path) -> Path:
    """A copy of ``folder`` beside it whose files are hard links to the folder's (copies where links are
    not allowed); rewriting a file in the copy replaces the link, never the original."""
    staging = folder.with_name(f".{folder.name}.remap-{os.getpid()}")
    if staging.exists():
        shutil.rmtree(staging)

    def link(source, target):
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)

    try:
        shutil.copytree(folder, staging, copy_function=link, symlinks=True)
    except OSError as err:
        raise InputError(f"{folder}: cannot stage the remapped run beside it ({err.strerror or err})") from None
    return staging


def _swap(folder: Path, staging: Path) -> None:
    """Put the finished ``staging`` folder in place of ``folder``."""
    old = folder.with_name(f".{folder.name}.old-{os.getpid()}")
    os.rename(folder, old)
    os.rename(staging, folder)
    shutil.rmtree(old, ignore_errors=True)
