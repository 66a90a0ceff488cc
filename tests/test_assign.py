"""topics assign MODEL_DIR INPUT... [-o out.csv]: themes for new text with a saved model, tokenized
with the tokenizer settings saved with it."""

from __future__ import annotations

import io
import warnings

import pandas as pd
import pytest

from model_helpers import FAST_PARAMS, SAMPLE, sample_units_and_tokens
from topics.cli import main
from topics.ingest import write_units
from topics.models import load_model, make_model
from topics.lexicon import Lexicon
from topics.mapping import apply_mapping
from topics.assignment import ASSIGNMENT_COLUMNS, assignments
from topics.vectorize import build_corpus


def saved_model(folder, name="seeded-nmf", tokenizer_settings=None):
    units, tokens = sample_units_and_tokens()
    corpus = build_corpus(tokens, no_below=1, no_above=0.9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = make_model(name, **FAST_PARAMS[name]).fit(corpus, Lexicon.load().themes)
    apply_mapping(model.result_, model.lexicon_)  # the stage after fitting, as `topics run` does
    model.save(folder, tokenizer_settings=tokenizer_settings if tokenizer_settings is not None else {})
    return model


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("model") / "seeded-nmf"
    saved_model(folder)
    return folder


def test_assign_raw_files(model_dir, tmp_path, capsys):
    out = tmp_path / "out" / "assigned.csv"
    assert main(["assign", str(model_dir), str(SAMPLE), "-o", str(out), "--no-progress"]) == 0
    table = pd.read_csv(out, keep_default_na=False)
    assert list(table.columns) == ASSIGNMENT_COLUMNS
    units, tokens = sample_units_and_tokens()
    assert table["unit_id"].tolist() == [u.unit_id for u in units]
    assert (table["model"] == "seeded-nmf").all()
    # the same themes as the model gives the same units directly
    model = load_model(model_dir)
    expected = assignments(model.result_, units, doc_topic=model.transform(tokens), known_tokens=model.known_tokens(tokens))
    assert table["theme"].tolist() == expected["theme"].tolist()
    assert table["p"].tolist() == pytest.approx(expected["p"].tolist())
    assert f"{len(units)} units of 2 documents assigned with seeded-nmf" in capsys.readouterr().err


def test_assign_units_jsonl_to_stdout(model_dir, tmp_path, capsys):
    units, _ = sample_units_and_tokens()
    units_file = write_units(units, tmp_path / "units.jsonl")
    assert main(["assign", str(model_dir), str(units_file), "--no-progress"]) == 0
    printed = capsys.readouterr()
    table = pd.read_csv(io.StringIO(printed.out), keep_default_na=False)
    assert table["unit_id"].tolist() == [u.unit_id for u in units]
    assert set(table["theme"]) <= set(Lexicon.load().themes) | {"other"}

    assert main(["assign", str(model_dir), str(SAMPLE), "-o", str(tmp_path / "raw.csv"), "--no-progress"]) == 0
    raw = pd.read_csv(tmp_path / "raw.csv", keep_default_na=False)
    pd.testing.assert_frame_equal(table, raw)


def test_assign_uses_the_saved_tokenizer_settings(tmp_path, capsys):
    # a model saved with settings that drop every word of its vocabulary can only answer "other"
    folder = tmp_path / "model"
    model = saved_model(folder, name="nmf")
    saved_model(folder, name="nmf", tokenizer_settings={"extra_stopwords": list(model.vocab_)})
    out = tmp_path / "out.csv"
    assert main(["assign", str(folder), str(SAMPLE), "-o", str(out), "--no-progress"]) == 0
    table = pd.read_csv(out, keep_default_na=False)
    assert (table["theme"] == "other").all() and (table["p"] == 0).all()
    assert "without any word of the model's vocabulary" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args, message",
    [
        (["{damaged}", str(SAMPLE)], "not a saved model folder (no model.json)"),
        (["{model}"], "give the report files or folders to assign after the model"),
        (["{model}", "{tmp}/missing.txt"], "missing.txt: no such file or folder"),
        (["{model}", "{units}", str(SAMPLE)], "a units.jsonl must be the only INPUT"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(model_dir, tmp_path, capsys, args, message):
    units, _ = sample_units_and_tokens()
    units_file = write_units(units, tmp_path / "units.jsonl")
    damaged = tmp_path / "damaged"  # a model folder that lost its model.json
    damaged.mkdir()
    (damaged / "result.json").write_bytes((model_dir / "result.json").read_bytes())
    filled = [a.format(tmp=tmp_path, model=model_dir, units=units_file, damaged=damaged) for a in args]
    assert main(["assign", *filled, "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("topics assign: error:") and message in err and err.count("\n") == 1


def test_skipped_files_and_records_are_reported_as_ingest_reports_them(model_dir, tmp_path, capsys):
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "2024_西宁市城西区.txt").write_bytes(SAMPLE.read_bytes())
    (folder / "empty.txt").write_bytes(b"")
    (folder / "rows.jsonl").write_text('{"text": "坚持生态优先、绿色发展。"}\n{"txt": "没有正文字段"}\n', encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["assign", str(model_dir), str(folder), "-o", str(out), "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert f"topics assign: files skipped: 1\ntopics assign:   {folder / 'empty.txt'}: empty file\n" in err
    assert f"topics assign:   {folder / 'rows.jsonl'}:2: no 'text' or 'content' field" in err
    assert "; files skipped: 1; records skipped: 1 → " in err  # the closing summary counts them
    assert out.exists()

    assert main(["assign", str(model_dir), str(folder), "-o", str(tmp_path / "strict.csv"), "--strict",
                 "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err == f"topics assign: error: {folder / 'empty.txt'}: empty file\n"
    assert not (tmp_path / "strict.csv").exists()


def test_model_trained_with_learned_collocations_is_refused(tmp_path, capsys):
    # collocations are learned per tokenize call and not saved: new text would be joined differently
    folder = tmp_path / "with-phrases"
    saved_model(folder, tokenizer_settings={"phrases": True})
    assert main(["assign", str(folder), str(SAMPLE), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "tokenizer_settings.phrases" in err and "refit with phrases = false" in err and err.count("\n") == 1
