"""How the State Council's work reports' attention to ecology changed from 1954 on, with intervals.

For each source of the national reports (../shared/corpora/national_gwr_hprc and national_gwr_wikisource)
it runs the dictionary baseline and seeded LDA (k = 7, seeds 1–3) and then, on the ecology share of each
report:

- the linear trend, ``~ year``: the change in log-odds per year (and the odds ratio per decade);
- the expected share by year, ``~ bs(year, df=4)``, with its 95% band;

both with the package's default intervals (method of composition) and with the document bootstrap.
Run folders go to runs/national_ecology_<source>/ (a rerun resumes them); effects tables are written
into each run folder (effects.csv, effects_expected.csv) so `topics report` shows them.

    python experiments/national_ecology_trend.py [--draws 500]
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

import numpy as np

from topics.inference import effects, shares, study_data
from topics.running import run_experiment

PROJECT = Path(__file__).resolve().parent.parent
CORPORA = PROJECT.parent / "shared" / "corpora"
SOURCES = ("hprc", "wikisource")
SHOWN_YEARS = (1954, 1964, 1978, 1990, 2000, 2010, 2020)
CONFIG = """[run]
name = "national_ecology_{source}"
seeds = [1, 2, 3]
progress = false

[corpus]
paths = [{corpus}]

[vocabulary]
no_below = 5
no_above = 0.3

[models.dictionary]

[models.seeded-lda]
k = [7]

[evaluation]
heldout_fraction = 0.1
labels = "weak"

[report]
enabled = false
"""


def run_source(source: str) -> Path:
    folder = PROJECT / "runs" / f"national_ecology_{source}"
    folder.mkdir(parents=True, exist_ok=True)
    config = folder.parent / f"national_ecology_{source}.toml"
    corpus = json.dumps(str(CORPORA / f"national_gwr_{source}"), ensure_ascii=False)
    config.write_text(CONFIG.format(source=source, corpus=corpus), encoding="utf-8")
    return run_experiment(config, folder / "run")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if not CORPORA.is_dir():
        print(f"needs the national reports at {CORPORA}", file=sys.stderr)
        return 1
    for source in SOURCES:
        run_dir = run_source(source)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = study_data(run_dir)
        docs = data.documents()
        print(f"\n== national_gwr_{source}: {len(docs)} reports {int(docs['year'].min())}–{int(docs['year'].max())}, "
              f"{len(data.units)} units ({run_dir})")
        pooled = shares(data, by="region", draws=args.draws, seed=args.seed)
        for row in pooled[pooled["theme"] == "ecology"].itertuples():
            print(f"  {row.model} k={row.k}: ecology share of all units {row.share:.3f} "
                  f"[{row.ci_low:.3f}, {row.ci_high:.3f}]")
        for uncertainty in ("composition", "documents"):
            linear = effects(data, "~ year", themes=["ecology"], draws=args.draws, seed=args.seed,
                             uncertainty=uncertainty)
            for row in linear.table[linear.table["term"] == "year"].itertuples():
                print(f"  {uncertainty:11s} {row.model} k={row.k}: ecology trend {row.estimate:+.4f} log-odds/year "
                      f"[{row.ci_low:+.4f}, {row.ci_high:+.4f}]; odds ×{np.exp(10 * row.estimate):.2f} per decade "
                      f"[{np.exp(10 * row.ci_low):.2f}, {np.exp(10 * row.ci_high):.2f}]")
            curve = effects(data, "~ bs(year, df=4)", themes=["ecology"], draws=args.draws, seed=args.seed,
                            uncertainty=uncertainty)
            for (model, k), rows in curve.expected.groupby(["model", "k"], sort=False):
                rows = rows.set_index("value")
                years = [y for y in SHOWN_YEARS if y in rows.index] + [int(rows.index.max())]
                shown = ", ".join(f"{y}: {rows.at[y, 'share']:.3f} [{rows.at[y, 'ci_low']:.3f}, "
                                  f"{rows.at[y, 'ci_high']:.3f}]" for y in years)
                print(f"  {uncertainty:11s} {model} k={k}: expected ecology share by year — {shown}")
            if uncertainty == "composition":
                curve.table.to_csv(run_dir / "effects.csv", index=False)
                curve.expected.to_csv(run_dir / "effects_expected.csv", index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
