"""The run folder: the contract between the runner, which writes it, and every reader of a finished run.

- ``topics.run_files``: the name of every file it holds;
- ``RunFolder``: open, read (config, lexicon, units, fits, tables — each once), lock, claim, write, DONE;
- ``Fit``: one finished fit (its result, every unit's topic shares and themes), listed by the manifest;
- ``RunUnits``: the units (``UnitColumns``) with their labels and fitted rows, their texts left in units.jsonl."""

from .fits import Fit, manifest_entry
from .folder import RunFolder
from .units import UNITS_PER_PART, RunUnits, UnitColumns

__all__ = ["UNITS_PER_PART", "Fit", "RunFolder", "RunUnits", "UnitColumns", "manifest_entry"]
