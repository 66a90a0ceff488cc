"""A run folder as one typed object: what the runner writes through it and every reader reads from it.

``RunFolder.open(path)`` checks the folder once (a run folder, finished, not busy) and then reads each
file when first asked, once: the config, the lexicon, the units, the fits. Readers (the report,
validation, inference, evaluation, the API and the commands) take a RunFolder and never recompute what
the run wrote. Every write goes through a temporary file, so an interrupted command never leaves half a
file; DONE is written last."""

from __future__ import annotations

import copy
import json
import os
import shutil
import tempfile
import tomllib
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..assignment import UnitThemes
from ..errors import InputError, listed, not_a_file
from ..lexicon import Lexicon
from ..outputs import open_output
from ..tomlfile import read_toml, to_toml
from . import lock
from ..run_files import (CONFIG, CORPUS_SUMMARY, DONE, FIT_MANIFEST, FIT_METRICS, FITS, INPUTS, LEXICON, LOCK,
                    UNIT_THEMES, UNITS)
from .fits import Fit, manifest_json, read_manifest
from .units import RunUnits, UnitColumns, read_units, write_units

if TYPE_CHECKING:  # tables are read with pandas when first asked for: opening a run does not load it
    import pandas as pd

# Settings that change no fit: a run of a config that differs only in these is the same run (resumed, on
# any scheduler, mapped again with the new mapping settings, its inference stages run again).
NEUTRAL_TABLES = ("effects", "inference", "report")
NEUTRAL_SETTINGS = (("run", "progress"), ("run", "scheduler"), ("run", "workers"), ("tokenizer", "cache"),
                    ("themes", "min_lift"), ("themes", "min_margin"), ("themes", "section_weight"),
                    ("themes", "heading_bonus"))

# Columns of the run's tables that are text (never numbers or missing values), and columns every row fills:
# an empty cell there means the file was cut or damaged.
_TEXT_COLUMNS = {name: str for name in (
    "model", "doc_id", "unit_id", "region", "heading", "text", "theme", "runner_up", "label", "assigned",
    "topic", "flag", "flags", "words", "detail", "top_words", "best_theme", "kind", "target",
    "term", "scale", "method", "formula", "covariate", "weight", "level", "reference")}
_FILLED_COLUMNS = ("model", "k", "seed", "doc_id", "unit_id", "theme", "units", "share", "p")


class RunFolder:
    """One run folder. Read with ``open``; the runner makes one with ``create``."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._tables: dict[str, pd.DataFrame | None] = {}  # each table read once; a write forgets it

    def __repr__(self) -> str:
        return f"RunFolder({str(self.path)!r})"

    @classmethod
    def open(cls, path: str | Path, *, finished: bool = True) -> "RunFolder":
        """A run folder to read; InputError when it is missing, not a run folder, busy or (with
        ``finished``) not finished. ``finished=False`` also opens a run whose tables are written but which
        is not yet DONE (the runner writes the report just before DONE)."""
        folder = cls(path)
        if not folder.path.is_dir():
            what = ("no such run folder" if not folder.path.exists() else
                    f"{'is a file' if folder.path.is_file() else not_a_file(folder.path)}, not a run folder")
            raise InputError(f"{folder.path}: {what}; give a folder written by `topics run`")
        if not (folder.path / CONFIG).is_file():
            raise InputError(f"{folder.path}: not a run folder (no {CONFIG}); give a folder written by `topics run`")
        if finished and not folder.finished:
            holder = lock.holder(folder.path)
            if holder:
                raise InputError(f"{folder.path}: busy: {holder} is working in it; wait for it to finish")
            raise InputError(f"{folder.path}: not a finished run (no {DONE} file); run `topics run CONFIG.toml` first "
                             "or let it finish")
        return folder

    @classmethod
    def of(cls, run: "RunFolder | str | Path", *, finished: bool = True) -> "RunFolder":
        """``run`` itself when it is a RunFolder, else the folder at that path, opened (see ``open``)."""
        return run if isinstance(run, RunFolder) else cls.open(run, finished=finished)

    @classmethod
    def create(cls, path: str | Path) -> "RunFolder":
        """Make the folder (and its parents) for a new run; InputError when it cannot be made."""
        folder = cls(path)
        if folder.path.exists() and not folder.path.is_dir():
            raise InputError(f"{folder.path}: exists and is not a folder; choose another -o folder")
        try:
            folder.path.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise InputError(f"{folder.path}: cannot create the run folder ({err.strerror or err})") from None
        return folder

    def file(self, name: str) -> Path:
        return self.path / name

    @property
    def finished(self) -> bool:
        return (self.path / DONE).is_file()

    # ---------------------------------------------------------------- reading, each file once

    @cached_property
    def config(self) -> dict:
        return read_toml(self.path / CONFIG, "run config")

    @cached_property
    def lexicon(self) -> Lexicon:
        """The theme lexicon the run used, as it saved it (the package's own for runs made before runs kept one)."""
        path = self.path / LEXICON
        return Lexicon.load(path if path.exists() else None)

    @cached_property
    def run_units(self) -> RunUnits:
        return read_units(self.path / UNITS)

    @property
    def units(self) -> UnitColumns:
        """The run's units without their texts (None), a sequence of units held as columns: ``run_units`` reads
        units with texts from the file."""
        return self.run_units.units

    @property
    def labels(self) -> list[str]:
        return self.run_units.labels

    @cached_property
    def summary(self) -> dict:
        return self.json(CORPUS_SUMMARY) or {}

    @cached_property
    def _fits(self) -> list[Fit]:
        return read_manifest(self.path)

    @property
    def models(self) -> list[str]:
        """The run's models in config order."""
        return list(dict.fromkeys(fit.model for fit in self._fits))

    def fits(self, model: str | None = None, *, k: int | None = None, primary_only: bool = False) -> list[Fit]:
        """The run's finished fits in run order (config order of models, then k, then seed), each read
        once however often it is asked for; ``primary_only``: each model's primary fit."""
        if model is not None and model not in self.models:
            raise InputError(f"{self.path}: no model {model!r} in this run; its models: {listed(self.models)}")
        found = [fit for fit in self._fits if (model is None or fit.model == model) and (k is None or fit.k == k)
                 and (fit.primary or not primary_only)]
        if not found:
            parts = (f"--model {model}" if model else "", f"--k {k}" if k is not None else "")
            wanted = " ".join(part for part in parts if part)
            have = listed(dict.fromkeys(f"{fit.model} (k={fit.k})" for fit in self._fits))
            raise InputError(f"{wanted or self.path}: the run has no such fit; it has {have}")
        return found

    def primary(self, model: str) -> Fit:
        return self.fits(model, primary_only=True)[0]

    def table(self, name: str, required: tuple[str, ...] = ()) -> pd.DataFrame | None:
        """A CSV table of the run folder, or None when it is absent; InputError when it is unreadable, cut
        short or lacks a column. Read once: later calls get the same table (do not change it)."""
        if name not in self._tables:
            self._tables[name] = self._read_table(name)
        table = self._tables[name]
        missing = [c for c in required if table is not None and c not in table.columns]
        if missing:
            raise InputError(f"{self.path / name}: missing column(s) {', '.join(missing)}; expected {', '.join(required)}")
        return table

    def _read_table(self, name: str) -> pd.DataFrame | None:
        import pandas as pd

        path = self.path / name
        if not path.is_file():
            return None
        try:
            header = pd.read_csv(path, nrows=0).columns
            table = pd.read_csv(path, dtype={c: v for c, v in _TEXT_COLUMNS.items() if c in header},
                                keep_default_na=False,
                                na_values={c: ["", "nan", "NaN"] for c in header if c not in _TEXT_COLUMNS})
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
            first = str(err).splitlines()[0] if str(err) else type(err).__name__
            raise InputError(f"{path}: not a readable CSV table ({first})") from None
        _check_complete(path, table)
        if "year" in table.columns:
            table["year"] = pd.to_numeric(table["year"], errors="coerce").astype("Int64")
        return table

    def json(self, name: str) -> dict | None:
        """A JSON file of the run folder (None when absent); InputError naming it when it is damaged."""
        path = self.path / name
        if not path.is_file():
            return None
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as err:
            raise InputError(f"{path}: damaged JSON ({str(err).splitlines()[0]}); run the config again") from None

    # ---------------------------------------------------------------- writing

    def locked(self, command: str):
        """Hold the folder's lock while ``command`` works in it (see topics.run_folder.lock)."""
        return lock.locked(self.path, command)

    def claim(self, config: dict) -> None:
        """Accept the (locked) folder for this config: new and empty, or holding a run of the same config
        (to resume). Resuming compares the whole resolved config except the neutral settings."""
        saved = self.path / CONFIG
        if saved.is_file():
            if saved.read_text(encoding="utf-8") != _with_saved_neutral_settings(config, saved):
                raise InputError(f"{self.path}: holds a run of a different config; choose another -o folder "
                                 "or delete it")
            return
        if any(path.name != LOCK for path in self.path.iterdir()):
            raise InputError(f"{self.path}: folder exists and is not a run folder; choose another -o folder")
        self.write_text(CONFIG, to_toml(config))

    def check_inputs_unchanged(self, fingerprint: str) -> bool:
        """Fits kept from an earlier start are reused only if the corpus, its tokens, the labels and the
        theme lexicon are still the same (the config alone cannot tell: files may have changed).
        True when an earlier start of this run left its fits."""
        fits = self.path / FITS
        saved = fits / INPUTS
        resumed = saved.is_file()
        if resumed and saved.read_text(encoding="utf-8").strip() != fingerprint:
            raise InputError(f"{self.path}: the corpus, its tokens, the labels or the theme lexicon changed since "
                             f"this run began; delete {fits} to refit, or choose another -o folder")
        fits.mkdir(parents=True, exist_ok=True)
        self.write_text(Path(FITS) / INPUTS, fingerprint + "\n")
        return resumed

    def write_text(self, name: str | Path, text: str) -> Path:
        """Write a file of the folder whole or not at all: ``name`` is relative to the folder (``fits/…``),
        never a path that starts with the folder's own (a relative run folder would be joined twice)."""
        path = self.path / name
        with open_output(path) as out:
            out.write(text)
        self._tables.pop(str(name), None)
        return path

    def write_json(self, name: str | Path, data, *, indent: int = 1) -> Path:
        return self.write_text(name, json.dumps(data, ensure_ascii=False, indent=indent))

    def write_csv(self, name: str, table: pd.DataFrame) -> Path:
        return self.write_text(name, table.to_csv(index=False))

    @contextmanager
    def csv_parts(self, name: str, sections: int = 1):
        """Write a CSV a part at a time: ``write(frame)`` appends a frame (the header comes with the first),
        so a large table is never held whole; written whole or not at all. With ``sections`` > 1,
        ``write(frame, s)`` appends to section s: the file holds section 0, then 1, … (the later ones wait in
        unnamed temporary files beside it, gone when closed), so a table in the order of one key is written in the
        order of another."""
        headed = False
        self._tables.pop(name, None)
        with open_output(self.path / name, newline="") as out:
            later = [tempfile.TemporaryFile("w+", encoding="utf-8", newline="", dir=self.path)
                     for _ in range(1, sections)]
            try:
                def write(frame: pd.DataFrame, section: int = 0) -> None:
                    nonlocal headed
                    if section:
                        frame.to_csv(later[section - 1], index=False, header=False)
                    else:
                        frame.to_csv(out, index=False, header=not headed)
                        headed = True
                yield write
                for handle in later:
                    handle.seek(0)
                    shutil.copyfileobj(handle, out)
            finally:
                for handle in later:
                    handle.close()

    def write_units(self, units: list, labels: list[str], train_index: list[int]) -> None:
        write_units(self.path / UNITS, units, labels, train_index)
        self.__dict__.pop("run_units", None)

    def write_fit_files(self, fit_dir: Path, files: dict[str, bytes]) -> None:
        """Write a fit's folder afresh from its files; metrics.json last, as it marks the fit complete."""
        if fit_dir.exists():
            shutil.rmtree(fit_dir)  # an interrupted or damaged fit of an earlier start
        for name, data in sorted(files.items(), key=lambda item: item[0] == FIT_METRICS):
            with open_output(fit_dir / name, binary=True) as out:
                out.write(data)

    def write_themes(self, fit_dir: Path, themes: UnitThemes) -> None:
        """A fit's unit themes (themes.npz), written by the mapping stage and read by every reader."""
        with open_output(fit_dir / UNIT_THEMES, binary=True) as out:
            np.savez_compressed(out, **themes.to_arrays())

    def write_manifest(self, entries: list[dict], n_units: int) -> None:
        self.write_text(FIT_MANIFEST, manifest_json(entries, n_units))
        self.__dict__.pop("_fits", None)

    def mark_done(self) -> None:
        self.write_text(DONE, "finished\n")

    def mark_unfinished(self) -> None:
        (self.path / DONE).unlink(missing_ok=True)


def _with_saved_neutral_settings(config: dict, saved: Path) -> str:
    """The config as TOML with the neutral settings (and tables) as the saved config has them."""
    try:
        saved_config = tomllib.loads(saved.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return to_toml(config)  # damaged: cannot match, so the folder is refused
    same = copy.deepcopy(config)
    for table in NEUTRAL_TABLES:
        if table in saved_config and table in same:
            same[table] = copy.deepcopy(saved_config[table])
    for table, key in NEUTRAL_SETTINGS:
        if key in saved_config.get(table, {}) and key in same.get(table, {}):
            same[table][key] = saved_config[table][key]
    return to_toml(same)


def _check_complete(path: Path, table: pd.DataFrame) -> None:
    """A table cut short (no final line break, or a last row with empty cells) is damaged, not partial."""
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        if size:
            handle.seek(size - 1)
            if handle.read(1) != b"\n":
                raise InputError(f"{path}: damaged table (the file ends in the middle of a row); run the config again")
    for column in _FILLED_COLUMNS:
        if column in table.columns:
            empty = table[column].isna() | (table[column].astype(str) == "")
            if empty.any():
                row = int(empty.to_numpy().nonzero()[0][0]) + 2  # 1-based, after the header
                raise InputError(f"{path}:{row}: damaged table (no {column}); run the config again")
