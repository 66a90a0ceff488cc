"""Segmentation speed and memory over the report corpora.

    python benchmarks/segment.py [CORPORA] [--output results/segment.json] [--max-chars N]

CORPORA defaults to ../shared/corpora beside the project. Every folder in it is ingested into units
(topics.ingest), identical unit texts are kept once, and each stage runs in its own process so its peak
memory is its own:

  raw-jieba    jieba.lcut on every text (the reference speed)
  jieba        the package's Tokenizer, segmenter "jieba", with the lexicons and every filter, no cache
  jieba-rs     the same with segmenter "jieba-rs"
  workers-2    segmenter "jieba" in 2 worker processes (process start-up included)
  cold-cache   segmenter "jieba", filling an empty token cache
  warm-cache   the same texts again with a new Tokenizer reading that cache

It prints a table and writes JSON (default benchmarks/results/segment.json): chars/s per stage, the ratio to
raw jieba, peak memory, the agreement of the jieba and jieba-rs tokens, and the targets
(jieba >= 0.85x raw, jieba-rs >= 5x raw with >= 99.9 % identical Chinese tokens, warm cache >= 20x raw).
Timings exclude loading the dictionaries, except for workers-2 where starting the workers is part of the cost.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
DEFAULT_CORPORA = PROJECT.parent / "shared" / "corpora"
DEFAULT_OUTPUT = PROJECT / "benchmarks" / "results" / "segment.json"
STAGES = ("raw-jieba", "jieba", "jieba-rs", "workers-2", "cold-cache", "warm-cache")
HAN = re.compile(r"[\u4e00-\u9fff]")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpora", nargs="?", default=str(DEFAULT_CORPORA), help="folder of corpora (default ../shared/corpora)")
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT), help="JSON file to write")
    parser.add_argument("--max-chars", type=int, default=0, help="use only the first N characters of unit text (0 = all)")
    parser.add_argument("--stage", choices=STAGES, help=argparse.SUPPRESS)  # internal: run one stage
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        return _run_stage(args.stage, Path(args.workdir))

    corpora = Path(args.corpora)
    if not corpora.is_dir():
        print(f"segment.py: error: {corpora}: no such folder", file=sys.stderr)
        return 2
    texts, units = _load_texts(corpora, args.max_chars)
    chars = sum(map(len, texts))
    print(f"{len(texts):,} distinct unit texts ({units:,} units from topics.ingest, {chars:,} characters) from {corpora}")
    with tempfile.TemporaryDirectory(prefix="topics-bench-") as workdir:
        work = Path(workdir)
        (work / "texts.json").write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
        stages = {}
        for stage in STAGES:
            stages[stage] = _spawn(stage, work)
            print(f"  {stage:<11} {stages[stage]['seconds']:8.2f} s")
        agreement = _agreement(work / "tokens-jieba.pkl", work / "tokens-jieba-rs.pkl")
    report = _report(corpora, texts, units, stages, agreement)
    _print_table(report)
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"wrote {output}")
    return 0


def _load_texts(corpora: Path, max_chars: int) -> tuple[list[str], int]:
    from topics.ingest import ingest_paths

    folders = sorted(p for p in corpora.iterdir() if p.is_dir())
    unit_texts = [unit.text for unit in ingest_paths([str(f) for f in folders]).units]
    texts, total = [], 0
    for text in dict.fromkeys(unit_texts):  # distinct, in order
        if max_chars and total >= max_chars:
            break
        texts.append(text)
        total += len(text)
    return texts, len(unit_texts)


def _spawn(stage: str, work: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--stage", stage, "--workdir", str(work)],
        capture_output=True, text=True, cwd=PROJECT,
    )
    if proc.returncode != 0:
        raise SystemExit(f"stage {stage} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _run_stage(stage: str, work: Path) -> int:
    texts = json.loads((work / "texts.json").read_text(encoding="utf-8"))
    tokens = None
    if stage == "raw-jieba":
        import jieba

        jieba.setLogLevel(60)
        jieba.initialize()
        start = time.perf_counter()
        tokens = [jieba.lcut(text) for text in texts]
        seconds = time.perf_counter() - start
    else:
        from topics.tokenize import Tokenizer, TokenizerSettings

        segmenter = "jieba-rs" if stage == "jieba-rs" else "jieba"
        cached = stage in ("cold-cache", "warm-cache")
        tokenizer = Tokenizer(
            TokenizerSettings(segmenter=segmenter), cache_dir=work / "cache", cache=cached,
            workers=2 if stage == "workers-2" else 1,
        )
        if stage != "workers-2" and stage != "warm-cache":
            tokenizer.explain("预热")  # load the dictionaries before timing
        start = time.perf_counter()
        tokens = tokenizer.tokenize(texts)
        seconds = time.perf_counter() - start
        if stage == "warm-cache":
            assert tokenizer.stats["segmented"] == 0, "warm cache segmented text"
    if stage in ("jieba", "jieba-rs"):
        with open(work / f"tokens-{stage}.pkl", "wb") as out:
            pickle.dump(tokens, out)
    peak_kb = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    print(json.dumps({"seconds": seconds, "peak_mb": peak_kb / 1024}))
    return 0


def _agreement(jieba_file: Path, rs_file: Path) -> dict:
    with open(jieba_file, "rb") as a, open(rs_file, "rb") as b:
        py, rs = pickle.load(a), pickle.load(b)
    shared = total = same_units = 0
    differences = Counter()
    for x, y in zip(py, rs):
        cx = Counter(t for t in x if HAN.search(t))
        cy = Counter(t for t in y if HAN.search(t))
        shared += sum((cx & cy).values())
        total += max(sum(cx.values()), sum(cy.values()))
        same_units += x == y
        differences.update({f"jieba:{t}": n for t, n in (cx - cy).items()})
        differences.update({f"jieba-rs:{t}": n for t, n in (cy - cx).items()})
    return {
        "chinese_tokens": total,
        "identical_chinese_tokens_pct": 100.0 * shared / total if total else 100.0,
        "identical_units_pct": 100.0 * same_units / len(py) if py else 100.0,
        "top_differences": differences.most_common(10),
    }


def _report(corpora, texts, units, stages, agreement) -> dict:
    chars = sum(map(len, texts))
    raw = stages["raw-jieba"]["seconds"]
    for stage in stages.values():
        stage["chars_per_s"] = chars / stage["seconds"]
        stage["x_raw_jieba"] = raw / stage["seconds"]
    targets = {
        "jieba >= 0.85x raw": stages["jieba"]["x_raw_jieba"] >= 0.85,
        "jieba-rs >= 5x raw": stages["jieba-rs"]["x_raw_jieba"] >= 5,
        "jieba-rs identical chinese tokens >= 99.9%": agreement["identical_chinese_tokens_pct"] >= 99.9,
        "warm cache >= 20x raw": stages["warm-cache"]["x_raw_jieba"] >= 20,
    }
    return {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "load_average_at_end": os.getloadavg(), "python": platform.python_version(),
                    "jieba": version("jieba"), "rjieba": version("rjieba")},
        "corpus": {"path": str(corpora), "units": units, "distinct_texts": len(texts), "chars": chars},
        "stages": stages,
        "agreement_jieba_vs_jieba_rs": agreement,
        "targets": targets,
    }


def _print_table(report: dict) -> None:
    print(f"\n{'stage':<12} {'seconds':>8} {'chars/s':>12} {'x raw jieba':>12} {'peak MB':>8}")
    for name, stage in report["stages"].items():
        print(f"{name:<12} {stage['seconds']:8.2f} {stage['chars_per_s']:12,.0f} {stage['x_raw_jieba']:12.2f} {stage['peak_mb']:8.0f}")
    agreement = report["agreement_jieba_vs_jieba_rs"]
    print(f"\njieba vs jieba-rs: {agreement['identical_chinese_tokens_pct']:.4f} % identical Chinese tokens "
          f"({agreement['chinese_tokens']:,}), {agreement['identical_units_pct']:.2f} % identical units")
    for target, met in report["targets"].items():
        print(f"  {'met ' if met else 'MISS'}  {target}")
    print(f"load average at the end: {report['machine']['load_average_at_end']} on {report['machine']['cpus']} CPUs")


if __name__ == "__main__":
    sys.exit(main())
