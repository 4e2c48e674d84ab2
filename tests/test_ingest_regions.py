"""Region forms resolve to one row of the region dimension; unknown and ambiguous
regions are rejected with a reason naming them (contract: Common rules, regions).

Fixture: tests/fixtures/messy/indicators/regions.csv, one region form per line
(line 1 is the header). Codes are those of dbt_project/seeds/regions.csv.
The read-only tests share one ingest of the file, in a pytest temporary folder.
"""

from __future__ import annotations

import pytest

from tests.ingest_helpers import Landing

FILE = "indicators/regions.csv"


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    """(landing, report) after regions.csv was ingested once."""
    landing = Landing(tmp_path_factory.mktemp("regions"))
    landing.land("indicators", "regions.csv")
    report = landing.ingest("indicators")
    return landing, report


@pytest.fixture(scope="module")
def resolved(ingested) -> dict[int, tuple[str, str]]:
    """_line -> (region_text, region_code) of the kept rows."""
    landing, _ = ingested
    return {line: (text, code) for line, text, code in
            landing.query("select _line, region_text, region_code from raw.indicators")}


@pytest.fixture(scope="module")
def rejected(ingested) -> dict[int, tuple[str, str, str]]:
    """line -> (file, raw, reason) of the rejected rows."""
    landing, _ = ingested
    return {line: (file, raw, reason) for file, line, raw, reason in landing.rejected("indicators")}


def test_every_known_region_form_is_kept_and_only_bad_rows_rejected(resolved, rejected):
    assert sorted(resolved) == [*range(2, 14), 15]  # line 14, a bare 西安, is shared: rejected
    assert sorted(rejected) == [14, 16, 17, 18]


@pytest.mark.parametrize("line, form", [(2, "合肥"), (3, "合肥市"), (6, "Hefei"), (9, "340100")])
def test_city_name_with_or_without_suffix_english_and_code_resolve_to_hefei(resolved, line, form):
    assert resolved[line] == (form, "340100")


@pytest.mark.parametrize("line, form", [(4, "安徽省"), (5, "安徽")])
def test_province_with_and_without_suffix_resolves_to_anhui(resolved, line, form):
    assert resolved[line] == (form, "340000")


@pytest.mark.parametrize("line, form", [(7, "Xi'an"), (8, "Xian"), (10, "Xi安"), (15, "西安市")])
def test_xian_spellings_and_garbled_alias_resolve_to_xian_city(resolved, line, form):
    assert resolved[line] == (form, "610100")


def test_a_bare_shared_name_with_nothing_to_choose_by_is_rejected_listing_its_candidates(rejected):
    # 西安 is the city's name without its suffix, and also that of two districts named 西安区
    # (辽源 220403, 牡丹江 231005): an indicator row carries nothing else to choose by.
    file, raw, reason = rejected[14]
    assert (file, raw) == (FILE, "西安,population,2013,1")
    assert "ambiguous" in reason
    for code in ("220403", "231005", "610100"):
        assert code in reason


@pytest.mark.parametrize("line, form", [(11, "全国"), (12, "China"), (13, "national")])
def test_national_forms_resolve_to_000000(resolved, line, form):
    assert resolved[line] == (form, "000000")


def test_unknown_region_is_rejected_naming_the_value(rejected):
    file, raw, reason = rejected[16]
    assert (file, raw) == (FILE, "火星市,population,2015,1")
    assert "火星市" in reason and "unknown" in reason


def test_ambiguous_region_is_rejected_listing_candidate_codes(rejected):
    # 鼓楼区 is a district of 南京 (320106), 徐州 (320302), 福州 (350102) and 开封 (410204).
    file, raw, reason = rejected[17]
    assert (file, raw) == (FILE, "鼓楼区,population,2016,1")
    assert "鼓楼区" in reason and "ambiguous" in reason
    for code in ("320106", "320302", "350102", "410204"):
        assert code in reason


def test_region_resolved_share_counts_kept_against_region_rejects_only(ingested):
    # 13 kept, 3 rejected for their region (14, 16, 17); line 18 is rejected for its
    # indicator and does not count: 13 / (13 + 3) = 0.8125.
    _, report = ingested
    assert report.table_rows == 13
    assert report.rejected_rows == 4
    assert report.region_resolved_share == pytest.approx(0.8125, abs=1e-6)


@pytest.mark.parametrize(
    "source, fixture, region_column, expected",
    [
        ("enterprises", "enc_utf8_bom.csv", "region_text", {"Xi安": "610100", "合肥市": "340100"}),
        ("enterprises", "enc_utf8.csv", "region_text", {"合肥": "340100", "Beijing": "110000"}),
        ("compute", "values.csv", "region_text", {"合肥": "340100", "北京": "110000", "武汉": "420100"}),
        ("policies", "values_a.jsonl", "region_text",
         {"安徽": "340000", "全国": "000000", "上海": "310000", "合肥": "340100", "340000": "340000",
          "Hefei": "340100"}),
    ],
)
def test_regions_resolve_in_every_source(tmp_path, source, fixture, region_column, expected):
    landing = Landing(tmp_path)
    landing.land(source, fixture)
    landing.ingest(source)
    got = dict(landing.query(f"select distinct {region_column}, region_code from raw.{source}"))
    assert got == expected
