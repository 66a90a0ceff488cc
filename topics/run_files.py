"""The name of every file a run folder holds: the one place they are spelled (a shared shape, so that
reading a corpus can also recognise a run folder left inside it).

What each holds is documented in the README's table of the run folder."""

from __future__ import annotations

import re
from pathlib import Path

# the run as run
CONFIG = "config.toml"
VERSIONS = "versions.json"
LEXICON = "lexicon.toml"  # also the name a saved model keeps its lexicon under
UNITS = "units.jsonl"  # every unit of the run with its label and its row among the fitted units
CORPUS_SUMMARY = "corpus_summary.json"
TIMINGS = "timings.json"

# the tables
FIT_MANIFEST = "fits.json"  # every finished fit: model, k, seed, folder, primary, capabilities
METRICS = "metrics.csv"
COMPARISON = "comparison.md"
ASSIGNMENTS = "assignments.csv"
THEME_SHARES = "theme_shares.csv"
UNIT_PROBABILITIES = "unit_probabilities.csv"  # and the same table as .parquet when pyarrow is installed
FLAGS = "flags.csv"  # validity flags of every fit's topics
TOPIC_EVIDENCE = "topic_evidence.csv"  # each primary fit's topics: lifts, margin, word shares, flags
EXAMPLES = "examples.csv"  # representative units of each primary fit's topics and themes
EFFECTS = "effects.csv"
EFFECTS_EXPECTED = "effects_expected.csv"
EFFECTS_CONTRASTS = "effects_contrasts.csv"  # differences in expected share between levels, in points
GOLD_METRICS = "gold_metrics.csv"  # written by `topics evaluate`
CORRECTED_SHARES = "shares_corrected.csv"  # written by `topics shares --gold`: model-only, corrected, bias
CORRECTED_EFFECTS = "effects_corrected.csv"  # written by `topics effects --gold`
CORRECTED_EXPECTED = "effects_corrected_expected.csv"
SHARES_BY_WEIGHT = "shares_by_weight.csv"  # every theme's share counted by units and by characters, side by side
NOTES = "notes.json"  # what a stage after the tables warned about, by stage, for the report to show


def shares_by(column: str) -> str:
    """The shares with intervals by one metadata column that the run's inference stage writes."""
    return f"shares_by_{column}.csv"


# the report
REPORT = "report.html"
LDAVIS = "ldavis"
PLOTS = "plots"
PLOT_MANIFEST = "drawn.json"  # inside plots/: what each plot and LDAvis page was drawn from, so an unchanged one is kept

# folders of fits and saved models
FITS = "fits"
MODELS = "models"
INPUTS = "inputs.sha256"  # under fits/: what the fits were made from, checked when a run resumes

# inside a fit folder (the model's own files, result.json/.npz and model.json, are named by the model)
UNIT_SHARES = "units.npz"  # every unit's topic shares and how many of its tokens the model knows
UNIT_THEMES = "themes.npz"  # every unit's theme probabilities, theme and runner-up (topics.assignment.UnitThemes)
FIT_METRICS = "metrics.json"  # the fit's scores; written last, it marks the fit complete
METRIC_NOTES = "metric_notes.json"
LABEL_NOTES = "label_notes.json"
FIT_WARNINGS = "warnings.txt"
RUN_BOOKKEEPING = (UNIT_SHARES, UNIT_THEMES, FIT_METRICS, METRIC_NOTES, LABEL_NOTES)  # not part of a saved model

# the folder's state
DONE = "DONE"  # written last: a folder without it is not a finished run
LOCK = ".lock"  # held by the process working in the folder; holds its pid and command
# what marks a folder as a run folder (DONE last; config.toml and units.jsonl first): a corpus folder
# holding one is not read as reports
RUN_FOLDER_MARKS = ((DONE,), (CONFIG, UNITS))

_FIT_FOLDER = re.compile(r"(?P<model>.+)-k(?P<k>\d+)-s(?P<seed>\d+)")


def fit_folder_name(model: str, k: int, seed: int) -> str:
    return f"{model}-k{k}-s{seed}"


def fit_folder(run_dir: Path, model: str, k: int, seed: int) -> Path:
    """Where one fit is kept; it is complete only when its metrics.json exists."""
    return Path(run_dir) / FITS / fit_folder_name(model, k, seed)


def parse_fit_folder(name: str) -> tuple[str, int, int] | None:
    """(model, k, seed) of a fit folder's name; None for another name."""
    match = _FIT_FOLDER.fullmatch(name)
    return (match["model"], int(match["k"]), int(match["seed"])) if match else None
