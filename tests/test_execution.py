"""Running the experiment on Dask: a local cluster gives the same tables as a serial run, an existing
cluster is used by its address (an unreachable one is a one-line error), an interrupted run resumes,
a failing fit stops the run unfinished, and a worker that dies mid-task costs nothing but time."""

from __future__ import annotations

import json

import os
import shutil
import socket

import cloudpickle
import pandas as pd
import pytest
from distributed import LocalCluster

import test_execution
from test_evaluate import HAND_LABELS, HEADER, gold_lines
from test_runner import read, small_models, without_timing, write_config
from topics.cli import main
from topics.errors import InputError
from topics.execution import WORKERS_PER_CORE, DaskExecutor, check_local_workers, executor
from topics.ingest import ingest_paths
from topics.run_files import DONE, fit_folder
from topics.running import run_experiment
from topics.tokenize import PARALLEL_MIN_CHARS, Tokenizer

cloudpickle.register_pickle_by_value(test_execution)  # the workers need not import this test module

# every kind of model, two seeds: each fit's numbers come from another process than in the serial run;
# supervised is fitted with the units' labels
MODELS = small_models("dictionary", "supervised", "lda", "sklearn-lda", "nmf", "seeded-lda", "seeded-nmf")
TABLES = ("assignments.csv", "theme_shares.csv")


@pytest.fixture(scope="module")
def cluster():
    """A real Dask cluster of two worker processes, reached by its address like a remote one."""
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as running:
        yield running


@pytest.fixture(scope="module")
def serial_and_local(tmp_path_factory, sample_path):
    folder = tmp_path_factory.mktemp("execution")
    config = write_config(folder, sample_path, models=MODELS)
    # supervised learns from hand-coded labels (heading labels are refused for it)
    gold = folder / "gold.tsv"
    gold.write_text(HEADER + "".join(gold_lines(sample_path, HAND_LABELS)), encoding="utf-8")
    config.write_text(config.read_text(encoding="utf-8").replace(
        "[evaluation]\n", f"[evaluation]\nlabels = {json.dumps(str(gold))}\n"), encoding="utf-8")
    return config, run_experiment(config, folder / "serial"), run_experiment(
        config, folder / "local", scheduler="local", workers=2)


def test_a_local_cluster_gives_the_tables_of_a_serial_run(serial_and_local):
    _, serial, local = serial_and_local
    for name in TABLES:
        assert (serial / name).read_bytes() == (local / name).read_bytes(), name
    pd.testing.assert_frame_equal(without_timing(read(serial, "metrics.csv")), without_timing(read(local, "metrics.csv")))
    assert (local / DONE).is_file()
    assert "scheduler = \"local\"" in (local / "config.toml").read_text(encoding="utf-8")


def test_an_interrupted_local_run_resumes_keeping_its_finished_fits(serial_and_local, tmp_path):
    config, serial, local = serial_and_local
    resumed = tmp_path / "resumed"
    shutil.copytree(local, resumed)
    # as if stopped during the fits: no DONE, no tables, one fit half-written, one never started
    for name in (DONE, "metrics.csv", *TABLES):
        (resumed / name).unlink()
    (fit_folder(resumed, "nmf", 5, 1) / "metrics.json").unlink()
    shutil.rmtree(fit_folder(resumed, "seeded-lda", 7, 2))
    kept = fit_folder(resumed, "lda", 5, 1) / "metrics.json"
    kept_mtime = kept.stat().st_mtime_ns

    run_experiment(config, resumed, scheduler="local")  # the config of the interrupted run, on a local cluster

    assert (resumed / DONE).is_file()
    assert kept.stat().st_mtime_ns == kept_mtime
    for name in TABLES:
        assert (resumed / name).read_bytes() == (serial / name).read_bytes(), name


def test_a_failing_fit_on_a_cluster_stops_the_run_unfinished_with_its_message(tmp_path, sample_path, cluster):
    # k=40 is more topics than the sample has units
    config = write_config(tmp_path, sample_path, models="\n[models.nmf]\nk = [5, 40]\nmax_iter = 100\n")
    run_dir = tmp_path / "run"
    with pytest.raises(InputError, match=r"models\.nmf \(k=40, seed=\d\): .*k=40"):
        run_experiment(config, run_dir, scheduler=cluster.scheduler_address)
    assert not (run_dir / DONE).is_file()
    for folder in (run_dir / "fits").glob("nmf-*"):  # a fit folder is complete or absent, never half-written
        assert (folder / "metrics.json").is_file(), folder


def test_an_unreachable_scheduler_is_a_one_line_error_naming_it(tmp_path, sample_path, capsys):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{probe.getsockname()[1]}"
    config = write_config(tmp_path, sample_path, models="\n[models.dictionary]\n")
    assert main(["run", str(config), "-o", str(tmp_path / "run"), "--scheduler", address]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and address in err
    assert not (tmp_path / "run").exists()  # nothing was started


@pytest.mark.parametrize("option, value, message", [
    ("--scheduler", "cluster", "scheduler must be"),
    ("--scheduler", "tls://127.0.0.1:8786", "tls:// needs certificates"),  # was a TimeoutError after 10 s
    ("--workers", "0", "workers must be an integer >= 1"),
])
def test_bad_execution_options_are_one_line_errors(tmp_path, sample_path, capsys, option, value, message):
    config = write_config(tmp_path, sample_path, models="\n[models.dictionary]\n")
    assert main(["run", str(config), option, value]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_worker_processes_beyond_the_cores_warn_and_far_beyond_are_refused(tmp_path, sample_path, capsys):
    cores = os.cpu_count() or 1
    config = write_config(tmp_path, sample_path, models="\n[models.dictionary]\n")
    too_many = WORKERS_PER_CORE * cores + 1
    assert main(["run", str(config), "-o", str(tmp_path / "run"), "--scheduler", "local", "--workers", str(too_many)]) == 2
    err = capsys.readouterr().err
    assert err == (f"topics run: error: run.workers: {too_many} worker processes for this machine's {cores} core(s); "
                   f"at most {WORKERS_PER_CORE * cores} ({WORKERS_PER_CORE} per core): each is a process doing CPU-bound "
                   f"work, so beyond the cores they add memory (about 200 MB each) and slow the run; use {cores} or fewer\n")
    assert not (tmp_path / "run").exists()  # refused before any cluster or folder
    assert check_local_workers(cores) == ""
    assert check_local_workers(cores + 1, "--workers") == (
        f"warning: --workers {cores + 1} is more than this machine's {cores} core(s): the extra worker processes add "
        "memory, not speed")


def test_bad_execution_keys_in_a_config_name_the_key(tmp_path, sample_path):
    config = write_config(tmp_path, sample_path, models="\n[models.dictionary]\n")
    text = config.read_text(encoding="utf-8").replace("progress = false", 'progress = false\nscheduler = "tcp://nowhere"')
    config.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=r"run\.scheduler must be .*tcp://host:port.*got 'tcp://nowhere'"):
        run_experiment(config, tmp_path / "run")


def test_segmentation_chunks_on_a_cluster_give_the_same_tokens_and_fill_the_cache(cluster, sample_path, tmp_path):
    units = ingest_paths([sample_path]).units
    texts = [f"{unit.text}（第{i}份）" for i in range(30) for unit in units]  # distinct texts
    assert sum(map(len, texts)) > PARALLEL_MIN_CHARS  # enough to be sent to the workers
    here = Tokenizer(cache=False, cache_dir=tmp_path / "none").tokenize(texts)
    with executor(cluster.scheduler_address, 1) as tasks:
        assert isinstance(tasks, DaskExecutor)
        on_cluster = Tokenizer(cache_dir=tmp_path / "cache", executor=tasks)
        assert on_cluster.tokenize(texts) == here
        assert on_cluster.stats["segmented"] == len(texts)
    again = Tokenizer(cache_dir=tmp_path / "cache")  # the client stored what the workers segmented
    assert again.tokenize(texts) == here and again.stats["cache_hits"] == len(texts)


def _die_once(marker: str) -> int:
    """Kills the worker process running it the first time; returns its pid the second time."""
    if not os.path.exists(marker):
        open(marker, "w").close()
        os._exit(1)
    return os.getpid()


def test_a_worker_that_dies_mid_task_is_replaced_and_the_task_run_again(cluster, tmp_path):
    with executor(cluster.scheduler_address, 1) as tasks:
        [(_, pid)] = list(tasks.map(_die_once, [str(tmp_path / "died")]))
    assert pid != os.getpid() and (tmp_path / "died").exists()


@pytest.mark.slow
def test_ctrl_c_on_a_local_cluster_says_interrupted_once_without_worker_tracebacks(tmp_path, sample_path):
    """The terminal sends Ctrl-C to every process of the group: the workers must not each print a traceback."""
    import os
    import signal
    import subprocess
    import sys
    import time

    models = "\n[models.lda]\nk = [5, 6, 7, 8, 9, 10]\npasses = 20\niterations = 100\n"
    config = write_config(tmp_path, sample_path, models=models, seeds=(1, 2, 3, 4, 5))
    run_dir = tmp_path / "run"
    # started as from a terminal: Ctrl-C not ignored, whatever this test process does with it
    proc = subprocess.Popen([sys.executable, "-m", "topics", "run", str(config), "-o", str(run_dir), "--scheduler",
                             "local", "--workers", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 180
    while not list(run_dir.glob("fits/*/metrics.json")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)  # the cluster is up and fitting: interrupt it there
    assert proc.poll() is None, "the run ended before it could be interrupted"
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130
    assert "Traceback" not in err and err.count("topics run: interrupted") == 1, err[-2000:]
    assert not (run_dir / DONE).exists()
