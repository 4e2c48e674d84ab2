-- The enterprise registry: fields (one row per data row, see sources.py) -> typed rows.
--
-- A registry of millions of rows has a few thousand distinct regions, dates and capital
-- texts: each distinct text is parsed once (one scan collects them all) and joined back.
-- A region name several regions share resolves from the division code inside the USCC
-- (characters 3-8: 91440305... is in Shenzhen's Nanshan district).

CREATE OR REPLACE TEMP TABLE distinct_values AS
SELECT region, substr(modu_clean_code(uscc), 3, 6) AS division, registered_on, registered_capital,
    deregistered_on, GROUPING(region) = 0 AS is_region, GROUPING(registered_on) = 0 AS is_registered_on,
    GROUPING(registered_capital) = 0 AS is_capital, GROUPING(deregistered_on) = 0 AS is_deregistered_on
FROM fields
GROUP BY GROUPING SETS ((region, division), (registered_on), (registered_capital), (deregistered_on));

CREATE OR REPLACE TEMP VIEW region_mentions AS
SELECT region AS t, division AS ctx_code, NULL::VARCHAR AS ctx_text
FROM distinct_values WHERE is_region;

CREATE OR REPLACE TEMP TABLE dates_seen AS
SELECT t, modu_date(t) AS v FROM (
    SELECT registered_on AS t FROM distinct_values WHERE is_registered_on AND registered_on IS NOT NULL
    UNION SELECT deregistered_on FROM distinct_values WHERE is_deregistered_on AND deregistered_on IS NOT NULL
);

CREATE OR REPLACE TEMP TABLE capitals_seen AS
SELECT t, CAST(CASE WHEN abs(q.amount) < 1e16 THEN q.amount END AS DECIMAL(18, 2)) AS amount,
    coalesce(abs(q.amount) >= 1e16, false) AS out_of_range,
    coalesce(u.currency, CASE WHEN q.unit = '' THEN 'CNY' END) AS currency
FROM (SELECT registered_capital AS t, modu_quantity(registered_capital) AS q
      FROM distinct_values WHERE is_capital AND registered_capital IS NOT NULL)
LEFT JOIN unit_lookup AS u ON u.key = modu_word_key(q.unit) AND u.kind = 'money';

-- @parse
WITH cleaned AS (
    SELECT fields.*, modu_clean_code(uscc) AS uscc_clean FROM fields
),
joined AS (
    SELECT cleaned.*, r.region_code, r.candidates,
        reg.v AS reg, dereg.v AS dereg, capital.amount AS capital_amount, capital.currency AS capital_currency,
        capital.out_of_range AS capital_out_of_range,
        modu_uscc_shape_ok(uscc_clean) AS uscc_shape_ok
    FROM cleaned
    LEFT JOIN region_resolved AS r
        ON r.t = cleaned.region AND r.ctx_code IS NOT DISTINCT FROM substr(cleaned.uscc_clean, 3, 6)
    LEFT JOIN dates_seen AS reg ON reg.t = cleaned.registered_on
    LEFT JOIN dates_seen AS dereg ON dereg.t = cleaned.deregistered_on
    LEFT JOIN capitals_seen AS capital ON capital.t = cleaned.registered_capital
)
SELECT _line, _extra,
    uscc_clean AS uscc,
    name_text AS name,
    region_text,
    region_code,
    reg.value AS registered_on,
    reg.precision AS registered_on_precision,
    dereg.value AS deregistered_on,
    capital_amount AS registered_capital,
    capital_currency AS registered_capital_currency,
    CASE WHEN capital_currency = 'CNY' THEN capital_amount END AS registered_capital_cny,
    business_scope_text AS business_scope,
    CASE
        WHEN _empty IS NOT NULL THEN _empty
        WHEN NOT uscc_shape_ok THEN 'uscc ''' || uscc_clean || ''' is not 18 characters of the GB 32100-2015 alphabet'
        WHEN NOT modu_uscc_check_ok(uscc_clean)
            THEN 'uscc ''' || uscc_clean || ''' fails its GB 32100-2015 check character'
        WHEN region_code IS NULL THEN modu_region_reason(region_text, candidates)
        WHEN reg.value IS NULL THEN modu_date_reason('registered_on', registered_on)
        WHEN deregistered_on_text IS NOT NULL AND dereg.value IS NULL
            THEN modu_date_reason('deregistered_on', deregistered_on)
        WHEN dereg.value < reg.value THEN 'deregistered_on ' || dereg.value || ' is before registered_on ' || reg.value
        WHEN capital_out_of_range THEN 'registered_capital ''' || registered_capital || ''' is out of range'
        WHEN registered_capital_text IS NOT NULL AND (capital_amount IS NULL OR capital_currency IS NULL)
            THEN 'registered_capital ''' || registered_capital
                 || ''' is not an amount in a known currency (e.g. 500万元人民币, 100万美元)'
    END AS _reject_reason
FROM joined
