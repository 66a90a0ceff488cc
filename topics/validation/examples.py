"""Representative units: for every topic and every theme of a fit, the units that express it most.

Two rankings:

- ``"top"`` (default): the units with the highest share of the topic (θ) or probability of the theme;
- ``"typical"``: among the units assigned to the topic (its largest share) or the theme, those whose
  topic shares lie closest to the average of that group — the ordinary member, not the extreme one.

Units without any word the model knows (no evidence) are never shown."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..documents import Unit
from ..errors import InputError, listed
from ..labels import UNMAPPED
from ..run_folder import Fit, RunFolder

RANKINGS = ("top", "typical")
REPORTED_EXAMPLES = 3  # per topic and theme: what a run writes to examples.csv and its report shows
EXAMPLE_COLUMNS = ["model", "k", "seed", "kind", "target", "theme", "rank", "probability", "assigned", "doc_id",
                   "unit_id", "year", "region", "heading", "text"]


def fit_examples(run: RunFolder, fit: Fit, *, n: int = 5, theme: str | None = None, topic: int | None = None,
                 ranking: str = "top", units: np.ndarray | None = None) -> pd.DataFrame:
    """Representative units of one fit: per topic (kind "topic", target "T<id>") and per theme (kind
    "theme", target the theme), ``n`` each, best first. ``theme`` or ``topic`` (the model's own topic id)
    restricts the table to that one target; ``units`` (a mask over the run's units) to those units."""
    if ranking not in RANKINGS:
        raise InputError(f"ranking must be one of {', '.join(RANKINGS)}, got {ranking!r}")
    if n < 1:
        raise InputError(f"-n must be at least 1, got {n}")
    result = fit.result
    # a unit outside ``units`` counts as one without evidence: never shown
    known = np.asarray(fit.known) if units is None else np.where(units, fit.known, 0)
    usable = known > 0
    rows = []
    if theme is None:
        topics = range(result.k) if topic is None else [_topic_position(fit, topic)]
        for t in topics:
            target = f"T{result.topic_ids[t]}"
            assigned = fit.doc_topic.argmax(axis=1) == t
            chosen = _distinct(run, _ranked(fit.doc_topic, t, assigned & usable, known, ranking), n)
            rows += _rows(fit, "topic", target, result.topic_themes[t], chosen, fit.doc_topic[:, t])
    if topic is None:
        themes = fit.themes  # as the run assigned them: the unit's section and heading count
        names, probs = themes.names, themes.probabilities
        wanted = names if theme is None else [name for name in [_theme_name(run, names, theme)] if name in names]
        for name in wanted:
            j = names.index(name)
            chosen = _distinct(run, _ranked(probs, j, (themes.theme == j) & usable, known, ranking), n)
            rows += _rows(fit, "theme", name, name, chosen, probs[:, j])
    return pd.DataFrame(rows, columns=EXAMPLE_COLUMNS)


def run_examples(run: RunFolder, model: str | None = None, **options) -> pd.DataFrame:
    """Representative units of every model's primary fit (or of ``model``'s), one table. A ``theme``
    that some models map no topic to, or a ``topic`` id some models lack, gives rows for the others only."""
    fits = run.fits(model, primary_only=True)
    topic = options.get("topic")
    if topic is not None and model is None:  # topic ids are each model's own: the models that have it
        having = [fit for fit in fits if topic in fit.result.topic_ids]
        if not having:
            topics = "; ".join(f"{fit.model} T{min(fit.result.topic_ids)}–T{max(fit.result.topic_ids)}" for fit in fits)
            raise InputError(f"--topic {topic}: no model of this run has it; {topics}")
        fits = having
    tables = [fit_examples(run, fit, **options) for fit in fits]
    table = pd.concat(tables, ignore_index=True)
    if table.empty and options.get("theme") is not None:
        which = f"{model} assigns no unit" if model else "no model of this run assigns a unit"
        raise InputError(f"--theme {options['theme']}: {which} to it")
    return table


def _distinct(run: RunFolder, ranked: list[int], n: int) -> list[tuple[int, Unit]]:
    """The first n units of distinct text (a corpus holding two editions of a report has every paragraph twice),
    each as its index and the unit with its text."""
    seen: set[str] = set()
    chosen = []
    for i in ranked:
        unit = run.run_units.unit(i)
        if unit.text not in seen:
            seen.add(unit.text)
            chosen.append((i, unit))
            if len(chosen) == n:
                break
    return chosen


def _ranked(scores: np.ndarray, column: int, members: np.ndarray, known: np.ndarray, ranking: str) -> np.ndarray:
    """Unit indices, best first. Ties (common: a dictionary gives p = 1 to every unit with one theme's
    words only) go to the unit with more evidence (words the model knows), then to corpus order."""
    if ranking == "typical":
        pool = np.flatnonzero(members)
        if not len(pool):
            return pool
        centre = scores[pool].mean(axis=0)
        distance = np.linalg.norm(scores[pool] - centre, axis=1)
        return pool[np.argsort(distance, kind="stable")]
    pool = np.flatnonzero(np.asarray(known) > 0)
    order = np.lexsort((pool, -np.asarray(known)[pool], -np.round(scores[pool, column], 12)))
    return pool[order]


def _rows(fit: Fit, kind: str, target: str, theme: str, chosen: list[tuple[int, Unit]],
          probability: np.ndarray) -> list[dict]:
    assigned = fit.themes.theme_names()
    rows = []
    for rank, (i, unit) in enumerate(chosen, start=1):
        rows.append({"model": fit.model, "k": fit.k, "seed": fit.seed, "kind": kind, "target": target,
                     "theme": theme, "rank": rank, "probability": float(probability[i]),
                     "assigned": assigned[i], "doc_id": unit.doc_id,
                     "unit_id": unit.unit_id, "year": unit.year, "region": unit.region,
                     "heading": unit.heading, "text": unit.text})
    return rows


def _topic_position(fit: Fit, topic: int) -> int:
    if topic not in fit.result.topic_ids:
        raise InputError(f"--topic {topic}: {fit.model} has topics "
                         f"{listed([f'T{i}' for i in fit.result.topic_ids], 30)}")
    return fit.result.topic_ids.index(topic)


def _theme_name(run: RunFolder, names: list[str], theme: str) -> str:
    """``theme`` when the run knows it (the fit may still map no topic to it): a theme of the lexicon, other,
    or unmapped (a topic that leans to no theme enough)."""
    known = [*run.lexicon.labels_with_other, UNMAPPED]
    if theme not in known and theme not in names:
        raise InputError(f"--theme {theme}: not a theme of this run; themes: {listed(known)}")
    return theme
