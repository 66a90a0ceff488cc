"""One declaration per setting (topics.settings): the config's defaults, the command-line flags, the
Python API's keywords, the functions' defaults and docs/settings.md all say the same, and a flag
overrides its config key."""

from __future__ import annotations

import argparse
import inspect

import pytest

import topics.api as api
from conftest import PROJECT
from topics.cli import build_parser
from topics.config import DEFAULTS
from topics.inference import effects, shares
from topics.inference.corrected import corrected_effects, corrected_shares, design_estimate
from topics.mapping import MappingSettings
from topics.settings import SETTINGS, settings_markdown
from topics.vectorize import build_corpus

DECLARED = list(SETTINGS.values())


@pytest.mark.parametrize("setting", DECLARED, ids=lambda s: s.name)
def test_the_config_default_is_the_declared_one(setting):
    assert DEFAULTS[setting.table][setting.key] == setting.default


def _options(command: str) -> dict[str, argparse.Action]:
    parser = build_parser()
    sub = next(action for action in parser._actions if isinstance(action, argparse._SubParsersAction))
    return {option: action for action in sub.choices[command]._actions for option in action.option_strings}


# every command that takes a declared setting as a flag, with the settings it takes
FLAGS = {"shares": ["inference.draws", "inference.seed", "inference.level", "inference.weight", "inference.predictions",
                    "inference.tuning", "inference.min_documents", "inference.where"],
         "effects": ["effects.draws", "effects.uncertainty", "inference.seed", "inference.level", "inference.weight",
                     "inference.predictions", "inference.where"],
         "examples": ["inference.where"],
         "remap": ["themes.min_lift", "themes.min_margin"]}


@pytest.mark.parametrize("command, name", [(c, n) for c, names in FLAGS.items() for n in names])
def test_a_flag_defaults_to_the_run_s_setting_and_says_the_declared_default(command, name):
    setting = SETTINGS[name]
    action = _options(command)[setting.flag]
    assert action.default is None  # unset: the run's config holds, then the declared default
    assert repr(setting.default) in action.help and f"[{setting.table}] {setting.key}" in action.help


# (function, keyword, setting): keywords whose default must be the declared one, or None ("the run's")
KEYWORDS = [
    (shares, "draws", "inference.draws"), (shares, "seed", "inference.seed"), (shares, "level", "inference.level"),
    (shares, "weight", "inference.weight"), (shares, "min_documents", "inference.min_documents"),
    (api.shares, "min_documents", "inference.min_documents"), (api.shares, "where", "inference.where"),
    (api.effects, "where", "inference.where"),
    (effects, "draws", "effects.draws"), (effects, "seed", "inference.seed"), (effects, "level", "inference.level"),
    (effects, "uncertainty", "effects.uncertainty"), (effects, "weight", "inference.weight"),
    (build_corpus, "no_below", "vocabulary.no_below"), (build_corpus, "no_above", "vocabulary.no_above"),
    (build_corpus, "keep_n", "vocabulary.keep_n"),
    (api.fit, "no_below", "vocabulary.no_below"), (api.fit, "no_above", "vocabulary.no_above"),
    (api.fit, "keep_n", "vocabulary.keep_n"), (api.fit, "min_lift", "themes.min_lift"),
    (api.fit, "min_margin", "themes.min_margin"), (api.fit, "section_weight", "themes.section_weight"),
    (api.fit, "heading_bonus", "themes.heading_bonus"),
    (api.shares, "draws", "inference.draws"), (api.shares, "seed", "inference.seed"),
    (api.shares, "level", "inference.level"), (api.shares, "weight", "inference.weight"),
    (api.effects, "draws", "effects.draws"), (api.effects, "seed", "inference.seed"),
    (api.effects, "uncertainty", "effects.uncertainty"),
    (api.shares, "predictions", "inference.predictions"), (api.shares, "tuning", "inference.tuning"),
    (api.effects, "predictions", "inference.predictions"),
    (corrected_shares, "predictions", "inference.predictions"), (corrected_shares, "tuning", "inference.tuning"),
    (corrected_shares, "draws", "inference.draws"), (corrected_shares, "weight", "inference.weight"),
    (corrected_effects, "predictions", "inference.predictions"), (corrected_effects, "draws", "effects.draws"),
    (design_estimate, "tuning", "inference.tuning"), (design_estimate, "level", "inference.level"),
]


@pytest.mark.parametrize("function, keyword, name", KEYWORDS, ids=lambda v: getattr(v, "__qualname__", str(v)))
def test_a_keyword_default_is_the_declared_one_or_the_run_s(function, keyword, name):
    default = inspect.signature(function).parameters[keyword].default
    assert default is None or default == SETTINGS[name].default


def test_the_mapping_defaults_are_the_declared_ones():
    settings = MappingSettings()
    for key in ("min_lift", "min_margin", "section_weight", "heading_bonus"):
        assert getattr(settings, key) == SETTINGS[f"themes.{key}"].default


def test_docs_list_every_setting_as_declared():
    assert (PROJECT / "docs" / "settings.md").read_text(encoding="utf-8") == settings_markdown(), \
        "regenerate: python -m topics.settings > docs/settings.md"


def test_run_sets_any_config_key_for_one_run_and_checks_it(tmp_path, capsys):
    from test_runner import small_models, write_config
    from conftest import SAMPLE
    from topics.cli import main

    config = write_config(tmp_path, SAMPLE, models=small_models("dictionary"), seeds=(1,))
    run_dir = tmp_path / "run"
    assert main(["run", str(config), "-o", str(run_dir), "--inference.draws", "50", "--vocabulary.no_above=0.7",
                 "--report.enabled", "false"]) == 0
    saved = (run_dir / "config.toml").read_text(encoding="utf-8")
    assert "draws = 50" in saved and "no_above = 0.7" in saved
    assert config.read_text(encoding="utf-8").count("draws") == 0  # the file itself is left as it was
    capsys.readouterr()
    for arguments, message in ((["--inference.drawz", "5"], "unknown key inference.drawz"),
                               (["--inference.draws", "many"], "inference.draws must be an integer from 2 to 100000"),
                               (["--inference.draws"], "--inference.draws: give a value"),
                               (["--draws", "5"], "--draws: unknown option")):
        assert main(["run", str(config), "-o", str(tmp_path / "other"), *arguments]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err, err
    with pytest.raises(SystemExit) as stopped:  # only `topics run` takes config keys
        main(["shares", str(run_dir), "--inference.draws", "5"])
    assert stopped.value.code == 2 and "unrecognized arguments: --inference.draws 5" in capsys.readouterr().err
