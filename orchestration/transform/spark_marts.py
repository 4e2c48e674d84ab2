"""Marts built on Spark, brought into the build database for the same checks and release.

With MODU_TARGET=spark, dbt writes each table as Parquet part files under
<warehouse>/spark/tables/<schema>.db/<table>/ (Spark's own layout). After the
build, each mart is copied from there into the build database's `marts` schema,
cast to the types its dbt contract declares, so the GX checks, the run summary and
the serving release read exactly what they read after a DuckDB build. Copying
marts only is cheap (they are small); staging and intermediate stay in Spark.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
from dagster import TableColumn, TableSchema


def contract_columns(manifest_path: Path) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(schema, table) -> [(column, declared type)] of every model with an enforced contract."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    found = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or not node["config"].get("contract", {}).get("enforced"):
            continue
        found[(node["schema"], node["alias"])] = [(c["name"], c["data_type"]) for c in node["columns"].values()]
    return found


def table_folder(spark_tables_dir: Path, schema: str, table: str) -> Path:
    return spark_tables_dir / f"{schema}.db" / table


def _part_files(folder: Path) -> list[str]:
    # Spark also writes _SUCCESS and hidden .crc files; an empty result may have no part file.
    return sorted(str(p) for p in folder.glob("*.parquet"))


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def copy_marts_into(
    build_db: Path,
    spark_tables_dir: Path,
    marts: list[tuple[str, str]],
    contracts: dict[tuple[str, str], list[tuple[str, str]]],
    duckdb_config: dict | None = None,
) -> dict[tuple[str, str], int]:
    """Replace each (schema, table) of `marts` in the build database with Spark's; rows per table.

    All tables are replaced in one transaction: the build database never holds a mix of
    this build's marts and an earlier one's.
    """
    copied = {}
    con = duckdb.connect(str(build_db), config=duckdb_config or {})
    try:
        con.execute("BEGIN TRANSACTION")
        for schema, table in marts:
            columns = contracts.get((schema, table))
            if columns is None:
                raise ValueError(f"{schema}.{table} has no enforced dbt contract to copy it by")
            folder = table_folder(spark_tables_dir, schema, table)
            if not folder.is_dir():
                raise FileNotFoundError(f"Spark built {schema}.{table} but {folder} does not exist")
            files = _part_files(folder)
            target = f"{_quote(schema)}.{_quote(table)}"
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {_quote(schema)}")
            if files:
                select = ", ".join(f"CAST({_quote(name)} AS {dtype}) AS {_quote(name)}" for name, dtype in columns)
                con.execute(f"CREATE OR REPLACE TABLE {target} AS SELECT {select} FROM read_parquet(?)", [files])
            else:
                ddl = ", ".join(f"{_quote(name)} {dtype}" for name, dtype in columns)
                con.execute(f"CREATE OR REPLACE TABLE {target} ({ddl})")
            copied[(schema, table)] = con.execute(f"SELECT count(*) FROM {target}").fetchone()[0]
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.close()
    return copied


def spark_table_metadata(spark_tables_dir: Path, keys: list[tuple[str, str]],
                         duckdb_config: dict | None = None) -> dict[tuple[str, str], dict[str, Any]]:
    """Row count and column schema of the tables Spark wrote (views have no files and no entry)."""
    found = {}
    con = duckdb.connect(config=duckdb_config or {})
    try:
        for schema, table in keys:
            files = _part_files(table_folder(spark_tables_dir, schema, table))
            if not files:
                continue
            rows = con.execute("SELECT count(*) FROM read_parquet(?)", [files]).fetchone()[0]
            columns = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [files]).fetchall()
            found[(schema, table)] = {
                "dagster/row_count": rows,
                "dagster/column_schema": TableSchema(columns=[TableColumn(c[0], c[1]) for c in columns]),
            }
    finally:
        con.close()
    return found
