"""A study from corpus to figures on the shared State Council and city reports, through the commands:
a spline effects config whose themes separate in early years, subsets of documents (--where, [inference]
where), groups of years (--bins), and shares of groups too small to estimate."""

from __future__ import annotations

import csv
import json
import shutil

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from test_estimates import hand_coded_state_council
from test_runner import small_models, write_config
from topics.cli import main
from topics.ingest.structure import LONGEST_PART

# State Council reports of the 1950s–80s and a few recent ones: ecology is 0 in several early reports
YEARS = (1954, 1956, 1957, 1959, 1964, 1978, 1979, 1981, 1982, 1983, 1984, 1986, 1988, 2018, 2022)
SPLINE = "~ bs(year, df=4)"


@pytest.fixture(scope="module")
def national_run(tmp_path_factory, shared_corpora):
    """A run of the dictionary and the supervised classifier (trained on the hand-coded paragraphs) over
    State Council reports with a MANIFEST of year and edition, its config asking for spline effects."""
    folder = tmp_path_factory.mktemp("study")
    corpus = folder / "corpus"
    corpus.mkdir()
    lines = ["file\tyear\tregion\tedition"]
    for year in YEARS:
        shutil.copy(shared_corpora / "national_gwr_hprc" / f"{year}.txt", corpus / f"{year}.txt")
        lines.append(f"{year}.txt\t{year}\t国务院\t{'hprc' if year < 2000 else 'recent'}")
    (corpus / "MANIFEST.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    gold = folder / "gold.tsv"
    with gold.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(["doc", "unit", "label", "heading", "text"])
        for unit, label in hand_coded_state_council(shared_corpora):
            writer.writerow([unit.doc_id, unit.unit_id.split(":")[-1], label, "", " ".join(unit.text.split())])
    config = write_config(folder, corpus, models=small_models("dictionary", "supervised"), seeds=(1,))
    training = f"[evaluation]\ntraining = [{json.dumps(str(gold))}]\n"
    text = config.read_text(encoding="utf-8").replace("[evaluation]\n", training)
    # the paragraphs as they were coded (the passage 1959 holds twice is coded once in each copy)
    text = text.replace("[corpus]\n", f"[corpus]\nmax_unit_chars = {LONGEST_PART}\n")
    config.write_text(text + f'\n[effects]\nformula = "{SPLINE}"\ndraws = 50\n', encoding="utf-8")
    return config, folder / "run"


@pytest.mark.corpora
def test_a_spline_that_separates_a_theme_finishes_with_one_line_and_editing_effects_resumes(national_run, capsys):
    config, run_dir = national_run
    assert main(["run", str(config), "-o", str(run_dir), "--no-progress"]) == 0
    assert (run_dir / "DONE").is_file()
    err = capsys.readouterr().err
    warned = [line for line in err.splitlines() if "no effect estimated for" in line]
    diverged = [line for line in warned if "bs(year, df=4) separates from the rest, so the fit diverges" in line]
    assert diverged and all(line in diverged or "in every document" in line for line in warned)
    table = pd.read_csv(run_dir / "effects.csv")
    assert table["estimate"].notna().all() and table["theme"].nunique() >= 2
    # the command on the supervised model alone: the same line for its separated themes, estimates for the rest
    assert main(["effects", str(run_dir), "--formula", SPLINE, "--model", "supervised", "--draws", "30",
                 "--no-progress", "-o", str(run_dir / "mine.csv")]) == 0
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "supervised" in out
    # a spline's basis weights say nothing one by one: no coefficient plot, the expected-share curve instead
    assert not (run_dir / "mine.png").exists() and (run_dir / "mine_expected.png").is_file()
    assert pd.read_csv(run_dir / "mine.csv")["model"].eq("supervised").all()
    # only the inference stages changed: the run resumes (no refit) and writes the new tables
    fitted = {p: p.stat().st_mtime_ns for p in (run_dir / "fits").rglob("units.npz")}
    config.write_text(config.read_text(encoding="utf-8").replace(f'formula = "{SPLINE}"', 'formula = "~ year"')
                      + "\n[inference]\ndraws = 200\n", encoding="utf-8")
    assert main(["run", str(config), "-o", str(run_dir), "--no-progress"]) == 0
    assert {p: p.stat().st_mtime_ns for p in (run_dir / "fits").rglob("units.npz")} == fitted
    assert pd.read_csv(run_dir / "effects.csv")["formula"].eq("~ year").all()


@pytest.fixture(scope="module")
def finished_run(national_run):
    config, run_dir = national_run
    if not (run_dir / "DONE").is_file():
        assert main(["run", str(config), "-o", str(run_dir), "--no-progress"]) == 0
    return run_dir


@pytest.mark.corpora
def test_no_share_has_a_zero_width_interval_and_thin_groups_are_flagged(finished_run, tmp_path, capsys):
    capsys.readouterr()
    for by in ([], ["edition"], ["year"]):
        out = tmp_path / f"shares_{'_'.join(by) or 'doc'}.csv"
        grouping = ["--by", *by] if by else []
        assert main(["shares", str(finished_run), *grouping, "--draws", "200", "-o", str(out)]) == 0
        table = pd.read_csv(out)
        assert (table["ci_high"] > table["ci_low"]).all()
        assert ((table["ci_low"] <= table["share"]) & (table["share"] <= table["ci_high"])).all()
        err = capsys.readouterr().err
        if not by:
            assert not table["few_documents"].any() and "fewer than" not in err
            # a theme no unit of a report has: an interval over its units, not [0, 0]
            zero = table[table["share"] == 0]
            assert len(zero) and (zero["ci_low"] == 0).all() and (zero["ci_high"] < 0.05).all()
        elif by == ["edition"]:  # 13 reports of hprc, 2 recent ones
            few = table.drop_duplicates(["model", "edition"]).set_index(["model", "edition"])["few_documents"]
            assert not few.xs("hprc", level="edition").any() and few.xs("recent", level="edition").all()
            warned = [line for line in err.splitlines() if "fewer than 5 documents" in line]
            assert len(warned) == 1 and "1 of the 2 groups" in warned[0] and "recent" in warned[0]
            zero = table[(table["share"] == 0) & (table["edition"] == "hprc")]
            if len(zero):  # a share of 0 in 13 documents reaches z²/(13 + z²)
                assert np.allclose(zero["ci_high"], 1.959964 ** 2 / (13 + 1.959964 ** 2), atol=1e-4)
        else:  # one report a year: every year is thin, said once
            assert table["few_documents"].all() and err.count("fewer than 5 documents") == 1
    assert main(["shares", str(finished_run), "--by", "edition", "--min-documents", "1", "-o",
                 str(tmp_path / "all.csv")]) == 0
    assert not pd.read_csv(tmp_path / "all.csv")["few_documents"].any() and "fewer than" not in capsys.readouterr().err


@pytest.mark.corpora
def test_where_keeps_a_subset_of_documents_and_says_what_it_kept(finished_run, tmp_path, capsys):
    capsys.readouterr()
    where = "year >= 1980 and edition == 'hprc'"  # 1981–1988: six reports
    assert main(["shares", str(finished_run), "--by", "edition", "--where", where, "--draws", "50",
                 "-o", str(tmp_path / "s.csv")]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.startswith("--where"))
    assert "kept 6 of 15 documents" in line and "left out 9 documents" in line and "units" in line
    table = pd.read_csv(tmp_path / "s.csv")
    assert set(table["edition"]) == {"hprc"} and table["n_documents"].eq(6).all()
    kept_units = int(line.split("documents (")[1].split(" of ")[0])
    assert table["n_units"].eq(kept_units).all()
    assert main(["effects", str(finished_run), "--formula", "~ year", "--where", "1978 <= year < 1990", "--draws", "20",
                 "--no-progress", "-o", str(tmp_path / "e.csv")]) == 0
    assert "kept 8 of 15 documents" in capsys.readouterr().out
    assert pd.read_csv(tmp_path / "e.csv")["n_documents"].eq(8).all()
    assert main(["examples", str(finished_run), "--where", "not year >= 1980", "-o", str(tmp_path / "x.csv")]) == 0
    examples = pd.read_csv(tmp_path / "x.csv")
    assert len(examples) and examples["year"].lt(1980).all()
    assert main(["shares", str(finished_run), "--where", "region in ['国务院'] and year != 1954", "-o",
                 str(tmp_path / "d.csv")]) == 0
    assert "kept 14 of 15 documents" in capsys.readouterr().out
    assert 1954 not in set(pd.read_csv(tmp_path / "d.csv")["year"])


WHERE_MISTAKES = [
    ("yaer >= 1980", "unknown column 'yaer'; the documents have doc_id, year, region, edition"),
    ("year >= '1980'", "year is a number: compare it with a number, not '1980'"),
    ("region < 'x'", "region is a category: compare it with == != in"),
    ("year", "'year' alone is no condition"),
    ("year in 1980", "after 'in' is not allowed; give a list of values"),
    ("year > 3000", "no document of the run matches"),
    ("year >= 1980 or", "cannot be read as an expression"),
    ("__import__('os').system('touch {target}')", "is not allowed"),
    ("year == open('{target}', 'w').close()", "is not allowed; a value is a number or a 'string'"),
    ("year.__class__ == 1", "is not allowed"),
    ("year < 2000 in [1, 2]", "'2000' before 'in' is not allowed"),
    ("edition == 'hprc' and 1980", "'1980' is not allowed"),
]


@pytest.mark.corpora
@pytest.mark.parametrize("expression, message", WHERE_MISTAKES)
@pytest.mark.parametrize("command", ["shares", "effects", "examples"])
def test_where_mistakes_are_one_line_naming_the_option_and_run_nothing(finished_run, tmp_path, capsys, command,
                                                                       expression, message):
    target = tmp_path / "ran"
    extra = {"effects": ["--formula", "~ year"]}.get(command, [])
    argv = [command, str(finished_run), *extra, "--where", expression.format(target=target), "-o",
            str(tmp_path / "out.csv")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--where" in err and message in err, err
    assert not target.exists() and not (tmp_path / "out.csv").exists()


@pytest.mark.corpora
def test_where_in_a_run_config_subsets_the_run_s_tables_and_editing_it_resumes(finished_run, national_run, capsys):
    config, _ = national_run
    base = config.read_text(encoding="utf-8").split("\n[effects]")[0]
    edited = config.with_name("where.toml")
    edited.write_text(base + '\n[effects]\nformula = "~ year"\ndraws = 20\n[inference]\nwhere = "year < 1985"\n',
                      encoding="utf-8")
    capsys.readouterr()
    fitted = {p: p.stat().st_mtime_ns for p in (finished_run / "fits").rglob("units.npz")}
    assert main(["run", str(edited), "-o", str(finished_run), "--no-progress"]) == 0
    assert {p: p.stat().st_mtime_ns for p in (finished_run / "fits").rglob("units.npz")} == fitted
    assert "inference.where 'year < 1985': kept 11 of 15 documents" in capsys.readouterr().err
    assert pd.read_csv(finished_run / "shares_by_year.csv")["year"].max() < 1985
    assert pd.read_csv(finished_run / "effects.csv")["n_documents"].eq(11).all()
    notes = json.loads((finished_run / "notes.json").read_text(encoding="utf-8"))["inference"]
    assert any("kept 11 of 15 documents" in note for note in notes)
    # the commands take the run's where unless told otherwise
    assert main(["shares", str(finished_run), "--by", "edition", "-o", str(finished_run / "s.csv")]) == 0
    assert "inference.where 'year < 1985': kept 11 of 15" in capsys.readouterr().out
    assert main(["shares", str(finished_run), "--by", "edition", "--where", "year > 0", "-o",
                 str(finished_run / "s.csv")]) == 0
    assert "kept 15 of 15" in capsys.readouterr().out
    # a column the documents lack stops the run before any fitting, naming the config
    edited.write_text(base + '\n[inference]\nwhere = "coastal == 1"\n', encoding="utf-8")
    assert main(["run", str(edited), "-o", str(finished_run.with_name("other")), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "inference.where 'coastal == 1': unknown column 'coastal'" in err and err.count("\n") == 1
    assert not list(finished_run.with_name("other").glob("fits/*/units.npz"))
    edited.write_text(base, encoding="utf-8")  # the run of every document again, for the other tests
    assert main(["run", str(edited), "-o", str(finished_run), "--no-progress"]) == 0


@pytest.mark.corpora
def test_decades_and_periods_group_years_and_plots_break_where_no_document_is(finished_run, tmp_path, capsys):
    from matplotlib.lines import Line2D

    from topics.report.inference import segments, shares_figure

    capsys.readouterr()
    assert main(["shares", str(finished_run), "--by", "decade", "--draws", "100", "--model", "dictionary",
                 "-o", str(tmp_path / "d.csv")]) == 0
    table = pd.read_csv(tmp_path / "d.csv")
    groups = table.drop_duplicates("year").set_index("year")
    assert list(groups.index) == [1950, 1960, 1970, 1980, 2010, 2020]  # no document of the 1990s and 2000s
    assert groups.loc[1980, "year_period"] == "1980–1989" and groups.loc[1980, "n_documents"] == 6
    assert groups["n_documents"].sum() == len(YEARS) and groups.loc[1960, "few_documents"]
    assert (tmp_path / "d_dictionary-k6.png").is_file()
    # the same with --bins, beside another grouping column
    assert main(["shares", str(finished_run), "--by", "edition", "--bins", "year:20", "--draws", "50",
                 "-o", str(tmp_path / "b.csv")]) == 0
    both = pd.read_csv(tmp_path / "b.csv").drop_duplicates(["model", "edition", "year"])
    assert set(zip(both["edition"], both["year_period"])) == {
        ("hprc", "1940–1959"), ("hprc", "1960–1979"), ("hprc", "1980–1999"), ("recent", "2000–2019"),
        ("recent", "2020–2039")}
    # a line never joins two periods across one without documents
    figure = shares_figure(table, "year", {}, "decades", step=10)
    lines = [line for line in figure.axes[0].get_lines() if isinstance(line, Line2D) and len(line.get_xdata()) > 1]
    assert lines and all(np.diff(line.get_xdata()).max() <= 10 for line in lines)
    assert [list(table_x) for table_x in segments(np.array([1950., 1960, 1970, 1980, 2010, 2020]), 10)] == [
        [0, 1, 2, 3], [4, 5]]
    years = np.array(sorted(YEARS), dtype=float)  # without a period: gaps wider than the smallest step
    runs = [[int(y) for y in years[part]] for part in segments(years)]
    assert [1978, 1979] in runs and [1981, 1982, 1983, 1984] in runs and [2018] in runs and [2022] in runs


@pytest.mark.corpora
@pytest.mark.parametrize("arguments, message", [
    (["--bins", "region:10", "--by", "region"], "--bins region:10: region is a category"),
    (["--bins", "year:0"], "--bins year:0: expected COLUMN:WIDTH with a width above 0"),
    (["--bins", "year"], "--bins year: expected COLUMN:WIDTH"),
    (["--bins", "yaer:10"], "--by yaer: no such document column"),
    (["--by", "decade", "year"], "--by decade year: decade is the year in periods of 10"),
])
def test_bins_mistakes_are_one_line(finished_run, tmp_path, capsys, arguments, message):
    assert main(["shares", str(finished_run), *arguments, "-o", str(tmp_path / "s.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err


@pytest.mark.corpora
def test_a_kit_drawn_from_a_subset_codes_only_its_documents_and_adds_from_them(finished_run, tmp_path, capsys):
    from topics.validation.kit import read_key

    kit = tmp_path / "kit"
    capsys.readouterr()
    assert main(["validate", str(finished_run), "-o", str(kit), "--where", "year < 1980", "--size", "30"]) == 0
    out = capsys.readouterr().out
    assert "--where 'year < 1980': kept 7 of 15 documents" in out and "of the documents where 'year < 1980'" in out
    assert main(["validate", str(finished_run), "-o", str(kit), "--add", "10"]) == 0
    key = read_key(kit)
    early = {f"corpus/{year}" for year in YEARS if year < 1980}
    drawn = [task for task in key["tasks"] if task["kind"] in ("code", "theme")]
    assert len([t for t in drawn if t["kind"] == "code"]) == 40 and {t["doc_id"] for t in drawn} <= early
    assert key["kit"]["design"]["where"] == "year < 1980"
    # the frame is the subset's codable units: the inclusion probabilities add up to it
    sample = pd.read_csv(kit / "key" / "sample.tsv", sep="\t")
    assert round((1 / sample["inclusion_probability"]).sum()) == key["kit"]["design"]["frame"]
    assert main(["validate", str(finished_run), "-o", str(kit), "--add", "5", "--where", "year > 0"]) == 2
    assert "--where: not with --add" in capsys.readouterr().err
    assert main(["validate", str(finished_run), "-o", str(tmp_path / "k2"), "--where", "year >>> 1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--where 'year >>> 1': cannot be read as an expression" in err


COASTAL = ["三亚市", "东营市", "北海市", "南通市", "厦门市", "威海市", "日照市", "深圳市", "烟台市", "盐城市", "连云港市",
           "青岛市"]
INLAND = ["乐山市", "亳州市", "六安市", "十堰市", "南充市", "合肥市", "咸宁市", "宜昌市", "岳阳市", "成都市", "武汉市",
          "长沙市"]


@pytest.fixture(scope="module")
def city_run(tmp_path_factory, shared_corpora):
    """24 city reports of 2024 with a coastal column of our own (1 for a city on the sea), its config asking
    for the effect of being coastal."""
    folder = tmp_path_factory.mktemp("coastal")
    corpus = folder / "corpus"
    corpus.mkdir()
    lines = ["file\tyear\tregion\tcoastal"]
    for city in COASTAL + INLAND:
        shutil.copy(shared_corpora / "city_gwr_2024" / f"2024_{city}.txt", corpus / f"{city}.txt")
        lines.append(f"{city}.txt\t2024\t{city}\t{int(city in COASTAL)}")
    (corpus / "MANIFEST.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = write_config(folder, corpus, models=small_models("dictionary"), seeds=(1,), report=True)
    config.write_text(config.read_text(encoding="utf-8") + '\n[effects]\nformula = "~ C(coastal)"\ndraws = 100\n'
                      '[inference]\ncolumn_types = { coastal = "category" }\n', encoding="utf-8")
    assert main(["run", str(config), "-o", str(folder / "run"), "--no-progress"]) == 0
    return folder / "run"


@pytest.mark.corpora
def test_a_coastal_contrast_in_points_is_the_difference_of_the_documents_mean_shares(city_run, tmp_path, capsys):
    contrasts = pd.read_csv(city_run / "effects_contrasts.csv")
    assert set(contrasts["covariate"]) == {"coastal"} and (contrasts["level"] == 1).all()
    assert (contrasts["kind"] == "difference").all()
    assert (contrasts["reference"] == 0).all() and (contrasts["scale"] == "percentage points").all()
    assert ((contrasts["ci_low"] < contrasts["difference"]) & (contrasts["difference"] < contrasts["ci_high"])).all()
    # one category and the intercept fit each group's mean document share exactly
    assert main(["shares", str(city_run), "-o", str(tmp_path / "docs.csv")]) == 0
    docs = pd.read_csv(tmp_path / "docs.csv")
    docs["coastal"] = docs["region"].isin(COASTAL)
    means = docs.groupby(["theme", "coastal"])["share"].mean().unstack()
    expected = 100 * (means[True] - means[False])
    got = contrasts.set_index("theme")["difference"]
    assert np.allclose(got, expected.reindex(got.index), atol=1e-4)
    # the same figure from a 0/1 number column, by the command, with the table printed
    capsys.readouterr()
    assert main(["effects", str(city_run), "--formula", "~ coastal", "--column-type", "coastal=number", "--draws", "50",
                 "--no-progress", "-o", str(tmp_path / "e.csv")]) == 0
    out = capsys.readouterr().out
    assert "in percentage points" in out and "contrasts in points:" in out
    numeric = pd.read_csv(tmp_path / "e_contrasts.csv").set_index("theme")["difference"]
    assert np.allclose(numeric, got.reindex(numeric.index), atol=1e-4)
    assert (tmp_path / "e_contrasts.png").is_file() and (tmp_path / "e.png").is_file()
    report = (city_run / "report.html").read_text(encoding="utf-8")
    assert "Differences in expected share between each level" in report
    assert 'src="plots/inference_contrasts.png"' in report
    assert (city_run / "plots" / "inference_contrasts.png").is_file()


@pytest.mark.corpora
def test_a_number_column_with_many_values_gets_its_curve_and_its_average_slope(finished_run, tmp_path):
    from scipy.special import expit

    assert main(["effects", str(finished_run), "--formula", "~ year + C(edition)", "--model", "dictionary",
                 "--draws", "30", "--no-progress", "-o", str(tmp_path / "e.csv")]) == 0
    contrasts = pd.read_csv(tmp_path / "e_contrasts.csv", keep_default_na=False)
    levels = contrasts[contrasts["kind"] == "difference"]
    assert set(levels["covariate"]) == {"edition"} and set(levels["level"]) == {"recent"}
    assert set(levels["reference"]) == {"hprc"} and contrasts["n_documents"].eq(len(YEARS)).all()
    slopes = contrasts[contrasts["kind"] == "average slope"]
    assert set(slopes["covariate"]) == {"year"} and set(slopes["scale"]) == {"percentage points per 1 year"}
    assert set(pd.read_csv(tmp_path / "e_expected.csv")["covariate"]) == {"year"}
    # on ~ year alone the average slope is the textbook average marginal effect, 100 · b · mean p(1 − p)
    assert main(["effects", str(finished_run), "--formula", "~ year", "--model", "dictionary", "--draws", "30",
                 "--no-progress", "-o", str(tmp_path / "y.csv")]) == 0
    coefficients = pd.read_csv(tmp_path / "y.csv").set_index(["theme", "term"])["estimate"]
    slopes = pd.read_csv(tmp_path / "y_contrasts.csv").set_index("theme")
    years = np.array(YEARS, dtype=float)
    for theme, row in slopes.iterrows():
        b0, b1 = coefficients[(theme, "Intercept")], coefficients[(theme, "year")]
        p = expit(b0 + b1 * years)
        # (the slope is a difference over 1/2000 of the observed years, so it agrees to about 1e-4 of itself)
        assert row["difference"] == pytest.approx(100 * b1 * np.mean(p * (1 - p)), rel=1e-3)
        assert row["ci_low"] <= row["difference"] <= row["ci_high"]


@pytest.mark.corpora
def test_a_run_folder_from_before_min_documents_and_where_is_remapped_with_their_defaults(finished_run, tmp_path):
    old = tmp_path / "old"
    shutil.copytree(finished_run, old)
    config = old / "config.toml"
    lines = config.read_text(encoding="utf-8").splitlines(keepends=True)
    config.write_text("".join(line for line in lines if not line.startswith(("min_documents", "where ="))),
                      encoding="utf-8")
    assert main(["remap", str(old), "--min-lift", "2.5"]) == 0
    table = pd.read_csv(old / "shares_by_year.csv")
    assert table["few_documents"].all() and table["n_documents"].sum() == len(YEARS) * table["theme"].nunique() * 2


TOKENS = ["year", "region", "edition", "doc_id", "==", "!=", "<", ">=", "and", "or", "not", "in", "not in", "[", "]",
          "(", ")", ",", "1980", "-1", "2.5", "'hprc'", "'国务院'", "True", "__import__", "open", ".", "x", "**", "+",
          "lambda", ":", "if", "else", "is", "None", "'", "{", "}", "@"]


@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=12))
@settings(max_examples=300, deadline=None)
def test_any_token_sequence_gives_a_mask_or_one_line_error(tokens):
    from topics.errors import InputError
    from topics.where import parse_where

    documents = pd.DataFrame({"doc_id": ["a", "b", "c"], "year": [1954.0, 1980.0, np.nan],
                              "region": ["国务院", "国务院", None], "edition": ["hprc", "hprc", "recent"]})
    types = {"year": "number", "region": "category", "edition": "category"}
    try:
        kept = parse_where(" ".join(tokens), "--where").mask(documents, types)
    except InputError as err:
        assert "\n" not in str(err) and str(err).startswith("--where")
        return
    assert kept.dtype == bool and kept.shape == (3,)
