"""Segmenting in worker processes: texts go out in chunks, results come back in input order.

Each worker receives its pipeline through the pool's initializer, so no state is left behind in the
parent. A forked worker shares the parent's memory, so it is handed the parent's ready pipeline (fork
copies it, nothing is pickled); a spawned worker gets the small recipe and builds its own.
On a Dask cluster (``segment_on_executor``) each chunk is a task, and each worker builds its pipeline
from the recipe on its first chunk.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import Callable, Iterator

from .filters import Pipeline, PipelineRecipe, TokenizedText

# Below this many characters to segment, starting worker processes costs more than it saves.
PARALLEL_MIN_CHARS = 100_000
_MIN_CHUNK_CHARS = 20_000
_CHUNKS_PER_WORKER = 8  # several chunks per worker even out their speeds

_pipeline: Pipeline | None = None  # set once in each worker process by its initializer
_built: tuple[str, Pipeline] | None = None  # a Dask worker's pipeline and the tokenizer key it was built for


def worth_parallel(texts: list[str], workers: int) -> bool:
    return workers > 1 and sum(map(len, texts)) >= PARALLEL_MIN_CHARS and len(texts) >= 2 * workers


def segment_in_workers(texts: list[str], workers: int, recipe: PipelineRecipe,
                       ready_pipeline: Callable[[], Pipeline]) -> Iterator[list[TokenizedText]]:
    """The results chunk by chunk, in input order. ``ready_pipeline`` gives the parent's own pipeline."""
    context = multiprocessing.get_context()
    source = ready_pipeline() if context.get_start_method() == "fork" else recipe
    target = max(_MIN_CHUNK_CHARS, sum(map(len, texts)) // (workers * _CHUNKS_PER_WORKER))
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(source,)) as pool:
        yield from pool.map(_run_chunk, _chunks(texts, target))  # map keeps input order


def segment_on_executor(texts: list[str], executor, recipe: PipelineRecipe, key: str) -> Iterator[list[TokenizedText]]:
    """The same, as tasks of a topics.execution executor (a Dask cluster): one task per chunk, a bounded
    number of chunks out at once, results in input order. ``key`` names the pipeline the recipe builds."""
    target = max(_MIN_CHUNK_CHARS, sum(map(len, texts)) // (executor.workers * _CHUNKS_PER_WORKER))
    shared = executor.share(recipe)
    window = 4 * executor.workers  # enough to keep every worker busy, few enough to bound the texts in flight
    for _, results in executor.map(segment_chunk, _chunks(texts, target), shared, key, window=window):
        yield results


def segment_chunk(texts: list[str], recipe: PipelineRecipe, key: str) -> list[TokenizedText]:
    """One chunk, as a task: each worker process builds the pipeline once and keeps it for later chunks."""
    global _built
    if _built is None or _built[0] != key:
        _built = (key, recipe.build())
    return [_built[1].run(text) for text in texts]


def _start_worker(source: Pipeline | PipelineRecipe) -> None:
    global _pipeline
    _pipeline = source.build() if isinstance(source, PipelineRecipe) else source


def _run_chunk(texts: list[str]) -> list[TokenizedText]:
    return [_pipeline.run(text) for text in texts]


def _chunks(texts: list[str], target_chars: int) -> list[list[str]]:
    chunks, current, size = [], [], 0
    for text in texts:
        current.append(text)
        size += len(text)
        if size >= target_chars:
            chunks.append(current)
            current, size = [], 0
    if current:
        chunks.append(current)
    return chunks
