import subprocess
import sys

from topics.cli import main


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
