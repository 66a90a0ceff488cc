"""The coding loop that serves both the corrected estimates and the classifier: the ``learn`` design draws
the batch a classifier learns most from with recorded inclusion probabilities, and ``--score --retrain``
trains the run's classifier again on the coded units."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import topics

from test_estimates import answer, coded_run, command  # noqa: F401 — coded_run is a fixture
from topics.commands import assign as assign_command
from topics.commands import validate as validate_command
from topics.errors import InputError
from topics.ingest.structure import LONGEST_PART
from topics.models import PRETRAINED_DIR, load_model
from topics.run_folder import RunFolder
from topics.validation.gold import read_gold
from topics.validation.kit import read_key
from topics.validation.sample import LEARN_MIX, Frame, draw, frame_of, reweighted, run_frame_rows

LABELS = ["ecology", "industry", "livelihood", "governance", "safety", "other"]


def test_the_spread_draw_gives_every_unit_of_a_stratum_the_recorded_probability_over_two_batches():
    """learn's systematic draw along the corpus order: each unit of a stratum is drawn with probability
    (n_h1 + n_h2) / N_h after two batches, as a simple random sample's would be; and the batch is spread."""
    strata = np.array(["a"] * 12 + ["b"] * 30 + ["c"] * 58, dtype=object)
    frame = Frame("learn", np.arange(100), strata, {"a": 3.0, "b": 1.0, "c": 0.5}, spread=True)
    rng = np.random.default_rng(11)
    counts, repeats = np.zeros(100), 3000
    for _ in range(repeats):
        first = draw(frame, set(), 14, rng)
        second = draw(frame, {row for row, _ in first}, 9, rng)
        rows = [row for row, _ in first + second]
        assert len(set(rows)) == len(rows)
        counts[rows] += 1
    drawn = pd.Series([h for _, h in first + second]).value_counts()
    expected = np.array([drawn[h] / (strata == h).sum() for h in strata])
    tolerance = 4 * np.sqrt(expected * (1 - expected) / repeats)
    assert (np.abs(counts / repeats - expected) < tolerance).all()
    # spread: the c units of one batch are never next to each other in the corpus order
    c_rows = sorted(row for row, h in first if h == "c")
    assert np.diff(c_rows).min() >= 58 // len(c_rows) - 1


def test_learn_keeps_every_unit_a_share_of_a_random_samples_chance():
    """The mixture: however sure the model is of a unit and however common its theme, its stratum's weight per
    unit (what its inclusion probability is proportional to) is at least LEARN_MIX of the mean."""
    rng = np.random.default_rng(3)
    assigned = ["industry"] * 300 + ["safety"] * 10 + ["ecology"] * 40
    uncertain = np.r_[np.full(100, 0.001), rng.uniform(0.2, 0.7, 250)]
    frame = frame_of(np.arange(350), "learn", assigned, uncertain, LABELS)
    sizes = frame.sizes()
    mean = sum(frame.weights[h] * sizes[h] for h in sizes) / 350
    assert 0 < LEARN_MIX < 1
    # the bound holds, and binds: the units the model is surest of, of the commonest theme, sit at it
    assert LEARN_MIX * mean - 1e-12 <= min(frame.weights.values()) <= (LEARN_MIX + 0.01) * mean
    assert frame.weights["safety:u3"] > frame.weights["industry:u3"] > frame.weights["industry:u1"]
    again = reweighted(frame, np.full(350, 0.001), set(range(350)))  # a retrained model sure of everything
    assert min(again.weights.values()) >= LEARN_MIX * mean - 1e-12


def sample_of(kit) -> pd.DataFrame:
    return pd.read_csv(kit / "key" / "sample.tsv", sep="\t")


@pytest.mark.corpora
@pytest.mark.slow
def test_learn_batch_on_state_council_paragraphs_records_its_probabilities_and_favours_rare_themes(coded_run, tmp_path):
    run_dir, _ = coded_run
    run = RunFolder.open(run_dir)
    frame = len(run_frame_rows(run))
    kits = {}
    for name, design, seed in (("learn", "learn", 3), ("again", "learn", 3), ("other_seed", "learn", 4),
                               ("stratified", "stratified", 3)):
        kits[name] = tmp_path / name
        assert command(validate_command, [run_dir, "-o", kits[name], "--design", design, "--size", 80,
                                          "--model", "seeded-lda", "--seed", seed, "--n-units", 0]) == 0
    sample = sample_of(kits["learn"])
    assert len(sample) == 80 and sample["unit_id"].is_unique
    p = sample["inclusion_probability"]
    assert ((p > 0) & (p <= 1)).all()
    assert np.allclose(p, sample["drawn"] / sample["stratum_units"], rtol=1e-9)
    # the inverse probabilities stand for every unit of the frame: each stratum's units, once
    assert (1 / p).sum() == pytest.approx(frame, rel=1e-6)
    assert sample.groupby("stratum")["inclusion_probability"].nunique().eq(1).all()
    # one seed, one batch (byte for byte); another seed, another batch from the same strata
    assert (kits["learn"] / "key" / "sample.tsv").read_bytes() == (kits["again"] / "key" / "sample.tsv").read_bytes()
    other = sample_of(kits["other_seed"])
    assert set(other["unit_id"]) != set(sample["unit_id"])
    assert other.groupby("stratum").size().to_dict() == sample.groupby("stratum").size().to_dict()

    # rare predicted themes are drawn more: by unit, the rarest theme's units are likelier in the sample than
    # the commonest theme's, and likelier than under the stratified design
    themes = {name: sample_of(kit).assign(theme=lambda t: t["stratum"].str.split(":").str[0])
              for name, kit in kits.items() if name in ("learn", "stratified")}
    fit = next(f for f in run.fits(primary_only=True) if f.model == "seeded-lda")
    assigned = pd.Series([fit.themes.theme_names()[i] for i in run_frame_rows(run)]).value_counts()
    rarest, commonest = assigned.index[-1], assigned.index[0]

    def chance(name, theme):  # the mean inclusion probability of the theme's units of the frame
        table = themes[name]
        return table.loc[table["theme"] == theme].groupby("stratum").apply(
            lambda g: g["inclusion_probability"].iloc[0] * g["stratum_units"].iloc[0]).sum() / assigned[theme]

    assert chance("learn", rarest) > chance("learn", commonest)
    assert chance("learn", rarest) > chance("stratified", rarest)
    assert chance("learn", commonest) < chance("stratified", commonest)


@pytest.mark.corpora
@pytest.mark.slow
def test_score_retrains_the_runs_classifier_on_request(coded_run, tmp_path, capsys):
    run_dir, truth = coded_run
    kit = tmp_path / "kit"
    assert command(validate_command, [run_dir, "-o", kit, "--design", "learn", "--size", 80, "--model", "seeded-lda",
                                      "--n-units", 0]) == 0
    answer(kit, tmp_path / "ann.csv", truth)
    assert command(validate_command, ["--score", kit, tmp_path / "ann.csv"]) == 0
    assert not (kit / "scores" / "model").exists()  # only on request
    assert command(validate_command, ["--score", kit, tmp_path / "ann.csv", "--retrain"]) == 0
    out = capsys.readouterr().out
    gold = read_gold(kit / "scores" / "GOLD.tsv", LABELS)
    assert {g.design for g in gold} == {"learn"}
    # the run has no label-learning model and no coded units of its own: supervised learns the 80 coded ones
    assert f"retrained supervised on {len(gold)} coded units" in out
    model = load_model(kit / "scores" / "model")
    assert model.name == "supervised" and set(model.result_.topic_themes) <= set(LABELS)

    # the model folder is one `topics assign` takes, and it learnt the codes: it agrees with the coders on
    # most of the units it learnt from (themes in context, as assign gives them)
    corpus = run_dir.parent / "corpus"
    assert command(assign_command, [kit / "scores" / "model", corpus, "-o", tmp_path / "themes.csv",
                                    "--no-progress", "--max-unit-chars", LONGEST_PART]) == 0  # paragraphs as coded
    themes = pd.read_csv(tmp_path / "themes.csv")
    coded = {g.unit.text: g.label for g in gold}
    mine = themes[themes["text"].isin(coded)]
    assert len(mine) >= 0.9 * len(gold)
    assert (mine["theme"] == mine["text"].map(coded)).mean() > 0.8

    # the loop learns: the next batch is shared among the kit's strata by the retrained model's uncertainty,
    # and every probability is still that of the combined sample
    assert command(validate_command, [run_dir, "--add", 40, "-o", kit, "--learn-from", kit / "scores" / "model"]) == 0
    design = read_key(kit)["kit"]["design"]
    second = design["batches"][-1]
    assert second["learnt_from"] == str(kit / "scores" / "model") and second["size"] == 40
    assert second["weights"] != design["weights"]
    sample = pd.read_csv(kit / "key" / "sample.tsv", sep="\t")
    assert len(sample) == 120 and set(sample["batch"]) == {1, 2} and sample["unit_id"].is_unique
    assert (1 / sample["inclusion_probability"]).sum() == pytest.approx(len(run_frame_rows(RunFolder.open(run_dir))),
                                                                        rel=1e-6)
    assert np.allclose(sample["inclusion_probability"], sample["drawn"] / sample["stratum_units"], rtol=1e-9)

    # scored again, the retrained model replaces the first one; the options are refused where they do nothing
    answer(kit, tmp_path / "ann2.csv", truth)
    assert command(validate_command, ["--score", kit, tmp_path / "ann2.csv", "--retrain"]) == 0
    assert "retrained supervised on 120 coded units" in capsys.readouterr().out
    with pytest.raises(InputError, match="--retrain: only with --score"):
        command(validate_command, [run_dir, "-o", tmp_path / "kit2", "--retrain"])
    with pytest.raises(InputError, match="--learn-from: only with --add"):
        command(validate_command, [run_dir, "-o", tmp_path / "kit2", "--learn-from", kit / "scores" / "model"])
    plain = tmp_path / "plain"
    assert command(validate_command, [run_dir, "-o", plain, "--size", 40, "--model", "seeded-lda", "--n-units", 0]) == 0
    with pytest.raises(InputError, match="--learn-from .*: the kit's stratified design draws by no model's"):
        command(validate_command, [run_dir, "--add", 10, "-o", plain, "--learn-from", kit / "scores" / "model"])
    with pytest.raises(InputError, match="--learn-from .*nowhere: no such model folder"):
        command(validate_command, [run_dir, "--add", 10, "-o", kit, "--learn-from", tmp_path / "nowhere"])


# a study whose coders file what the codebook calls industry under livelihood and the reverse
SWAPPED = {"industry": "livelihood", "livelihood": "industry"}


@pytest.mark.corpora
@pytest.mark.slow
def test_retrain_of_a_run_with_only_the_pretrained_model_moves_the_shipped_weights_toward_the_codes(
        coded_run, tmp_path, capsys):
    """The shipped model's training text is not shipped, so the codes cannot be pooled with it: --retrain
    adapts its weights (pretrained-adapted), which move toward the study's codes where they depart from the
    project's; the same codes give the same bytes."""
    from test_runner import write_config
    from topics.cli import main

    run_dir, truth = coded_run
    config = write_config(tmp_path, run_dir.parent / "corpus", models="\n[models.pretrained]\n", seeds=(1,))
    run = tmp_path / "run"
    assert main(["run", str(config), "-o", str(run), "--evaluation.heldout_fraction", "0",
                 "--corpus.max_unit_chars", str(LONGEST_PART)]) == 0
    kit = tmp_path / "kit"
    assert command(validate_command, [run, "-o", kit, "--design", "learn", "--size", 120, "--model", "pretrained",
                                      "--n-units", 0]) == 0
    codes = {text: SWAPPED.get(label, label) for text, label in truth.items()}
    answer(kit, tmp_path / "ann.csv", codes)
    assert command(validate_command, ["--score", kit, tmp_path / "ann.csv", "--retrain"]) == 0
    gold = read_gold(kit / "scores" / "GOLD.tsv", LABELS)
    assert f"retrained pretrained-adapted on {len(gold)} coded units" in capsys.readouterr().out
    folder = kit / "scores" / "model"
    assert load_model(folder).name == "pretrained-adapted"
    adapted_with = json.loads((folder / "pretrained.json").read_text(encoding="utf-8"))["provenance"]["adapted_with"]
    assert adapted_with["units"] == len(gold) == 120
    assert adapted_with["labels"]["industry"] == sum(g.label == "industry" for g in gold) > 20

    def agreement(model) -> tuple[float, float]:
        """On the units it learnt from: how often its theme (in context, as `topics assign` gives it) is the
        study's code, and the mean probability it gives the code (the unit alone, as the API gives it)."""
        out = tmp_path / f"{Path(model).name}.csv"
        assert command(assign_command, [model, run_dir.parent / "corpus", "-o", out, "--no-progress",
                                        "--max-unit-chars", LONGEST_PART]) == 0
        themes = pd.read_csv(out)
        themes = themes[themes["text"].isin({g.unit.text for g in gold})]
        assert len(themes) >= 0.9 * len(gold)
        alone = topics.load(str(model)).assign([g.unit.text for g in gold])
        chance = [row[f"p_{codes[g.unit.text]}"] for g, (_, row) in zip(gold, alone.iterrows())]
        return float((themes["theme"] == themes["text"].map(codes)).mean()), float(np.mean(chance))

    (shipped, shipped_p), (moved, moved_p) = agreement("pretrained"), agreement(folder)
    # 120 codes against the ~1,260 units the shipped weights stand for, at C = 1: they pull every unit toward its
    # code without overturning what the shipped model learnt (C = 10 does: tests/test_adapt.py)
    assert moved >= shipped and moved_p > shipped_p + 0.04, (shipped, moved, shipped_p, moved_p)

    first = (folder / "classifier.npz").read_bytes()
    assert first != (PRETRAINED_DIR / "classifier.npz").read_bytes()
    assert command(validate_command, ["--score", kit, tmp_path / "ann.csv", "--retrain"]) == 0
    assert (folder / "classifier.npz").read_bytes() == first
