"""Coverage of the effect intervals of `topics effects`, by simulation with a known effect.

Real units of the 2024 city reports are read, segmented and assigned by the package (`topics run` with
the dictionary model, whose theme for a unit depends on the unit alone). Two pools are kept: units
whose heading names ecology and that the package assigns to ecology, and units whose heading names
another theme and that it assigns to another theme. Each replicate builds synthetic documents: document
d has covariate x_d ~ U(0, 1), 20–60 units, and each unit is drawn from the ecology pool with
probability expit(a + b·x_d + s·u_d), u_d ~ N(0, 1) (s > 0: documents differ beyond the covariate). The
package's effects estimator (topics.inference.effects, formula "~ x") then gives an interval for the
coefficient of x; the true value is b when s = 0, and for s > 0 the population fractional-logit
coefficient (the logit fitted to the exact mean share over x, integrated over u). Prints, per scenario,
how often the 95% interval covers the truth, its mean width, the bias, and the same for the plain
cluster-robust interval of one fit (no draws) for comparison. Both interval methods of
`topics effects` are measured: composition (the default) and documents (a case bootstrap).

    python benchmarks/effects_coverage.py [--replicates 200] [--draws 200] [--documents 40]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy.special import expit

from topics.inference import StudyData, effects, study_data
from topics.inference.effects import UNCERTAINTY
from topics.running import run_experiment

PROJECT = Path(__file__).resolve().parent.parent
CITIES = PROJECT.parent / "shared" / "corpora" / "city_gwr_2024"
THEME = "ecology"
SCENARIOS = [  # (intercept a, effect b, document spread s)
    (-2.0, 1.5, 0.0),
    (-2.0, 1.5, 0.5),
    (-2.0, 0.0, 0.5),
]

CONFIG = """
[run]
name = "coverage_pool"
seeds = [1]
progress = false
[corpus]
paths = [{paths}]
[vocabulary]
no_below = 1
no_above = 1.0
[evaluation]
heldout_fraction = 0.0
[report]
enabled = false
[models.dictionary]
"""


def pool_run(corpus: Path, folder: Path) -> Path:
    """Run the package's pipeline (dictionary model) over ``corpus`` into ``folder``/run."""
    config = folder / "pool.toml"
    config.write_text(CONFIG.format(paths=json.dumps(str(corpus), ensure_ascii=False)), encoding="utf-8")
    return run_experiment(config, folder / "run")


def pools(run_dir: Path) -> tuple[StudyData, np.ndarray, np.ndarray]:
    """The run's data and the rows of its two pools: ecology units assigned ecology, other labelled
    units assigned another theme."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = study_data(run_dir)
    fit = data.fits[0]
    eco = data.themes.index(THEME)
    label = data.units["weak_label"].to_numpy()
    assigned, known = data.assigned(fit), data.known(fit)
    ecology = np.flatnonzero((label == THEME) & (assigned == eco))
    others = np.flatnonzero((label != THEME) & (label != "") & (assigned != eco) & (known > 0))
    return data, ecology, others


def synthetic(data: StudyData, ecology: np.ndarray, others: np.ndarray, a: float, b: float, s: float,
              documents: int, rng: np.random.Generator) -> StudyData:
    """Documents mixed from the pools with a known effect of x on the ecology probability."""
    fit = data.fits[0]
    x = rng.uniform(0, 1, documents)
    rows, doc_ids, xs = [], [], []
    for d in range(documents):
        n = int(rng.integers(20, 61))
        p = expit(a + b * x[d] + s * rng.standard_normal())
        is_ecology = rng.random(n) < p
        rows.append(np.where(is_ecology, rng.choice(ecology, n), rng.choice(others, n)))
        doc_ids += [f"doc{d:03d}"] * n
        xs += [x[d]] * n
    rows = np.concatenate(rows)
    # each synthetic unit is a real unit of the run: "row" points at it, so its theme is the one the run gave it
    units = pd.DataFrame({"row": data.units["row"].to_numpy()[rows], "doc_id": doc_ids,
                          "unit_id": [f"u{i}" for i in range(len(rows))], "year": xs, "region": "", "x": xs,
                          "length": data.units["length"].to_numpy()[rows]})
    return StudyData(units, data.themes, [fit], {"year": "number", "region": "category", "x": "number"})


def true_effect(a: float, b: float, s: float) -> float:
    """b when s = 0; else the slope of the fractional logit fitted to the exact mean share over x."""
    if s == 0:
        return b
    x = np.linspace(0, 1, 2001)
    nodes, weights = np.polynomial.hermite_e.hermegauss(60)
    mean = (expit(a + b * x[:, None] + s * nodes[None, :]) * weights).sum(axis=1) / weights.sum()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # with b = 0 the exact mean is flat: statsmodels calls that a perfect fit
        fit = sm.GLM(mean, sm.add_constant(x), family=sm.families.Binomial()).fit()
    return float(fit.params[1])


def plain_interval(data: StudyData) -> tuple[float, float]:
    """One fractional logit on the observed shares, cluster-robust 95% interval: no composition."""
    units = data.units.assign(eco=(data.assigned(data.fits[0]) == data.themes.index(THEME)).astype(float))
    docs = units.groupby("doc_id").agg(x=("x", "first"), share=("eco", "mean"))
    model = sm.GLM(docs["share"].to_numpy(), sm.add_constant(docs["x"].to_numpy()), family=sm.families.Binomial())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a document sample without any ecology unit separates
        fit = model.fit(cov_type="cluster", cov_kwds={"groups": np.arange(len(docs)), "use_correction": True})
    low, high = fit.conf_int()[1]
    return float(low), float(high)


def coverage(data: StudyData, ecology: np.ndarray, others: np.ndarray, scenario: tuple[float, float, float], *,
             replicates: int, draws: int, documents: int, seed: int = 0) -> dict:
    """Coverage, mean width and bias of the composition interval and of the plain interval."""
    a, b, s = scenario
    truth = true_effect(a, b, s)
    rng = np.random.default_rng([seed, replicates, documents])
    found = {method: {"hits": [], "widths": []} for method in (*UNCERTAINTY, "plain")}
    estimates = []
    for r in range(replicates):
        sample = synthetic(data, ecology, others, a, b, s, documents, rng)
        for method in UNCERTAINTY:
            result = effects(sample, "~ x", themes=[THEME], draws=draws, seed=r, uncertainty=method)
            row = result.table.set_index("term").loc["x"]
            found[method]["hits"].append(row["ci_low"] <= truth <= row["ci_high"])
            found[method]["widths"].append(row["ci_high"] - row["ci_low"])
        estimates.append(row["estimate"])
        low, high = plain_interval(sample)
        found["plain"]["hits"].append(low <= truth <= high)
        found["plain"]["widths"].append(high - low)
    figures = {"a": a, "b": b, "s": s, "true_effect": round(truth, 4), "replicates": replicates, "draws": draws,
               "documents": documents, "bias": round(float(np.mean(estimates) - truth), 4)}
    for method, values in found.items():
        figures[f"{method}_coverage"] = float(np.mean(values["hits"]))
        figures[f"{method}_mean_width"] = round(float(np.mean(values["widths"])), 4)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=200)
    parser.add_argument("--draws", type=int, default=200)
    parser.add_argument("--documents", type=int, default=40)
    args = parser.parse_args()
    if not CITIES.is_dir():
        print(f"needs the city reports at {CITIES}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        data, ecology, others = pools(pool_run(CITIES, Path(folder)))
        print(f"pools from {data.units['doc_id'].nunique()} city reports: {len(ecology)} ecology units, "
              f"{len(others)} other units ({time.perf_counter() - start:.0f} s)")
        results = []
        for scenario in SCENARIOS:
            start = time.perf_counter()
            result = coverage(data, ecology, others, scenario, replicates=args.replicates, draws=args.draws,
                              documents=args.documents)
            result["seconds"] = round(time.perf_counter() - start, 1)
            results.append(result)
            print(f"a={result['a']} b={result['b']} s={result['s']}: true effect {result['true_effect']}, "
                  f"bias of the estimate {result['bias']:+.3f}, {result['replicates']} replicates "
                  f"of {result['documents']} documents, {result['draws']} draws [{result['seconds']} s]")
            for method in (*UNCERTAINTY, "plain"):
                print(f"  {method:12s} 95% interval covers {result[method + '_coverage']:.1%} "
                      f"(mean width {result[method + '_mean_width']:.3f})")
    out = PROJECT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "effects_coverage.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
