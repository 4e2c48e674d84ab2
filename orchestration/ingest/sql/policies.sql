-- Policy documents (JSON lines): fields -> typed rows.
--
-- A region name several regions share (南山区) resolves from the issuer named in the row
-- (深圳市南山区人民政府). level and doc_type resolve through their vocabulary seeds
-- (levels.csv, doc_types.csv: the value or any synonym). The id, when absent, is derived
-- from issuer, title and date, so the same document in two files is one document.

CREATE OR REPLACE TEMP VIEW region_mentions AS
SELECT DISTINCT region AS t, NULL::VARCHAR AS ctx_code, issuer AS ctx_text FROM fields;

-- @parse
WITH parsed AS (
    SELECT fields.*, r.region_code, r.candidates, rl.level AS region_level,
        modu_date(published_on) AS pub,
        modu_date(effective_on) AS eff,
        modu_plan_period(plan_period) AS plan,
        lv.value AS level_value,
        dt.value AS doc_type_value,
        CASE WHEN topics IS NULL OR json_type(topics) = 'NULL' THEN []::VARCHAR[]
             WHEN json_type(topics) = 'ARRAY'
                  AND list_bool_and(list_transform(json_extract(topics, '$[*]'), t -> json_type(t) = 'VARCHAR'))
                  IS NOT false
             THEN list_transform(json_extract_string(topics, '$[*]'), t -> lower(trim(t)))
        END AS topics_list
    FROM fields
    LEFT JOIN region_resolved AS r
        ON r.t = fields.region AND r.ctx_code IS NULL AND r.ctx_text IS NOT DISTINCT FROM fields.issuer
    LEFT JOIN region_display AS rl ON rl.region_code = r.region_code
    LEFT JOIN vocabulary AS lv ON lv.vocabulary = 'level' AND lv.key = modu_word_key(fields.level)
    LEFT JOIN vocabulary AS dt ON dt.vocabulary = 'doc_type' AND dt.key = modu_word_key(fields.doc_type)
)
SELECT _line, _extra,
    coalesce(id_text, 'p_' || left(md5(trim(issuer) || '|' || trim(title) || '|' || CAST(pub.value AS VARCHAR)), 16))
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
        WHEN modu_clean(level) IS NOT NULL AND level_value IS NULL
            THEN 'level ''' || level || ''' is not one of ' || (SELECT string_agg(level, '/' ORDER BY rank) FROM seed_levels)
        WHEN pub.value IS NULL THEN modu_date_reason('published_on', published_on)
        WHEN modu_clean(effective_on) IS NOT NULL AND eff.value IS NULL THEN modu_date_reason('effective_on', effective_on)
        WHEN modu_clean(plan_period) IS NOT NULL AND plan IS NULL
            THEN 'plan_period ''' || plan_period || ''' is not a period like 2018-2025年'
        WHEN doc_type_value IS NULL THEN 'doc_type ''' || doc_type || ''' is not one of '
            || (SELECT string_agg(doc_type, ', ' ORDER BY rowid) FROM seed_doc_types)
        WHEN topics_list IS NULL THEN 'topics is not a list of strings'
    END AS _reject_reason
FROM parsed
