"""Exact parsed values: numbers, magnitude words, money, capacity, dates, years,
flags, plan periods, policy levels and ids, compute events (contract: Common rules
and sections 1-4).

Every expected value below was worked out by hand from the fixture line it names
(tests/fixtures/messy/<source>/values*.{csv,jsonl}); line 1 of a CSV is its header.

These tests only read what one ingest produced, so each source's values file is
ingested once per module, into its own pytest temporary folder (never the repo's raw/).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.ingest_helpers import Landing

D = Decimal


@pytest.fixture(scope="module")
def indicators(tmp_path_factory) -> dict[int, tuple]:
    """_line -> (indicator_code, period, value, is_forecast) of indicators/values.csv."""
    landing = Landing(tmp_path_factory.mktemp("values_indicators"))
    landing.land("indicators", "values.csv")
    landing.ingest("indicators")
    assert landing.rejected("indicators") == []
    rows = landing.query("select _line, indicator_code, period, value, is_forecast from raw.indicators")
    return {line: tuple(rest) for line, *rest in rows}


@pytest.fixture(scope="module")
def enterprises(tmp_path_factory) -> dict[int, tuple]:
    """_line -> (registered_on, precision, deregistered_on, capital, currency, capital_cny)."""
    landing = Landing(tmp_path_factory.mktemp("values_enterprises"))
    landing.land("enterprises", "values.csv")
    landing.ingest("enterprises")
    assert landing.rejected("enterprises") == []
    rows = landing.query(
        "select _line, registered_on, registered_on_precision, deregistered_on, registered_capital,"
        " registered_capital_currency, registered_capital_cny from raw.enterprises"
    )
    return {line: tuple(rest) for line, *rest in rows}


@pytest.fixture(scope="module")
def compute(tmp_path_factory) -> tuple[dict[int, tuple], list[tuple]]:
    landing = Landing(tmp_path_factory.mktemp("values_compute"))
    landing.land("compute", "values.csv")
    landing.ingest("compute")
    rows = landing.query(
        "select _line, project, region_code, event, event_date, event_date_precision, capacity_pflops,"
        " capacity_precision, investment, investment_currency, investment_cny from raw.compute"
    )
    return {line: tuple(rest) for line, *rest in rows}, landing.rejected("compute")


@pytest.fixture(scope="module")
def policies(tmp_path_factory) -> dict[tuple[str, int], dict]:
    """(file name, _line) -> row as a dict, for values_a.jsonl and values_b.jsonl."""
    landing = Landing(tmp_path_factory.mktemp("values_policies"))
    landing.land("policies", "values_a.jsonl")
    landing.land("policies", "values_b.jsonl")
    landing.ingest("policies")
    assert landing.rejected("policies") == []
    columns = ["_file", "_line", "policy_id", "region_code", "level", "published_on", "published_on_precision",
               "effective_on", "plan_start_year", "plan_end_year", "doc_type"]
    rows = landing.query(f"select {', '.join(columns)} from raw.policies")
    return {(r[0].rsplit("/", 1)[-1], r[1]): dict(zip(columns, r)) for r in rows}


# --- numbers (indicators) ------------------------------------------------------------


def test_indicator_file_keeps_every_row(indicators):
    assert sorted(indicators) == list(range(2, 20))


def test_thousands_separator_is_parsed(indicators):
    assert indicators[2] == ("ai_enterprise_count", 2016, D("1500"), False)  # "1,500"
    assert indicators[17] == ("ai_enterprise_count", 2022, D("4000"), False)  # "4,000家"


def test_full_width_digits_are_parsed(indicators):
    assert indicators[3] == ("ai_enterprise_count", 2017, D("4000"), False)  # ４０００


def test_magnitude_word_wan_with_unit(indicators):
    assert indicators[4] == ("ai_enterprise_count", 2018, D("63800"), True)  # 6.38万家
    assert indicators[19] == ("ai_enterprise_count", 2023, D("12000"), False)  # 1.2万 (no unit)


def test_value_with_separate_unit_column(indicators):
    assert indicators[5] == ("ai_enterprise_count", 2019, D("39800"), True)  # 3.98 + 万家
    assert indicators[9] == ("ai_industry_output_cny", 2017, D("382100000000"), False)  # 3821 + 亿元
    assert indicators[18][:3] == ("ai_core_industry_scale_cny", 2023, D("120000000000"))  # "1,200" + 亿元


def test_magnitude_word_qian_with_and_without_unit(indicators):
    assert indicators[6] == ("ai_enterprise_count", 2020, D("2000"), False)  # 2千家
    assert indicators[7] == ("ai_enterprise_count", 2021, D("1500"), False)  # 1.5千


def test_magnitude_word_yi_with_and_without_unit(indicators):
    assert indicators[8] == ("ai_industry_output_cny", 2016, D("382100000000"), False)  # 3821亿元
    assert indicators[13] == ("ai_industry_output_cny", 2021, D("120000000"), False)  # 1.2亿


def test_magnitude_word_qianyi_is_1e11(indicators):
    assert indicators[10] == ("ai_industry_output_cny", 2018, D("150000000000"), False)  # 1.5千亿


def test_magnitude_word_baiwan_is_1e6(indicators):
    assert indicators[11] == ("ai_industry_output_cny", 2019, D("2000000"), False)  # 2百万元


def test_magnitude_word_qianwan_is_1e7(indicators):
    assert indicators[12] == ("ai_industry_output_cny", 2020, D("30000000"), False)  # 3千万


def test_magnitude_word_wanyi_is_1e12(indicators):
    assert indicators[14] == ("gdp_cny", 2022, D("4160000000000"), False)  # 4.16万亿元
    assert indicators[15] == ("gdp_cny", 2023, D("4380000000000"), False)  # 4.38万亿


def test_persons_count_with_wan(indicators):
    assert indicators[16] == ("population", 2022, D("21843000"), False)  # 2184.3万


def test_indicator_chinese_label_maps_to_code(indicators):
    assert indicators[17][0] == "ai_enterprise_count"  # 人工智能相关企业数量


def test_period_year_forms(indicators):
    assert indicators[14][1] == 2022  # 2022
    assert indicators[15][1] == 2023  # 2023年


def test_is_forecast_true_false_shi_fou_and_default_false(indicators):
    assert indicators[2][3] is False  # false
    assert indicators[3][3] is False  # 否
    assert indicators[4][3] is True  # 是
    assert indicators[5][3] is True  # true
    assert indicators[6][3] is False  # empty -> default false


def test_indicator_source_and_quote_are_kept(tmp_path):
    landing = Landing(tmp_path)
    landing.land("indicators", "values.csv")
    landing.ingest("indicators")
    assert landing.query("select region_code, source, source_quote from raw.indicators where _line = 18") == [
        ("340100", "某研究院报告", "原文: 核心产业规模达1200亿元, 同比增长"),
    ]


# --- money and dates (enterprises) ---------------------------------------------------


def test_money_in_yuan_keeps_currency_cny(enterprises):
    assert enterprises[2][3:] == (D("5000000"), "CNY", D("5000000"))  # 500万元人民币
    assert enterprises[4][3:] == (D("15000000"), "CNY", D("15000000"))  # "1,500万元"
    assert enterprises[5][3:] == (D("10000000"), "CNY", D("10000000"))  # １０００万元
    assert enterprises[6][3:] == (D("250000000"), "CNY", D("250000000"))  # 2.5亿元
    assert enterprises[7][3:] == (D("500000"), "CNY", D("500000"))  # 50万元
    assert enterprises[9][3:] == (D("12000000"), "CNY", D("12000000"))  # 1.2千万元


def test_money_in_dollars_keeps_usd_and_has_no_yuan_figure(enterprises):
    assert enterprises[3][3:] == (D("1000000"), "USD", None)  # 100万美元


def test_money_absent_is_null(enterprises):
    assert enterprises[8][3:] == (None, None, None)


@pytest.mark.parametrize(
    "line, form",
    [(2, "2017-12-29"), (3, "2017/12/29"), (4, "2017.12.29"), (5, "2017年12月29日")],
)
def test_day_date_forms(enterprises, line, form):
    assert enterprises[line][:2] == (dt.date(2017, 12, 29), "day"), form


@pytest.mark.parametrize("line, form", [(6, "2023-07"), (7, "2023年7月")])
def test_month_date_forms_store_first_of_month_with_month_precision(enterprises, line, form):
    assert enterprises[line][:2] == (dt.date(2023, 7, 1), "month"), form


def test_deregistered_on_parsed_and_empty_while_active(enterprises):
    assert enterprises[7][2] == dt.date(2024, 3, 1)  # 2024年3月1日
    assert enterprises[9][2] == dt.date(2021, 6, 30)  # 2021/06/30
    assert enterprises[2][2] is None


# --- compute events and capacity ----------------------------------------------------


def test_compute_event_names_are_normalised(compute):
    rows, _ = compute
    assert {line: row[2] for line, row in rows.items()} == {
        2: "announced",  # 签约
        3: "construction_started",  # 开工
        4: "completed",  # 竣工
        5: "operational",  # 投运
        6: "announced",  # 宣布
        7: "completed",  # 峻工 (misspelling)
        8: "operational",  # 上线
        10: "announced",  # announced
    }


def test_unknown_compute_event_is_rejected_naming_it(compute):
    _, rejected = compute
    assert [(f, line) for f, line, _, _ in rejected] == [("compute/values.csv", 9)]
    assert "停工" in rejected[0][3]


@pytest.mark.parametrize(
    "line, form, pflops, precision",
    [
        (2, "500P", D("500"), None),
        (3, "500 PFLOPS", D("500"), None),
        (6, "2E", D("2000"), None),
        (7, "2 EFLOPS", D("2000"), None),
        (8, "1000P(FP16)", D("1000"), "FP16"),
        (4, "(empty)", None, None),
    ],
)
def test_capacity_is_stored_in_pflops_with_precision(compute, line, form, pflops, precision):
    rows, _ = compute
    assert rows[line][5:7] == (pflops, precision), form


def test_compute_event_dates_day_and_month(compute):
    rows, _ = compute
    assert {line: row[3:5] for line, row in rows.items()} == {
        2: (dt.date(2021, 5, 20), "day"),
        3: (dt.date(2021, 9, 1), "month"),  # 2021-09
        4: (dt.date(2022, 6, 1), "month"),  # 2022年6月
        5: (dt.date(2022, 12, 30), "day"),  # 2022年12月30日
        6: (dt.date(2023, 1, 5), "day"),  # 2023/01/05
        7: (dt.date(2023, 8, 31), "day"),  # 2023.08.31
        8: (dt.date(2023, 12, 1), "month"),  # 2023-12
        10: (dt.date(2022, 10, 10), "day"),
    }


def test_compute_investment_to_yuan_and_regions(compute):
    rows, _ = compute
    assert rows[2][7:] == (D("1000000000"), "CNY", D("1000000000"))  # 10亿元
    assert rows[3][7:] == (None, None, None)
    assert {line: row[:2] for line, row in rows.items()} == {
        2: ("合肥先进计算中心", "340100"), 3: ("合肥先进计算中心", "340100"),
        4: ("合肥先进计算中心", "340100"), 5: ("合肥先进计算中心", "340100"),
        6: ("北京智算中心", "110000"), 7: ("北京智算中心", "110000"), 8: ("北京智算中心", "110000"),
        10: ("武汉人工智能计算中心", "420100"),
    }


# --- policies -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line, form, start, end",
    [(1, "2018-2025年", 2018, 2025), (2, "2018—2030年", 2018, 2030), (3, "2018至2030年", 2018, 2030),
     (4, "2023-2025", 2023, 2025), (5, "(absent)", None, None)],
)
def test_plan_period_forms(policies, line, form, start, end):
    row = policies[("values_a.jsonl", line)]
    assert (row["plan_start_year"], row["plan_end_year"]) == (start, end), form


def test_policy_level_provincial_and_municipal_are_normalised(policies):
    assert policies[("values_a.jsonl", 5)]["level"] == "province"  # provincial
    assert policies[("values_a.jsonl", 3)]["level"] == "city"  # municipal
    assert policies[("values_a.jsonl", 2)]["level"] == "national"  # national


def test_policy_level_derived_from_region_when_absent(policies):
    assert policies[("values_a.jsonl", 1)]["level"] == "province"  # 安徽
    assert policies[("values_a.jsonl", 4)]["level"] == "city"  # 合肥
    assert policies[("values_a.jsonl", 6)]["level"] == "city"  # Hefei
    assert policies[("values_b.jsonl", 3)]["level"] == "national"  # 全国


def test_policy_dates_and_regions(policies):
    got = {key: (r["region_code"], r["published_on"], r["published_on_precision"], r["effective_on"], r["doc_type"])
           for key, r in policies.items()}
    assert got == {
        ("values_a.jsonl", 1): ("340000", dt.date(2017, 12, 29), "day", None, "plan"),
        ("values_a.jsonl", 2): ("000000", dt.date(2017, 7, 20), "day", None, "plan"),
        ("values_a.jsonl", 3): ("310000", dt.date(2022, 9, 23), "day", dt.date(2022, 10, 1), "regulation"),
        ("values_a.jsonl", 4): ("340100", dt.date(2023, 7, 1), "month", None, "measures"),
        ("values_a.jsonl", 5): ("340000", dt.date(2023, 10, 1), "month", None, "plan"),
        ("values_a.jsonl", 6): ("340100", dt.date(2024, 1, 2), "day", None, "notice"),
        ("values_b.jsonl", 1): ("340000", dt.date(2017, 12, 29), "day", None, "plan"),
        ("values_b.jsonl", 2): ("340000", dt.date(2019, 1, 1), "day", None, "plan"),
        ("values_b.jsonl", 3): ("000000", dt.date(2017, 7, 20), "day", None, "plan"),
    }


def test_policy_id_same_document_in_two_files_gets_same_id(policies):
    # Same issuer + title + date, the date spelled 2017年12月29日 in one file and 2017-12-29 in the other.
    a = policies[("values_a.jsonl", 1)]["policy_id"]
    b = policies[("values_b.jsonl", 1)]["policy_id"]
    assert a is not None and a == b


def test_policy_id_differs_when_issuer_title_or_date_differ(policies):
    ids = {key: r["policy_id"] for key, r in policies.items()}
    distinct_documents = [ids[k] for k in ids if k != ("values_b.jsonl", 1)]
    assert len(set(distinct_documents)) == 8  # b:2 differs by date, b:3 by issuer from a:2
    assert None not in distinct_documents


def test_policy_explicit_id_is_kept(policies):
    assert policies[("values_a.jsonl", 6)]["policy_id"] == "custom-001"
