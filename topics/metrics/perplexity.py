"""Held-out perplexity, defined only for models with a likelihood (the LDA family).

NMF, seeded NMF and the dictionary baseline have no probability model of text: for them the value is
NaN with the note "not defined (no likelihood)", never a stand-in number.
"""

from __future__ import annotations

import math

from ..errors import InputError
from ..result import TopicResult
from .base import Metric, MetricContext


def _heldout_perplexity(result: TopicResult, ctx: MetricContext, *, metric: str) -> float:
    perplexity = getattr(ctx.model, "perplexity", None)
    if ctx.model is None:
        ctx.note(metric, "no fitted model given: NaN")
        return math.nan
    if perplexity is None:
        ctx.note(metric, f"not defined (no likelihood) for {result.model_name}: NaN")
        return math.nan
    if not ctx.heldout_token_lists or not any(ctx.heldout_token_lists):
        ctx.note(metric, "no held-out units: NaN")
        return math.nan
    try:
        value = float(perplexity(ctx.heldout_token_lists))
    except InputError as err:  # e.g. no held-out unit has a word of the model's vocabulary
        ctx.note(metric, f"{err}: NaN")
        return math.nan
    if not math.isfinite(value) or value < 1:  # per-word probabilities are at most 1, so perplexity >= 1
        ctx.note(metric, f"the model returned {value}, which is no perplexity (it must be >= 1): NaN")
        return math.nan
    return value


HELDOUT_PERPLEXITY = Metric(
    name="heldout_perplexity",
    params={},
    citation="Blei, Ng & Jordan 2003; Wallach, Murray, Salakhutdinov & Mimno 2009 (evaluation methods); "
             "Chang et al. 2009 (perplexity does not track human judgement)",
    higher_is_better=False,
    description="The fitted model's perplexity(held-out token lists): exp(-log-likelihood bound per held-out "
                "token), as computed by the model (gensim's variational bound or scikit-learn's). LDA family "
                "only; comparable only between models on the same held-out units and vocabulary.",
    function=_heldout_perplexity,
)

METRICS = [HELDOUT_PERPLEXITY]
