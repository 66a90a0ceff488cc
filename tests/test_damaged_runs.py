"""Damaged run folders and saved models: every command that reads them stops with one line naming the
file, and a resumed run fits a damaged fit again instead of crashing."""

from __future__ import annotations

import shutil

import pytest

from conftest import SAMPLE
from test_runner import write_config
from topics.cli import main
from topics.run_files import DONE, fit_folder

MODELS = """
[models.dictionary]

[models.lda]
k = 5
passes = 2
iterations = 10

[models.sklearn-lda]
k = 5
max_iter = 3

[models.nmf]
k = 5
max_iter = 50
"""

# (model, file in its folder, how it is damaged)
DAMAGE = [
    ("dictionary", "result.npz", "cut"),  # numpy's zip: BadZipFile
    ("lda", "lda.gensim", "garbage"),  # a pickle: UnpicklingError
    ("lda", "lda.gensim.expElogbeta.npy", "garbage"),  # numpy array: ValueError
    ("lda", "lda.gensim.expElogbeta.npy", "delete"),  # FileNotFoundError
    ("sklearn-lda", "sklearn_lda.pkl", "cut"),
    ("nmf", "nmf.npz", "garbage"),
    ("nmf", "result.json", "cut"),
]


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    folder = tmp_path_factory.mktemp("damaged")
    config = write_config(folder, SAMPLE, models=MODELS, seeds=(1,), report=True)
    assert main(["run", str(config), "-o", str(folder / "run"), "--no-progress"]) == 0
    return config, folder / "run"


def damage(path, how: str) -> None:
    if how == "delete":
        path.unlink()
    elif how == "cut":
        path.write_bytes(path.read_bytes()[: max(1, path.stat().st_size // 3)])
    else:
        path.write_bytes(b"\x00not what was saved\xff" * 3)


def copy_run(finished, tmp_path):
    config, run_dir = finished
    copied = tmp_path / "run"
    shutil.copytree(run_dir, copied)
    return config, copied


def one_error_line(capsys) -> str:
    printed = capsys.readouterr()
    text = printed.out + printed.err
    assert "Traceback" not in text, text
    errors = [line for line in text.splitlines() if ": error: " in line]
    assert len(errors) == 1, text
    return errors[0]


def model_file(folder, name: str):
    matches = sorted(folder.glob(name))
    assert matches, f"{name} not in {folder}: {[p.name for p in folder.iterdir()]}"
    return matches[0]


@pytest.mark.parametrize("model, name, how", DAMAGE, ids=[f"{m}-{n}-{h}" for m, n, h in DAMAGE])
def test_assign_and_evaluate_name_the_damaged_model(finished, tmp_path, capsys, model, name, how):
    _, run_dir = copy_run(finished, tmp_path)
    damage(model_file(run_dir / "models" / model, name), how)
    assert main(["assign", str(run_dir / "models" / model), str(SAMPLE), "-o", str(tmp_path / "out.csv"),
                 "--no-progress"]) == 2
    assert f"models/{model}" in one_error_line(capsys)
    assert not (tmp_path / "out.csv").exists()
    gold = tmp_path / "gold.tsv"
    gold.write_text("doc\tunit\tlabel\theading\ttext\nx\tu1\tecology\t\t持续推进污染防治，改善生态环境质量。\n",
                    encoding="utf-8")
    assert main(["evaluate", str(run_dir), "--gold", str(gold), "-o", str(tmp_path / "scores.csv")]) == 2
    assert f"models/{model}" in one_error_line(capsys)


@pytest.mark.parametrize("model, name, how", DAMAGE[:3], ids=[f"{m}-{n}-{h}" for m, n, h in DAMAGE[:3]])
def test_a_resumed_run_fits_a_damaged_fit_again(finished, tmp_path, capsys, model, name, how):
    config, run_dir = copy_run(finished, tmp_path)
    k = 6 if model == "dictionary" else 5
    fit_dir = fit_folder(run_dir, model, k, 1)
    damage(model_file(fit_dir, name), how)
    (run_dir / DONE).unlink()  # as if it stopped before the end
    assert main(["run", str(config), "-o", str(run_dir), "--no-progress"]) == 0
    printed = capsys.readouterr()
    assert f"warning: {fit_dir}: damaged, fitted again" in printed.err
    assert (run_dir / DONE).is_file()
    assert main(["assign", str(run_dir / "models" / model), str(SAMPLE), "-o", str(tmp_path / "out.csv"),
                 "--no-progress"]) == 0


@pytest.mark.parametrize("name, content, message", [
    ("theme_shares.csv", None, "theme_shares.csv: damaged table (the file ends in the middle of a row)"),
    ("assignments.csv", None, "assignments.csv: damaged table"),
    ("config.toml", "[run\nname = ", "config.toml: invalid TOML in run config"),
    ("corpus_summary.json", '{"documents": 1,', "corpus_summary.json: damaged JSON"),
])
def test_report_refuses_damaged_run_files(finished, tmp_path, capsys, name, content, message):
    _, run_dir = copy_run(finished, tmp_path)
    (run_dir / "report.html").unlink()
    path = run_dir / name
    if content is None:  # cut in the middle of a row
        text = path.read_text(encoding="utf-8")
        path.write_text(text[: len(text) * 2 // 3].rstrip("\n"), encoding="utf-8")
    else:
        path.write_text(content, encoding="utf-8")
    assert main(["report", str(run_dir), "--no-progress"]) == 2
    assert message in one_error_line(capsys)
    assert not (run_dir / "report.html").exists()


def test_report_names_an_old_page_it_cannot_replace(finished, tmp_path, capsys):
    _, run_dir = copy_run(finished, tmp_path)
    stuck = run_dir / "ldavis" / "gone-model.html"
    stuck.mkdir()  # a folder where an old page was: unlink fails, as it does without permission
    assert main(["report", str(run_dir), "--no-progress"]) == 2
    assert "gone-model.html: cannot replace this file of an earlier report" in one_error_line(capsys)


@pytest.fixture
def small_disk(tmp_path):
    """A real 200 KB file system (tmpfs), so that writing fills it; skipped where mounting is not allowed."""
    import subprocess

    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {mounted.stderr.decode(errors='replace').strip()}")
    yield folder
    subprocess.run(["umount", str(folder)], check=False)


def test_a_full_disk_is_one_line_and_leaves_no_half_file_and_no_done(small_disk, tmp_path, capsys):
    run_dir = small_disk / "run"
    config = write_config(tmp_path, SAMPLE, models=MODELS, seeds=(1,), report=True)
    assert main(["run", str(config), "-o", str(run_dir)]) == 2
    err = capsys.readouterr().err.splitlines()
    errors = [line for line in err if line.startswith("topics run: error:")]
    assert len(errors) == 1 and "No space left on device" in errors[0] and errors[0] == err[-1]
    assert not any("Traceback" in line for line in err)
    assert not (run_dir / DONE).exists()
    assert not [path for path in small_disk.rglob("*partial*")]  # nothing half-written kept
    # a finished run elsewhere, its shares written to the disk the failed run filled
    finished = tmp_path / "finished"
    assert main(["run", str(config), "-o", str(finished)]) == 0
    capsys.readouterr()
    assert main(["shares", str(finished), "--draws", "20", "-o", str(small_disk / "shares.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device" in err
    assert not [path for path in small_disk.rglob("*partial*")]
