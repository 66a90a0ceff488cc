"""Where the runner's tasks run: in this process (``serial``), on a Dask cluster of local worker
processes started for the run (``local``), or on an existing Dask cluster (``tcp://host:port``).

A task is a plain function of picklable inputs, so every scheduler gives the same results. Every
executor has the same methods: ``share(value)`` sends a large input once (a Dask scatter) and
returns what tasks take in its place; ``map(function, items, *shared)`` runs ``function(item, *shared)``
for each item and yields ``(item, result)`` pairs — in item order, or as they finish; ``close()``. The
first task that fails stops the map (the tasks not yet finished are cancelled) with its own exception.

A worker that dies mid-task (killed, out of memory) costs only its tasks: Dask runs them again on
another worker, and gives up on a task only after it has killed workers repeatedly (Dask's
``distributed.scheduler.allowed-failures``, 3 by default), which ends the run with an InputError
naming the task. Knows nothing of the pipeline: the runner and the tokenizer decide what a task is."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from contextlib import contextmanager
from typing import Callable, Iterable, Iterator

from .errors import InputError

RESUME = "finished work is kept: run again to resume, with fewer workers or more memory per worker"
CONNECT_TIMEOUT = 5  # seconds to wait for an existing scheduler to answer
# Local workers are processes doing CPU-bound work (fits, segmentation): beyond the core count they add
# only memory (each loads Python, the models and jieba's dictionary, about 200 MB) and switching, and far
# beyond it a run crawls (48 workers on 2 cores took 16 times as long, in 10.9 GB). A few per core are
# allowed, for machines whose os.cpu_count() undercounts what may run; more are refused.
WORKERS_PER_CORE = 4


class SerialExecutor:
    """Runs every task here, one after the other."""

    workers = 1

    def share(self, value):
        return value

    def close(self) -> None:
        pass

    def map(self, function: Callable, items: Iterable, *shared, ordered: bool = True,
            window: int | None = None) -> Iterator[tuple]:
        for item in items:
            yield item, function(item, *shared)


class DaskExecutor:
    """Runs tasks on the workers of a Dask client (one task per worker thread at a time)."""

    def __init__(self, client, where: str, cluster=None):
        self.client = client
        self.where = where
        self.cluster = cluster  # the local cluster started for the run, stopped with it
        self.workers = max(1, sum(client.nthreads().values()))

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def share(self, value):
        """Sent to every worker once; tasks given the returned future receive the value itself."""
        return self.client.scatter(value, broadcast=True, hash=False)

    def map(self, function: Callable, items: Iterable, *shared, ordered: bool = True,
            window: int | None = None) -> Iterator[tuple]:
        """``window``: at most this many items out at once (default: all), which bounds the memory that
        inputs and finished results waiting for their turn take."""
        from distributed import as_completed

        items = list(items)
        window = window or len(items)
        out: dict = {}  # future -> item index
        finished: dict[int, object] = {}  # results that wait for an earlier item (ordered)
        next_index, yielded = 0, 0
        running = as_completed(loop=self.client.loop)

        def submit_more() -> None:
            nonlocal next_index
            while next_index < len(items) and next_index - yielded < window:
                future = self.client.submit(function, items[next_index], *shared, pure=False)
                out[future] = next_index
                running.add(future)
                next_index += 1

        try:
            submit_more()
            for future in running:
                index = out.pop(future)
                value = self._result(future, function, items[index])
                if ordered:
                    finished[index] = value
                    while yielded in finished:
                        yield items[yielded], finished.pop(yielded)
                        yielded += 1
                else:
                    yielded += 1
                    yield items[index], value
                submit_more()
        finally:
            if out:  # stopped early (a failed task, an interrupt): nothing more runs for this map
                self.client.cancel(list(out))

    def _result(self, future, function: Callable, item):
        from concurrent.futures import CancelledError

        from distributed.scheduler import KilledWorker

        try:
            return future.result()
        except KilledWorker:
            raise InputError(f"{self.where}: Dask workers died repeatedly while running {function.__name__}({item!r}) "
                             f"(out of memory?); {RESUME}") from None
        except CancelledError:  # every worker holding its shared inputs died, or the cluster went away
            raise InputError(f"{self.where}: lost {function.__name__}({item!r}) with the workers that held its "
                             f"inputs; {RESUME}") from None


@contextmanager
def executor(scheduler: str, workers: int):
    """The executor for run.scheduler and run.workers (checked by topics.config), open for the duration."""
    tasks = open_executor(scheduler, workers)
    try:
        yield tasks
    finally:
        tasks.close()


def open_executor(scheduler: str, workers: int):
    """The executor for run.scheduler and run.workers; close() it when done (it may be closed twice)."""
    return BACKENDS.get(scheduler, _running_cluster)(scheduler, workers)


def _serial(scheduler: str, workers: int) -> SerialExecutor:
    return SerialExecutor()


def check_local_workers(workers: int, key: str = "run.workers") -> str:
    """InputError for more than WORKERS_PER_CORE worker processes per core of this machine; a warning
    ("" when none) for more than its cores."""
    cores = os.cpu_count() or 1
    if workers > WORKERS_PER_CORE * cores:
        raise InputError(f"{key}: {workers} worker processes for this machine's {cores} core(s); at most "
                         f"{WORKERS_PER_CORE * cores} ({WORKERS_PER_CORE} per core): each is a process doing CPU-bound "
                         f"work, so beyond the cores they add memory (about 200 MB each) and slow the run; use {cores} or fewer")
    if workers > cores:
        return (f"warning: {key} {workers} is more than this machine's {cores} core(s): the extra worker processes "
                "add memory, not speed")
    return ""


def _local_cluster(scheduler: str, workers: int) -> DaskExecutor:
    from distributed import Client, LocalCluster

    warning = check_local_workers(workers)
    if warning:
        print(warning, file=sys.stderr)

    # processes with one thread each: fits are CPU-bound Python and gensim, which hold the GIL. They are
    # started with Ctrl-C ignored (a child keeps an ignored signal): the terminal sends it to every process
    # of the group, and only this one should stop, saying so once, and close the cluster
    main = threading.current_thread() is threading.main_thread()  # only the main thread may set a handler
    interrupt = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
    # Its logs are silenced up to CRITICAL: a task's error reaches this process through its future, and
    # what the workers log at ERROR while the cluster closes (a heartbeat to a scheduler already gone)
    # is a traceback about Dask's own shutdown, not about the run
    try:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                               silence_logs=logging.CRITICAL)
    finally:
        if main:
            signal.signal(signal.SIGINT, interrupt)
    return DaskExecutor(Client(cluster, set_as_default=False), f"local Dask cluster ({workers} workers)", cluster)


def _running_cluster(address: str, workers: int) -> DaskExecutor:
    """A cluster started elsewhere (``dask scheduler`` and ``dask worker``): its workers, not ``workers``."""
    from distributed import Client

    try:
        client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError) as err:
        raise InputError(f"{address}: no Dask scheduler answers there within {CONNECT_TIMEOUT} s "
                         f"({type(err).__name__}); check run.scheduler / --scheduler, or use \"local\"") from None
    if not client.nthreads():
        client.close()
        raise InputError(f"{address}: the Dask scheduler has no workers; start some with `dask worker {address}`")
    return DaskExecutor(client, f"Dask cluster at {address}")


# run.scheduler → how its executor is opened; any other value is the address of a running scheduler
BACKENDS = {"serial": _serial, "local": _local_cluster}
