"""Every published table and column is described in the dbt manifest, and the build database
carries the descriptions as comments.

A release's descriptions.json and the serving catalog's COMMENT ON are written from the
manifest, so a column undescribed there reaches analysts undescribed. The published tables
are the marts (dbt models in schema marts) and the audit tables each release publishes
(AUDIT_TABLES: dbt sources in schema audit, dbt_project/models/audit/_audit__sources.yml);
marts.release_info is written, and described, by publish itself.
"""

from __future__ import annotations

import json
from typing import Any

from orchestration import warehouse
from orchestration.ingest.loader import AUDIT_DDL
from orchestration.publish.assets import AUDIT_TABLES
from orchestration.publish.run_summary import RUN_SUMMARIES_DDL
from orchestration.quality.results import DDL as DQ_RESULTS_DDL
from orchestration.settings import Settings
from orchestration.transform import dbt_run

MARTS = {"marts.dim_region", "marts.city_indicators", "marts.policy_timeline", "marts.policy_cadence",
         "marts.compute_buildout", "marts.modu_index", "marts.figure_reconciliation", "marts.published_figures"}


def _manifest() -> dict[str, Any]:
    return json.loads(dbt_run.ensure_manifest().read_text(encoding="utf-8"))


def _models(manifest: dict[str, Any], schema: str) -> dict[str, dict]:
    return {f"{schema}.{n['alias']}": n for n in manifest["nodes"].values()
            if n["resource_type"] == "model" and n["schema"] == schema}


def _published(manifest: dict[str, Any]) -> dict[str, dict]:
    """'<schema>.<table>' -> the manifest entry of every published table dbt documents."""
    sources = {f"{s['schema']}.{s['identifier']}": s for s in manifest["sources"].values()}
    return {**_models(manifest, "marts"), **{table: sources[table] for table in AUDIT_TABLES if table in sources}}


def _undescribed(entry: dict[str, Any]) -> list[str]:
    """'(table)' and the columns whose description is missing or blank."""
    missing = [] if (entry.get("description") or "").strip() else ["(table)"]
    return missing + [name for name, column in entry.get("columns", {}).items()
                      if not (column.get("description") or "").strip()]


def test_undescribed_finds_a_blank_table_or_column_description():
    assert _undescribed({"description": "A table.", "columns": {"a": {"description": "A."},
                                                                  "b": {"description": "  "}, "c": {}}}) == ["b", "c"]
    assert _undescribed({"description": "", "columns": {}}) == ["(table)"]


def test_every_published_table_and_column_is_described_in_the_manifest():
    published = _published(_manifest())
    assert set(published) == MARTS | set(AUDIT_TABLES)
    assert {table: _undescribed(entry) for table, entry in published.items() if _undescribed(entry)} == {}


def test_the_audit_sources_describe_exactly_the_columns_of_their_tables(tmp_path):
    # The tables as the code that writes them creates them (ingest, GX results, run summary).
    settings = Settings(raw_dir=tmp_path / "raw", warehouse_dir=tmp_path / "warehouse", keep_releases=1)
    con = warehouse.duckdb_connect(settings)
    try:
        for ddl in (AUDIT_DDL, DQ_RESULTS_DDL, RUN_SUMMARIES_DDL):
            con.execute(ddl)
        created: dict[str, list[str]] = {}
        for table, column in con.execute(
                "SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'audit' "
                "ORDER BY table_name, column_index").fetchall():
            created.setdefault(f"audit.{table}", []).append(column)
    finally:
        con.close()
    published = _published(_manifest())
    assert {table: list(published[table]["columns"]) for table in AUDIT_TABLES} == {
        table: created[table] for table in AUDIT_TABLES}


def test_the_build_database_carries_the_descriptions_as_comments(sample_refresh):
    settings, _ = sample_refresh
    manifest = _manifest()
    documented = {**_models(manifest, "marts"), **_models(manifest, "intermediate")}
    with warehouse.connect(settings, read_only=True) as con:
        tables = {f"{s}.{t}": c for s, t, c in con.execute(
            "SELECT schema_name, table_name, comment FROM duckdb_tables() "
            "WHERE schema_name IN ('marts', 'intermediate')").fetchall()}
        columns = {(f"{s}.{t}", c): comment for s, t, c, comment in con.execute(
            "SELECT schema_name, table_name, column_name, comment FROM duckdb_columns() "
            "WHERE schema_name IN ('marts', 'intermediate')").fetchall()}
    assert {t: tables.get(t) for t in documented} == {t: n["description"] for t, n in documented.items()}
    expected = {(t, c): v["description"] for t, n in documented.items() for c, v in n["columns"].items()}
    assert {key: columns.get(key) for key in expected} == expected
    assert "Composite score, 0–100." == columns[("marts.modu_index", "score")]  # a real description, not ''
