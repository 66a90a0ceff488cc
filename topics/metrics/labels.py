"""Agreement of each unit's assigned theme with labels (weak labels from headings, or hand-coded gold)."""

from __future__ import annotations

import math

import numpy as np
from sklearn.metrics import adjusted_rand_score, confusion_matrix, f1_score, normalized_mutual_info_score

from ..labels import OTHER, THEMES
from ..errors import InputError
from ..result import TopicResult
from .base import Metric, MetricContext


def label_agreement(gold: list[str], predicted: list[str], labels: list[str]) -> dict:
    """Scores of predicted against gold labels, over the units whose gold label is not "".

    - accuracy: share of those units whose predicted label equals the gold label;
    - f1_<label> for every label in ``labels``: per-label F1; NaN for a label no unit has in gold;
    - macro_f1: unweighted mean of the per-label F1 over the labels present in gold (scikit-learn's
      f1_score(average="macro", labels=<labels present in gold>)); a predicted label that is in no gold
      unit lowers the recall of the gold labels it took, not the average's denominator;
    - nmi (arithmetic normalisation) and ari of the two partitions of the units;
    - confusion: counts, rows = gold label, columns = predicted label, both in the order of ``labels``.
    With no labelled unit every score is NaN (confusion all zeros).
    """
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold labels but {len(predicted)} predicted labels")
    labels = list(labels)
    unknown = sorted({g for g in gold if g} - set(labels))
    if unknown:
        raise InputError(f"gold label {unknown[0]!r} is not one of the labels: {', '.join(labels)}")
    pairs = [(g, p) for g, p in zip(gold, predicted) if g]
    stray = sorted({p for _, p in pairs} - set(labels))
    if stray:
        raise ValueError(f"predicted label {stray[0]!r} is not one of the labels: {', '.join(labels)}")

    scores = {"accuracy": math.nan, "macro_f1": math.nan, **{f"f1_{label}": math.nan for label in labels},
              "nmi": math.nan, "ari": math.nan}
    if not pairs:
        scores["confusion"] = [[0] * len(labels) for _ in labels]
        return scores
    y_gold = [g for g, _ in pairs]
    y_pred = [p for _, p in pairs]
    present = [label for label in labels if label in set(y_gold)]
    per_label = f1_score(y_gold, y_pred, labels=present, average=None, zero_division=0)
    scores["accuracy"] = float(np.mean([g == p for g, p in pairs]))
    scores["macro_f1"] = float(np.mean(per_label))
    scores.update({f"f1_{label}": float(value) for label, value in zip(present, per_label)})
    scores["nmi"] = float(normalized_mutual_info_score(y_gold, y_pred))
    scores["ari"] = float(adjusted_rand_score(y_gold, y_pred))
    scores["confusion"] = confusion_matrix(y_gold, y_pred, labels=labels).tolist()
    return scores


def _from_context(ctx: MetricContext, metric: str, key: str) -> float:
    if ctx.labels is None or ctx.predicted is None:
        ctx.note(metric, f"no {'labels' if ctx.labels is None else 'predicted themes'} given: NaN")
        return math.nan
    if not any(ctx.labels):
        ctx.note(metric, "no unit has a label: NaN")
        return math.nan
    if key.startswith("f1_") and key[3:] not in ctx.labels:
        ctx.note(metric, f"no unit is labelled {key[3:]!r}: NaN")
        return math.nan
    gold, predicted = tuple(ctx.labels), tuple(ctx.predicted)
    if ctx.label_scores is None or ctx.label_scores[:2] != (gold, predicted):  # computed once for all label metrics
        labels = sorted({label for label in gold if label} | set(predicted))
        ctx.label_scores = (gold, predicted, label_agreement(list(gold), list(predicted), labels))
    return ctx.label_scores[2][key]


def _label_score(result: TopicResult, ctx: MetricContext, *, metric: str) -> float:
    return _from_context(ctx, metric, metric.removeprefix("label_"))


def _label_metric(key: str, citation: str, description: str) -> Metric:
    return Metric(name=f"label_{key}", params={}, citation=citation, higher_is_better=True,
                  description=description + " Units labelled \"\" are left out.", function=_label_score)


def label_f1_metric(label: str) -> Metric:
    """F1 of one label (any label name, e.g. of a user's own theme set)."""
    return _label_metric(f"f1_{label}", "van Rijsbergen 1979 (F-measure)",
                         f"F1 of label {label!r}: harmonic mean of its precision and recall; NaN when no unit "
                         "is labelled with it.")


METRICS = [
    _label_metric("accuracy", "share of labelled units whose theme equals their label",
                  "Share of labelled units assigned their label's theme."),
    _label_metric("macro_f1", "unweighted mean of per-label F1 (scikit-learn f1_score, average='macro')",
                  "Mean of per-label F1 over the labels present among the labelled units."),
    *[label_f1_metric(label) for label in (*THEMES, OTHER)],
    _label_metric("nmi", "Strehl & Ghosh 2002 (NMI, arithmetic normalisation as scikit-learn)",
                  "Normalised mutual information between labels and assigned themes; 0 = independent, 1 = same partition."),
    _label_metric("ari", "Hubert & Arabie 1985 (adjusted Rand index)",
                  "Adjusted Rand index between labels and assigned themes; 0 = chance, 1 = same partition."),
]
