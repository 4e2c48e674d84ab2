"""A release folder shaped like the race the article tells, written by the tests themselves.

The registry counts are made up here (the shape the calibrated synthetic sample will have):
they pass through the article's published figures - 北京 39,800 (2016) and 47,800 (2023),
深圳 36,100 and 63,800, 上海 26,500 (2016) - on plausible paths, with three other cities
below them and 合肥 reaching into 2025 as the panel does when a plan target names 2025.
The published figures include a forecast (深圳 2025, 90,000) and the article's other
figures with its 艾媒咨询 forecasts. Every value a test checks is written here, in the open.
"""

from __future__ import annotations

from pathlib import Path

from tests.report_helpers import write_release

YEARS = list(range(2012, 2024))
COUNTS = {  # city -> counts 2012..2023
    "110000": [30100, 32500, 35000, 37600, 39800, 41200, 42500, 43600, 44700, 45800, 46900, 47800],
    "440300": [21000, 24200, 27800, 31900, 36100, 39000, 42400, 45900, 50100, 54600, 59300, 63800],
    "310000": [18800, 20600, 22500, 24400, 26500, 28100, 29900, 31600, 33400, 35300, 37100, 38900],
    "330100": [9000, 10100, 11300, 12600, 14000, 15700, 17600, 19600, 21800, 24100, 26500, 28900],
    "340100": [3100, 3600, 4200, 4900, 5700, 6600, 7600, 8700, 9900, 11200, 12600, 14100],
    "610100": [2500, 2900, 3300, 3800, 4400, 5000, 5700, 6400, 7200, 8100, 9000, 10000],
}
HEFEI_BEYOND = {2025: 15000}  # a panel year only one city reaches
# 深圳 first stays ahead of 北京 in 2019 (45,900 > 43,600; 2018: 42,400 < 42,500).
CROSSOVER_YEAR = 2019
PUBLISHED = [  # region, indicator, period, value, value_kind, is_forecast
    ("110000", "ai_enterprise_count", 2016, 39800, "count", False),
    ("440300", "ai_enterprise_count", 2016, 36100, "count", False),
    ("310000", "ai_enterprise_count", 2016, 26500, "count", False),
    ("440300", "ai_enterprise_count", 2023, 63800, "count", False),
    ("110000", "ai_enterprise_count", 2023, 47800, "count", False),
    ("440300", "ai_enterprise_count", 2025, 90000, "count", True),
    ("440300", "ai_enterprise_increase", 2023, 42600, "count", False),
    ("310000", "ai_industry_output_cny", 2023, 382100000000, "yuan", False),
    ("110000", "ai_industry_output_cny", 2023, 227000000000, "yuan", False),
    ("000000", "ai_core_industry_scale_cny", 2020, 150000000000, "yuan", False),
    ("000000", "ai_core_industry_scale_cny", 2025, 400000000000, "yuan", True),
    ("000000", "ai_derived_industry_scale_cny", 2025, 1000000000000, "yuan", True),
    ("340100", "target_incubated_firms", 2025, 500, "count", True),
]
REGIONS = [("000000", "全国", "China", "national"), ("110000", "北京市", "Beijing", "city"),
           ("310000", "上海市", "Shanghai", "city"), ("440300", "深圳市", "Shenzhen", "city"),
           ("330100", "杭州市", "Hangzhou", "city"), ("340100", "合肥市", "Hefei", "city"),
           ("610100", "西安市", "Xi'an", "city"), ("340000", "安徽省", "Anhui", "province"),
           ("130000", "河北省", "Hebei", "province"), ("410100", "郑州市", "Zhengzhou", "city")]
# Two documents of one region a few days apart (they would overlap), a month-precision one,
# and one of every doc type but agreement.
POLICIES = [
    ("p1", "000000", "national", "2016-11-07", "day", "regulation", "中华人民共和国网络安全法"),
    ("p2", "340000", "province", "2017-12-29", "day", "plan", "中国(合肥)智能语音及人工智能产业基地发展规划"),
    ("p3", "340000", "province", "2018-01-05", "day", "notice", "关于印发人工智能专项的通知"),
    ("p4", "340000", "province", "2018-01-09", "day", "measures", "人工智能产业扶持办法"),
    ("p5", "340000", "province", "2020-01-01", "year", "speech", "李锦斌关于发挥龙头企业作用的讲话"),
    ("p6", "000000", "national", "2023-07-01", "month", "notice", "国家人工智能标准化总体组成立大模型标准化专题组"),
    ("p7", "340100", "city", "2023-08-15", "day", "other", "科大讯飞发布星火认知大模型2.0"),
]
# 北京: one project completed with a stated capacity (120 PFLOPS); 河北: completed, capacity
# unknown; 郑州: started only. Regions in the order the chart draws them: furthest stage first.
COMPUTE = [  # region, month, announced, started, completed, capacity completed, cumulative capacity
    ("110000", "2023-05-01", 1, 0, 0, 0, 0), ("110000", "2023-07-01", 0, 1, 0, 0, 0),
    ("110000", "2023-11-01", 0, 0, 1, 120, 120),
    ("130000", "2023-07-01", 0, 1, 0, 0, 0), ("130000", "2023-12-01", 0, 0, 1, 0, 0),
    ("410100", "2023-07-01", 0, 1, 0, 0, 0),
]


def _values(rows: list[tuple]) -> str:
    def lit(v):
        if v is None:
            return "NULL"
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return str(v)
        return "'" + str(v).replace("'", "''") + "'"

    return ", ".join("(" + ", ".join(lit(v) for v in row) + ")" for row in rows)


def race_release(folder: Path, *, landed_files: list[tuple[str, str, int]] | None = None,
                 published_figures: bool = True, release_id: str = "20240101T000000000000Z-racerel") -> Path:
    """The release folder; landed_files (source, file, rows) adds audit.ingested_files."""
    city_rows = [(code, year, counts[i], None) for code, counts in COUNTS.items() for i, year in enumerate(YEARS)]
    city_rows += [("340100", year, value, None) for year, value in HEFEI_BEYOND.items()]
    published = {(r, p): v for r, i, p, v, _, f in PUBLISHED if i == "ai_enterprise_count" and not f}
    city_rows = [(code, year, count, published.get((code, year))) for code, year, count, _ in city_rows]
    tables = {
        "marts.dim_region": "SELECT * FROM (VALUES " + _values(REGIONS) + ") t(region_code, name_zh, name_en, level)",
        "marts.city_indicators": (
            "SELECT region_code, 'city' AS level, year::INTEGER AS year, ai_enterprise_count::BIGINT AS "
            "ai_enterprise_count, ai_enterprise_count_published::BIGINT AS ai_enterprise_count_published FROM (VALUES "
            + _values(city_rows) + ") t(region_code, year, ai_enterprise_count, ai_enterprise_count_published)"),
        "marts.figure_reconciliation": (
            "SELECT region_code, indicator, period::INTEGER AS period, published_value::DECIMAL(18,2) AS published_value, "
            "computed_value::DECIMAL(18,2) AS computed_value, status FROM (VALUES " + _values(
                [(r, i, p, v, v, "match") for r, i, p, v, _, f in PUBLISHED if i == "ai_enterprise_count" and not f])
            + ") t(region_code, indicator, period, published_value, computed_value, status)"),
        "marts.policy_timeline": (
            "SELECT policy_id, region_code, level, published_on::DATE AS published_on, published_on_precision, "
            "doc_type, title, NULL::VARCHAR AS issuer FROM (VALUES " + _values(POLICIES)
            + ") t(policy_id, region_code, level, published_on, published_on_precision, doc_type, title)"),
        "marts.compute_buildout": (
            "SELECT region_code, month::DATE AS month, a::BIGINT AS projects_announced, s::BIGINT AS projects_started, "
            "c::BIGINT AS projects_completed, cap::DECIMAL(18,4) AS capacity_completed_pflops, "
            "cum::DECIMAL(18,4) AS cumulative_capacity_pflops, NULL::DECIMAL(18,2) AS investment_announced_cny "
            "FROM (VALUES " + _values(COMPUTE) + ") t(region_code, month, a, s, c, cap, cum)"),
        "marts.modu_index": (
            "SELECT * FROM (VALUES (1, '440300', 2023, 81.5, 63800, 0, NULL::DECIMAL(18,4)), "
            "(2, '110000', 2023, 70.25, 47800, 0, 120.0::DECIMAL(18,4))) "
            "t(rank, region_code, year, score, ai_enterprise_count, policy_count, compute_capacity_pflops)"),
        "audit.rejected_rows": "SELECT 'x' AS source, 'f' AS file WHERE false",
    }
    if published_figures:
        tables["marts.published_figures"] = (
            "SELECT region_code, indicator, period::INTEGER AS period, value::DECIMAL(18,2) AS value, value_kind, "
            "is_forecast, 'article' AS source, 'indicators/article_figures.csv' AS source_file FROM (VALUES " + _values(PUBLISHED)
            + ") t(region_code, indicator, period, value, value_kind, is_forecast)")
    if landed_files is not None:
        tables["audit.ingested_files"] = (
            "SELECT source, file, kept::BIGINT AS kept FROM (VALUES " + _values(landed_files) + ") t(source, file, kept)")
    return write_release(folder, tables, release_id)
