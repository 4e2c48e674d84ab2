-- Statistical indicators (long format): fields -> typed rows.
--
-- A value is a number with an optional magnitude word and unit (6.38万家, 3821亿元); the
-- unit column may carry the unit, the magnitude, or both (3.98万 with 家, 3821 with 亿元,
-- 1.5千亿 with 元). Magnitudes in the two cells multiply; a unit cell that only repeats the
-- value's own magnitude and unit adds nothing. A row is rejected when the value is no
-- number, when the two cells name different base units, or when the unit does not fit
-- the indicator (a count in 家/个/项, persons in 人, money in yuan).

CREATE OR REPLACE TEMP VIEW region_mentions AS
SELECT DISTINCT region AS t, NULL::VARCHAR AS ctx_code, NULL::VARCHAR AS ctx_text FROM fields;

CREATE OR REPLACE TEMP TABLE values_seen AS
WITH cells AS (
    SELECT DISTINCT value, unit FROM fields
),
parts AS (
    SELECT value, unit, modu_quantity_parts(value) AS v, modu_unit_parts(unit) AS u,
        trim(regexp_replace(modu_clean(value), '^[+-]?[0-9.,]*', '')) AS value_tail
    FROM cells
),
combined AS (
    SELECT *,
        coalesce(modu_clean(unit) = value_tail, true) AS unit_repeats,
        trim(v.unit) AS value_unit, coalesce(trim(u.unit), '') AS unit_unit
    FROM parts
)
SELECT c.value, c.unit,
    modu_quantity_of({'num': c.v.num, 'mag': c.v.mag || CASE WHEN c.unit_repeats THEN '' ELSE coalesce(c.u.mag, '') END,
                      'unit': ''}).amount AS amount,
    CASE WHEN c.value_unit <> '' THEN c.value_unit ELSE c.unit_unit END AS base_unit,
    NOT c.unit_repeats AND c.value_unit <> '' AND c.unit_unit <> '' AND c.value_unit <> c.unit_unit
        AND (vu.key IS NULL OR uu.key IS NULL OR vu.kind <> uu.kind
             OR vu.currency IS DISTINCT FROM uu.currency) AS units_disagree
FROM combined AS c
LEFT JOIN unit_lookup AS vu ON vu.key = modu_word_key(c.value_unit)
LEFT JOIN unit_lookup AS uu ON uu.key = modu_word_key(c.unit_unit);

-- @parse
SELECT _line, _extra,
    region_text,
    r.region_code,
    i.indicator_code,
    modu_year(period) AS period,
    CAST(CASE WHEN abs(q.amount) < 1e16 THEN q.amount END AS DECIMAL(18, 2)) AS value,
    i.value_kind,
    coalesce(modu_bool(is_forecast), false) AS is_forecast,
    source_text AS source,
    source_quote_text AS source_quote,
    CASE
        WHEN _empty IS NOT NULL THEN _empty
        WHEN r.region_code IS NULL THEN modu_region_reason(region_text, r.candidates)
        WHEN i.indicator_code IS NULL THEN 'indicator ''' || indicator_text
            || ''' is not in the catalogue (dbt_project/seeds/indicator_catalogue.csv)'
        WHEN modu_year(period) IS NULL THEN 'period ''' || period || ''' is not a year (use 2023 or 2023年)'
        WHEN q.amount IS NULL
            THEN 'value ''' || value_text || ''' is not a number (digits, optional 千/万/亿 and unit)'
        WHEN q.units_disagree THEN 'value ''' || value_text || ''' and unit ''' || unit_text
            || ''' name different units'
        WHEN abs(q.amount) >= 1e16 THEN 'value ''' || value_text || ''' is out of range'
        WHEN i.value_kind = 'yuan' AND q.base_unit <> ''
             AND NOT EXISTS (SELECT 1 FROM unit_lookup AS u
                             WHERE u.key = modu_word_key(q.base_unit) AND u.currency = 'CNY')
            THEN 'unit ''' || q.base_unit || ''' does not fit ' || i.indicator_code || ', which is in yuan (CNY)'
        WHEN i.value_kind IN ('count', 'persons') AND q.base_unit <> ''
             AND NOT EXISTS (SELECT 1 FROM unit_lookup AS u
                             WHERE u.key = modu_word_key(q.base_unit) AND u.kind = i.value_kind)
            THEN 'unit ''' || q.base_unit || ''' does not fit ' || i.indicator_code
                 || CASE i.value_kind WHEN 'count' THEN ', which is a count' ELSE ', which counts persons' END
        WHEN i.value_kind IN ('count', 'persons') AND q.amount <> round(q.amount)
            THEN 'value ''' || value_text || ''' is not a whole number, but ' || i.indicator_code || ' is a count'
        WHEN is_forecast_text IS NOT NULL AND modu_bool(is_forecast) IS NULL
            THEN 'is_forecast ''' || is_forecast || ''' is not true/false/是/否'
    END AS _reject_reason
FROM fields
LEFT JOIN region_resolved AS r ON r.t = fields.region AND r.ctx_code IS NULL AND r.ctx_text IS NULL
LEFT JOIN indicator_lookup AS i ON i.key = lower(modu_clean(fields.indicator))
LEFT JOIN values_seen AS q
    ON q.value IS NOT DISTINCT FROM fields.value AND q.unit IS NOT DISTINCT FROM fields.unit
