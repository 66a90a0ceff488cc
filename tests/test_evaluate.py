"""`topics evaluate RUN_DIR --gold GOLD.tsv` and gold labels in a run, on the bundled sample
with a gold file labelled by hand."""

from __future__ import annotations

import json
import math
import shutil

import pandas as pd
import pytest

from test_runner import small_models
from topics import OTHER
from topics.cli import main
from topics.errors import InputError
from topics.evaluation import evaluate_run, match_gold, read_gold, text_sha1
from topics.ingest import ingest_paths
from topics.run_files import DONE
from topics.running import run_experiment
from topics.lexicon import Lexicon

# Labelled by reading each unit of the sample: the ten enumerated theme units of its two articles
# by what they are about, and three opening/closing paragraphs that praise the report or pledge
# effort in general terms as 'other'.
HAND_LABELS = {
    "xining_chengxi_2024#1:u000": "other",  # praise of the work report
    "xining_chengxi_2024#1:u002": "ecology",  # 生态文明建设, 环保督察, 无废城市
    "xining_chengxi_2024#1:u003": "industry",  # 数字经济, 产业链, 新能源企业总部
    "xining_chengxi_2024#1:u004": "livelihood",  # 教育, 医疗, 养老, 就业
    "xining_chengxi_2024#1:u005": "governance",  # 平安建设, 矛盾纠纷, 基层治理
    "xining_chengxi_2024#1:u006": "safety",  # 安全生产, 消防, 地质灾害, 防汛
    "xining_chengxi_2024#2:u000": "other",  # praise of the work report
    # (u001–u003: the parts of the review of 2023, a paragraph on every theme, cut at [corpus] max_unit_chars)
    "xining_chengxi_2024#2:u004": "other",  # general pledge to serve the city's development
    "xining_chengxi_2024#2:u005": "ecology",  # 环保督察整改, 国土绿化, 水生态治理
    "xining_chengxi_2024#2:u006": "industry",  # 新能源企业总部圈, 文商旅, 跨境电商
    "xining_chengxi_2024#2:u007": "industry",  # 算力, 数字经济, 金融, 新业态
    "xining_chengxi_2024#2:u008": "livelihood",  # 就业, 学位, 养老
    "xining_chengxi_2024#2:u009": "governance",  # 城市运行管理, 网格, 社区治理
}
HEADER = "doc\tunit\tlabel\theading\ttext\n"
MODELS = small_models("dictionary", "nmf", "seeded-lda")


def config_text(sample_path, models: str = MODELS, labels: str = "weak") -> str:
    return f"""
[run]
name = "gold"
seeds = [1]
progress = false

[corpus]
paths = [{json.dumps(str(sample_path), ensure_ascii=False)}]

[vocabulary]
no_below = 1
no_above = 0.6

[themes]
# gold units are assigned one by one, without their report around them: so that a run's own assignments
# can be reproduced from a gold file, the run gives a unit's section and heading no weight either
section_weight = 0.0
heading_bonus = 0.0

[evaluation]
labels = {json.dumps(labels, ensure_ascii=False)}

[report]
enabled = false
{models}"""


def gold_lines(sample_path, labels: dict[str, str], *, short_unit_ids: bool = True) -> list[str]:
    """Gold rows with the units' real heading and text; the unit column as a gold coder writes it."""
    units = {unit.unit_id: unit for unit in ingest_paths([sample_path]).units}
    lines = []
    for unit_id, label in labels.items():
        unit = units[unit_id]
        column = unit_id.removeprefix(unit.doc_id + ":") if short_unit_ids else unit_id
        lines.append(f"{unit.doc_id}\t{column}\t{label}\t{unit.heading}\t{unit.text}\n")
    return lines


@pytest.fixture(scope="module")
def gold_path(tmp_path_factory, sample_path):
    path = tmp_path_factory.mktemp("gold") / "gold.tsv"
    path.write_text(HEADER + "".join(gold_lines(sample_path, HAND_LABELS)), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, sample_path):
    folder = tmp_path_factory.mktemp("run")
    config = folder / "config.toml"
    config.write_text(config_text(sample_path), encoding="utf-8")
    return run_experiment(config, folder / "run")


def test_every_saved_model_is_scored_against_the_gold_file(run_dir, gold_path):
    table = evaluate_run(run_dir, gold_path)
    labels = [*Lexicon.load().themes, OTHER]
    assert table["model"].tolist() == ["dictionary", "nmf", "seeded-lda"]
    assert list(table.columns) == ["model", "units", "no_vocabulary", "accuracy", "macro_f1",
                                   *[f"f1_{label}" for label in labels], "nmi", "ari"]
    assert (table["units"] == len(HAND_LABELS)).all()
    assert (table["no_vocabulary"] == 0).all()  # every hand-coded unit has words of the sample's vocabulary
    for column in ["accuracy", "macro_f1", *[f"f1_{label}" for label in labels], "nmi"]:
        assert table[column].between(0, 1).all(), column
    assert table["ari"].between(-1, 1).all()


def test_evaluate_agrees_with_the_runs_own_assignments(run_dir, gold_path):
    # The dictionary baseline and the LDA family assign a text the same way in the run and in evaluate
    # (LDA's inference is re-seeded), so a model's gold accuracy must be the share of gold units whose
    # theme in assignments.csv is the gold label.
    assigned = pd.read_csv(run_dir / "assignments.csv", keep_default_na=False)
    scores = evaluate_run(run_dir, gold_path).set_index("model")
    for model in ("dictionary", "seeded-lda"):
        theme = assigned[assigned["model"] == model].set_index("unit_id")["theme"]
        expected = sum(theme[unit] == label for unit, label in HAND_LABELS.items()) / len(HAND_LABELS)
        assert scores.at[model, "accuracy"] == pytest.approx(expected), model


def test_a_model_agrees_fully_with_a_gold_file_made_from_its_own_assignments(run_dir, sample_path, tmp_path):
    assigned = pd.read_csv(run_dir / "assignments.csv", keep_default_na=False)
    own = dict(zip(*assigned.loc[assigned["model"] == "dictionary", ["unit_id", "theme"]].T.values))
    path = tmp_path / "own.tsv"
    path.write_text(HEADER + "".join(gold_lines(sample_path, own, short_unit_ids=False)), encoding="utf-8")
    scores = evaluate_run(run_dir, path).set_index("model")
    assert scores.at["dictionary", "accuracy"] == 1.0
    assert scores.at["dictionary", "macro_f1"] == 1.0


def test_cli_writes_one_row_per_model(run_dir, gold_path, tmp_path, capsys):
    out = tmp_path / "scores.csv"
    assert main(["evaluate", str(run_dir), "--gold", str(gold_path), "-o", str(out)]) == 0
    assert pd.read_csv(out)["model"].tolist() == ["dictionary", "nmf", "seeded-lda"]
    assert str(out) in capsys.readouterr().out


def test_cli_says_how_many_gold_units_have_no_vocabulary_word(run_dir, gold_path, tmp_path, capsys):
    gold = tmp_path / "gold.tsv"
    # a unit of interjections: no word of any model's vocabulary, so every model gives it theme other, p 0
    gold.write_text(gold_path.read_text(encoding="utf-8") + "extra\tu001\tother\t\t哈哈哈哈，嗯嗯。\n", encoding="utf-8")
    assert main(["evaluate", str(run_dir), "--gold", str(gold), "-o", str(tmp_path / "scores.csv")]) == 0
    out = capsys.readouterr().out
    for model in ("dictionary", "nmf", "seeded-lda"):
        assert f"{model}: 1 of {len(HAND_LABELS) + 1} gold units without any word of the model's vocabulary" in out
    assert (pd.read_csv(tmp_path / "scores.csv")["no_vocabulary"] == 1).all()


# (gold file text given the real rows, words the one-line message must contain)
BAD_GOLD = {
    "missing column": (lambda rows: "doc\tunit\tlabel\theading\n" + "".join(r.rsplit("\t", 1)[0] + "\n" for r in rows),
                       [":1:", "text"]),
    "unknown label": (lambda rows: HEADER + rows[0] + rows[1].replace("\tecology\t", "\teconomy\t"),
                      [":3:", "economy", "valid labels"]),
    "empty label": (lambda rows: HEADER + rows[0].replace("\tother\t", "\t\t"), [":2:", "empty label"]),
    "empty text": (lambda rows: HEADER + rows[0] + rows[1].rsplit("\t", 1)[0] + "\t \n", [":3:", "empty text"]),
    "unit labelled twice": (lambda rows: HEADER + rows[0] + rows[1] + rows[0], [":4:", "twice", "line 2"]),
    "tab inside the text": (lambda rows: HEADER + rows[0].rstrip("\n") + "\textra\n", [":2:", "more fields"]),
    "too few fields": (lambda rows: HEADER + "xining_chengxi_2024#1\tu000\tother\n", [":2:", "fewer fields"]),
    "header only": (lambda rows: HEADER, ["no labelled units"]),
    "empty file": (lambda rows: "", ["empty gold file"]),
}


@pytest.mark.parametrize("case", list(BAD_GOLD))
def test_bad_gold_files_are_one_line_errors(run_dir, sample_path, tmp_path, capsys, case):
    make, words = BAD_GOLD[case]
    path = tmp_path / "gold.tsv"
    path.write_text(make(gold_lines(sample_path, HAND_LABELS)), encoding="utf-8")
    assert main(["evaluate", str(run_dir), "--gold", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"topics evaluate: error: {path}")
    for word in words:
        assert word in err, f"{case}: {err!r} lacks {word!r}"


def test_missing_gold_file_and_unfinished_or_missing_run_folders(run_dir, gold_path, tmp_path):
    with pytest.raises(InputError, match="no such gold file"):
        evaluate_run(run_dir, tmp_path / "absent.tsv")
    with pytest.raises(InputError, match=rf"^{tmp_path}: is a folder, expected a gold file$"):
        evaluate_run(run_dir, tmp_path)
    unfinished = tmp_path / "unfinished"
    shutil.copytree(run_dir, unfinished)
    (unfinished / DONE).unlink()
    with pytest.raises(InputError, match="not a finished run"):
        evaluate_run(unfinished, gold_path)
    with pytest.raises(InputError, match="no such run folder"):
        evaluate_run(tmp_path / "absent", gold_path)


def test_read_gold_accepts_short_and_full_unit_ids(sample_path, tmp_path):
    path = tmp_path / "gold.tsv"
    short = gold_lines(sample_path, {"xining_chengxi_2024#1:u002": "ecology"})
    full = gold_lines(sample_path, {"xining_chengxi_2024#1:u003": "industry"}, short_unit_ids=False)
    path.write_text(HEADER + short[0] + full[0], encoding="utf-8")
    rows = read_gold(path, [*Lexicon.load().themes, OTHER])
    assert [row.unit.unit_id for row in rows] == ["xining_chengxi_2024#1:u002", "xining_chengxi_2024#1:u003"]
    assert [row.line for row in rows] == [2, 3]


def test_a_run_can_be_scored_against_gold_labels_instead_of_weak_ones(sample_path, gold_path, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(config_text(sample_path, "\n[models.dictionary]\n", labels=str(gold_path)), encoding="utf-8")
    run = run_experiment(config, tmp_path / "run")
    summary = json.loads((run / "corpus_summary.json").read_text(encoding="utf-8"))
    assert summary["units_labelled"] == len(HAND_LABELS)
    metrics = pd.read_csv(run / "metrics.csv")
    # weak labels never say 'other' (a heading naming no theme gives no label); the gold file does
    assert not math.isnan(metrics.at[0, "label_f1_other"])
    assert str(gold_path) in (run / "comparison.md").read_text(encoding="utf-8")


def test_a_gold_file_from_another_corpus_is_refused_by_the_run(sample_path, tmp_path):
    gold = tmp_path / "gold.tsv"
    gold.write_text(HEADER + "other_report\tu001\tecology\t\t加强生态环境保护\n", encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(config_text(sample_path, "\n[models.dictionary]\n", labels=str(gold)), encoding="utf-8")
    with pytest.raises(InputError, match="no gold unit is a unit of the corpus"):
        run_experiment(config, tmp_path / "run")


# ---- coded units that travel: labels attach by id and text check --------------------------------

SIX = [*Lexicon.load().themes, OTHER]


def _run_summary(tmp_path, sample_path, gold) -> tuple[dict, pd.DataFrame]:
    config = tmp_path / "config.toml"
    config.write_text(config_text(sample_path, "\n[models.dictionary]\n", labels=str(gold)), encoding="utf-8")
    run = run_experiment(config, tmp_path / "run")
    summary = json.loads((run / "corpus_summary.json").read_text(encoding="utf-8"))
    return summary, pd.read_csv(run / "assignments.csv", keep_default_na=False)


def test_labels_find_their_units_by_text_when_the_corpus_folder_is_named_otherwise(sample_path, tmp_path):
    # coded on a copy of the corpus whose file had another name: no id is a unit of this corpus, every text is
    gold = tmp_path / "gold.tsv"
    gold.write_text(HEADER + "".join(line.replace("xining_chengxi_2024", "城西区报告")
                                     for line in gold_lines(sample_path, HAND_LABELS)), encoding="utf-8")
    summary, assigned = _run_summary(tmp_path, sample_path, gold)
    assert summary["units_labelled"] == len(HAND_LABELS)
    assert summary["labels_attached_by_text"] == len(HAND_LABELS) and summary["labels_outside_corpus"] == 0
    assert {row.unit_id: row.label for row in assigned.itertuples() if row.label} == HAND_LABELS


def test_a_unit_cut_differently_takes_the_label_of_its_text_not_of_its_old_id(sample_path, tmp_path):
    # as if the document were re-cut: the rows of u003 and u004 now carry each other's ids
    units = ingest_paths([sample_path]).units
    lines = gold_lines(sample_path, HAND_LABELS)
    swapped = [line.replace("\tu003\t", "\tu004\t") if "#1\tu003\t" in line else
               line.replace("\tu004\t", "\tu003\t") if "#1\tu004\t" in line else line for line in lines]
    gold = tmp_path / "gold.tsv"
    gold.write_text(HEADER + "".join(swapped), encoding="utf-8")
    match = match_gold(units, read_gold(gold, SIX), gold)
    assert match.by_text == 2 and not match.outside
    assert {unit.unit_id: label for unit, label in zip(units, match.labels) if label} == HAND_LABELS


def test_a_row_whose_unit_has_another_text_that_no_unit_has_is_an_error_naming_its_line(sample_path, tmp_path,
                                                                                         capsys):
    lines = gold_lines(sample_path, HAND_LABELS)
    gold = tmp_path / "gold.tsv"
    gold.write_text(HEADER + lines[0] + lines[1].replace("\n", "另据统计，全年完成目标。\n") + "".join(lines[2:]),
                    encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(config_text(sample_path, "\n[models.dictionary]\n", labels=str(gold)), encoding="utf-8")
    assert main(["run", str(config), "-o", str(tmp_path / "run"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{gold}:3: unit xining_chengxi_2024#1:u002 of the corpus has another text" in err


def test_rows_of_other_corpora_are_counted_not_scored(sample_path, tmp_path):
    gold = tmp_path / "gold.tsv"
    gold.write_text(HEADER + "".join(gold_lines(sample_path, HAND_LABELS))
                    + "2024_北京市\tu010\tsafety\t\t深入开展安全生产治本攻坚，坚决遏制重特大事故发生。\n", encoding="utf-8")
    summary, _ = _run_summary(tmp_path, sample_path, gold)
    assert summary["units_labelled"] == len(HAND_LABELS) and summary["labels_outside_corpus"] == 1


def test_rows_may_carry_a_text_hash_instead_of_the_text(sample_path, tmp_path):
    units = ingest_paths([sample_path]).units
    by_id = {unit.unit_id: unit for unit in units}
    rows = [f"{line.split(chr(9))[0]}\t{line.split(chr(9))[1]}\t{label}\t\t\t{text_sha1(by_id[unit_id].text)}\n"
            for line, (unit_id, label) in zip(gold_lines(sample_path, HAND_LABELS), HAND_LABELS.items())]
    gold = tmp_path / "gold.tsv"
    gold.write_text("doc\tunit\tlabel\theading\ttext\ttext_sha1\n" + "".join(rows), encoding="utf-8")
    match = match_gold(units, read_gold(gold, SIX), gold)
    assert {unit.unit_id: label for unit, label in zip(units, match.labels) if label} == HAND_LABELS
    # the hash checks the id as the text does: a hash that is not the text of the unit the id names, nor of
    # any other unit, is an error naming the line
    wrong = rows[0].replace(text_sha1(by_id["xining_chengxi_2024#1:u000"].text), "0" * 12)
    gold.write_text("doc\tunit\tlabel\theading\ttext\ttext_sha1\n" + wrong, encoding="utf-8")
    with pytest.raises(InputError, match=rf"^{gold}:2: unit xining_chengxi_2024#1:u000 of the corpus has another text"):
        match_gold(units, read_gold(gold, SIX), gold)
    # scoring assigns a gold unit's text afresh: a row without text is refused there, naming its line
    gold.write_text("doc\tunit\tlabel\theading\ttext\ttext_sha1\n" + "".join(rows), encoding="utf-8")
    run_dir = run_experiment(_write_config(tmp_path, sample_path), tmp_path / "run")
    with pytest.raises(InputError, match=rf"^{gold}:2: no text, only its text_sha1"):
        evaluate_run(run_dir, gold)


def _write_config(tmp_path, sample_path):
    config = tmp_path / "config.toml"
    config.write_text(config_text(sample_path, "\n[models.dictionary]\n"), encoding="utf-8")
    return config


@pytest.mark.parametrize("text, hash_value, message", [
    ("加强生态环境保护，推进污染防治。", "xyz", r":2: text_sha1 'xyz' is not the first 12 \(to 40\) hex digits"),
    ("加强生态环境保护，推进污染防治。", "0123456789ab", r":2: text_sha1 0123456789ab is not the hash of the row's text"),
    ("", "", r":2: empty text and text_sha1"),
])
def test_a_bad_text_check_is_a_one_line_error(tmp_path, text, hash_value, message):
    gold = tmp_path / "gold.tsv"
    gold.write_text(f"doc\tunit\tlabel\theading\ttext\ttext_sha1\nd\tu001\tecology\t\t{text}\t{hash_value}\n",
                    encoding="utf-8")
    with pytest.raises(InputError, match=rf"^{gold}{message}"):
        read_gold(gold, SIX)


def test_two_rows_that_label_one_unit_differently_are_an_error_naming_both_lines(sample_path, tmp_path):
    units = ingest_paths([sample_path]).units
    lines = gold_lines(sample_path, HAND_LABELS)
    again = lines[1].replace("xining_chengxi_2024#1", "城西区报告").replace("\tecology\t", "\tindustry\t")
    gold = tmp_path / "gold.tsv"
    gold.write_text(HEADER + "".join(lines) + again, encoding="utf-8")
    with pytest.raises(InputError, match=rf"^{gold}:{len(lines) + 2}: labels unit xining_chengxi_2024#1:u002 "
                                         r"'industry'; line 3 labels it 'ecology'$"):
        match_gold(units, read_gold(gold, SIX), gold)
