"""Running an experiment config: a config → a run folder.

- ``prepare``: ingest, tokenize, label, hold out, vocabulary;
- ``fitting``: the model × k × seed grid as tasks on an executor (topics.execution);
- ``tables``: the mapping stage, every unit's themes, metrics, shares, assignments, saved models;
- ``analyses``: validity flags, representative units, the comparison, inference tables;
- ``pipeline``: the stages in order (``run_experiment``, ``run_config``, ``remap_run``);
- ``stopwatch``: seconds and peak memory per stage (timings.json)."""

from .pipeline import remap_run, run_config, run_experiment

__all__ = ["remap_run", "run_config", "run_experiment"]
