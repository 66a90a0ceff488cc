"""Reports of a run: offline LDAvis pages per model and the report page."""

from .ldavis import write_ldavis
from .page import write_report

__all__ = ["write_ldavis", "write_report"]
