"""Covariate effects: how a theme's share of a document depends on the document's metadata.

The estimator is a **fractional logit** (Papke & Wooldridge 1996): a GLM with the binomial family and
logit link fitted to each document's theme share, with standard errors robust to the misspecified
binomial variance (statsmodels' cluster-robust covariance with one cluster per document and the
small-sample correction). We chose it over OLS because shares live in [0, 1] and are often exactly 0
(ecology in the 1950s reports): the logit keeps every expected share inside [0, 1], so the band of an
expected share over years never dips below zero, and it needs no transformation of the zeros. Its
coefficients are on the log-odds scale; ``expected_shares`` turns them back into shares.

Uncertainty, ``uncertainty="composition"`` (the default): pooled by the **method of composition**, as
stm's estimateEffect does: each of ``draws`` draws takes a bootstrap draw of every document's shares
(its units resampled; one fit of the model per draw, in turn over the seeds), refits the regression and
draws one coefficient vector from that fit's estimated sampling distribution; the interval is the
percentile interval of the pooled vectors. It carries the regression's sampling error, the measurement
error of each share (a document has only so many units) and the disagreement between seeds. The
measurement error is already part of the regression's residual spread, so composition counts it more
than once and errs on the wide side, most when documents are short and alike (coverage figures:
benchmarks/effects_coverage.py). ``uncertainty="documents"``: a case bootstrap instead — documents
drawn with replacement, the regression refitted to their shares, draw b on the fit b mod S — which
counts each source of error once. The estimate is, either way, the mean over seeds of the coefficients
fitted to the shares computed on all units.

Documents are weighted equally (one observation each); a document missing a value the formula uses is
left out (n_documents says how many were used).

**Contrasts in points** (``Effects.contrasts``): for each category column of the formula, and each number
column with two values (a 0/1 flag), the difference in expected share between each level and the
reference level (the first in sorted order, as patsy's treatment coding takes it) in percentage points,
averaged over the documents as they are (every document set to the level, then to the reference, all
else kept: an average predictive comparison, as stm's ``method = "difference"`` with the other
covariates at their observed values rather than at one typical document). For each number column with
more values (kind "average slope"): the average marginal effect, the documents' mean change in expected
share per unit of the column in percentage points (a central difference over a thousandth of its range,
one-sided at its ends, where a spline is not defined beyond). Each interval is the percentile interval of
the same figure over the composed coefficient draws."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import patsy
from scipy.special import expit
from tqdm import tqdm

from ..errors import InputError, clipped, listed
from ..formula import check_formula, environment
from ..labels import UNMAPPED
from ..settings import default
from .shares import bootstrap_ratio, check_options, generator, interval
from .study import StudyData

ESTIMATOR = "fractional logit (GLM binomial, logit link)"
UNCERTAINTY = {  # how the draws are made → the method column of effects.csv
    "composition": f"{ESTIMATOR}; composition: units resampled within documents, seeds pooled, coefficients drawn "
                   "from each refit's document-clustered robust covariance",
    "documents": f"{ESTIMATOR}; bootstrap: documents resampled, seeds pooled",
}
EFFECT_COLUMNS = ["model", "k", "seeds", "theme", "term", "estimate", "ci_low", "ci_high", "scale", "method", "draws",
                  "n_documents", "formula"]
EXPECTED_COLUMNS = ["model", "k", "seeds", "theme", "covariate", "value", "share", "ci_low", "ci_high", "draws",
                    "n_documents"]
CONTRAST_COLUMNS = ["model", "k", "seeds", "theme", "covariate", "kind", "level", "reference", "difference", "ci_low",
                    "ci_high", "scale", "draws", "n_documents"]
POINTS = "percentage points"
DIFFERENCE, SLOPE = "difference", "average slope"  # the kind column: a level against the reference; per unit


@dataclass
class Effects:
    """The effects of one formula: coefficients per theme, and expected shares over each numeric covariate."""

    formula: str
    table: pd.DataFrame  # EFFECT_COLUMNS
    expected: pd.DataFrame  # EXPECTED_COLUMNS
    skipped: list[str]  # "<model> k=<k> <theme>: why" for themes without an estimate
    contrasts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CONTRAST_COLUMNS))


def effects(data: StudyData, formula: str, *, model: str | None = None, k: int | None = None,
            themes: list[str] | None = None, weight: str = default("inference.weight"),
            draws: int = default("effects.draws"), seed: int = default("inference.seed"),
            level: float = default("inference.level"), uncertainty: str = default("effects.uncertainty"),
            progress: bool = False, source: str = "--formula") -> Effects:
    """Regress every theme's document share (or only ``themes``) on the documents' metadata with the
    right-hand side ``formula`` (patsy, e.g. ``~ bs(year, df=4) + C(region)``; topics.formula says what it
    may use), for every model and k of the run (or ``model``/``k``), with intervals by the method of
    composition, or with ``uncertainty`` "documents" by a bootstrap of documents (module docstring).
    ``source`` names where the formula came from in messages."""
    check_options(weight=weight, draws=draws, seed=seed, level=level)
    if uncertainty not in UNCERTAINTY:
        raise InputError(f"--uncertainty: must be one of {', '.join(UNCERTAINTY)}, got {uncertainty!r}")
    wanted = _themes(data, themes)
    docs = data.documents()
    design = design_matrix(formula, docs, data.column_types, source)
    kept = design.index.to_numpy()  # documents with every value the formula uses
    if len(kept) < len(docs):  # patsy leaves out a document missing a value without a word
        lacking = [c for c in check_formula(formula, source, data.column_types).columns
                   if docs.drop(index=kept)[c].isna().any()]
        warnings.warn(f"{source} {clipped(formula)!r}: {len(docs) - len(kept)} of the {len(docs)} documents have no "
                      f"value of {listed(lacking)} and are left out", stacklevel=2)
    covariates = numeric_covariates(formula, data.column_types)
    grids = {c: expected_grid(design, docs.loc[kept], c, data.column_types) for c in covariates}
    grids = {c: grid for c, grid in grids.items() if grid is not None}
    levels = contrast_designs(design, docs.loc[kept], formula, data.column_types, source)
    contrasts = []
    doc_rows = [rows.index.to_numpy() for _, rows in data.units.groupby("doc_id", sort=False)]
    rows, expected, skipped = [], [], []
    for (name, topics), fits in data.fit_groups(model, k).items():
        values = [data.unit_values(fit, weight) for fit in fits]
        points, drawn = document_share_draws(doc_rows, values, draws, generator(seed, name, topics, "documents"))
        for theme in tqdm(wanted, desc=f"effects {name} k={topics}", unit="theme", disable=not progress):
            t = data.themes.index(theme)
            observed = points[:, kept, t]
            if np.all(observed == observed[0, 0]) and observed[0, 0] in (0.0, 1.0):
                # 'unmapped' is no theme of a model without such a topic: nothing to say unless asked for
                if themes or theme != UNMAPPED or any(UNMAPPED in fit.themes.names for fit in fits):
                    skipped.append(f"{name} k={topics} {theme}: share {observed[0, 0]:g} in every document")
                continue
            rng = generator(seed, name, topics, theme, "coefficients")
            try:
                fitted = [_glm(y, design) for y in observed]
                if uncertainty == "composition":
                    composed = np.array([_draw(rng, *_glm(y, design)) for y in drawn[:, kept, t]])
                else:
                    composed = _document_bootstrap(observed, design, draws, rng)
            except Diverged as diverged:
                skipped.append(f"{name} k={topics} {theme}: {diverged.why(design, observed)}")
                continue
            estimate = np.mean([beta for beta, _ in fitted], axis=0)
            low, high = interval(composed, level, estimate)
            for j, term in enumerate(design.columns):
                rows.append([name, topics, len(fits), theme, term, estimate[j], low[j], high[j], "log-odds",
                             UNCERTAINTY[uncertainty], draws, len(kept), formula])
            for covariate, grid in grids.items():
                point = np.mean([expit(grid.to_numpy() @ beta) for beta, _ in fitted], axis=0)
                band_low, band_high = interval(expit(composed @ grid.to_numpy().T), level, point)
                for i, value in enumerate(grid.attrs["values"]):
                    expected.append([name, topics, len(fits), theme, covariate, value, point[i], band_low[i],
                                     band_high[i], draws, len(kept)])
            for covariate, kind, value, reference, at_value, at_reference, step in levels:
                point = 100 * np.mean([average_difference(at_value, at_reference, beta, step) for beta, _ in fitted])
                drawn_points = 100 * average_difference(at_value, at_reference, composed, step)
                low, high = interval(drawn_points[:, None], level, np.array([point]))
                scale = POINTS if kind == DIFFERENCE else f"{POINTS} per 1 {covariate}"
                contrasts.append([name, topics, len(fits), theme, covariate, kind, value, reference, point, low[0],
                                  high[0], scale, draws, len(kept)])
    return Effects(formula, pd.DataFrame(rows, columns=EFFECT_COLUMNS),
                   pd.DataFrame(expected, columns=EXPECTED_COLUMNS), skipped,
                   pd.DataFrame(contrasts, columns=CONTRAST_COLUMNS))


MAX_CONTRAST_LEVELS = 20  # a category with more levels (a city each) gets no contrasts: a table no one reads


def contrast_designs(design: pd.DataFrame, docs: pd.DataFrame, formula: str, column_types: dict[str, str],
                     source: str) -> list[tuple[str, object, object, np.ndarray, np.ndarray]]:
    """For each category column the formula names (and each number column with two values): every level
    but the reference with the design rows of ``docs`` set to it and to the reference,
    (covariate, level, reference, rows at level, rows at reference)."""
    frame = docs.copy()
    for column, kind in column_types.items():  # as design_matrix gives them to patsy
        values = frame[column].astype(object if kind == "category" else float)
        frame[column] = values.where(frame[column].notna(), np.nan)
    found = []
    for column in check_formula(formula, source, column_types).columns:
        values = frame[column].dropna()
        levels = sorted(values.unique(), key=lambda v: (str(type(v)), v))
        if column_types.get(column) == "number" and len(levels) > 2:
            found += _slope(design, frame, column)
            continue
        if len(levels) < 2:
            continue
        if len(levels) > MAX_CONTRAST_LEVELS:
            warnings.warn(f"{source} {clipped(formula)!r}: {column} has {len(levels)} values, more than "
                          f"{MAX_CONTRAST_LEVELS}: no contrasts in points for it", stacklevel=3)
            continue
        try:
            rows = {level: np.asarray(patsy.build_design_matrices([design.design_info], frame.assign(**{column: level}),
                                                                  return_type="matrix")[0]) for level in levels}
        except patsy.PatsyError:  # a transform that cannot take a column of one value
            continue
        shown = [int(v) if isinstance(v, float) and v.is_integer() else v for v in levels]
        found += [(column, DIFFERENCE, shown[i], shown[0], rows[levels[i]], rows[levels[0]], None)
                  for i in range(1, len(levels))]
    return found


def _slope(design: pd.DataFrame, frame: pd.DataFrame, column: str) -> list[tuple]:
    """The design rows of the documents with ``column`` a little above and below its value (within its
    observed range), and the distance between them: what an average slope is computed from."""
    x = frame[column].astype(float)
    low, high = x.min(), x.max()
    h = (high - low) / 2000
    above, below = np.minimum(x + h, high), np.maximum(x - h, low)
    try:
        rows = [np.asarray(patsy.build_design_matrices([design.design_info], frame.assign(**{column: values}),
                                                       return_type="matrix")[0]) for values in (above, below)]
    except patsy.PatsyError:  # the formula uses it as a category (C(year)): no slope
        return []
    return [(column, SLOPE, "", "", rows[0], rows[1], (above - below).to_numpy())]


def average_difference(at_value: np.ndarray, at_reference: np.ndarray, beta: np.ndarray,
                       step: np.ndarray | None = None):
    """The documents' mean expected share at one level minus at the reference (each document's difference
    over its ``step`` when given: a slope), for one coefficient vector (a number) or for each row of a
    matrix of them (an array)."""
    difference = expit(at_value @ beta.T) - expit(at_reference @ beta.T)
    if step is not None:
        difference = difference / (step if difference.ndim == 1 else step[:, None])
    return difference.mean(axis=0)


def document_share_draws(doc_rows: list[np.ndarray], values: list, draws: int,
                         rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Every document's theme shares per fit on all its units (S × D × themes) and in ``draws``
    bootstrap draws of its units (draws × D × themes); draw b uses fit b mod S for every document."""
    parts = [bootstrap_ratio([rows], values, draws, rng, resample_documents=False) for rows in doc_rows]
    return np.stack([p for p, _ in parts], axis=1), np.stack([d for _, d in parts], axis=1)


class Diverged(Exception):
    """A fit whose coefficients ran off to infinity: the theme's share is 0 (or 1) in a set of documents
    some terms pick out exactly (separation), so there is no finite estimate."""

    def __init__(self, columns: np.ndarray):
        super().__init__("diverged")
        self.columns = columns  # which columns' coefficients (or variances) are not finite

    def why(self, design: pd.DataFrame, observed: np.ndarray) -> str:
        terms = _terms_of(design, self.columns) or _terms_of(design, np.ones(design.shape[1], bool))
        value = 0 if (observed == 0).any() or not (observed == 1).any() else 1
        count = int((observed == value).any(axis=0).sum())
        return (f"its share is {value} in {count} of {observed.shape[1]} documents (in some draws more), which "
                f"{' and '.join(terms)} separate{'s' if len(terms) == 1 else ''} from the rest, so the fit diverges; "
                "use fewer terms or a smaller df")


def _terms_of(design: pd.DataFrame, columns: np.ndarray, intercept: bool = False) -> list[str]:
    """The formula's terms (the intercept only with ``intercept``) behind the design's ``columns`` (a mask)."""
    return [term for term, where in design.design_info.term_name_slices.items()
            if (intercept or term != "Intercept") and columns[where].any()]


def _draw(rng: np.random.Generator, beta: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """One coefficient vector from N(beta, cov); rounding can leave cov a hair off symmetric."""
    try:
        return rng.multivariate_normal(beta, (cov + cov.T) / 2, check_valid="ignore", method="eigh")
    except np.linalg.LinAlgError:  # a covariance too extreme to decompose: the fit as good as diverged
        raise Diverged(np.ones(len(beta), bool)) from None


def _document_bootstrap(observed: np.ndarray, design: pd.DataFrame, draws: int,
                        rng: np.random.Generator) -> np.ndarray:
    """Coefficients refitted to documents drawn with replacement, draw b on the shares of fit b mod S."""
    n = design.shape[0]
    picks = rng.integers(0, n, size=(draws, n))
    return np.array([_glm(observed[b % len(observed)][rows], design.iloc[rows], robust=False)[0]
                     for b, rows in enumerate(picks)])


def _glm(y: np.ndarray, design: pd.DataFrame, robust: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """Coefficients of a fractional logit and (``robust``) their cluster-robust covariance, one cluster
    per document."""
    # statsmodels takes a second to load: here, so the report and the commands that read this module's
    # column names do not wait for it
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM

    with warnings.catch_warnings():
        # a theme absent from most documents separates almost perfectly; the draws show that uncertainty
        warnings.simplefilter("ignore")
        model = GLM(y, design.to_numpy(), family=families.Binomial())
        try:
            if not robust:
                beta, cov = np.asarray(model.fit().params), None
            else:
                fit = model.fit(cov_type="cluster", cov_kwds={"groups": np.arange(len(y)), "use_correction": True})
                beta, cov = np.asarray(fit.params), np.asarray(fit.cov_params())
        except np.linalg.LinAlgError:  # the covariance's Hessian cannot be inverted: separation
            raise Diverged(np.ones(design.shape[1], bool)) from None
    bad = ~np.isfinite(beta) if cov is None else ~np.isfinite(beta) | ~np.isfinite(cov).all(axis=0)
    if bad.any():
        raise Diverged(bad)
    return beta, cov


# ---------------------------------------------------------------- the formula


def design_matrix(formula: str, docs: pd.DataFrame, column_types: dict[str, str],
                  source: str = "--formula") -> pd.DataFrame:
    """The patsy design matrix of the right-hand side ``formula`` over the documents (rows with a
    missing value left out; its index names the documents kept). The formula is checked before patsy
    evaluates any of it (topics.formula). InputError naming the formula, or the column it names that
    the documents lack, or the terms that cannot be estimated."""
    checked = check_formula(formula, source, column_types)
    shown = f"{source} {clipped(checked.text)!r}"
    frame = docs.copy()
    for column, kind in column_types.items():  # patsy reads object columns as categories, floats as numbers
        values = frame[column].astype(object if kind == "category" else float)
        frame[column] = values.where(frame[column].notna(), np.nan)  # patsy's missing value, not pd.NA
    empty = [column for column in checked.columns if frame[column].isna().all()]
    if empty:
        raise InputError(f"{shown}: no document has a value of {listed(empty)}")
    try:  # what patsy evaluates is what was checked, with none of Python's builtins in reach
        with np.errstate(all="ignore"):  # a log of 0 is named below, in one line, not warned about
            design = patsy.dmatrix(checked.desc, frame, eval_env=environment(), NA_action="drop",
                                   return_type="dataframe")
    except Exception as err:  # patsy reports every formula mistake (names, types, values) its own way
        raise InputError(_formula_message(shown, err, list(column_types))) from None
    for term, where in design.design_info.term_name_slices.items():
        if term != "Intercept" and where.start == where.stop:  # patsy drops such a term without a word
            raise InputError(f"{shown}: the term {term} has nothing to estimate: {_why_empty(design, term)}; drop it")
    infinite = ~np.isfinite(design.to_numpy()).all(axis=0)
    if infinite.any():  # patsy leaves out missing values, not infinite ones (np.log(0), I(year / 0))
        raise InputError(f"{shown}: {listed(_terms_of(design, infinite, intercept=True))}: values that are not "
                         "finite in some documents (a log of 0, a division by 0, a number too large?)")
    if len(design) <= design.shape[1]:
        raise InputError(f"{shown}: {design.shape[1]} coefficients for {len(design)} documents "
                         "with every value it uses; an estimate needs more documents than coefficients: use fewer "
                         "terms or more documents")
    collinear = _collinear_columns(design.to_numpy())
    if collinear.any():
        terms = _terms_of(design, collinear, intercept=True)
        raise InputError(f"{shown}: its terms {listed(terms)} are collinear over these documents, or so nearly "
                         "that the fit cannot tell them apart; drop one")
    return design


# the largest condition number of the (column-scaled) design: the fit inverts X'WX, whose condition is about
# its square, and beyond 1e16 that is rounding noise in double precision
MAX_CONDITION = 1e8


def _collinear_columns(matrix: np.ndarray) -> np.ndarray:
    """Which columns are, or nearly are, a combination of others: those without which the rest is well
    conditioned (a boolean mask; all False when the matrix is well conditioned)."""
    if _condition(matrix) <= MAX_CONDITION:
        return np.zeros(matrix.shape[1], bool)
    if matrix.shape[1] == 1:
        return np.ones(1, bool)
    alone = np.array([_condition(np.delete(matrix, j, axis=1)) <= MAX_CONDITION for j in range(matrix.shape[1])])
    return alone if alone.any() else np.ones(matrix.shape[1], bool)


def _condition(matrix: np.ndarray) -> float:
    """The condition number of the matrix with its columns scaled to length 1 (inf with a zero column)."""
    norms = np.linalg.norm(matrix, axis=0)
    if not norms.all():
        return np.inf
    values = np.linalg.svd(matrix / norms, compute_uv=False)
    return values[0] / values[-1] if values[-1] > 0 else np.inf


def _why_empty(design: pd.DataFrame, term: str) -> str:
    info = design.design_info
    factors = next(t for t in info.terms if t.name() == term).factors
    for factor in factors:
        levels = info.factor_infos[factor].categories
        if levels is not None and len(levels) == 1:
            return f"{factor.name()} has one value ({clipped(levels[0], 40)}) in the {len(design)} documents used"
    return "it adds no column beyond the other terms"


def _formula_message(shown: str, err: Exception, columns: list[str]) -> str:
    message = " ".join(str(err).split())
    unknown = re.search(r"name '([^']+)' is not defined", message)
    if unknown:
        return f"{shown}: unknown column {unknown[1]!r}; the documents have {listed(columns)}"
    first = message.split(" ~ ")[0] if message else type(err).__name__
    return f"{shown}: {clipped(first, 200)}"


def numeric_covariates(formula: str, column_types: dict[str, str]) -> list[str]:
    """The numeric columns the formula names: each gets an expected-share curve over its range."""
    return [c for c, kind in column_types.items() if kind == "number"
            and re.search(rf"(?<![\w.]){re.escape(c)}(?![\w])", formula)]


def expected_grid(design: pd.DataFrame, docs: pd.DataFrame, covariate: str,
                  column_types: dict[str, str]) -> pd.DataFrame | None:
    """Design rows for ``covariate`` over its observed range (every whole value when it has whole values
    only, else 50 points), the other columns held at their mean (numbers) or most common value.
    ``attrs["values"]`` holds the covariate's values; None when the formula treats it as a category."""
    observed = docs[covariate].astype(float)
    low, high = observed.min(), observed.max()
    whole = observed.eq(observed.round()).all() and high - low <= 1000
    values = np.arange(low, high + 1) if whole else np.linspace(low, high, 50)
    frame = pd.DataFrame({covariate: values})
    for column, kind in column_types.items():
        if column != covariate:
            frame[column] = docs[column].astype(float).mean() if kind == "number" else _most_common(docs[column])
    try:
        grid = patsy.build_design_matrices([design.design_info], frame, return_type="dataframe")[0]
    except patsy.PatsyError:  # the formula uses it as a category (C(year)): values between its levels mean nothing
        return None
    grid.attrs["values"] = [int(v) for v in values] if whole else list(values)
    return grid


def _most_common(values: pd.Series):
    common = values.dropna().astype(object).mode()
    return common.iloc[0] if len(common) else None


def _themes(data: StudyData, themes: list[str] | None) -> list[str]:
    for theme in themes or []:
        if theme not in data.themes:
            raise InputError(f"--theme {theme}: not a theme of the run; it has {listed(data.themes)}")
    return list(themes) if themes else list(data.themes)
