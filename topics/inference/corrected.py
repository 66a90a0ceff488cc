"""Estimates that account for the model's errors: the model's predictions on every unit, corrected by
a coded sample drawn with known inclusion probabilities (a kit's sample, scored into GOLD.tsv).

**Shares.** The target is a theme's share of the frame's units (every unit a coder can judge; see
topics.validation.sample) in a group of documents — the corpus as it is, not a population behind it.
With f_i the model's prediction for unit i (``predictions="soft"``, the default: its theme probabilities;
``"hard"``: one for its assigned theme; averaged over the seeds of the model and k), Y_i the coded label
and π_i the unit's inclusion probability, the corrected share is

    θ̂ = λ · mean over the group's units of f  +  Hájek mean over its coded units of (Y − λ f),

the Hájek mean weighting each coded unit by w_i / π_i (w: one per unit, or its characters with
``weight="length"``). With λ = 1 (``tuning="none"``, the default) this is prediction-powered inference
(Angelopoulos et al. 2023) and design-based supervised learning (Egami et al. 2023): unbiased for the
share whatever the model's errors, and only as variable as the model's residuals. ``tuning="power"``
(PPI++, Angelopoulos et al. 2024) takes the λ in [0, 1] that minimises the estimated variance, per group
and theme (λ = 0 is the coded units alone); estimated from the same sample, it gave intervals that
undercover the rare themes at 100 coded units (experiments/README.md), hence not the default. Soft
predictions are the default because they covered better and gave narrower intervals for the rare themes
than hard ones in the same simulation. The mean of the
predictions over the group's units is known exactly (every unit has one), so only the coded sample is
random: the variance is that of the stratified simple random sample the kit drew (per stratum h,
(1 − π_h) · n_h / (n_h − 1) · Σ (e_i − ē_h)² / π_h², e the linearised Hájek residuals; 0 for a stratum
coded whole), and the interval is θ̂ ± t · se with Satterthwaite's degrees of freedom (at most n_g − 1: few
when the variance comes from a few small strata); estimate and interval are cut to [0, 1]. Groups (``by``) are domains:
every coded unit counts in its stratum's variance, those outside the group with e = 0.

The model-only share beside it is the same predictions' share over the same units with the package's
cluster-bootstrap interval (topics.inference.shares), which measures resampling noise and not the
model's errors.

**Effects** (``corrected_effects``): the fractional logit of topics.inference.effects fitted to each
document's DSL pseudo-outcome, the mean over its frame units of f_i + R_i (Y_i − f_i) / π_i (R_i: coded),
by solving the quasi-binomial estimating equations (the pseudo-outcomes can leave [0, 1]); standard errors
from the sandwich clustered by document, which carries both the documents' and the coded sample's
randomness; expected shares over each numeric covariate from coefficient draws.

**A supervised model trained on the coded units.** The ``supervised`` models give their training units
cross-validated shares (each from a classifier that did not see it), so a coded unit's prediction never
used its own label; the other units' predictions come from the classifier trained on every coded unit.
How close that comes to full cross-fitting is measured in benchmarks/estimates_coverage.py."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import expit

from ..errors import InputError, clipped, listed
from ..rules import check
from ..run_folder import RunFolder
from ..settings import SETTINGS, default
from ..validation.gold import read_gold
from ..validation.sample import MIN_HAN, run_frame_rows
from .effects import EFFECT_COLUMNS, EXPECTED_COLUMNS, design_matrix, effects, expected_grid, numeric_covariates
from .shares import bootstrap_ratio, check_columns, check_options, display_values, generator, interval
from .study import StudyData

MIN_CODED = 20  # coded units a group needs for a corrected interval
CORRECTED_COLUMNS = ["model", "k", "seeds", "theme", "estimator", "share", "ci_low", "ci_high", "lambda", "n_coded",
                     "n_units", "n_documents", "sample_size", "design", "predictions", "weight", "draws"]
CORRECTED_EFFECT_COLUMNS = [*EFFECT_COLUMNS, "estimator", "n_coded", "sample_size", "design"]
CORRECTED_EXPECTED_COLUMNS = [*EXPECTED_COLUMNS, "estimator"]


# ---------------------------------------------------------------- the coded sample


@dataclass
class CodedSample:
    """The units of a GOLD.tsv drawn by a design, placed in a run's study data."""

    path: Path
    rows: np.ndarray  # each coded unit's row of the study data
    labels: np.ndarray  # its label, as a column of StudyData.themes
    probability: np.ndarray  # its inclusion probability
    strata: np.ndarray  # its stratum, as a number
    frame: np.ndarray  # for every row of the study data: whether the unit is in the frame
    design: str
    kit: str

    @property
    def size(self) -> int:
        return len(self.rows)


def coded_sample(run: RunFolder, data: StudyData, path: str | Path) -> CodedSample:
    """GOLD.tsv's coded units placed in the run's study data, its design checked. InputError (one line,
    naming the file and line) when the file has no inclusion probabilities, a unit is not a codable unit
    of the run, the design does not hold together (rows of two kits or designs, a stratum with two
    probabilities, probabilities that do not add up to the run's frame) or the sample is too small."""
    path = Path(path)
    gold = read_gold(path, run.lexicon.labels_with_other)
    if gold[0].inclusion_probability is None:
        raise InputError(f"{path}: no inclusion_probability column: its units were not drawn by a known design, so "
                         "no estimate can be corrected with them (draw them with `topics validate RUN_DIR -o KIT "
                         "--design …` and score the answers with `topics validate --score`)")
    for field in ("kit", "design"):
        values = list(dict.fromkeys(getattr(row, field) for row in gold))
        if len(values) > 1:
            other = next(row for row in gold if getattr(row, field) != values[0])
            raise InputError(f"{path}:{other.line}: design mismatch: rows of {field} {clipped(values[0])!r} and "
                             f"{clipped(values[1])!r}; a corrected estimate needs one sample drawn by one design")
    row_of = {unit_id: i for i, unit_id in enumerate(data.units["unit_id"])}
    corpus_rows = data.units["row"].to_numpy()
    in_frame = np.zeros(len(run.units), bool)
    in_frame[run_frame_rows(run)] = True
    rows = []
    for entry in gold:
        row = row_of.get(entry.unit.unit_id)
        if row is None:
            raise InputError(f"{path}:{entry.line}: unit {clipped(entry.unit.unit_id)} is not a unit of the run "
                             f"{run.path} (was the sample drawn from another run?)")
        if not in_frame[corpus_rows[row]]:
            raise InputError(f"{path}:{entry.line}: unit {clipped(entry.unit.unit_id)} is not one a coder can judge "
                             f"(a heading, fewer than {MIN_HAN} Han characters or repeated text), so no design drew it")
        rows.append(row)
    probability = np.array([row.inclusion_probability for row in gold])
    names = list(dict.fromkeys(row.stratum for row in gold))
    strata = np.array([names.index(row.stratum) for row in gold])
    for h, name in enumerate(names):
        values = np.unique(probability[strata == h])
        if len(values) > 1 and not np.allclose(values, values[0], rtol=1e-9):
            line = next(row.line for row in gold if row.stratum == name and row.inclusion_probability != values[0])
            raise InputError(f"{path}:{line}: design mismatch: stratum {clipped(name)!r} has inclusion probabilities "
                             f"{values[0]:.6g} and {values[1]:.6g}; the coded units of a stratum share one")
    frame = in_frame[corpus_rows]
    represented, size = float((1.0 / probability).sum()), int(frame.sum())
    if abs(represented - size) > max(1.0, 0.005 * size):
        raise InputError(f"{path}: design mismatch: its inclusion probabilities stand for {represented:,.0f} units "
                         f"(the sum of 1/p), the run has {size:,} units a coder can judge (a stratum with no coded "
                         "unit, rows left out, or a sample drawn from another run?)")
    for h, name in enumerate(names):
        count = int((strata == h).sum())
        if count < 2 and probability[strata == h][0] < 1:
            raise InputError(f"{path}: stratum {clipped(name)!r} has {count} coded unit; an interval needs at least 2 "
                             "in every stratum not coded whole (settle its disagreements, or draw more with "
                             "`topics validate RUN_DIR --add N -o KIT`)")
    if len(gold) < MIN_CODED:
        raise InputError(f"{path}: {len(gold)} coded units; a corrected interval needs at least {MIN_CODED}")
    labels = np.array([data.themes.index(row.label) for row in gold])
    return CodedSample(path, np.asarray(rows), labels, probability, strata, frame, gold[0].design, gold[0].kit)


# ---------------------------------------------------------------- the estimator


def design_estimate(model_share: np.ndarray, w: np.ndarray, predicted: np.ndarray, coded: np.ndarray,
                    probability: np.ndarray, strata: np.ndarray, in_group: np.ndarray, *,
                    level: float = default("inference.level"), tuning: str = default("inference.tuning"),
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The corrected share of every theme in one group (see the module's docstring): estimate, interval
    low and high, and λ, each per theme.

    ``model_share`` (themes): the predictions' share over the group's units; for every coded unit of the
    sample (n of them, in the group or not): its weight ``w``, ``predicted`` and ``coded`` values
    (n × themes), its inclusion ``probability``, its stratum (``strata``, numbers) and whether it is in the
    group (``in_group``)."""
    inside = in_group.astype(float)
    weight = inside * w / probability
    total = weight.sum()
    coded_mean = weight @ coded / total
    predicted_mean = weight @ predicted / total
    scale = (inside * w / total)[:, None]
    e_coded, e_predicted = scale * (coded - coded_mean), scale * (predicted - predicted_mean)
    parts = []  # per stratum: (n_h, its share of v_cc, v_cp, v_pp)
    for h in np.unique(strata):
        members = strata == h
        n_h, p_h = int(members.sum()), float(probability[members][0])
        if n_h < 2 or p_h >= 1:
            continue  # a stratum coded whole adds no variance
        factor = (1 - p_h) * n_h / (n_h - 1) / p_h ** 2
        dc = e_coded[members] - e_coded[members].mean(axis=0)
        dp = e_predicted[members] - e_predicted[members].mean(axis=0)
        parts.append((n_h, factor * (dc * dc).sum(axis=0), factor * (dc * dp).sum(axis=0),
                      factor * (dp * dp).sum(axis=0)))
    zero = np.zeros(coded.shape[1])
    v_cc, v_cp, v_pp = (sum((part[i] for part in parts), zero) for i in (1, 2, 3))
    lam = np.ones(coded.shape[1])
    if tuning == "power":
        lam = np.clip(np.divide(v_cp, v_pp, out=np.ones_like(v_cp), where=v_pp > 0), 0.0, 1.0)
    estimate = lam * model_share + coded_mean - lam * predicted_mean
    by_stratum = [np.maximum(c - 2 * lam * x + lam ** 2 * p, 0.0) for _, c, x, p in parts]
    variance = sum(by_stratum, zero)
    se = np.sqrt(variance)
    # Satterthwaite's degrees of freedom: few when the variance comes from a few small strata
    spread = sum((v ** 2 / (n_h - 1) for v, (n_h, *_) in zip(by_stratum, parts)), zero)
    df = np.divide(variance ** 2, spread, out=np.ones_like(variance), where=spread > 0)
    from scipy import stats  # scipy.stats is slow to load; only the estimates need it

    q = stats.t.ppf(0.5 + level / 2, np.clip(df, 1, max(int(in_group.sum()) - 1, 1)))
    # a share lies in [0, 1]: the estimate of a rare theme can fall just below 0, and is cut like the interval
    return np.clip(estimate, 0, 1), np.clip(estimate - q * se, 0, 1), np.clip(estimate + q * se, 0, 1), lam


def unit_predictions(data: StudyData, fits: list, weight: str, predictions: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each fit: every unit's weight w (one, or its characters with ``weight="length"``) and its
    weighted prediction w·f (N × themes): theme probabilities (``predictions="soft"``, or ``weight="soft"``)
    or one for its assigned theme."""
    soft = predictions == "soft" or weight == "soft"
    w = data.unit_values(fits[0], "length")[0] if weight == "length" else np.ones(len(data.units))
    return [(w, data.unit_values(fit, "soft" if soft else "units")[1] * w[:, None]) for fit in fits]


def mean_prediction(values: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Every unit's weight and prediction (N × themes), the mean over the seeds of a model and k."""
    w = values[0][0]
    return w, np.mean([wv for _, wv in values], axis=0) / np.where(w > 0, w, 1.0)[:, None]


def corrected_shares(data: StudyData, sample: CodedSample, by: list[str] | str | None = None, *,
                     weight: str = default("inference.weight"), draws: int = default("inference.draws"),
                     seed: int = default("inference.seed"), level: float = default("inference.level"),
                     predictions: str = default("inference.predictions"), tuning: str = default("inference.tuning"),
                     model: str | None = None, k: int | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Every theme's share over the frame's units (``by`` None: all of them; else per group of documents)
    by the model alone and corrected by the coded sample, and their difference (the model's bias): one
    row per estimator (model, corrected, bias) with its interval; columns CORRECTED_COLUMNS with the group
    columns after seeds. Also a list of warnings (groups with too few coded units for an interval)."""
    check_options(weight=weight, draws=draws, seed=seed, level=level)
    check_corrected(predictions=predictions, tuning=tuning)
    by = [by] if isinstance(by, str) else list(by or [])
    check_columns(data, by, "--by")
    units = data.units[sample.frame]
    coded_units = data.units.iloc[sample.rows]
    rows, notes = [], []
    for (name, topics), fits in data.fit_groups(model, k).items():
        values = unit_predictions(data, fits, weight, predictions)
        w, predicted = mean_prediction(values)
        coded = np.zeros((sample.size, len(data.themes)))
        coded[np.arange(sample.size), sample.labels] = 1.0
        groups = units.dropna(subset=by).groupby(by, sort=True) if by else [((), units)]
        few = []
        for key, group in groups:
            key = key if isinstance(key, tuple) else (key,)
            doc_rows = [part.index.to_numpy() for _, part in group.groupby("doc_id", sort=False)]
            members = group.index.to_numpy()
            model_share = w[members] @ predicted[members] / w[members].sum()
            points, drawn = bootstrap_ratio(doc_rows, values, draws, generator(seed, name, topics, "corrected", *key),
                                            resample_documents=True)
            low, high = interval(drawn, level, model_share)
            in_group = np.ones(sample.size, bool)
            for column, value in zip(by, key):
                in_group &= (coded_units[column] == value).to_numpy()
            n_coded = int(in_group.sum())
            if n_coded >= MIN_CODED:
                estimate, c_low, c_high, lam = design_estimate(
                    model_share, w[sample.rows], predicted[sample.rows], coded, sample.probability, sample.strata,
                    in_group, level=level, tuning=tuning)
            else:
                few.append(f"{'/'.join(map(str, key))} ({n_coded})")
                nan = np.full(len(data.themes), np.nan)
                estimate, c_low, c_high, lam = nan, nan, nan, nan
            label = list(key)
            shown = "soft" if weight == "soft" else predictions
            common = [n_coded, len(members), len(doc_rows), sample.size, sample.design, shown, weight, draws]
            for j, theme in enumerate(data.themes):
                shared = [name, topics, len(fits), *label, theme]
                rows.append([*shared, "model", model_share[j], low[j], high[j], np.nan, *common])
                rows.append([*shared, "corrected", estimate[j], c_low[j], c_high[j], lam[j], *common])
                rows.append([*shared, "bias", estimate[j] - model_share[j], c_low[j] - model_share[j],
                             c_high[j] - model_share[j], lam[j], *common])
        if few:
            notes.append(f"{name} k={topics}: no corrected interval for {len(few)} group(s) with fewer than "
                         f"{MIN_CODED} coded units: {listed(few)}")
    columns = CORRECTED_COLUMNS[:3] + by + CORRECTED_COLUMNS[3:]
    table = pd.DataFrame(rows, columns=columns)
    for column in by:
        table[column] = display_values(table[column])
    return table, notes


# ---------------------------------------------------------------- effects


def check_corrected(*, predictions: str, tuning: str) -> None:
    """The options of the corrected estimators, checked by their declarations (topics.settings)."""
    for key, value in (("predictions", predictions), ("tuning", tuning)):
        setting = SETTINGS[f"inference.{key}"]
        check(value, setting.rule, setting.flag)


def corrected_effects(data: StudyData, sample: CodedSample, formula: str, *, model: str | None = None,
                      k: int | None = None, themes: list[str] | None = None,
                      weight: str = default("inference.weight"), predictions: str = default("inference.predictions"),
                      draws: int = default("effects.draws"),
                      seed: int = default("inference.seed"), level: float = default("inference.level"),
                      uncertainty: str = default("effects.uncertainty"), progress: bool = False,
                      source: str = "--formula") -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """The effects of ``formula`` on every theme's share of a document's frame units, by the model alone
    (topics.inference.effects on the frame's units) and corrected by the coded sample (DSL pseudo-outcomes,
    module docstring): coefficients (CORRECTED_EFFECT_COLUMNS) and expected shares
    (CORRECTED_EXPECTED_COLUMNS), each with an ``estimator`` column, and the themes skipped, with why.
    The model-only effects use the package's weighting (``weight``), the corrected ones ``predictions``."""
    from scipy import stats

    check_corrected(predictions=predictions, tuning=default("inference.tuning"))
    framed = StudyData(data.units[sample.frame].reset_index(drop=True), data.themes, data.fits, data.column_types)
    model_only = effects(framed, formula, model=model, k=k, themes=themes, weight=weight, draws=draws, seed=seed,
                         level=level, uncertainty=uncertainty, progress=progress, source=source)
    docs = framed.documents()
    design = design_matrix(formula, docs, framed.column_types, source)
    kept = design.index.to_numpy()
    x = design.to_numpy()
    grids = {c: expected_grid(design, docs.loc[kept], c, framed.column_types)
             for c in numeric_covariates(formula, framed.column_types)}
    grids = {c: grid for c, grid in grids.items() if grid is not None}
    doc_of = pd.Series(np.arange(len(docs)), index=docs["doc_id"])
    unit_doc = doc_of[framed.units["doc_id"]].to_numpy()
    frame_row = np.cumsum(sample.frame) - 1  # a study row's row in the frame's table
    coded_doc = unit_doc[frame_row[sample.rows]]
    n_coded = int(np.isin(coded_doc, kept).sum())
    rows, expected, skipped = [], [], list(model_only.skipped)
    wanted = list(themes) if themes else list(data.themes)
    for (name, topics), fits in data.fit_groups(model, k).items():
        w_all, predicted_all = mean_prediction(unit_predictions(data, fits, weight, predictions))
        w, predicted = w_all[sample.frame], predicted_all[sample.frame]
        doc_weight = np.bincount(unit_doc, weights=w, minlength=len(docs))
        for theme in wanted:
            t = data.themes.index(theme)
            coded = (sample.labels == t).astype(float)
            correction = w_all[sample.rows] * (coded - predicted_all[sample.rows, t]) / sample.probability
            pseudo = (np.bincount(unit_doc, weights=w * predicted[:, t], minlength=len(docs))
                      + np.bincount(coded_doc, weights=correction, minlength=len(docs))) / doc_weight
            y = pseudo[kept]
            try:
                beta, cov = _quasi_logit(y, x)
            except _NoSolution as why:
                skipped.append(f"{name} k={topics} {theme} (corrected): {why}")
                continue
            q = stats.norm.ppf(0.5 + level / 2)
            se = np.sqrt(np.diag(cov))
            for j, term in enumerate(design.columns):
                rows.append([name, topics, len(fits), theme, term, beta[j], beta[j] - q * se[j], beta[j] + q * se[j],
                             "log-odds", "fractional logit on DSL pseudo-outcomes (coded sample, inclusion "
                             "probabilities); sandwich errors clustered by document", draws, len(kept), formula,
                             "corrected", n_coded, sample.size, sample.design])
            drawn = generator(seed, name, topics, theme, "corrected").multivariate_normal(
                beta, (cov + cov.T) / 2, size=draws, check_valid="ignore", method="eigh")
            for covariate, grid in grids.items():
                point = expit(grid.to_numpy() @ beta)
                band_low, band_high = interval(expit(drawn @ grid.to_numpy().T), level, point)
                for i, value in enumerate(grid.attrs["values"]):
                    expected.append([name, topics, len(fits), theme, covariate, value, point[i], band_low[i],
                                     band_high[i], draws, len(kept), "corrected"])
    table = pd.concat([model_only.table.assign(estimator="model", n_coded=n_coded, sample_size=sample.size,
                                               design=sample.design),
                       pd.DataFrame(rows, columns=CORRECTED_EFFECT_COLUMNS)], ignore_index=True)
    table = table.sort_values(["model", "k", "theme", "term", "estimator"], kind="stable", ignore_index=True)
    curves = pd.concat([model_only.expected.assign(estimator="model"),
                        pd.DataFrame(expected, columns=CORRECTED_EXPECTED_COLUMNS)], ignore_index=True)
    return table[CORRECTED_EFFECT_COLUMNS], curves[CORRECTED_EXPECTED_COLUMNS], skipped


class _NoSolution(Exception):
    pass


def _quasi_logit(y: np.ndarray, x: np.ndarray, iterations: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """Solve Σ_d x_d (y_d − expit(x_d β)) = 0 and give β with its sandwich covariance, one cluster per
    document and the small-sample factor D / (D − p).

    The equations are those of the quasi-log-likelihood Σ_d y_d η_d − log(1 + e^η_d), concave in β for any
    y (pseudo-outcomes leave [0, 1]; statsmodels' binomial family refuses them), so Newton's method with
    its steps halved until the quasi-likelihood rises finds the solution when there is one; when there is
    none (the quasi-likelihood rises without end: separation) the steps never settle."""
    n, p = x.shape

    def quasi(beta):
        eta = x @ beta
        return float(y @ eta - np.logaddexp(0.0, eta).sum())

    mean = float(np.clip(y.mean(), 1e-3, 1 - 1e-3))
    beta = np.zeros(p)
    if np.allclose(x[:, 0], 1):
        beta[0] = np.log(mean / (1 - mean))
    current = quasi(beta)
    for _ in range(iterations):
        mu = expit(x @ beta)
        hessian = x.T @ (x * (mu * (1 - mu))[:, None])
        try:
            step = np.linalg.lstsq(hessian, x.T @ (y - mu), rcond=None)[0]
        except np.linalg.LinAlgError:
            raise _NoSolution("the fit cannot be solved") from None
        scale = 1.0
        while scale > 1e-8 and quasi(beta + scale * step) < current - 1e-12:
            scale /= 2
        beta = beta + scale * step
        current = quasi(beta)
        if np.abs(scale * step).max() < 1e-9 * (1 + np.abs(beta).max()):
            break
    else:
        raise _NoSolution("the corrected shares are 0 (or below) in a set of documents the terms separate, so the "
                          "fit has no finite solution; use fewer terms or code more units")
    mu = expit(x @ beta)
    weights = mu * (1 - mu)
    if not np.isfinite(beta).all() or weights.min() < 1e-12:
        raise _NoSolution("the fit runs to a share of 0 or 1 in some documents (separation); use fewer terms")
    bread = np.linalg.pinv(x.T @ (x * weights[:, None]))
    scores = x * (y - mu)[:, None]
    cov = bread @ (scores.T @ scores) @ bread * n / max(n - p, 1)
    return beta, cov
