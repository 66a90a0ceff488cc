"""Inference from a finished run: the units' metadata and theme probabilities as tidy tables, theme
shares with bootstrap intervals by any metadata, and covariate effects on the shares.

- ``study_data(run)`` → StudyData (units with metadata, every fit's theme probabilities);
- ``unit_probabilities(run)`` / ``write_unit_probabilities(run)`` → every unit × fit × theme;
- ``shares(data, by=…)`` → shares with intervals per document or group;
- ``effects(data, "~ year + C(region)")`` → coefficients and expected shares with intervals."""

from .effects import Effects, effects
from .shares import WEIGHTS, shares
from .study import (StudyData, duplicate_editions, study_data, unit_probabilities, unit_table,
                    write_unit_probabilities)

__all__ = ["WEIGHTS", "Effects", "StudyData", "duplicate_editions", "effects", "shares", "study_data",
           "unit_probabilities", "unit_table", "write_unit_probabilities"]
