-- Lookup tables the parsers join to, built from the dbt seeds (the one home of every
-- region name, alias, vocabulary and unit). lookups.py makes the seeds readable as
-- the views seed_<name> before this file runs.

-- Every way a region may be written, as a lookup key (modu_region_key), and the kind
-- of name it is. A key resolves to the regions of its best (lowest) kind: the 6-digit
-- code (0), a hand-kept alias (1), the full Chinese name (2), the Chinese name without
-- its suffix (3), the English name with or without its suffix word, or its pinyin (4),
-- and last a name written with its parent region (5: 深圳市南山区, 深圳南山区,
-- Shenzhen Nanshan, 广东省深圳市南山区). Several regions sharing a key's best kind leave
-- the key ambiguous; regions.sql resolves it from the row's context or rejects it.
CREATE OR REPLACE TEMP TABLE region_forms AS
-- Each name's key is made once here: the qualified forms below join names by the hundred
-- thousand, and keying each name again in every pair took most of a second.
WITH zh AS (
    SELECT DISTINCT region_code, modu_region_key(name) AS key
    FROM (SELECT region_code, unnest([name_zh, short_name_zh]) AS name FROM seed_regions)
),
latin AS (
    -- English with its suffix word and without it (Nanshan District, Nanshan; Menglian
    -- Autonomous County, Menglian Autonomous; Pudong New Area, Pudong), and the pinyin of the
    -- Chinese name with its suffix (Pudongxinqu).
    SELECT DISTINCT region_code, modu_region_key(name) AS key FROM (
        SELECT region_code, unnest([name_en, regexp_replace(name_en, ' [A-Za-z]+$', ''),
                                    regexp_replace(name_en, ' New Area$', ''), name_pinyin]) AS name
        FROM seed_regions)
),
-- A region with the regions above it that a source may write before it: its city and its
-- province (a municipality is its own city and province, so it has none).
parents AS (
    SELECT region_code, city_code AS parent_code FROM seed_regions
    WHERE city_code IS NOT NULL AND city_code <> region_code
    UNION
    SELECT region_code, province_code FROM seed_regions
    WHERE province_code IS NOT NULL AND province_code <> region_code
),
-- A district written with both its province and its city (广东省深圳市南山区).
grandparents AS (
    SELECT region_code, province_code, city_code FROM seed_regions
    WHERE level = 'district' AND city_code IS NOT NULL AND city_code <> province_code
),
named AS (
    SELECT region_code AS key, region_code, 0 AS kind FROM seed_regions
    UNION ALL SELECT modu_region_key(alias), region_code, 1 FROM seed_region_aliases
    UNION ALL SELECT modu_region_key(name_zh), region_code, 2 FROM seed_regions
    UNION ALL SELECT modu_region_key(short_name_zh), region_code, 3 FROM seed_regions
    UNION ALL SELECT key, region_code, 4 FROM latin
    UNION ALL
    SELECT p.key || c.key, parents.region_code, 5
    FROM parents JOIN zh AS c ON c.region_code = parents.region_code JOIN zh AS p ON p.region_code = parents.parent_code
    UNION ALL
    SELECT p.key || c.key, parents.region_code, 5
    FROM parents JOIN latin AS c ON c.region_code = parents.region_code JOIN latin AS p ON p.region_code = parents.parent_code
    UNION ALL
    SELECT p.key || m.key || c.key, g.region_code, 5
    FROM grandparents AS g JOIN zh AS c ON c.region_code = g.region_code
    JOIN zh AS m ON m.region_code = g.city_code JOIN zh AS p ON p.region_code = g.province_code
    UNION ALL
    SELECT p.key || m.key || c.key, g.region_code, 5
    FROM grandparents AS g JOIN latin AS c ON c.region_code = g.region_code
    JOIN latin AS m ON m.region_code = g.city_code JOIN latin AS p ON p.region_code = g.province_code
)
SELECT DISTINCT key, region_code, kind FROM named WHERE key IS NOT NULL AND key <> '';

-- One row per key: the regions of its best kind.
CREATE OR REPLACE TEMP TABLE region_keys AS
SELECT key, list(region_code ORDER BY region_code) AS codes
FROM (SELECT * FROM region_forms QUALIFY kind = min(kind) OVER (PARTITION BY key))
GROUP BY key;

-- Names a row's other text (a policy's issuer) may carry to say which region it means:
-- any name of the region itself (qualified ones included) and the names of the regions
-- above it. regions.sql weighs a match by its length: 深圳市南山区人民政府 names 440305 by
-- 深圳市南山区 (6), and Hegang's 230404 only by the shared 南山区 (3).
CREATE OR REPLACE TEMP TABLE region_context_names AS
SELECT DISTINCT region_code, key FROM (
    SELECT region_code, key FROM region_forms WHERE kind > 0
    UNION ALL
    SELECT r.region_code, modu_region_key(unnest([a.name_zh, a.short_name_zh, a.name_en]))
    -- An equi-join on each parent code (an IN join compared every pair of regions).
    FROM (SELECT DISTINCT region_code, unnest([city_code, province_code]) AS parent_code FROM seed_regions) AS r
    JOIN seed_regions AS a ON a.region_code = r.parent_code AND a.region_code <> r.region_code
) WHERE length(key) >= 2;

-- How a region is named in a reason a person reads: with its parent (深圳市南山区).
CREATE OR REPLACE TEMP TABLE region_display AS
SELECT r.region_code, r.level,
    coalesce(CASE WHEN r.level = 'district' THEN c.name_zh WHEN r.level = 'city' AND p.region_code <> r.region_code
                  THEN p.name_zh END, '') || r.name_zh AS display
FROM seed_regions AS r
LEFT JOIN seed_regions AS c ON c.region_code = r.city_code AND c.region_code <> r.region_code
LEFT JOIN seed_regions AS p ON p.region_code = r.province_code;

-- Indicator codes and their Chinese labels (case-insensitive).
CREATE OR REPLACE TEMP TABLE indicator_lookup AS
SELECT DISTINCT lower(key) AS key, indicator_code, value_kind FROM (
    SELECT indicator_code AS key, indicator_code, value_kind FROM seed_indicator_catalogue
    UNION ALL
    SELECT trim(unnest(string_split(labels_zh, '|'))), indicator_code, value_kind FROM seed_indicator_catalogue
);

-- Vocabulary words (the value itself and its synonyms) to the value, per vocabulary.
CREATE OR REPLACE TEMP TABLE vocabulary AS
WITH words AS (
    SELECT 'level' AS vocabulary, level AS value, synonyms FROM seed_levels
    UNION ALL SELECT 'doc_type', doc_type, synonyms FROM seed_doc_types
    UNION ALL SELECT 'event', event, synonyms FROM seed_compute_events
)
SELECT DISTINCT vocabulary, modu_word_key(word) AS key, value FROM (
    SELECT vocabulary, value AS word, value FROM words
    UNION ALL
    SELECT vocabulary, unnest(string_split(coalesce(synonyms, ''), '|')), value FROM words
) WHERE modu_word_key(word) IS NOT NULL;

-- Base units (家, 元, 美元, USD ...) to what they measure; matching ignores case.
CREATE OR REPLACE TEMP TABLE unit_lookup AS
SELECT DISTINCT modu_word_key(unit) AS key, kind, currency FROM seed_units;
