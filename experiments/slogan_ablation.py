"""Does the boilerplate-slogan filter matter? Runs slogan_ablation.toml twice — as written (slogans and
filler words filtered) and with both filters off — and prints NPMI, TD and label macro-F1 per model,
plus the share of the topics' top-10 words that are filler or formula words (习近平, 新时代, 加强 …).

Usage: python experiments/slogan_ablation.py [-o RUNS_FOLDER]
"""

from __future__ import annotations

import argparse
import copy
import sys
import tomllib
from pathlib import Path

import pandas as pd

from topics.config import resolve_config
from topics.errors import InputError
from topics.word_lists import bundled_path, load_word_list
from topics.result import TopicResult
from topics.running import run_config
from topics.lexicon import Lexicon

HERE = Path(__file__).resolve().parent
CONFIG = HERE / "slogan_ablation.toml"
SCORES = ["coherence_npmi", "topic_diversity", "label_macro_f1"]


def variants(runs: Path) -> dict[str, dict]:
    raw = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    off = copy.deepcopy(raw)
    off["tokenizer"].update(slogans=False, fillers=False)
    return {
        "filtered": _resolve(raw, runs / "slogan_ablation_filtered"),
        "unfiltered": _resolve(off, runs / "slogan_ablation_unfiltered"),
    }


def _resolve(raw: dict, output: Path) -> dict:
    config = resolve_config(raw, source=str(CONFIG), base_dir=HERE)
    config["run"]["output"] = str(output)
    return config


def filler_words() -> set[str]:
    """The shipped filler list (which holds the standalone words of the formulas: 习近平, 新时代, 思想 …),
    minus every theme word."""
    theme_words = {word for words in Lexicon.load().themes.values() for word in words}
    return set(load_word_list(bundled_path("fillers")).entries) - theme_words


def filler_share(run_dir: Path, words: set[str]) -> dict[str, float]:
    """Share of each primary model's top-10 words that are fillers or formula words."""
    shares = {}
    for model_dir in sorted((run_dir / "models").iterdir()):
        top = [word for topic in TopicResult.load(model_dir).top_words(10) for word in topic]
        shares[model_dir.name] = sum(word in words for word in top) / len(top)
    return shares


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=HERE.parent / "runs", help="folder for the two runs")
    args = parser.parse_args()
    words = filler_words()
    tables = []
    for name, config in variants(args.output).items():
        run_dir = run_config(config)
        metrics = pd.read_csv(run_dir / "metrics.csv")
        table = metrics.groupby("model", sort=False)[SCORES].mean()
        table["top10_filler_share"] = pd.Series(filler_share(run_dir, words))
        tables.append(table.assign(variant=name).reset_index())
    result = pd.concat(tables).set_index(["model", "variant"]).sort_index()
    out = args.output / "slogan_ablation.csv"
    result.to_csv(out)
    print(result.to_string(float_format=lambda v: f"{v:.3f}"))
    print(f"table: {out}")


if __name__ == "__main__":
    try:
        main()
    except InputError as err:  # e.g. an output folder holding another run: one line, as the commands do
        sys.exit(f"error: {err}")
