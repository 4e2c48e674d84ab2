"""End to end: the shipped sample through the whole refresh, marts checked against the article.

Expected values are the article's figures (shared/seed/) and, for the synthetic
registry, the counts its generator wrote by construction beside it
(raw/enterprises/synthetic_registry_sample.expected.json, from benchmarks/generator/).
"""

import json
from datetime import date
from decimal import Decimal


from tests.conftest import SHIPPED_RAW

SHENZHEN, BEIJING, SHANGHAI, HEFEI, ANHUI, NATIONAL = "440300", "110000", "310000", "340100", "340000", "000000"


def test_refresh_succeeds_and_publishes_every_mart(sample_refresh, marts):
    settings, _ = sample_refresh
    published = {row[0] for row in marts("SELECT table_schema || '.' || table_name FROM information_schema.tables")}
    assert {"marts.dim_region", "marts.city_indicators", "marts.policy_timeline", "marts.policy_cadence",
            "marts.compute_buildout", "marts.modu_index", "marts.figure_reconciliation",
            "marts.published_figures", "audit.rejected_rows"} <= published
    assert (settings.serving_dir / "current" / "marts.city_indicators.parquet").exists()


def test_published_enterprise_counts_are_the_articles(marts):
    rows = dict(((r, y), n) for r, y, n in marts(
        "SELECT region_code, year, ai_enterprise_count_published FROM marts.city_indicators "
        "WHERE ai_enterprise_count_published IS NOT NULL"))
    assert rows == {
        (BEIJING, 2016): 39_800, (SHENZHEN, 2016): 36_100, (SHANGHAI, 2016): 26_500,
        (SHENZHEN, 2023): 63_800, (BEIJING, 2023): 47_800,
    }


def test_published_figures_hold_every_figure_of_the_article_forecasts_included(marts):
    rows = {(r, i, p, f): v for r, i, p, v, f in marts(
        "SELECT region_code, indicator, period, value, is_forecast FROM marts.published_figures "
        "WHERE source_file = 'indicators/article_figures.csv'")}
    assert len(rows) == 16  # raw/README.md: the 16 figures of indicators/article_figures.csv, none reported twice
    # and the synthetic file's 11 cities x 8 years x (population, GDP), nothing else
    assert marts("SELECT count(*) FROM marts.published_figures") == [(16 + 11 * 8 * 2,)]
    assert rows[(SHENZHEN, "ai_enterprise_count", 2023, False)] == Decimal("63800.00")
    assert {k: v for k, v in rows.items() if k[3]} == {  # the forecasts and plan targets, as published
        (NATIONAL, "ai_core_industry_scale_cny", 2025, True): Decimal("400000000000.00"),
        (NATIONAL, "ai_derived_industry_scale_cny", 2025, True): Decimal("1000000000000.00"),
        (HEFEI, "target_firms_over_50bn_cny", 2025, True): Decimal("1.00"),
        (HEFEI, "target_firms_over_10bn_cny", 2025, True): Decimal("2.00"),
        (HEFEI, "target_incubated_firms", 2025, True): Decimal("500.00"),
    }
    # the actual counts are the ones city_indicators publishes (one precedence rule)
    assert {(r, p): int(v) for (r, i, p, f), v in rows.items() if i == "ai_enterprise_count" and not f} == {
        (BEIJING, 2016): 39_800, (SHENZHEN, 2016): 36_100, (SHANGHAI, 2016): 26_500,
        (SHENZHEN, 2023): 63_800, (BEIJING, 2023): 47_800}


def test_ai_industry_output_is_in_yuan(marts):
    rows = dict(marts(
        "SELECT region_code, ai_industry_output_cny FROM marts.city_indicators "
        "WHERE year = 2023 AND ai_industry_output_cny IS NOT NULL"))
    assert rows == {SHANGHAI: Decimal("382100000000.00"), BEIJING: Decimal("227000000000.00"),
                    SHENZHEN: Decimal("248800000000.00")}


def _expected() -> dict:
    return json.loads((SHIPPED_RAW / "enterprises" / "synthetic_registry_sample.expected.json").read_text())


def test_registry_counts_are_the_samples_true_counts(marts):
    expected = _expected()["ai_enterprise_count"]
    computed = dict(((r, str(y)), n) for r, y, n in marts(
        "SELECT region_code, year, ai_enterprise_count FROM marts.city_indicators WHERE ai_enterprise_count IS NOT NULL"))
    assert {e["level"] for e in expected.values()} == {"national", "province", "city", "district"}
    assert len([c for c, e in expected.items() if e["level"] == "city"]) == 11
    pairs = 0
    for region, entry in expected.items():
        for year, count in entry["ai_enterprise_count"].items():
            assert computed[(region, year)] == count, (entry["name_zh"], year)
            pairs += 1
    assert pairs > 4000


def test_the_article_counts_reconcile_and_only_its_own_slips_stand_out(marts):
    rows = {(r, i, p): s for r, i, p, s in marts(
        "SELECT region_code, indicator, period, status FROM marts.figure_reconciliation")}
    assert rows == {
        (BEIJING, "ai_enterprise_count", 2016): "match", (BEIJING, "ai_enterprise_count", 2023): "match",
        (SHENZHEN, "ai_enterprise_count", 2016): "match", (SHENZHEN, "ai_enterprise_count", 2023): "match",
        (SHANGHAI, "ai_enterprise_count", 2016): "match",
        (SHENZHEN, "ai_enterprise_increase", 2023): "mismatch",  # 4.26万 against 6.38万 - 3.61万
        (NATIONAL, "compute_centre_city_count", 2023): "mismatch",  # "nine" cities, eight named
    }


def test_shenzhen_overtakes_beijing_in_2021(marts):
    counts = dict(((r, y), n) for r, y, n in marts(
        "SELECT region_code, year, ai_enterprise_count FROM marts.city_indicators "
        "WHERE region_code IN (?, ?) AND year BETWEEN 2016 AND 2023", [BEIJING, SHENZHEN]))
    ahead = [y for y in range(2016, 2024) if counts[(SHENZHEN, y)] > counts[(BEIJING, y)]]
    assert ahead == [2021, 2022, 2023]
    expected = _expected()["ai_enterprise_count"]
    assert counts[(SHENZHEN, 2021)] == expected[SHENZHEN]["ai_enterprise_count"]["2021"]


def test_districts_roll_up_to_cities_provinces_and_national(marts):
    (city, province, national), = marts(
        "SELECT max(ai_enterprise_count) FILTER (WHERE region_code = '340100'), "
        "max(ai_enterprise_count) FILTER (WHERE region_code = '340000'), "
        "max(ai_enterprise_count) FILTER (WHERE region_code = '000000') "
        "FROM marts.city_indicators WHERE year = 2023")
    (all_cities,), = marts(
        "SELECT sum(ai_enterprise_count) FROM marts.city_indicators WHERE year = 2023 AND level = 'city'")
    (guangdong, guangzhou_and_shenzhen), = marts(
        "SELECT max(ai_enterprise_count) FILTER (WHERE region_code = '440000'), "
        "sum(ai_enterprise_count) FILTER (WHERE region_code IN ('440100', '440300')) "
        "FROM marts.city_indicators WHERE year = 2023")
    (districts,), = marts(
        "SELECT sum(c.ai_enterprise_count) FROM marts.city_indicators c JOIN marts.dim_region r USING (region_code) "
        "WHERE c.year = 2023 AND r.level = 'district' AND left(c.region_code, 4) = '4403'")
    assert province == city  # the sample's Anhui enterprises are all in Hefei
    assert guangdong == guangzhou_and_shenzhen  # the sample's Guangdong cities
    assert national == all_cities
    assert 0 < districts < 63_800  # Shenzhen's rows name districts or the city itself


def test_regions_without_registry_rows_have_no_count(marts):
    (count,), = marts("SELECT ai_enterprise_count FROM marts.city_indicators WHERE region_code = '370100' AND year = 2023")
    assert count is None  # 济南 appears only in compute events


def test_shenzhen_increment_is_a_recorded_finding(marts):
    rows = marts(
        "SELECT published_value, computed_value, difference, status FROM marts.figure_reconciliation "
        "WHERE region_code = ? AND indicator = 'ai_enterprise_increase'", [SHENZHEN])
    assert rows == [(Decimal("42600.00"), Decimal("27700.00"), Decimal("-14900.00"), "mismatch")]


def test_nine_cities_of_compute_starts_are_eight_named(marts):
    rows = marts(
        "SELECT published_value, computed_value, status FROM marts.figure_reconciliation "
        "WHERE indicator = 'compute_centre_city_count'")
    assert rows == [(Decimal("9.00"), Decimal("8.00"), "mismatch")]


def test_policy_timeline_holds_the_articles_dates(marts):
    rows = {(str(d), r, t) for d, r, t in marts("SELECT published_on, region_code, doc_type FROM marts.policy_timeline")}
    assert ("2017-11-17", NATIONAL, "notice") in rows
    assert ("2017-12-29", ANHUI, "plan") in rows
    assert ("2018-05-11", ANHUI, "plan") in rows
    assert ("2023-08-15", NATIONAL, "measures") in rows


def test_plan_periods_and_gaps(marts):
    rows = marts(
        "SELECT plan_start_year, plan_end_year, days_since_previous_in_region FROM marts.policy_timeline "
        "WHERE published_on = DATE '2018-05-11'")
    assert rows == [(2018, 2030, (date(2018, 5, 11) - date(2017, 12, 29)).days)]
    (plans,), = marts("SELECT plans_in_force FROM marts.policy_cadence WHERE region_code = ? AND year = 2023", [ANHUI])
    assert plans == 2  # 中国声谷 2018-2025 and the Anhui plan 2018-2030


def test_compute_starts_land_in_july_2023(marts):
    rows = marts("SELECT region_code, projects_started, projects_completed FROM marts.compute_buildout "
                 "WHERE month = DATE '2023-07-01' ORDER BY region_code")
    assert len(rows) == 8
    assert {r[0] for r in rows} == {"130000", "370100", "110000", "420100", "350000", "320100", "310000", "410100"}
    assert all(started == 1 and completed == 0 for _, started, completed in rows)


def test_modu_index_ranks_cities(marts):
    rows = marts("SELECT year, rank, score FROM marts.modu_index WHERE year = 2023 ORDER BY rank")
    assert rows[0][1] == 1
    assert [r[2] for r in rows] == sorted((r[2] for r in rows), reverse=True)
    assert all(0 <= r[2] <= 100 for r in rows)


def test_the_latest_index_year_is_the_latest_actual_year_and_ranks_every_city_with_data(marts):
    # The sample's actual data (figures, documents, events, registrations) end in 2023; its only
    # later year, 2025, is mentioned by forecasts and plan targets alone
    # (raw/indicators/article_figures.csv), so 2025 is no index year (mart contract), though
    # city_indicators has Hefei's 2025 row.
    (latest,), = marts("SELECT max(year) FROM marts.modu_index")
    assert latest == 2023
    assert marts("SELECT count(*) FROM marts.city_indicators WHERE region_code = ? AND year = 2025", [HEFEI]) == [(1,)]
    ranked = {r for (r,) in marts("SELECT region_code FROM marts.modu_index WHERE year = 2023")}
    # the cities with data in 2023 are the eleven cities of the registry sample (no other city has a
    # 2023 document or completed compute capacity)
    cities = {code for code, e in _expected()["ai_enterprise_count"].items() if e["level"] == "city"}
    assert ranked == cities and len(ranked) == 11
    ranks = sorted(rank for (rank,) in marts("SELECT rank FROM marts.modu_index WHERE year = 2023"))
    assert ranks[0] == 1 and ranks[-1] <= 11


def test_every_ingested_row_is_accounted_for(sample_refresh):
    _, result = sample_refresh
    for event in result.get_asset_materialization_events():
        m = event.event_specific_data.materialization
        if m.asset_key.path[0] == "raw":
            meta = {k: v.value for k, v in m.metadata.items()}
            assert meta["lines_ingested_now"] == meta["rows_kept_now"] + meta["rows_rejected_now"]
            assert meta["rows_rejected_now"] == 0, m.asset_key  # the shipped sample is clean
            assert meta["region_resolved_share"] == 1.0


def test_synthetic_population_and_gdp_feed_city_indicators_and_say_they_are_made_up(marts):
    # raw/indicators/synthetic_population_gdp.csv: made up (raw/README.md), values as its generator wrote them
    truth = json.loads((SHIPPED_RAW / "indicators" / "synthetic_population_gdp.expected.json").read_text())
    expected = {(code, int(year), indicator): value for indicator in ("population", "gdp_cny")
                for code, entry in truth[indicator].items() for year, value in entry["values"].items()}
    found = {}
    for code, year, population, gdp in marts(
            "SELECT region_code, year, population, gdp_cny FROM marts.city_indicators "
            "WHERE population IS NOT NULL OR gdp_cny IS NOT NULL"):
        found[(code, year, "population")], found[(code, year, "gdp_cny")] = population, gdp
    assert found == expected and len(found) == 11 * 8 * 2
    # Listed among the landed figures (a file's name decides no figure away), each saying it is made up;
    # never reconciled, since the warehouse computes no population or GDP of its own.
    listed = marts("SELECT region_code, period, indicator, value, source, source_file FROM marts.published_figures "
                   "WHERE indicator IN ('population', 'gdp_cny')")
    assert {(code, period, indicator): value for code, period, indicator, value, _, _ in listed} == expected
    assert {(source.startswith("synthetic (") and "not official statistics" in source, file)
            for *_, source, file in listed} == {(True, "indicators/synthetic_population_gdp.csv")}
    assert marts("SELECT count(*) FROM marts.figure_reconciliation WHERE source_file LIKE '%synthetic%'") == [(0,)]
