"""The run folder on disk: claiming it, locking it against a second process, resuming, atomic writes.

A run folder is ours when its config.toml is (a folder with another config is refused). While a
command works in it, it holds an exclusive OS lock on ``.lock``: a second ``topics run`` on the same
folder stops at once, naming the process that holds it; the lock dies with its process, so a killed
run never blocks the next one. DONE is written last: a folder without it is not a finished run."""

from __future__ import annotations

import copy
import fcntl
import json
import os
import re
import tomllib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .documents import Unit
from .errors import InputError
from .outputs import open_output
from .result import TopicResult
from .tomlfile import to_toml

DONE = "DONE"
LOCK_FILE = ".lock"
INPUTS_FILE = "inputs.sha256"
UNITS_FILE = "units.jsonl"  # every unit of the run with its label and its row among the fitted units
UNIT_SHARES_FILE = "units.npz"  # per fit: every unit's topic shares and how many of its tokens the model knows


@contextmanager
def locked(run_dir: Path):
    """Hold the run folder's lock for the duration; InputError at once when another process holds it."""
    run_dir = Path(run_dir)
    try:
        handle = open(run_dir / LOCK_FILE, "a+", encoding="utf-8")
    except OSError as err:
        raise InputError(f"{run_dir}: cannot lock the run folder ({err.strerror or err})") from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise InputError(f"{run_dir}: in use by another topics process (pid {holder}); wait for it to finish "
                             "or choose another -o folder") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def create_folder(run_dir: Path) -> None:
    """Make the run folder (and its parents); a folder that cannot be made is an InputError."""
    if run_dir.exists() and not run_dir.is_dir():
        raise InputError(f"{run_dir}: exists and is not a folder; choose another -o folder")
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"{run_dir}: cannot create the run folder ({err.strerror or err})") from None


# Settings that change no fit: a run of a config that differs only in these is the same run (resumed,
# on any scheduler, and mapped again with the new mapping settings by the mapping stage).
NEUTRAL_SETTINGS = (("run", "progress"), ("run", "scheduler"), ("run", "workers"), ("tokenizer", "cache"),
                    ("themes", "min_lift"), ("themes", "min_margin"), ("themes", "section_weight"),
                    ("themes", "heading_bonus"))


def claim(run_dir: Path, config: dict) -> None:
    """Accept the (locked) folder for this config: new and empty, or holding a run of the same config
    (to resume). Resuming compares the whole resolved config except NEUTRAL_SETTINGS."""
    saved = run_dir / "config.toml"
    if saved.is_file():
        if saved.read_text(encoding="utf-8") != _with_saved_neutral_settings(config, saved):
            raise InputError(f"{run_dir}: holds a run of a different config; choose another -o folder or delete it")
        return
    if any(path.name != LOCK_FILE for path in run_dir.iterdir()):
        raise InputError(f"{run_dir}: folder exists and is not a run folder; choose another -o folder")
    write_text(saved, to_toml(config))


def _with_saved_neutral_settings(config: dict, saved: Path) -> str:
    """The config as TOML with the neutral settings as the saved config has them."""
    try:
        saved_config = tomllib.loads(saved.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return to_toml(config)  # damaged: cannot match, so the folder is refused
    same = copy.deepcopy(config)
    for table, key in NEUTRAL_SETTINGS:
        if key in saved_config.get(table, {}) and key in same.get(table, {}):
            same[table][key] = saved_config[table][key]
    return to_toml(same)


def check_inputs_unchanged(run_dir: Path, fingerprint: str) -> bool:
    """Fits kept from an earlier start are reused only if the corpus, its tokens, the labels and the
    theme lexicon are still the same (the config alone cannot tell: files may have changed).
    True when an earlier start of this run left its fits."""
    fits = run_dir / "fits"
    saved = fits / INPUTS_FILE
    resumed = saved.is_file()
    if resumed and saved.read_text(encoding="utf-8").strip() != fingerprint:
        raise InputError(f"{run_dir}: the corpus, its tokens, the labels or the theme lexicon changed since this run "
                         f"began; delete {fits} to refit, or choose another -o folder")
    fits.mkdir(parents=True, exist_ok=True)
    write_text(saved, fingerprint + "\n")
    return resumed


def fit_folder(run_dir: Path, name: str, k: int, seed: int) -> Path:
    """Where one fit is kept; it is complete only when its metrics.json exists."""
    return Path(run_dir) / "fits" / f"{name}-k{k}-s{seed}"


_FIT_FOLDER = re.compile(r"(?P<model>.+)-k(?P<k>\d+)-s(?P<seed>\d+)")


def finished_fits(run_dir: Path, models: list[str]) -> list[tuple[str, int, int, Path]]:
    """(model, k, seed, folder) of every complete fit of ``models`` under RUN_DIR/fits, in the order of
    ``models``, then k, then seed."""
    found = []
    for folder in (Path(run_dir) / "fits").glob("*-k*-s*"):
        match = _FIT_FOLDER.fullmatch(folder.name)
        if match and match["model"] in models and (folder / "metrics.json").is_file():
            found.append((match["model"], int(match["k"]), int(match["seed"]), folder))
    return sorted(found, key=lambda fit: (models.index(fit[0]), fit[1], fit[2]))


def write_text(path: Path, text: str) -> None:
    """Write through a temporary file, so an interrupted run never leaves half a file behind."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


@contextmanager
def csv_parts(path: Path):
    """Write a CSV a part at a time: ``write(frame)`` appends a frame (the header comes with the first), so
    a large table is never held whole, neither as frames nor as text; written whole or not at all."""
    first = True
    with open_output(path, newline="") as out:
        def write(frame: pd.DataFrame) -> None:
            nonlocal first
            frame.to_csv(out, index=False, header=first)
            first = False
        yield write


def write_csv(table: pd.DataFrame, path: Path) -> None:
    write_text(path, table.to_csv(index=False))


def mark_done(run_dir: Path) -> None:
    write_text(run_dir / DONE, "finished\n")


def mark_unfinished(run_dir: Path) -> None:
    (run_dir / DONE).unlink(missing_ok=True)


# ---------------------------------------------------------------- reading what a run wrote


@dataclass
class RunUnits:
    """The run's units as the mapping stage reads them back from units.jsonl."""

    units: list[Unit]
    labels: list[str]
    fitted_rows: list[int | None]  # each unit's row among the fitted units (None: not fitted on)

    @property
    def train_index(self) -> list[int]:
        """Unit indices in the order of the fitted rows."""
        rows = {row: i for i, row in enumerate(self.fitted_rows) if row is not None}
        return [rows[row] for row in sorted(rows)]


def read_run_units(run_dir: Path) -> RunUnits:
    """Read units.jsonl back; InputError naming the file when it is missing or damaged."""
    path = Path(run_dir) / UNITS_FILE
    if not path.is_file():
        raise InputError(f"{path}: missing; this run folder was made by an older version of the package — "
                         "run its config again")
    units, labels, rows = [], [], []
    with path.open(encoding="utf-8") as lines:  # line by line: the file is never held whole
        for number, line in enumerate(lines, start=1):
            try:
                record = json.loads(line)
                labels.append(str(record.pop("label")))
                rows.append(record.pop("fitted_row"))
                units.append(Unit.from_json(record))
            except (ValueError, KeyError, TypeError, AttributeError) as err:
                raise InputError(f"{path}:{number}: damaged unit record ({err})") from None
    return RunUnits(units, labels, rows)


def read_fit(fit_dir: Path) -> tuple[TopicResult, np.ndarray, np.ndarray, dict]:
    """A finished fit's result, every unit's topic shares and known tokens, and its metrics row."""
    try:
        result = TopicResult.load(fit_dir)
        with np.load(fit_dir / UNIT_SHARES_FILE) as arrays:
            doc_topic, known = arrays["doc_topic"], arrays["known"]
        row = json.loads((fit_dir / "metrics.json").read_text(encoding="utf-8"))
    except (OSError, KeyError, ValueError) as err:
        raise InputError(f"{fit_dir}: fit is missing or damaged ({err}); delete it and run the config again") from None
    return result, doc_topic, known, row
