"""The policies parse reads each distinct text once and joins it back (sql/policies.sql);
every row still gets its own text's value and reason (contract: section 4, policies).

The file is written here, one document per line, so each expectation is read off the
line it names: the same date text as one row's published_on and another's
effective_on, the same level, topic list and plan period in several rows, blank
optional fields, and fields that begin or end with spaces (the trim fast path of
sql/parsing.sql, checked against Unicode itself below).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
import unicodedata

import duckdb
import pytest

from orchestration.ingest.lookups import run_sql_file
from tests.ingest_helpers import Landing

DATE_FORMS = "(use 2017-12-29, 2017/12/29, 2017.12.29, 2017年12月29日, 2023-07 or 2023年7月)"
BASE = {"issuer": "合肥市人民政府", "region": "合肥", "doc_type": "notice"}

DOCS = [
    {"title": "甲", "published_on": "2022.10.01"},                                      # 1
    {"title": "乙", "published_on": "2021-05-06", "effective_on": "2022.10.01"},        # 2 1's date, as effective_on
    {"title": "丙", "published_on": "2023年7月", "effective_on": "2023年7月"},           # 3 one text, both dates
    {"title": "丁", "published_on": 2020, "effective_on": "2024/03/15"},                # 4 a JSON number
    {"title": "戊", "published_on": "2022.10.01", "effective_on": "\u3000"},            # 5 blank effective_on
    {"title": "己", "published_on": "2021-05-06", "effective_on": "2021-02-30"},        # 6 no such day
    {"title": "庚", "published_on": "2021-02-30"},                                      # 7 6's text, as published_on
    {"title": "辛", "published_on": "2023-01-01", "region": "安徽", "level": "provincial"},  # 8
    {"title": "壬", "published_on": "2023-01-01", "level": "  "},                         # 9 blank: the region's level
    {"title": "癸", "published_on": "2023-01-01", "level": "ministerial"},                # 10
    {"title": "子", "published_on": "2023-01-02", "topics": [" AI ", "Robotics"]},        # 11
    {"title": "丑", "published_on": "2023-01-03", "topics": [" AI ", "Robotics"]},        # 12 11's list
    {"title": "寅", "published_on": "2023-01-04", "topics": None},                        # 13 null
    {"title": "卯", "published_on": "2023-01-05", "topics": "ai"},                        # 14 not a list
    {"title": "辰", "published_on": "2023-01-06", "topics": ["ai", 1]},                   # 15 not all strings
    {"title": "巳", "published_on": "2023-01-07", "plan_period": "2025-2018"},            # 16 backwards
    {"title": "午", "published_on": "2023-01-08", "plan_period": "2018-2025年"},          # 17
    {"title": "未", "published_on": "2023-01-09", "plan_period": "2018-2025年", "level": "provincial",
     "region": "安徽"},                                                                   # 18 17's period, 8's level
    {"title": "申", "published_on": "2023-01-10", "plan_period": " "},                    # 19 blank
    {"title": "酉", "published_on": "2023-01-11", "doc_type": "通知"},                     # 20 a synonym
    {"title": "戌", "published_on": "2023-01-12", "doc_type": "memo"},                    # 21
    {"title": "\u3000\u3000", "published_on": "2023-01-13"},                              # 22 only spaces
    {"title": "\u3000标题甲 ", "issuer": " 合肥市人民政府\u00a0", "published_on": "2022.10.01"},  # 23 spaced
    {"title": "标题甲", "published_on": "2022-10-01"},                                     # 24 23, unspaced
    {"title": "亥", "published_on": "2023-02-01", "region": "南山区", "issuer": "深圳市南山区人民政府"},  # 25
    {"title": "亥", "published_on": "2023-02-01", "region": "南山区", "issuer": "南山区人民政府"},        # 26
]


def _policy_id(issuer: str, title: str, published_on: str) -> str:
    return "p_" + hashlib.md5(f"{issuer}|{title}|{published_on}".encode()).hexdigest()[:16]


@pytest.fixture(scope="module")
def ingested(tmp_path_factory) -> tuple[dict[int, dict], dict[int, str]]:
    """(line -> kept row, line -> reject reason) of the file DOCS."""
    landing = Landing(tmp_path_factory.mktemp("policy_parse"))
    target = landing.raw_dir / "policies" / "parse_once.jsonl"
    target.parent.mkdir(parents=True)
    target.write_text("".join(json.dumps({**BASE, **d}, ensure_ascii=False) + "\n" for d in DOCS), encoding="utf-8")
    landing.ingest("policies")
    columns = ["_line", "policy_id", "title", "issuer", "region_code", "level", "published_on",
               "published_on_precision", "effective_on", "plan_start_year", "plan_end_year", "doc_type", "topics"]
    rows = landing.query(f"SELECT {', '.join(columns)} FROM raw.policies")
    kept = {r[0]: dict(zip(columns, r)) for r in rows}
    rejected = {line: reason for _, line, _, reason in landing.rejected("policies")}
    return kept, rejected


def test_every_line_is_kept_or_rejected_once(ingested):
    kept, rejected = ingested
    assert sorted(kept) == [1, 2, 3, 4, 5, 8, 9, 11, 12, 13, 17, 18, 19, 20, 23, 24, 25]
    assert sorted(rejected) == [6, 7, 10, 14, 15, 16, 21, 22, 26]


def test_one_date_text_as_published_on_and_as_effective_on(ingested):
    kept, rejected = ingested
    dates = {line: (r["published_on"], r["published_on_precision"], r["effective_on"]) for line, r in kept.items()
             if line <= 5}
    assert dates == {
        1: (dt.date(2022, 10, 1), "day", None),
        2: (dt.date(2021, 5, 6), "day", dt.date(2022, 10, 1)),
        3: (dt.date(2023, 7, 1), "month", dt.date(2023, 7, 1)),
        4: (dt.date(2020, 1, 1), "year", dt.date(2024, 3, 15)),
        5: (dt.date(2022, 10, 1), "day", None),
    }
    assert rejected[6] == f"effective_on '2021-02-30' is not a date {DATE_FORMS}"
    assert rejected[7] == f"published_on '2021-02-30' is not a date {DATE_FORMS}"


def test_levels_read_once_each_row_its_own(ingested):
    kept, rejected = ingested
    assert (kept[8]["level"], kept[18]["level"]) == ("province", "province")
    assert kept[9]["level"] == "city"  # blank: 合肥 is a city
    assert kept[1]["level"] == "city"  # absent
    assert rejected[10] == "level 'ministerial' is not one of national/province/city/district"


def test_topic_lists(ingested):
    kept, rejected = ingested
    assert (kept[11]["topics"], kept[12]["topics"]) == (["ai", "robotics"], ["ai", "robotics"])
    assert (kept[13]["topics"], kept[1]["topics"]) == ([], [])  # null, absent
    assert rejected[14] == rejected[15] == "topics is not a list of strings"


def test_plan_periods_and_doc_types(ingested):
    kept, rejected = ingested
    assert [(kept[n]["plan_start_year"], kept[n]["plan_end_year"]) for n in (17, 18, 19, 1)] == [
        (2018, 2025), (2018, 2025), (None, None), (None, None)]
    assert rejected[16] == "plan_period '2025-2018' is not a period like 2018-2025年"
    assert (kept[20]["doc_type"], kept[1]["doc_type"]) == ("notice", "notice")
    assert rejected[21] == ("doc_type 'memo' is not one of plan, measures, regulation, notice, speech, "
                            "agreement, other")


def test_spaces_around_a_text_are_trimmed_and_a_text_of_spaces_is_empty(ingested):
    kept, rejected = ingested
    assert (kept[23]["title"], kept[23]["issuer"]) == ("标题甲", "合肥市人民政府")
    expected_id = _policy_id("合肥市人民政府", "标题甲", "2022-10-01")
    assert kept[23]["policy_id"] == kept[24]["policy_id"] == expected_id
    assert kept[1]["policy_id"] == _policy_id("合肥市人民政府", "甲", "2022-10-01")
    assert rejected[22] == "title is empty"


def test_a_shared_region_name_with_two_issuers(ingested):
    kept, rejected = ingested
    assert kept[25]["region_code"] == "440305"
    assert rejected[26] == ("region '南山区' is ambiguous (230404 鹤岗市南山区, 440305 深圳市南山区): write it with its "
                            "city or province (深圳市南山区, Shenzhen Nanshan) or use the 6-digit code")


def test_trim_removes_exactly_the_unicode_space_separators():
    """Over every code point, what modu_trim, modu_trimmed and modu_blank (which skips trim
    when a text begins with anything else) do agrees with Unicode's Zs category (Python's
    unicodedata, not DuckDB)."""
    spaces = {cp for cp in range(sys.maxunicode + 1) if unicodedata.category(chr(cp)) == "Zs"}
    con = duckdb.connect()
    run_sql_file(con, "parsing.sql")
    found = con.execute("""
        WITH c AS (SELECT i, chr(i::INTEGER) AS ch FROM range(1, 1114112) AS r(i) WHERE i < 55296 OR i > 57343)
        SELECT list(i ORDER BY i) FILTER (WHERE modu_blank(ch)),
               list(i ORDER BY i) FILTER (WHERE modu_trimmed(ch) IS NULL),
               list(i ORDER BY i) FILTER (WHERE modu_trim('甲' || ch) = '甲'),
               list(i ORDER BY i) FILTER (WHERE modu_trim(ch || 'a' || ch) = 'a'),
               count(*) FILTER (WHERE modu_trim('a' || ch || 'b') <> 'a' || ch || 'b')
        FROM c""").fetchone()
    assert [set(x) for x in found[:4]] == [spaces] * 4
    assert found[4] == 0
    assert len(spaces) == 17 and 0x3000 in spaces and 0x00A0 in spaces and 0x09 not in spaces
