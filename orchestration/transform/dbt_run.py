"""Running dbt for the nightly step, and reading what it left behind.

- The manifest is prepared ahead of time (`make` runs `python -m orchestration.cli
  prepare` when the project changes); dbt runs in a target folder that stays in the
  warehouse from night to night, seeded with the prepared parse, with the same target
  flag, so dbt parses only what changed (a full parse when vars, profile or target
  differ from the prepared one).
- The profile (dbt_project/profiles.yml) reads the warehouse's paths and DuckDB
  settings from the environment of the dbt process, set here while dbt starts and
  restored afterwards.
- Row counts and column schemas of the built tables come from one query after dbt
  has let go of the database (dagster-dbt's fetch_row_counts queries while dbt still
  holds DuckDB's write lock).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
from dagster import TableColumn, TableSchema

from orchestration.settings import DBT_EXECUTABLE, DBT_PROJECT_DIR, Settings
from orchestration.sql import qualified

PREPARED_TARGET = DBT_PROJECT_DIR / "target"
MANIFEST_PATH = PREPARED_TARGET / "manifest.json"
PARTIAL_PARSE = "partial_parse.msgpack"
# Unit tests check a model's code on fixed fixtures, never the night's data, so a night leaves
# them out and `make test` runs them (tests/test_dbt_unit_tests.py), as dbt Labs recommends
# ("only running unit tests in development or CI environments"). In a full national night
# they cost 2.5-3 s of dbt's 11-12 s: 27 of them, each ahead of the model it tests.
NIGHT_EXCLUDES = ("--exclude-resource-type", "unit_test")


def prepare_command(target: str) -> list[str]:
    """`dbt parse` as `make` runs it: the run's target flag, so its parse is the run's."""
    return [DBT_EXECUTABLE, "parse", "--quiet", "--profiles-dir", ".", "--target", target,
            "--target-path", str(PREPARED_TARGET), "--log-path", str(PREPARED_TARGET / "logs")]


def prepare(s: Settings) -> Path:
    """Parse the project into the prepared target folder, with the warehouse's environment."""
    with dbt_environment(s):
        subprocess.run(prepare_command(s.target), cwd=DBT_PROJECT_DIR, check=True)
    return MANIFEST_PATH


def ensure_manifest() -> Path:
    """The prepared manifest; parsed here only if `make` has not prepared it."""
    if not MANIFEST_PATH.exists():
        from orchestration import settings as settings_module

        prepare(settings_module.load())
    return MANIFEST_PATH


def manifest() -> dict[str, Any]:
    return json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))


@contextmanager
def dbt_environment(s: Settings, extra: Mapping[str, str] | None = None) -> Iterator[None]:
    """The variables dbt_project/profiles.yml reads (and any extra ones), set while dbt starts,
    then restored, so no later step of an in-process run sees them."""
    variables = {**s.dbt_env(), **(extra or {})}
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_target_dir(s: Settings) -> Path:
    """dbt's target folder for this warehouse, kept between runs so its parse is reused."""
    folder = s.dbt_target_dir
    folder.mkdir(parents=True, exist_ok=True)
    prepared = PREPARED_TARGET / PARTIAL_PARSE
    if not (folder / PARTIAL_PARSE).exists() and prepared.exists():
        shutil.copyfile(prepared, folder / PARTIAL_PARSE)
    return folder


def results_not_received(run_results: dict, manifest_nodes: dict, received: set[tuple[str, str]]) -> list[str]:
    """Models and seeds dbt reports built whose event never reached Dagster.

    dagster-dbt reads dbt's JSON events from a pipe shared with stderr; a line that
    another writer (Spark's JVM, say) cut into is dropped as text. A model whose
    event is lost would skip its checks and the release while the run succeeds,
    so such a build fails loudly instead.
    """
    lost = []
    for result in run_results.get("results", []):
        node = manifest_nodes.get(result["unique_id"])
        if node is None or node["resource_type"] not in ("model", "seed") or result["status"] != "success":
            continue
        if (node["schema"], node["alias"]) not in received:
            lost.append(f"{node['schema']}.{node['alias']}")
    return sorted(lost)


def table_metadata(con: duckdb.DuckDBPyConnection, relations: list[tuple[str, str]]) -> dict[tuple[str, str], dict]:
    """Row count (tables) and column schema (tables and views) of each relation, in one query each."""
    wanted = set(relations)
    columns: dict[tuple[str, str], list[TableColumn]] = {}
    for schema, table, column, dtype in con.execute(
        "SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns "
        "ORDER BY table_schema, table_name, ordinal_position"
    ).fetchall():
        if (schema, table) in wanted:
            columns.setdefault((schema, table), []).append(TableColumn(column, dtype))
    tables = sorted(key for key in wanted if key in columns)
    base_tables = {(s, t) for s, t in con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE NOT temporary").fetchall()}
    counted = [key for key in tables if key in base_tables]
    rows: dict[tuple[str, str], int] = {}
    if counted:
        union = " UNION ALL ".join(
            f"SELECT ? AS s, ? AS t, count(*) AS n FROM {qualified(*key)}" for key in counted)
        params = [part for key in counted for part in key]
        rows = {(s, t): n for s, t, n in con.execute(union, params).fetchall()}
    found = {}
    for key in tables:
        found[key] = {"dagster/column_schema": TableSchema(columns=columns[key])}
        if key in rows:
            found[key]["dagster/row_count"] = rows[key]
    return found


def full_refresh_requests(con: duckdb.DuckDBPyConnection) -> tuple[list[str], Any]:
    """Reasons the ingest gave for rebuilding incremental models from scratch, and the latest request time."""
    con.execute("CREATE SCHEMA IF NOT EXISTS audit; CREATE TABLE IF NOT EXISTS audit.full_refresh_requests "
                "(source VARCHAR, reason VARCHAR, requested_at TIMESTAMP)")
    rows = con.execute(
        "SELECT source || ': ' || reason, requested_at FROM audit.full_refresh_requests ORDER BY 2").fetchall()
    return [r[0] for r in rows], (rows[-1][1] if rows else None)
