-- (c) The limit: the contract's night in plain DuckDB, from the raw layer benchmarks/limit.py wrote.
--
-- Reads '@raw@/<source>/*.parquet' (every landed row as text, with _file_id and its
-- physical _line; policies one JSON line per row) and temp table lim_structural (records
-- that were no CSV rows of the header's width); writes '@stage@/<source>.parquet' (every
-- row typed, with _reject_reason, null when kept), the schemas marts and audit.
-- @raw@, @stage@ and @seeds@ are replaced by limit.py with the folders.
--
-- Independent of modu: its own parsers and its own region rules, written from the contract
-- (shared/contract/raw-sources.md, marts.md); only the dbt seeds are shared, as the contract
-- says they are the vocabulary. Where the contract leaves a choice open and a mart column
-- shows it, the limit makes the choice the marts' documentation states (a derived policy
-- id is 'p_' + the first 16 hex digits of md5(issuer|title|date); figure precedence; the
-- modu index's weights), so the marts can be compared row for row.
--
-- Speed rules: every value that repeats (a region name, a date, an amount of capital) is
-- parsed once per distinct text and joined back; a cast that can fail is a TRY_CAST under
-- a CASE that only reaches it for text of the right shape; staging is written once as
-- Parquet, and only the narrow columns the marts need go on to the latest-record step.

-- Seeds ------------------------------------------------------------------------------------
CREATE OR REPLACE TEMP TABLE regions AS
SELECT * FROM read_csv('@seeds@/regions.csv', header = true, all_varchar = true);
CREATE OR REPLACE TEMP TABLE aliases AS
SELECT * FROM read_csv('@seeds@/region_aliases.csv', header = true, all_varchar = true);
CREATE OR REPLACE TEMP TABLE units AS
SELECT * FROM read_csv('@seeds@/units.csv', header = true, all_varchar = true);
CREATE OR REPLACE TEMP TABLE catalogue AS
SELECT * FROM read_csv('@seeds@/indicator_catalogue.csv', header = true, all_varchar = true);
CREATE OR REPLACE TEMP TABLE words AS  -- vocabulary -> every spelling -> the value
WITH v AS (
    SELECT 'level' AS vocabulary, level AS value, synonyms FROM read_csv('@seeds@/levels.csv', header = true, all_varchar = true)
    UNION ALL SELECT 'doc_type', doc_type, synonyms FROM read_csv('@seeds@/doc_types.csv', header = true, all_varchar = true)
    UNION ALL SELECT 'event', event, synonyms FROM read_csv('@seeds@/compute_events.csv', header = true, all_varchar = true)
)
SELECT DISTINCT vocabulary, lower(trim(w)) AS word, value
FROM (SELECT vocabulary, value, unnest(list_prepend(value, string_split(coalesce(synonyms, ''), '|'))) AS w FROM v)
WHERE trim(w) <> '';

-- Text helpers -----------------------------------------------------------------------------
-- Full-width digits and punctuation to ASCII. translate() over CJK text is slow (tens of
-- microseconds a value), so it only runs on text that holds one of the characters.
CREATE OR REPLACE MACRO lim_ascii(s) AS CASE WHEN regexp_matches(s, '[０-９．，－／：（）　＋]')
    THEN translate(s, '０１２３４５６７８９．，－／：（）　＋', '0123456789.,-/:() +') ELSE s END;
CREATE OR REPLACE MACRO lim_text(s) AS nullif(trim(lim_ascii(s)), '');
-- Free text (names, titles): trimmed, '' as NULL; no translation.
CREATE OR REPLACE MACRO lim_words(s) AS nullif(trim(s), '');
-- Empty (a cheap test for the row-by-row checks: no translation of a CJK text).
CREATE OR REPLACE MACRO lim_empty(s) AS s IS NULL OR trim(s) = '';
-- How a region name is matched: case, spaces, apostrophes, hyphens and dots do not count.
CREATE OR REPLACE MACRO lim_key(s) AS lower(regexp_replace(lim_text(s), '[\s''’`.\-]', '', 'g'));
-- A Chinese magnitude word (千 万 亿 and their products) as its multiplier; NULL for other text.
CREATE OR REPLACE MACRO lim_magnitude(w) AS CASE w
    WHEN '' THEN 1 WHEN '十' THEN 10 WHEN '百' THEN 100 WHEN '千' THEN 1000 WHEN '万' THEN 10000
    WHEN '十万' THEN 100000 WHEN '百万' THEN 1000000 WHEN '千万' THEN 10000000 WHEN '亿' THEN 100000000
    WHEN '十亿' THEN 1000000000 WHEN '百亿' THEN 10000000000 WHEN '千亿' THEN 100000000000
    WHEN '万亿' THEN 1000000000000 END::DECIMAL(18, 0);
-- A number with an optional magnitude word and unit: {num, mag, unit} (num '' when none).
CREATE OR REPLACE MACRO lim_number_parts(s) AS regexp_extract(lim_text(s),
    '^([+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?)?\s*([十百千万亿]*)\s*(.*)$', ['num', 'mag', 'unit']);
-- The amount of such parts, exact (DECIMAL(38, 6): 15 and more digits stay exact).
CREATE OR REPLACE MACRO lim_amount(p, extra_mag) AS CASE WHEN p.num <> '' AND lim_magnitude(p.mag) IS NOT NULL
    THEN TRY_CAST(replace(p.num, ',', '') AS DECIMAL(38, 6)) * lim_magnitude(p.mag) * extra_mag END;
-- Dates: 2017-12-29, 2017/12/29, 2017.12.29, 2017年12月29日 (day), 2023-07, 2023年7月 (month),
-- 2023, 2023年 (year: more than the contract asks, as documents dated by year only exist).
CREATE OR REPLACE MACRO lim_date_parts(s) AS regexp_extract(lim_text(s),
    '^([0-9]{4})(?:[-/.]([0-9]{1,2})(?:[-/.]([0-9]{1,2}))?|年(?:([0-9]{1,2})月(?:([0-9]{1,2})日)?)?)?$',
    ['y', 'm1', 'd1', 'm2', 'd2']);
CREATE OR REPLACE MACRO lim_date_of(p) AS CASE WHEN p.y <> '' THEN {
    'value': TRY_CAST(p.y || '-' || coalesce(nullif(p.m1, ''), nullif(p.m2, ''), '1') || '-'
                      || coalesce(nullif(p.d1, ''), nullif(p.d2, ''), '1') AS DATE),
    'precision': CASE WHEN p.d1 <> '' OR p.d2 <> '' THEN 'day' WHEN p.m1 <> '' OR p.m2 <> '' THEN 'month'
                      ELSE 'year' END} END;
CREATE OR REPLACE MACRO lim_date(s) AS lim_date_of(lim_date_parts(s));
CREATE OR REPLACE MACRO lim_year(s) AS CASE WHEN regexp_full_match(lim_text(s), '[0-9]{4}\s*年?')
    THEN CAST(left(lim_text(s), 4) AS INTEGER) END;
-- GB 32100-2015: 18 characters of the code's alphabet, the last the check of the first 17
-- (weights 3^i mod 31). Most codes' first 17 characters are digits (`n`, the caller's
-- BIGINT of them, or NULL): their sum is integer arithmetic, much cheaper than 17 lookups.
CREATE OR REPLACE MACRO lim_uscc_sum(u, n) AS CASE WHEN n IS NOT NULL THEN (
          n // 10000000000000000 % 10
        + n // 1000000000000000 % 10 * 3
        + n // 100000000000000 % 10 * 9
        + n // 10000000000000 % 10 * 27
        + n // 1000000000000 % 10 * 19
        + n // 100000000000 % 10 * 26
        + n // 10000000000 % 10 * 16
        + n // 1000000000 % 10 * 17
        + n // 100000000 % 10 * 20
        + n // 10000000 % 10 * 29
        + n // 1000000 % 10 * 25
        + n // 100000 % 10 * 13
        + n // 10000 % 10 * 8
        + n // 1000 % 10 * 24
        + n // 100 % 10 * 10
        + n // 10 % 10 * 30
        + n // 1 % 10 * 28
    ) ELSE (
          (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', u[1]) - 1)
        + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', u[2]) - 1) * 3
        + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', u[3]) - 1) * 9
        + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', u[4]) - 1) * 27
        + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', u[5]) - 1) * 19
        + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', u[6]) - 1) * 26
        + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', u[7]) - 1) * 16
        + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', u[8]) - 1) * 17
        + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', u[9]) - 1) * 20
        + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', u[10]) - 1) * 29
        + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', u[11]) - 1) * 25
        + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', u[12]) - 1) * 13
        + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', u[13]) - 1) * 8
        + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', u[14]) - 1) * 24
        + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', u[15]) - 1) * 10
        + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', u[16]) - 1) * 30
        + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', u[17]) - 1) * 28
    ) END;
CREATE OR REPLACE MACRO lim_uscc_ok(u, n) AS regexp_full_match(u, '[0-9A-HJ-NPQRTUWXY]{18}')
    AND substr('0123456789ABCDEFGHJKLMNPQRTUWXY', (31 - lim_uscc_sum(u, n) % 31) % 31 + 1, 1) = u[18];
CREATE OR REPLACE MACRO lim_bad_date(field, t) AS
    field || ' ''' || t || ''' is not a date (2017-12-29, 2017/12/29, 2017.12.29, 2017年12月29日, 2023-07, 2023年7月)';

-- Regions -------------------------------------------------------------------------------------
-- Every reading of every region: its code, Chinese name with and without suffix, English name
-- with and without its suffix word, pinyin, and the aliases of region_aliases.csv. `codes` are
-- all regions a key reads as; `alias_codes` the alias's own, which decide a text that is
-- nothing but the alias (Fuzhou alone is 福州; written with Jiangxi it is 抚州, by `codes`).
CREATE OR REPLACE TEMP TABLE region_readings AS
WITH names AS (
    SELECT region_code, unnest([region_code, name_zh, short_name_zh, name_en, name_pinyin,
        regexp_replace(name_en, ' (New Area|District|County|City|Banner|Area)$', ''),
        regexp_replace(name_en, ' (District|County|City|Banner|Area)$', '')]) AS name
    FROM regions
), keyed AS (
    SELECT DISTINCT lim_key(name) AS key, region_code, false AS is_alias FROM names WHERE lim_key(name) IS NOT NULL
    UNION ALL
    SELECT DISTINCT lim_key(alias), region_code, true FROM aliases
)
SELECT key, list_sort(list_distinct(list(region_code))) AS codes,
    list_sort(list_distinct(list(region_code) FILTER (WHERE is_alias))) AS alias_codes
FROM keyed GROUP BY key;

-- Each region with itself and the regions it lies in (city, province, national).
CREATE OR REPLACE TEMP TABLE region_up AS
SELECT DISTINCT r.region_code, a.region_code AS up_code, a.region_code = r.region_code AS is_self, a.level AS up_level,
    a.name_zh AS up_name, a.short_name_zh AS up_short
FROM regions r, unnest([r.region_code, r.city_code, r.province_code, '000000']) AS u(code)
JOIN regions a ON a.region_code = u.code;

-- How a reason names a region: 440305 深圳市南山区.
CREATE OR REPLACE TEMP TABLE region_label AS
SELECT r.region_code, r.region_code || ' ' || coalesce(CASE WHEN r.level = 'district' THEN c.name_zh
    WHEN r.level = 'city' AND r.province_code <> r.region_code THEN p.name_zh END, '') || r.name_zh AS label
FROM regions r
LEFT JOIN regions c ON c.region_code = r.city_code AND r.city_code <> r.region_code
LEFT JOIN regions p ON p.region_code = r.province_code;

-- region_mentions (t, division, issuer) -> region_resolved (t, division, issuer, region_code, reason):
-- a text one region reads as is that region; a text several share resolves by the row's
-- context (the USCC's division code: the one candidate equal to it, above it or below it; an
-- issuer naming one candidate's city or province); a text no region reads may be a parent
-- written with its region (深圳市南山区, Shenzhen Nanshan, 广东省深圳市, 广东省深圳市南山区).
-- A context is '' where the row has none, and is only recorded for texts several regions
-- share: the resolution then sees thousands of mentions, not millions.
CREATE OR REPLACE TEMP TABLE region_mentions (t VARCHAR, division VARCHAR, issuer VARCHAR);

CREATE OR REPLACE TEMP TABLE shared_keys AS
SELECT key FROM region_readings WHERE len(coalesce(nullif(alias_codes, []), codes)) > 1;

INSERT INTO region_mentions
SELECT t, '', '' FROM (
    SELECT region AS t FROM read_parquet('@raw@/enterprises/*.parquet', union_by_name = true)
    UNION SELECT region FROM read_parquet('@raw@/compute/*.parquet', union_by_name = true)
    UNION SELECT region FROM read_parquet('@raw@/indicators/*.parquet', union_by_name = true)
) WHERE t IS NOT NULL;

-- Registry texts several regions share, with each division code they come with.
CREATE OR REPLACE TEMP TABLE ent_shared AS
SELECT DISTINCT e.region AS t, substr(upper(lim_text(e.uscc)), 3, 6) AS division
FROM read_parquet('@raw@/enterprises/*.parquet', union_by_name = true) e
SEMI JOIN (SELECT DISTINCT t FROM region_mentions WHERE lim_key(t) IN (SELECT key FROM shared_keys)) s ON s.t = e.region;

INSERT INTO region_mentions SELECT t, coalesce(division, ''), '' FROM ent_shared;

-- Policies: JSON lines to fields (the one place the text is parsed as JSON).
CREATE OR REPLACE TEMP TABLE pol_fields AS
WITH l AS (
    SELECT _file_id, _line, text,
        CASE WHEN NOT json_valid(text) THEN 'not valid JSON'
             WHEN json_type(text) <> 'OBJECT' THEN 'not a JSON object (one object per line)' END AS bad_json
    FROM read_parquet('@raw@/policies/*.parquet', union_by_name = true)
    WHERE text IS NOT NULL AND trim(text) <> ''
), v AS (
    SELECT _file_id, _line, text, bad_json,
        CASE WHEN bad_json IS NULL THEN json_extract_string(text, ['$.id', '$.title', '$.issuer', '$.region',
            '$.level', '$.published_on', '$.effective_on', '$.plan_period', '$.doc_type', '$.source',
            '$.source_quote']) END AS f,
        CASE WHEN bad_json IS NULL THEN json_extract(text, '$.topics') END AS topics
    FROM l
)
SELECT _file_id, _line, text, bad_json, f[1] AS id, f[2] AS title, f[3] AS issuer, f[4] AS region,
    f[5] AS level, f[6] AS published_on, f[7] AS effective_on, f[8] AS plan_period, f[9] AS doc_type,
    f[10] AS source, f[11] AS source_quote, topics
FROM v;

-- A policy's issuer is its region's context only where several regions share the region text.
CREATE OR REPLACE TEMP TABLE pol_shared AS
SELECT t FROM (SELECT DISTINCT region AS t FROM pol_fields WHERE region IS NOT NULL)
WHERE lim_key(t) IN (SELECT key FROM shared_keys);

INSERT INTO region_mentions
SELECT DISTINCT p.region, '', CASE WHEN s.t IS NOT NULL THEN coalesce(p.issuer, '') ELSE '' END
FROM pol_fields p LEFT JOIN pol_shared s ON s.t = p.region
WHERE p.bad_json IS NULL AND p.region IS NOT NULL;

CREATE OR REPLACE TEMP TABLE region_resolved AS
WITH m AS (
    SELECT DISTINCT t, division, issuer, lim_key(t) AS key FROM region_mentions
), direct AS (
    SELECT m.*, coalesce(nullif(r.alias_codes, []), r.codes) AS codes FROM m LEFT JOIN region_readings r USING (key)
), candidates AS (
    SELECT t, division, issuer, unnest(codes) AS code FROM direct WHERE len(codes) > 1
), picked AS (  -- the candidates the row's context points to
    SELECT t, division, issuer, list(DISTINCT code) AS picked FROM (
        SELECT c.* FROM candidates c JOIN region_up u ON u.region_code = c.division AND u.up_code = c.code
        UNION ALL
        SELECT c.* FROM candidates c JOIN region_up u ON u.region_code = c.code AND u.up_code = c.division
        UNION ALL
        SELECT c.* FROM candidates c JOIN region_up u ON u.region_code = c.code AND NOT u.is_self AND u.up_level <> 'national'
        WHERE c.issuer <> '' AND (contains(c.issuer, u.up_name) OR (length(u.up_short) >= 2 AND contains(c.issuer, u.up_short)))
    ) GROUP BY ALL
), splits AS (  -- a text no region reads: every way to cut it into parent + region
    SELECT DISTINCT d.key, substring(d.key, 1, i) AS p, substring(d.key, i + 1) AS s
    FROM direct d, range(1, length(d.key)) AS r(i)
    WHERE d.codes IS NULL
), prefixes AS (  -- the regions a prefix names: a reading, or itself a parent + region (广东省深圳市)
    SELECT x.p, unnest(r.codes) AS code FROM (SELECT DISTINCT p FROM splits) x JOIN region_readings r ON r.key = x.p
    UNION
    SELECT p, c2 FROM (
        SELECT x.p, unnest(r1.codes) AS c1, unnest(r2.codes) AS c2
        FROM (SELECT DISTINCT p FROM splits) x, range(1, length(x.p)) AS r(j)
        JOIN region_readings r1 ON r1.key = substring(x.p, 1, j)
        JOIN region_readings r2 ON r2.key = substring(x.p, j + 1)
    ) y JOIN region_up u ON u.region_code = y.c2 AND u.up_code = y.c1 AND NOT u.is_self
), split_found AS (
    SELECT key, list(DISTINCT x.code) AS found FROM (
        SELECT s.key, s.p, unnest(r.codes) AS code FROM splits s JOIN region_readings r ON r.key = s.s
    ) x
    JOIN prefixes p USING (p)
    JOIN region_up u ON u.region_code = x.code AND u.up_code = p.code AND NOT u.is_self
    GROUP BY key
), decided AS (
    SELECT d.t, d.division, d.issuer, d.codes, coalesce(p.picked, []) AS picked, coalesce(f.found, []) AS split,
        CASE WHEN len(d.codes) = 1 THEN d.codes[1]
             WHEN len(d.codes) > 1 AND len(p.picked) = 1 THEN p.picked[1]
             WHEN d.codes IS NULL AND len(f.found) = 1 THEN f.found[1] END AS region_code
    FROM direct d
    LEFT JOIN picked p USING (t, division, issuer)
    LEFT JOIN split_found f USING (key)
), named AS (  -- the candidates of what stays ambiguous, as a person reads them
    SELECT t, division, issuer, string_agg(l.label, ', ' ORDER BY l.region_code) AS names
    FROM (SELECT t, division, issuer, unnest(CASE WHEN len(codes) > 1 THEN codes ELSE split END) AS code
          FROM decided WHERE region_code IS NULL AND (len(codes) > 1 OR len(split) > 1)) x
    JOIN region_label l ON l.region_code = x.code
    GROUP BY ALL
)
SELECT d.t, d.division, d.issuer, d.region_code,
    CASE WHEN d.region_code IS NOT NULL THEN NULL
         WHEN n.names IS NOT NULL THEN 'region ''' || d.t || ''' is ambiguous: it names ' || n.names
            || CASE WHEN d.division <> '' THEN ' and the USCC''s division code ' || d.division || ' points to none alone'
                    WHEN d.issuer <> '' THEN ' and the issuer ''' || d.issuer || ''' names none alone'
                    ELSE '' END
         ELSE 'region ''' || d.t || ''' is no region name, code or alias' END AS reason
FROM decided d LEFT JOIN named n USING (t, division, issuer);

CREATE OR REPLACE TEMP TABLE region_plain AS
SELECT t, region_code, reason FROM region_resolved WHERE division = '' AND issuer = '';
CREATE OR REPLACE TEMP TABLE region_by_division AS
SELECT t, division, region_code, reason FROM region_resolved WHERE division <> '';
CREATE OR REPLACE TEMP TABLE region_by_issuer AS
SELECT t, issuer, region_code, reason FROM region_resolved WHERE issuer <> '';

-- Registry ------------------------------------------------------------------------------------
CREATE OR REPLACE TEMP TABLE ent_dates AS
SELECT t, lim_date(t) AS d FROM (
    SELECT registered_on AS t FROM read_parquet('@raw@/enterprises/*.parquet', union_by_name = true)
    UNION SELECT deregistered_on FROM read_parquet('@raw@/enterprises/*.parquet', union_by_name = true)
) WHERE t IS NOT NULL;

CREATE OR REPLACE TEMP TABLE ent_capitals AS
WITH c AS (
    SELECT t, lim_number_parts(t) AS p FROM (
        SELECT DISTINCT registered_capital AS t FROM read_parquet('@raw@/enterprises/*.parquet', union_by_name = true)
    ) WHERE NOT lim_empty(t)
)
SELECT c.t, lim_amount(c.p, 1) AS amount,
    CASE WHEN trim(c.p.unit) = '' THEN 'CNY' ELSE u.currency END AS currency
FROM c LEFT JOIN units u ON lower(u.unit) = lower(trim(c.p.unit)) AND u.kind = 'money';

SET VARIABLE ai_pattern = (
    SELECT string_agg(regexp_escape(keyword), '|') FROM read_csv('@seeds@/ai_keywords.csv', header = true, all_varchar = true)
);

COPY (
    WITH e0 AS (
        SELECT _file_id, _line, uscc, name, region, registered_on, deregistered_on, registered_capital,
            business_scope, upper(lim_text(uscc)) AS code, nullif(trim(name), '') AS name_t
        FROM read_parquet('@raw@/enterprises/*.parquet', union_by_name = true)
    ), e AS (
        SELECT *, CASE WHEN regexp_full_match(left(code, 17), '[0-9]{17}') THEN CAST(left(code, 17) AS BIGINT) END
            AS code_digits
        FROM e0
    ), j AS (
        SELECT e.*, coalesce(r1.region_code, r2.region_code) AS region_code, coalesce(r2.reason, r1.reason) AS region_reason,
            reg.d AS reg, dereg.d AS dereg, cap.amount AS cap_amount, cap.currency AS cap_currency
        FROM e
        LEFT JOIN region_plain r1 ON r1.t = e.region
        LEFT JOIN region_by_division r2 ON r2.t = e.region AND r2.division = substr(e.code, 3, 6)
        LEFT JOIN ent_dates reg ON reg.t = e.registered_on
        LEFT JOIN ent_dates dereg ON dereg.t = e.deregistered_on
        LEFT JOIN ent_capitals cap ON cap.t = e.registered_capital
    ), checked AS (
        SELECT *, CASE
            WHEN code IS NULL THEN 'uscc is empty'
            WHEN name_t IS NULL THEN 'name is empty'
            WHEN lim_empty(region) THEN 'region is empty'
            WHEN lim_empty(registered_on) THEN 'registered_on is empty'
            WHEN NOT lim_uscc_ok(code, code_digits) THEN 'uscc ''' || code || ''' is no valid GB 32100-2015 code (alphabet, length or check character)'
            WHEN region_code IS NULL THEN region_reason
            WHEN reg.value IS NULL THEN lim_bad_date('registered_on', registered_on)
            WHEN NOT lim_empty(deregistered_on) AND dereg.value IS NULL THEN lim_bad_date('deregistered_on', deregistered_on)
            WHEN dereg.value < reg.value THEN 'deregistered_on ' || dereg.value || ' is before registered_on ' || reg.value
            WHEN NOT lim_empty(registered_capital) AND (cap_amount IS NULL OR cap_currency IS NULL)
                THEN 'registered_capital ''' || registered_capital || ''' is no amount in a known currency (500万元人民币, 100万美元)'
            WHEN abs(cap_amount) >= 1e16 THEN 'registered_capital ''' || registered_capital || ''' is out of range'
        END AS _reject_reason
        FROM j
    )
    SELECT _file_id, _line, code AS uscc, region_code, reg.value AS registered_on, dereg.value AS deregistered_on,
        CASE WHEN _reject_reason IS NULL THEN regexp_matches(name_t, getvariable('ai_pattern'), 'i')
            OR coalesce(regexp_matches(business_scope, getvariable('ai_pattern'), 'i'), false) END AS is_ai_related,
        _reject_reason,
        CASE WHEN _reject_reason IS NOT NULL THEN concat_ws(',', uscc, name, region, registered_on, deregistered_on,
            registered_capital, business_scope) END AS _raw
    FROM checked
) TO '@stage@/enterprises.parquet' (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1);

-- The latest kept record per USCC (latest registered_on; a tie goes to the later file, then
-- the later line), with what the counts need. max_by over 5 million groups is several
-- times cheaper, in time and memory, on two BIGINTs than on structs, so both are packed:
-- the record as region number (12 bits) | registered_on (22) | deregistered_on + 1, 0 for
-- none (22) | AI (1), as days since 0001-01-01 (every 4-digit year fits); the order as
-- registered_on (22) | file number (9) | line (32). The guard stops on what would not fit.
CREATE OR REPLACE TEMP TABLE region_number AS
SELECT region_code, CAST(row_number() OVER (ORDER BY region_code) AS BIGINT) AS number FROM regions;

SELECT CASE WHEN max(_file_id) >= 512 OR max(_line) >= 4294967296 OR (SELECT max(number) FROM region_number) >= 4096
            THEN error('the limit packs file numbers in 9 bits, lines in 32 and region numbers in 12: too many') END
FROM read_parquet('@stage@/enterprises.parquet');

CREATE OR REPLACE TEMP TABLE latest AS
WITH records AS (
    SELECT s.uscc, CAST(s.registered_on - DATE '0001-01-01' AS BIGINT) AS reg,
        coalesce(CAST(s.deregistered_on - DATE '0001-01-01' AS BIGINT) + 1, 0) AS dereg,
        CAST(s.is_ai_related AS BIGINT) AS ai, n.number, CAST(s._file_id AS BIGINT) AS file, s._line
    FROM read_parquet('@stage@/enterprises.parquet') s JOIN region_number n USING (region_code)
    WHERE s._reject_reason IS NULL
), packed AS (
    SELECT max_by((number << 45) | (reg << 23) | (dereg << 1) | ai, (reg << 41) | (file << 32) | _line) AS p
    FROM records GROUP BY uscc
)
SELECT n.region_code, DATE '0001-01-01' + CAST((p >> 23) & 4194303 AS INTEGER) AS registered_on,
    CASE WHEN (p >> 1) & 4194303 > 0 THEN DATE '0001-01-01' + CAST(((p >> 1) & 4194303) - 1 AS INTEGER) END
        AS deregistered_on,
    (p & 1) = 1 AS is_ai_related
FROM packed JOIN region_number n ON n.number = p >> 45;

-- Compute events ---------------------------------------------------------------------------
COPY (
    WITH c AS (SELECT * FROM read_parquet('@raw@/compute/*.parquet', union_by_name = true)),
    j AS (
        SELECT c.*, r.region_code, r.reason AS region_reason, w.value AS event_value, lim_date(event_date) AS d,
            regexp_extract(upper(lim_text(capacity)),
                '^([0-9]+(?:\.[0-9]+)?)\s*(P|PFLOPS|E|EFLOPS|T|TFLOPS)\s*(?:\(\s*((?:FP|INT|BF|TF)[0-9]+)\s*\))?$',
                ['num', 'unit', 'precision']) AS cap,
            lim_number_parts(investment) AS inv
        FROM c
        LEFT JOIN region_plain r ON r.t = c.region
        LEFT JOIN words w ON w.vocabulary = 'event' AND w.word = lower(lim_text(c.event))
    ), v AS (
        SELECT j.*,
            CASE WHEN cap.num <> '' THEN CAST(TRY_CAST(cap.num AS DECIMAL(18, 4))
                * CASE left(cap.unit, 1) WHEN 'E' THEN 1000 WHEN 'T' THEN 0.001 ELSE 1 END AS DECIMAL(18, 4)) END AS pflops,
            lim_amount(inv, 1) AS inv_amount,
            CASE WHEN trim(inv.unit) = '' THEN 'CNY' ELSE u.currency END AS inv_currency
        FROM j LEFT JOIN units u ON lower(u.unit) = lower(trim(j.inv.unit)) AND u.kind = 'money'
    )
    SELECT _file_id, _line, lim_words(project) AS project_name, region_code, event_value AS event,
        d.value AS event_date, d.precision AS event_date_precision, pflops AS capacity_pflops,
        nullif(cap.precision, '') AS capacity_precision,
        CAST(CASE WHEN inv_currency = 'CNY' THEN inv_amount END AS DECIMAL(18, 2)) AS investment_cny,
        CASE
            WHEN lim_empty(project) THEN 'project is empty'
            WHEN lim_empty(region) THEN 'region is empty'
            WHEN lim_empty(event) THEN 'event is empty'
            WHEN lim_empty(event_date) THEN 'event_date is empty'
            WHEN region_code IS NULL THEN region_reason
            WHEN event_value IS NULL THEN 'event ''' || event || ''' is none of announced (签约/宣布), construction_started (开工), completed (竣工/峻工), operational (投运/上线)'
            WHEN d.value IS NULL THEN lim_bad_date('event_date', event_date)
            WHEN NOT lim_empty(capacity) AND pflops IS NULL THEN 'capacity ''' || capacity || ''' is no capacity (500P, 500 PFLOPS, 2E, 2 EFLOPS, 1000P(FP16))'
            WHEN NOT lim_empty(investment) AND (inv_amount IS NULL OR inv_currency IS NULL OR abs(inv_amount) >= 1e16)
                THEN 'investment ''' || investment || ''' is no amount of money (10亿元)'
        END AS _reject_reason,
        CASE WHEN _reject_reason IS NOT NULL  -- the raw row only where it is needed
            THEN concat_ws(',', project, region, event, event_date, capacity, investment, operator, source) END AS _raw
    FROM v
) TO '@stage@/compute.parquet' (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1);

CREATE OR REPLACE TEMP TABLE events AS
SELECT md5(region_code || '|' || project_name) AS project_id, project_name, region_code, event, event_date,
    CASE event WHEN 'announced' THEN 1 WHEN 'construction_started' THEN 2 WHEN 'completed' THEN 3 ELSE 4 END AS step,
    capacity_pflops, investment_cny
FROM read_parquet('@stage@/compute.parquet') WHERE _reject_reason IS NULL;

CREATE OR REPLACE TEMP TABLE projects AS
SELECT project_id, region_code, max(capacity_pflops) AS capacity_pflops, max(investment_cny) AS investment_cny,
    min(event_date) FILTER (WHERE event IN ('completed', 'operational')) AS first_completed_on
FROM events GROUP BY ALL;

-- Indicators -----------------------------------------------------------------------------------
COPY (
    WITH i AS (SELECT * FROM read_parquet('@raw@/indicators/*.parquet', union_by_name = true)),
    cells AS (  -- the value cell and the unit cell: a number, magnitudes in either, a base unit in either or both
        SELECT i.*, lim_number_parts(value) AS v,
            regexp_extract(coalesce(lim_text(unit), ''), '^([十百千万亿]*)\s*(.*)$', ['mag', 'unit']) AS u
        FROM i
    ), parsed AS (
        SELECT cells.*, r.region_code, r.reason AS region_reason, k.indicator_code, k.value_kind,
            lim_year(period) AS year,
            trim(v.unit) AS value_unit, trim(u.unit) AS unit_unit,
            -- a unit cell that repeats the value's own magnitude and unit (6.38万家 + 万家) adds nothing
            coalesce(lim_text(unit) = v.mag || trim(v.unit), false) AND v.mag <> '' AS repeats,
            lower(lim_text(is_forecast)) AS forecast_text
        FROM cells
        LEFT JOIN region_plain r ON r.t = cells.region
        LEFT JOIN (
            SELECT DISTINCT lower(trim(w)) AS word, indicator_code, value_kind FROM catalogue,
                unnest(list_prepend(indicator_code, string_split(labels_zh, '|'))) AS x(w)
        ) k ON k.word = lower(lim_text(cells.indicator))
    ), valued AS (
        SELECT parsed.*,
            lim_amount(v, CASE WHEN repeats THEN 1 ELSE lim_magnitude(u.mag) END) AS amount,
            CASE WHEN value_unit <> '' THEN value_unit ELSE unit_unit END AS base_unit,
            value_unit <> '' AND unit_unit <> '' AND value_unit <> unit_unit
                AND NOT EXISTS (SELECT 1 FROM units a JOIN units b ON a.kind = b.kind AND a.currency IS NOT DISTINCT FROM b.currency
                                WHERE lower(a.unit) = lower(value_unit) AND lower(b.unit) = lower(unit_unit)) AS conflict
        FROM parsed
    ), fitted AS (
        SELECT valued.*, bu.kind AS unit_kind, bu.currency AS unit_currency FROM valued
        LEFT JOIN units bu ON lower(bu.unit) = lower(valued.base_unit)
    )
    SELECT _file_id, _line, region_code, indicator_code, year AS period,
        CAST(CASE WHEN abs(amount) < 1e16 THEN amount END AS DECIMAL(18, 2)) AS value, value_kind,
        coalesce(forecast_text IN ('true', '是', 'yes', '1'), false) AS is_forecast,
        lim_words(source) AS source, lim_words(source_quote) AS source_quote,
        CASE
            WHEN lim_empty(region) THEN 'region is empty'
            WHEN lim_empty(indicator) THEN 'indicator is empty'
            WHEN lim_empty(period) THEN 'period is empty'
            WHEN lim_empty(value) THEN 'value is empty'
            WHEN region_code IS NULL THEN region_reason
            WHEN indicator_code IS NULL THEN 'indicator ''' || indicator || ''' is not in the catalogue'
            WHEN year IS NULL THEN 'period ''' || period || ''' is not a year (2023, 2023年)'
            WHEN amount IS NULL THEN 'value ''' || value || ''' is not a number'
            WHEN conflict THEN 'value ''' || value || ''' and unit ''' || unit || ''' name different units'
            WHEN abs(amount) >= 1e16 THEN 'value ''' || value || ''' is out of range'
            WHEN base_unit <> '' AND (unit_kind IS NULL
                 OR (value_kind = 'yuan' AND unit_currency IS DISTINCT FROM 'CNY')
                 OR (value_kind IN ('count', 'persons') AND unit_kind <> value_kind))
                THEN 'unit ''' || base_unit || ''' does not fit ' || indicator_code || ' (' || value_kind || ')'
            WHEN value_kind IN ('count', 'persons') AND amount <> round(amount)
                THEN 'value ''' || value || ''' is not a whole number'
            WHEN forecast_text IS NOT NULL AND forecast_text NOT IN ('true', 'false', '是', '否', 'yes', 'no', '1', '0')
                THEN 'is_forecast ''' || is_forecast || ''' is none of true/false/是/否'
        END AS _reject_reason,
        CASE WHEN _reject_reason IS NOT NULL
            THEN concat_ws(',', region, indicator, period, value, unit, is_forecast, source, source_quote) END AS _raw
    FROM fitted
) TO '@stage@/indicators.parquet' (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1);

CREATE OR REPLACE TEMP TABLE figures AS
SELECT * FROM read_parquet('@stage@/indicators.parquet') WHERE _reject_reason IS NULL;

-- Policies -------------------------------------------------------------------------------------
CREATE OR REPLACE TEMP TABLE pol_dates AS
SELECT t, lim_date(t) AS d FROM (
    SELECT published_on AS t FROM pol_fields UNION SELECT effective_on FROM pol_fields
) WHERE t IS NOT NULL;

COPY (
    WITH i AS (
        SELECT p.*, CASE WHEN s.t IS NOT NULL THEN coalesce(p.issuer, '') ELSE '' END AS region_issuer
        FROM pol_fields p LEFT JOIN pol_shared s ON s.t = p.region
    ), j AS (
        SELECT p.*,
            CASE WHEN p.region_issuer = '' THEN r1.region_code ELSE r2.region_code END AS region_code,
            CASE WHEN p.region_issuer = '' THEN r1.reason ELSE r2.reason END AS region_reason,
            lv.value AS level_value, dt.value AS doc_type_value, pd.d AS pub, ed.d AS eff, rg.level AS region_level,
            regexp_extract(lim_text(plan_period), '^([0-9]{4})\s*年?\s*(?:-|—|–|~|～|至|到)+\s*([0-9]{4})\s*年?$', ['a', 'b'])
                AS plan,
            CASE WHEN topics IS NULL OR json_type(topics) = 'NULL' THEN true
                 WHEN json_type(topics) = 'ARRAY' THEN coalesce(list_bool_and(list_transform(
                    json_extract(topics, '$[*]'), x -> json_type(x) = 'VARCHAR')), true)
                 ELSE false END AS topics_ok
        FROM i p
        LEFT JOIN region_plain r1 ON r1.t = p.region
        LEFT JOIN region_by_issuer r2 ON r2.t = p.region AND r2.issuer = p.region_issuer
        LEFT JOIN regions rg ON rg.region_code = CASE WHEN p.region_issuer = '' THEN r1.region_code ELSE r2.region_code END
        LEFT JOIN pol_dates pd ON pd.t = p.published_on
        LEFT JOIN pol_dates ed ON ed.t = p.effective_on
        LEFT JOIN words lv ON lv.vocabulary = 'level' AND lv.word = lower(lim_text(p.level))
        LEFT JOIN words dt ON dt.vocabulary = 'doc_type' AND dt.word = lower(lim_text(p.doc_type))
    )
    SELECT _file_id, _line,
        coalesce(lim_text(id), 'p_' || left(md5(trim(issuer) || '|' || trim(title) || '|' || CAST(pub.value AS VARCHAR)), 16))
            AS policy_id,
        region_code, coalesce(level_value, region_level) AS level,
        pub.value AS published_on, pub.precision AS published_on_precision, doc_type_value AS doc_type,
        lim_words(title) AS title, lim_words(issuer) AS issuer,
        CASE WHEN plan.a <> '' THEN CAST(plan.a AS INTEGER) END AS plan_start_year,
        CASE WHEN plan.a <> '' THEN CAST(plan.b AS INTEGER) END AS plan_end_year,
        CASE
            WHEN bad_json IS NOT NULL THEN bad_json
            WHEN lim_empty(title) THEN 'title is empty'
            WHEN lim_empty(issuer) THEN 'issuer is empty'
            WHEN lim_empty(region) THEN 'region is empty'
            WHEN lim_empty(published_on) THEN 'published_on is empty'
            WHEN lim_empty(doc_type) THEN 'doc_type is empty'
            WHEN region_code IS NULL THEN region_reason
            WHEN NOT lim_empty(level) AND level_value IS NULL THEN 'level ''' || level || ''' is none of national/province/city/district'
            WHEN pub.value IS NULL THEN lim_bad_date('published_on', published_on)
            WHEN NOT lim_empty(effective_on) AND eff.value IS NULL THEN lim_bad_date('effective_on', effective_on)
            WHEN NOT lim_empty(plan_period) AND (plan.a = '' OR plan.a > plan.b)
                THEN 'plan_period ''' || plan_period || ''' is no period like 2018-2025年'
            WHEN doc_type_value IS NULL THEN 'doc_type ''' || doc_type || ''' is none of plan, measures, regulation, notice, speech, agreement, other'
            WHEN NOT topics_ok THEN 'topics is not a list of strings'
        END AS _reject_reason,
        CASE WHEN _reject_reason IS NOT NULL THEN text END AS _raw
    FROM j
) TO '@stage@/policies.parquet' (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1);

-- One row per document: the first landed copy of each policy_id.
CREATE OR REPLACE TEMP TABLE documents AS
SELECT * FROM read_parquet('@stage@/policies.parquet') WHERE _reject_reason IS NULL
QUALIFY row_number() OVER (PARTITION BY policy_id ORDER BY _file_id, _line) = 1;

-- audit.rejected_rows --------------------------------------------------------------------------
CREATE SCHEMA IF NOT EXISTS audit;
CREATE OR REPLACE TABLE audit.rejected_rows AS
SELECT r.source, f.file, r.line, r.raw, r.reason, f.sha256 AS file_hash FROM (
    SELECT source, file_id, line, raw, reason FROM lim_structural
    UNION ALL SELECT 'enterprises', _file_id, _line, _raw, _reject_reason FROM read_parquet('@stage@/enterprises.parquet') WHERE _reject_reason IS NOT NULL
    UNION ALL SELECT 'compute', _file_id, _line, _raw, _reject_reason FROM read_parquet('@stage@/compute.parquet') WHERE _reject_reason IS NOT NULL
    UNION ALL SELECT 'indicators', _file_id, _line, _raw, _reject_reason FROM read_parquet('@stage@/indicators.parquet') WHERE _reject_reason IS NOT NULL
    UNION ALL SELECT 'policies', _file_id, _line, _raw, _reject_reason FROM read_parquet('@stage@/policies.parquet') WHERE _reject_reason IS NOT NULL
) r JOIN lim_files f ON f.file_id = r.file_id
ORDER BY r.source, f.file, r.line;

-- The marts ---------------------------------------------------------------------------------------
CREATE SCHEMA IF NOT EXISTS marts;

CREATE OR REPLACE TABLE marts.dim_region AS
SELECT region_code, name_zh, name_en, level, province_code, city_code FROM regions;

-- The region x year panel: every region a source mentions (registry and compute rows with the
-- regions they lie in), every year from the first to the last actual mention, and the pairs
-- only forecasts mention.
CREATE OR REPLACE TEMP TABLE mentions AS
SELECT region_code, period AS year, is_forecast FROM figures
UNION ALL SELECT region_code, year(published_on), false FROM documents
UNION ALL SELECT u.up_code, e.year, false
    FROM (SELECT DISTINCT region_code, year(event_date) AS year FROM events) e JOIN region_up u USING (region_code)
UNION ALL SELECT u.up_code, l.year, false
    FROM (SELECT DISTINCT region_code, year(registered_on) AS year FROM latest) l JOIN region_up u USING (region_code);

-- The years actual (not forecast) figures, registrations, documents and events span: the
-- panel's years, and the only ones the modu index ranks.
CREATE OR REPLACE TEMP TABLE actual_span AS
SELECT min(year) AS first_year, max(year) AS last_year FROM mentions WHERE NOT is_forecast;

CREATE OR REPLACE TEMP TABLE panel AS
SELECT DISTINCT region_code, CAST(year AS INTEGER) AS year FROM (
    SELECT m.region_code, y.year FROM (SELECT DISTINCT region_code FROM mentions) m, actual_span s,
        range(s.first_year, s.last_year + 1) AS y(year)
    UNION ALL SELECT region_code, year FROM mentions
);

-- AI enterprises at each year's end in the region or within it: +1 in the year one registers,
-- -1 in the year it is deregistered, summed up to the year.
CREATE OR REPLACE TEMP TABLE ai_counts AS
WITH changes AS (
    SELECT u.up_code AS region_code, c.year, sum(c.delta) AS delta
    FROM (
        SELECT region_code, year(registered_on) AS year, count(*) AS delta FROM latest WHERE is_ai_related GROUP BY ALL
        UNION ALL
        SELECT region_code, year(deregistered_on), -count(*) FROM latest
        WHERE is_ai_related AND deregistered_on IS NOT NULL GROUP BY ALL
    ) c JOIN region_up u USING (region_code)
    GROUP BY ALL
), covered AS (
    SELECT DISTINCT u.up_code AS region_code FROM (SELECT DISTINCT region_code FROM latest) l JOIN region_up u USING (region_code)
)
SELECT p.region_code, p.year, CAST(coalesce(sum(c.delta), 0) AS BIGINT) AS ai_enterprise_count
FROM panel p JOIN covered USING (region_code)
LEFT JOIN changes c ON c.region_code = p.region_code AND c.year <= p.year
GROUP BY p.region_code, p.year;

-- Figures by source precedence: one citing its source sentence first, then the later file, then the later line.
CREATE OR REPLACE TEMP TABLE chosen AS
SELECT * FROM figures WHERE NOT is_forecast
QUALIFY row_number() OVER (PARTITION BY region_code, indicator_code, period
                           ORDER BY (source_quote IS NOT NULL) DESC, _file_id DESC, _line DESC) = 1;

-- A project's status at a date is its latest event on or before it (same day: lifecycle order).
CREATE OR REPLACE TEMP TABLE year_end_status AS
WITH dates AS (SELECT DISTINCT make_date(year, 12, 31) AS as_of FROM panel)
SELECT d.as_of, e.project_id, e.region_code, e.event IN ('completed', 'operational') AS completed
FROM dates d JOIN events e ON e.event_date <= d.as_of
QUALIFY row_number() OVER (PARTITION BY d.as_of, e.project_id ORDER BY e.event_date DESC, e.step DESC) = 1;

CREATE OR REPLACE TABLE marts.city_indicators AS
WITH published AS (
    SELECT region_code, period AS year,
        max(value) FILTER (WHERE indicator_code = 'ai_enterprise_count') AS ai_count,
        max(value) FILTER (WHERE indicator_code = 'ai_industry_output_cny') AS ai_output
    FROM chosen GROUP BY ALL
), policies AS (
    SELECT region_code, year(published_on) AS year, count(*) AS n FROM documents GROUP BY ALL
), compute_regions AS (
    SELECT DISTINCT u.up_code AS region_code FROM projects p JOIN region_up u USING (region_code)
), capacity AS (
    SELECT u.up_code AS region_code, year(s.as_of) AS year, sum(p.capacity_pflops) FILTER (WHERE s.completed) AS pflops
    FROM year_end_status s JOIN projects p USING (project_id) JOIN region_up u ON u.region_code = s.region_code
    GROUP BY ALL
)
SELECT panel.region_code, r.name_zh AS region_name_zh, r.level, panel.year,
    c.ai_enterprise_count,
    CAST(published.ai_count AS BIGINT) AS ai_enterprise_count_published,
    CASE WHEN prev.ai_enterprise_count > 0 AND c.ai_enterprise_count IS NOT NULL
         THEN (c.ai_enterprise_count - prev.ai_enterprise_count) / prev.ai_enterprise_count END AS ai_enterprise_yoy_growth,
    published.ai_output AS ai_industry_output_cny,
    coalesce(policies.n, 0) AS policy_count,
    CAST(CASE WHEN compute_regions.region_code IS NOT NULL THEN coalesce(capacity.pflops, 0) END AS DECIMAL(18, 4))
        AS compute_capacity_pflops
FROM panel
JOIN regions r USING (region_code)
LEFT JOIN ai_counts c ON c.region_code = panel.region_code AND c.year = panel.year
LEFT JOIN ai_counts prev ON prev.region_code = panel.region_code AND prev.year = panel.year - 1
LEFT JOIN published ON published.region_code = panel.region_code AND published.year = panel.year
LEFT JOIN policies ON policies.region_code = panel.region_code AND policies.year = panel.year
LEFT JOIN compute_regions ON compute_regions.region_code = panel.region_code
LEFT JOIN capacity ON capacity.region_code = panel.region_code AND capacity.year = panel.year;

CREATE OR REPLACE TABLE marts.policy_timeline AS
SELECT policy_id, region_code, level, published_on, published_on_precision, doc_type, title, issuer,
    plan_start_year, plan_end_year,
    datediff('day', lag(published_on) OVER (PARTITION BY region_code ORDER BY published_on, policy_id), published_on)
        AS days_since_previous_in_region
FROM documents;

CREATE OR REPLACE TABLE marts.policy_cadence AS
WITH years AS (
    SELECT region_code, CAST(year(published_on) AS INTEGER) AS year, count(*) AS policy_count,
        min(published_on) AS first_published_on, max(published_on) AS last_published_on,
        CAST(median(days_since_previous_in_region) AS DOUBLE) AS median_gap_days
    FROM marts.policy_timeline GROUP BY ALL
), plans AS (
    SELECT region_code, plan_start_year, plan_end_year FROM marts.policy_timeline
    WHERE doc_type = 'plan' AND plan_start_year IS NOT NULL
)
SELECT y.region_code, y.year, y.policy_count, y.first_published_on, y.last_published_on, y.median_gap_days,
    count(plans.region_code) AS plans_in_force
FROM years y
LEFT JOIN plans ON plans.region_code = y.region_code AND y.year BETWEEN plans.plan_start_year AND plans.plan_end_year
GROUP BY ALL;

CREATE OR REPLACE TABLE marts.compute_buildout AS
WITH months AS (
    SELECT region_code, CAST(date_trunc('month', event_date) AS DATE) AS month,
        count(*) FILTER (WHERE event = 'announced') AS projects_announced,
        count(*) FILTER (WHERE event = 'construction_started') AS projects_started,
        count(*) FILTER (WHERE event IN ('completed', 'operational')) AS projects_completed
    FROM events GROUP BY ALL
), completed_in AS (  -- a project's capacity counts once, in the month it first became completed or operational
    SELECT region_code, CAST(date_trunc('month', first_completed_on) AS DATE) AS month, sum(capacity_pflops) AS pflops
    FROM projects WHERE first_completed_on IS NOT NULL GROUP BY ALL
), announced AS (
    SELECT a.region_code, a.month, sum(p.investment_cny) AS cny
    FROM (SELECT DISTINCT region_code, project_id, CAST(date_trunc('month', event_date) AS DATE) AS month
          FROM events WHERE event = 'announced') a
    JOIN projects p USING (project_id, region_code) GROUP BY ALL
), month_end AS (  -- each project of the region at the month's end: its latest event on or before it
    SELECT m.region_code, m.month, e.project_id, e.event
    FROM months m JOIN events e ON e.region_code = m.region_code AND e.event_date <= last_day(m.month)
    QUALIFY row_number() OVER (PARTITION BY m.region_code, m.month, e.project_id
                               ORDER BY e.event_date DESC, e.step DESC) = 1
), cumulative AS (
    SELECT x.region_code, x.month, sum(p.capacity_pflops) FILTER (WHERE x.event IN ('completed', 'operational')) AS pflops
    FROM month_end x JOIN projects p USING (project_id) GROUP BY ALL
)
SELECT m.region_code, m.month, m.projects_announced, m.projects_started, m.projects_completed,
    CAST(coalesce(c.pflops, 0) AS DECIMAL(18, 4)) AS capacity_completed_pflops,
    CAST(coalesce(u.pflops, 0) AS DECIMAL(18, 4)) AS cumulative_capacity_pflops,
    CAST(a.cny AS DECIMAL(18, 2)) AS investment_announced_cny
FROM months m
LEFT JOIN completed_in c USING (region_code, month)
LEFT JOIN cumulative u USING (region_code, month)
LEFT JOIN announced a USING (region_code, month);

-- The modu index (weights and method as the mart documents them): each component the city's
-- cume_dist among the year's cities, 0 without a value; score 100 x the weighted sum. Only
-- years with actual data take part: a year only a forecast mentions is no index year.
CREATE OR REPLACE TABLE marts.modu_index AS
WITH cities AS (
    SELECT * FROM marts.city_indicators, actual_span s
    WHERE level = 'city' AND year BETWEEN s.first_year AND s.last_year
      AND (ai_enterprise_count IS NOT NULL OR ai_enterprise_yoy_growth IS NOT NULL
           OR policy_count > 0 OR compute_capacity_pflops > 0)
), parts AS (
    SELECT region_code, year, ai_enterprise_count, ai_enterprise_yoy_growth, policy_count, compute_capacity_pflops,
        CASE WHEN ai_enterprise_count IS NOT NULL
             THEN cume_dist() OVER (PARTITION BY year ORDER BY ai_enterprise_count NULLS FIRST) ELSE 0 END AS scale_component,
        CASE WHEN ai_enterprise_yoy_growth IS NOT NULL
             THEN cume_dist() OVER (PARTITION BY year ORDER BY ai_enterprise_yoy_growth NULLS FIRST) ELSE 0 END AS growth_component,
        CASE WHEN policy_count > 0
             THEN cume_dist() OVER (PARTITION BY year ORDER BY policy_count) ELSE 0 END AS policy_component,
        CASE WHEN compute_capacity_pflops > 0
             THEN cume_dist() OVER (PARTITION BY year ORDER BY compute_capacity_pflops NULLS FIRST) ELSE 0 END AS compute_component
    FROM cities
), scored AS (
    SELECT *, round(100 * (0.35 * scale_component + 0.25 * growth_component + 0.20 * policy_component
                           + 0.20 * compute_component), 6) AS score
    FROM parts
)
SELECT region_code, CAST(year AS INTEGER) AS year, score,
    CAST(rank() OVER (PARTITION BY year ORDER BY score DESC) AS INTEGER) AS rank,
    scale_component, growth_component, policy_component, compute_component,
    ai_enterprise_count, ai_enterprise_yoy_growth, policy_count, compute_capacity_pflops
FROM scored;

CREATE OR REPLACE TABLE marts.published_figures AS
SELECT region_code, indicator_code AS indicator, period, value, value_kind, is_forecast, source, source_quote,
    (SELECT file FROM lim_files WHERE file_id = _file_id) AS source_file, _line AS source_line
FROM figures
QUALIFY row_number() OVER (PARTITION BY region_code, indicator_code, period, is_forecast
                           ORDER BY (source_quote IS NOT NULL) DESC, _file_id DESC, _line DESC) = 1;

-- Every published actual figure the warehouse can compute too, beside its computed value.
CREATE OR REPLACE TABLE marts.figure_reconciliation AS
WITH published AS (
    SELECT * FROM figures
    WHERE NOT is_forecast AND indicator_code IN ('ai_enterprise_count', 'ai_enterprise_increase', 'compute_centre_city_count')
), increase AS (  -- a stated increase: the same region's count against its latest earlier published count
    SELECT l.region_code, l.period, l.value - e.value AS value, e.period AS base_period
    FROM chosen l JOIN chosen e ON e.region_code = l.region_code AND e.indicator_code = l.indicator_code AND e.period < l.period
    WHERE l.indicator_code = 'ai_enterprise_count'
    QUALIFY row_number() OVER (PARTITION BY l.region_code, l.period ORDER BY e.period DESC) = 1
), compute_years AS (
    SELECT year(event_date) AS year, count(DISTINCT region_code) AS n FROM events GROUP BY ALL
), computed AS (
    SELECT p.*, CAST(CASE p.indicator_code
            WHEN 'ai_enterprise_count' THEN c.ai_enterprise_count
            WHEN 'ai_enterprise_increase' THEN i.value
            WHEN 'compute_centre_city_count' THEN y.n END AS DECIMAL(18, 2)) AS computed_value,
        CASE p.indicator_code
            WHEN 'ai_enterprise_count' THEN 'registry: AI-related enterprises at the year''s end'
            WHEN 'ai_enterprise_increase' THEN 'published count ' || p.period || ' minus published count ' || i.base_period
            WHEN 'compute_centre_city_count' THEN 'regions with a compute-centre event in the year' END AS computed_from
    FROM published p
    LEFT JOIN marts.city_indicators c ON p.indicator_code = 'ai_enterprise_count' AND c.region_code = p.region_code AND c.year = p.period
    LEFT JOIN increase i ON p.indicator_code = 'ai_enterprise_increase' AND i.region_code = p.region_code AND i.period = p.period
    LEFT JOIN compute_years y ON p.indicator_code = 'compute_centre_city_count' AND y.year = p.period
)
SELECT region_code, indicator_code AS indicator, period, value AS published_value, computed_value,
    CAST(computed_value - value AS DECIMAL(18, 2)) AS difference,
    CASE WHEN computed_value IS NULL THEN 'not_computable' WHEN computed_value = value THEN 'match' ELSE 'mismatch' END
        AS status,
    computed_from, source, source_quote, (SELECT file FROM lim_files WHERE file_id = _file_id) AS source_file,
    _line AS source_line
FROM computed;
