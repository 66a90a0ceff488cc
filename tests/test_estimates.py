"""Estimates that account for the model's errors: coding samples drawn by a design (topics.validation.sample),
the GOLD.tsv that keeps it, and the corrected shares and effects (topics.inference.corrected) — the
estimator against the textbook formulas, the designs' inclusion probabilities over repeated draws, and the
whole workflow (kit → answers → --score → shares --gold, effects --gold, the report) on State Council
paragraphs whose hand-coded labels stand in for the coder, so that the true shares are known."""

from __future__ import annotations

import argparse
import csv
import hashlib

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import topics
from conftest import PROJECT
from topics.ingest.structure import LONGEST_PART
from topics.commands import effects as effects_command
from topics.commands import shares as shares_command
from topics.commands import validate as validate_command
from topics.errors import InputError
from topics.inference.corrected import MIN_CODED, design_estimate
from topics.run_folder import RunFolder
from topics.validation.gold import read_gold
from topics.validation.kit import read_key
from topics.validation.sample import Frame, allocate, draw, frame_rows, run_frame_rows

HAND_CODED = ["handcoded_a.tsv", "handcoded_b.tsv", "handcoded_c.tsv", "handcoded_d.tsv"]
CODED_CUT = LONGEST_PART  # units as the sets were coded: only the even cut of the longest (handcoded_check.py)
LABELS = ["ecology", "industry", "livelihood", "governance", "safety", "other"]


def command(module, argv: list) -> int:
    parser = argparse.ArgumentParser()
    module.configure(parser)
    return module.run(parser.parse_args([str(a) for a in argv]))


# ---------------------------------------------------------------- the estimator against the textbook


def test_one_stratum_gives_ppi_with_the_finite_population_variance():
    rng = np.random.default_rng(3)
    n, population = 80, 2000
    f = rng.dirichlet(np.ones(3), size=n)
    y = np.eye(3)[rng.integers(0, 3, size=n)]
    model_share = np.array([0.5, 0.3, 0.2])
    estimate, low, high, lam = design_estimate(model_share, np.ones(n), f, y, np.full(n, n / population),
                                               np.zeros(n, int), np.ones(n, bool), tuning="none")
    residual = y - f
    expected = model_share + residual.mean(axis=0)
    se = np.sqrt((1 - n / population) * residual.var(axis=0, ddof=1) / n)
    q = stats.t.ppf(0.975, n - 1)
    assert np.allclose(estimate, np.clip(expected, 0, 1)) and np.allclose(lam, 1)
    assert np.allclose(low, np.clip(expected - q * se, 0, 1)) and np.allclose(high, np.clip(expected + q * se, 0, 1))


def test_strata_give_the_stratified_estimator_and_its_variance():
    rng = np.random.default_rng(4)
    sizes, drawn = np.array([1000, 200]), np.array([30, 40])
    strata = np.repeat([0, 1], drawn)
    y = np.eye(2)[(rng.random(drawn.sum()) < np.where(strata == 0, 0.1, 0.6)).astype(int)]
    probability = (drawn / sizes)[strata]
    zero = np.zeros_like(y)  # no predictions: the corrected share is the coded units' stratified mean
    estimate, low, high, _ = design_estimate(np.zeros(2), np.ones(len(y)), zero, y, probability, strata,
                                             np.ones(len(y), bool), tuning="none")
    weights = sizes / sizes.sum()
    means = np.array([y[strata == h].mean(axis=0) for h in (0, 1)])
    variances = np.array([y[strata == h].var(axis=0, ddof=1) for h in (0, 1)])
    expected = weights @ means
    parts = (weights ** 2 * (1 - drawn / sizes) / drawn)[:, None] * variances  # stratum × theme
    se = np.sqrt(parts.sum(axis=0))
    df = parts.sum(axis=0) ** 2 / (parts ** 2 / (drawn - 1)[:, None]).sum(axis=0)  # Satterthwaite
    q = stats.t.ppf(0.975, df)
    assert np.allclose(estimate, expected) and np.allclose(high - low, 2 * q * se)
    assert (df < len(y) - 2).all()


def test_power_tuning_leans_on_good_predictions_and_ignores_noise():
    rng = np.random.default_rng(5)
    n = 200
    y = np.eye(2)[rng.integers(0, 2, size=n)]
    args = (np.full(n, 0.1), np.zeros(n, int), np.ones(n, bool))
    _, low, high, lam = design_estimate(np.array([0.5, 0.5]), np.ones(n), y.copy(), y, *args, tuning="power")
    assert np.allclose(lam, 1) and np.allclose(high - low, 0)  # perfect predictions: nothing left to correct
    noise = rng.dirichlet(np.ones(2), size=n)
    _, low_t, high_t, lam = design_estimate(noise.mean(axis=0), np.ones(n), noise, y, *args, tuning="power")
    _, low_n, high_n, _ = design_estimate(noise.mean(axis=0), np.ones(n), noise, y, *args, tuning="none")
    assert (lam < 0.3).all() and ((high_t - low_t) < (high_n - low_n)).all()


# ---------------------------------------------------------------- designs and batches


def test_allocation_gives_every_stratum_its_minimum_and_refuses_too_small_a_sample():
    sizes = {"ecology": 40, "industry": 400, "safety": 1}
    counts = allocate(sizes, {}, {h: n ** -0.5 for h, n in sizes.items()}, 30)
    assert sum(counts.values()) == 30 and counts["safety"] == 1 and counts["ecology"] >= 2
    assert counts["industry"] > counts["ecology"]  # n_h grows with √N_h
    with pytest.raises(InputError, match=r"--size 3: too small for this design: .* at least 5 units"):
        allocate(sizes, {}, {h: 1.0 for h in sizes}, 3)
    with pytest.raises(InputError, match="--size 500: only 441 units a coder can judge are not drawn yet; give at most 441"):
        allocate(sizes, {}, {h: 1.0 for h in sizes}, 500)


def test_after_two_batches_every_unit_of_a_stratum_was_drawn_with_the_recorded_probability():
    """The module's claim: a second batch drawn from what the first left makes the two a simple random
    sample of each stratum, so every unit's probability of being in it is (n_h1 + n_h2) / N_h."""
    strata = np.array(["a"] * 10 + ["b"] * 30 + ["c"] * 60, dtype=object)
    frame = Frame("active", np.arange(100), strata, {"a": 3.0, "b": 1.0, "c": 0.5})
    rng = np.random.default_rng(6)
    counts, repeats = np.zeros(100), 3000
    for _ in range(repeats):
        first = draw(frame, set(), 12, rng)
        second = draw(frame, {row for row, _ in first}, 8, rng)
        counts[[row for row, _ in first + second]] += 1
    drawn = pd.Series([h for _, h in first + second]).value_counts()
    expected = np.array([drawn[h] / (strata == h).sum() for h in strata])
    tolerance = 4 * np.sqrt(expected * (1 - expected) / repeats)
    assert (np.abs(counts / repeats - expected) < tolerance).all()
    assert expected[0] > expected[10] > expected[40]  # the heavier a stratum's weight, the likelier its units


def test_the_frame_leaves_out_headings_short_lines_and_repeated_text():
    from topics.documents import Unit

    rows = [Unit(doc_id="d", unit_id=f"d:u{i}", kind=kind, heading="", text=text) for i, (kind, text) in enumerate([
        ("paragraph", "生态" * 20), ("heading", "产业" * 30), ("paragraph", "民生" * 19), ("paragraph", "生态" * 20),
        ("point", "安全" * 20)])]
    assert frame_rows(rows) == [0, 4]


# ---------------------------------------------------------------- the workflow on State Council paragraphs


def hand_coded_state_council(corpora):
    """The hand-coded paragraphs of the State Council reports (newspaper edition) as cut by ingest, with
    their labels (units whose text no longer matches the stored check are left out)."""
    from topics.ingest import ingest_paths

    wanted = {}
    for name in HAND_CODED:
        with (PROJECT / "experiments" / name).open(encoding="utf-8") as handle:
            for record in csv.DictReader((line for line in handle if not line.startswith("#")), delimiter="\t"):
                if record["unit_id"].startswith("national_gwr_hprc/"):
                    wanted[record["unit_id"]] = (record["label"], record.get("text_sha1"))
    found = []
    for unit in ingest_paths([str(corpora / "national_gwr_hprc")], max_unit_chars=CODED_CUT).units:
        if unit.unit_id in wanted:
            label, check = wanted[unit.unit_id]
            if not check or hashlib.sha1(unit.text.encode("utf-8")).hexdigest()[:12] == check:
                found.append((unit, label))
    return found


@pytest.fixture(scope="module")
def coded_run(tmp_path_factory, shared_corpora):
    """A run over the hand-coded paragraphs of the State Council reports 1954–2022 (one file a year,
    paragraphs as coded), so that every unit of its frame has a known label: the coder's answers are
    the hand codes, and the true shares are known."""
    from test_runner import small_models, write_config

    folder = tmp_path_factory.mktemp("estimates")
    corpus = folder / "corpus"
    corpus.mkdir()
    by_year, truth = {}, {}
    for unit, label in hand_coded_state_council(shared_corpora):
        by_year.setdefault(unit.doc_id.split("/")[1], []).append(unit.text)
        truth[unit.text] = label
    lines = ["file\tyear\tregion"]
    for year, texts in sorted(by_year.items()):
        (corpus / f"{year}.txt").write_text("\n\n".join(texts) + "\n", encoding="utf-8")
        lines.append(f"{year}.txt\t{year}\t国务院")
    (corpus / "MANIFEST.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = write_config(folder, corpus, models=small_models("seeded-lda", "dictionary"), seeds=(1, 2), report=True)
    from topics.cli import main

    # the paragraphs stay whole, as they were coded
    assert main(["run", str(config), "-o", str(folder / "run"), "--evaluation.heldout_fraction", "0",
                 "--corpus.max_unit_chars", str(CODED_CUT)]) == 0
    return folder / "run", truth


def answer(kit, path, truth, coder="ann", batch=None) -> None:
    """A coder who gives every drawn unit its hand-coded label (the coding page's CSV)."""
    key = read_key(kit)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
        writer.writerow(["kit", "coder", "task", "kind", "answer"])
        for task in key["tasks"]:
            if task["kind"] == "code" and batch in (None, task["batch"]):
                writer.writerow([key["kit"]["id"], coder, task["task"], "code", truth[task["text"]]])


def true_shares(run_dir, truth) -> pd.Series:
    run = RunFolder.open(run_dir)
    labels = [truth[run.run_units.unit(i).text] for i in run_frame_rows(run)]
    return pd.Series(labels).value_counts(normalize=True).reindex(LABELS, fill_value=0.0)


@pytest.mark.corpora
@pytest.mark.slow
def test_kit_answers_score_and_corrected_shares_on_state_council_paragraphs(coded_run, tmp_path, capsys):
    run_dir, truth = coded_run
    kit = tmp_path / "kit"
    assert command(validate_command, [run_dir, "-o", kit, "--design", "active", "--size", 60,
                                      "--model", "seeded-lda"]) == 0
    assert "design: active, 60 of" in capsys.readouterr().out
    sample = pd.read_csv(kit / "key" / "sample.tsv", sep="\t")
    assert len(sample) == 60 and set(sample["batch"]) == {1}
    assert np.allclose(sample["inclusion_probability"], sample["drawn"] / sample["stratum_units"], rtol=1e-9)
    assert sample.groupby("stratum")["inclusion_probability"].nunique().eq(1).all()

    answer(kit, tmp_path / "ann.csv", truth)
    assert command(validate_command, ["--score", kit, tmp_path / "ann.csv"]) == 0
    gold_path = kit / "scores" / "GOLD.tsv"
    gold = read_gold(gold_path, LABELS)
    frame = len(run_frame_rows(RunFolder.open(run_dir)))
    assert len(gold) == 60 and {g.design for g in gold} == {"active"}
    assert sum(1 / g.inclusion_probability for g in gold) == pytest.approx(frame, rel=1e-6)

    assert command(shares_command, [run_dir, "--gold", gold_path, "--draws", 300]) == 0
    written = (run_dir / "shares_corrected.csv").read_bytes()
    table = pd.read_csv(run_dir / "shares_corrected.csv")
    assert set(table["estimator"]) == {"model", "corrected", "bias"} and (table["n_coded"] == 60).all()
    assert (table["n_units"] == frame).all() and (table["predictions"] == "soft").all()
    wide = table.pivot_table(index=["model", "theme"], columns="estimator", values="share")
    assert np.allclose(wide["bias"], wide["corrected"] - wide["model"])
    shares = true_shares(run_dir, truth)
    corrected = table[table["estimator"] == "corrected"]
    covered = (corrected["ci_low"] <= corrected["theme"].map(shares)) & (corrected["theme"].map(shares) <= corrected["ci_high"])
    assert covered.all(), corrected.assign(truth=corrected["theme"].map(shares))
    model_only = table[(table["estimator"] == "model") & (table["theme"] == "safety")]
    assert (model_only["ci_low"] > shares["safety"]).all()  # both models see safety where the coders do not
    # a fixed seed gives the same table, and the API gives it too
    assert command(shares_command, [run_dir, "--gold", gold_path, "--draws", 300]) == 0
    assert (run_dir / "shares_corrected.csv").read_bytes() == written
    api = topics.shares(run_dir, gold=gold_path, draws=300)
    assert np.allclose(api["share"], table["share"], equal_nan=True)

    # code 30 more: a second batch, its probabilities those of the combined sample
    before = read_key(kit)
    assert command(validate_command, [run_dir, "--add", 30, "-o", kit]) == 0
    after = read_key(kit)
    assert after["kit"]["id"] == before["kit"]["id"]  # the coding page keeps the answers given so far
    assert after["tasks"][:len(before["tasks"])] == before["tasks"]
    page = (kit / "coding.html").read_text(encoding="utf-8")
    assert all(f'"id": "c{n:03d}"' in page for n in range(1, 91))
    sample = pd.read_csv(kit / "key" / "sample.tsv", sep="\t")
    assert len(sample) == 90 and sample["batch"].value_counts().to_dict() == {1: 60, 2: 30}
    assert np.allclose(sample["inclusion_probability"], sample["drawn"] / sample["stratum_units"], rtol=1e-9)
    assert sample.groupby("stratum")["drawn"].first().sum() == 90
    answer(kit, tmp_path / "ann2.csv", truth, batch=2)  # the second batch's answers in a file of their own
    assert command(validate_command, ["--score", kit, tmp_path / "ann.csv", tmp_path / "ann2.csv"]) == 0
    gold = read_gold(gold_path, LABELS)
    assert len(gold) == 90 and {g.batch for g in gold} == {"1", "2"}
    assert sum(1 / g.inclusion_probability for g in gold) == pytest.approx(frame, rel=1e-6)
    # answers of the first batch only, scored after the second was drawn: probabilities of what was coded
    assert command(validate_command, ["--score", kit, tmp_path / "ann.csv", "-o", tmp_path / "first"]) == 0
    first = read_gold(tmp_path / "first" / "GOLD.tsv", LABELS)
    assert len(first) == 60 and sum(1 / g.inclusion_probability for g in first) == pytest.approx(frame, rel=1e-6)
    assert "the other 30 count as not drawn" in capsys.readouterr().out


@pytest.mark.corpora
@pytest.mark.slow
def test_corrected_effects_and_the_report_section(coded_run, tmp_path, capsys):
    run_dir, truth = coded_run
    kit = tmp_path / "kit"
    assert command(validate_command, [run_dir, "-o", kit, "--design", "stratified", "--size", 80]) == 0
    answer(kit, tmp_path / "ann.csv", truth)
    assert command(validate_command, ["--score", kit, tmp_path / "ann.csv"]) == 0
    gold_path = kit / "scores" / "GOLD.tsv"
    assert command(effects_command, [run_dir, "--formula", "~ year", "--gold", gold_path, "--draws", 50,
                                     "--theme", "industry", "other", "--no-progress"]) == 0
    table = pd.read_csv(run_dir / "effects_corrected.csv")
    slopes = table[table["term"] == "year"]
    assert set(slopes["estimator"]) == {"model", "corrected"} and set(slopes["theme"]) == {"industry", "other"}
    assert (slopes["ci_low"] < slopes["estimate"]).all() and (slopes["estimate"] < slopes["ci_high"]).all()
    expected = pd.read_csv(run_dir / "effects_corrected_expected.csv")
    assert set(expected["estimator"]) == {"model", "corrected"} and expected["share"].between(0, 1).all()

    assert command(shares_command, [run_dir, "--gold", gold_path, "--draws", 200]) == 0
    from topics.cli import main

    assert main(["report", str(run_dir)]) == 0
    page = (run_dir / "report.html").read_text(encoding="utf-8")
    section = page.split('id="corrected"', 1)[1].split("</section>", 1)[0]
    assert "stratified" in section and "80" in section and "corrected_seeded-lda-k7.png" in section
    assert "bias" in section and "Covariate effects" in section
    assert (run_dir / "plots" / "corrected_seeded-lda-k7.png").is_file()
    # the table marks (▲) exactly the themes whose corrected share left the model-only interval
    table = pd.read_csv(run_dir / "shares_corrected.csv").query("model == 'seeded-lda'")
    model = table[table["estimator"] == "model"].set_index("theme")
    corrected = table[table["estimator"] == "corrected"].set_index("theme")["share"]
    outside = set(corrected.index[(corrected < model["ci_low"]) | (corrected > model["ci_high"])])
    assert outside  # the model's safety share is far from the coders'
    from topics.report.corrected import moved

    assert set(moved(table).index[moved(table)].get_level_values("theme")) == outside


# ---------------------------------------------------------------- bad input, one line each


def _rewrite(path, out, change):
    """A GOLD.tsv with ``change(rows)`` applied to its rows (dicts)."""
    with path.open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        header, rows = reader.fieldnames, list(reader)
    rows = change(rows)
    with out.open("w", encoding="utf-8") as handle:
        handle.write("\t".join(header) + "\n")
        for row in rows:
            handle.write("\t".join(row[c] for c in header) + "\n")
    return out


@pytest.mark.corpora
@pytest.mark.slow
def test_bad_samples_are_refused_in_one_line(coded_run, tmp_path, sample_path):
    run_dir, truth = coded_run
    kit = tmp_path / "kit"
    assert command(validate_command, [run_dir, "-o", kit, "--design", "stratified", "--size", 40]) == 0
    answer(kit, tmp_path / "ann.csv", truth)
    assert command(validate_command, ["--score", kit, tmp_path / "ann.csv"]) == 0
    gold = kit / "scores" / "GOLD.tsv"

    def strata_with(rows, count):
        return [s for s in dict.fromkeys(r["stratum"] for r in rows) if sum(r["stratum"] == s for r in rows) >= count]

    def one_left(rows):  # a stratum cut to one coded unit that stands for all its units
        stratum = strata_with(rows, 2)[0]
        mine = [r for r in rows if r["stratum"] == stratum]
        mine[0]["inclusion_probability"] = str(float(mine[0]["inclusion_probability"]) / len(mine))
        return [r for r in rows if r["stratum"] != stratum] + mine[:1]

    def two_probabilities(rows):
        rows[1]["inclusion_probability"] = str(float(rows[1]["inclusion_probability"]) * 0.5)
        rows[1]["stratum"] = rows[0]["stratum"]
        return rows

    cases = [
        (lambda rows: [{**r, "inclusion_probability": "0"} if i == 2 else r for i, r in enumerate(rows)],
         r"GOLD-0.tsv:4: inclusion_probability 0 is outside \(0, 1\]"),
        (lambda rows: [{**r, "inclusion_probability": "1.5"} if i == 0 else r for i, r in enumerate(rows)],
         r":2: inclusion_probability 1.5 is outside \(0, 1\]"),
        (lambda rows: [{**r, "inclusion_probability": "many"} if i == 0 else r for i, r in enumerate(rows)],
         r":2: inclusion_probability 'many' is not a number"),
        (lambda rows: [{**r, "unit": "corpus/1954:u999", "doc": "corpus/1954"} if i == 0 else r
                       for i, r in enumerate(rows)], r":2: unit corpus/1954:u999 is not a unit of the run"),
        (lambda rows: rows[:-3], r"design mismatch: its inclusion probabilities stand for"),
        (lambda rows: [{**r, "kit": "another"} if i == 5 else r for i, r in enumerate(rows)],
         r":7: design mismatch: rows of kit"),
        (two_probabilities, r"design mismatch: stratum .* has inclusion probabilities"),
        (one_left, r"has 1 coded unit; an interval needs at least 2 in every stratum"),
    ]
    for number, (change, message) in enumerate(cases):
        path = _rewrite(gold, tmp_path / f"GOLD-{number}.tsv", change)
        with pytest.raises(InputError, match=message) as caught:
            command(shares_command, [run_dir, "--gold", path, "--draws", 20])
        assert "\n" not in str(caught.value)

    # no design at all: a GOLD.tsv of hand-coded units drawn by no known design
    plain = _rewrite(gold, tmp_path / "plain.tsv", lambda rows: rows)
    text = plain.read_text(encoding="utf-8").splitlines()
    columns = text[0].split("\t")
    keep = [i for i, c in enumerate(columns) if c in ("doc", "unit", "label", "heading", "text")]
    plain.write_text("\n".join("\t".join(line.split("\t")[i] for i in keep) for line in text) + "\n", encoding="utf-8")
    for module, extra in ((shares_command, []), (effects_command, ["--formula", "~ year"])):
        with pytest.raises(InputError, match="no inclusion_probability column: its units were not drawn by a known"):
            command(module, [run_dir, "--gold", plain, *extra])

    # a sample too small for an interval
    small = tmp_path / "small"
    assert command(validate_command, [run_dir, "-o", small, "--design", "random", "--size", MIN_CODED - 5]) == 0
    answer(small, tmp_path / "small.csv", truth)
    assert command(validate_command, ["--score", small, tmp_path / "small.csv"]) == 0
    with pytest.raises(InputError, match=f"{MIN_CODED - 5} coded units; a corrected interval needs at least {MIN_CODED}"):
        command(shares_command, [run_dir, "--gold", small / "scores" / "GOLD.tsv"])

    # the kit's design, the run it was drawn from, and a size the design can hold
    with pytest.raises(InputError, match="--design active: design mismatch: .* was drawn by the stratified design"):
        command(validate_command, [run_dir, "--add", 10, "-o", kit, "--design", "active"])
    with pytest.raises(InputError, match=r"--size 5: too small for this design: an interval needs 2 coded units from each of its 12 strata .* at least 24 units"):
        command(validate_command, [run_dir, "-o", tmp_path / "tiny", "--design", "active", "--size", 5])
    other = tmp_path / "other-run"
    from test_runner import small_models, write_config
    from topics.cli import main

    assert main(["run", str(write_config(tmp_path, sample_path, models=small_models("dictionary"), seeds=(1,))),
                 "-o", str(other)]) == 0
    with pytest.raises(InputError, match="design mismatch"):
        command(validate_command, [other, "--add", 10, "-o", kit])
    with pytest.raises(InputError, match="is not a unit of the run"):
        command(shares_command, [other, "--gold", gold])


@pytest.mark.corpora
@pytest.mark.slow
def test_bad_input_exits_2_with_one_line(coded_run, tmp_path, capsys):
    from topics.cli import main

    run_dir, _ = coded_run
    gold = tmp_path / "GOLD.tsv"
    gold.write_text("doc\tunit\tlabel\theading\ttext\tinclusion_probability\n"
                    "corpus/1954\tcorpus/1954:u001\tindustry\t\t文字\t-0.2\n", encoding="utf-8")
    assert main(["shares", str(run_dir), "--gold", str(gold)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "GOLD.tsv:2: inclusion_probability -0.2 is outside (0, 1]" in err
