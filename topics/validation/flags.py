"""Validity flags: topics whose theme a reviewer should doubt, with the evidence.

Each topic's theme is either given by construction (a seeded topic, a dictionary topic) or found by the
mapping stage from lifts. Both can be wrong in ways the topic's top words show. For every topic we look
at the probability mass of its ``n_words`` most probable words and at who lists each word: a theme of
the lexicon (facet words count for their theme), the ``[other]`` words, or no list at all ("unlisted").

Flags:

- ``another_theme``: another theme's words hold more of the top-word mass than the topic's own
  theme's words (for a topic that stands for ``other``: more than the ``[other]`` words), and at least
  ``min_share`` of it — e.g. a topic of investment and consumption words mapped to ecology;
- ``other_words``: the ``[other]`` words outweigh the theme's own words (at least ``min_share``);
- ``unlisted_words``: words of no list hold most of the top-word mass and the theme's own words less
  than half — the topic is about something the lexicon does not name (e.g. a "safety" topic of
  defence and fiscal-policy words). Not raised for topics that stand for ``other``;
- ``thin_margin`` (unseeded topics, whose theme comes from lift alone): the best theme's lift, at least
  ``min_lift``, is less than ``min_margin`` times the larger of ``min_lift`` and the runner-up (the next
  theme or the ``[other]`` words) — the margin as the mapping stage measures it (topics.mapping), where a
  topic under the mapping's own ``min_margin`` is left unmapped;
- ``near_min_lift`` (unseeded topics): the best theme's lift is at least ``min_lift`` but less than
  ``lift_slack`` above it.

- ``theme_without_topic`` (per fit): a theme of the lexicon that no topic stands for, so the fit never
  assigns it.

The lift flags read the lifts, not the mapping's decision, so they stay the same whatever the mapping
does with a doubtful topic (map it, send it to ``other`` or leave it unmapped).

The mapping evidence of every topic — its lift for each theme and for the ``[other]`` words, the
runner-up and the margin — comes with the flags, so a reviewer sees why a topic has its theme."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..assignment import FLAGS_COLUMN
from ..errors import InputError
from ..labels import UNMAPPED
from ..lexicon import Lexicon
from ..mapping import MappingSettings, topic_lifts
from ..run_folder import Fit, RunFolder
from ..run_files import FLAGS

UNLISTED = "unlisted"
OTHER_WORDS = "[other]"
FLAG_COLUMNS = ["model", "k", "seed", "topic", "theme", "seeded", "flag", "words", "detail"]


@dataclass(frozen=True)
class FlagSettings:
    n_words: int = 20  # top words examined
    min_share: float = 0.25  # of the top-word mass, for another_theme and other_words
    min_margin: float = 1.5  # ratio of lifts, for thin_margin (the mapping leaves topics under its own 1.25 unmapped)
    lift_slack: float = 1.0  # lift above min_lift, for near_min_lift


def word_owners(lexicon: Lexicon, vocabulary: list[str]) -> dict[str, list[str]]:
    """word → the groups it counts for: themes (their words and the vocabulary's longer words that count
    through them, as the mapping counts them), then "[other]"."""
    owners: dict[str, list[str]] = {}
    holders = lexicon.holders(vocabulary)
    for theme, words in lexicon.themes.items():
        for word in lexicon.counted_terms(words, theme, holders):
            owners.setdefault(word, []).append(theme)
    for word in lexicon.other_words:
        owners.setdefault(word, []).append(OTHER_WORDS)
    return owners


def topic_evidence(fit: Fit, lexicon: Lexicon, min_lift: float, flags: pd.DataFrame | None = None,
                   settings: FlagSettings = FlagSettings()) -> pd.DataFrame:
    """One row per topic: model, k, seed, topic, theme, seeded, lift_<theme> … lift_other, best_theme,
    best_lift, runner_up, runner_up_lift, margin, own_share, unlisted_share, top_words, flags (the
    fit's flags: its rows of ``flags`` when given, else fit_flags)."""
    if flags is None:
        flags = fit_flags(fit, lexicon, min_lift, settings)
    rows = []
    for t, facts in enumerate(_topic_facts(fit, lexicon, settings, min_lift)):
        topic = f"T{fit.result.topic_ids[t]}"
        rows.append({**facts["row"], "flags": " ".join(flags.loc[flags["topic"] == topic, "flag"])})
    return pd.DataFrame(rows)


def fit_flags(fit: Fit, lexicon: Lexicon, min_lift: float, settings: FlagSettings = FlagSettings()) -> pd.DataFrame:
    """The flags of one fit's topics (columns FLAG_COLUMNS, then the topic's lifts and margin)."""
    rows = []
    for facts in _topic_facts(fit, lexicon, settings, min_lift):
        row, shares, words = facts["row"], facts["shares"], facts["words"]
        is_theme = row["theme"] in lexicon.names  # not other (nor a topic the mapping left unmapped)
        own_group = row["theme"] if is_theme else OTHER_WORDS
        own = shares.get(own_group, 0.0)
        base = {key: row[key] for key in FLAG_COLUMNS if key in row}
        evidence = {key: value for key, value in row.items() if key not in base}

        def flag(name: str, group_words: list[str], detail: str) -> None:
            rows.append({**base, "flag": name, "words": " ".join(group_words), "detail": detail, **evidence})

        themes = [(shares.get(theme, 0.0), theme) for theme in lexicon.names if theme != row["theme"]]
        share, rival = max(themes) if themes else (0.0, "")
        if rival and share > own and share >= settings.min_share:
            flag("another_theme", words[rival], f"{rival} words hold {share:.0%} of the top-{settings.n_words} word "
                 f"mass, its own {own_group} words {own:.0%}")
        if is_theme:
            other = shares.get(OTHER_WORDS, 0.0)
            if other > own and other >= settings.min_share:
                flag("other_words", words[OTHER_WORDS], f"[other] words hold {other:.0%} of the top-word mass, "
                     f"{row['theme']} words {own:.0%}")
            unlisted = shares.get(UNLISTED, 0.0)
            if unlisted > 0.5 and own < 0.5:
                flag("unlisted_words", words[UNLISTED], f"words of no list hold {unlisted:.0%} of the top-word mass, "
                     f"{row['theme']} words {own:.0%}")
        if not row["seeded"] and row["best_lift"] >= min_lift and row["theme"] != UNMAPPED:  # unmapped says it already
            if row["margin"] < settings.min_margin:
                flag("thin_margin", [], f"lift {row['best_lift']:.2f} for {row['best_theme']} against "
                     f"{row['runner_up_lift']:.2f} for {row['runner_up']} and min_lift {min_lift:g} "
                     f"(margin {row['margin']:.2f} < {settings.min_margin:g})")
            if row["best_lift"] < min_lift + settings.lift_slack:
                flag("near_min_lift", [], f"lift {row['best_lift']:.2f} for {row['best_theme']}, "
                     f"just over min_lift {min_lift:g}")
    for theme in lexicon.names:  # a theme no topic stands for is never assigned by this fit
        if theme not in fit.result.topic_themes:
            rows.append({"model": fit.model, "k": fit.k, "seed": fit.seed, "topic": "", "theme": theme, "seeded": False,
                         "flag": "theme_without_topic", "words": "",
                         "detail": f"no topic is mapped to {theme}: this fit never assigns it"})
    columns = list(dict.fromkeys([*FLAG_COLUMNS, *(key for row in rows for key in row)]))
    return pd.DataFrame(rows, columns=columns)


def primary_rows(flags: pd.DataFrame) -> pd.DataFrame:
    """The rows of a flag table (as written, or read back from flags.csv) that belong to a primary fit."""
    return flags[flags["primary"].astype(str) == "True"]


def empty_flags() -> pd.DataFrame:
    """A flag table without rows (flags.csv of a run whose topics raise none)."""
    return pd.DataFrame(columns=[*FLAG_COLUMNS, "primary"])


def theme_flags(run: RunFolder, per_fit: bool = False) -> dict[tuple, str] | None:
    """The flag names (space-separated, in flags.csv's order) of every flagged theme: per fit,
    (model, k, seed, theme) → the fit's own flags; else (model, k, theme) → the flags of the model's primary
    fit when k is its k, or of every fit of that k otherwise (shares pooled over seeds). None when the run
    has no flags.csv (a run folder written before it)."""
    flags = run.table(FLAGS, ("model", "k", "seed", "theme", "flag", "primary"))
    if flags is None:
        return None
    primary_k = {fit.model: fit.k for fit in run.fits(primary_only=True)}
    found: dict[tuple, list[str]] = {}
    for row in flags.itertuples(index=False):
        k, primary = int(row.k), str(row.primary) == "True"
        if per_fit:
            key = (row.model, k, int(row.seed), row.theme)
        elif primary or primary_k.get(row.model) != k:
            key = (row.model, k, row.theme)
        else:  # another seed of the primary fit's k: the primary fit's flags stand for the model
            continue
        found.setdefault(key, []).append(row.flag)
    return {key: " ".join(dict.fromkeys(names)) for key, names in found.items()}


def flagged_themes(run: RunFolder, model: str | None = None) -> pd.DataFrame:
    """One row per flagged theme of each model's primary fit (only ``model``'s when given), as flags.csv
    holds them: model, k, seed, theme, flags (the names, as theme_flags joins them), topics (the flagged
    topics, space-separated), details ("T3 unlisted_words: …", "; "-separated). InputError when the run
    has no flags.csv."""
    flags = run.table(FLAGS, ("model", "k", "seed", "topic", "theme", "flag", "detail", "primary"))
    if flags is None:
        raise InputError(f"{run.file(FLAGS)}: absent (a run folder older than it); `topics remap {run.path}` "
                         "writes it")
    flags = primary_rows(flags)
    if model is not None:
        flags = flags[flags["model"] == model]
    rows = []
    for (name, k, seed, theme), group in flags.groupby(["model", "k", "seed", "theme"], sort=False):
        rows.append({"model": name, "k": int(k), "seed": int(seed), "theme": theme,
                     FLAGS_COLUMN: " ".join(dict.fromkeys(group["flag"])),
                     "topics": " ".join(dict.fromkeys(t for t in group["topic"] if t)),
                     "details": "; ".join(f"{t} {f}: {d}".lstrip() for t, f, d in
                                          zip(group["topic"], group["flag"], group["detail"]))})
    return pd.DataFrame(rows, columns=["model", "k", "seed", "theme", FLAGS_COLUMN, "topics", "details"])


def with_flags(run: RunFolder, table: pd.DataFrame) -> pd.DataFrame:
    """``table`` (rows of model, k, theme, and seed for a table per fit) with a last column ``flags``: the
    validity flags of the row's model/theme (theme_flags), empty when none or when the run has no flags.csv."""
    per_fit = "seed" in table.columns
    found = theme_flags(run, per_fit) or {}
    keys = ["model", "k", *(["seed"] if per_fit else []), "theme"]
    rows = zip(*(table[key] for key in keys))
    return table.assign(**{FLAGS_COLUMN: [found.get(tuple(v if isinstance(v, str) else int(v) for v in row), "")
                                          for row in rows]})


def effects_with_flags(run: RunFolder, result):
    """An effects result (topics.inference.Effects) whose coefficients, expected shares and contrasts each
    end with the row's model/theme flags (with_flags)."""
    return replace(result, table=with_flags(run, result.table), expected=with_flags(run, result.expected),
                   contrasts=with_flags(run, result.contrasts))


def evidence_table(run: RunFolder, flags: pd.DataFrame, settings: FlagSettings = FlagSettings()) -> pd.DataFrame:
    """The mapping evidence of every topic of each model's primary fit (see topic_evidence), its flags
    taken from ``flags`` (flag_table)."""
    min_lift = MappingSettings.from_config(run.config).min_lift
    tables = []
    for fit in run.fits(primary_only=True):
        mine = flags[(flags["model"] == fit.model) & (flags["k"] == fit.k) & (flags["seed"] == fit.seed)]
        tables.append(topic_evidence(fit, run.lexicon, min_lift, mine, settings))
    return pd.concat(tables, ignore_index=True)


def _topic_facts(fit: Fit, lexicon: Lexicon, settings: FlagSettings, min_lift: float) -> list[dict]:
    """Per topic: its evidence row, the share of top-word mass of each group, and the group's words."""
    result = fit.result
    owners = word_owners(lexicon, result.vocab)
    lifts = topic_lifts(result, lexicon)
    names = lexicon.names
    columns = [f"lift_{name}" for name in names] + ["lift_other"]
    topic_word = result.topic_word / np.maximum(result.topic_word.sum(axis=1, keepdims=True), 1e-300)
    order = np.argsort(-topic_word, axis=1, kind="stable")[:, : settings.n_words]
    facts = []
    for t in range(result.k):
        theme = result.topic_themes[t]
        seeded = t < fit.seeded_topics
        # evidence from lifts alone, whatever the mapping made of it: the best theme against the runner-up
        # (the next theme or the [other] words)
        ranked = sorted(((float(lifts[t, j]), names[j]) for j in range(len(names))), reverse=True)
        best_lift, best = ranked[0]
        runner_lift, runner = max(ranked[1:] + [(float(lifts[t, -1]), OTHER_WORDS)])
        row = {"model": fit.model, "k": fit.k, "seed": fit.seed, "topic": f"T{result.topic_ids[t]}", "theme": theme,
               "seeded": seeded, **{c: round(float(v), 3) for c, v in zip(columns, lifts[t])},
               "best_theme": best, "best_lift": round(best_lift, 3), "runner_up": runner,
               "runner_up_lift": round(runner_lift, 3),
               # as the mapping measures it: the best lift over what it must clear
               "margin": round(best_lift / max(min_lift, runner_lift, 1e-12), 3)}
        mass = topic_word[t, order[t]]
        total = mass.sum() or 1.0
        shares: dict[str, float] = {}
        words: dict[str, list[str]] = {name: [] for name in [*names, OTHER_WORDS, UNLISTED]}
        for j, weight in zip(order[t], mass):
            word = result.vocab[j]
            groups = owners.get(word, [UNLISTED])
            for group in groups:  # a word two lists share counts for both
                shares[group] = shares.get(group, 0.0) + weight / total
                words[group].append(word)
        own_group = theme if theme in names else OTHER_WORDS
        row.update({"own_share": round(shares.get(own_group, 0.0), 3), "unlisted_share": round(shares.get(UNLISTED, 0.0), 3),
                    "top_words": " ".join(result.vocab[j] for j in order[t])})
        facts.append({"row": row, "shares": shares, "words": words})
    return facts
