"""The mapping stage and the tables that rest on it, from what the fits wrote.

For every fit of the manifest (fits.json, written first): its topics mapped to themes (result.json),
every unit's theme computed once (themes.npz, topics.assignment.fit_themes), its label scores and the
validity flags of its topics. Then the run's tables: metrics.csv, theme_shares.csv, flags.csv,
assignments.csv (each model's primary fit) and the saved models.
Fits are read one at a time, so memory holds one (model, k) group's topics, not the whole grid's. Every
reader reads these files; none computes a unit's theme again."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from ..assignment import RUN_SHARE_COLUMNS, UnitThemes, assignment_table, fit_themes, theme_shares
from ..labels import UNMAPPED
from ..lexicon import Lexicon
from ..mapping import MappingSettings, apply_mapping
from ..metrics import MetricContext, compute_metrics, stability
from ..result import META_FILE
from ..run_folder import UNITS_PER_PART, Fit, RunFolder, RunUnits, manifest_entry
from ..run_files import ASSIGNMENTS, FLAGS, LABEL_NOTES, METRICS, MODELS, RUN_BOOKKEEPING, THEME_SHARES
from ..validation.flags import empty_flags, fit_flags, with_flags
from .fitting import capabilities, finite, fit_jobs, is_label_metric, is_primary, read_fit
from .stopwatch import Stopwatch

def write_tables(run: RunFolder, config: dict, lexicon: Lexicon, *, clock: Stopwatch | None = None) -> None:
    """Map every fit, write its unit themes and flags, and write the run's tables (see the module's
    docstring). Each model's primary fit stays in memory for the stages after this one."""
    clock = clock or Stopwatch()
    settings = MappingSettings.from_config(config)
    run_units = run.run_units
    label_names = [m for m in config["evaluation"]["metrics"] if is_label_metric(m)]
    listed_themes = [*lexicon.names, UNMAPPED]  # unmapped rows are dropped afterwards for models without one
    run.write_manifest([manifest_entry(name, k, seed, primary=is_primary(name, k, seed, config, lexicon),
                                       capabilities=capabilities(name))
                        for name, k, seed in fit_jobs(config, lexicon)], len(run_units))
    groups: dict[tuple[str, int], list[Fit]] = {}
    for fit in run.fits():
        groups.setdefault((fit.model, fit.k), []).append(fit)
    rows, shares, flags, stable, unmapped, primaries = [], [], [], {}, set(), []
    for (name, k), fits in groups.items():
        for fit in fits:
            result, doc_topic, known, row = read_fit(fit.folder)
            with clock("tables:mapping"):
                apply_mapping(result, lexicon, settings)
                run.write_json(fit.folder.relative_to(run.path) / META_FILE, result.meta())
                themes = fit_themes(result, run_units.units, doc_topic, known)
                run.write_themes(fit.folder, themes)
            fit.remember(result, doc_topic, known, themes)
            row.update(_label_scores(run, result, themes, run_units, label_names, fit.folder))
            rows.append(row)
            shares.append(theme_shares(run_units.units, themes, listed_themes).assign(model=name, k=k, seed=fit.seed))
            with clock("tables:flags"):
                flags.append(fit_flags(fit, lexicon, settings.min_lift).assign(primary=fit.primary))
            if fit.primary:
                primaries.append(fit)
                _save_model(run.path, name, fit.folder)
            if UNMAPPED in result.topic_themes:
                unmapped.add(name)
        stable[(name, k)] = stability([fit.result for fit in fits])
        for fit in fits:
            if not fit.primary:  # memory holds one (model, k) group, and the primary fits
                fit.forget()
    _write_assignments(run, run_units, primaries)
    run.write_csv(METRICS, _with_stability(_ordered(pd.DataFrame(rows), config), stable))
    share_table = pd.concat(shares, ignore_index=True)
    # every fit of a model lists the same themes ('unmapped' when any of its fits has such a topic), so
    # shares averaged over its seeds still sum to 1
    share_table = share_table[(share_table["theme"] != UNMAPPED) | share_table["model"].isin(unmapped)]
    run.write_csv(FLAGS, pd.concat([table for table in flags if not table.empty] or [empty_flags()],
                                   ignore_index=True))
    run.write_csv(THEME_SHARES, with_flags(run, share_table)[RUN_SHARE_COLUMNS])  # flags.csv first: read from it


def _write_assignments(run: RunFolder, run_units: RunUnits, primaries: list[Fit]) -> None:
    """assignments.csv: every unit with its text under each model's primary fit, model after model. The largest
    table: written a block of units at a time for every model (each model's rows a section of the file), the
    block's texts read from units.jsonl once and let go when its rows are written."""
    with run.csv_parts(ASSIGNMENTS, sections=len(primaries)) as write:
        for start in range(0, len(run_units), UNITS_PER_PART):
            stop = start + UNITS_PER_PART
            units, labels = run_units.units[start:stop], run_units.labels[start:stop]
            texts = run_units.texts(start, stop)
            for section, fit in enumerate(primaries):
                write(assignment_table(units, fit.themes.rows(start, stop), fit.model, labels, texts), section)


def _label_scores(run: RunFolder, result, themes: UnitThemes, run_units: RunUnits, names: list[str],
                  fit_dir: Path) -> dict:
    """Label scores of the fitted units' assigned themes (assigned among all the run's units, so that a
    unit's section neighbours count as they do in assignments.csv); why one is n/a goes to label_notes.json."""
    if not names:
        return {}
    assigned = themes.theme_names()
    train_index = run_units.train_index
    ctx = MetricContext(token_lists=[], labels=[run_units.labels[i] for i in train_index],
                        predicted=[assigned[i] for i in train_index])
    scores = compute_metrics(result, ctx, names)
    run.write_json(fit_dir.relative_to(run.path) / LABEL_NOTES, ctx.notes)
    return finite(scores)


def _ordered(metrics: pd.DataFrame, config: dict) -> pd.DataFrame:
    """model, k, seed, the metrics in config order, fit_seconds, peak_mb."""
    names = [m for m in config["evaluation"]["metrics"] if m in metrics.columns]
    return metrics[["model", "k", "seed", *names, "fit_seconds", "peak_mb"]]


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


def _save_model(run_dir: Path, name: str, fit_dir: Path) -> None:
    target = run_dir / MODELS / name
    if target.exists():
        shutil.rmtree(target)
    # the model without the run's bookkeeping (unit shares and themes, scores, notes)
    shutil.copytree(fit_dir, target, ignore=shutil.ignore_patterns(*RUN_BOOKKEEPING, "*.partial"))
