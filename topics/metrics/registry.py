"""Every metric by name, and scoring a result with a chosen set of them."""

from __future__ import annotations

from ..errors import InputError
from ..result import TopicResult
from . import coherence, diversity, labels, perplexity
from .base import Metric, MetricContext

METRICS: dict[str, Metric] = {
    metric.name: metric
    for module in (coherence, diversity, perplexity, labels)
    for metric in module.METRICS
}

# Directions of the columns that are not per-result metrics (for comparison tables).
OTHER_DIRECTIONS = {"topic_jaccard": True, "assignment_ari": True, "fit_seconds": False, "peak_mb": False}


def get_metric(name: str) -> Metric:
    """The metric called ``name``; ``label_f1_<label>`` works for any label. InputError when unknown."""
    if name in METRICS:
        return METRICS[name]
    if name.startswith("label_f1_") and len(name) > len("label_f1_"):
        return labels.label_f1_metric(name.removeprefix("label_f1_"))
    raise InputError(f"unknown metric {name!r}; valid metrics: {', '.join(METRICS)}, label_f1_<label>")


def higher_is_better(name: str) -> bool:
    """Direction of a metrics.csv column: any metric name, or topic_jaccard, assignment_ari, fit_seconds, peak_mb."""
    if name in OTHER_DIRECTIONS:
        return OTHER_DIRECTIONS[name]
    return get_metric(name).higher_is_better


def compute_metrics(result: TopicResult, ctx: MetricContext, names: list[str] | None = None) -> dict[str, float]:
    """Scores of ``result`` by name, in the order asked (all of METRICS when ``names`` is None).

    Undefined scores are NaN; why is in ``ctx.notes``. Unknown names raise InputError before any work.
    """
    metrics = [get_metric(name) for name in (list(METRICS) if names is None else names)]
    return {metric.name: metric.score(result, ctx) for metric in metrics}
