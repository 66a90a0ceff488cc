"""Validation of a finished run: representative units, validity flags, the human-validation kit and
the scoring of coders' answers — on a real run of the bundled sample, and on answers with known results."""

from __future__ import annotations

import argparse
import os
import csv
import html
import json
import re
import shutil

import numpy as np
import pandas as pd
import pytest

from test_runner import small_models, write_config
from topics.commands import examples as examples_command
from topics.commands import validate as validate_command
from topics.errors import InputError
from topics.evaluation import evaluate_run, read_gold
from topics.running import run_experiment
from topics.validation.examples import run_examples
from topics.validation.flags import FLAG_COLUMNS, fit_flags, topic_evidence
from topics.validation.kit import KitSettings, read_key, write_kit
from topics.mapping import MappingSettings
from topics.run_folder import RunFolder
from topics.run_files import FLAGS
from topics.validation.scoring import agreement, read_answers, score_answers, score_kit, write_scores

MODELS = small_models("dictionary", "nmf", "seeded-lda")
MODEL_NAMES = ["dictionary", "nmf", "seeded-lda"]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, sample_path):
    folder = tmp_path_factory.mktemp("validation")
    return run_experiment(write_config(folder, sample_path, models=MODELS), folder / "run")


@pytest.fixture(scope="module")
def kit(run_dir, tmp_path_factory):
    return write_kit(RunFolder.open(run_dir), tmp_path_factory.mktemp("kits") / "kit", settings=KitSettings(n_coding=12))


def min_lift(run: RunFolder) -> float:
    return MappingSettings.from_config(run.config).min_lift


def command(module, argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    module.configure(parser)
    return module.run(parser.parse_args(argv))


def write_answers(path, key: dict, coder: str, choose) -> None:
    """An answers file as the coding page writes it; ``choose(task)`` gives the answer ("" = none)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
        writer.writerow(["kit", "coder", "task", "kind", "answer"])
        for task in key["tasks"]:
            writer.writerow([key["kit"]["id"], coder, task["task"], task["kind"], choose(task)])


# ---------------------------------------------------------------- representative units


@pytest.mark.parametrize("model", MODEL_NAMES)
def test_examples_command_for_every_model(run_dir, tmp_path, model, capsys):
    out = tmp_path / "examples.csv"
    assert command(examples_command, [str(run_dir), "--model", model, "-n", "3", "-o", str(out)]) == 0
    table = pd.read_csv(out)
    fit = RunFolder.open(run_dir).fits(model)[0]
    assert set(table["model"]) == {model}
    assert set(table.loc[table["kind"] == "topic", "target"]) == {f"T{i}" for i in fit.result.topic_ids}
    assert set(table.loc[table["kind"] == "theme", "target"]) <= set(fit.result.topic_themes) | {"other"}
    for _, group in table.groupby(["kind", "target"]):
        assert len(group) <= 3 and list(group["rank"]) == list(range(1, len(group) + 1))
        assert list(group["probability"]) == sorted(group["probability"], reverse=True)
        assert group["text"].is_unique  # no paragraph twice
    assert command(examples_command, [str(run_dir), "--model", model, "--topic", "T0", "-n", "2"]) == 0
    printed = capsys.readouterr().out
    assert model in printed and "T0" in printed


def test_examples_of_a_theme_and_the_typical_ranking(run_dir):
    run = RunFolder.open(run_dir)
    table = run_examples(run, theme="industry", n=4)
    assert set(table["target"]) == {"industry"} and set(table["model"]) <= set(MODEL_NAMES)
    typical = run_examples(run, "seeded-lda", n=2, ranking="typical")
    assert set(typical["assigned"][typical["kind"] == "theme"]) <= set(typical["target"][typical["kind"] == "theme"])
    with pytest.raises(InputError, match="no model 'lda'"):
        run_examples(run, "lda")
    with pytest.raises(InputError, match="--theme farming: not a theme"):
        run_examples(run, theme="farming")
    with pytest.raises(InputError, match="--topic 99"):
        run_examples(run, "nmf", topic=99)
    last = run_examples(run, topic=6)  # seeded-lda has T6, the dictionary and nmf (K=5) have not
    assert set(last["model"]) == {"seeded-lda"} and set(last["target"]) == {"T6"}


def test_a_theme_one_model_assigns_no_unit_names_that_model(run_dir):
    run = RunFolder.open(run_dir)
    assigned = set(run.fits("nmf", primary_only=True)[0].themes.theme_names())
    theme = next(name for name in run.lexicon.names if name not in assigned)  # five topics, some themes left
    with pytest.raises(InputError, match=f"--theme {theme}: nmf assigns no unit to it"):
        run_examples(run, "nmf", theme=theme)


def test_a_missing_foreign_unfinished_or_busy_run_folder_is_named(run_dir, tmp_path):
    with pytest.raises(InputError, match="no such run folder"):
        RunFolder.open(tmp_path / "missing")
    with pytest.raises(InputError, match=r"not a run folder \(no config.toml\)"):
        RunFolder.open(tmp_path)
    unfinished = tmp_path / "unfinished"
    shutil.copytree(run_dir, unfinished)
    (unfinished / "DONE").unlink()
    with pytest.raises(InputError, match="not a finished run"):
        RunFolder.open(unfinished)
    with RunFolder(unfinished).locked("remap"):  # another command at work in it: say so, not "unfinished"
        with pytest.raises(InputError, match=rf"busy: remap, pid {os.getpid()} is working in it"):
            RunFolder.open(unfinished)


# ---------------------------------------------------------------- flags


def test_flags_table_and_evidence_for_every_fit(run_dir):
    run = RunFolder.open(run_dir)
    flags = run.table(FLAGS)  # the run's flags of every fit, each fit's rows as fit_flags gives them
    assert list(flags.columns[: len(FLAG_COLUMNS)]) == FLAG_COLUMNS
    for fit in run.fits():
        mine = flags[(flags["model"] == fit.model) & (flags["k"] == fit.k) & (flags["seed"] == fit.seed)]
        assert mine["flag"].tolist() == fit_flags(fit, run.lexicon, min_lift(run))["flag"].tolist()
        assert set(mine["primary"]) <= {fit.primary}
    for fit in run.fits(primary_only=False):
        evidence = topic_evidence(fit, run.lexicon, min_lift(run))
        assert list(evidence["topic"]) == [f"T{i}" for i in fit.result.topic_ids]
        assert {f"lift_{theme}" for theme in run.lexicon.names} | {"lift_other", "margin"} <= set(evidence.columns)
        # the margin as the mapping measures it: best lift over the larger of the runner-up and min_lift
        ratio = evidence["best_lift"] / evidence["runner_up_lift"].clip(lower=min_lift(run))  # each rounded to 3 places
        assert ((evidence["margin"] - ratio).abs() <= 0.002 * ratio.clip(lower=1)).all()


def test_a_seeded_topic_made_of_another_themes_words_is_flagged(run_dir):
    run = RunFolder.open(run_dir)
    fit = run.fits("seeded-lda")[0]
    result = fit.result
    safety = result.topic_themes.index("safety")
    industry_words = [w for w in run.lexicon.themes["industry"] if w in result.vocab][:8]
    row = np.full(len(result.vocab), 1e-6)
    row[[result.vocab.index(w) for w in industry_words]] = 1.0
    result.topic_word[safety] = row / row.sum()
    flags = fit_flags(fit, run.lexicon, min_lift(run))
    hit = flags[(flags["topic"] == f"T{result.topic_ids[safety]}") & (flags["flag"] == "another_theme")]
    assert len(hit) == 1 and set(hit.iloc[0]["words"].split()) == set(industry_words)
    assert "industry words hold 100%" in hit.iloc[0]["detail"]


def test_an_unseeded_topic_between_two_themes_has_a_thin_margin(run_dir):
    run = RunFolder.open(run_dir)
    fit = run.fits("nmf")[0]
    result = fit.result
    words = {theme: [w for w in run.lexicon.themes[theme] if w in result.vocab][:5] for theme in ("ecology", "livelihood")}
    # each theme's words get mass in proportion to how common the theme's terms are, so both lifts are equal
    holders = run.lexicon.holders(result.vocab)
    share = result.term_frequency / result.term_frequency.sum()
    row = np.full(len(result.vocab), 1e-9)
    for theme, group in words.items():
        counted = [result.vocab.index(t) for t in run.lexicon.counted_terms(run.lexicon.themes[theme], theme, holders)
                   if t in result.vocab]
        row[[result.vocab.index(w) for w in group]] = share[counted].sum() / len(group)
    result.topic_word[0] = row / row.sum()
    evidence = topic_evidence(fit, run.lexicon, min_lift(run))
    first = evidence.iloc[0]
    assert {first["best_theme"], first["runner_up"]} == {"ecology", "livelihood"}
    flags = fit_flags(fit, run.lexicon, min_lift(run))
    assert "thin_margin" in set(flags.loc[flags["topic"] == f"T{result.topic_ids[0]}", "flag"])


# ---------------------------------------------------------------- the kit


def test_kit_files_and_what_coders_see(kit, run_dir):
    assert {p.name for p in kit.iterdir()} == {"coding.html", "tasks.tsv", "guide.md", "key"}
    key = read_key(kit)
    tasks = key["tasks"]
    kinds = [t["kind"] for t in tasks]
    assert kinds == sorted(kinds, key=["word", "theme", "code"].index)  # one kind after the other
    assert {t["model"] for t in tasks if t["kind"] == "word"} == set(MODEL_NAMES)
    for task in tasks:
        values = [o["value"] for o in task["options"]]
        if task["kind"] == "word":
            assert len(values) == 6 and task["answer"] in values and len(set(values)) == 6
        elif task["kind"] == "theme":
            assert len(values) == 4 and task["answer"] in values and "other" not in values
            assert task["p"][task["answer"]] < min(p for v, p in task["p"].items() if v != task["answer"])
        else:
            assert values == ["ecology", "industry", "livelihood", "governance", "safety", "other"]
    coded = [t for t in tasks if t["kind"] == "code"]
    assert len(coded) == 12 and len({t["unit_id"] for t in coded}) == 12
    assert len({t["theme"] for t in coded}) >= 3  # stratified by theme
    page = (kit / "coding.html").read_text(encoding="utf-8")
    data = page.split('id="kit-data">', 1)[1].split("</script>", 1)[0]
    shown = json.loads(data)
    assert {"answer", "model", "p"}.isdisjoint(shown["tasks"][0]) and "seeded-lda" not in data
    assert "http://" not in page and "https://" not in page
    rows = list(csv.DictReader((kit / "tasks.tsv").open(encoding="utf-8"), delimiter="\t"))
    assert [r["task"] for r in rows] == [t["task"] for t in tasks] and not any(r["answer"] for r in rows)
    assert "livelihood" in (kit / "guide.md").read_text(encoding="utf-8")


def test_one_seed_gives_the_same_kit(run_dir, tmp_path):
    run = RunFolder.open(run_dir)
    paths = [write_kit(run, tmp_path / name, settings=KitSettings(seed=seed)) for name, seed in
             (("a", 7), ("b", 7), ("c", 8))]
    files = ["coding.html", "tasks.tsv", "guide.md", "key/key.json", "key/key.tsv"]
    assert all((paths[0] / f).read_bytes() == (paths[1] / f).read_bytes() for f in files)
    assert (paths[0] / "key/key.json").read_bytes() != (paths[2] / "key/key.json").read_bytes()


def test_kit_without_seed_words(run_dir, tmp_path):
    run = RunFolder.open(run_dir)
    key = read_key(write_kit(run, tmp_path / "kit", settings=KitSettings(exclude_seed_words=True, n_units=0,
                                                                           n_coding=0)))
    seed_words = set(run.lexicon.words())
    words = [o["value"] for t in key["tasks"] for o in t["options"]]
    assert words and not seed_words & set(words)
    # the dictionary's theme topics are nothing but seed words: only its other topic is left
    assert {t["theme"] for t in key["tasks"] if t["model"] == "dictionary"} <= {"other"}


def test_kit_refuses_a_folder_in_use(run_dir, kit):
    with pytest.raises(InputError, match="is a folder that is not empty; give a new or empty folder as -o"):
        write_kit(RunFolder.open(run_dir), kit)
    with pytest.raises(InputError, match="--coders must be an integer from 1 to 9"):
        KitSettings(coders=0)


# ---------------------------------------------------------------- scoring


def test_a_perfect_coder_scores_one_and_the_sample_becomes_gold(kit, run_dir, tmp_path):
    key = read_key(kit)
    for coder in ("ann", "bo"):
        write_answers(tmp_path / f"{coder}.csv", key, coder, lambda t: t["answer"] or t["theme"])
    scores = score_kit(kit, [tmp_path / "ann.csv", tmp_path / "bo.csv"])
    assert (scores.word_topics["precision"] == 1).all() and (scores.word_models["precision"] == 1).all()
    assert (scores.theme_models["accuracy"] == 1).all() and (scores.theme_models["log_odds"] == 0).all()
    assert (scores.coders[["word_accuracy", "theme_accuracy"]] == 1).all().all()
    alpha = scores.agreement[scores.agreement["measure"] == "krippendorff_alpha"]
    assert set(alpha["kind"]) == {"word", "theme", "code"} and (alpha["value"] == 1).all()

    written = write_scores(scores, tmp_path / "scores")
    gold = read_gold(written["gold"], ["ecology", "industry", "livelihood", "governance", "safety", "other"])
    coded = [t for t in key["tasks"] if t["kind"] == "code"]
    assert len(gold) == len(coded)
    assert {g.unit.unit_id: g.label for g in gold} == {t["unit_id"]: t["theme"] for t in coded}
    table = evaluate_run(run_dir, written["gold"])  # `topics evaluate` reads it
    assert set(table["model"]) == set(MODEL_NAMES) and (table["units"] == len(coded)).all()
    dictionary = table.set_index("model").loc["dictionary"]  # the sample's reference model is the first
    assert dictionary["accuracy"] > 0.9


def test_a_random_coder_scores_near_chance():
    rng = np.random.default_rng(0)
    tasks = [{"task": f"w{i:04d}", "kind": "word", "model": "m", "k": 5, "seed": 1, "topic": f"T{i % 5}", "theme": "",
              "answer": "f", "p": {}, "unit_id": "", "doc_id": "", "heading": "", "text": "",
              "options": [{"value": v, "label": v} for v in "abcdef"]} for i in range(3000)]
    answers = pd.DataFrame({"coder": "r", "task": [t["task"] for t in tasks], "kind": "word",
                            "answer": rng.choice(list("abcdef"), size=len(tasks))})
    scores = score_answers({"kit": {"id": "x"}, "tasks": tasks}, answers)
    assert scores.word_models["precision"].iloc[0] == pytest.approx(1 / 6, abs=0.02)
    assert scores.coders["word_accuracy"].iloc[0] == pytest.approx(1 / 6, abs=0.02)


def test_kappa_and_alpha_match_hand_computed_values():
    # coder a: x x y y; coder b: x y y y. Observed agreement 3/4; chance (2/4·1/4 + 2/4·3/4) = 1/2,
    # so κ = (3/4 − 1/2) / (1 − 1/2) = 1/2. Krippendorff: n = 8 values (3 x, 5 y), observed disagreement
    # 2/8, expected 2·3·5/(8·7) = 30/56, so α = 1 − (1/4)/(30/56) = 8/15.
    answers = pd.DataFrame({"coder": ["a"] * 4 + ["b"] * 4, "task": ["c1", "c2", "c3", "c4"] * 2, "kind": "code",
                            "answer": list("xxyy") + list("xyyy")})
    table = agreement(answers, ["a", "b"]).set_index("measure")["value"]
    assert table["percent_agreement"] == pytest.approx(0.75)
    assert table["cohen_kappa"] == pytest.approx(0.5)
    assert table["krippendorff_alpha"] == pytest.approx(8 / 15)


def test_bad_answers_files_name_the_line(kit, tmp_path):
    key = read_key(kit)
    first = key["tasks"][0]

    def answers(name, rows, header=("kit", "coder", "task", "kind", "answer")):
        path = tmp_path / name
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
        return path

    kit_id = key["kit"]["id"]
    cases = [
        (answers("cols.csv", [], header=("coder", "task")), "cols.csv:1: missing column"),
        (answers("kit.csv", [["other", "a", first["task"], "word", ""]]), "kit.csv:2: answers to kit 'other'"),
        (answers("task.csv", [[kit_id, "a", "zz9", "word", "x"]]), "task.csv:2: unknown task 'zz9'"),
        (answers("opt.csv", [[kit_id, "a", first["task"], "word", "不是选项"]]), "opt.csv:2: answer '不是选项' is not an option"),
        (answers("twice.csv", [[kit_id, "a", first["task"], "word", ""]] * 2), "twice.csv:3: task .* answered twice"),
        (answers("empty.csv", [[kit_id, "a", first["task"], "word", ""]]), "empty.csv: no task is answered in it"),
    ]
    for path, message in cases:
        with pytest.raises(InputError, match=message):
            read_answers([path], key)
    # a second coder who answered nothing would drop out of the agreement and the gold labels unnoticed
    good = answers("good.csv", [[kit_id, "a", first["task"], "word", first["options"][0]["value"]]])
    blank = answers("blank.csv", [[kit_id, "b", first["task"], "word", ""]])
    with pytest.raises(InputError, match="blank.csv: no task is answered in it"):
        read_answers([good, blank], key)
    with pytest.raises(InputError, match=r"good.csv: given twice"):  # one coder counted twice agrees with itself
        read_answers([good, tmp_path / "." / "good.csv"], key)


def test_unsure_answers_are_counted_not_scored_and_notes_reach_the_scores(kit, tmp_path, capsys):
    key = read_key(kit)
    tasks = key["tasks"]
    word = next(t for t in tasks if t["kind"] == "word")
    coded = [t for t in tasks if t["kind"] == "code"]
    unsure = {word["task"], coded[0]["task"], coded[1]["task"]}
    notes = {word["task"]: "两个词都像, hard", coded[1]["task"]: 'mixed: 产业 and 民生, "half" each\nnew line',
             coded[2]["task"]: "clearly 生态"}

    def answers(path, coder, choose):
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
            writer.writerow(["kit", "coder", "task", "kind", "answer", "note"])
            for task in tasks:
                writer.writerow([key["kit"]["id"], coder, task["task"], task["kind"], choose(task),
                                 notes.get(task["task"], "") if coder == "ann" else ""])

    right = lambda t: t["answer"] or t["theme"]
    answers(tmp_path / "ann.csv", "ann", lambda t: "unsure" if t["task"] in unsure else right(t))
    answers(tmp_path / "bo.csv", "bo", right)
    out = tmp_path / "scores"
    assert command(validate_command, ["--score", str(kit), str(tmp_path / "ann.csv"), str(tmp_path / "bo.csv"),
                                      "-o", str(out)]) == 0
    assert f"notes: 3 written by coders → {out / 'notes.csv'}" in capsys.readouterr().out
    coders = pd.read_csv(out / "coders.csv").set_index("coder")
    n_word = sum(t["kind"] == "word" for t in tasks)
    assert coders.loc["ann", "unsure"] == 3 and coders.loc["bo", "unsure"] == 0 and coders.loc["ann", "notes"] == 3
    assert coders.loc["ann", "word_answers"] == n_word - 1 and coders.loc["ann", "word_accuracy"] == 1.0
    assert coders.loc["ann", "code_answers"] == len(coded) - 2
    topics = pd.read_csv(out / "word_topics.csv").set_index(["model", "topic"])
    assert topics.loc[(word["model"], word["topic"]), "coders"] == 1  # only bo judged it
    # one sure coder and one unsure: no majority, so the unit waits in disagreements.tsv, its answers shown
    gold = pd.read_csv(out / "GOLD.tsv", sep="\t")
    assert set(gold["unit"]) == {t["unit_id"] for t in coded[2:]} and "unsure" not in set(gold["label"])
    disputed = pd.read_csv(out / "disagreements.tsv", sep="\t").set_index("task")
    assert set(disputed.index) == {coded[0]["task"], coded[1]["task"]}
    assert disputed.loc[coded[0]["task"], "ann"] == "unsure" and disputed.loc[coded[0]["task"], "bo"] == coded[0]["theme"]
    written = pd.read_csv(out / "notes.csv", keep_default_na=False)
    assert written.set_index("task")["note"].to_dict() == notes
    assert written.set_index("task").loc[coded[2]["task"], ["unit", "answer"]].tolist() == [coded[2]["unit_id"], coded[2]["theme"]]
    # a note without an answer is kept (and the task still unanswered); no note, no notes.csv
    notes = {coded[3]["task"]: "不会判断"}
    answers(tmp_path / "ann.csv", "ann", lambda t: "" if t["task"] == coded[3]["task"] else right(t))
    scores = score_kit(kit, [tmp_path / "ann.csv"])
    assert scores.notes[["task", "answer", "note"]].values.tolist() == [[coded[3]["task"], "", "不会判断"]]
    assert coded[3]["unit_id"] not in set(scores.gold["unit"]) and scores.coders.loc[0, "unsure"] == 0
    notes = {}
    answers(tmp_path / "ann.csv", "ann", right)
    assert command(validate_command, ["--score", str(kit), str(tmp_path / "ann.csv"), "-o", str(out)]) == 0
    assert not (out / "notes.csv").exists()


def fill_tasks_tsv(kit, path, choose, encoding="utf-8") -> None:
    """The kit's tasks.tsv as a coder fills it in a spreadsheet: ``choose(row)`` in the answer column."""
    with (kit / "tasks.tsv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter="\t", lineterminator="\r\n")
        writer.writeheader()
        writer.writerows({**row, "answer": choose(row)} for row in rows)


def test_a_filled_tasks_tsv_scores_as_the_page_csv_does(kit, tmp_path, capsys):
    key = read_key(kit)
    by_task = {t["task"]: t for t in key["tasks"]}
    choose = lambda task: task["answer"] or task["theme"] if task["task"] != "w001" else task["options"][0]["value"]
    write_answers(tmp_path / "ann.csv", key, "ann", choose)
    fill_tasks_tsv(kit, tmp_path / "ann.tsv", lambda row: choose(by_task[row["task"]]))
    fill_tasks_tsv(kit, tmp_path / "bo.tsv", lambda row: row["options"].split(" | ")[0], encoding="utf-16")
    from_csv, from_tsv = score_kit(kit, [tmp_path / "ann.csv"]), score_kit(kit, [tmp_path / "ann.tsv"])
    for name in ("word_topics", "theme_models", "coders", "gold"):
        pd.testing.assert_frame_equal(getattr(from_csv, name), getattr(from_tsv, name))
    assert command(validate_command, ["--score", str(kit), str(tmp_path / "ann.tsv"), str(tmp_path / "bo.tsv")]) == 0
    assert {"ann", "bo"} <= set(capsys.readouterr().out.split())  # each file's name is its coder
    fill_tasks_tsv(kit, tmp_path / "cy.tsv", lambda row: "unsure")  # unsure throughout, as the page writes it
    assert score_kit(kit, [tmp_path / "cy.tsv"]).coders.loc[0, "unsure"] == len(key["tasks"])
    # the kit's own file name names no coder; a stray quote would join rows: both are refused with the line
    fill_tasks_tsv(kit, tmp_path / "tasks.tsv", lambda row: row["options"].split(" | ")[0])
    with pytest.raises(InputError, match="tasks.tsv: a tasks.tsv names no coder; save each coder's copy under"):
        score_kit(kit, [tmp_path / "tasks.tsv"])
    lines = (tmp_path / "ann.tsv").read_bytes().decode("utf-8").split("\r\n")
    for n in (3, 5):  # a quote opening the heading of line 4, another closing it on line 6: rows 4 to 6 as one
        fields = lines[n].split("\t")
        fields[3] = '"' + fields[3] if n == 3 else fields[3] + '"'
        lines[n] = "\t".join(fields)
    (tmp_path / "quote.tsv").write_text("\r\n".join(lines), encoding="utf-8")
    with pytest.raises(InputError, match=r"quote.tsv:\d+: a field runs over several lines"):
        score_kit(kit, [tmp_path / "quote.tsv"])


# ---------------------------------------------------------------- the command


def test_validate_command_writes_and_scores_a_kit(run_dir, tmp_path, capsys):
    kit = tmp_path / "kit"
    assert command(validate_command, [str(run_dir), "-o", str(kit), "--model", "seeded-lda", "--coders", "3",
                                      "--n-words", "4", "--n-units", "5", "--n-coding", "12", "--seed", "3"]) == 0
    key = read_key(kit)
    assert key["kit"]["coders"] == ["coder1", "coder2", "coder3"] and key["kit"]["models"] == ["seeded-lda"]
    assert all(len(t["options"]) == 5 for t in key["tasks"] if t["kind"] == "word")
    assert sum(t["kind"] == "code" for t in key["tasks"]) == 12
    write_answers(tmp_path / "a.csv", key, "coder1", lambda t: t["answer"] or "other")
    write_answers(tmp_path / "b.csv", key, "coder2", lambda t: t["options"][0]["value"])
    assert command(validate_command, ["--score", str(kit), str(tmp_path / "a.csv"), str(tmp_path / "b.csv")]) == 0
    printed = capsys.readouterr().out
    assert "model precision" in printed and "krippendorff_alpha" in printed and "cohen_kappa" in printed
    assert (kit / "scores" / "GOLD.tsv").is_file() and (kit / "scores" / "word_topics.csv").is_file()
    with pytest.raises(InputError, match="-o KIT_DIR is required"):
        command(validate_command, [str(run_dir)])


def test_one_coder_is_scored_and_told_why_there_is_no_agreement(kit, tmp_path, capsys):
    """κ and α need two coders on the same tasks: one coder's answers get every other figure, one line
    saying why agreement is absent, and no agreement.csv (a stale one from two coders is removed)."""
    key = read_key(kit)
    for coder in ("ann", "bo"):
        write_answers(tmp_path / f"{coder}.csv", key, coder, lambda t: t["answer"] or t["theme"])
    out = tmp_path / "scores"
    assert command(validate_command, ["--score", str(kit), str(tmp_path / "ann.csv"), str(tmp_path / "bo.csv"),
                                      "-o", str(out)]) == 0
    assert (out / "agreement.csv").is_file()
    capsys.readouterr()
    assert command(validate_command, ["--score", str(kit), str(tmp_path / "ann.csv"), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert ("no agreement between coders: these are the answers of one coder (ann); Cohen's κ and "
            "Krippendorff's α need two coders who answered the same tasks") in printed.splitlines()
    assert "Agreement between coders" not in printed and not (out / "agreement.csv").exists()
    assert (out / "GOLD.tsv").is_file() and len(pd.read_csv(out / "coders.csv")) == 1
    # two coders who share no task: the same, with that reason
    half = {t["task"] for t in key["tasks"][::2]}
    write_answers(tmp_path / "cy.csv", key, "cy", lambda t: t["options"][0]["value"] if t["task"] in half else "")
    write_answers(tmp_path / "di.csv", key, "di", lambda t: "" if t["task"] in half else t["options"][0]["value"])
    scores = score_kit(kit, [tmp_path / "cy.csv", tmp_path / "di.csv"])
    assert scores.agreement.empty and scores.agreement_note.startswith(
        "no agreement between coders: no task was answered by two of the 2 coders")
    assert "agreement" not in write_scores(scores, tmp_path / "split")


def test_a_kit_in_chinese(run_dir, kit, tmp_path):
    """--language zh: guide.md in Chinese with the codebook's label names and their glosses; the page holds
    both languages and opens in Chinese; the tasks and the key are the kit's whatever the language."""
    zh = tmp_path / "kit"
    assert command(validate_command, [str(run_dir), "-o", str(zh), "--size", "12", "--language", "zh"]) == 0
    guide = (zh / "guide.md").read_text(encoding="utf-8")
    assert guide.startswith("# 编码指南\n") and "## 判断规则" in guide
    for name, gloss in (("ecology", "生态"), ("industry", "产业"), ("livelihood", "民生"), ("governance", "社会治理"),
                        ("safety", "安全"), ("other", "其他")):
        assert f"- **{name}（{gloss}）**：" in guide
    assert "Coding guide" not in guide and "unsure" in guide
    page = (zh / "coding.html").read_text(encoding="utf-8")
    shown = json.loads(page.split('id="kit-data">', 1)[1].split("</script>", 1)[0])
    assert shown["language"] == "zh" and set(shown["strings"]) == {"en", "zh"}
    assert '<html lang="zh-CN">' in page and 'data-lang="en" hidden>' in page and "请先选择您的编码员身份" in page
    english = (kit / "coding.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in english and 'data-lang="zh" hidden>' in english and "industry（产业）" in english
    assert (zh / "tasks.tsv").read_bytes() == (kit / "tasks.tsv").read_bytes()  # same seed and size, same tasks
    assert read_key(zh)["kit"]["id"] == read_key(kit)["kit"]["id"]
    with pytest.raises(InputError, match="--language must be one of"):
        KitSettings(language="fr")


def test_a_kit_with_fewer_tasks_than_asked_says_why(run_dir, tmp_path, capsys):
    """The sample has 15 units a coder can judge, fewer than 50 theme-intrusion tasks; without the lexicon's
    words the dictionary's theme topics have no word left: each shortfall is a note, in the key too."""
    kit = tmp_path / "kit"
    assert command(validate_command, [str(run_dir), "-o", str(kit), "--n-units", "50", "--size", "12",
                                      "--exclude-seed-words"]) == 0
    printed = capsys.readouterr().out
    key = read_key(kit)
    for fit in RunFolder.open(run_dir).fits(primary_only=True):
        words = sum(t["kind"] == "word" and t["model"] == fit.model for t in key["tasks"])
        themed = sum(t["kind"] == "theme" and t["model"] == fit.model for t in key["tasks"])
        assert themed < 50
        assert f"note: {fit.model}: {themed} of the 50 theme-intrusion tasks asked for, as only {themed} units" in printed
        if fit.model == "dictionary":
            assert words < fit.k and f"note: dictionary: word intrusion for {words} of its {fit.k} topics" in printed
    assert [f"note: {note}" for note in key["kit"]["notes"]] == [line for line in printed.splitlines()
                                                                 if line.startswith("note: ") and "--size" not in line]


# ---------------------------------------------------------------- report sections


def test_report_sections(run_dir, tmp_path):
    from html.parser import HTMLParser

    from topics.report.validation import examples_section, flags_section

    unfinished = tmp_path / "run"
    shutil.copytree(run_dir, unfinished)
    (unfinished / "DONE").unlink()  # the runner writes the report before DONE
    flags = flags_section(RunFolder.open(unfinished, finished=False))
    examples = examples_section(RunFolder.open(unfinished, finished=False))
    for fragment in (flags, examples):
        HTMLParser().feed(fragment)
        assert "<script" not in fragment and "not available" not in fragment
    assert all(f"<h3>{model}</h3>" in flags for model in MODEL_NAMES)
    assert flags.count("comes from mapping by lift") == 1  # nmf, the one model without seeds
    assert examples.count("<details>") == len(MODEL_NAMES)
    # the section shows the table the run wrote, which holds what run_examples gives
    written = pd.read_csv(unfinished / "examples.csv", keep_default_na=False)
    shown = run_examples(RunFolder.open(run_dir), n=3)
    assert written["unit_id"].tolist() == shown["unit_id"].tolist()
    assert all(html.escape(text[:30]) in examples for text in shown["text"])
    for name in ("flags.csv", "examples.csv"):
        (unfinished / name).unlink()
    folder = RunFolder.open(unfinished, finished=False)
    assert "not available" in flags_section(folder) and "flags.csv" in flags_section(folder)
    assert "examples.csv" in examples_section(folder)


@pytest.mark.parametrize("module, argv, message", [
    (examples_command, ["{run}", "--model", "lda"], "no model 'lda' in this run"),
    (examples_command, ["{tmp}/nowhere"], "nowhere: no such run folder"),
    (examples_command, ["{run}", "--topic", "x"], "--topic x: expected a topic id"),
    (examples_command, ["{run}", "-n", "0"], "-n must be at least 1"),
    (validate_command, ["{run}", "-o", "{tmp}/file/kit"], "file is a file, not a folder"),
    (validate_command, ["{run}", "-o", "{tmp}/kit", "--coders", "10"], "--coders must be an integer from 1 to 9"),
    # a theme-intrusion task shows n themes and an intruder, never 'other': more than the themes makes none
    (validate_command, ["{run}", "-o", "{tmp}/kit", "--n-themes", "100"],
     "--n-themes 100: a theme-intrusion task shows that many of the run's 5 themes and one more as the intruder, "
     "so at most 4 (or --n-units 0"),
    # one top word and the intruder: nothing tells which is the topic's
    (validate_command, ["{run}", "-o", "{tmp}/kit", "--n-words", "1"], "--n-words must be an integer from 2 to 10"),
    (validate_command, ["{run}", "-o", "{tmp}/kit", "--n-words", "500"], "--n-words must be an integer from 2 to 10"),
    (validate_command, ["{run}", "-o", "{tmp}/kit", "--size", "-1"], "--size must be an integer >= 0, got -1"),
    (validate_command, ["{run}", "-o", "{tmp}/kit", "--seed", "-1"], "--seed must be an integer >= 0"),
    (validate_command, ["{run}", "-o", "{tmp}/file"], "file: is a file; give a new or empty folder as -o"),
    # options a further batch or the scoring would leave unused are named, not ignored
    (validate_command, ["{run}", "--add", "3", "-o", "{kit}", "--coders", "3", "--n-words", "4"],
     "--coders --n-words: not with --add, which draws with the kit's own model, design and tasks"),
    (validate_command, ["{run}", "--add", "3", "-o", "{kit}", "--language", "zh"],
     "--language: not with --add, which draws with the kit's own model, design and tasks"),
    (validate_command, ["{run}", "--add", "500", "-o", "{kit}"],
     "--add 500: only 5 units a coder can judge are not drawn yet; give at most 5"),
    (validate_command, ["{run}", "--add", "2", "-o", "{kit}", "--seed", "-1"], "--seed must be an integer >= 0"),
    (validate_command, ["--score", "{kit}", "{tmp}/a.csv", "--size", "30", "--model", "nmf"],
     "--model --size: not with --score, which scores the kit as it was written"),
    (validate_command, ["--score", "{kit}", "{tmp}"], "is a folder, expected an answers file"),
    (validate_command, ["--score", "{tmp}/file", "{tmp}/a.csv"], "file: is a file, not a kit folder"),
    (validate_command, ["{run}", "-o", "{tmp}/kit", "--model", "dictionary", "--exclude-seed-words", "--n-words", "10",
                        "--n-units", "0", "--size", "0"],
     "no task could be made: dictionary: word intrusion for 0 of its 6 topics; the others have fewer than 10 words "
     "above a uniform share besides the lexicon's, or no intruder (--n-words); --size 0 asks for no coding sample"),
    (validate_command, ["{run}", "{run}", "-o", "{tmp}/kit"], "give one RUN_DIR"),
    (validate_command, ["--score", "{run}", "{tmp}/a.csv"], "key.json: missing"),
    (validate_command, ["--score", "{tmp}/nokit", "{tmp}/a.csv"], "nokit: no such kit folder"),
])
def test_bad_inputs_are_one_line_errors(run_dir, kit, tmp_path, module, argv, message):
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    argv = [a.format(run=run_dir, tmp=tmp_path, kit=kit) for a in argv]
    with pytest.raises(InputError, match=re.escape(message)) as caught:
        command(module, argv)
    assert "\n" not in str(caught.value)
