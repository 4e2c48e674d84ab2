"""Bad rows go to audit.rejected_rows with file, physical line, raw text and a reason,
never stopping the good rows; lineage; loading is idempotent by content
(contract: Common rules).

Fixtures (line 1 of a CSV is its header; blank lines count):
- enterprises/rejects.csv: 5 good rows among 12 bad ones, a blank line at line 7;
- indicators/rejects.csv: 2 good rows among 8 bad ones;
- policies/rejects.jsonl: 3 good objects among 5 bad lines, a blank line at line 3;
- policies/not_objects.jsonl: 2 good objects among 4 valid JSON lines that are not objects;
- enterprises/lineage.csv: 2 rows, a blank line between them, two unknown columns.
The expected lists are written out by hand from those files.
"""

from __future__ import annotations

import hashlib
import json
import random

import duckdb
import pytest
from stdnum.cn import uscc as stdnum_uscc

from orchestration.ingest.lookups import run_sql_file
from tests.ingest_helpers import Landing, fixture_path

ENTERPRISE_FILE = "enterprises/rejects.csv"

GOOD_USCCS = {
    "91110000MAREJ0001Y",  # line 2
    "91110000MAREJ00035",  # line 4
    "91110000MAREJ0005B",  # line 8, after the blank line 7
    "91110000MAREJ00123",  # line 15, quoted comma inside business_scope
    "91110000MAREJ00149",  # line 17, deregistered after registered
}

# (line, rule, raw line exactly as in the file, substrings the reason must contain)
ENTERPRISE_REJECTS = [
    (3, "uscc_bad_check_character",
     "91110000MAREJ00023,坏校验科技有限公司,合肥,2018-01-02,,100万元,人工智能",
     ("91110000MAREJ00023", "check")),
    (5, "uscc_wrong_length",
     "91110000MAREJ0004,短码科技有限公司,合肥,2018-01-04,,100万元,人工智能",
     ("91110000MAREJ0004",)),
    (6, "uscc_wrong_alphabet",
     "91110000MAREJ0O04I,坏字母科技有限公司,合肥,2018-01-05,,100万元,人工智能",
     ("91110000MAREJ0O04I",)),
    (9, "unparseable_date",
     "91110000MAREJ0006E,坏日期科技有限公司,合肥,去年,,100万元,人工智能",
     ("registered_on", "去年")),
    (10, "impossible_date",
     "91110000MAREJ0007H,不存在日期科技有限公司,合肥,2017-02-30,,100万元,人工智能",
     ("registered_on", "2017-02-30")),
    (11, "deregistered_before_registered",
     "91110000MAREJ0008L,先注销科技有限公司,合肥,2020-05-01,2019-12-31,100万元,人工智能",
     ("2019-12-31", "before", "2020-05-01")),
    (12, "unparseable_money",
     "91110000MAREJ0009P,坏资本科技有限公司,合肥,2018-01-07,,面议,人工智能",
     ("registered_capital", "面议")),
    (13, "too_many_fields_unquoted_comma",
     "91110000MAREJ0010W,多逗号科技有限公司,合肥,2018-01-08,,100万元,软件开发,数据处理",
     ("7", "8")),  # the header has 7 fields, the line 8
    (14, "unbalanced_quote",
     '91110000MAREJ00110,坏引号科技有限公司,合肥,2018-01-09,,100万元,"人工智能软件开发',
     ("quot",)),
    (16, "unparseable_optional_date",
     "91110000MAREJ00136,坏注销日期科技有限公司,合肥,2018-01-11,未知,100万元,人工智能",
     ("deregistered_on", "未知")),
    (18, "unknown_region",
     "91110000MAREJ0015C,未知地区科技有限公司,火星,2018-01-12,,100万元,人工智能",
     ("火星",)),
    (19, "empty_name",
     "91110000MAREJ0016F,,合肥,2018-01-13,,100万元,人工智能",
     ("name",)),
]

INDICATOR_REJECTS = [
    (3, "unknown_indicator", "北京,ai_unicorn_count,2020,5,,", ("ai_unicorn_count",)),
    (4, "value_unit_does_not_fit_indicator", "北京,ai_enterprise_count,2021,3821亿元,,",
     ("unit", "ai_enterprise_count")),
    (5, "unit_column_does_not_fit_indicator", "北京,gdp_cny,2021,100,家,", ("家", "gdp_cny")),
    (6, "non_whole_count", "北京,ai_enterprise_count,2022,12.5家,,", ("12.5", "whole")),
    (8, "period_not_a_year", "上海,gdp_cny,去年,1,,", ("period", "去年")),
    (9, "is_forecast_not_a_flag", "上海,gdp_cny,2021,1,,maybe", ("is_forecast", "maybe")),
    (10, "value_not_a_number", "上海,gdp_cny,2020,很多,,", ("很多",)),
    (11, "bad_thousands_grouping", '上海,gdp_cny,2019,"1,2,3",,', ("1,2,3",)),
]

POLICY_REJECTS = [
    (2, "invalid_json", '{"title": "坏JSON", "issuer": "合肥市人民政府",', ("JSON",)),
    (4, "json_array_not_object", '["title", "不是对象"]', ("object",)),
    (6, "json_string_not_object", '"just a string"', ("object",)),
    (7, "impossible_date",
     '{"title": "坏日期政策", "issuer": "合肥市人民政府", "region": "合肥", "published_on": "2017-02-30", '
     '"doc_type": "notice"}',
     ("published_on", "2017-02-30")),
    (8, "json_number_not_object", "42", ("object",)),
]


def _ids(cases):
    return [c[1] for c in cases]


@pytest.fixture(scope="module")
def enterprise_rejects(tmp_path_factory) -> Landing:
    """enterprises/rejects.csv ingested once (read-only tests below)."""
    landing = Landing(tmp_path_factory.mktemp("rejects_enterprises"))
    landing.land("enterprises", "rejects.csv")
    landing.ingest("enterprises")
    return landing


# --- the fixture's USCCs, checked with an independent implementation ----------------


def test_fixture_usccs_agree_with_stdnum():
    for code in GOOD_USCCS:
        assert stdnum_uscc.is_valid(code), code
    for code in ("91110000MAREJ00023", "91110000MAREJ0004", "91110000MAREJ0O04I"):
        assert not stdnum_uscc.is_valid(code), code
    assert stdnum_uscc.is_valid("91110000MAREJ00022")  # the bad one differs only in its check character



def test_uscc_check_macro_agrees_with_stdnum_on_digit_and_letter_codes():
    """modu_uscc_check_ok agrees with python-stdnum on codes of digits alone and of letters too
    (among them letters a number cast would read: '1E05', '0X1F', '0B11'), for the right check
    character and a wrong one."""
    alphabet, digits = "0123456789ABCDEFGHJKLMNPQRTUWXY", "0123456789"
    rng = random.Random(32100)
    prefixes = ["".join(rng.choice(digits) for _ in range(17)) for _ in range(2000)]
    prefixes += ["".join(rng.choice(alphabet) for _ in range(17)) for _ in range(2000)]
    prefixes += ["00000000000001E05", "000000000000000X1", "0000000000000000E", "000000000000000B1"]
    codes = []
    for prefix in prefixes:
        check = stdnum_uscc.calc_check_digit(prefix)
        wrong = alphabet[(alphabet.index(check) + 1 + rng.randrange(30)) % 31]
        codes += [(prefix + check, True), (prefix + wrong, False)]
    con = duckdb.connect()
    run_sql_file(con, "parsing.sql")
    con.execute("CREATE TABLE codes (code VARCHAR, valid BOOLEAN)")
    con.executemany("INSERT INTO codes VALUES (?, ?)", codes)
    disagree = con.execute(
        "SELECT code, valid FROM codes WHERE modu_uscc_check_ok(code) IS DISTINCT FROM valid").fetchall()
    assert disagree == []
    assert con.execute("SELECT count(*) FILTER (WHERE modu_uscc_check_ok(code)) FROM codes").fetchone()[0] == 4004


# --- enterprises ---------------------------------------------------------------------


def test_every_good_enterprise_row_survives_among_bad_ones(enterprise_rejects):
    assert {u for (u,) in enterprise_rejects.query("select uscc from raw.enterprises")} == GOOD_USCCS
    assert enterprise_rejects.count("enterprises") == 5


def test_enterprise_rejects_are_exactly_the_bad_lines_by_physical_line_number(enterprise_rejects):
    got = [(file, line) for file, line, _, _ in enterprise_rejects.rejected("enterprises")]
    assert got == [(ENTERPRISE_FILE, line) for line, *_ in ENTERPRISE_REJECTS]


@pytest.mark.parametrize("line, rule, raw, reason_parts", ENTERPRISE_REJECTS, ids=_ids(ENTERPRISE_REJECTS))
def test_enterprise_bad_row_is_rejected_with_raw_line_and_reason(enterprise_rejects, line, rule, raw, reason_parts):
    rows = {ln: (r, reason) for _, ln, r, reason in enterprise_rejects.rejected("enterprises")}
    assert line in rows, f"{rule}: line {line} was not rejected"
    got_raw, reason = rows[line]
    assert got_raw == raw
    for part in reason_parts:
        assert part in reason, f"{rule}: {part!r} not in reason {reason!r}"


def test_blank_line_counts_in_physical_line_numbers(enterprise_rejects):
    # Line 7 is blank: the row after it is line 8 (kept), the next line 9 (rejected).
    assert enterprise_rejects.query("select _line from raw.enterprises where uscc = '91110000MAREJ0005B'") == [(8,)]
    assert [line for _, line, _, _ in enterprise_rejects.rejected("enterprises")][3] == 9
    assert 7 not in [line for _, line, _, _ in enterprise_rejects.rejected("enterprises")]


def test_kept_enterprise_lines_are_the_good_physical_lines(enterprise_rejects):
    assert enterprise_rejects.query("select _line, uscc from raw.enterprises order by _line") == [
        (2, "91110000MAREJ0001Y"), (4, "91110000MAREJ00035"), (8, "91110000MAREJ0005B"),
        (15, "91110000MAREJ00123"), (17, "91110000MAREJ00149"),
    ]


# --- indicators ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def indicator_rejects(tmp_path_factory) -> Landing:
    landing = Landing(tmp_path_factory.mktemp("rejects_indicators"))
    landing.land("indicators", "rejects.csv")
    landing.ingest("indicators")
    return landing


def test_indicator_good_rows_survive_among_bad_ones(indicator_rejects):
    assert indicator_rejects.query("select _line, region_code, indicator_code, period, value from raw.indicators"
                                   " order by _line") == [
        (2, "110000", "ai_enterprise_count", 2020, 100),
        (7, "310000", "gdp_cny", 2022, 4470000000000),
    ]


def test_indicator_rejects_are_exactly_the_bad_lines(indicator_rejects):
    got = [(file, line) for file, line, _, _ in indicator_rejects.rejected("indicators")]
    assert got == [("indicators/rejects.csv", line) for line, *_ in INDICATOR_REJECTS]


@pytest.mark.parametrize("line, rule, raw, reason_parts", INDICATOR_REJECTS, ids=_ids(INDICATOR_REJECTS))
def test_indicator_bad_row_is_rejected_with_raw_line_and_reason(indicator_rejects, line, rule, raw, reason_parts):
    rows = {ln: (r, reason) for _, ln, r, reason in indicator_rejects.rejected("indicators")}
    assert line in rows, f"{rule}: line {line} was not rejected"
    got_raw, reason = rows[line]
    assert got_raw == raw
    for part in reason_parts:
        assert part in reason, f"{rule}: {part!r} not in reason {reason!r}"


# --- policies (JSON lines) ----------------------------------------------------------


def test_policy_bad_lines_are_rejected_and_good_objects_survive(tmp_path):
    landing = Landing(tmp_path)
    landing.land("policies", "rejects.jsonl")
    landing.ingest("policies")
    assert landing.query("select _line, title from raw.policies order by _line") == [
        (1, "好政策一"), (5, "好政策二"), (9, "好政策三"),
    ]
    rejected = landing.rejected("policies")
    assert [(file, line) for file, line, _, _ in rejected] == [
        ("policies/rejects.jsonl", line) for line, *_ in POLICY_REJECTS
    ]
    for (_, line, raw, reason), (exp_line, rule, exp_raw, parts) in zip(rejected, POLICY_REJECTS):
        assert (line, raw) == (exp_line, exp_raw), rule
        for part in parts:
            assert part in reason, f"{rule}: {part!r} not in reason {reason!r}"


def test_json_lines_that_are_not_objects_are_rejected_and_objects_survive(tmp_path):
    # Same rule without an invalid-JSON line in the file (policies/not_objects.jsonl).
    landing = Landing(tmp_path)
    landing.land("policies", "not_objects.jsonl")
    landing.ingest("policies")
    assert landing.query("select _line, title from raw.policies order by _line") == [(1, "好政策甲"), (6, "好政策乙")]
    rejected = landing.rejected("policies")
    assert [(file, line, raw) for file, line, raw, _ in rejected] == [
        ("policies/not_objects.jsonl", 2, '["title", "数组"]'),
        ("policies/not_objects.jsonl", 4, '"a string"'),
        ("policies/not_objects.jsonl", 5, "42"),
        ("policies/not_objects.jsonl", 7, "null"),
    ]
    assert all("object" in reason for *_, reason in rejected)


# --- lineage and extra columns -------------------------------------------------------


def test_unknown_extra_csv_columns_are_kept_in_extra_json(tmp_path):
    landing = Landing(tmp_path)
    landing.land("enterprises", "lineage.csv")
    landing.ingest("enterprises")
    rows = landing.query("select uscc, name, region_code, _extra from raw.enterprises order by uscc")
    assert [(u, n, r, json.loads(e)) for u, n, r, e in rows] == [
        ("91110000MALNG00015", "合肥谱系科技有限公司", "340100", {"legal_rep": "张三", "备注": "测试行"}),
        ("91110000MALNG00028", "北京谱系科技有限公司", "110000", {"legal_rep": "李四", "备注": "含,逗号"}),
    ]


def test_lineage_columns_file_hash_and_line(tmp_path):
    landing = Landing(tmp_path)
    landing.land("enterprises", "lineage.csv", "registry_2024.csv")
    landing.ingest("enterprises")
    sha256 = hashlib.sha256(fixture_path("enterprises", "lineage.csv").read_bytes()).hexdigest()
    # Line 3 is blank, so the second row is physical line 4.
    assert landing.query("select uscc, _file, _file_hash, _line from raw.enterprises order by _line") == [
        ("91110000MALNG00015", "enterprises/registry_2024.csv", sha256, 2),
        ("91110000MALNG00028", "enterprises/registry_2024.csv", sha256, 4),
    ]


def test_rejected_rows_carry_the_file_content_hash(enterprise_rejects):
    landing = enterprise_rejects
    sha256 = hashlib.sha256(fixture_path("enterprises", "rejects.csv").read_bytes()).hexdigest()
    assert landing.query("select distinct file, file_hash from audit.rejected_rows") == [(ENTERPRISE_FILE, sha256)]


# --- idempotence by content -----------------------------------------------------------


@pytest.mark.parametrize(
    "source, fixture, rows, rejects",
    [("enterprises", "rejects.csv", 5, 12), ("enterprises", "enc_gzip.csv.gz", 2, 0),
     ("policies", "values_a.jsonl", 6, 0)],
)
def test_loading_the_same_folder_twice_adds_nothing(tmp_path, source, fixture, rows, rejects):
    landing = Landing(tmp_path)
    landing.land(source, fixture)
    landing.ingest(source)
    assert (landing.count(source), landing.rejected_count(source)) == (rows, rejects)
    landing.ingest(source)
    assert (landing.count(source), landing.rejected_count(source)) == (rows, rejects)


def test_same_content_under_another_file_name_adds_nothing(tmp_path):
    landing = Landing(tmp_path)
    landing.land("enterprises", "rejects.csv", "registry.csv")
    landing.ingest("enterprises")
    assert (landing.count("enterprises"), landing.rejected_count("enterprises")) == (5, 12)
    landing.land("enterprises", "rejects.csv", "registry_copy.csv")
    landing.ingest("enterprises")
    assert (landing.count("enterprises"), landing.rejected_count("enterprises")) == (5, 12)


def test_two_names_with_same_content_landed_together_load_once(tmp_path):
    landing = Landing(tmp_path)
    landing.land("enterprises", "rejects.csv", "a.csv")
    landing.land("enterprises", "rejects.csv", "b.csv")
    landing.ingest("enterprises")
    assert (landing.count("enterprises"), landing.rejected_count("enterprises")) == (5, 12)


def test_renamed_file_keeps_its_rows_without_duplicates(tmp_path):
    landing = Landing(tmp_path)
    landing.land("enterprises", "rejects.csv", "old_name.csv")
    landing.ingest("enterprises")
    landing.remove("enterprises", "old_name.csv")
    landing.land("enterprises", "rejects.csv", "new_name.csv")
    landing.ingest("enterprises")
    assert (landing.count("enterprises"), landing.rejected_count("enterprises")) == (5, 12)


def test_removing_a_file_removes_its_rows_and_rejects_on_next_ingest(tmp_path):
    landing = Landing(tmp_path)
    landing.land("enterprises", "rejects.csv")
    landing.land("enterprises", "lineage.csv")
    landing.ingest("enterprises")
    assert (landing.count("enterprises"), landing.rejected_count("enterprises")) == (7, 12)
    landing.remove("enterprises", "rejects.csv")
    landing.ingest("enterprises")
    assert {u for (u,) in landing.query("select uscc from raw.enterprises")} == {
        "91110000MALNG00015", "91110000MALNG00028"}
    assert landing.rejected("enterprises") == []
