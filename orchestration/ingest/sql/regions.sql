-- Region resolution, once per distinct mention (a landed file has a few thousand
-- distinct region texts against millions of rows).
--
-- Reads region_mentions(t, ctx_code, ctx_text): each distinct region text with the
-- context its row carries: ctx_code, an administrative division code the row states
-- elsewhere (a registry row's USCC, characters 3-8), and ctx_text, a text that may name
-- the region (a policy's issuer). Writes region_resolved with one row per mention:
-- region_code when the text names one region, or else the candidates for the reason.
--
-- A text whose key has one region is that region, whatever the context says (the region
-- column is where the row is). A key several regions share is resolved by the context:
-- each candidate scores by how well the division code agrees with it (same code 3, same
-- city 2, same province 1) and, next, by the longest of its names (or its parents') the
-- text contains (深圳市南山区人民政府 names Shenzhen's 南山区 by 深圳市南山区, Hegang's only by
-- the shared 南山区). The single best candidate with a score wins. Nothing else decides:
-- a shared name with no context (a bare 西安, also two districts' name) stays ambiguous,
-- is rejected, and its reason lists the candidates.

CREATE OR REPLACE TEMP TABLE region_resolved AS
WITH mentions AS (
    -- '' for an absent context, so that mentions join on it (NULL equals nothing).
    SELECT DISTINCT t, coalesce(ctx_code, '') AS ctx_code, coalesce(ctx_text, '') AS ctx_text
    FROM region_mentions WHERE t IS NOT NULL
),
-- A text comes with each of its contexts; its key is made once.
texts AS (
    SELECT t, modu_region_key(t) AS key FROM (SELECT DISTINCT t FROM mentions)
),
known AS (
    SELECT m.*, k.codes FROM mentions AS m JOIN texts USING (t) LEFT JOIN region_keys AS k USING (key)
),
candidates AS (
    SELECT t, ctx_code, ctx_text, unnest(codes) AS region_code FROM known WHERE len(codes) > 1
),
-- A context text's key, made once per text rather than once per (candidate, name) pair.
context_keys AS (
    SELECT ctx_text, modu_region_key(ctx_text) AS ctx_key
    FROM (SELECT DISTINCT ctx_text FROM candidates WHERE ctx_text <> '')
),
named_in_text AS (
    SELECT c.t, c.ctx_code, c.ctx_text, c.region_code, max(length(n.key)) AS weight
    FROM candidates AS c
    JOIN context_keys AS x USING (ctx_text)
    JOIN region_context_names AS n ON n.region_code = c.region_code AND contains(x.ctx_key, n.key)
    GROUP BY ALL
),
scored AS (
    SELECT c.*,
        1000 * CASE WHEN c.ctx_code IS NULL OR NOT regexp_full_match(c.ctx_code, '[0-9]{6}') THEN 0
                  WHEN c.region_code = c.ctx_code THEN 3
                  WHEN left(c.region_code, 4) = left(c.ctx_code, 4) THEN 2
                  WHEN left(c.region_code, 2) = left(c.ctx_code, 2) THEN 1
                  ELSE 0 END
        + coalesce(n.weight, 0) AS score
    FROM candidates AS c
    LEFT JOIN named_in_text AS n USING (t, ctx_code, ctx_text, region_code)
),
decided AS (
    SELECT t, ctx_code, ctx_text,
        CASE WHEN count(*) FILTER (WHERE best) = 1 AND max(score) > 0
             THEN any_value(region_code) FILTER (WHERE best) END AS region_code
    FROM (SELECT *, score = max(score) OVER (PARTITION BY t, ctx_code, ctx_text) AS best FROM scored)
    GROUP BY ALL
),
-- The candidates of a text, as its reason names them, once per text: a correlated
-- subquery per mention (list_contains over every region) took 0.3 s a policies file.
candidate_names AS (
    SELECT c.t, string_agg(rd.region_code || ' ' || rd.display, ', ' ORDER BY rd.region_code) AS names
    FROM (SELECT DISTINCT t, region_code FROM candidates) AS c
    JOIN region_display AS rd USING (region_code)
    GROUP BY c.t
)
SELECT k.t, nullif(k.ctx_code, '') AS ctx_code, nullif(k.ctx_text, '') AS ctx_text,
    CASE WHEN len(k.codes) = 1 THEN k.codes[1] ELSE d.region_code END AS region_code,
    CASE WHEN len(k.codes) > 1 AND d.region_code IS NULL THEN cn.names END AS candidates
FROM known AS k
LEFT JOIN decided AS d USING (t, ctx_code, ctx_text)
LEFT JOIN candidate_names AS cn USING (t);
