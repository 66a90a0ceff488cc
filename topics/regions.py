"""The province of a region: a built-in table (``lexicons/provinces.tsv``) of every province-level division
and every prefecture-level division of mainland China (地级市, 自治州, 地区, 盟), with the county-level cities a
province administers directly, each with its province. ``topics ingest --manifest-template`` fills a
``province`` column from it, so that a study of city reports can group or compare by province (or by a
coastal column written over the provinces) without typing one province per city."""

from __future__ import annotations

import functools
from pathlib import Path

PROVINCES_PATH = Path(__file__).parent / "lexicons" / "provinces.tsv"


@functools.cache
def provinces() -> dict[str, str]:
    """{full name: its province-level division}, a province-level division naming itself."""
    table = {}
    lines = [line for line in PROVINCES_PATH.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    for line in lines[1:]:  # after the header
        name, province, _kind = line.split("\t")
        table[name] = province
    return table


def province_of(region: str) -> str:
    """The province of a region given by its full name ('苏州市' → '江苏省'), or of a place whose name begins
    with one ('西宁市城西区' → '青海省', '江苏省苏州市' → '江苏省'); '' when the table knows neither. Short
    names are not matched: '吉林' is a province and a city."""
    region = region.strip()
    table = provinces()
    if region in table:
        return table[region]
    found = [name for name in table if region.startswith(name)]
    return table[max(found, key=len)] if found else ""
