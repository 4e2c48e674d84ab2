"""What the parsers join to: the parsing macros and the lookup tables built from the dbt seeds.

The seeds are the one place a region name, alias, indicator label, vocabulary word or
unit is kept; ingest reads the same CSV files that `dbt seed` loads for the marts.
"""

from __future__ import annotations

import duckdb

from orchestration.ingest.sources import SQL_DIR
from orchestration.settings import SEEDS_DIR
from orchestration.sql import literal, split_statements

SEEDS = ("regions", "region_aliases", "indicator_catalogue", "levels", "doc_types", "compute_events", "units")


def run_sql_file(con: duckdb.DuckDBPyConnection, name: str) -> None:
    for statement in split_statements((SQL_DIR / name).read_text(encoding="utf-8")):
        con.execute(statement)


def create_lookups(con: duckdb.DuckDBPyConnection) -> None:
    """The parsing macros (sql/parsing.sql), each seed as the temp table seed_<name>, and
    the lookup tables of sql/lookups.sql, on this connection."""
    run_sql_file(con, "parsing.sql")
    for seed in SEEDS:
        path = SEEDS_DIR / f"{seed}.csv"
        con.execute(f"CREATE OR REPLACE TEMP TABLE seed_{seed} AS "
                    f"SELECT * FROM read_csv({literal(path)}, header = true, all_varchar = true, quote = '\"')")
    run_sql_file(con, "lookups.sql")
