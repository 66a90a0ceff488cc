"""Theme mapping: which theme each fitted topic stands for, a stage of its own after fitting.

Models return topics; this stage names them. A seeded topic keeps the theme it was seeded with
(``TopicResult.seed_themes``, set by seeded models and the dictionary baseline). Every other topic
is matched by its *lift* for each theme: the probability mass the topic puts on the theme's lexicon
words, divided by the share those words have in the whole corpus. A lift of 1 means the topic uses
the theme's words no more than the corpus does.

For a model without seeds, a one-to-one matching (Hungarian, on lift) first gives each theme its best
distinct topic; topics left over join the theme they lift most (many-to-one). Free topics of a seeded
model are matched many-to-one. Any matched topic whose lift for its theme is below ``min_lift``, or
not above its lift for the lexicon's ``[other]`` words, becomes ``other``.

A topic is named after its theme only with a clear margin: its lift for the theme must be at least
``min_margin`` times the larger of ``min_lift``, its lift for any other theme and its lift for the
``[other]`` words. A topic that passes ``min_lift`` without that margin is ``unmapped``: it is shown
as such, and its units are reported as unmapped rather than folded into a theme it barely leans to.
(On the State Council reports, NMF gave an investment and consumption topic lift 2.13 for ecology,
just over ``min_lift`` 2, and its plots showed ecology at 35–44 % of paragraphs.)

Mapping reads only the result and the lexicon, so a finished run can be mapped again with other
settings without refitting (``topics remap``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from .labels import OTHER, UNMAPPED
from .lexicon import Lexicon
from .result import TopicResult
from .rules import check
from .settings import SETTINGS, default

DEFAULT_MIN_LIFT = default("themes.min_lift")
DEFAULT_MIN_MARGIN = default("themes.min_margin")
DEFAULT_SECTION_WEIGHT = default("themes.section_weight")
DEFAULT_HEADING_BONUS = default("themes.heading_bonus")


@dataclass(frozen=True)
class MappingSettings:
    """How topics are mapped (the config's ``[themes]`` table holds them)."""

    min_lift: float = DEFAULT_MIN_LIFT
    min_margin: float = DEFAULT_MIN_MARGIN  # 1: no margin asked, every topic over min_lift is mapped
    # how much a unit's place in its report counts when its theme is chosen (topics.assignment.in_context)
    section_weight: float = DEFAULT_SECTION_WEIGHT
    heading_bonus: float = DEFAULT_HEADING_BONUS

    def __post_init__(self) -> None:
        for key in ("min_lift", "min_margin", "section_weight", "heading_bonus"):
            check(getattr(self, key), SETTINGS[f"themes.{key}"].rule, f"themes.{key}")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_config(cls, config: dict) -> "MappingSettings":
        """The settings of a resolved config's [themes] table (a run made before min_margin existed was
        mapped without a margin)."""
        themes = config.get("themes", {})  # runs made before a setting existed did without it
        return cls(min_lift=themes.get("min_lift", DEFAULT_MIN_LIFT), min_margin=themes.get("min_margin", 1.0),
                   section_weight=themes.get("section_weight", 0.0), heading_bonus=themes.get("heading_bonus", 0.0))


def word_lifts(result: TopicResult, word_lists: list[list[str]]) -> np.ndarray:
    """K×L lift of every topic for each word list (0 for a list with no word in the vocabulary)."""
    index = {term: i for i, term in enumerate(result.vocab)}
    corpus_share = result.term_frequency / max(result.term_frequency.sum(), 1e-300)
    topic_word = result.topic_word / np.maximum(result.topic_word.sum(axis=1, keepdims=True), 1e-300)
    lifts = np.zeros((result.k, len(word_lists)))
    for column, words in enumerate(word_lists):
        ids = sorted({index[w] for w in words if w in index})
        baseline = corpus_share[ids].sum() if ids else 0.0
        if baseline > 0:
            lifts[:, column] = topic_word[:, ids].sum(axis=1) / baseline
    return lifts


def topic_lifts(result: TopicResult, lexicon: Lexicon) -> np.ndarray:
    """K×(T+1) lift of every topic for each theme of the lexicon (the terms that count for it: its words and
    the longer words that hold one, see topics.lexicon), then for its ``[other]`` words: the evidence every
    mapping decision rests on."""
    holders = lexicon.holders(result.vocab)
    themes = [lexicon.counted_terms(words, theme, holders) for theme, words in lexicon.themes.items()]
    return word_lifts(result, [*themes, list(lexicon.other_words)])


def map_topics(result: TopicResult, lexicon: Lexicon, settings: MappingSettings | None = None) -> list[str]:
    """The theme of every topic, in the model's own topic order (see the module docstring)."""
    from scipy.optimize import linear_sum_assignment  # half a second to load: the report reads mapped runs without it

    settings = settings or MappingSettings()
    lifts = topic_lifts(result, lexicon)
    theme_part, other_part = lifts[:, :-1], lifts[:, -1]
    names = lexicon.names
    seeded = list(result.seed_themes or [])
    if len(seeded) > result.k:
        raise ValueError(f"{result.model_name}: {len(seeded)} seeded topics for {result.k} topics")
    columns = theme_part.argmax(axis=1)  # many-to-one
    if not seeded:
        rows, cols = linear_sum_assignment(theme_part, maximize=True)
        columns[rows] = cols
    mapped = [_decide(theme_part[t], c, other_part[t], names, settings) for t, c in enumerate(columns)]
    return seeded + mapped[len(seeded):]


def _decide(lifts: np.ndarray, column: int, other_lift: float, names: list[str], settings: MappingSettings) -> str:
    """The theme of one matched topic, ``other``, or ``unmapped`` (see the module docstring)."""
    lift = lifts[column]
    if lift < settings.min_lift or lift <= other_lift:
        return OTHER
    if settings.min_margin <= 1:  # no margin asked: every topic over min_lift is named after its theme
        return names[column]
    return names[column] if lift >= settings.min_margin * _rival(lifts, column, other_lift, settings) else UNMAPPED


def _rival(lifts: np.ndarray, column: int, other_lift: float, settings: MappingSettings) -> float:
    """What a topic's lift for its theme must clear by the margin: min_lift, its best other theme, the other words."""
    others = np.delete(lifts, column)
    return max(settings.min_lift, other_lift, float(others.max()) if len(others) else 0.0)


def mapping_evidence(result: TopicResult, lexicon: Lexicon, settings: MappingSettings | None = None) -> pd.DataFrame:
    """One row per topic: its id, theme, lift for every theme and for the [other] words, the best
    rival's lift and the margin (lift for its theme ÷ what it had to clear; n/a for other and seeded
    topics), and how it was decided ("seeded", "mapped", "unmapped", "other")."""
    settings = settings or MappingSettings()
    themes = result.topic_themes or map_topics(result, lexicon, settings)
    lifts = topic_lifts(result, lexicon)
    names = lexicon.names
    n_seeded = len(result.seed_themes or [])
    rows = []
    for t, theme in enumerate(themes):
        row = {"topic": result.topic_ids[t], "theme": theme}
        row.update({f"lift_{name}": float(lifts[t, j]) for j, name in enumerate(names)})
        row["lift_other_words"] = float(lifts[t, -1])
        if t < n_seeded:
            how, margin = "seeded", np.nan
        else:
            column = names.index(theme) if theme in names else int(lifts[t, :-1].argmax())
            margin = float(lifts[t, column] / _rival(lifts[t, :-1], column, lifts[t, -1], settings))
            how = "unmapped" if theme == UNMAPPED else ("other" if theme == OTHER else "mapped")
        rows.append({**row, "margin": margin, "decided": how})
    return pd.DataFrame(rows)


def apply_mapping(result: TopicResult, lexicon: Lexicon, settings: MappingSettings | None = None) -> TopicResult:
    """Set the result's topic themes (and the settings that gave them); returns the result."""
    settings = settings or MappingSettings()
    result.topic_themes = map_topics(result, lexicon, settings)
    result.mapping = settings.to_dict()
    return result
