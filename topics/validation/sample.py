"""The coding sample of a kit, drawn by a design whose inclusion probabilities are known, so that the
coded units can correct the model's estimates (topics.inference.corrected).

**The frame** is every unit a coder can judge: not a heading, at least MIN_HAN Han characters, its text
not seen before in the run (a second edition of a report repeats every paragraph). It depends on the
run's units only, never on a model, so the kit and the estimators find the same frame. Corrected
estimates are estimates over this frame.

**Every design is a stratified simple random sample** (without replacement), which keeps the sample's
size fixed and each unit's inclusion probability exact: in stratum h of N_h units, n_h of them drawn,
every unit of the stratum is drawn with probability n_h / N_h. The designs differ in their strata and in
how the n units are shared among them:

- ``random``: one stratum, the whole frame;
- ``stratified``: one stratum per theme the reference fit assigned (the run's themes, computed once),
  n_h ∝ √N_h (STRATIFIED_POWER): rare themes are coded more often than their size says — enough to
  correct them — without leaving the large themes' strata to a few heavily weighted units (equal numbers
  per theme undercovered livelihood and governance in benchmarks/estimates_coverage.py);
- ``active``: the themes' strata each cut into ACTIVE_BANDS bands of equal size by the reference fit's
  uncertainty about the unit (UNCERTAINTY: 1 − Σ_t p_t², the expected squared error of its theme
  probabilities were they calibrated), band h of theme t taking a share of the sample proportional to
  N_h · N_t^(−1/2) · ū_h^ACTIVE_POWER — the stratified design's weight times the band's mean uncertainty,
  ū_h never taken below ACTIVE_FLOOR of the frame's mean — so every unit can be drawn and units the model
  is unsure of are drawn more often: the rule of Zrnic &
  Candès (2024), active statistical inference, in steps that keep exact probabilities. The constants are
  those that narrowed the rare themes' intervals most with coverage kept (experiments/README.md);
- ``learn``: the coding sample that also teaches a classifier (one loop for both). Strata as ``active``
  (the themes cut into LEARN_BANDS bands of uncertainty), band h of theme t taking a share proportional to
  N_h · N_t^(−LEARN_RARITY) · ū_h^LEARN_POWER (ū_h floored as above): a probability-proportional-to-size
  draw whose size measure is the product of the estimates' term (the model's uncertainty, as ``active``)
  and the classifier's terms — uncertainty again (squared: LEARN_POWER), and rarity: with LEARN_RARITY = 1
  every theme the model assigns gets the same share of the sample however few units it has, so rare
  predicted themes are drawn most often; and diversity: within a stratum the units are taken by a
  systematic draw along the corpus's order (a random start, then every N_h / n_h-th unit not yet drawn), so
  a batch spreads over the reports and their sections instead of taking neighbours that say the same
  thing. A systematic draw gives every unit of the stratum the same probability n_h / N_h, also batch after
  batch (the second batch's n_h2 from the N_h − n_h1 units left: n_h1 / N_h + (1 − n_h1 / N_h) · n_h2 /
  (N_h − n_h1) = (n_h1 + n_h2) / N_h), so the recorded probabilities are exact; the corrected estimators'
  variance treats it as the simple random sample it is like (spreading over reports makes that variance,
  if anything, too large). **The two goals combine as a mixture**: those weights alone made the corrected
  intervals twice as wide as a random sample's for the common themes and left livelihood covered 80 % of
  the time (units the model is sure of got tiny probabilities, so huge weights), so each stratum's weight is
  LEARN_MIX of a random sample's plus the rest of the classifier's (scaled to the same mean per unit):
  every unit keeps at least LEARN_MIX of the chance it would have in a random sample
  (experiments/README.md measures both sides).

Every stratum that is not taken whole gets at least MIN_PER_STRATUM units, the fewest that give it a
variance, so a sample smaller than that is refused.

**Batches.** ``topics.validation.kit.add_units`` draws n more units from those not yet drawn, shared among the same strata by the
same rule (for the new total). After batches of n_h1 and then n_h2 units of a stratum, the second drawn at
random from the N_h − n_h1 units the first left, the combined sample is a simple random sample of
n_h1 + n_h2 of the stratum's units: every unit of the stratum — drawn in the first batch, the second or
neither — had probability (n_h1 + n_h2) / N_h of being in it, which is the inclusion probability recorded
for all of them (not n_h2 / N_h for the second batch). This holds whatever the second batch's allocation
among strata is, even one chosen after looking at the first batch's codes: given how many units of a
stratum were drawn, which ones is uniformly random, and the estimators condition on those numbers."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import numpy as np

from ..errors import InputError, listed
from ..run_folder import Fit, RunFolder

DESIGNS = ("random", "stratified", "active", "learn")
MIN_HAN = 40  # characters: shorter lines are not coded (the codebook's rule)
MIN_PER_STRATUM = 2  # units drawn from a stratum not taken whole: the fewest that give it a variance
STRATIFIED_POWER = 0.5  # stratified: n_h ∝ N_h^(1 - this); 1 would take equal numbers from each theme
UNCERTAINTY = "gini"  # 1 - Σ p² ("gini") or 1 - p of the assigned theme ("top")
ACTIVE_BANDS = 2  # strata of the active design within each theme, by uncertainty
ACTIVE_POWER = 1.0  # a band's weight: its mean uncertainty to this power
ACTIVE_FLOOR = 0.1  # ... and at least this fraction of the weight of a band of average uncertainty
LEARN_BANDS = 3  # learn: bands of uncertainty within each theme (finer than active's: the classifier's term)
LEARN_RARITY = 1.0  # learn: n per theme ∝ N_t^(1 - this): every predicted theme gets the same share
LEARN_POWER = 2.0  # learn: a band's weight is its mean uncertainty to this power (1 learnt less: experiments/)
LEARN_MIX = 0.3  # learn: the share of each unit's chance that is a random sample's (for the estimates)
ALL = "all"  # the one stratum of the random design
_HAN = re.compile(r"[\u4e00-\u9fff]")


def frame_rows(units: list) -> list[int]:
    """The corpus rows of the units a coder can judge (the module's docstring says which)."""
    seen: set[str] = set()
    rows = []
    for i, unit in enumerate(units):
        if unit.kind != "heading" and len(_HAN.findall(unit.text)) >= MIN_HAN and unit.text not in seen:
            seen.add(unit.text)
            rows.append(i)
    return rows


def run_frame_rows(run: RunFolder) -> list[int]:
    """frame_rows of a run's units, their texts read from its units.jsonl."""
    return frame_rows(run.run_units.with_texts())


def frame_fingerprint(unit_ids: list[str], rows: list[int]) -> str:
    """A short hash of the frame's unit ids: a kit and a run with the same frame have the same one."""
    return hashlib.sha256("\n".join(unit_ids[i] for i in rows).encode("utf-8")).hexdigest()[:16]


@dataclass
class Frame:
    """The frame of a design: its units' corpus rows, the stratum of each, and each stratum's weight in
    the allocation (a stratum's target share of the sample is proportional to its size times its weight)."""

    design: str
    rows: np.ndarray
    strata: np.ndarray  # stratum name of each row
    weights: dict[str, float]
    bands: dict[str, list[float]] | None = None  # active, learn: each band's range of uncertainty
    spread: bool = False  # within a stratum, a systematic draw along the corpus's order (learn), not a random one

    def sizes(self) -> dict[str, int]:
        names, counts = np.unique(self.strata, return_counts=True)
        return {str(name): int(count) for name, count in zip(names, counts)}


def design_frame(run: RunFolder, fit: Fit, design: str, codable: list[int], units: np.ndarray | None = None) -> Frame:
    """The frame of the run (of its ``units``, a mask, when given) with the strata and weights of ``design``,
    from ``fit``'s themes; ``codable`` is the run's run_frame_rows."""
    if design not in DESIGNS:
        raise InputError(f"--design {design}: must be one of {', '.join(DESIGNS)}")
    rows = np.asarray(codable, dtype=int)
    if units is not None:
        rows = rows[units[rows]]
    if len(rows) == 0:
        raise InputError(f"{run.path}: no unit to code (none has {MIN_HAN} Han characters outside a heading)")
    return frame_of(rows, design, fit.themes.theme_names(), uncertainty(fit.themes.probabilities),
                    run.lexicon.labels_with_other)


def uncertainty(probabilities: np.ndarray) -> np.ndarray:
    """The model's uncertainty about each unit: UNCERTAINTY of its theme probabilities (a unit without
    evidence, a row of zeros, is as uncertain as can be)."""
    probabilities = np.asarray(probabilities, dtype=float)
    if UNCERTAINTY == "gini":  # the expected squared error of the probabilities, were they calibrated
        return 1.0 - (probabilities ** 2).sum(axis=1)
    return 1.0 - probabilities.max(axis=1, initial=0.0)


def frame_of(rows: np.ndarray, design: str, assigned: list[str], uncertain: np.ndarray, labels: list[str]) -> Frame:
    """The frame ``rows`` (corpus rows) with the strata of ``design``: ``assigned`` and ``uncertain`` are
    every corpus unit's theme and the model's uncertainty about it under the reference fit."""
    if design == "random":
        return Frame(design, rows, np.full(len(rows), ALL, dtype=object), {ALL: 1.0})
    themes = np.array([assigned[i] for i in rows], dtype=object)
    sizes = {name: int((themes == name).sum()) for name in dict.fromkeys(themes)}
    names = sorted(sizes, key=lambda name: labels.index(name) if name in labels else len(labels))
    # a weight of N_h^-STRATIFIED_POWER makes the targets N_h · w_h grow as the square root of N_h
    theme_weight = {name: sizes[name] ** -STRATIFIED_POWER for name in names}
    if design == "stratified":
        return Frame(design, rows, themes, theme_weight)
    # active: the estimates' design; learn: more bands, every theme an equal share, uncertainty weighing more
    n_bands, rarity, power = (LEARN_BANDS, LEARN_RARITY, LEARN_POWER) if design == "learn" else \
        (ACTIVE_BANDS, STRATIFIED_POWER, ACTIVE_POWER)
    theme_weight = {name: sizes[name] ** -rarity for name in names}
    u = np.asarray(uncertain, dtype=float)[rows]
    mean = max(float(u.mean()), 1e-9)
    strata = np.empty(len(rows), dtype=object)
    weights, bands = {}, {}
    for name in names:
        members = np.flatnonzero(themes == name)
        order = members[np.argsort(u[members], kind="stable")]
        for b, band in enumerate(np.array_split(order, min(n_bands, len(order))), start=1):
            stratum = f"{name}:u{b}"
            strata[band] = stratum
            bands[stratum] = [round(float(u[band].min()), 4), round(float(u[band].max()), 4)]
            weights[stratum] = theme_weight[name] * max(float(u[band].mean()), ACTIVE_FLOOR * mean) ** power
    if design == "learn":
        weights = _mixed(weights, {h: int((strata == h).sum()) for h in weights})
    return Frame(design, rows, strata, weights, bands, spread=design == "learn")


def _mixed(weights: dict[str, float], sizes: dict[str, int]) -> dict[str, float]:
    """learn's weights mixed with a uniform draw's: LEARN_MIX of each unit's chance as in a random sample,
    the rest as the classifier's weights say (scaled to the same mean per unit), so that no unit's inverse
    probability exceeds about 1 / LEARN_MIX times a random sample's and the corrected estimates stay sound."""
    mean = sum(weights[h] * sizes[h] for h in weights) / max(sum(sizes.values()), 1)
    return {h: LEARN_MIX + (1 - LEARN_MIX) * w / mean for h, w in weights.items()}


LEARNING_DESIGNS = ("active", "learn")  # designs whose allocation follows a model's uncertainty


def reweighted(frame: Frame, uncertain: np.ndarray, undrawn: set[int]) -> Frame:
    """The active or learn frame with its strata kept and each stratum's weight taken from ``uncertain``
    (every corpus unit's uncertainty under a model trained since, e.g. on the coded units): its theme's
    weight times the mean uncertainty of its units not yet drawn (``undrawn``: corpus rows), floored and
    raised to the design's power as frame_of does. The strata kept, the combined sample stays a simple random
    (or spread) sample of each stratum whatever the allocation, so the recorded probabilities stay exact (the
    module's docstring)."""
    rarity, power = (LEARN_RARITY, LEARN_POWER) if frame.design == "learn" else (STRATIFIED_POWER, ACTIVE_POWER)
    u = np.asarray(uncertain, dtype=float)
    rows, strata = frame.rows, frame.strata
    mean = max(float(u[rows].mean()), 1e-9)
    themes = np.array([str(h).rsplit(":", 1)[0] for h in strata], dtype=object)
    weights = {}
    for stratum in frame.weights:
        mine = rows[strata == stratum]
        left = [int(r) for r in mine if int(r) in undrawn] or [int(r) for r in mine]
        size = int((themes == stratum.rsplit(":", 1)[0]).sum())
        weights[stratum] = size ** -rarity * max(float(u[left].mean()), ACTIVE_FLOOR * mean) ** power
    if frame.design == "learn":
        weights = _mixed(weights, {h: int((strata == h).sum()) for h in weights})
    return Frame(frame.design, rows, strata, weights, frame.bands, frame.spread)


def allocate(sizes: dict[str, int], drawn: dict[str, int], weights: dict[str, float], n_new: int,
             option: str = "--size") -> dict[str, int]:
    """How many of ``n_new`` further units each stratum gets: first MIN_PER_STRATUM for every stratum not
    taken whole, then one at a time to the stratum furthest below its target for the new total
    (n · N_h w_h / Σ N w), never more than a stratum has left. InputError when n_new is more than the
    strata have left, or too few to give each stratum its minimum; ``option`` names the number in them."""
    left = {h: sizes[h] - drawn.get(h, 0) for h in sizes}
    if n_new > sum(left.values()):
        raise InputError(f"{option} {n_new}: only {sum(left.values())} units a coder can judge are not drawn yet; "
                         f"give at most {sum(left.values())}")
    new = {h: 0 for h in sizes}
    minimum = {h: max(0, min(MIN_PER_STRATUM, sizes[h]) - drawn.get(h, 0)) for h in sizes}
    if sum(minimum.values()) > n_new:
        short = [h for h in sizes if minimum[h]]
        raise InputError(f"{option} {n_new}: too small for this design: an interval needs {MIN_PER_STRATUM} coded units "
                         f"from each of its {len(sizes)} strata ({listed(short)}), so at least "
                         f"{sum(minimum.values())} units")
    for h, m in minimum.items():
        new[h] += m
    total = sum(drawn.values()) + n_new
    mass = sum(sizes[h] * weights[h] for h in sizes)
    target = {h: total * sizes[h] * weights[h] / mass for h in sizes}
    for _ in range(n_new - sum(new.values())):
        open_strata = [h for h in sizes if drawn.get(h, 0) + new[h] < sizes[h]]
        best = max(open_strata, key=lambda h: (target[h] - drawn.get(h, 0) - new[h], -list(sizes).index(h)))
        new[best] += 1
    return new


def draw(frame: Frame, already: set[int], n_new: int, rng: np.random.Generator,
         option: str = "--size") -> list[tuple[int, str]]:
    """``n_new`` further units (corpus row, stratum): the allocation's number from each stratum, drawn at
    random from its units not in ``already`` (corpus rows drawn by earlier batches); ``option`` names
    ``n_new`` in messages."""
    sizes = frame.sizes()
    drawn = {h: 0 for h in sizes}
    for row, stratum in zip(frame.rows, frame.strata):
        if int(row) in already:
            drawn[stratum] += 1
    counts = allocate({h: sizes[h] for h in frame.weights if h in sizes}, drawn, frame.weights, n_new, option)
    chosen = []
    for stratum, count in counts.items():
        if count:
            remaining = [int(r) for r, s in zip(frame.rows, frame.strata) if s == stratum and int(r) not in already]
            picked = _systematic(sorted(remaining), count, rng) if frame.spread else \
                rng.choice(remaining, size=count, replace=False)
            chosen += [(int(r), stratum) for r in picked]
    return chosen


def _systematic(rows: list[int], n: int, rng: np.random.Generator) -> list[int]:
    """n of ``rows`` (in corpus order) by a systematic draw: a random start in [0, N/n), then every N/n-th;
    each row is drawn with probability n/N, and the rows drawn are spread along the order."""
    step = len(rows) / n
    start = rng.uniform(0.0, step)
    return [rows[min(int(start + j * step), len(rows) - 1)] for j in range(n)]


def probabilities(sizes: dict[str, int], drawn: dict[str, int]) -> dict[str, float]:
    """Each stratum's inclusion probability after every batch so far: units drawn over units in it."""
    return {h: drawn[h] / sizes[h] for h in drawn if drawn[h]}
