"""Lookup tables the parsers join to, built in SQL from the dbt seeds.

The seeds are the one place a region name, alias or indicator label is kept;
ingest reads the same CSV files that `dbt seed` loads for the marts.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.settings import SEEDS_DIR


def _csv(name: str) -> str:
    path = Path(SEEDS_DIR) / name
    return f"read_csv('{path}', header = true, all_varchar = true, quote = '\"')"


# Candidate keys per region, best kind first: the 6-digit code, a hand-kept alias,
# the full Chinese name, the suffix-less name, the English name (with and without its
# "District"/"County" suffix). A key resolves to the regions of its best kind; among
# those the highest level wins (吉林 is the province before the city); a tie left
# after that is ambiguous and rejects the row with the candidates named.
REGION_LOOKUP_SQL = f"""
CREATE OR REPLACE TEMP TABLE region_lookup AS
WITH regions AS (SELECT * FROM {_csv('regions.csv')}),
aliases AS (SELECT * FROM {_csv('region_aliases.csv')}),
candidates AS (
    SELECT region_code AS key, region_code, 0 AS kind FROM regions
    UNION ALL SELECT modu_region_key(alias), region_code, 1 FROM aliases
    UNION ALL SELECT modu_region_key(name_zh), region_code, 2 FROM regions
    UNION ALL SELECT modu_region_key(short_name_zh), region_code, 3 FROM regions
    UNION ALL SELECT modu_region_key(name_en), region_code, 4 FROM regions
    UNION ALL SELECT modu_region_key(regexp_replace(name_en, ' (District|County|City|Banner|Area)$', '')),
                     region_code, 4 FROM regions
),
ranked AS (
    SELECT DISTINCT c.key, c.region_code, c.kind, r.level,
        CASE r.level WHEN 'national' THEN 0 WHEN 'province' THEN 1 WHEN 'city' THEN 2 ELSE 3 END AS level_rank
    FROM candidates c JOIN regions r USING (region_code)
    WHERE c.key IS NOT NULL AND c.key <> ''
),
best AS (
    SELECT * FROM ranked
    QUALIFY rank() OVER (PARTITION BY key ORDER BY kind, level_rank) = 1
)
SELECT key,
    CASE WHEN count(*) = 1 THEN any_value(region_code) END AS region_code,
    CASE WHEN count(*) = 1 THEN any_value(level) END AS level,
    CASE WHEN count(*) > 1 THEN string_agg(region_code, ', ' ORDER BY region_code) END AS ambiguous_codes
FROM best
GROUP BY key
"""

INDICATOR_LOOKUP_SQL = f"""
CREATE OR REPLACE TEMP TABLE indicator_lookup AS
WITH catalogue AS (SELECT * FROM {_csv('indicator_catalogue.csv')})
SELECT DISTINCT lower(key) AS key, indicator_code, value_kind FROM (
    SELECT indicator_code AS key, indicator_code, value_kind FROM catalogue
    UNION ALL
    SELECT trim(unnest(string_split(labels_zh, '|'))), indicator_code, value_kind FROM catalogue
)
"""


PARSING_SQL = Path(__file__).parent / "parsing.sql"


def create_lookups(con: duckdb.DuckDBPyConnection) -> None:
    """The parsing macros (parsing.sql) and the lookup tables, on this connection."""
    con.execute(PARSING_SQL.read_text(encoding="utf-8"))
    con.execute(REGION_LOOKUP_SQL)
    con.execute(INDICATOR_LOOKUP_SQL)
