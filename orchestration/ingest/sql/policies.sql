-- Policy documents (JSON lines): fields -> typed rows.
--
-- A region name several regions share (南山区) resolves from the issuer named in the row
-- (深圳市南山区人民政府). level and doc_type resolve through their vocabulary seeds
-- (levels.csv, doc_types.csv: the value or any synonym). The id, when absent, is derived
-- from issuer, title and date, so the same document in two files is one document.

-- A national file has a hundred thousand rows but some thousands of distinct dates, some
-- hundreds of plan periods and a few dozen levels, doc types and topic lists: one scan
-- collects every distinct text, each is parsed once (by the same expression a row would
-- use, NULL included, so the join back is IS NOT DISTINCT FROM) and joined back.
CREATE OR REPLACE TEMP TABLE distinct_values AS
SELECT region, issuer, published_on, effective_on, plan_period, level, doc_type, topics,
    GROUPING(region) = 0 AS is_region, GROUPING(published_on) = 0 AS is_published_on,
    GROUPING(effective_on) = 0 AS is_effective_on, GROUPING(plan_period) = 0 AS is_plan_period,
    GROUPING(level) = 0 AS is_level, GROUPING(doc_type) = 0 AS is_doc_type, GROUPING(topics) = 0 AS is_topics
FROM fields
GROUP BY GROUPING SETS ((region, issuer), (published_on), (effective_on), (plan_period), (level), (doc_type),
                        (topics));

CREATE OR REPLACE TEMP VIEW region_mentions AS
SELECT region AS t, NULL::VARCHAR AS ctx_code, issuer AS ctx_text FROM distinct_values WHERE is_region;

-- present: the text is not blank once cleaned (a blank optional date is absent, not wrong).
CREATE OR REPLACE TEMP TABLE dates_seen AS
SELECT t, modu_date(t) AS v, modu_clean(t) IS NOT NULL AS present FROM (
    SELECT published_on AS t FROM distinct_values WHERE is_published_on
    UNION SELECT effective_on FROM distinct_values WHERE is_effective_on
);

CREATE OR REPLACE TEMP TABLE plans_seen AS
SELECT plan_period AS t, modu_plan_period(plan_period) AS v, modu_clean(plan_period) IS NOT NULL AS present
FROM distinct_values WHERE is_plan_period;

CREATE OR REPLACE TEMP TABLE levels_seen AS
SELECT d.level AS t, lv.value, modu_clean(d.level) IS NOT NULL AS present
FROM (SELECT level FROM distinct_values WHERE is_level) AS d
LEFT JOIN vocabulary AS lv ON lv.vocabulary = 'level' AND lv.key = modu_word_key(d.level);

CREATE OR REPLACE TEMP TABLE doc_types_seen AS
SELECT d.doc_type AS t, dt.value
FROM (SELECT doc_type FROM distinct_values WHERE is_doc_type) AS d
LEFT JOIN vocabulary AS dt ON dt.vocabulary = 'doc_type' AND dt.key = modu_word_key(d.doc_type);

-- A list of strings, lower-cased and trimmed; [] when absent or null; NULL when not a list of strings.
CREATE OR REPLACE TEMP TABLE topics_seen AS
SELECT topics AS t,
    CASE WHEN topics IS NULL OR json_type(topics) = 'NULL' THEN []::VARCHAR[]
         WHEN json_type(topics) = 'ARRAY'
              AND list_bool_and(list_transform(json_extract(topics, '$[*]'), t -> json_type(t) = 'VARCHAR'))
              IS NOT false
         THEN list_transform(json_extract_string(topics, '$[*]'), t -> lower(trim(t)))
    END AS v
FROM distinct_values WHERE is_topics;

-- @parse
WITH parsed AS (
    SELECT fields.*, r.region_code, r.candidates, rl.level AS region_level,
        pd.v AS pub,
        ed.v AS eff, ed.present AS eff_present,
        pp.v AS plan, pp.present AS plan_present,
        lv.value AS level_value, lv.present AS level_present,
        dt.value AS doc_type_value,
        tp.v AS topics_list
    FROM fields
    LEFT JOIN region_resolved AS r
        ON r.t = fields.region AND r.ctx_code IS NULL AND r.ctx_text IS NOT DISTINCT FROM fields.issuer
    LEFT JOIN region_display AS rl ON rl.region_code = r.region_code
    LEFT JOIN dates_seen AS pd ON pd.t IS NOT DISTINCT FROM fields.published_on
    LEFT JOIN dates_seen AS ed ON ed.t IS NOT DISTINCT FROM fields.effective_on
    LEFT JOIN plans_seen AS pp ON pp.t IS NOT DISTINCT FROM fields.plan_period
    LEFT JOIN levels_seen AS lv ON lv.t IS NOT DISTINCT FROM fields.level
    LEFT JOIN doc_types_seen AS dt ON dt.t IS NOT DISTINCT FROM fields.doc_type
    LEFT JOIN topics_seen AS tp ON tp.t IS NOT DISTINCT FROM fields.topics
)
SELECT _line, _extra,
    coalesce(id_text, 'p_' || left(md5(modu_trim(issuer) || '|' || modu_trim(title) || '|' || CAST(pub.value AS VARCHAR)), 16))
        AS policy_id,
    title_text AS title,
    issuer_text AS issuer,
    region_text,
    region_code,
    coalesce(level_value, region_level) AS level,
    pub.value AS published_on,
    pub.precision AS published_on_precision,
    eff.value AS effective_on,
    plan.start_year AS plan_start_year,
    plan.end_year AS plan_end_year,
    doc_type_value AS doc_type,
    topics_list AS topics,
    url_text AS url,
    summary_text AS summary,
    source_text AS source,
    source_quote_text AS source_quote,
    CASE
        WHEN _empty IS NOT NULL THEN _empty
        WHEN region_code IS NULL THEN modu_region_reason(region_text, candidates)
        WHEN level_present AND level_value IS NULL
            THEN 'level ''' || level || ''' is not one of ' || (SELECT string_agg(level, '/' ORDER BY rank) FROM seed_levels)
        WHEN pub.value IS NULL THEN modu_date_reason('published_on', published_on)
        WHEN eff_present AND eff.value IS NULL THEN modu_date_reason('effective_on', effective_on)
        WHEN plan_present AND plan IS NULL
            THEN 'plan_period ''' || plan_period || ''' is not a period like 2018-2025年'
        WHEN doc_type_value IS NULL THEN 'doc_type ''' || doc_type || ''' is not one of '
            || (SELECT string_agg(doc_type, ', ' ORDER BY rowid) FROM seed_doc_types)
        WHEN topics_list IS NULL THEN 'topics is not a list of strings'
    END AS _reject_reason
FROM parsed
