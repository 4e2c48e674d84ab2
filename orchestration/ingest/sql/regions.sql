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
-- city 2, same province 1) and, next, by how the text names it (its own name 2, a region
-- above it 1). Among the best scored, a broader level wins over a narrower one: a bare
-- 西安 with nothing else to go by is the city, not the districts named 西安区, but a registry
-- row whose USCC places it in Beijing's 朝阳区 is there, not in Liaoning's 朝阳市. What stays
-- tied is rejected, and its reason lists the candidates.

CREATE OR REPLACE TEMP TABLE region_resolved AS
WITH mentions AS (
    SELECT DISTINCT t, ctx_code, ctx_text, modu_region_key(t) AS key FROM region_mentions WHERE t IS NOT NULL
),
known AS (
    SELECT m.*, k.codes FROM mentions AS m LEFT JOIN region_keys AS k USING (key)
),
candidates AS (
    SELECT t, ctx_code, ctx_text, unnest(codes) AS region_code FROM known WHERE len(codes) > 1
),
named_in_text AS (
    SELECT c.t, c.ctx_code, c.ctx_text, c.region_code, max(n.weight) AS weight
    FROM candidates AS c
    JOIN region_context_names AS n
        ON n.region_code = c.region_code AND contains(modu_region_key(c.ctx_text), n.key)
    WHERE c.ctx_text IS NOT NULL
    GROUP BY ALL
),
scored AS (
    SELECT c.*,
        10 * CASE WHEN c.ctx_code IS NULL OR NOT regexp_full_match(c.ctx_code, '[0-9]{6}') THEN 0
                  WHEN c.region_code = c.ctx_code THEN 3
                  WHEN left(c.region_code, 4) = left(c.ctx_code, 4) THEN 2
                  WHEN left(c.region_code, 2) = left(c.ctx_code, 2) THEN 1
                  ELSE 0 END
        + coalesce(n.weight, 0) AS score
    FROM candidates AS c
    LEFT JOIN named_in_text AS n USING (t, ctx_code, ctx_text, region_code)
),
ranked AS (
    -- Best first: the context's score, then the broader level (西安 is the city before its
    -- namesake districts; 河北 the province before Tianjin's district).
    SELECT scored.*, rank() OVER (PARTITION BY t, ctx_code, ctx_text ORDER BY score DESC, l.rank) AS position
    FROM scored
    JOIN region_display AS d USING (region_code)
    JOIN seed_levels AS l ON l.level = d.level
),
decided AS (
    SELECT t, ctx_code, ctx_text,
        CASE WHEN count(*) FILTER (WHERE position = 1) = 1 THEN any_value(region_code) FILTER (WHERE position = 1)
        END AS region_code
    FROM ranked
    GROUP BY ALL
)
SELECT k.t, k.ctx_code, k.ctx_text,
    CASE WHEN len(k.codes) = 1 THEN k.codes[1] ELSE d.region_code END AS region_code,
    CASE WHEN len(k.codes) > 1 AND d.region_code IS NULL THEN (
        SELECT string_agg(rd.region_code || ' ' || rd.display, ', ' ORDER BY rd.region_code)
        FROM region_display AS rd WHERE list_contains(k.codes, rd.region_code)
    ) END AS candidates
FROM known AS k
LEFT JOIN decided AS d
    ON d.t = k.t AND d.ctx_code IS NOT DISTINCT FROM k.ctx_code AND d.ctx_text IS NOT DISTINCT FROM k.ctx_text;
