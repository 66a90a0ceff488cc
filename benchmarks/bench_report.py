"""Time an offline LDAvis page for a small model, with pyLDAvis' worker pool and without.

Fits a gensim LDA (K topics) on the bundled sample (or on the files given), then times stock
pyLDAvis.prepare with n_jobs=-1 (its default) and n_jobs=1, topics.report's prepare_ldavis
(n_jobs=1 and a numpy top-term search) and the whole write_ldavis page. Prints the figures;
asserts nothing.

    python benchmarks/bench_report.py [--k 10] [--repeat 3] [FILE ...]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import jieba
import numpy as np
from gensim.corpora import Dictionary
from gensim.models import LdaModel

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from topics.report import write_ldavis  # noqa: E402
from topics.report.ldavis import floored, prepare_ldavis  # noqa: E402
from topics.result import TopicResult  # noqa: E402


def small_model(paths: list[Path], k: int) -> TopicResult:
    jieba.setLogLevel(60)
    text = "".join(re.sub(r"\s+", "", p.read_text(encoding="utf-8")) for p in paths)
    sentences = [s for s in text.split("。") if s]
    docs = [[w for w in jieba.lcut(s) if len(w) >= 2 and re.fullmatch(r"[\u4e00-\u9fff]+", w)] for s in sentences]
    dictionary = Dictionary(docs)
    bow = [dictionary.doc2bow(d) for d in docs]
    model = LdaModel(bow, id2word=dictionary, num_topics=k, random_state=0, passes=5, eval_every=None)
    gamma, _ = model.inference(bow)
    counts = np.zeros((len(bow), len(dictionary)))
    for row, doc in enumerate(bow):
        for term, n in doc:
            counts[row, term] = n
    return TopicResult("lda", [dictionary[i] for i in range(len(dictionary))], model.get_topics(),
                       gamma / gamma.sum(axis=1, keepdims=True), counts.sum(axis=1), counts.sum(axis=0))


def timed(action, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, default=[PROJECT / "corpora" / "xining_chengxi_2024.txt"])
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    result = small_model(args.files, args.k)
    print(f"model: K={result.k}, {len(result.doc_lengths)} units, {len(result.vocab)} terms")
    import pyLDAvis

    started = time.perf_counter()
    pyLDAvis.prepare(floored(result.topic_word), floored(result.doc_topic), result.doc_lengths, result.vocab,
                     result.term_frequency, n_jobs=1, sort_topics=False)
    print(f"first prepare (imports, warm-up): {time.perf_counter() - started:.2f} s")
    for n_jobs in (-1, 1):
        times = timed(lambda: pyLDAvis.prepare(floored(result.topic_word), floored(result.doc_topic), result.doc_lengths,
                                               result.vocab, result.term_frequency, n_jobs=n_jobs, sort_topics=False),
                      args.repeat)
        print(f"stock pyLDAvis.prepare n_jobs={n_jobs:>2}: median {statistics.median(times):.2f} s  (runs: {', '.join(f'{t:.2f}' for t in times)})")
    times = timed(lambda: prepare_ldavis(result), args.repeat)
    print(f"prepare_ldavis (n_jobs=1, numpy top terms): median {statistics.median(times):.2f} s")
    with tempfile.TemporaryDirectory() as folder:
        times = timed(lambda: write_ldavis(result, Path(folder) / "lda.html"), args.repeat)
        size = (Path(folder) / "lda.html").stat().st_size
    print(f"write_ldavis (whole page): median {statistics.median(times):.2f} s, {size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
