"""What validation reads from a finished run folder: its units, lexicon, settings and fits.

Validation is a reader of runs, like the report: it reads the files the run wrote (units.jsonl,
lexicon.toml, config.toml, fits/<model>-k<k>-s<seed>/) and never reaches back into the stages
that made them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..documents import Unit
from ..errors import InputError, listed
from ..lexicon import LEXICON_FILE, Lexicon
from ..result import TopicResult
from ..run_folder import UNIT_SHARES_FILE, finished_fits, read_run_units
from ..tomlfile import read_toml



@dataclass
class Fit:
    """One fit of a run: its mapped topics and every unit's topic shares (corpus order)."""

    model: str
    k: int
    seed: int
    folder: Path
    result: TopicResult
    doc_topic: np.ndarray  # every unit × K
    known: np.ndarray  # tokens the model knows per unit; 0 = no evidence for any theme
    primary: bool  # first k and first seed: the fit saved under models/ and in assignments.csv

    @property
    def seeded_topics(self) -> int:
        """How many of the first topics stand for a theme by construction (seeded models, the dictionary)."""
        return len(self.result.seed_themes or [])

    def label(self) -> str:
        return f"{self.model} (K={self.k}, seed {self.seed})"


@dataclass
class RunData:
    """A finished run as validation reads it."""

    folder: Path
    config: dict
    lexicon: Lexicon
    units: list[Unit]
    labels: list[str]  # the label each unit was scored against ("" for none)

    @property
    def models(self) -> list[str]:
        return list(self.config.get("models", {}))

    @property
    def min_lift(self) -> float:
        return float(self.config.get("themes", {}).get("min_lift", 2.0))

    def fits(self, model: str | None = None, *, primary_only: bool = True) -> list[Fit]:
        """The run's fits in config order (model, then k, then seed); by default each model's primary fit."""
        if model is not None and model not in self.models:
            raise InputError(f"{self.folder}: no model {model!r} in this run; its models: {listed(self.models)}")
        found = finished_fits(self.folder, [model] if model else self.models)
        fits = []
        for name, k, seed, folder in found:
            primary = (k, seed) == self._primary(name, found)
            if primary or not primary_only:
                fits.append(self._read_fit(name, k, seed, folder, primary))
        missing = [name for name in ([model] if model else self.models) if not any(f.model == name for f in fits)]
        if missing:
            raise InputError(f"{self.folder}: no finished fit of {listed(missing)} under fits/; run the config again")
        return fits

    def _primary(self, name: str, found: list) -> tuple[int, int]:
        ks = self.config["models"][name].get("k")
        seed = self.config.get("run", {}).get("seeds", [None])[0]
        k = ks[0] if ks else next(k for model, k, _, _ in found if model == name)
        return k, seed

    def _read_fit(self, name: str, k: int, seed: int, folder: Path, primary: bool) -> Fit:
        result = TopicResult.load(folder)
        try:
            with np.load(folder / UNIT_SHARES_FILE) as arrays:
                doc_topic, known = arrays["doc_topic"], arrays["known"]
        except (OSError, KeyError, ValueError) as err:
            raise InputError(f"{folder / UNIT_SHARES_FILE}: missing or damaged ({err}); run the config again") from None
        if result.topic_themes is None:
            raise InputError(f"{folder}: topics not mapped to themes; run `topics remap` on the run folder")
        if doc_topic.shape != (len(self.units), result.k):
            raise InputError(f"{folder / UNIT_SHARES_FILE}: {doc_topic.shape[0]} units for the run's {len(self.units)} "
                             "in units.jsonl; the fit belongs to another corpus — run the config again")
        return Fit(name, k, seed, folder, result, doc_topic, known, primary)


def read_run(run_dir: str | Path, *, finished: bool = True) -> RunData:
    """A finished run folder (holding DONE); InputError naming the folder or file at fault.
    ``finished=False`` also reads a run whose tables are written but not yet DONE (the report is
    written just before DONE)."""
    folder = Path(run_dir)
    if not folder.is_dir():
        raise InputError(f"{folder}: no such run folder")
    if finished and not (folder / "DONE").is_file():
        raise InputError(f"{folder}: not a finished run (no DONE file); run `topics run CONFIG.toml` first or let it finish")
    config = read_toml(folder / "config.toml", "run config")
    lexicon = Lexicon.load(folder / LEXICON_FILE)
    run_units = read_run_units(folder)
    return RunData(folder, config, lexicon, run_units.units, run_units.labels)
