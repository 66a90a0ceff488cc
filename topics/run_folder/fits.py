"""The fits of a run: the manifest the runner writes (fits.json) and one Fit per finished fit.

The manifest lists every fit with what readers need to know about it without loading it: its model, k,
seed and folder, whether it is its model's primary fit (the first k and first seed, saved under models/
and shown in assignments.csv), and its model's capabilities. A Fit reads its files when first asked and
keeps them, so one command loads each fit's result once."""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from ..assignment import UnitThemes
from ..errors import InputError
from ..result import TopicResult
from ..run_files import FIT_MANIFEST, FIT_WARNINGS, FITS, UNIT_SHARES, UNIT_THEMES, fit_folder_name

MANIFEST_VERSION = 1


@dataclass
class Fit:
    """One finished fit of a run."""

    model: str
    k: int
    seed: int
    folder: Path
    primary: bool  # first k and first seed of its model: saved under models/ and in assignments.csv
    capabilities: dict = field(default_factory=dict)  # the model's: has_k, deterministic, seeded, needs_labels …
    n_units: int = 0  # the run's units: every per-unit array of the fit has this many rows

    def label(self) -> str:
        return f"{self.model} (K={self.k}, seed {self.seed})"

    @cached_property
    def result(self) -> TopicResult:
        """The fit's topics, mapped to themes by the run's mapping stage."""
        result = TopicResult.load(self.folder)
        if result.topic_themes is None:
            raise InputError(f"{self.folder}: topics not mapped to themes; run `topics remap` on the run folder")
        return result

    @property
    def seeded_topics(self) -> int:
        """How many of the first topics stand for a theme by construction (seeded models, the dictionary)."""
        return len(self.result.seed_themes or [])

    @cached_property
    def warnings(self) -> list[str]:
        """What the model warned about when it was fitted (warnings.txt), one message a line."""
        path = self.folder / FIT_WARNINGS
        if not path.is_file():
            return []
        return [line for line in path.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]

    @cached_property
    def _unit_shares(self) -> tuple[np.ndarray, np.ndarray]:
        arrays = self._arrays(UNIT_SHARES)
        return arrays["doc_topic"], np.asarray(arrays["known"], dtype=int)

    @property
    def doc_topic(self) -> np.ndarray:
        """Every unit's topic shares (units × k, corpus order)."""
        return self._unit_shares[0]

    @property
    def known(self) -> np.ndarray:
        """Tokens of each unit the model knows; 0: no evidence for any theme."""
        return self._unit_shares[1]

    @cached_property
    def themes(self) -> UnitThemes:
        """Every unit's theme as the run assigned it (written once by the run's tables stage)."""
        return UnitThemes.from_arrays(self._arrays(UNIT_THEMES))

    def remember(self, result: TopicResult, doc_topic: np.ndarray, known: np.ndarray, themes: UnitThemes) -> None:
        """Keep what the mapping stage has just read and written for this fit, so that the stages after it
        in the same command read nothing again."""
        self.__dict__.update(result=result, _unit_shares=(doc_topic, np.asarray(known, dtype=int)), themes=themes)

    def forget(self) -> None:
        """Drop the fit's arrays from memory (they are read again when asked for)."""
        for name in ("result", "_unit_shares", "themes"):
            self.__dict__.pop(name, None)

    def _arrays(self, name: str) -> dict[str, np.ndarray]:
        path = self.folder / name
        try:
            with np.load(path) as arrays:
                loaded = {key: arrays[key] for key in arrays.files}
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as err:
            raise InputError(f"{path}: missing or damaged ({type(err).__name__}); run the config again") from None
        rows = len(loaded.get("known", []))  # both per-unit files hold each unit's known tokens
        if self.n_units and rows != self.n_units:
            raise InputError(f"{path}: {rows} units for the run's {self.n_units} in units.jsonl; the fit belongs to "
                             "another corpus — run the config again")
        return loaded


def manifest_entry(model: str, k: int, seed: int, *, primary: bool, capabilities: dict) -> dict:
    return {"model": model, "k": k, "seed": seed, "folder": fit_folder_name(model, k, seed), "primary": primary,
            **capabilities}


def manifest_json(entries: list[dict], n_units: int) -> str:
    return json.dumps({"version": MANIFEST_VERSION, "units": n_units, "fits": entries}, ensure_ascii=False, indent=1)


def read_manifest(run_dir: Path) -> list[Fit]:
    """Every fit the manifest lists, in run order (config order of models, then k, then seed)."""
    path = run_dir / FIT_MANIFEST
    if not path.is_file():
        raise InputError(f"{path}: missing; the run has no finished fits listed — run its config again "
                         "(or `topics remap` it if it was made by an older version of the package)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        fits = []
        for entry in data["fits"]:
            entry = dict(entry)
            model, k, seed, folder, primary = (entry.pop(key) for key in ("model", "k", "seed", "folder", "primary"))
            fits.append(Fit(str(model), int(k), int(seed), run_dir / FITS / str(folder), bool(primary), entry,
                            int(data["units"])))
    except (ValueError, KeyError, TypeError) as err:
        raise InputError(f"{path}: damaged fit manifest ({type(err).__name__}: {err}); run the config again") from None
    return fits
