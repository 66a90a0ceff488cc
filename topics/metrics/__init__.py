"""Evaluation metrics: one small interface (a score of the shared TopicResult, with its parameters,
citation and direction), a registry by name, stability across seeds, agreement with labels, and the
time/memory measurement of a fit.

Metric names (metrics.csv columns) and direction:
  coherence_npmi ↑ (primary coherence), coherence_umass ↑, coherence_cv ↑ (unreliable),
  topic_diversity ↑, inverted_rbo ↑, exclusivity ↑, heldout_perplexity ↓ (LDA family only),
  label_accuracy ↑, label_macro_f1 ↑, label_f1_<label> ↑, label_nmi ↑, label_ari ↑;
  from stability(): topic_jaccard ↑, assignment_ari ↑; from measure(): fit_seconds ↓, peak_mb ↓.
"""

from .base import Metric, MetricContext, top_word_ids
from .coherence import coherence_per_topic
from .cost import measure
from .diversity import frex_matrix, rbo
from .labels import label_agreement
from .registry import METRICS, OTHER_DIRECTIONS, compute_metrics, get_metric, higher_is_better
from .stability import stability

__all__ = [
    "METRICS", "OTHER_DIRECTIONS", "Metric", "MetricContext", "coherence_per_topic", "compute_metrics",
    "frex_matrix", "get_metric", "higher_is_better", "label_agreement", "measure", "rbo", "stability",
    "top_word_ids",
]
