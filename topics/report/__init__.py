"""Reports of a run: offline LDAvis pages per model and the report page."""

from .ldavis import write_ldavis
from .page import write_report
from .plots import write_plots

__all__ = ["write_ldavis", "write_plots", "write_report"]
