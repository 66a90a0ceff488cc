"""Effects formulas (topics.formula): a formula runs no code, whichever way it comes in — `topics run`'s
config, `topics effects --formula`, the config.toml of a run folder that `topics remap` re-estimates,
and topics.effects — and the formulas the documentation uses give the designs they always gave; the
effects' own failures (a category with one value left, near-collinear terms, a theme that separates)
are one line each, on runs of real State Council and 海拉尔区 reports."""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import patsy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from test_runner import small_models, write_config
from topics.cli import main
from topics.config import load_config
from topics.errors import InputError
from topics.formula import check_formula, environment
from topics.inference import effects, study_data
from topics.inference.effects import design_matrix, expected_grid

MODELS = small_models("dictionary", "seeded-lda")
YEARS = [2012, 2013, 2014, 2016, 2017, 2018, 2019]  # the years both corpora have
PAYLOAD = "__import__('os').system('touch {target}')"

# (formula with {target} for the file its payload would create, fragment of the one-line message)
ATTACKS = [
    ("~ __import__('os').system('touch {target}')", "'__import__' is not allowed"),
    ('~ __import__("os").system("touch {target}")', "'__import__' is not allowed"),
    ("~ I(year + 0 * __import__('os').system('touch {target}'))", "'__import__' is not allowed"),
    ("~ year + (lambda: __import__('os').system('touch {target}'))()", "expected an operator, not '('"),
    ("~ year + I((lambda: 1)())", "'lambda: 1' is not allowed"),
    ("~ np.__dict__", "'np.__dict__' is not allowed"),
    ("~ np.os.system('touch {target}')", "'np.os.system' is not allowed"),
    ("~ np.save('{target}', year)", "'np.save' is not allowed"),
    ("~ C(region).__class__", "'C(region).__class__' is not allowed"),
    ("~ I(year).__class__.__base__.__subclasses__()", "is not allowed"),
    ("~ year[0]", "'year[0]' is not allowed"),
    ("~ {{}}", "'{{}}' is not allowed"),
    ("~ getattr(np, 'log')(year)", "'getattr' is not allowed"),
    ("~ eval('1')", "'eval' is not allowed"),
    ("~ I(year + 0 * eval('__imp' + 'ort__(\"os\").system(\"touch {target}\")'))", "'eval' is not allowed"),
    ("~ I(year + 0 * exec('import os'))", "'exec' is not allowed"),
    ("~ 'ab' 'cd'", "\"'ab' 'cd'\" is not allowed"),
    ("~ I(year + len('a' 'b'))", "'len' is not allowed"),
    ("~ ｅval(\"__import__('os').system('touch {target}')\")", "'ｅval' is not allowed; it reads as 'eval'"),
    ("~ \u0435val('1')", "'\u0435val' is not allowed"),  # a Cyrillic е
    ("~ year\n+ __import__('os').system('touch {target}')", "'__import__' is not allowed"),
    ("~ year # __import__('os').system('touch {target}')", "comments are not allowed"),
    ("~ year\r+ __import__('os').system('touch {target}')", "the character '\\r' is not allowed"),
    ("~ [__import__('os').system('touch {target}') for _ in year]", "'__import__' is not allowed"),
    ("~ I((x := year))", "is not allowed"),
    ("~ C(region, Treatment(__import__('os').system('touch {target}')))", "'__import__' is not allowed"),
    ("~ bs(year, df=__import__('os').system('touch {target}'))", "'__import__' is not allowed"),
    ("~ bs(year, df=4, knots=year)", "'knots=' is not allowed; bs() takes df=, degree="),
    ("~ C(region, Sum)", "C()'s second argument is Treatment('level')"),
    ("~ Q('__builtins__')", "'Q' is not allowed"),
    ("~ __builtins__", "'__builtins__' is not allowed"),
    ("~ I(9 ** 9 ** 9)", "** needs a column on one side"),
    ("~ (year + gdp + coastal + region) ** 99 * (year + gdp) * (coastal + region) * gdp", "more than 100 terms"),
    ("year ~ __import__('os').system('touch {target}')", "give only the right-hand side"),
]
# the formulas of README.md and docs/, and one of each transform
LEGITIMATE = ["~ year", "~ bs(year, df=4) + C(region)", "~ year + coastal", "~ I(year - 2000)", "~ np.log(gdp)",
              "~ year + C(region)", "~ bs(year, df=4)", "~ C(region, Treatment('呼伦贝尔市海拉尔区'))",
              "~ C(region, Treatment(reference='全国'))", "~ bs(year, df=3, degree=2)", "~ cr(year, df=3) - 1",
              "~ cc(year, df=3, constraints='center')", "~ center(year) + standardize(gdp)", "~ scale(year)",
              "~ np.sqrt(gdp) + np.log1p(gdp)", "~ np.exp(I((year - 2016) / 10))", "~ I(year < 2016)",
              "~ year:coastal + year", "~ 0 + C(region)", "~ center(year) + I(center(year) ** 2)"]


def attack(formula: str, target) -> str:
    return formula.format(target=target)


def one_line_error(printed: str) -> str:
    errors = [line for line in printed.splitlines() if ": error: " in line]
    assert len(errors) == 1 and "Traceback" not in printed, printed
    return errors[0]


@pytest.fixture(scope="module")
def gwr_run(tmp_path_factory, shared_corpora):
    """The State Council and 海拉尔区 reports of seven years, with a MANIFEST.tsv of our own: year,
    region, and made-up columns for the formulas — coastal (0/1), gdp, province (given only for 海拉尔区)
    and gdp_trend (exp(0.12 year), off by 1e-8 or so: near-collinear with year, yet of full rank)."""
    folder = tmp_path_factory.mktemp("gwr")
    corpus = folder / "corpus"
    corpus.mkdir()
    lines = ["file\tyear\tregion\tcoastal\tgdp\tprovince\tgdp_trend"]
    for i, year in enumerate(YEARS):
        for tag, source, region, province in (("n", "national_gwr_hprc", "全国", ""),
                                              ("h", "hailar_district_gwr", "呼伦贝尔市海拉尔区", "内蒙古")):
            shutil.copy(shared_corpora / source / f"{year}.txt", corpus / f"{tag}{year}.txt")
            gdp = 50 * 1.08 ** (year - 2012) * (1 if tag == "n" else 0.005 * (1 + 0.03 * (i % 3)))
            trend = math.exp(0.12 * (year - 2012)) * (1 + 1e-8 * ((3 * i + (tag == "h")) % 5))
            lines.append(f"{tag}{year}.txt\t{year}\t{region}\t{(year + (tag == 'h')) % 2}\t{gdp:.4f}\t{province}"
                         f"\t{trend:.15g}")
    (corpus / "MANIFEST.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = write_config(folder, corpus, models=MODELS, seeds=(1, 2))
    assert main(["run", str(config), "-o", str(folder / "run")]) == 0
    return folder / "run"


@pytest.fixture(scope="module")
def gwr_data(gwr_run):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return study_data(gwr_run)


# ---------------------------------------------------------------- the check itself


@pytest.mark.parametrize("formula, message", ATTACKS, ids=[a for a, _ in ATTACKS])
@pytest.mark.parametrize("columns", [None, ["year", "region", "coastal", "gdp"]], ids=["config", "documents"])
def test_a_formula_that_could_run_code_is_refused_naming_the_token(formula, message, columns, tmp_path):
    target = tmp_path / "pwned"
    with pytest.raises(InputError) as caught:
        check_formula(attack(formula, target), "effects.formula in x.toml", columns)
    text = str(caught.value)
    assert text.startswith("effects.formula in x.toml ") and message.format() in text and "\n" not in text
    assert not target.exists()


@pytest.mark.parametrize("formula", LEGITIMATE)
def test_the_documented_formulas_pass_the_check(formula):
    checked = check_formula(formula, "--formula", ["year", "region", "coastal", "gdp"])
    assert checked.columns and set(checked.columns) <= {"year", "region", "coastal", "gdp"}
    assert checked.desc.rhs_termlist


def test_a_config_knows_no_columns_yet_but_a_run_does():
    assert check_formula("~ coastl", "x.toml: effects.formula").columns == ("coastl",)
    with pytest.raises(InputError, match=r"--formula '~ coastl': unknown column 'coastl'; the documents have year, gdp"):
        check_formula("~ coastl", "--formula", ["year", "gdp"])
    with pytest.raises(InputError, match="'bs' is not allowed; bs is not a column"):
        check_formula("~ year + bs", "x.toml: effects.formula")


def test_the_attacks_are_real_in_plain_patsy(tmp_path):
    """What the check is for: patsy on its own runs a formula's Python, with the builtins in reach."""
    frame = pd.DataFrame({"year": [2012.0, 2013.0, 2014.0]})
    for n, formula in enumerate(["~ I(year + 0 * __import__('os').system('touch {target}'))",
                                 "~ I(year + 0 * len(open('{target}', 'w').name))"]):
        target = tmp_path / f"pwned{n}"
        patsy.dmatrix(attack(formula, target), frame, eval_env=patsy.EvalEnvironment([{"np": np}]))
        assert target.exists()


def test_the_environment_hides_the_builtins_even_from_an_unchecked_formula(tmp_path):
    """Defence in depth: patsy given a formula that never went through the check, in environment()."""
    frame = pd.DataFrame({"year": [2012.0, 2013.0, 2014.0], "region": ["a", "b", "a"]})
    target = tmp_path / "pwned"
    for formula in [f"~ I(year + 0 * {PAYLOAD})", "~ I(year + 0 * len(open('{target}', 'w').name))",
                    "~ np.save('{target}', year)", "~ I(year + 0 * len(__builtins__))"]:
        with pytest.raises(patsy.PatsyError, match="is not defined|has no attribute 'save'|no data named"):
            patsy.dmatrix(attack(formula, target), frame, eval_env=environment())
    assert not target.exists() and not tmp_path.joinpath("pwned.npy").exists()


TOKENS = ["year", "gdp", "region", "coastal", "0", "1", "-1", "2", "2.5", "1e3", "+", "-", "*", "/", ":", "**", "(",
          ")", "~", ",", "C(", "bs(", "cr(", "cc(", "I(", "np.log(", "np.exp(", "center(", "scale(", "df=4", "df=0",
          "degree=2", "Treatment('全国')", "Treatment(reference=", "'全国'", "'x'", '"', "'", "np", ".", "__import__",
          "('os')", ".system", f"('touch {{target}}')", "eval", "getattr", "open", "lambda", "[", "]", "{{", "}}",
          "=", ":=", "#", "\n", "for", "in", "if", "else", "not", "and", "__class__", "Q", "__builtins__", "ｅval",
          "\\", "<", "==", "|", "&", ";", "@", "%", "\t", "\x00", "\u200b", "year_", "省份", "True", "None", "...",
          "b'x'", "f'{{year}}'"]
formulas = st.builds(lambda lead, parts, spaced: ("~ " if lead else "") + (" " if spaced else "").join(parts),
                     st.booleans(), st.lists(st.sampled_from(TOKENS), max_size=16), st.booleans())
# formulas the allow-list lets through, with odd values in them (0, huge numbers, columns with gaps)
numbers = st.sampled_from(["0", "1", "-1", "2", "0.5", "2000", "1e308", "1e-308"])
values = st.recursive(
    st.sampled_from(["year", "gdp", "coastal", "province", "gdp_trend"]) | numbers,
    lambda inner: st.builds("({} {} {})".format, inner, st.sampled_from(["+", "-", "*", "/", "<", "=="]), inner)
    | st.builds("np.{}({})".format, st.sampled_from(["log", "log1p", "sqrt", "exp"]), inner)
    | st.builds("{}({})".format, st.sampled_from(["I", "center", "standardize", "scale"]), inner)
    | st.builds("(year ** {})".format, numbers),
    max_leaves=6)
allowed_terms = (st.sampled_from(["year", "gdp", "coastal", "region", "province", "0", "1", "-1"])
                 | st.builds("C({})".format, st.sampled_from(["year", "region", "province", "coastal"]))
                 | st.builds("C(region, Treatment({!r}))".format, st.sampled_from(["全国", "呼伦贝尔市海拉尔区", "x", 2012]))
                 | st.builds("bs({}, df={}, degree={})".format, values, st.integers(1, 8), st.integers(0, 4))
                 | st.builds("{}({}, df={})".format, st.sampled_from(["cr", "cc"]), values, st.integers(1, 8))
                 | st.builds("I({})".format, values) | st.builds("np.log({})".format, values))
allowed_formulas = st.builds(
    lambda terms, operators, power: "~ " + "".join(t + o for t, o in zip(terms, operators)) + terms[-1] + power,
    st.lists(allowed_terms, min_size=1, max_size=4), st.lists(st.sampled_from([" + ", " - ", " * ", ":", " / "]),
                                                             max_size=3),
    st.sampled_from(["", " ** 2"]))


@settings(max_examples=400, deadline=None)
@given(formulas)
def test_random_token_sequences_are_a_formula_or_one_line_error(tmp_path_factory, text):
    target = tmp_path_factory.getbasetemp() / "pwned-random"
    try:
        check_formula(text.format(target=target), "--formula", ["year", "region", "coastal", "gdp"])
    except InputError as err:
        assert "\n" not in str(err)
    assert not target.exists()


# ---------------------------------------------------------------- real runs, every entry point


@pytest.mark.corpora
@settings(max_examples=200, deadline=None)
@given(formulas | allowed_formulas)
def test_random_formulas_on_real_documents_evaluate_or_give_one_line_error(gwr_data, tmp_path_factory, text):
    """Past the check, patsy evaluates: that too gives a design or an InputError, and runs nothing."""
    target = tmp_path_factory.getbasetemp() / "pwned-evaluated"
    docs = gwr_data.documents()
    try:
        design = design_matrix(text.format(target=target), docs, gwr_data.column_types)
    except InputError as err:
        assert "\n" not in str(err)
    else:
        for covariate in ("year", "gdp", "coastal"):
            expected_grid(design, docs.loc[design.index], covariate, gwr_data.column_types)
    assert not target.exists()


@pytest.mark.corpora
@pytest.mark.parametrize("formula, message", ATTACKS, ids=[a for a, _ in ATTACKS])
def test_topics_effects_refuses_every_attack(gwr_run, formula, message, tmp_path, capsys):
    target, out = tmp_path / "pwned", tmp_path / "effects.csv"
    assert main(["effects", str(gwr_run), "--formula", attack(formula, target), "-o", str(out), "--no-progress"]) == 2
    line = one_line_error(capsys.readouterr().err)
    assert message.format() in line and "--formula" in line
    assert not target.exists() and not out.exists()


def run_topics(*argv, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "topics", *map(str, argv)], cwd=cwd, capture_output=True,
                          text=True, timeout=600)


@pytest.mark.corpora
def test_topics_effects_in_a_subprocess(gwr_run, tmp_path):
    target = tmp_path / "pwned"
    done = run_topics("effects", gwr_run, "--formula", f"~ I(year + 0 * {attack(PAYLOAD, target)})",
                      "-o", tmp_path / "effects.csv", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "--formula" in one_line_error(done.stderr) and "'__import__' is not allowed" in done.stderr
    assert not target.exists() and not (tmp_path / "effects.csv").exists()


@pytest.mark.corpora
def test_a_config_with_such_a_formula_is_refused_before_any_fitting(gwr_run, tmp_path):
    target = tmp_path / "pwned"
    config = write_config(tmp_path, gwr_run.parent / "corpus", models=MODELS, seeds=(1,))
    formula = f"~ I(year + 0 * {attack(PAYLOAD, target)})".replace('"', '\\"')
    config.write_text(config.read_text(encoding="utf-8") + f'\n[effects]\nformula = "{formula}"\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"config.toml: effects.formula .*'__import__' is not allowed"):
        load_config(config)
    done = run_topics("run", config, "-o", tmp_path / "run", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "config.toml: effects.formula" in one_line_error(done.stderr)
    assert not (tmp_path / "run").exists() and not target.exists()


@pytest.mark.corpora
def test_remap_refuses_the_formula_of_an_edited_run_folder_and_leaves_it_as_it_was(gwr_run, tmp_path):
    """A run folder someone sent us, its config.toml edited: remap would estimate the effects again."""
    run = tmp_path / "run"
    shutil.copytree(gwr_run, run)
    target = tmp_path / "pwned"
    saved = (run / "config.toml").read_text(encoding="utf-8")
    assert 'formula = ""' in saved
    formula = f"~ bs(year, df=4) + I(0 * {attack(PAYLOAD, target)})".replace('"', '\\"')
    (run / "config.toml").write_text(saved.replace('formula = ""', f'formula = "{formula}"'), encoding="utf-8")
    files = lambda: {p.name: p.read_bytes() for p in run.iterdir() if p.is_file() and p.name != ".lock"}  # noqa: E731
    before = files()
    done = run_topics("remap", run, "--min-lift", "1.2", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert f"{run / 'config.toml'}: effects.formula" in one_line_error(done.stderr)
    assert "'__import__' is not allowed" in done.stderr
    assert not target.exists() and (run / "DONE").is_file()
    assert files() == before


@pytest.mark.corpora
def test_the_api_refuses_it_naming_itself(gwr_run, tmp_path):
    import topics

    target = tmp_path / "pwned"
    with pytest.raises(InputError, match=r"^topics.effects formula .*'__import__' is not allowed"):
        topics.effects(gwr_run, f"~ year + {attack(PAYLOAD, target)}", draws=10)
    assert not target.exists()
    result = topics.effects(gwr_run, "~ year", draws=10)
    assert set(result.table["term"]) == {"Intercept", "year"}


@pytest.mark.corpora
@pytest.mark.parametrize("formula", LEGITIMATE)
def test_the_documented_formulas_give_the_design_plain_patsy_gives(gwr_data, formula):
    """The same tables as before: the design, and the grid of expected shares, are patsy's own, exactly."""
    docs = gwr_data.documents()
    design = design_matrix(formula, docs, gwr_data.column_types)
    frame = docs.copy()
    for column, kind in gwr_data.column_types.items():  # as design_matrix types the columns
        frame[column] = frame[column].astype(object if kind == "category" else float).where(frame[column].notna(),
                                                                                              np.nan)
    plain = patsy.dmatrix(formula, frame, eval_env=patsy.EvalEnvironment([{"np": np}]), NA_action="drop",
                          return_type="dataframe")
    pd.testing.assert_frame_equal(design, plain, check_exact=True)
    kept = docs.loc[design.index]
    for covariate in ("year", "gdp"):
        grid = expected_grid(design, kept, covariate, gwr_data.column_types)
        reference = expected_grid(plain, kept, covariate, gwr_data.column_types)
        assert (grid is None) == (reference is None)
        if grid is not None:
            pd.testing.assert_frame_equal(grid, reference, check_exact=True)


# ---------------------------------------------------------------- what the effects could not say before


@pytest.mark.corpora
def test_a_category_with_one_value_left_is_named_not_dropped(gwr_run, tmp_path, capsys):
    """Only the 海拉尔区 reports have a province: C(province) has one value left, and patsy would
    silently give it no column (an empty table before)."""
    code = main(["effects", str(gwr_run), "--formula", "~ year + C(province)", "-o", str(tmp_path / "e.csv"),
                 "--no-progress"])
    printed = capsys.readouterr()
    assert code == 2 and "Empty DataFrame" not in printed.out
    assert ("the term C(province) has nothing to estimate: C(province) has one value (内蒙古) in the 7 documents "
            "used; drop it") in one_line_error(printed.err)


@pytest.mark.corpora
def test_near_collinear_terms_are_named(gwr_data):
    """log(gdp_trend) is 0.12 year plus a constant, to 1e-8 or so: of full rank, so the exact check
    passed it, and the fit's coefficients were rounding noise (or it stopped on a singular matrix)."""
    docs = gwr_data.documents()
    frame = docs.assign(year=docs["year"].astype(float), gdp_trend=docs["gdp_trend"].astype(float))
    plain = patsy.dmatrix("~ year + np.log(gdp_trend)", frame, eval_env=patsy.EvalEnvironment([{"np": np}]))
    assert np.linalg.matrix_rank(np.asarray(plain)) == 3
    with pytest.raises(InputError, match=r"^--formula '~ year \+ np.log\(gdp_trend\)': its terms Intercept, year, "
                                         r"np.log\(gdp_trend\) are collinear over these documents, or so nearly"):
        effects(gwr_data, "~ year + np.log(gdp_trend)", draws=10)
    assert len(effects(gwr_data, "~ year + np.log(gdp)", draws=10, themes=["ecology"]).table) > 0


@pytest.mark.corpora
def test_values_that_are_not_finite_are_named(gwr_data):
    with pytest.raises(InputError, match=r"np.log\(coastal\): values that are not finite in some documents"):
        effects(gwr_data, "~ year + np.log(coastal)", draws=10)


@pytest.mark.slow
@pytest.mark.corpora
def test_a_theme_that_separates_is_skipped_with_a_warning_and_the_run_finishes(shared_corpora, tmp_path, capsys):
    """State Council reports of the 1950s–80s and two recent ones: ecology is 0 in several early reports,
    and in some bootstrap draws bs(year, df=4) separates it exactly (a LinAlgError after all fitting
    before)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for year in (1954, 1956, 1957, 1959, 1964, 1978, 1979, 1981, 1982, 1983, 1984, 1986, 1988, 2018, 2022):
        shutil.copy(shared_corpora / "national_gwr_hprc" / f"{year}.txt", corpus / f"{year}.txt")
    config = write_config(tmp_path, corpus, models=MODELS, seeds=(1, 2), report=True)
    config.write_text(config.read_text(encoding="utf-8") + '\n[effects]\nformula = "~ bs(year, df=4)"\n',
                      encoding="utf-8")
    assert main(["run", str(config), "-o", str(tmp_path / "run"), "--no-progress"]) == 0
    assert (tmp_path / "run" / "DONE").is_file() and (tmp_path / "run" / "report.html").is_file()
    warned = [line for line in capsys.readouterr().err.splitlines() if "no effect estimated for" in line]
    assert warned
    skipped = set()
    for line in warned:
        assert "bs(year, df=4) separates from the rest, so the fit diverges" in line
        model, _, theme = line.split("no effect estimated for ")[1].split(":")[0].split()
        skipped.add((model, theme))
    table = pd.read_csv(tmp_path / "run" / "effects.csv")
    estimated = set(zip(table["model"], table["theme"]))
    themes = {theme for _, theme in estimated | skipped}
    assert len(themes) == 6 and not estimated & skipped  # every other theme of both models is estimated
    assert estimated | skipped == {(model, theme) for model in ("dictionary", "seeded-lda") for theme in themes}
