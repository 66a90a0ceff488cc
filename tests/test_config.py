"""Experiment configs: every mistake is a one-line error naming the key (exit 2 from the CLI),
and the resolved config (every default filled in) reads back to itself."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib

import pytest

from tests.conftest import PROJECT, SAMPLE
from topics.cli import main
from topics.config import load_config
from topics.tomlfile import to_toml
from topics.errors import InputError
from topics.models import model_params


def _toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def good_config(sample_path) -> str:
    return f"""
[run]
name = "check"
seeds = [1, 2]

[corpus]
paths = [{_toml_string(str(sample_path))}]

[models.lda]
k = 5

[models.dictionary]
"""


def write(tmp_path, text: str, name: str = "config.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_good_config_is_resolved_with_every_default(tmp_path, sample_path):
    config = load_config(write(tmp_path, good_config(sample_path)))
    assert config["run"]["seeds"] == [1, 2]
    assert config["corpus"]["paths"] == [str(sample_path)]
    assert config["models"]["lda"]["k"] == [5]
    # every model parameter is stated (no hidden defaults), the seed excepted: it comes from run.seeds
    assert set(config["models"]["lda"]) == set(model_params("lda")) - {"random_state"}
    assert set(config["models"]["dictionary"]) == set(model_params("dictionary"))
    assert config["tokenizer"]["segmenter"] == "jieba"
    assert config["evaluation"]["labels"] == "weak"


def test_saved_config_reads_back_to_the_same_config(tmp_path, sample_path):
    config = load_config(write(tmp_path, good_config(sample_path)))
    saved = write(tmp_path, to_toml(config), "saved.toml")
    tomllib.loads(saved.read_text(encoding="utf-8"))  # valid TOML
    assert to_toml(load_config(saved)) == to_toml(config)


def test_relative_paths_are_resolved_against_the_config_folder(tmp_path, sample_path):
    (tmp_path / "sub").mkdir()
    copy = tmp_path / "sample.txt"
    copy.write_bytes(sample_path.read_bytes())
    text = good_config(sample_path).replace(_toml_string(str(sample_path)), '"../sample.txt"')
    config = load_config(write(tmp_path / "sub", text))
    assert config["corpus"]["paths"] == [str(copy.resolve())]


# (what to change in the good config, words the one-line message must contain)
BAD_CONFIGS = {
    "unknown table": (lambda t: t + "\n[modles]\nx = 1\n", ["[modles]"]),
    "unknown key": (lambda t: t.replace('name = "check"', 'name = "check"\nnmae = "x"'), ["run.nmae"]),
    "unknown top-level key": (lambda t: "seeds = [1]\n" + t, ["seeds"]),
    "unknown model": (lambda t: t + "\n[models.lsa]\nk = 5\n", ["models.lsa"]),
    "unknown model parameter": (lambda t: t.replace("k = 5", "k = 5\npassess = 3"), ["models.lda.passess"]),
    "seed given as a model parameter": (lambda t: t.replace("k = 5", "k = 5\nrandom_state = 3"),
                                        ["models.lda.random_state", "run.seeds"]),
    "bad parameter value": (lambda t: t.replace("k = 5", "k = 5\npasses = 0"), ["models.lda.passes"]),
    "bad parameter type": (lambda t: t.replace("k = 5", 'k = 5\nalpha = "flat"'), ["models.lda.alpha"]),
    "parameters that do not go together": (
        lambda t: t + '\n[models.nmf]\nk = 5\nbeta_loss = "kullback-leibler"\nsolver = "cd"\n', ["models.nmf", "solver"]),
    "k below 2": (lambda t: t.replace("k = 5", "k = 1"), ["models.lda.k"]),
    "units cut too short": (lambda t: t.replace("[corpus]", "[corpus]\nmax_unit_chars = 50"),
                            ["corpus.max_unit_chars", "an integer >= 100"]),
    "k not a number": (lambda t: t.replace("k = 5", 'k = "5"'), ["models.lda.k"]),
    "k a boolean": (lambda t: t.replace("k = 5", "k = true"), ["models.lda.k"]),
    "k repeated": (lambda t: t.replace("k = 5", "k = [5, 5]"), ["models.lda.k"]),
    "k missing": (lambda t: t.replace("k = 5", ""), ["models.lda.k"]),
    "seeded k below the themes": (lambda t: t + "\n[models.seeded-lda]\nk = 3\n", ["models.seeded-lda.k", "themes"]),
    "seeded k leaving no topic for other": (lambda t: t + "\n[models.seeded-nmf]\nk = 5\n",
                                            ["models.seeded-nmf.k", ">= 7", "1 facet(s)", "other_topic = false"]),
    "k for the dictionary": (lambda t: t.replace("[models.dictionary]", "[models.dictionary]\nk = 5"),
                             ["models.dictionary.k"]),
    "a classifier trained on heading labels": (lambda t: t + "\n[models.supervised]\n",
                                               ["models.supervised", "evaluation.labels", "GOLD.tsv"]),
    "no models": (lambda t: t.replace("[models.lda]\nk = 5", "").replace("[models.dictionary]", ""), ["[models]"]),
    "seeds empty": (lambda t: t.replace("seeds = [1, 2]", "seeds = []"), ["run.seeds"]),
    "seeds repeated": (lambda t: t.replace("seeds = [1, 2]", "seeds = [1, 1]"), ["run.seeds"]),
    "seed negative": (lambda t: t.replace("seeds = [1, 2]", "seeds = [-1]"), ["run.seeds"]),
    "seed not an integer": (lambda t: t.replace("seeds = [1, 2]", "seeds = [1.5]"), ["run.seeds"]),
    "seeds not a list": (lambda t: t.replace("seeds = [1, 2]", 'seeds = "1"'), ["run.seeds"]),
    "name missing": (lambda t: t.replace('name = "check"', ""), ["run.name"]),
    "corpus.paths missing": (lambda t: t.replace("paths =", "strict = false\n#"), ["corpus.paths"]),
    "corpus path does not exist": (lambda t: t.replace("xining_chengxi_2024.txt", "no_such_file.txt"),
                                   ["corpus.paths", "no_such_file.txt"]),
    "unknown tokenizer key": (lambda t: t + '\n[tokenizer]\nsegmentr = "jieba"\n', ["tokenizer.segmentr"]),
    "bad tokenizer value": (lambda t: t + '\n[tokenizer]\nmin_chars = "2"\n', ["tokenizer.min_chars"]),
    "unknown segmenter": (lambda t: t + '\n[tokenizer]\nsegmenter = "pkuseg"\n', ["tokenizer.segmenter"]),
    "bad vocabulary value": (lambda t: t + "\n[vocabulary]\nno_above = 2\n", ["vocabulary.no_above"]),
    "vocabulary value a boolean": (lambda t: t + "\n[vocabulary]\nno_below = true\n", ["vocabulary.no_below"]),
    "keep_lexicon not a boolean": (lambda t: t + '\n[vocabulary]\nkeep_lexicon = "yes"\n', ["vocabulary.keep_lexicon"]),
    "unknown metric": (lambda t: t + '\n[evaluation]\nmetrics = ["coherence_xyz"]\n', ["evaluation.metrics", "coherence_xyz"]),
    "bad held-out fraction": (lambda t: t + "\n[evaluation]\nheldout_fraction = 0.7\n", ["evaluation.heldout_fraction"]),
    "gold file missing": (lambda t: t + '\n[evaluation]\nlabels = "gold.tsv"\n', ["evaluation.labels", "gold.tsv"]),
    "training file missing": (lambda t: t + '\n[evaluation]\ntraining = ["pooled.tsv"]\n',
                              ["evaluation.training", "pooled.tsv", "no such gold file"]),
    "training not a list of files": (lambda t: t + "\n[evaluation]\ntraining = [1]\n", ["evaluation.training"]),
    "training file given twice": (lambda t: t + f"\n[evaluation]\ntraining = [{_toml_string(str(SAMPLE))}, "
                                  f"{_toml_string(str(SAMPLE))}]\n", ["evaluation.training", "without repeats"]),
    "theme lexicon missing": (lambda t: t + '\n[themes]\nlexicon = "mine.toml"\n', ["themes.lexicon", "mine.toml"]),
    "report switch not a boolean": (lambda t: t + '\n[report]\nenabled = "yes"\n', ["report.enabled"]),
    "table given as a value": (lambda t: t.replace("[models.lda]\nk = 5", "").replace("[models.dictionary]", "")
                               .replace("[run]", 'models = "lda"\n[run]'),
                               ["[models]"]),
    "invalid TOML": (lambda t: t + "\n[run\n", ["invalid TOML"]),
}


@pytest.mark.parametrize("case", list(BAD_CONFIGS))
def test_config_mistakes_are_one_line_errors_naming_the_key(tmp_path, sample_path, case):
    change, words = BAD_CONFIGS[case]
    path = write(tmp_path, change(good_config(sample_path)))
    with pytest.raises(InputError) as caught:
        load_config(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    for word in words:
        assert word in message, f"{case}: {message!r} does not name {word!r}"


def test_missing_and_undecodable_config_files(tmp_path):
    with pytest.raises(InputError, match="no such config file"):
        load_config(tmp_path / "absent.toml")
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00name")
    with pytest.raises(InputError, match="not UTF-8"):
        load_config(binary)


@pytest.mark.parametrize("case", ["unknown model parameter", "corpus.paths missing", "invalid TOML"])
def test_cli_reports_config_mistakes_in_one_line_with_exit_2(tmp_path, sample_path, capsys, case):
    change, words = BAD_CONFIGS[case]
    path = write(tmp_path, change(good_config(sample_path)))
    assert main(["run", str(path), "-o", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("topics run: error: ")
    assert all(word in err for word in words)
    assert not (tmp_path / "run").exists()  # a bad config claims no run folder


def test_python_m_topics_run_bad_config_exits_2_without_traceback(tmp_path, sample_path):
    path = write(tmp_path, good_config(sample_path).replace("k = 5", "k = 5\npassess = 3"))
    missing = tmp_path / "absent.toml"
    for config, word in ((path, "models.lda.passess"), (missing, "no such config file")):
        done = subprocess.run([sys.executable, "-m", "topics", "run", str(config)], cwd=PROJECT,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 2
        assert "Traceback" not in done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and word in lines[0], done.stderr


def test_a_seeded_model_without_k_gets_its_seeded_topics(tmp_path, sample_path):
    """As the README says: themes + facets + other (7 with the package's lexicon); unseeded models need k."""
    text = good_config(sample_path) + "\n[models.seeded-lda]\n\n[models.seeded-nmf]\nother_topic = false\n"
    config = load_config(write(tmp_path, text))
    assert config["models"]["seeded-lda"]["k"] == [7] and config["models"]["seeded-nmf"]["k"] == [6]


def test_a_pipe_given_as_a_config_lexicon_or_gold_file_is_named_as_such_and_never_read(tmp_path, sample_path):
    import os

    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)  # reading it would block for ever: it must be refused before any read
    cases = [(str(pipe), "pipe"),
             (write(tmp_path, good_config(sample_path) + f'\n[themes]\nlexicon = "{pipe}"\n', "a.toml"),
              "themes.lexicon"),
             (write(tmp_path, good_config(sample_path) + f'\n[evaluation]\nlabels = "{pipe}"\n', "b.toml"),
              "evaluation.labels")]
    for config, key in cases:
        with pytest.raises(InputError, match=rf"{key}.*not a regular file \(named pipe\)"):
            load_config(config)
