"""Coverage and width of the corrected estimates (topics.inference.corrected), simulated on real units.

The population is the hand-coded units of experiments/ (sets dev, A, B, C, D: about 1,270 units of city,
provincial, district and State Council reports, each with a label), as cut and assigned by a run of the
package over the corpora they come from (seeded LDA with two seeds and the dictionary baseline, default
settings; a unit whose text no longer matches its stored check is left out). Each replicate

1. draws a population: the labelled units' documents drawn with replacement (so the true shares vary
   from replicate to replicate, and the model-only interval's coverage is a frequency, not 0 or 1); its
   true share of each theme is the share of its units the coders gave that label;
2. computes the model-only share of every theme with the package's cluster-bootstrap interval;
3. for each design (random, stratified, active, learn — the kit's own drawing, topics.validation.sample, with the
   strata from the model's primary fit) and sample size, draws a coded sample and computes the corrected
   share with its interval (topics.inference.corrected.design_estimate), with soft and hard predictions,
   with and without power tuning;

and records whether each interval covers the true share, and its width. A second part simulates a
document-level effect: year on ecology over the labelled State Council units (their documents drawn
with replacement; the truth is the fractional-logit slope on the coders' labels over the original
documents), corrected by DSL pseudo-outcomes against the model-only fit. A third part trains the
``supervised`` model on each coded sample (its cross-validated shares for the coded units, the full
classifier's for the rest) and checks that the correction still covers: the cross-fitting question.

    python benchmarks/estimates_coverage.py [--run RUN_DIR] [--replicates 200] [--sizes 100 300]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from topics.inference import study_data
from topics.inference.corrected import _quasi_logit, design_estimate, mean_prediction, unit_predictions
from topics.inference.shares import bootstrap_ratio, interval
from topics.running import run_experiment
from topics.validation.sample import DESIGNS, draw, frame_of, uncertainty

PROJECT = Path(__file__).resolve().parent.parent
CORPORA = PROJECT.parent / "shared" / "corpora"
SETS = ["dev_labels_province_2026.tsv", "handcoded_a.tsv", "handcoded_b.tsv", "handcoded_c.tsv", "handcoded_d.tsv"]
FOLDERS = ["city_gwr_2024", "province_gwr_2026", "hailar_district_gwr", "national_gwr_hprc", "national_gwr_wikisource"]
LEVEL = 0.95
CONFIG = """
[run]
name = "estimates_population"
seeds = [1, 2]
progress = false
[corpus]
paths = {paths}
[vocabulary]
no_below = 5
no_above = 0.3
[evaluation]
heldout_fraction = 0.0
[report]
enabled = false
[models.seeded-lda]
k = 7
[models.dictionary]
"""


def population_run(folder: Path) -> Path:
    config = folder / "population.toml"
    paths = json.dumps([str(CORPORA / name) for name in FOLDERS], ensure_ascii=False)
    config.write_text(CONFIG.format(paths=paths), encoding="utf-8")
    return run_experiment(config, folder / "run")


def labelled(data, run_units) -> tuple[np.ndarray, np.ndarray]:
    """The study rows of the hand-coded units and their labels (as columns of data.themes); ``run_units``: the
    run's RunUnits."""
    text_of = dict(zip(run_units.units.unit_ids, run_units.texts()))
    row_of = {unit_id: i for i, unit_id in enumerate(data.units["unit_id"])}
    rows, labels, lost = [], [], 0
    for name in SETS:
        table = pd.read_csv(PROJECT / "experiments" / name, sep="\t", comment="#", dtype=str)
        for record in table.itertuples():
            text = text_of.get(record.unit_id)
            check = getattr(record, "text_sha1", None)
            if text is None or (isinstance(check, str) and hashlib.sha1(text.encode()).hexdigest()[:12] != check):
                lost += 1
                continue
            rows.append(row_of[record.unit_id])
            labels.append(data.themes.index(record.label))
    if lost:
        print(f"{lost} labelled unit(s) no longer cut the same way: left out", file=sys.stderr)
    return np.array(rows), np.array(labels)


def resample_documents(docs: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A population: the documents drawn with replacement; returns positions into ``docs`` and each
    position's document (a document drawn twice is two documents)."""
    names = np.unique(docs)
    members = {d: np.flatnonzero(docs == d) for d in names}
    picks = rng.choice(names, size=len(names), replace=True)
    parts = [members[d] for d in picks]
    return np.concatenate(parts), np.repeat(np.arange(len(picks)), [len(p) for p in parts])


# ---------------------------------------------------------------- shares


def share_coverage(data, rows, labels, *, models, sizes, replicates, draws, seed=0) -> pd.DataFrame:
    themes = data.themes
    truth_all = np.eye(len(themes))[labels]
    docs = data.units["doc_id"].to_numpy()[rows]
    records = []
    rng = np.random.default_rng(seed)
    groups = {name: fits for (name, _), fits in data.fit_groups().items() if name in models}
    prepared = {}
    for name, fits in groups.items():
        primary = fits[0]
        assigned = np.array(data.assigned(primary))[rows]
        p = uncertainty(data.probabilities(primary))[rows]
        for weight in ("units", "soft"):
            per_fit = unit_predictions(data, fits, "units", "soft" if weight == "soft" else "hard")
            w, f = mean_prediction(per_fit)
            prepared[name, weight] = (w[rows], f[rows], [(a[rows], b[rows]) for a, b in per_fit], assigned, p)
    for r in range(replicates):
        positions, doc_index = resample_documents(docs, rng)
        truth = truth_all[positions].mean(axis=0)
        doc_rows = [np.flatnonzero(doc_index == d) for d in range(doc_index.max() + 1)]
        samples = {}
        for name in groups:
            _, _, _, assigned, p = prepared[name, "units"]
            names = [themes[j] for j in assigned[positions]]
            for design in DESIGNS:
                frame = frame_of(np.arange(len(positions)), design, names, p[positions], themes)
                for size in sizes:
                    chosen = draw(frame, set(), size, rng)
                    sizes_h = frame.sizes()
                    picked = np.array([i for i, _ in chosen])
                    strata_names = [h for _, h in chosen]
                    counts = pd.Series(strata_names).value_counts()
                    probability = np.array([counts[h] / sizes_h[h] for h in strata_names])
                    strata = pd.factorize(pd.Series(strata_names))[0]
                    samples[name, design, size] = (picked, probability, strata)
        for (name, weight), (w, f, per_fit, _, _) in prepared.items():
            w_pop, f_pop = w[positions], f[positions]
            model_share = w_pop @ f_pop / w_pop.sum()
            values = [(a[positions], b[positions]) for a, b in per_fit]
            _, drawn = bootstrap_ratio(doc_rows, values, draws, rng, resample_documents=True)
            low, high = interval(drawn, LEVEL, model_share)
            for j, theme in enumerate(themes):
                records.append({"model": name, "weight": weight, "design": "-", "size": 0, "tuning": "-",
                                "estimator": "model", "theme": theme, "replicate": r, "truth": truth[j],
                                "estimate": model_share[j], "covered": low[j] <= truth[j] <= high[j],
                                "width": high[j] - low[j]})
            for design in DESIGNS:
                for size in sizes:
                    picked, probability, strata = samples[name, design, size]
                    coded = truth_all[positions][picked]
                    for tuning in ("none", "power"):
                        estimate, c_low, c_high, _ = design_estimate(
                            model_share, w_pop[picked], f_pop[picked], coded, probability, strata,
                            np.ones(len(picked), bool), level=LEVEL, tuning=tuning)
                        for j, theme in enumerate(themes):
                            records.append({"model": name, "weight": weight, "design": design, "size": size,
                                            "tuning": tuning, "estimator": "corrected", "theme": theme,
                                            "replicate": r, "truth": truth[j], "estimate": estimate[j],
                                            "covered": c_low[j] <= truth[j] <= c_high[j], "width": c_high[j] - c_low[j]})
        if (r + 1) % 50 == 0:
            print(f"  shares: {r + 1} of {replicates} replicates", file=sys.stderr, flush=True)
    return pd.DataFrame(records)


def share_tables(records: pd.DataFrame, themes: list[str]) -> str:
    """Coverage and mean width per theme, one table per model and predictions, markdown."""
    lines = []
    shown = [t for t in themes if t in set(records["theme"])]
    for (model, weight), part in records.groupby(["model", "weight"], sort=False):
        predictor = "soft (probabilities)" if weight == "soft" else "hard (assigned theme)"
        lines += ["", f"**{model}, {predictor}**: coverage of the 95 % intervals (mean width)", "",
                  "| estimator | design | n | " + " | ".join(shown) + " |", "|---|---|---|" + "---|" * len(shown)]
        for (estimator, design, size, tuning), rows in part.groupby(["estimator", "design", "size", "tuning"],
                                                                     sort=False):
            cells = []
            for theme in shown:
                cell = rows[rows["theme"] == theme]
                cells.append(f"{cell['covered'].mean():.1%} ({cell['width'].mean():.3f})")
            label = "model only" if estimator == "model" else f"corrected{', PPI++' if tuning == 'power' else ''}"
            lines.append(f"| {label} | {design} | {size or ''} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def efficiency_table(records: pd.DataFrame, themes: list[str]) -> str:
    """Mean width of each design's corrected interval relative to random's, same model, predictions, size, tuning."""
    corrected = records[records["estimator"] == "corrected"]
    widths = corrected.groupby(["model", "weight", "tuning", "size", "design", "theme"])["width"].mean()
    shown = [t for t in themes if t in set(records["theme"])]
    lines = ["", "Mean corrected interval width relative to random (same model, predictions, tuning, n): "
             "< 1 is narrower", "", "| model | predictions | tuning | n | design | " + " | ".join(shown) + " |",
             "|---|---|---|---|---|" + "---|" * len(shown)]
    for (model, weight, tuning, size), _ in widths.groupby(level=[0, 1, 2, 3], sort=False):
        for design in [d for d in DESIGNS if d != "random"]:
            cells = [f"{widths[model, weight, tuning, size, design, t] / widths[model, weight, tuning, size, 'random', t]:.2f}"
                     for t in shown]
            lines.append(f"| {model} | {weight} | {tuning} | {size} | {design} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


# ---------------------------------------------------------------- effects


def effect_coverage(data, rows, labels, *, model, theme, sizes, replicates, seed=1) -> pd.DataFrame:
    """Year on the theme's share across the labelled State Council units (see the module docstring)."""
    national = np.array([doc.startswith("national_") for doc in data.units["doc_id"].to_numpy()[rows]])
    rows, labels = rows[national], labels[national]
    t = data.themes.index(theme)
    docs = data.units["doc_id"].to_numpy()[rows]
    years = data.units["year"].to_numpy(dtype=float)[rows]
    names = np.unique(docs)
    doc_year = np.array([years[docs == d][0] for d in names])
    centre = doc_year.mean()
    fits = data.fit_groups(model)[next(iter(data.fit_groups(model)))]
    _, f = mean_prediction(unit_predictions(data, fits, "units", "soft"))
    primary = fits[0]
    assigned = np.array(data.assigned(primary))[rows]
    p = uncertainty(data.probabilities(primary))[rows]
    f = f[rows, t]
    y = (labels == t).astype(float)
    x_all = np.column_stack([np.ones(len(names)), doc_year - centre])
    truth_shares = np.array([y[docs == d].mean() for d in names])
    truth = _quasi_logit(truth_shares, x_all)[0][1]
    rng = np.random.default_rng(seed)
    records = []
    for r in range(replicates):
        positions, doc_index = resample_documents(docs, rng)
        n_docs = doc_index.max() + 1
        year_of = np.array([years[positions][doc_index == d][0] for d in range(n_docs)])
        x = np.column_stack([np.ones(n_docs), year_of - centre])
        size_of = np.bincount(doc_index, minlength=n_docs)
        model_shares = np.bincount(doc_index, weights=f[positions], minlength=n_docs) / size_of
        try:
            beta, cov = _quasi_logit(model_shares, x)
            half = 1.959964 * np.sqrt(cov[1, 1])
            records.append({"estimator": "model", "design": "-", "size": 0, "replicate": r, "estimate": beta[1],
                            "covered": abs(beta[1] - truth) <= half, "width": 2 * half})
        except Exception:  # noqa: BLE001 — a diverged model-only fit counts as not covering
            records.append({"estimator": "model", "design": "-", "size": 0, "replicate": r, "estimate": np.nan,
                            "covered": False, "width": np.nan})
        names_pop = [data.themes[j] for j in assigned[positions]]
        for design in DESIGNS:
            frame = frame_of(np.arange(len(positions)), design, names_pop, p[positions], data.themes)
            for size in sizes:
                chosen = draw(frame, set(), min(size, len(positions)), rng)  # a small population: coded whole
                picked = np.array([i for i, _ in chosen])
                counts = pd.Series([h for _, h in chosen]).value_counts()
                probability = np.array([counts[h] / frame.sizes()[h] for _, h in chosen])
                correction = (y[positions][picked] - f[positions][picked]) / probability
                pseudo = model_shares + np.bincount(doc_index[picked], weights=correction,
                                                    minlength=n_docs) / size_of
                try:
                    beta, cov = _quasi_logit(pseudo, x)
                    half = 1.959964 * np.sqrt(cov[1, 1])
                    covered, width, estimate = abs(beta[1] - truth) <= half, 2 * half, beta[1]
                except Exception:  # noqa: BLE001
                    covered, width, estimate = False, np.nan, np.nan
                records.append({"estimator": "corrected", "design": design, "size": size, "replicate": r,
                                "estimate": estimate, "covered": covered, "width": width})
    table = pd.DataFrame(records)
    table.attrs.update(truth=truth, documents=len(names), units=len(rows), theme=theme, model=model)
    return table


def effect_table(records: pd.DataFrame) -> str:
    a = records.attrs
    lines = ["", f"**Effect of year on {a['theme']}** ({a['model']}; {a['units']} labelled State Council units in "
             f"{a['documents']} documents; true slope {a['truth']:.4f} per year on the log-odds scale)", "",
             "| estimator | design | n | coverage | no finite fit | coverage of the fits | median width | "
             "median estimate |", "|---|---|---|---|---|---|---|---|"]
    for (estimator, design, size), rows in records.groupby(["estimator", "design", "size"], sort=False):
        fitted = rows.dropna(subset=["estimate"])
        lines.append(f"| {'model only' if estimator == 'model' else 'corrected (DSL)'} | {design} | {size or ''} | "
                     f"{rows['covered'].mean():.1%} | {1 - len(fitted) / len(rows):.1%} | "
                     f"{fitted['covered'].mean():.1%} | {fitted['width'].median():.4f} | "
                     f"{fitted['estimate'].median():.4f} |")
    return "\n".join(lines)


# ---------------------------------------------------------------- a supervised model trained on the coded units


def crossfit_coverage(data, run_units, rows, labels, *, sizes, replicates, seed=2) -> pd.DataFrame:
    """The population fixed (the labelled units as they are); each replicate draws a random coded sample,
    trains ``supervised`` on it (as a run with ``[evaluation] labels`` would) and corrects its shares with
    three sets of predictions for the coded units: the model's cross-validated ones (what a run keeps),
    the full classifier's (no cross-fitting: each coded unit predicted by a model that saw its label), and
    full cross-fitting (every unit, coded or not, predicted by a classifier trained on the coded units of
    the other four folds of the population)."""
    from topics.lexicon import Lexicon
    from topics.models import make_model
    from topics.tokenize import Tokenizer, TokenizerSettings
    from topics.vectorize import build_corpus

    lexicon = Lexicon.load()
    themes = data.themes
    every_text = run_units.texts()
    texts = [every_text[i] for i in data.units["row"].to_numpy()[rows]]
    tokens = Tokenizer(TokenizerSettings(), lexicon_words=lexicon.words()).tokenize(texts)
    corpus = build_corpus(tokens, keep_words=lexicon.words())
    kept = np.asarray(corpus.kept)
    topics = [*lexicon.names, "other"]
    columns = [themes.index(t) for t in topics]
    truth_all = np.eye(len(themes))[labels]
    truth = truth_all.mean(axis=0)
    names = np.array([themes[j] for j in labels], dtype=object)
    rng = np.random.default_rng(seed)
    n_units = len(rows)

    def shares_of(model, matrix_rows=None) -> np.ndarray:
        """Each population unit's theme probabilities (units the vocabulary left out: other)."""
        out = np.zeros((n_units, len(themes)))
        out[:, themes.index("other")] = 1.0
        doc_topic = model.result_.doc_topic if matrix_rows is None else model.transform([tokens[i] for i in matrix_rows])
        target = kept if matrix_rows is None else matrix_rows
        out[target] = 0.0
        out[np.ix_(target, columns)] = doc_topic
        return out

    records = []
    for r in range(replicates):
        for size in sizes:
            picked = np.sort(rng.choice(n_units, size=size, replace=False))
            coded_labels = np.full(n_units, "", dtype=object)
            coded_labels[picked] = names[picked]
            model = make_model("supervised").fit(corpus, lexicon, labels=list(coded_labels[kept]))
            cross_validated = shares_of(model)
            in_sample = cross_validated.copy()
            in_sample[picked] = shares_of(model, picked)[picked]
            folds = rng.permutation(n_units) % 5
            crossfit = np.zeros_like(cross_validated)
            for fold in range(5):
                held = np.flatnonzero(folds == fold)
                train = np.where(folds[kept] == fold, "", coded_labels[kept])
                fold_model = make_model("supervised").fit(corpus, lexicon, labels=list(train))
                crossfit[held] = shares_of(fold_model, held)[held]
            probability = np.full(size, size / n_units)
            for variant, f in (("cross-validated (the run's)", cross_validated), ("none (in-sample)", in_sample),
                               ("full cross-fitting", crossfit)):
                model_share = f.mean(axis=0)
                estimate, low, high, _ = design_estimate(model_share, np.ones(size), f[picked], truth_all[picked],
                                                         probability, np.zeros(size, int), np.ones(size, bool))
                for j, theme in enumerate(themes):
                    if theme in topics:
                        records.append({"variant": variant, "size": size, "theme": theme, "replicate": r,
                                        "model": model_share[j], "estimate": estimate[j], "truth": truth[j],
                                        "covered": low[j] <= truth[j] <= high[j], "width": high[j] - low[j]})
        if (r + 1) % 25 == 0:
            print(f"  cross-fitting: {r + 1} of {replicates} replicates", file=sys.stderr, flush=True)
    return pd.DataFrame(records)


def crossfit_table(records: pd.DataFrame) -> str:
    themes = list(dict.fromkeys(records["theme"]))
    lines = ["", "**supervised trained on the coded sample (random design)**: coverage of the corrected 95 % "
             "intervals (mean bias of the estimate, percentage points)", "",
             "| predictions of the coded units | n | " + " | ".join(themes) + " |", "|---|---|" + "---|" * len(themes)]
    for (variant, size), rows in records.groupby(["variant", "size"], sort=False):
        cells = []
        for theme in themes:
            part = rows[rows["theme"] == theme]
            cells.append(f"{part['covered'].mean():.1%} ({100 * (part['estimate'] - part['truth']).mean():+.2f})")
        lines.append(f"| {variant} | {size} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, default=None, help="a finished run of the population config (else made)")
    parser.add_argument("--replicates", type=int, default=200)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 300])
    parser.add_argument("--effect-sizes", type=int, nargs="+", default=[100, 200])
    parser.add_argument("--draws", type=int, default=200, help="bootstrap draws of the model-only intervals")
    parser.add_argument("--models", nargs="+", default=["seeded-lda", "dictionary"])
    parser.add_argument("--effect-themes", nargs="+", default=["ecology", "industry", "governance"])
    parser.add_argument("--parts", nargs="+", default=["shares", "effects", "crossfit"],
                        choices=["shares", "effects", "crossfit"])
    parser.add_argument("--crossfit-replicates", type=int, default=100)
    args = parser.parse_args()
    if not CORPORA.is_dir():
        print(f"needs the real corpora at {CORPORA}", file=sys.stderr)
        return 1
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        run_dir = args.run or population_run(Path(folder))
        data = study_data(run_dir)
        from topics.run_folder import RunFolder

        rows, labels = labelled(data, RunFolder.open(run_dir).run_units)
        counts = pd.Series([data.themes[j] for j in labels]).value_counts()
        documents = len(set(data.units["doc_id"].to_numpy()[rows]))
        print(f"population: {len(rows)} labelled units in {documents} "
              f"documents ({', '.join(f'{t} {counts.get(t, 0)}' for t in data.themes)}); run ready in "
              f"{time.perf_counter() - start:.0f} s", flush=True)
        out = PROJECT / "benchmarks" / "results"
        out.mkdir(parents=True, exist_ok=True)
        if "shares" in args.parts:
            start = time.perf_counter()
            records = share_coverage(data, rows, labels, models=args.models, sizes=args.sizes,
                                     replicates=args.replicates, draws=args.draws)
            print(f"\nShares: {args.replicates} replicates ({time.perf_counter() - start:.0f} s)")
            print(share_tables(records, data.themes))
            print(efficiency_table(records, data.themes))
            records.to_csv(out / "estimates_coverage_shares.csv", index=False)
        if "effects" in args.parts:
            start = time.perf_counter()
            tables = []
            for theme in args.effect_themes:
                effect = effect_coverage(data, rows, labels, model=args.models[0], theme=theme,
                                         sizes=args.effect_sizes, replicates=args.replicates)
                print(effect_table(effect))
                tables.append(effect.assign(theme=theme))
            print(f"\nEffects: {args.replicates} replicates each ({time.perf_counter() - start:.0f} s)")
            pd.concat(tables).to_csv(out / "estimates_coverage_effects.csv", index=False)
        if "crossfit" in args.parts:
            start = time.perf_counter()
            crossfit = crossfit_coverage(data, RunFolder.open(run_dir).run_units, rows, labels, sizes=args.sizes,
                                         replicates=args.crossfit_replicates)
            print(f"\nCross-fitting: {args.crossfit_replicates} replicates ({time.perf_counter() - start:.0f} s)")
            print(crossfit_table(crossfit))
            crossfit.to_csv(out / "estimates_coverage_crossfit.csv", index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
