"""The four raw sources of the contract (shared/contract/raw-sources.md).

Each source says where its files land, which columns or keys it reads, the typed
columns it writes to the `raw` schema, and one SQL statement that parses a landed
file's text fields into those columns with a reason for every row it rejects.
The parse SQL reads the relation `landed` (one row per data line: `_line`, `_raw`,
`_extra` and one VARCHAR per field) and may use `region_lookup` and
`indicator_lookup` (see lookups.py) and the macros of parsing.sql.

Parsing is staged: a CTE runs each regular expression once into a struct column
(`*_parts`), the next ones derive values from those columns (nesting the macros
would repeat the regular expressions in every branch that reads them). For the
registry, repeated values (regions, dates, capital) are parsed once per distinct
text and joined back.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    name: str
    header_zh: str | None = None  # CSV only
    required: bool = True  # must be present as a column / key


@dataclass(frozen=True)
class Source:
    name: str
    format: str  # 'csv' or 'jsonl'
    suffixes: tuple[str, ...]
    fields: tuple[Field, ...]
    columns_ddl: str  # typed columns of raw.<name>, before the lineage columns
    parse_sql: str

    @property
    def folder(self) -> str:
        return self.name

    @property
    def column_names(self) -> list[str]:
        return [line.strip().split()[0] for line in self.columns_ddl.strip().rstrip(",").split(",\n")]


# Shared reason fragments: a reason names the field, quotes the value and says what is accepted.
DATE_FORMS = "use 2017-12-29, 2017/12/29, 2017.12.29, 2017年12月29日, 2023-07 or 2023年7月"


# Values repeat: a registry of millions of rows has a few thousand distinct regions,
# dates and capital strings. Each distinct text is parsed once and joined back.
_REGIONS_SEEN = """regions_seen AS MATERIALIZED (
    SELECT seen.t, lk.region_code, lk.ambiguous_codes, lk.level
    FROM (SELECT DISTINCT region AS t FROM landed) AS seen
    LEFT JOIN region_lookup lk ON lk.key = modu_region_key(seen.t)
)"""


def _region_reason(text_col: str) -> str:
    return f"""CASE WHEN ambiguous_codes IS NOT NULL
        THEN 'region ''' || {text_col} || ''' is ambiguous (' || ambiguous_codes || '): use the 6-digit code'
        ELSE 'region ''' || {text_col} || ''' is unknown: not a region name, 6-digit code or alias '
             || '(add it to dbt_project/seeds/region_aliases.csv if it is a real region)' END"""


INDICATORS = Source(
    name="indicators",
    format="csv",
    suffixes=(".csv", ".csv.gz"),
    fields=(
        Field("region", "地区"),
        Field("indicator", "指标"),
        Field("period", "年份"),
        Field("value", "数值"),
        Field("unit", "单位", required=False),
        Field("is_forecast", "是否预测", required=False),
        Field("source", "来源", required=False),
        Field("source_quote", "原文", required=False),
    ),
    columns_ddl="""
        region_text VARCHAR,
        region_code VARCHAR,
        indicator_code VARCHAR,
        period INTEGER,
        value DECIMAL(18, 2),
        value_kind VARCHAR,
        is_forecast BOOLEAN,
        source VARCHAR,
        source_quote VARCHAR""",
    parse_sql=f"""
WITH {_REGIONS_SEEN}, p AS MATERIALIZED (
    SELECT l.*, r.region_code, r.ambiguous_codes, i.indicator_code, i.value_kind,
        modu_clean(l.value) AS value_clean,
        modu_clean(l.unit) AS unit_clean,
        modu_year(l.period) AS period_year,
        modu_bool(l.is_forecast) AS forecast_flag
    FROM landed l
    LEFT JOIN regions_seen r ON r.t = l.region
    LEFT JOIN indicator_lookup i ON i.key = lower(modu_clean(l.indicator))
), q AS MATERIALIZED (
    SELECT *,
        -- A unit column applies to a bare number; a value that carries its own unit wins
        -- only when the unit column repeats it.
        modu_quantity_parts(CASE WHEN unit_clean IS NOT NULL AND regexp_full_match(value_clean, '[+-]?[0-9.,]+')
             THEN value_clean || unit_clean ELSE value_clean END) AS qty_parts,
        unit_clean IS NOT NULL AND NOT regexp_full_match(value_clean, '[+-]?[0-9.,]+')
            AND trim(regexp_replace(value_clean, '^[+-]?[0-9.,]*', '')) <> unit_clean AS unit_conflict
    FROM p
), r AS (
    SELECT *, modu_quantity_of(qty_parts) AS qty FROM q
)
SELECT _line, _raw, _extra,
    nullif(trim(region), '') AS region_text,
    region_code,
    indicator_code,
    period_year AS period,
    CAST(qty.amount AS DECIMAL(18, 2)) AS value,
    value_kind,
    coalesce(forecast_flag, false) AS is_forecast,
    nullif(trim(source), '') AS source,
    nullif(trim(source_quote), '') AS source_quote,
    CASE
        WHEN modu_clean(region) IS NULL THEN 'region is empty'
        WHEN region_code IS NULL THEN {_region_reason('trim(region)')}
        WHEN modu_clean(indicator) IS NULL THEN 'indicator is empty'
        WHEN indicator_code IS NULL THEN 'indicator ''' || trim(indicator)
            || ''' is not in the catalogue (dbt_project/seeds/indicator_catalogue.csv)'
        WHEN modu_clean(period) IS NULL THEN 'period is empty'
        WHEN period_year IS NULL THEN 'period ''' || period || ''' is not a year (use 2023 or 2023年)'
        WHEN value_clean IS NULL THEN 'value is empty'
        WHEN unit_conflict THEN 'value ''' || value_clean || ''' carries a unit that disagrees with unit ''' || unit_clean || ''''
        WHEN qty.amount IS NULL THEN 'value ''' || value_clean || ''' is not a number (digits, optional 千/万/亿 and unit)'
        WHEN value_kind = 'yuan' AND qty.unit NOT IN ('', '元', '元人民币', '人民币', '人民币元')
            THEN 'unit ''' || qty.unit || ''' does not fit ' || indicator_code || ', which is in yuan (CNY)'
        WHEN value_kind = 'count' AND qty.unit NOT IN ('', '家', '个', '项')
            THEN 'unit ''' || qty.unit || ''' does not fit ' || indicator_code || ', which is a count'
        WHEN value_kind = 'persons' AND qty.unit NOT IN ('', '人')
            THEN 'unit ''' || qty.unit || ''' does not fit ' || indicator_code || ', which counts persons'
        WHEN value_kind IN ('count', 'persons') AND qty.amount <> round(qty.amount)
            THEN 'value ''' || value_clean || ''' is not a whole number, but ' || indicator_code || ' is a count'
        WHEN abs(qty.amount) >= 1e16 THEN 'value ''' || value_clean || ''' is out of range'
        WHEN modu_clean(is_forecast) IS NOT NULL AND forecast_flag IS NULL
            THEN 'is_forecast ''' || is_forecast || ''' is not true/false/是/否'
    END AS _reject_reason
FROM r
""",
)


ENTERPRISES = Source(
    name="enterprises",
    format="csv",
    suffixes=(".csv", ".csv.gz"),
    fields=(
        Field("uscc", "统一社会信用代码"),
        Field("name", "企业名称"),
        Field("region", "所在地区"),
        Field("registered_on", "成立日期"),
        Field("deregistered_on", "注销日期", required=False),
        Field("registered_capital", "注册资本", required=False),
        Field("business_scope", "经营范围", required=False),
    ),
    columns_ddl="""
        uscc VARCHAR,
        name VARCHAR,
        region_text VARCHAR,
        region_code VARCHAR,
        registered_on DATE,
        registered_on_precision VARCHAR,
        deregistered_on DATE,
        registered_capital DECIMAL(18, 2),
        registered_capital_currency VARCHAR,
        registered_capital_cny DECIMAL(18, 2),
        business_scope VARCHAR""",
    parse_sql=f"""
WITH {_REGIONS_SEEN},
dates_seen AS MATERIALIZED (
    SELECT t, modu_date_of(modu_date_parts(t)) AS v
    FROM (SELECT registered_on AS t FROM landed UNION SELECT deregistered_on FROM landed)
),
capitals_seen AS MATERIALIZED (
    SELECT t, modu_money_of(q) AS v
    FROM (SELECT t, modu_quantity_of(modu_quantity_parts(t)) AS q
          FROM (SELECT DISTINCT registered_capital AS t FROM landed))
),
v AS (
    SELECT l.*, r.region_code, r.ambiguous_codes,
        upper(modu_clean(l.uscc)) AS uscc_clean,
        reg.v AS reg, dereg.v AS dereg, capital.v AS capital
    FROM landed l
    LEFT JOIN regions_seen r ON r.t = l.region
    LEFT JOIN dates_seen reg ON reg.t = l.registered_on
    LEFT JOIN dates_seen dereg ON dereg.t = l.deregistered_on
    LEFT JOIN capitals_seen capital ON capital.t = l.registered_capital
)
SELECT _line, _raw, _extra,
    uscc_clean AS uscc,
    nullif(trim(name), '') AS name,
    nullif(trim(region), '') AS region_text,
    region_code,
    reg.value AS registered_on,
    reg.precision AS registered_on_precision,
    dereg.value AS deregistered_on,
    capital.amount AS registered_capital,
    capital.currency AS registered_capital_currency,
    CASE WHEN capital.currency = 'CNY' THEN capital.amount END AS registered_capital_cny,
    nullif(trim(business_scope), '') AS business_scope,
    CASE
        WHEN uscc_clean IS NULL THEN 'uscc is empty'
        WHEN NOT regexp_full_match(uscc_clean, '[0-9A-HJ-NPQRTUWXY]{{18}}')
            THEN 'uscc ''' || uscc_clean || ''' is not 18 characters of the GB 32100-2015 alphabet'
        WHEN NOT modu_uscc_valid(uscc_clean)
            THEN 'uscc ''' || uscc_clean || ''' fails its GB 32100-2015 check character'
        WHEN nullif(trim(name), '') IS NULL THEN 'name is empty'
        WHEN nullif(trim(region), '') IS NULL THEN 'region is empty'
        WHEN region_code IS NULL THEN {_region_reason('trim(region)')}
        WHEN nullif(trim(registered_on), '') IS NULL THEN 'registered_on is empty'
        WHEN reg.value IS NULL THEN 'registered_on ''' || registered_on || ''' is not a date ({DATE_FORMS})'
        WHEN nullif(trim(deregistered_on), '') IS NOT NULL AND dereg.value IS NULL
            THEN 'deregistered_on ''' || deregistered_on || ''' is not a date ({DATE_FORMS})'
        WHEN dereg.value < reg.value THEN 'deregistered_on ' || dereg.value || ' is before registered_on ' || reg.value
        WHEN nullif(trim(registered_capital), '') IS NOT NULL AND (capital.amount IS NULL OR capital.currency IS NULL)
            THEN 'registered_capital ''' || registered_capital || ''' is not an amount in a known currency (e.g. 500万元人民币, 100万美元)'
    END AS _reject_reason
FROM v
""",
)


POLICIES = Source(
    name="policies",
    format="jsonl",
    suffixes=(".jsonl", ".jsonl.gz"),
    fields=(
        Field("id", required=False),
        Field("title"),
        Field("issuer"),
        Field("region"),
        Field("level", required=False),
        Field("published_on"),
        Field("effective_on", required=False),
        Field("plan_period", required=False),
        Field("doc_type"),
        Field("topics", required=False),
        Field("url", required=False),
        Field("summary", required=False),
        Field("source", required=False),
        Field("source_quote", required=False),
    ),
    columns_ddl="""
        policy_id VARCHAR,
        title VARCHAR,
        issuer VARCHAR,
        region_text VARCHAR,
        region_code VARCHAR,
        level VARCHAR,
        published_on DATE,
        published_on_precision VARCHAR,
        effective_on DATE,
        plan_start_year INTEGER,
        plan_end_year INTEGER,
        doc_type VARCHAR,
        topics VARCHAR[],
        url VARCHAR,
        summary VARCHAR,
        source VARCHAR,
        source_quote VARCHAR""",
    parse_sql=f"""
WITH {_REGIONS_SEEN}, p AS MATERIALIZED (
    SELECT l.*, r.region_code, r.ambiguous_codes, r.level AS region_level,
        modu_date_parts(l.published_on) AS pub_parts,
        modu_date_parts(l.effective_on) AS eff_parts,
        modu_plan_period(l.plan_period) AS plan,
        CASE lower(modu_clean(l.level))
            WHEN 'national' THEN 'national' WHEN '国家' THEN 'national' WHEN '国家级' THEN 'national'
            WHEN 'province' THEN 'province' WHEN 'provincial' THEN 'province' WHEN '省级' THEN 'province'
            WHEN 'city' THEN 'city' WHEN 'municipal' THEN 'city' WHEN '市级' THEN 'city'
            WHEN 'district' THEN 'district' WHEN 'county' THEN 'district' WHEN '区县' THEN 'district'
        END AS level_clean,
        CASE lower(modu_clean(l.doc_type))
            WHEN 'plan' THEN 'plan' WHEN '规划' THEN 'plan' WHEN '计划' THEN 'plan'
            WHEN 'measures' THEN 'measures' WHEN '办法' THEN 'measures' WHEN '措施' THEN 'measures'
            WHEN 'regulation' THEN 'regulation' WHEN '法规' THEN 'regulation' WHEN '条例' THEN 'regulation'
            WHEN 'notice' THEN 'notice' WHEN '通知' THEN 'notice'
            WHEN 'speech' THEN 'speech' WHEN '讲话' THEN 'speech'
            WHEN 'agreement' THEN 'agreement' WHEN '协议' THEN 'agreement'
            WHEN 'other' THEN 'other' WHEN '其他' THEN 'other'
        END AS doc_type_clean,
        CASE WHEN topics_json IS NULL OR json_type(topics_json) = 'NULL' THEN []::VARCHAR[]
             WHEN json_type(topics_json) = 'ARRAY'
                  AND list_bool_and(list_transform(json_extract(topics_json, '$[*]'), t -> json_type(t) = 'VARCHAR'))
                  IS NOT false
             THEN list_transform(json_extract_string(topics_json, '$[*]'), t -> lower(trim(t)))
        END AS topics_list
    FROM landed l
    LEFT JOIN regions_seen r ON r.t = l.region
), q AS MATERIALIZED (
    SELECT *, modu_date_of(pub_parts) AS pub, modu_date_of(eff_parts) AS eff FROM p
)
SELECT _line, _raw, _extra,
    coalesce(nullif(trim(id), ''),
             'p_' || left(md5(trim(issuer) || '|' || trim(title) || '|' || CAST(pub.value AS VARCHAR)), 16)) AS policy_id,
    nullif(trim(title), '') AS title,
    nullif(trim(issuer), '') AS issuer,
    nullif(trim(region), '') AS region_text,
    region_code,
    coalesce(level_clean, region_level) AS level,
    pub.value AS published_on,
    pub.precision AS published_on_precision,
    eff.value AS effective_on,
    plan.start_year AS plan_start_year,
    plan.end_year AS plan_end_year,
    doc_type_clean AS doc_type,
    topics_list AS topics,
    nullif(trim(url), '') AS url,
    nullif(trim(summary), '') AS summary,
    nullif(trim(source), '') AS source,
    nullif(trim(source_quote), '') AS source_quote,
    CASE
        WHEN nullif(trim(title), '') IS NULL THEN 'title is empty'
        WHEN nullif(trim(issuer), '') IS NULL THEN 'issuer is empty'
        WHEN modu_clean(region) IS NULL THEN 'region is empty'
        WHEN region_code IS NULL THEN {_region_reason('trim(region)')}
        WHEN modu_clean(level) IS NOT NULL AND level_clean IS NULL
            THEN 'level ''' || level || ''' is not national/province/city/district'
        WHEN modu_clean(published_on) IS NULL THEN 'published_on is empty'
        WHEN pub.value IS NULL THEN 'published_on ''' || published_on || ''' is not a date ({DATE_FORMS})'
        WHEN modu_clean(effective_on) IS NOT NULL AND eff.value IS NULL
            THEN 'effective_on ''' || effective_on || ''' is not a date ({DATE_FORMS})'
        WHEN modu_clean(plan_period) IS NOT NULL AND plan IS NULL
            THEN 'plan_period ''' || plan_period || ''' is not a period like 2018-2025年'
        WHEN modu_clean(doc_type) IS NULL THEN 'doc_type is empty'
        WHEN doc_type_clean IS NULL
            THEN 'doc_type ''' || doc_type || ''' is not one of plan, measures, regulation, notice, speech, agreement, other'
        WHEN topics_list IS NULL THEN 'topics is not a list of strings'
    END AS _reject_reason
FROM q
""",
)


COMPUTE = Source(
    name="compute",
    format="csv",
    suffixes=(".csv", ".csv.gz"),
    fields=(
        Field("project", "项目名称"),
        Field("region", "地区"),
        Field("event", "事件"),
        Field("event_date", "日期"),
        Field("capacity", "算力规模", required=False),
        Field("investment", "投资额", required=False),
        Field("operator", "运营方", required=False),
        Field("source", "来源", required=False),
    ),
    columns_ddl="""
        project VARCHAR,
        region_text VARCHAR,
        region_code VARCHAR,
        event VARCHAR,
        event_date DATE,
        event_date_precision VARCHAR,
        capacity_pflops DECIMAL(18, 4),
        capacity_precision VARCHAR,
        investment DECIMAL(18, 2),
        investment_currency VARCHAR,
        investment_cny DECIMAL(18, 2),
        operator VARCHAR,
        source VARCHAR""",
    parse_sql=f"""
WITH {_REGIONS_SEEN}, p AS MATERIALIZED (
    SELECT l.*, r.region_code, r.ambiguous_codes,
        CASE lower(modu_clean(l.event))
            WHEN 'announced' THEN 'announced' WHEN '签约' THEN 'announced' WHEN '宣布' THEN 'announced'
            WHEN 'construction_started' THEN 'construction_started' WHEN '开工' THEN 'construction_started'
            WHEN 'completed' THEN 'completed' WHEN '竣工' THEN 'completed' WHEN '峻工' THEN 'completed'
            WHEN 'operational' THEN 'operational' WHEN '投运' THEN 'operational' WHEN '上线' THEN 'operational'
        END AS event_clean,
        modu_date_parts(l.event_date) AS happened_parts,
        modu_capacity(l.capacity) AS cap,
        modu_quantity_parts(l.investment) AS invest_parts
    FROM landed l
    LEFT JOIN regions_seen r ON r.t = l.region
), q AS MATERIALIZED (
    SELECT *, modu_date_of(happened_parts) AS happened, modu_quantity_of(invest_parts) AS invest_qty FROM p
), v AS (
    SELECT *, modu_money_of(invest_qty) AS invest FROM q
)
SELECT _line, _raw, _extra,
    nullif(trim(project), '') AS project,
    nullif(trim(region), '') AS region_text,
    region_code,
    event_clean AS event,
    happened.value AS event_date,
    happened.precision AS event_date_precision,
    cap.pflops AS capacity_pflops,
    cap.precision AS capacity_precision,
    invest.amount AS investment,
    invest.currency AS investment_currency,
    CASE WHEN invest.currency = 'CNY' THEN invest.amount END AS investment_cny,
    nullif(trim(operator), '') AS operator,
    nullif(trim(source), '') AS source,
    CASE
        WHEN nullif(trim(project), '') IS NULL THEN 'project is empty'
        WHEN modu_clean(region) IS NULL THEN 'region is empty'
        WHEN region_code IS NULL THEN {_region_reason('trim(region)')}
        WHEN modu_clean(event) IS NULL THEN 'event is empty'
        WHEN event_clean IS NULL THEN 'event ''' || event
            || ''' is not announced/签约/宣布, construction_started/开工, completed/竣工, operational/投运/上线'
        WHEN modu_clean(event_date) IS NULL THEN 'event_date is empty'
        WHEN happened.value IS NULL THEN 'event_date ''' || event_date || ''' is not a date ({DATE_FORMS})'
        WHEN modu_clean(capacity) IS NOT NULL AND cap.pflops IS NULL
            THEN 'capacity ''' || capacity || ''' is not like 500P, 500 PFLOPS, 2E, 2 EFLOPS or 1000P(FP16)'
        WHEN modu_clean(investment) IS NOT NULL AND (invest.amount IS NULL OR invest.currency IS NULL)
            THEN 'investment ''' || investment || ''' is not an amount of money (e.g. 10亿元)'
    END AS _reject_reason
FROM v
""",
)

SOURCES: dict[str, Source] = {s.name: s for s in (INDICATORS, ENTERPRISES, POLICIES, COMPUTE)}
