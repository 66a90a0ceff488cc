"""Validity flags as data: `topics flags` reads flags.csv, and every share table of a run (theme_shares.csv,
shares_by_*.csv, the tables `topics shares` writes, the report's share tables) carries its model/theme's
flags, on a real run of city reports."""

from __future__ import annotations

import html
import shutil

import pandas as pd
import pytest

from test_runner import small_models, write_config
from topics.cli import main
from topics.report.ldavis import theme_display_names
from topics.run_files import FLAGS, REPORT, THEME_SHARES, shares_by
from topics.run_folder import RunFolder

# nmf's topics on these reports raise flags (a safety topic of other themes' words, themes no topic stands
# for); its second k is not the primary fit's; the dictionary's raise none
MODELS = small_models("dictionary", "nmf", "seeded-lda", nmf="k = [5, 6]\nmax_iter = 100")
CITIES = ("2024_南京市.txt", "2024_苏州市.txt", "2024_合肥市.txt", "2023_池州市.txt", "2024_三亚市.txt",
          "2024_上海市.txt")


@pytest.fixture(scope="module")
def city_run(tmp_path_factory, shared_corpora):
    folder = tmp_path_factory.mktemp("flagged")
    corpus = folder / "corpus"
    corpus.mkdir()
    for name in CITIES:
        shutil.copy(shared_corpora / "city_gwr_2024" / name, corpus / name)
    assert main(["run", str(write_config(folder, corpus, models=MODELS, seeds=(1, 2))), "-o", str(folder / "run")]) == 0
    return folder / "run"


def names_of(rows: pd.DataFrame) -> str:
    return " ".join(dict.fromkeys(rows["flag"]))


def primary_flags(run_dir) -> pd.DataFrame:
    flags = pd.read_csv(run_dir / FLAGS, keep_default_na=False)
    return flags[flags["primary"].astype(str) == "True"]


def pooled_flags(run_dir, model: str, k: int, theme: str) -> str:
    """The flags a table pooled over seeds carries: the primary fit's at its k, else those of every fit of k."""
    flags = pd.read_csv(run_dir / FLAGS, keep_default_na=False)
    mine = flags[(flags["model"] == model) & (flags["k"] == k)]
    primary = RunFolder.open(run_dir).primary(model)
    if primary.k == k:
        mine = mine[mine["seed"] == primary.seed]
    return names_of(mine[mine["theme"] == theme])


def flagged_and_clean(table: pd.DataFrame) -> None:
    """A flagged model/theme's rows carry its flag and an unflagged one's do not, in a table with rows of both."""
    flagged = table[table["flags"] != ""]
    assert not flagged.empty and (table["flags"] == "").any()
    model, k, theme = flagged.iloc[0][["model", "k", "theme"]]
    rows = table[(table["model"] == model) & (table["k"] == k) & (table["theme"] == theme)]
    assert (rows["flags"] != "").all()
    assert (table.loc[table["model"] == "dictionary", "flags"] == "").all()


@pytest.mark.corpora
def test_flags_command_prints_and_writes_the_primary_fits_flagged_themes(city_run, tmp_path, capsys):
    flags = primary_flags(city_run)
    assert not flags.empty
    out = tmp_path / "flags.csv"
    assert main(["flags", str(city_run), "-o", str(out)]) == 0
    table = pd.read_csv(out, keep_default_na=False)
    assert list(table.columns) == ["model", "k", "seed", "theme", "flags", "topics", "details"]
    assert set(zip(table["model"], table["theme"])) == set(zip(flags["model"], flags["theme"]))
    assert len(table) == len(set(zip(flags["model"], flags["theme"])))  # one row a model/theme
    for row in table.itertuples():
        rows = flags[(flags["model"] == row.model) & (flags["theme"] == row.theme)]
        assert row.flags == names_of(rows)
        assert all(detail in row.details for detail in rows["detail"])
    capsys.readouterr()
    assert main(["flags", str(city_run), "--model", "nmf"]) == 0
    printed = capsys.readouterr().out
    assert "seeded-lda" not in printed and "dictionary" not in printed
    for row in table[table["model"] == "nmf"].itertuples():
        assert any(row.theme in line and row.flags in line for line in printed.splitlines())
    assert main(["flags", str(city_run), "--model", "dictionary"]) == 0
    assert "no validity flags" in capsys.readouterr().out
    assert "dictionary" not in set(table["model"])


@pytest.mark.corpora
def test_flags_command_errors_are_one_line(city_run, tmp_path, capsys):
    assert main(["flags", str(city_run), "--model", "lda"]) == 2
    err = capsys.readouterr().err
    assert "--model lda" in err and "dictionary" in err and len(err.strip().splitlines()) == 1
    older = tmp_path / "older"
    shutil.copytree(city_run, older)
    (older / FLAGS).unlink()
    assert main(["flags", str(older)]) == 2
    err = capsys.readouterr().err
    assert "flags.csv" in err and "topics remap" in err and len(err.strip().splitlines()) == 1
    assert main(["flags", str(tmp_path / "absent")]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


@pytest.mark.corpora
def test_theme_shares_carry_each_fits_own_flags(city_run):
    shares = pd.read_csv(city_run / THEME_SHARES, keep_default_na=False)
    assert shares.columns[-1] == "flags"
    flags = pd.read_csv(city_run / FLAGS, keep_default_na=False)
    for (model, k, seed, theme), rows in shares.groupby(["model", "k", "seed", "theme"]):
        own = flags[(flags["model"] == model) & (flags["k"] == k) & (flags["seed"] == seed) & (flags["theme"] == theme)]
        assert set(rows["flags"]) == {names_of(own)}, (model, seed, theme)
    flagged_and_clean(shares)


@pytest.mark.corpora
def test_shares_by_year_and_region_and_the_shares_command_carry_the_flags(city_run, tmp_path, capsys):
    out = tmp_path / "shares.csv"
    assert main(["shares", str(city_run), "--by", "region", "--draws", "50", "-o", str(out)]) == 0
    for table in (pd.read_csv(city_run / shares_by("year"), keep_default_na=False),
                  pd.read_csv(city_run / shares_by("region"), keep_default_na=False),
                  pd.read_csv(out, keep_default_na=False)):
        assert table.columns[-1] == "flags"
        for (model, k, theme), rows in table.groupby(["model", "k", "theme"]):
            assert set(rows["flags"]) == {pooled_flags(city_run, model, k, theme)}, (model, k, theme)
        flagged_and_clean(table)
    both = pd.read_csv(out, keep_default_na=False)  # the command's table has nmf's second k, pooled over seeds
    assert set(both.loc[both["model"] == "nmf", "k"]) == {5, 6}
    older = tmp_path / "older"
    shutil.copytree(city_run, older)
    (older / FLAGS).unlink()
    capsys.readouterr()
    assert main(["shares", str(older), "--by", "year", "--draws", "20", "-o", str(tmp_path / "old.csv")]) == 0
    assert "flags.csv is absent" in capsys.readouterr().err
    assert set(pd.read_csv(tmp_path / "old.csv", keep_default_na=False)["flags"]) == {""}


@pytest.mark.corpora
def test_report_share_tables_show_the_flags_beside_the_theme(city_run, tmp_path):
    run_dir = tmp_path / "run"
    shutil.copytree(city_run, run_dir)
    assert main(["report", str(run_dir)]) == 0
    page = html.unescape((run_dir / REPORT).read_text(encoding="utf-8"))
    names = theme_display_names(RunFolder.open(run_dir).lexicon)
    table = pd.read_csv(run_dir / shares_by("region"), keep_default_na=False)
    flagged = table[table["flags"] != ""]
    assert not flagged.empty
    sections = {name: page.split(f'id="{name}"')[1].split("</section>")[0] for name in ("documents", "years", "inference")}
    for theme, flag_names in flagged[["theme", "flags"]].drop_duplicates().itertuples(index=False):
        header = f"<th>{names.get(theme, theme)} ⚑ {flag_names}</th>"
        assert all(header in section for section in sections.values()), header
    clean = table.loc[(table["model"] == "dictionary"), "theme"].iloc[0]
    assert f"<th>{names.get(clean, clean)}</th>" in sections["inference"]


@pytest.mark.corpora
def test_share_plots_say_a_flagged_themes_flags_under_its_name(city_run):
    from topics.report.inference import shares_figure as interval_figure
    from topics.report.plots import attention_figure, regions_figure, shares_figure

    shares = RunFolder.open(city_run).table(THEME_SHARES)
    flags = primary_flags(city_run)
    for model in ("nmf", "dictionary"):
        for figure in (shares_figure(shares, model), regions_figure(shares, model),
                       attention_figure(shares, model, "year")):
            panels = [ax for ax in figure.axes if ax.get_visible()]
            assert panels
            for ax in panels:
                theme, _, said = ax.get_title().partition("\nflagged: ")
                assert said.split() == names_of(flags[(flags["model"] == model) & (flags["theme"] == theme)]).split()
    assert any("\nflagged: " in ax.get_title() for ax in shares_figure(shares, "nmf").axes)  # nmf has flagged themes
    # the plot of a table with intervals names them in its legend
    table = pd.read_csv(city_run / shares_by("region"), keep_default_na=False)
    nmf = table[(table["model"] == "nmf")]
    legend = [t.get_text() for t in interval_figure(nmf, "region", {}, "nmf").axes[0].get_legend().get_texts()]
    for theme, flag_names in nmf[["theme", "flags"]].drop_duplicates().itertuples(index=False):
        assert (f"{theme} (flagged: {flag_names})" if flag_names else theme) in legend
