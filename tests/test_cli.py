import os
import subprocess
import sys

import pytest

from topics.cli import BROKEN_PIPE, main
from topics.errors import listed
from topics.outputs import open_output


def test_help_lists_commands(capsys):
    try:
        main(["--help"])
    except SystemExit as exit_:
        assert exit_.code == 0
    out = capsys.readouterr().out
    assert "usage: topics" in out


def test_unknown_command_exits_2():
    proc = subprocess.run([sys.executable, "-m", "topics", "no-such-command"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "invalid choice" in proc.stderr
    assert "Traceback" not in proc.stderr


# loaded only by the work that needs them: each takes a tenth of a second to a second to import
HEAVY = ("pandas", "scipy", "statsmodels", "datasketch", "matplotlib", "patsy", "sklearn", "gensim", "jieba", "rjieba")


@pytest.mark.parametrize("arguments", [["--help"], ["tokenize", "{tmp}/none.jsonl", "-o", "{tmp}/tokens.jsonl"],
                                       ["report", "{tmp}"]])
def test_commands_reach_their_first_step_without_the_heavy_libraries(tmp_path, arguments):
    arguments = [part.format(tmp=tmp_path) for part in arguments]
    script = ("import sys\nfrom topics.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
              f"print(*sorted(m for m in {HEAVY!r} if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", script, *arguments], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "error" in proc.stderr or arguments == ["--help"]  # the command stopped at its first step
    assert proc.stdout.splitlines()[-1] == "", f"topics {arguments[0]} loaded {proc.stdout.splitlines()[-1]}"


def test_output_paths_that_are_folders_give_one_line_errors(tmp_path, sample_path):
    units = tmp_path / "units.jsonl"
    ingest = subprocess.run([sys.executable, "-m", "topics", "ingest", str(sample_path), "-o", str(units)],
                            capture_output=True, text=True)
    assert ingest.returncode == 0, ingest.stderr
    for command in (["tokenize", str(units), "-o", str(tmp_path)],
                    ["slogans", str(units), "-o", str(tmp_path)],
                    ["ingest", str(sample_path), "-o", str(tmp_path)]):
        proc = subprocess.run([sys.executable, "-m", "topics", *command], capture_output=True, text=True)
        assert proc.returncode == 2, (command, proc.stderr)
        assert "is a folder" in proc.stderr and "Traceback" not in proc.stderr


def test_outputs_in_new_folders_are_created(tmp_path, sample_path):
    units = tmp_path / "units.jsonl"
    subprocess.run([sys.executable, "-m", "topics", "ingest", str(sample_path), "-o", str(units)], check=True,
                   capture_output=True)
    tokens = tmp_path / "new" / "folder" / "tokens.jsonl"
    proc = subprocess.run([sys.executable, "-m", "topics", "tokenize", str(units), "-o", str(tokens)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert len(tokens.read_text(encoding="utf-8").splitlines()) == len(units.read_text(encoding="utf-8").splitlines())


def test_output_into_a_pipe_nobody_reads_ends_quietly(tmp_path, sample_path):
    # the reading end is closed before the command starts, as when `head -1` has gone: every write fails
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run([sys.executable, "-m", "topics", "ingest", str(sample_path), "-o", str(tmp_path / "u.jsonl")],
                              stdout=write_end, stderr=subprocess.PIPE, text=True)
    finally:
        os.close(write_end)
    assert proc.returncode == BROKEN_PIPE == 141
    assert proc.stderr == ""  # no traceback, no "Exception ignored" at exit
    assert (tmp_path / "u.jsonl").exists()  # the work itself was done


def test_listed_caps_lists_inside_messages():
    assert listed(["a", "b"]) == "a, b"
    assert listed(range(47)) == "0, 1, 2, 3, 4, 5, 6, 7, 8, 9, … and 37 more"
    assert listed([], limit=3) == ""


def test_an_output_is_replaced_whole_or_not_at_all(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with open_output(path) as out:
            out.write("half of the new")
            raise RuntimeError("the work failed midway")
    assert path.read_text(encoding="utf-8") == "old"
    with open_output(path) as out:
        out.write("new")
    assert path.read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]  # no temporary file left behind
