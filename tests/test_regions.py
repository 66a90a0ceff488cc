"""The built-in province table: every prefecture-level division of mainland China, each with its province."""

from __future__ import annotations

from collections import Counter

import pytest

from topics.ingest.reading import load_manifest
from topics.regions import PROVINCES_PATH, province_of, provinces


def _kinds() -> Counter:
    lines = [line for line in PROVINCES_PATH.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    assert lines[0] == "name\tprovince\tkind"
    return Counter(line.split("\t")[2] for line in lines[1:])


def test_the_table_holds_every_prefecture_level_division_once():
    # GB/T 2260 (2024): 293 prefecture-level cities, 30 autonomous prefectures, 7 prefectures, 3 leagues
    kinds = _kinds()
    assert (kinds["地级市"], kinds["自治州"], kinds["地区"], kinds["盟"]) == (293, 30, 7, 3)
    assert kinds["直辖市"] == 4 and kinds["省"] + kinds["自治区"] == 23 + 5 and kinds["特别行政区"] == 2
    assert sum(kinds.values()) == len(provinces())  # no name twice
    assert len(set(provinces().values())) == 34  # and every province-level division names itself
    assert all(provinces()[province] == province for province in provinces().values())


@pytest.mark.parametrize("region, province", [
    ("苏州市", "江苏省"), ("大连市", "辽宁省"), ("延边朝鲜族自治州", "吉林省"), ("吉林市", "吉林省"), ("吉林省", "吉林省"),
    ("锡林郭勒盟", "内蒙古自治区"), ("大兴安岭地区", "黑龙江省"), ("阿勒泰地区", "新疆维吾尔自治区"), ("海南藏族自治州", "青海省"),
    ("三沙市", "海南省"), ("儋州市", "海南省"), ("潜江市", "湖北省"), ("济源市", "河南省"), ("石河子市", "新疆维吾尔自治区"),
    ("朝阳市", "辽宁省"), ("抚州市", "江西省"), ("福州市", "福建省"), ("襄阳市", "湖北省"), ("普洱市", "云南省"),
    ("重庆市", "重庆市"), ("西宁市城西区", "青海省"), ("江苏省苏州市", "江苏省"),
    ("苏州", ""), ("吉林", ""), ("海拉尔区", ""), ("", ""),
])
def test_well_known_places_have_their_province(region, province):
    assert province_of(region) == province


@pytest.mark.corpora
def test_every_region_of_the_city_reports_has_a_province(shared_corpora):
    regions = {row.region for row in load_manifest(shared_corpora / "city_gwr_2024" / "MANIFEST.tsv").values()}
    assert len(regions) > 100
    assert [region for region in sorted(regions) if not province_of(region)] == []
    assert province_of("天门市") == "湖北省" and province_of("林芝市") == "西藏自治区"
