"""From mapped topics to units: which theme each unit is about (with its probability and
runner-up), and how a document's units spread over the themes. The topics' themes come from the
mapping stage (topics.mapping)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .labels import OTHER, UNMAPPED
from .result import TopicResult

ASSIGNMENT_COLUMNS = ["doc_id", "unit_id", "year", "region", "heading", "text", "model", "theme", "p", "runner_up",
                      "label"]
SHARE_COLUMNS = ["doc_id", "year", "region", "theme", "units", "share"]
FLAGS_COLUMN = "flags"  # last column of every share table of a run: its model/theme's validity flags, space-separated
RUN_SHARE_COLUMNS = ["model", "k", "seed", *SHARE_COLUMNS, FLAGS_COLUMN]  # theme_shares.csv: every fit's shares

if TYPE_CHECKING:  # the tables load pandas when they are made: reading a run folder does not need it
    import pandas as pd


def assignable_themes(topic_themes: list[str]) -> list[str]:
    """The themes a result can assign: its topics' themes in first-seen order, then ``unmapped`` (when a
    topic is), then ``other``."""
    names = [t for t in dict.fromkeys(topic_themes) if t not in (OTHER, UNMAPPED)]
    return names + ([UNMAPPED] if UNMAPPED in topic_themes else []) + [OTHER]


def theme_probabilities(doc_topic: np.ndarray, topic_themes: list[str]) -> tuple[list[str], np.ndarray]:
    """N×M probability of every theme for every unit: the sum of its topics' shares."""
    names = assignable_themes(topic_themes)
    membership = np.zeros((len(topic_themes), len(names)))
    for topic, theme in enumerate(topic_themes):
        membership[topic, names.index(theme)] = 1.0
    return names, np.asarray(doc_topic, dtype=float) @ membership


def in_context(probs: np.ndarray, names: list[str], units: list, section_weight: float = 0.0,
               heading_bonus: float = 0.0) -> np.ndarray:
    """Theme probabilities with each unit's place in its report as evidence, its own words still decisive.

    A unit's probabilities are mixed with the mean of the units under the same section heading of its
    document (``section_weight``), then the theme its heading names (its weak label) gets
    ``heading_bonus`` more before the row is normalised again. Units without a recorded section (new
    text given unit by unit) are not mixed. Measured on the consulted hand-coded sets (seeded LDA,
    experiments/structure_prior.py): weight 0.2 and bonus 0.2 raised macro-F1 by 0.01 (dev), 0.015 (A)
    and 0.03 (B); more of either helped less or hurt."""
    probs = np.asarray(probs, dtype=float)
    if section_weight > 0:
        groups: dict[tuple, list[int]] = {}
        for i, unit in enumerate(units):
            if "section" in unit.meta:
                groups.setdefault((unit.doc_id, tuple(unit.meta["section"])), []).append(i)
        mixed = probs.copy()
        for members in groups.values():
            mixed[members] = (1 - section_weight) * probs[members] + section_weight * probs[members].mean(axis=0)
        probs = mixed
    if heading_bonus > 0:
        column = {name: j for j, name in enumerate(names)}
        probs = probs.copy()
        for i, unit in enumerate(units):
            if unit.weak_label in column:
                probs[i, column[unit.weak_label]] += heading_bonus
        probs /= probs.sum(axis=1, keepdims=True)
    return probs


@dataclass
class UnitThemes:
    """Every unit's theme as one fit assigns it, computed once (``fit_themes``) and read everywhere else:
    the run's tables, the validation kit, the examples, inference, the API and ``topics assign``.

    ``probabilities`` holds each unit's probability of each of ``names`` with its place in its report
    counted (section and heading, see in_context); a unit with no word the model knows (``known`` 0) has
    no evidence for any theme: a row of zeros, theme ``other``, no runner-up. ``p``, the assigned theme's
    probability, is always that row's cell."""

    names: list[str]  # the themes the fit can assign (assignable_themes order)
    probabilities: np.ndarray  # N × len(names)
    theme: np.ndarray  # N: index into names of the assigned theme
    runner_up: np.ndarray  # N: index into names of the runner-up, -1 for none
    known: np.ndarray  # N: tokens of the unit the model knows

    def __len__(self) -> int:
        return len(self.theme)

    @property
    def p(self) -> np.ndarray:
        return self.probabilities[np.arange(len(self.theme)), self.theme]

    def theme_names(self) -> list[str]:
        return [self.names[j] for j in self.theme]

    def runner_up_names(self) -> list[str]:
        return [self.names[j] if j >= 0 else "" for j in self.runner_up]

    def rows(self, start: int, stop: int) -> "UnitThemes":
        """The themes of units ``start`` to ``stop``."""
        return UnitThemes(self.names, self.probabilities[start:stop], self.theme[start:stop],
                          self.runner_up[start:stop], self.known[start:stop])

    def in_columns(self, columns: list[str]) -> np.ndarray:
        """The probabilities with one column per name of ``columns`` (0 for a theme this fit cannot assign)."""
        table = np.zeros((len(self.theme), len(columns)))
        for j, name in enumerate(self.names):
            table[:, columns.index(name)] = self.probabilities[:, j]
        return table

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {"names": np.array(self.names, dtype=str), "probabilities": self.probabilities, "theme": self.theme,
                "runner_up": self.runner_up, "known": self.known}

    @classmethod
    def from_arrays(cls, arrays) -> "UnitThemes":
        return cls([str(name) for name in arrays["names"]], np.asarray(arrays["probabilities"], dtype=float),
                   np.asarray(arrays["theme"], dtype=int), np.asarray(arrays["runner_up"], dtype=int),
                   np.asarray(arrays["known"], dtype=int))


def fit_themes(result: TopicResult, units: list, doc_topic: np.ndarray | None = None,
               known_tokens: np.ndarray | None = None) -> UnitThemes:
    """Every unit's theme, probabilities and runner-up under ``result``'s mapped topics: the one place a
    unit's theme is computed.

    ``units`` are aligned with the rows of ``doc_topic`` (by default the result's own rows, the units the
    model was fitted on). The mapping settings saved with the result (``result.mapping``) say how much a
    unit's section and heading count. Ties go to the theme listed first. Units with ``known_tokens`` 0 get
    ``other`` with p 0: there is no evidence for any theme."""
    doc_topic = result.doc_topic if doc_topic is None else np.asarray(doc_topic, dtype=float)
    _check_aligned(result, units, doc_topic)
    names, probs = theme_probabilities(doc_topic, result.topic_themes)
    structure = result.mapping or {}
    probs = in_context(probs, names, units, structure.get("section_weight", 0.0), structure.get("heading_bonus", 0.0))
    order = np.argsort(-probs, axis=1, kind="stable")
    theme = order[:, 0].copy()
    runner_up = order[:, 1].copy() if len(names) > 1 else np.full(len(probs), -1)
    known = np.full(len(probs), 1) if known_tokens is None else np.asarray(known_tokens, dtype=int)
    no_evidence = known == 0
    probs[no_evidence] = 0.0
    theme[no_evidence] = names.index(OTHER)
    runner_up[no_evidence] = -1
    return UnitThemes(names, probs, theme, runner_up, known)


def assignment_table(units: list, themes: UnitThemes, model: str, labels: list[str] | None = None,
                     texts: list[str] | None = None) -> pd.DataFrame:
    """One row per unit: doc_id, unit_id, year, region, heading, text, model, theme, p, runner_up, label.

    ``labels``: the label each unit was scored against (weak or hand-coded, "" for none); default: its
    weak label. ``texts``: each unit's text, for units that hold none (a run's, see topics.run_folder)."""
    import pandas as pd

    return pd.DataFrame(
        {
            "doc_id": [u.doc_id for u in units],
            "unit_id": [u.unit_id for u in units],
            "year": pd.array([u.year for u in units], dtype="Int64"),
            "region": [u.region for u in units],
            "heading": [u.heading for u in units],
            # the units' own strings, not a copy: a column of pandas' string type would copy every text into Arrow
            "text": pd.Series([u.text for u in units] if texts is None else texts, dtype=object),
            "model": model,
            "theme": themes.theme_names(),
            "p": themes.p,
            "runner_up": themes.runner_up_names(),
            "label": [u.weak_label for u in units] if labels is None else list(labels),
        },
        columns=ASSIGNMENT_COLUMNS,
    )


def assignments(
    result: TopicResult,
    units: list,
    doc_topic: np.ndarray | None = None,
    known_tokens: np.ndarray | None = None,
    labels: list[str] | None = None,
) -> pd.DataFrame:
    """The assignment table (see assignment_table) of units under a mapped result (see fit_themes)."""
    return assignment_table(units, fit_themes(result, units, doc_topic, known_tokens), result.model_name, labels)


def theme_shares(units: list, themes: UnitThemes, all_themes: list[str] | None = None) -> pd.DataFrame:
    """Per document and theme: how many of its units have that theme and their share.

    Columns doc_id, year, region, theme, units, share; every theme of ``all_themes`` (the
    lexicon's themes; default: those the fit can assign) and ``other`` appears for every
    document, with 0 when none of its units has it — so shares averaged over seeds whose topics
    cover different themes still sum to 1.
    """
    import pandas as pd

    names = themes.names
    if all_themes is not None:
        listed = [name for name in all_themes if name not in (OTHER, UNMAPPED)]
        names = listed + ([UNMAPPED] if UNMAPPED in all_themes or UNMAPPED in themes.names else []) + [OTHER]
    assigned = themes.theme_names()
    members: dict[str, list[int]] = {}  # each document's units, documents in order of first appearance
    for i, unit in enumerate(units):
        members.setdefault(unit.doc_id, []).append(i)
    rows = []
    for doc_id, rows_of_doc in members.items():
        counts: dict[str, int] = {}
        for i in rows_of_doc:
            counts[assigned[i]] = counts.get(assigned[i], 0) + 1
        first = units[rows_of_doc[0]]
        for name in names:
            n = counts.get(name, 0)
            rows.append((doc_id, first.year, first.region, name, n, n / len(rows_of_doc)))
    frame = pd.DataFrame(rows, columns=SHARE_COLUMNS)
    frame["year"] = frame["year"].astype("Int64")
    return frame


def _check_aligned(result: TopicResult, units: list, doc_topic: np.ndarray) -> None:
    if result.topic_themes is None:
        raise ValueError("result.topic_themes is not set: map the topics to themes first")
    if len(result.topic_themes) != result.k:
        raise ValueError(f"result has {result.k} topics but {len(result.topic_themes)} topic themes")
    if doc_topic.ndim != 2 or doc_topic.shape[1] != result.k:
        raise ValueError(f"doc_topic must be N×{result.k}, got shape {doc_topic.shape}")
    if len(units) != doc_topic.shape[0]:
        raise ValueError(f"{len(units)} units given for {doc_topic.shape[0]} rows of doc_topic")
