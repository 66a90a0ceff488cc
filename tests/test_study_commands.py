"""The study of the README's "A study in a dozen commands", typed as a researcher types it: manifest
templates for a folder of State Council reports and one of city reports (a coastal column added from the
template's province), a run whose spline effects separate a theme, flags, a subset in decades and a
coastal contrast in points, each command a process of its own on the shared reports."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

# State Council reports: ecology is 0 in several reports of the 1950s–60s; twelve city reports of 2024
YEARS = (1954, 1956, 1957, 1959, 1964, 1978, 1979, 1981, 1982, 1983, 1984, 1986, 1988, 2018, 2022)
CITIES = ("三亚市", "东营市", "厦门市", "威海市", "青岛市", "南通市",
          "乐山市", "合肥市", "成都市", "武汉市", "长沙市", "咸宁市")
COASTAL_PROVINCES = ("辽宁", "河北", "天津", "山东", "江苏", "上海",
                     "浙江", "福建", "广东", "广西", "海南")
MODELS = """
[models.dictionary]

[models.seeded-lda]
k = 7
passes = 3
iterations = 20
"""


def _topics(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "topics", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)
    assert proc.returncode == 0, (args, proc.stderr)
    assert "Traceback" not in proc.stderr
    return proc


def _config(name: str, folder: str, tail: str = "") -> str:
    return (f'[run]\nname = "{name}"\nseeds = [1]\nprogress = false\n[corpus]\npaths = ["{folder}"]\n'
            f"[vocabulary]\nno_below = 2\nno_above = 0.6\n[report]\nenabled = false\n[inference]\ndraws = 100\n"
            f"{MODELS}{tail}")


def _rewrite(manifest: Path, fill) -> list[dict]:
    """The manifest with ``fill(row)`` applied to every row (new keys become new columns), as a
    researcher fills a template in a spreadsheet."""
    with manifest.open(encoding="utf-8", newline="") as handle:
        rows = [fill(dict(row)) for row in csv.DictReader(handle, delimiter="\t")]
    with manifest.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, list(rows[0]), delimiter="\t", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return rows


@pytest.mark.corpora
@pytest.mark.slow
def test_a_study_from_report_folders_to_a_coastal_contrast_through_the_commands(shared_corpora, tmp_path):
    # the researcher's folders of reports (links: the shared corpus is read where it is, never copied)
    national, cities = tmp_path / "reports" / "state_council", tmp_path / "reports" / "cities"
    national.mkdir(parents=True)
    cities.mkdir()
    for year in YEARS:
        (national / f"{year}.txt").symlink_to(shared_corpora / "national_gwr_hprc" / f"{year}.txt")
    for city in CITIES:
        (cities / f"2024_{city}.txt").symlink_to(shared_corpora / "city_gwr_2024" / f"2024_{city}.txt")

    # 1. manifest templates: the year from each file name, the province of each city from the built-in table
    for folder in (national, cities):
        out = _topics("ingest", str(folder), "--manifest-template", str(folder / "MANIFEST.tsv"), cwd=tmp_path).stdout
        assert f"({len(list(folder.glob('*.txt')))} files" in out
    rows = _rewrite(national / "MANIFEST.tsv", lambda row: {**row, "region": "全国"})
    assert sorted(int(row["year"]) for row in rows) == sorted(YEARS)
    rows = _rewrite(cities / "MANIFEST.tsv",
                    lambda row: {**row, "coastal": str(int(row["province"].startswith(COASTAL_PROVINCES)))})
    coastal = {row["region"]: int(row["coastal"]) for row in rows}
    assert all(row["province"] for row in rows) and sorted(coastal) == sorted(CITIES)
    assert sum(coastal.values()) == 6 and coastal["青岛市"] == 1 and coastal["成都市"] == 0

    # 2. a run with spline effects over the years: a theme 0 in the early reports separates, one line says so
    (tmp_path / "national.toml").write_text(
        _config("national", "reports/state_council", '[effects]\nformula = "~ bs(year, df=4)"\ndraws = 50\n'),
        encoding="utf-8")
    err = _topics("run", "national.toml", "-o", "runs/national", "--no-progress", cwd=tmp_path).stderr
    run = tmp_path / "runs" / "national"
    assert (run / "DONE").is_file()
    separated = [line for line in err.splitlines() if "no effect estimated for" in line]
    assert separated and all("separates from the rest, so the fit diverges" in line for line in separated)
    named = {(line.split("no effect estimated for ")[1].split()[0], line.split(":")[1].split()[-1])
             for line in separated}  # (model, theme) of "… for dictionary k=6 ecology: …"
    assert ("dictionary", "ecology") in named
    effects = pd.read_csv(run / "effects.csv")
    fitted = set(zip(effects["model"], effects["theme"]))
    assert effects["estimate"].notna().all() and not fitted & named and len(fitted) >= 6

    # 3. the validity flags, as a table of their own and on every share table
    _topics("flags", "runs/national", "-o", "flags.csv", cwd=tmp_path)
    flags = pd.read_csv(tmp_path / "flags.csv")
    flagged = dict(zip(zip(flags["model"], flags["theme"]), flags["flags"]))
    assert flagged and set(flags.columns) >= {"model", "theme", "flags", "topics"}

    # 4. a subset of the reports in decades: what was kept and left out is said, periods without reports are absent
    out = _topics("shares", "runs/national", "--where", "year >= 1978", "--by", "decade", "--draws", "100",
                  "-o", "decades.csv", cwd=tmp_path).stdout
    assert "--where 'year >= 1978': kept 10 of 15 documents" in out and "left out 5 documents" in out
    decades = pd.read_csv(tmp_path / "decades.csv", keep_default_na=False)
    groups = decades.drop_duplicates(["model", "year"])
    assert sorted(set(groups["year"])) == [1970, 1980, 2010, 2020]
    assert set(groups.loc[groups["year"] == 1980, "year_period"]) == {"1980–1989"}
    assert (groups.groupby("model")["n_documents"].sum() == 10).all()
    assert ((decades["ci_low"] <= decades["share"]) & (decades["share"] <= decades["ci_high"])).all()
    assert (decades["ci_high"] > decades["ci_low"]).all()
    assert set(decades["flags"]) > {""}  # seeded LDA's themes of mostly unlisted words say so beside their shares
    assert dict(zip(zip(decades["model"], decades["theme"]), decades["flags"])) == {
        (model, theme): flagged.get((model, theme), "") for model, theme in zip(decades["model"], decades["theme"])}

    # 5. the passages behind a figure, from the reports before 1978 only
    out = _topics("examples", "runs/national", "--theme", "ecology", "--where", "year < 1978", "-n", "5",
                  "-o", "examples.csv", cwd=tmp_path).stdout
    assert "--where 'year < 1978': kept 5 of 15 documents" in out
    examples = pd.read_csv(tmp_path / "examples.csv")
    assert len(examples) and examples["year"].lt(1978).all() and set(examples["theme"]) == {"ecology"}

    # 6. a coding kit: its sample's inclusion probabilities add up to the units a coder can judge
    out = _topics("validate", "runs/national", "-o", "kit", cwd=tmp_path).stdout
    sample = pd.read_csv(tmp_path / "kit" / "key" / "sample.tsv", sep="\t")
    assert len(sample) == 60 and sample["inclusion_probability"].between(0, 1, inclusive="right").all()
    assert f"60 of {round((1 / sample['inclusion_probability']).sum())} codable units" in out
    assert (tmp_path / "kit" / "coding.html").is_file() and (tmp_path / "kit" / "guide.md").is_file()

    # 7. the city reports: shares of coastal and inland cities, six reports each
    (tmp_path / "cities.toml").write_text(_config("cities", "reports/cities"), encoding="utf-8")
    _topics("run", "cities.toml", "-o", "runs/cities", "--no-progress", cwd=tmp_path)
    _topics("shares", "runs/cities", "--by", "coastal", "--draws", "100", "-o", "coastal_shares.csv", cwd=tmp_path)
    shares = pd.read_csv(tmp_path / "coastal_shares.csv")
    assert set(shares["coastal"]) == {0, 1} and shares["n_documents"].eq(6).all()
    assert not shares["few_documents"].any()
    assert ((shares["ci_low"] < shares["share"]) & (shares["share"] < shares["ci_high"])).all()

    # 8. a coastal contrast in percentage points with its interval
    out = _topics("effects", "runs/cities", "--formula", "~ C(coastal)", "--draws", "100", "--no-progress",
                  "-o", "coastal.csv", cwd=tmp_path).stdout
    assert "in percentage points" in out
    contrasts = pd.read_csv(tmp_path / "coastal_contrasts.csv")
    assert set(contrasts["covariate"]) == {"coastal"} and set(contrasts["kind"]) == {"difference"}
    assert set(contrasts["level"]) == {1} and set(contrasts["reference"]) == {0}
    assert set(contrasts["scale"]) == {"percentage points"} and contrasts["n_documents"].eq(len(CITIES)).all()
    assert ((contrasts["ci_low"] < contrasts["difference"]) & (contrasts["difference"] < contrasts["ci_high"])).all()
    # one category and the intercept: the difference is that of the groups' mean document shares, in points
    documents = pd.read_csv(tmp_path / "runs" / "cities" / "theme_shares.csv")
    documents["coastal"] = documents["region"].map(coastal)
    means = documents.groupby(["model", "theme", "coastal"])["share"].mean().unstack()
    expected = 100 * (means[1] - means[0])
    got = contrasts.set_index(["model", "theme"])["difference"]
    assert np.allclose(got, expected.reindex(got.index), atol=1e-4)
