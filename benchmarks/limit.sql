-- (c) The limit: four marts straight from the raw files, in DuckDB alone.
--
-- city_indicators, policy_timeline, policy_cadence and compute_buildout by the
-- definitions of dbt_project/models (and shared/contract/marts.md), read from the landed
-- files with read_csv (policies: one string per line, then DuckDB's JSON functions): no Python parsing, no lineage columns, no
-- rejects table (a row modu would reject is simply filtered out), no dbt, no checks,
-- no release. It uses the value parsers of orchestration/ingest/parsing.sql (loaded
-- first) and the dbt seeds, so every rule means what it means in modu.
--
-- Inputs, set by benchmarks/limit.py with SET VARIABLE:
--   registry_files, policy_files, compute_files, indicator_files  lists of UTF-8 files
--                  (gzip allowed; GB18030 files are transcoded by the runner first)
--   seeds          the dbt seeds folder
-- Output: tables city_indicators, policy_timeline, policy_cadence, compute_buildout.
--
-- Shortcuts the limit takes (none changes a figure on the generated data): a registry
-- line with more fields than its header is dropped by read_csv (ignore_errors); ties between
-- two records of one USCC on the same registered_on are broken by file name only
-- (modu: file, then line; the generator writes no such ties); a file is known by its
-- name, not by the hash of its content.

-- Reference data (the dbt seeds) ------------------------------------------------------
CREATE OR REPLACE TEMP TABLE regions AS
SELECT * FROM read_csv(getvariable('seeds') || '/regions.csv', header = true, all_varchar = true);

-- Region text -> code, as orchestration/ingest/lookups.py: the best kind of name wins
-- (code, alias, full name, short name, English), then the highest level; a tie is ambiguous.
CREATE OR REPLACE TEMP TABLE region_lookup AS
WITH candidates AS (
    SELECT region_code AS key, region_code, 0 AS kind FROM regions
    UNION ALL SELECT modu_region_key(alias), region_code, 1
        FROM read_csv(getvariable('seeds') || '/region_aliases.csv', header = true, all_varchar = true)
    UNION ALL SELECT modu_region_key(name_zh), region_code, 2 FROM regions
    UNION ALL SELECT modu_region_key(short_name_zh), region_code, 3 FROM regions
    UNION ALL SELECT modu_region_key(name_en), region_code, 4 FROM regions
    UNION ALL SELECT modu_region_key(regexp_replace(name_en, ' (District|County|City|Banner|Area)$', '')), region_code, 4
        FROM regions
), best AS (
    SELECT DISTINCT c.key, c.region_code, r.level
    FROM candidates c JOIN regions r USING (region_code)
    WHERE coalesce(c.key, '') <> ''
    QUALIFY rank() OVER (PARTITION BY c.key ORDER BY c.kind,
        CASE r.level WHEN 'national' THEN 0 WHEN 'province' THEN 1 WHEN 'city' THEN 2 ELSE 3 END) = 1
)
SELECT key,
    CASE WHEN count(*) = 1 THEN any_value(region_code) END AS region_code,
    CASE WHEN count(*) = 1 THEN any_value(level) END AS level
FROM best GROUP BY key;

-- Each region with itself and every region it lies in (district -> city -> province -> national).
CREATE OR REPLACE TEMP TABLE ancestors AS
SELECT DISTINCT region_code, ancestor_code
FROM (SELECT region_code, unnest([region_code, city_code, province_code, '000000']) AS ancestor_code FROM regions)
WHERE ancestor_code IN (SELECT region_code FROM regions);

CREATE OR REPLACE TEMP TABLE indicator_lookup AS
WITH catalogue AS (
    SELECT * FROM read_csv(getvariable('seeds') || '/indicator_catalogue.csv', header = true, all_varchar = true)
)
SELECT DISTINCT lower(key) AS key, indicator_code, value_kind FROM (
    SELECT indicator_code AS key, indicator_code, value_kind FROM catalogue
    UNION ALL SELECT trim(unnest(string_split(labels_zh, '|'))), indicator_code, value_kind FROM catalogue
);

-- One regular expression of every AI keyword (literal, lower case).
SET VARIABLE ai_pattern = (
    SELECT string_agg(regexp_escape(lower(keyword)), '|')
    FROM read_csv(getvariable('seeds') || '/ai_keywords.csv', header = true, all_varchar = true)
);

-- Registry: the latest accepted record per USCC -------------------------------------------
-- Headers differ per file (English, Title-case, Chinese): union_by_name matches the English
-- ones case-insensitively, coalesce picks the Chinese ones.
CREATE OR REPLACE TEMP TABLE latest AS
WITH landed AS MATERIALIZED (
    SELECT
        upper(modu_clean(coalesce(uscc, 统一社会信用代码))) AS uscc,
        nullif(trim(coalesce(name, 企业名称)), '') AS name,
        coalesce(region, 所在地区) AS region,
        modu_date_parts(coalesce(registered_on, 成立日期)) AS reg_parts,
        coalesce(deregistered_on, 注销日期) AS dereg_text,
        modu_date_parts(coalesce(deregistered_on, 注销日期)) AS dereg_parts,
        coalesce(registered_capital, 注册资本) AS capital_text,
        modu_quantity_parts(coalesce(registered_capital, 注册资本)) AS capital_parts,
        coalesce(business_scope, 经营范围) AS business_scope,
        parse_filename(filename) AS file
    FROM read_csv(getvariable('registry_files'), header = true, all_varchar = true, union_by_name = true,
                  delim = ',', quote = '"', escape = '"', filename = true, ignore_errors = true)
), parsed AS MATERIALIZED (  -- staged as in sources.py: each regular expression runs once per value
    SELECT l.*, r.region_code,
        modu_date_of(reg_parts).value AS reg,
        modu_date_of(dereg_parts).value AS dereg,
        modu_quantity_of(capital_parts) AS capital_qty
    FROM landed l LEFT JOIN region_lookup r ON r.key = modu_region_key(l.region)
), valued AS (
    SELECT *, modu_money_of(capital_qty) AS capital FROM parsed
)
SELECT uscc, region_code, reg AS registered_on, dereg AS deregistered_on,
    regexp_matches(lower(name) || chr(31) || lower(coalesce(business_scope, '')), getvariable('ai_pattern'))
        AS is_ai_related
FROM valued
WHERE modu_uscc_valid(uscc)
  AND name IS NOT NULL
  AND region_code IS NOT NULL
  AND reg IS NOT NULL
  AND (modu_clean(dereg_text) IS NULL OR dereg IS NOT NULL)
  AND (dereg IS NULL OR dereg >= reg)
  AND (modu_clean(capital_text) IS NULL OR (capital.amount IS NOT NULL AND capital.currency IS NOT NULL))
QUALIFY row_number() OVER (PARTITION BY uscc ORDER BY reg DESC, file DESC) = 1;

-- Policies: one row per document, the first landed copy ------------------------------------
CREATE OR REPLACE TEMP TABLE documents AS
WITH lines AS (  -- one string per line: read_json would let a truncated line swallow the next one
    SELECT column0 AS text, parse_filename(filename) AS file, row_number() OVER () AS line
    FROM read_csv(getvariable('policy_files'), header = false, columns = {'column0': 'VARCHAR'}, delim = chr(30),
                  quote = '', escape = '', auto_detect = false, strict_mode = false, filename = true)
), objects AS (
    -- CASE guards every JSON function: DuckDB may evaluate them before the WHERE drops a bad line
    SELECT *, CASE WHEN json_valid(text) THEN json_type(text) = 'OBJECT' ELSE false END AS is_object FROM lines
), landed AS (
    SELECT v[1] AS id, v[2] AS title, v[3] AS issuer, v[4] AS region, v[5] AS level, v[6] AS published_on,
        v[7] AS effective_on, v[8] AS plan_period, v[9] AS doc_type, topics, file, line
    FROM (
        SELECT file, line,
            CASE WHEN is_object THEN json_extract_string(text, ['$.id', '$.title', '$.issuer', '$.region', '$.level',
                '$.published_on', '$.effective_on', '$.plan_period', '$.doc_type']) END AS v,
            CASE WHEN is_object THEN json_extract(text, '$.topics') END AS topics
        FROM objects WHERE is_object
    )
), parsed AS (
    SELECT l.*, r.region_code, r.level AS region_level,
        modu_date(published_on) AS pub,
        modu_date(effective_on) AS eff,
        modu_plan_period(plan_period) AS plan,
        CASE lower(modu_clean(l.level))
            WHEN 'national' THEN 'national' WHEN '国家' THEN 'national' WHEN '国家级' THEN 'national'
            WHEN 'province' THEN 'province' WHEN 'provincial' THEN 'province' WHEN '省级' THEN 'province'
            WHEN 'city' THEN 'city' WHEN 'municipal' THEN 'city' WHEN '市级' THEN 'city'
            WHEN 'district' THEN 'district' WHEN 'county' THEN 'district' WHEN '区县' THEN 'district'
        END AS level_clean,
        CASE lower(modu_clean(doc_type))
            WHEN 'plan' THEN 'plan' WHEN '规划' THEN 'plan' WHEN '计划' THEN 'plan'
            WHEN 'measures' THEN 'measures' WHEN '办法' THEN 'measures' WHEN '措施' THEN 'measures'
            WHEN 'regulation' THEN 'regulation' WHEN '法规' THEN 'regulation' WHEN '条例' THEN 'regulation'
            WHEN 'notice' THEN 'notice' WHEN '通知' THEN 'notice'
            WHEN 'speech' THEN 'speech' WHEN '讲话' THEN 'speech'
            WHEN 'agreement' THEN 'agreement' WHEN '协议' THEN 'agreement'
            WHEN 'other' THEN 'other' WHEN '其他' THEN 'other'
        END AS doc_type_clean
    FROM landed l LEFT JOIN region_lookup r ON r.key = modu_region_key(l.region)
)
SELECT
    coalesce(nullif(trim(id), ''),
             'p_' || left(md5(trim(issuer) || '|' || trim(title) || '|' || CAST(pub.value AS VARCHAR)), 16)) AS policy_id,
    region_code,
    coalesce(level_clean, region_level) AS level,
    pub.value AS published_on,
    pub.precision AS published_on_precision,
    doc_type_clean AS doc_type,
    nullif(trim(title), '') AS title,
    nullif(trim(issuer), '') AS issuer,
    plan.start_year AS plan_start_year,
    plan.end_year AS plan_end_year
FROM parsed
WHERE nullif(trim(title), '') IS NOT NULL
  AND nullif(trim(issuer), '') IS NOT NULL
  AND region_code IS NOT NULL
  AND (modu_clean(level) IS NULL OR level_clean IS NOT NULL)
  AND pub.value IS NOT NULL
  AND (modu_clean(effective_on) IS NULL OR eff.value IS NOT NULL)
  AND (modu_clean(plan_period) IS NULL OR plan IS NOT NULL)
  AND doc_type_clean IS NOT NULL
  AND CASE WHEN topics IS NULL OR json_type(topics) = 'NULL' THEN true
           WHEN json_type(topics) = 'ARRAY' THEN
               list_bool_and(list_transform(json_extract(topics, '$[*]'), t -> json_type(t) = 'VARCHAR')) IS NOT false
           ELSE false END
QUALIFY row_number() OVER (PARTITION BY policy_id ORDER BY file, line) = 1;

-- Compute events and projects ---------------------------------------------------------------
CREATE OR REPLACE TEMP TABLE events AS
WITH landed AS (
    SELECT
        nullif(trim(coalesce(project, 项目名称)), '') AS project_name,
        coalesce(region, 地区) AS region,
        coalesce(event, 事件) AS event_text,
        coalesce(event_date, 日期) AS date_text,
        coalesce(capacity, 算力规模) AS capacity_text,
        coalesce(investment, 投资额) AS investment_text
    FROM read_csv(getvariable('compute_files'), header = true, all_varchar = true, union_by_name = true,
                  delim = ',', quote = '"', escape = '"', ignore_errors = true)
), parsed AS (
    SELECT l.*, r.region_code,
        CASE lower(modu_clean(event_text))
            WHEN 'announced' THEN 'announced' WHEN '签约' THEN 'announced' WHEN '宣布' THEN 'announced'
            WHEN 'construction_started' THEN 'construction_started' WHEN '开工' THEN 'construction_started'
            WHEN 'completed' THEN 'completed' WHEN '竣工' THEN 'completed' WHEN '峻工' THEN 'completed'
            WHEN 'operational' THEN 'operational' WHEN '投运' THEN 'operational' WHEN '上线' THEN 'operational'
        END AS event,
        modu_date(date_text).value AS event_date,
        modu_capacity(capacity_text) AS cap,
        modu_money(investment_text) AS invest
    FROM landed l LEFT JOIN region_lookup r ON r.key = modu_region_key(l.region)
)
SELECT md5(region_code || '|' || project_name) AS project_id, project_name, region_code, event, event_date,
    CASE event WHEN 'announced' THEN 1 WHEN 'construction_started' THEN 2 WHEN 'completed' THEN 3 ELSE 4 END
        AS lifecycle_rank,
    cap.pflops AS capacity_pflops,
    CASE WHEN invest.currency = 'CNY' THEN invest.amount END AS investment_cny
FROM parsed
WHERE project_name IS NOT NULL
  AND region_code IS NOT NULL
  AND event IS NOT NULL
  AND event_date IS NOT NULL
  AND (modu_clean(capacity_text) IS NULL OR cap.pflops IS NOT NULL)
  AND (modu_clean(investment_text) IS NULL OR (invest.amount IS NOT NULL AND invest.currency IS NOT NULL));

CREATE OR REPLACE TEMP TABLE projects AS
SELECT project_id, region_code,
    max(capacity_pflops) AS capacity_pflops,
    max(investment_cny) AS investment_cny,
    min(event_date) FILTER (WHERE event IN ('completed', 'operational')) AS first_completed_on
FROM events GROUP BY project_id, region_code;

-- Indicators: accepted figures --------------------------------------------------------------
CREATE OR REPLACE TEMP TABLE figures AS
WITH landed AS (
    SELECT
        coalesce(region, 地区) AS region,
        coalesce(indicator, 指标) AS indicator,
        coalesce(period, 年份) AS period_text,
        modu_clean(coalesce(value, 数值)) AS value_clean,
        modu_clean(coalesce(unit, 单位)) AS unit_clean,
        coalesce(is_forecast, 是否预测) AS forecast_text,
        nullif(trim(coalesce(source_quote, 原文)), '') AS source_quote,
        parse_filename(filename) AS file,
        row_number() OVER () AS line
    FROM read_csv(getvariable('indicator_files'), header = true, all_varchar = true, union_by_name = true,
                  delim = ',', quote = '"', escape = '"', filename = true, ignore_errors = true)
), parsed AS (
    SELECT l.*, r.region_code, i.indicator_code, i.value_kind,
        modu_year(period_text) AS period,
        modu_bool(forecast_text) AS forecast_flag,
        -- a unit column applies to a bare number; a value with its own unit must agree with it
        modu_quantity(CASE WHEN unit_clean IS NOT NULL AND regexp_full_match(value_clean, '[+-]?[0-9.,]+')
                           THEN value_clean || unit_clean ELSE value_clean END) AS qty,
        unit_clean IS NOT NULL AND NOT regexp_full_match(value_clean, '[+-]?[0-9.,]+')
            AND trim(regexp_replace(value_clean, '^[+-]?[0-9.,]*', '')) <> unit_clean AS unit_conflict
    FROM landed l
    LEFT JOIN region_lookup r ON r.key = modu_region_key(l.region)
    LEFT JOIN indicator_lookup i ON i.key = lower(modu_clean(l.indicator))
)
SELECT region_code, indicator_code, period, CAST(qty.amount AS DECIMAL(18, 2)) AS value,
    coalesce(forecast_flag, false) AS is_forecast, source_quote, file, line
FROM parsed
WHERE region_code IS NOT NULL
  AND indicator_code IS NOT NULL
  AND period IS NOT NULL
  AND value_clean IS NOT NULL
  AND NOT unit_conflict
  AND qty.amount IS NOT NULL
  AND NOT (value_kind = 'yuan' AND qty.unit NOT IN ('', '元', '元人民币', '人民币', '人民币元'))
  AND NOT (value_kind = 'count' AND qty.unit NOT IN ('', '家', '个', '项'))
  AND NOT (value_kind = 'persons' AND qty.unit NOT IN ('', '人'))
  AND NOT (value_kind IN ('count', 'persons') AND qty.amount <> round(qty.amount))
  AND abs(qty.amount) < 1e16
  AND (modu_clean(forecast_text) IS NULL OR forecast_flag IS NOT NULL);

-- The region x year panel: every region a source mentions, every year from the first to the
-- last actual mention, plus the exact pairs only forecasts mention ---------------------------
CREATE OR REPLACE TEMP TABLE panel AS
WITH mentions AS (
    SELECT region_code, period AS year, is_forecast FROM figures
    UNION ALL SELECT region_code, year(published_on), false FROM documents
    UNION ALL SELECT a.ancestor_code, e.year, false
        FROM (SELECT DISTINCT region_code, year(event_date) AS year FROM events) e JOIN ancestors a USING (region_code)
    UNION ALL SELECT a.ancestor_code, l.year, false
        FROM (SELECT DISTINCT region_code, year(registered_on) AS year FROM latest) l JOIN ancestors a USING (region_code)
), span AS (
    SELECT min(year) AS first_year, max(year) AS last_year FROM mentions WHERE NOT is_forecast
)
SELECT m.region_code, CAST(y.year AS INTEGER) AS year
FROM (SELECT DISTINCT region_code FROM mentions) m, span, range(span.first_year, span.last_year + 1) AS y(year)
UNION
SELECT region_code, year FROM mentions;

-- A project's status at each month end with an event anywhere and at each panel year's end.
CREATE OR REPLACE TEMP TABLE status AS
WITH as_of_dates AS (
    SELECT DISTINCT last_day(event_date) AS as_of FROM events
    UNION SELECT DISTINCT make_date(year, 12, 31) FROM panel
), latest_event AS (
    SELECT d.as_of, e.project_id, e.region_code, e.event
    FROM as_of_dates d JOIN events e ON e.event_date <= d.as_of
    QUALIFY row_number() OVER (PARTITION BY d.as_of, e.project_id ORDER BY e.event_date DESC, e.lifecycle_rank DESC) = 1
)
SELECT l.as_of, l.region_code, l.event IN ('completed', 'operational') AS is_completed, p.capacity_pflops
FROM latest_event l JOIN projects p USING (project_id);

-- marts.city_indicators ---------------------------------------------------------------------
CREATE OR REPLACE TABLE city_indicators AS
WITH changes AS (  -- +1 in the year an AI enterprise registers, -1 in the year it deregisters
    SELECT a.ancestor_code AS region_code, c.year, sum(c.delta) AS delta
    FROM (
        SELECT region_code, year(registered_on) AS year, count(*) AS delta FROM latest WHERE is_ai_related GROUP BY ALL
        UNION ALL
        SELECT region_code, year(deregistered_on), -count(*) FROM latest
        WHERE is_ai_related AND deregistered_on IS NOT NULL GROUP BY ALL
    ) c JOIN ancestors a USING (region_code)
    GROUP BY ALL
), covered AS (  -- regions with registry rows in them or within them
    SELECT DISTINCT a.ancestor_code AS region_code
    FROM (SELECT DISTINCT region_code FROM latest) l JOIN ancestors a USING (region_code)
), counts AS (
    SELECT p.region_code, p.year, CAST(coalesce(sum(c.delta), 0) AS BIGINT) AS ai_enterprise_count
    FROM panel p JOIN covered USING (region_code)
    LEFT JOIN changes c ON c.region_code = p.region_code AND c.year <= p.year
    GROUP BY p.region_code, p.year
), chosen AS (  -- one actual figure per region, indicator, period: quoted first, then the later file and line
    SELECT * FROM figures WHERE NOT is_forecast
    QUALIFY row_number() OVER (PARTITION BY region_code, indicator_code, period
                               ORDER BY (source_quote IS NOT NULL) DESC, file DESC, line DESC) = 1
), published AS (
    SELECT region_code, period AS year,
        max(value) FILTER (WHERE indicator_code = 'ai_enterprise_count') AS ai_enterprise_count_published,
        max(value) FILTER (WHERE indicator_code = 'ai_industry_output_cny') AS ai_industry_output_cny
    FROM chosen GROUP BY ALL
), policies AS (
    SELECT region_code, year(published_on) AS year, count(*) AS policy_count FROM documents GROUP BY ALL
), compute_regions AS (
    SELECT DISTINCT a.ancestor_code AS region_code FROM projects p JOIN ancestors a USING (region_code)
), capacity AS (
    SELECT a.ancestor_code AS region_code, year(s.as_of) AS year,
        sum(s.capacity_pflops) FILTER (WHERE s.is_completed) AS completed_capacity_pflops
    FROM status s JOIN ancestors a USING (region_code)
    WHERE month(s.as_of) = 12 AND day(s.as_of) = 31
    GROUP BY ALL
)
SELECT
    panel.region_code,
    regions.name_zh AS region_name_zh,
    regions.level,
    panel.year,
    counts.ai_enterprise_count,
    CAST(published.ai_enterprise_count_published AS BIGINT) AS ai_enterprise_count_published,
    CASE WHEN previous.ai_enterprise_count > 0 AND counts.ai_enterprise_count IS NOT NULL
         THEN (counts.ai_enterprise_count - previous.ai_enterprise_count) / previous.ai_enterprise_count
    END AS ai_enterprise_yoy_growth,
    published.ai_industry_output_cny,
    coalesce(policies.policy_count, 0) AS policy_count,
    CAST(CASE WHEN compute_regions.region_code IS NOT NULL
              THEN coalesce(capacity.completed_capacity_pflops, 0) END AS DECIMAL(18, 4)) AS compute_capacity_pflops
FROM panel
JOIN regions USING (region_code)
LEFT JOIN counts ON counts.region_code = panel.region_code AND counts.year = panel.year
LEFT JOIN counts AS previous ON previous.region_code = panel.region_code AND previous.year = panel.year - 1
LEFT JOIN published ON published.region_code = panel.region_code AND published.year = panel.year
LEFT JOIN policies ON policies.region_code = panel.region_code AND policies.year = panel.year
LEFT JOIN compute_regions ON compute_regions.region_code = panel.region_code
LEFT JOIN capacity ON capacity.region_code = panel.region_code AND capacity.year = panel.year;

-- marts.policy_timeline -----------------------------------------------------------------------
CREATE OR REPLACE TABLE policy_timeline AS
SELECT policy_id, region_code, level, published_on, published_on_precision, doc_type, title, issuer,
    plan_start_year, plan_end_year,
    datediff('day', lag(published_on) OVER (PARTITION BY region_code ORDER BY published_on, policy_id), published_on)
        AS days_since_previous_in_region
FROM documents;

-- marts.policy_cadence ------------------------------------------------------------------------
CREATE OR REPLACE TABLE policy_cadence AS
WITH region_years AS (
    SELECT region_code, CAST(year(published_on) AS INTEGER) AS year, count(*) AS policy_count,
        min(published_on) AS first_published_on, max(published_on) AS last_published_on,
        CAST(median(days_since_previous_in_region) AS DOUBLE) AS median_gap_days
    FROM policy_timeline GROUP BY ALL
), plans AS (
    SELECT region_code, plan_start_year, plan_end_year FROM policy_timeline
    WHERE doc_type = 'plan' AND plan_start_year IS NOT NULL
)
SELECT y.region_code, y.year, y.policy_count, y.first_published_on, y.last_published_on, y.median_gap_days,
    count(plans.region_code) AS plans_in_force
FROM region_years y
LEFT JOIN plans ON plans.region_code = y.region_code AND y.year BETWEEN plans.plan_start_year AND plans.plan_end_year
GROUP BY ALL;

-- marts.compute_buildout ----------------------------------------------------------------------
CREATE OR REPLACE TABLE compute_buildout AS
WITH monthly AS (
    SELECT *, CAST(date_trunc('month', event_date) AS DATE) AS month FROM events
), months AS (
    SELECT region_code, month,
        count(*) FILTER (WHERE event = 'announced') AS projects_announced,
        count(*) FILTER (WHERE event = 'construction_started') AS projects_started,
        count(*) FILTER (WHERE event IN ('completed', 'operational')) AS projects_completed
    FROM monthly GROUP BY ALL
), completed_in_month AS (  -- a project's capacity counts in the month it was first completed or operational
    SELECT region_code, CAST(date_trunc('month', first_completed_on) AS DATE) AS month,
        sum(capacity_pflops) AS capacity_completed_pflops
    FROM projects WHERE first_completed_on IS NOT NULL GROUP BY ALL
), announced_in_month AS (
    SELECT a.region_code, a.month, sum(p.investment_cny) AS investment_announced_cny
    FROM (SELECT DISTINCT region_code, project_id, month FROM monthly WHERE event = 'announced') a
    JOIN projects p USING (project_id, region_code)
    GROUP BY ALL
), cumulative AS (
    SELECT region_code, CAST(date_trunc('month', as_of) AS DATE) AS month,
        sum(capacity_pflops) FILTER (WHERE is_completed) AS cumulative_capacity_pflops
    FROM status GROUP BY ALL
)
SELECT m.region_code, m.month, m.projects_announced, m.projects_started, m.projects_completed,
    CAST(coalesce(c.capacity_completed_pflops, 0) AS DECIMAL(18, 4)) AS capacity_completed_pflops,
    CAST(coalesce(u.cumulative_capacity_pflops, 0) AS DECIMAL(18, 4)) AS cumulative_capacity_pflops,
    CAST(a.investment_announced_cny AS DECIMAL(18, 2)) AS investment_announced_cny
FROM months m
LEFT JOIN completed_in_month c USING (region_code, month)
LEFT JOIN cumulative u USING (region_code, month)
LEFT JOIN announced_in_month a USING (region_code, month);
