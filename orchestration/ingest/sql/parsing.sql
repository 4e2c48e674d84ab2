-- Value parsing for every raw source, as DuckDB macros.
--
-- Why SQL and not Python: the enterprise registry runs to millions of rows and must
-- be parsed set-based; one set of macros then serves all four sources so a rule lives
-- in one place. Tests check these macros against independent implementations
-- (python-stdnum for the USCC check; hand-computed values elsewhere:
-- tests/test_ingest_values.py).
--
-- Every macro returns NULL for empty input and a value or NULL for present input;
-- callers tell "absent" from "unparseable" by checking the input too.

-- Full-width digits and punctuation to ASCII, trimmed, '' to NULL. translate() over
-- multi-byte characters is slow, so it runs only on text that has one of them.
CREATE OR REPLACE MACRO modu_clean(s) AS
    nullif(trim(CASE WHEN regexp_matches(s, '[０-９．，－／：（）　＋]')
                     THEN translate(s, '０１２３４５６７８９．，－／：（）　＋', '0123456789.,-/:() +')
                     ELSE s END), '');

-- Chinese magnitude word to its multiplier: a run of 十 百 千 万 亿 multiplies
-- (千亿 = 1e11, 万亿 = 1e12); '' is 1. NULL for anything else.
CREATE OR REPLACE MACRO modu_magnitude(word) AS
    CASE WHEN word = '' THEN 1::HUGEINT
         WHEN regexp_full_match(word, '[十百千万亿]+') THEN
            list_reduce(list_transform(string_split(word, ''),
                c -> CASE c WHEN '十' THEN 10::HUGEINT WHEN '百' THEN 100::HUGEINT
                            WHEN '千' THEN 1000::HUGEINT WHEN '万' THEN 10000::HUGEINT
                            ELSE 100000000::HUGEINT END),
                (a, b) -> a * b)
    END;

-- The parsers below are plain expressions, never subqueries: a subquery in a macro
-- becomes a correlated join per call, which made the registry parse 20x slower. A
-- macro argument repeated in the body is computed once (DuckDB eliminates common
-- subexpressions).

-- '6.38万家' -> {amount: 63800, unit: '家'}; '1,500' -> {1500, ''}; '3821亿元' -> {382100000000, '元'};
-- a bare magnitude word counts one of it ('万亿元' -> 1e12, as in 产业将达到万亿元).
-- amount is NULL when the text is not a number with an optional magnitude word and unit.
-- Numbers are read as DECIMAL(38, 6): a plain 15- or 16-digit amount of yuan parses,
-- however many digits it has; callers check the range they store.
CREATE OR REPLACE MACRO modu_quantity_parts(s) AS
    regexp_extract(modu_clean(s),
        '^([+-]?[0-9][0-9,]*(?:\.[0-9]+)?|[+-]?\.[0-9]+|)\s*([十百千万亿]*)\s*(.*)$',
        ['num', 'mag', 'unit']);

CREATE OR REPLACE MACRO modu_quantity_of(m) AS {
    'amount': CASE
        WHEN m.num = '' AND m.mag <> '' THEN CAST(modu_magnitude(m.mag) AS DECIMAL(38, 6))
        WHEN m.num <> '' AND regexp_full_match(m.num, '[+-]?[0-9]{1,3}(,[0-9]{3})*(\.[0-9]+)?|[+-]?[0-9]*(\.[0-9]+)?')
            THEN CAST(try_cast(replace(m.num, ',', '') AS DECIMAL(38, 6)) * modu_magnitude(m.mag) AS DECIMAL(38, 6)) END,
    'unit': trim(m.unit)
};

CREATE OR REPLACE MACRO modu_quantity(s) AS modu_quantity_of(modu_quantity_parts(s));

-- A unit cell: an optional magnitude word, then the base unit ('万家' -> {mag: '万', unit: '家'};
-- '元' -> {'', '元'}; '亿元' -> {'亿', '元'}).
CREATE OR REPLACE MACRO modu_unit_parts(s) AS
    regexp_extract(modu_clean(s), '^([十百千万亿]*)\s*(.*)$', ['mag', 'unit']);

-- Dates: 2017-12-29, 2017/12/29, 2017.12.29, 2017年12月29日 (day); 2023-07, 2023年7月
-- (month, stored as the 1st); 2023, 2023年 (year, stored as 1 January; accepted beyond
-- the contract for documents the sources date only by year).
CREATE OR REPLACE MACRO modu_date_parts(s) AS
    regexp_extract(modu_clean(s),
        '^([0-9]{4})\s*(?:[-/.年]\s*([0-9]{1,2})\s*(?:[-/.月]\s*([0-9]{1,2})\s*日?|月)?)?\s*年?$',
        ['y', 'm', 'd']);

CREATE OR REPLACE MACRO modu_date_of(m) AS CASE
    WHEN m.y = '' THEN NULL
    WHEN m.d <> '' THEN {'value': try_cast(m.y || '-' || lpad(m.m, 2, '0') || '-' || lpad(m.d, 2, '0') AS DATE), 'precision': 'day'}
    WHEN m.m <> '' THEN {'value': try_cast(m.y || '-' || lpad(m.m, 2, '0') || '-01' AS DATE), 'precision': 'month'}
    ELSE {'value': try_cast(m.y || '-01-01' AS DATE), 'precision': 'year'}
END;

CREATE OR REPLACE MACRO modu_date(s) AS modu_date_of(modu_date_parts(s));

-- Years: 2023 or 2023年.
CREATE OR REPLACE MACRO modu_year(s) AS
    CASE WHEN regexp_full_match(modu_clean(s), '[0-9]{4}\s*年?')
         THEN CAST(left(modu_clean(s), 4) AS INTEGER) END;

-- Compute capacity to PFLOPS: 500P, 500 PFLOPS, 2E, 2 EFLOPS, 300T, 1000P(FP16). A sign is
-- parsed, not judged: a negative capacity reaches the quality checks, which reject it.
CREATE OR REPLACE MACRO modu_capacity_of(m) AS CASE WHEN m.num <> '' THEN {
    'pflops': CAST(try_cast(replace(m.num, ',', '') AS DECIMAL(18, 4))
              * CASE left(m.unit, 1) WHEN 'E' THEN 1000 WHEN 'T' THEN 0.001 ELSE 1 END AS DECIMAL(18, 4)),
    'precision': nullif(m.precision, '')
} END;

CREATE OR REPLACE MACRO modu_capacity(s) AS modu_capacity_of(regexp_extract(upper(modu_clean(s)),
    '^([+-]?[0-9][0-9,]*(?:\.[0-9]+)?)\s*(P|PFLOPS|E|EFLOPS|T|TFLOPS)\s*(?:\(\s*((?:FP|INT|BF|TF)[0-9]+)\s*\))?$',
    ['num', 'unit', 'precision']));

-- true/false/是/否/yes/no/1/0; NULL when not one of them.
CREATE OR REPLACE MACRO modu_bool(s) AS
    CASE WHEN lower(modu_clean(s)) IN ('true', 't', 'yes', 'y', '1', '是', '预测') THEN true
         WHEN lower(modu_clean(s)) IN ('false', 'f', 'no', 'n', '0', '否', '实际') THEN false END;

-- Plan period '2018-2025年', '2018—2030年', '2018至2030年', '2023-2025' -> {start_year, end_year}.
CREATE OR REPLACE MACRO modu_plan_period_of(m) AS CASE WHEN m.a <> '' AND m.a <= m.b
    THEN {'start_year': CAST(m.a AS INTEGER), 'end_year': CAST(m.b AS INTEGER)} END;

CREATE OR REPLACE MACRO modu_plan_period(s) AS modu_plan_period_of(regexp_extract(modu_clean(s),
    '^([0-9]{4})\s*年?\s*(?:-|—|–|~|～|至|到)+\s*([0-9]{4})\s*年?$', ['a', 'b']));

-- Unified social credit code (GB 32100-2015): 18 characters from the code's alphabet
-- (no I, O, S, V, Z) whose 18th is the check character of the first 17: weights
-- 3^i mod 31, check = (31 - weighted sum mod 31) mod 31. Spelled out term by term:
-- a list_transform over the positions was 5x slower on the registry.
CREATE OR REPLACE MACRO modu_uscc_check_ok(code) AS
    substr('0123456789ABCDEFGHJKLMNPQRTUWXY', CAST((31 - (
        (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(code, 1, 1)) - 1) * 1
        + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(code, 2, 1)) - 1) * 3
        + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(code, 3, 1)) - 1) * 9
        + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(code, 4, 1)) - 1) * 27
        + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(code, 5, 1)) - 1) * 19
        + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(code, 6, 1)) - 1) * 26
        + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(code, 7, 1)) - 1) * 16
        + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(code, 8, 1)) - 1) * 17
        + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(code, 9, 1)) - 1) * 20
        + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(code, 10, 1)) - 1) * 29
        + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(code, 11, 1)) - 1) * 25
        + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(code, 12, 1)) - 1) * 13
        + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(code, 13, 1)) - 1) * 8
        + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(code, 14, 1)) - 1) * 24
        + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(code, 15, 1)) - 1) * 10
        + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(code, 16, 1)) - 1) * 30
        + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(code, 17, 1)) - 1) * 28
    ) % 31) % 31 + 1 AS BIGINT), 1) = substr(code, 18, 1);

CREATE OR REPLACE MACRO modu_uscc_shape_ok(code) AS regexp_full_match(code, '[0-9A-HJ-NPQRTUWXY]{18}');

CREATE OR REPLACE MACRO modu_uscc_valid(code) AS modu_uscc_shape_ok(code) AND modu_uscc_check_ok(code);

-- A code (USCC, 6-digit region code) cleaned and upper-cased; the full-width translation
-- of modu_clean runs only on text that is not plain ASCII (byte length = character length).
CREATE OR REPLACE MACRO modu_clean_code(s) AS
    CASE WHEN strlen(s) = length(s) THEN nullif(upper(trim(s)), '') ELSE upper(modu_clean(s)) END;

-- Region text to its lookup key: lower case, no spaces, apostrophes, hyphens, dots or commas.
CREATE OR REPLACE MACRO modu_region_key(s) AS
    lower(regexp_replace(modu_clean(s), '[\s''’`.,\-]', '', 'g'));

-- A vocabulary word (doc_type, level, event, unit) to its lookup key: cleaned, lower case.
CREATE OR REPLACE MACRO modu_word_key(s) AS lower(modu_clean(s));

-- The reason a row's region did not resolve: ambiguous (the candidates are listed) or unknown.
CREATE OR REPLACE MACRO modu_region_reason(t, candidates) AS CASE
    WHEN candidates IS NOT NULL THEN 'region ''' || t || ''' is ambiguous (' || candidates
        || '): write it with its city or province (深圳市南山区, Shenzhen Nanshan) or use the 6-digit code'
    ELSE 'region ''' || t || ''' is unknown: not a region name, 6-digit code or alias '
        || '(add it to dbt_project/seeds/region_aliases.csv if it is a real region)'
END;

-- Date reasons name the forms the contract accepts.
CREATE OR REPLACE MACRO modu_date_reason(field, t) AS
    field || ' ''' || t || ''' is not a date (use 2017-12-29, 2017/12/29, 2017.12.29, 2017年12月29日, 2023-07 or 2023年7月)';

-- trim removes \p{Zs}, the space separators (' ', U+00A0, the full-width U+3000 ...; checked
-- over all of Unicode by tests/test_ingest_policy_parse.py). Testing both ends with a regex
-- first, so that trim ran only on a text with a space there, cost more than trim itself:
-- 0.13 s more in a 1.3M-row registry file's parse, no less on the policies. VARCHAR
-- whatever comes in (a JSON field's text is text).
CREATE OR REPLACE MACRO modu_trim(s) AS trim(CAST(s AS VARCHAR));

-- Trimmed, '' as NULL: a field's text (sources.py).
CREATE OR REPLACE MACRO modu_trimmed(s) AS nullif(modu_trim(s), '');

-- Empty, or nothing but spaces (full-width ones too). A text that begins with a character
-- trim keeps, the common case, takes the cheap test.
CREATE OR REPLACE MACRO modu_blank(s) AS CASE
    WHEN s IS NULL THEN true
    WHEN regexp_matches(s, '^[^\p{Zs}]') THEN false
    ELSE trim(s) = '' END;
