"""The pretrained model shipped in the package: `topics assign` with no model folder, `topics.load("pretrained")`,
`[models.pretrained]` in a run with no labels, its provenance, and the shipped files being exactly what
experiments/train_pretrained.py builds from ../shared/corpora and the coded sets."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from importlib import metadata

import numpy as np
import pandas as pd
import pytest

import topics
from conftest import PROJECT, SAMPLE
from test_evaluate import HAND_LABELS
from test_runner import write_config
from topics.cli import main
from topics.errors import InputError
from topics.models import PRETRAINED_DIR, load_model, load_pretrained
from topics.models.pretrained import ARRAYS_FILE, META_FILE, UNITS_FILE, read_arrays
from topics.report.page import model_note
from topics.run_files import FIT_WARNINGS, fit_folder
from topics.running import run_experiment

SHIPPED = [ARRAYS_FILE, META_FILE, UNITS_FILE]
META = json.loads((PRETRAINED_DIR / META_FILE).read_text(encoding="utf-8"))


def assigned(args, tmp_path, name="out.csv") -> pd.DataFrame:
    out = tmp_path / name
    assert main(["assign", *args, "-o", str(out), "--no-progress"]) == 0
    return pd.read_csv(out, keep_default_na=False)


def test_assign_without_a_model_folder_uses_the_shipped_model(tmp_path, capsys):
    table = assigned([str(SAMPLE)], tmp_path)
    err = capsys.readouterr().err
    assert (table["model"] == "pretrained").all()
    assert "assigned with pretrained (6 topics)" in err
    assert f"learnt from {META['provenance']['cross_validated']['units']:,} hand-coded units" in err
    # the sample's hand-coded units, which it never saw, get the labels their coder gave them
    themes = table.set_index("unit_id")["theme"]
    right = sum(themes[unit] == label for unit, label in HAND_LABELS.items())
    assert right >= 12, themes[list(HAND_LABELS)].tolist()
    # naming it gives the same table
    pd.testing.assert_frame_equal(assigned(["pretrained", str(SAMPLE)], tmp_path, "named.csv"), table)


def test_the_python_api_loads_it_by_name():
    texts = ["持续打好蓝天碧水净土保卫战，推进山水林田湖草沙一体化保护和系统治理。",
             "深入开展安全生产治本攻坚三年行动，坚决遏制重特大事故发生，提升防灾减灾救灾能力。",
             "新增城镇就业，办好人民满意的教育，健全养老服务体系，提高基本医疗保障水平。"]
    table = topics.load("pretrained").assign(texts)
    assert table["theme"].tolist() == ["ecology", "safety", "livelihood"]
    assert {f"p_{label}" for label in META["labels"]} <= set(table.columns)


def test_a_run_uses_it_with_no_labels_and_saves_it_for_assign(sample_path, tmp_path, capsys):
    config = write_config(tmp_path, sample_path, models="\n[models.pretrained]\n", seeds=(1, 2))
    run = run_experiment(config, tmp_path / "run")  # weak labels: nothing to learn, nothing refused
    manifest = json.loads((run / "fits.json").read_text(encoding="utf-8"))
    assert [(fit["model"], fit["k"], fit["needs_labels"], fit["pretrained"]) for fit in manifest["fits"]] == [
        ("pretrained", 6, False, True)]
    # the report says what its topics are (not a lexicon baseline, which also has no k and seeded topics)
    assert "pretrained classifier" in model_note(manifest["fits"][0])
    table = pd.read_csv(run / "assignments.csv", keep_default_na=False)
    # read through the run's vocabulary, it gives the sample's units the themes the shipped model gives them
    shipped = assigned([str(SAMPLE)], tmp_path).set_index("unit_id")["theme"]
    same = (table.set_index("unit_id")["theme"] == shipped[table["unit_id"]]).mean()
    assert same >= 0.9, same
    # the run's saved model assigns as the run did, and keeps the shipped files with it
    saved = run / "models" / "pretrained"
    assert all((saved / name).read_bytes() == (PRETRAINED_DIR / name).read_bytes() for name in SHIPPED)
    capsys.readouterr()
    again = assigned([str(saved), str(SAMPLE)], tmp_path, "saved.csv").set_index("unit_id")
    assert "on reports it did not learn from it agrees with hand coding at macro-F1" in capsys.readouterr().err
    fitted = table.set_index("unit_id")
    assert (again.loc[fitted.index, "theme"] == fitted["theme"]).all()
    assert type(load_model(saved)).__name__ == "Pretrained"


def test_a_lexicon_with_other_themes_is_refused_by_the_config(sample_path, tmp_path):
    lexicon = tmp_path / "two.toml"
    lexicon.write_text('[themes.economy]\nwords = ["经济", "产业"]\n[themes.people]\nwords = ["就业", "教育"]\n',
                       encoding="utf-8")
    config = write_config(tmp_path, sample_path, models="\n[models.pretrained]\n")
    config.write_text(config.read_text(encoding="utf-8") + f'\n[themes]\nlexicon = "{lexicon.as_posix()}"\n',
                      encoding="utf-8")
    with pytest.raises(InputError, match=r"models\.pretrained: it assigns the labels it was trained on \(ecology, "
                                         r"industry, livelihood, governance, safety, other\), but the lexicon's themes "
                                         r"are economy, people"):
        run_experiment(config, tmp_path / "run")


def test_its_provenance_names_what_it_learnt_from_without_any_text():
    provenance = META["provenance"]
    assert provenance["package"] == metadata.version("gwr-topics")
    assert provenance["built_by"] == "experiments/train_pretrained.py"
    assert re.fullmatch(r"[0-9a-f]{12}", provenance["codebook"]["sha1"])
    with (PRETRAINED_DIR / UNITS_FILE).open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert list(rows[0]) == ["unit_id", "set", "label", "text_sha1"]
    assert all(re.fullmatch(r"[0-9a-f]{12}", row["text_sha1"]) for row in rows)
    # every text the project coded, once, with the label its set gives it: 13 units of the hprc 1959 edition,
    # which holds its report twice, are the same text as a unit coded before them
    coded = {}
    for name, entry in provenance["coded_sets"].items():
        with (PROJECT / entry["file"]).open(encoding="utf-8") as handle:
            records = list(csv.DictReader((line for line in handle if not line.startswith("#")), delimiter="\t"))
        assert entry["units"] == sum(row["set"] == name for row in rows) <= len(records)
        coded.update({record["unit_id"]: (name, record["label"]) for record in records})
    learnt = {row["unit_id"]: (row["set"], row["label"]) for row in rows}
    assert learnt.items() <= coded.items() and len(coded) == 1270
    assert len({row["text_sha1"] for row in rows}) == len(rows) == 1257
    assert set(provenance["coded_sets"]) == {"dev", "a", "b", "c", "d"}
    scores = provenance["cross_validated"]
    assert scores["units"] == len(rows) and 0.85 <= scores["macro_f1"] <= 1
    assert set(scores["by_source"]) == {"cities", "provinces", "Hailar district", "State Council 1954–1979",
                                        "State Council 1980–"}
    assert scores["calibration_error"] < scores["calibration_error_at_temperature_1"]
    assert META["params"]["temperature"] < 1


def test_it_is_small_and_goes_into_the_distribution(tmp_path):
    size = sum((PRETRAINED_DIR / name).stat().st_size for name in SHIPPED)
    assert size < 1_000_000, size
    # what setuptools puts into a wheel: the package's modules and its data files
    built = subprocess.run([sys.executable, "-c", "import setuptools; setuptools.setup()", "-q", "build_py",
                            "--build-lib", str(tmp_path)], cwd=PROJECT, capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-2000:]
    for name in SHIPPED:
        assert (tmp_path / "topics" / "pretrained" / name).read_bytes() == (PRETRAINED_DIR / name).read_bytes()


def test_a_missing_or_damaged_file_is_one_line(tmp_path):
    with pytest.raises(InputError, match=rf"^{tmp_path / META_FILE}: missing; the package's pretrained model is not "
                                         "installed"):
        load_pretrained(tmp_path)
    for name in SHIPPED:
        (tmp_path / name).write_bytes((PRETRAINED_DIR / name).read_bytes())
    (tmp_path / ARRAYS_FILE).write_bytes(b"not a zip")
    with pytest.raises(InputError, match=rf"^{tmp_path / ARRAYS_FILE}: missing or damaged"):
        load_pretrained(tmp_path)


@pytest.mark.corpora
@pytest.mark.slow
def test_the_shipped_files_are_what_train_pretrained_builds(shared_corpora, tmp_path):
    installed = {name: metadata.version(name) for name in META["provenance"]["versions"]}
    if installed != META["provenance"]["versions"]:  # other library versions may round differently
        pytest.skip(f"built with {META['provenance']['versions']}, installed: {installed}")
    sys.path.insert(0, str(PROJECT / "experiments"))
    try:
        from train_pretrained import build
    finally:
        sys.path.pop(0)
    build(tmp_path)
    for name in (META_FILE, UNITS_FILE):
        assert (tmp_path / name).read_bytes() == (PRETRAINED_DIR / name).read_bytes(), (
            f"{name} differs from what experiments/train_pretrained.py builds: run it and commit the files")
    # the weights to the last bits of single precision: on another processor the solver's sums may round in
    # another order (seen: 2 of 199,038 weights 6e-11 apart)
    built, shipped = read_arrays(tmp_path), read_arrays(PRETRAINED_DIR)
    assert built.keys() == shipped.keys()
    for name, array in shipped.items():
        assert built[name].dtype == array.dtype and built[name].shape == array.shape, name
        if array.dtype.kind == "f":
            assert np.allclose(built[name], array, rtol=1e-6, atol=1e-9), (
                f"{ARRAYS_FILE}: {name} differs from what experiments/train_pretrained.py builds: run it and commit "
                "the files")
        else:
            assert np.array_equal(built[name], array), name


def test_a_run_adapts_it_to_its_coded_units_and_saves_the_adapted_weights(sample_path, tmp_path, capsys):
    """[models.pretrained-adapted]: the shipped weights moved toward the run's coded units. It learns the codes
    (its cross-validated shares are those of a model adapted without the unit), warns that thin labels keep the
    shipped weights, is described as what it is, and its saved folder assigns as the run did."""
    from test_evaluate import HEADER, config_text, gold_lines

    gold = tmp_path / "gold.tsv"
    gold.write_text(HEADER + "".join(gold_lines(SAMPLE, HAND_LABELS)), encoding="utf-8")
    models = "\n[models.pretrained]\n\n[models.pretrained-adapted]\n"
    config = tmp_path / "config.toml"
    config.write_text(config_text(SAMPLE, models, labels=str(gold)), encoding="utf-8")
    run = run_experiment(config, tmp_path / "run")
    manifest = {fit["model"]: fit for fit in json.loads((run / "fits.json").read_text(encoding="utf-8"))["fits"]}
    adapted = manifest["pretrained-adapted"]
    assert adapted["needs_labels"] and adapted["pretrained"] and "adapted to the hand-coded units" in model_note(adapted)
    warned = (fit_folder(run, "pretrained-adapted", 6, 1) / FIT_WARNINGS).read_text(encoding="utf-8")
    assert "pretrained-adapted: few coded units of ecology (2), industry (3)" in warned
    assert "stay close to the shipped model's" in warned

    saved = run / "models" / "pretrained-adapted"
    assert (saved / ARRAYS_FILE).read_bytes() != (PRETRAINED_DIR / ARRAYS_FILE).read_bytes()
    meta = json.loads((saved / META_FILE).read_text(encoding="utf-8"))
    assert meta["provenance"]["adapted_with"]["labels"] == {"ecology": 2, "industry": 3, "livelihood": 2,
                                                            "governance": 2, "safety": 1, "other": 3}
    assert (saved / UNITS_FILE).read_bytes() == (PRETRAINED_DIR / UNITS_FILE).read_bytes()
    assert type(load_model(saved)).__name__ == "AdaptedPretrained"
    table = pd.read_csv(run / "assignments.csv", keep_default_na=False)
    fitted = table[table["model"] == "pretrained-adapted"].set_index("unit_id")
    capsys.readouterr()
    again = assigned([str(saved), str(SAMPLE)], tmp_path, "saved.csv").set_index("unit_id")
    # assign says what the folder's model is, and that the shipped model's score is not its own
    err = capsys.readouterr().err
    assert "the package's pretrained model adapted to 13 hand-coded units of a run" in err and "macro-F1" not in err
    uncoded = [unit for unit in fitted.index if unit not in HAND_LABELS]  # the coded ones' shares are cross-validated
    assert len(uncoded) == 4 and (again.loc[uncoded, "theme"] == fitted.loc[uncoded, "theme"]).all()
