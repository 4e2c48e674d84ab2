"""The dbt project as Dagster assets: seeds, staging, intermediate and marts, tests as checks.

The manifest is prepared ahead of time (`make` runs `dbt parse` when the project
changes), so loading definitions never parses the project. The asset graph is the
same on every engine; MODU_TARGET picks the profile target dbt builds on, and after
a Spark build the marts are copied into the build database (spark_marts.py) so the
checks and the release that follow are the same as after a DuckDB build.
"""


import json
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
from dagster import AssetCheckResult, AssetExecutionContext, Failure, Output, ResourceParam, TableColumn, TableSchema
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration import warehouse
from orchestration.retries import request_retry, retry_transient, transient_text_reason
from orchestration.settings import DBT_EXECUTABLE, DBT_PROJECT_DIR, Settings
from orchestration.transform.spark_marts import contract_columns, copy_marts_into, spark_table_metadata
from orchestration.transform.translator import ModuDbtTranslator

MANIFEST_PATH = DBT_PROJECT_DIR / "target" / "manifest.json"


def ensure_manifest() -> Path:
    """The prepared manifest; parsed once here only if `make` has not prepared it."""
    if not MANIFEST_PATH.exists():
        subprocess.run(
            [DBT_EXECUTABLE, "parse", "--quiet", "--profiles-dir", ".", "--target-path", "target", "--log-path", "target/logs"],
            cwd=DBT_PROJECT_DIR,
            check=True,
        )
    return MANIFEST_PATH


def _table_metadata(build_db: Path, keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Row count and column schema of each built table, read after dbt has let go of the file.

    (dagster-dbt's fetch_row_counts queries while dbt still holds DuckDB's write lock.)
    """
    found: dict[tuple[str, str], dict[str, Any]] = {}
    con = duckdb.connect(str(build_db), read_only=True)
    try:
        columns: dict[tuple[str, str], list[TableColumn]] = {}
        for schema, table, column, dtype in con.execute(
            "SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns "
            "ORDER BY table_schema, table_name, ordinal_position"
        ).fetchall():
            columns.setdefault((schema, table), []).append(TableColumn(column, dtype))
        for key in keys:
            if key not in columns:
                continue
            rows = con.execute(f'SELECT count(*) FROM "{key[0]}"."{key[1]}"').fetchone()[0]
            found[key] = {"dagster/row_count": rows, "dagster/column_schema": TableSchema(columns=columns[key])}
    finally:
        con.close()
    return found


def _full_refresh_requests(build_db: Path) -> tuple[list[str], Any]:
    """Reasons the ingest gave for rebuilding incremental models from scratch, and the latest request time."""
    if not build_db.exists():
        return [], None
    con = duckdb.connect(str(build_db), read_only=True)
    try:
        rows = con.execute(
            "SELECT source || ': ' || reason, requested_at FROM audit.full_refresh_requests ORDER BY 2").fetchall()
    except duckdb.CatalogException:
        return [], None
    finally:
        con.close()
    return [r[0] for r in rows], (rows[-1][1] if rows else None)


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


@contextmanager
def dbt_environment(s: Settings) -> Iterator[None]:
    """The variables dbt_project/profiles.yml reads (the warehouse's paths, DuckDB's settings),
    set while dbt starts and restored afterwards, so no later step sees them."""
    saved = {name: os.environ.get(name) for name in s.dbt_env()}
    os.environ.update(s.dbt_env())
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _manifest_nodes() -> dict:
    return json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))["nodes"]


# A DuckDB file held by another process is tried again with backoff; failed models and tests are not.
@dbt_assets(manifest=ensure_manifest(), dagster_dbt_translator=ModuDbtTranslator())
def modu_dbt_assets(context: AssetExecutionContext, dbt: DbtCliResource, settings: ResourceParam[Settings]) -> Iterator:
    s = settings
    target = s.dbt_target_dir / context.run.run_id
    with retry_transient(context), warehouse.write_lock(s, context.log.info):
        requests, latest_request = _full_refresh_requests(s.build_db)
        full = s.full_refresh or bool(requests)
        if full:
            context.log.info(
                "dbt build --full-refresh: "
                + ("; ".join(requests) if requests else "MODU_FULL_REFRESH is set")
            )
        args = (["build", "--full-refresh"] if full else ["build"]) + ["--target", s.target]
        with dbt_environment(s):
            invocation = dbt.cli(args, context=context, target_path=target, raise_on_error=False)
        events = []
        try:
            for event in invocation.stream():
                events.append(event)
                if isinstance(event, Output):
                    key = context.asset_key_for_output(event.output_name).to_user_string()
                    context.log.info(f"dbt built {key} ({len(events)} results so far)")
        finally:
            # Never leave dbt running (and holding the database) after this step stops.
            if invocation.process.poll() is None:
                invocation.process.terminate()
                invocation.process.wait()
        if not invocation.is_successful():
            transient = transient_text_reason(str(invocation.get_error() or ""))
            if transient:  # dbt could not open the database: nothing was built, try the step again
                raise request_retry(context, transient)
        built = [e for e in events if isinstance(e, Output)]
        keys = [tuple(context.asset_key_for_output(e.output_name).path[-2:]) for e in built]
        run_results = target / "run_results.json"
        lost = (results_not_received(json.loads(run_results.read_text(encoding="utf-8")), _manifest_nodes(), set(keys))
                if invocation.is_successful() and run_results.exists() else [])
        if s.target == "spark":
            marts = [k for k in keys if k[0] == "marts"]
            copied = copy_marts_into(s.build_db, s.spark_tables_dir, marts, contract_columns(MANIFEST_PATH))
            context.log.info(
                "copied the marts Spark built into the build database: "
                + ", ".join(f"{schema}.{table} ({rows} rows)" for (schema, table), rows in copied.items())
            )
            metadata = {**spark_table_metadata(s.spark_tables_dir, keys), **_table_metadata(s.build_db, marts)}
        else:
            metadata = _table_metadata(s.build_db, keys)
    for event in events:
        if isinstance(event, Output):
            key = tuple(context.asset_key_for_output(event.output_name).path[-2:])
            yield event.with_metadata({**event.metadata, **metadata.get(key, {})})
        else:
            yield event
    if lost:
        raise Failure(
            description=f"dbt built {', '.join(lost)} but its result never reached Dagster (a line of dbt's "
            f"output was unreadable); so that nothing is published unchecked, this step fails. dbt logs: {target}",
            allow_retries=False,
        )
    if invocation.is_successful() and requests:
        with warehouse.write_lock(s, context.log.info), warehouse.connect(s) as con:
            con.execute("DELETE FROM audit.full_refresh_requests WHERE requested_at <= ?", [latest_request])
    if not invocation.is_successful():
        failed = [e for e in events if isinstance(e, AssetCheckResult) and not e.passed]
        raise Failure(
            description="dbt build failed; the marts are not published. "
            + (f"{len(failed)} dbt test(s) failed. " if failed else "")
            + f"dbt logs: {target}",
            allow_retries=False,
        )
