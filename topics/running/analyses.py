"""The stages after the tables: validity flags, representative units, the model comparison, and inference
(every unit's theme probabilities, shares with intervals by year and region, covariate effects).

Each writes tables the report shows as they are: the report computes no figure of its own."""

from __future__ import annotations

import sys
import warnings

import pandas as pd
from tqdm import tqdm

from ..comparison import comparison_markdown
from ..inference import effects, shares, study_data, unit_table, write_unit_probabilities
from ..inference.effects import design_matrix
from ..inference.shares import thin_groups, weighing
from ..settings import table_defaults
from ..where import parse_where
from ..inference.study import StudyData
from ..run_folder import RunFolder
from ..run_files import (COMPARISON, CONFIG, EFFECTS, EFFECTS_CONTRASTS, EFFECTS_EXPECTED, EXAMPLES, FLAGS, METRICS,
                         NOTES, SHARES_BY_WEIGHT, TOPIC_EVIDENCE, shares_by)
from ..validation.examples import REPORTED_EXAMPLES, run_examples
from ..validation.flags import effects_with_flags, evidence_table, primary_rows, with_flags
from .stopwatch import Stopwatch

SHARE_GROUPS = ("year", "region")  # the report shows shares with intervals by each of these that varies


def write_validation_tables(run: RunFolder) -> None:
    """topic_evidence.csv and examples.csv (each model's primary fit), then comparison.md, which lists the
    primary fits' flags (flags.csv, written with the tables)."""
    flags = run.table(FLAGS)
    run.write_csv(TOPIC_EVIDENCE, evidence_table(run, flags))
    run.write_csv(EXAMPLES, run_examples(run, n=REPORTED_EXAMPLES))
    run.write_text(COMPARISON, comparison_markdown(run, run.table(METRICS), primary_rows(flags)))


def write_inference_tables(run: RunFolder, config: dict, *, clock: Stopwatch | None = None) -> None:
    """unit_probabilities.csv (when [inference] unit_probabilities), shares with intervals by year and by
    region (when the run has two or more of them) and the effects of [effects] formula (when given). What
    it warns about (two documents of one year and region, themes without an effect) is printed and kept
    in notes.json for the report."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        skipped = _inference_tables(run, config, clock or Stopwatch())
    notes = [str(w.message) for w in caught] + [f"no effect estimated for {why}" for why in skipped]
    for note in notes:
        tqdm.write(f"warning: {note}", file=sys.stderr)
    run.write_json(NOTES, {**(run.json(NOTES) or {}), "inference": notes})


def check_documents(run: RunFolder, config: dict, source: str) -> None:
    """The run's documents can take the config's [inference] column_types and [effects] formula: checked
    once its units are written, before any fitting (InputError naming ``source``, the config)."""
    inference, formula = config["inference"], config["effects"]["formula"]
    if not inference["column_types"] and not formula and not inference.get("where"):
        return
    with warnings.catch_warnings():  # two editions of a year are warned about with the inference tables
        warnings.simplefilter("ignore")
        units = unit_table(run, inference["column_types"], stated_by=f"{source}: inference.column_types")
    types = units.attrs["column_types"]
    data = StudyData(units, [], [], types)
    if inference.get("where"):
        data, _ = data.subset(parse_where(inference["where"], f"{source}: inference.where"))
    if formula:
        design_matrix(formula, data.documents(), types, f"{source}: effects.formula")


def _inference_tables(run: RunFolder, config: dict, clock: Stopwatch) -> list[str]:
    # a run folder written before a setting was declared (remapped now) takes its default
    inference = {**table_defaults("inference"), **config["inference"]}
    if inference["unit_probabilities"]:
        with clock("inference:probabilities"):
            write_unit_probabilities(run)
    data = study_data(run, inference["column_types"])
    if inference.get("where"):  # the run's shares and effects are of these documents; unit_probabilities of all
        data, line = data.subset(parse_where(inference["where"], f"{run.file(CONFIG)}: inference.where"))
        warnings.warn(line, stacklevel=1)
    documents = data.documents()
    few = documents[documents["units"] < inference["min_units"]]
    if len(few):
        shown = ", ".join(f"{row.doc_id} ({row.units})" for row in few.head(10).itertuples())
        warnings.warn(f"{len(few)} document(s) have fewer than {inference['min_units']} units ([inference] min_units), "
                      f"so one unit moves a share of theirs by {100 / inference['min_units']:.0f} points or more and a "
                      f"long unit on several subjects counts for one: {shown}{' …' if len(few) > 10 else ''}", stacklevel=1)
    with clock("inference:weighing"):  # each model at the k of its primary fit, as the shares below
        chosen = {key: inference[key] for key in ("draws", "seed", "level")}
        run.write_csv(SHARES_BY_WEIGHT, pd.concat([weighing(data, model, run.primary(model).k, **chosen)
                                                   for model in run.models], ignore_index=True))
    for column in SHARE_GROUPS:
        name = shares_by(column)
        if documents[column].nunique() < 2:
            run.file(name).unlink(missing_ok=True)  # a remapped run whose corpus has one year keeps no stale table
            continue
        with clock("inference:shares"):  # each model at the k of its primary fit, its seeds pooled
            chosen = {key: inference[key] for key in ("weight", "draws", "seed", "level", "min_documents")}
            table = pd.concat([shares(data, by=column, model=model, k=run.primary(model).k, **chosen)
                               for model in run.models], ignore_index=True)
        thin = thin_groups(table, [column], inference["min_documents"])
        if thin:
            warnings.warn(thin, stacklevel=1)
        run.write_csv(name, with_flags(run, table))
    formula = config["effects"]["formula"]
    if formula:
        with clock("inference:effects"):
            result = effects(data, formula, draws=config["effects"]["draws"], seed=inference["seed"],
                             weight=inference["weight"], level=inference["level"],
                             uncertainty=config["effects"]["uncertainty"],
                             source=f"{run.file(CONFIG)}: effects.formula")
        result = effects_with_flags(run, result)
        run.write_csv(EFFECTS, result.table)
        if not result.expected.empty:
            run.write_csv(EFFECTS_EXPECTED, result.expected)
        if not result.contrasts.empty:
            run.write_csv(EFFECTS_CONTRASTS, result.contrasts)
        else:  # a formula without a category now: no contrasts of an earlier one
            run.file(EFFECTS_CONTRASTS).unlink(missing_ok=True)
        return result.skipped
    return []
