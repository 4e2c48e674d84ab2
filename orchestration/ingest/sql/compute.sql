-- Compute-centre build-out events: fields -> typed rows.
--
-- event resolves through its vocabulary seed (compute_events.csv: the event or any
-- synonym, 峻工 included); capacity is stored in PFLOPS with its precision; investment is
-- money, in yuan where it is yuan.

CREATE OR REPLACE TEMP VIEW region_mentions AS
SELECT DISTINCT region AS t, NULL::VARCHAR AS ctx_code, NULL::VARCHAR AS ctx_text FROM fields;

-- @parse
WITH parsed AS (
    SELECT fields.*, r.region_code, r.candidates,
        ev.value AS event_value,
        modu_date(event_date) AS happened,
        modu_capacity(capacity) AS cap,
        modu_quantity(investment) AS invest
    FROM fields
    LEFT JOIN region_resolved AS r ON r.t = fields.region AND r.ctx_code IS NULL AND r.ctx_text IS NULL
    LEFT JOIN vocabulary AS ev ON ev.vocabulary = 'event' AND ev.key = modu_word_key(fields.event)
),
priced AS (
    SELECT parsed.*, coalesce(u.currency, CASE WHEN invest.unit = '' THEN 'CNY' END) AS invest_currency
    FROM parsed LEFT JOIN unit_lookup AS u ON u.key = modu_word_key(invest.unit) AND u.kind = 'money'
)
SELECT _line, _extra,
    project_text AS project,
    region_text,
    region_code,
    event_value AS event,
    happened.value AS event_date,
    happened.precision AS event_date_precision,
    cap.pflops AS capacity_pflops,
    cap.precision AS capacity_precision,
    CAST(invest.amount AS DECIMAL(18, 2)) AS investment,
    CASE WHEN invest.amount IS NOT NULL THEN invest_currency END AS investment_currency,
    CAST(CASE WHEN invest_currency = 'CNY' THEN invest.amount END AS DECIMAL(18, 2)) AS investment_cny,
    operator_text AS operator,
    source_text AS source,
    CASE
        WHEN _empty IS NOT NULL THEN _empty
        WHEN region_code IS NULL THEN modu_region_reason(region_text, candidates)
        WHEN event_value IS NULL THEN 'event ''' || event || ''' is not '
            || (SELECT string_agg(event || coalesce('/' || replace(synonyms, '|', '/'), ''), ', ' ORDER BY lifecycle_rank)
                FROM seed_compute_events)
        WHEN happened.value IS NULL THEN modu_date_reason('event_date', event_date)
        WHEN modu_clean(capacity) IS NOT NULL AND cap.pflops IS NULL
            THEN 'capacity ''' || capacity || ''' is not like 500P, 500 PFLOPS, 2E, 2 EFLOPS or 1000P(FP16)'
        WHEN modu_clean(investment) IS NOT NULL AND (invest.amount IS NULL OR invest_currency IS NULL)
            THEN 'investment ''' || investment || ''' is not an amount of money (e.g. 10亿元)'
        WHEN abs(invest.amount) >= 1e16 THEN 'investment ''' || investment || ''' is out of range'
    END AS _reject_reason
FROM priced
