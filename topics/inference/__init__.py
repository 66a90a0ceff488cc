"""Inference from a finished run: the units' metadata and theme probabilities as tidy tables, theme
shares with bootstrap intervals by any metadata, and covariate effects on the shares.

- ``read_run_data(run_dir)`` → RunData (units with metadata, every fit's theme probabilities);
- ``unit_probabilities(run_dir)`` / ``write_unit_probabilities(run_dir)`` → every unit × fit × theme;
- ``shares(data, by=…)`` → shares with intervals per document or group;
- ``effects(data, "~ year + C(region)")`` → coefficients and expected shares with intervals."""

from .effects import Effects, effects
from .run_data import (RunData, duplicate_editions, read_run_data, unit_probabilities, unit_table,
                       write_unit_probabilities)
from .shares import WEIGHTS, shares

__all__ = ["WEIGHTS", "Effects", "RunData", "duplicate_editions", "effects", "read_run_data", "shares",
           "unit_probabilities", "unit_table", "write_unit_probabilities"]
