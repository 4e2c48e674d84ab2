"""The release's `metrics` schema: one table per metric, computed by MetricFlow's own SQL.

While a release folder is written (release.write_release, before it is renamed into
place), every metric of the semantic manifest is asked of MetricFlow at its standard grain
- each region by year, or by month for the compute build-out - with the region's names and
level beside it. The SQL MetricFlow writes for that query runs on the release's own mart
files and its rows become metrics.<metric>.parquet, beside the marts. So the catalog's
views, the Postgres endpoint's tables and `make metrics` all hold the rows MetricFlow's SQL
gives on the same files: the same numbers everywhere, and a release (rolled back or not)
always carries the metrics of its own marts. metrics.json keeps each query and its SQL;
semantic_manifest.json the definitions (the metrics command reads them from the release).

A night whose marts are the served release's (the same versions, orchestration/versions.py),
under the same definitions and the same code, computes nothing: the metric files are
hard-linked from the served release (release folders never change), as the marts are.
metrics.inputs holds the version of what the metrics were computed from.

MetricFlow's SQL depends on the definitions alone (MetricFlow, this code and the semantic
manifest: metrics.definitions holds their version), never on the marts. So it is planned
once per installation, when `make` prepares the dbt parse (orchestration.cli prepare), into
build/metrics-<definitions version>.json, and every night runs that SQL on its own marts
without loading MetricFlow; a night that finds no file for its definitions plans it.
"""

from __future__ import annotations

import json
import os
import shutil
from importlib.metadata import version as package_version
from pathlib import Path

import duckdb

from orchestration import versions, warehouse
from orchestration.semantic import manifest as semantic_manifest
from orchestration.semantic.manifest import REGION, Metric
from orchestration.prepared import prepared_file
from orchestration.settings import Settings
from orchestration.sql import identifier, literal

QUERIES = "metrics.json"
INPUTS = "metrics.inputs"
DEFINITIONS = "metrics.definitions"
_CODE = (Path(__file__), Path(__file__).with_name("engine.py"))  # what turns definitions and marts into rows


def standard_group_by(metric: Metric, manifest: dict) -> list[str]:
    """The region, its names and level, and the metric's standard time grain."""
    return [REGION, *(name for name, _label, _text in semantic_manifest.region_dimensions(manifest)),
            metric.time_column]


def _descriptions(metric: Metric, manifest: dict) -> dict:
    grain = metric.grain
    columns = {
        REGION: "6-digit administrative code of the region (000000 national; see marts.dim_region). Each row is "
                "this region's own figure: a province's row already holds its cities', so never add rows of "
                "different levels (filter on region__level).",
        **{name: text for name, _label, text in semantic_manifest.region_dimensions(manifest)},
        metric.time_column: f"The {grain} the figure describes: its first day (MetricFlow's metric_time at {grain} grain).",
        metric.name: f"{metric.label}: {metric.description}",
    }
    return {"description": f"{metric.label}, one row per region x {grain}, computed by MetricFlow from the "
                           f"semantic layer's definition (dbt_project/models/marts/*.yml): {metric.description}",
            "columns": columns}


def _parquet_ready(con, sql: str) -> str:
    """The query with DuckDB's HUGEINT sums (MetricFlow's SUM of a BIGINT column) cast back to
    BIGINT: Parquet has no 128-bit integer, and DuckDB would write them as DOUBLE (47800.0)."""
    wide = [name for name, kind, *_ in con.execute(f"DESCRIBE ({sql})").fetchall() if kind == "HUGEINT"]
    if not wide:
        return sql
    casts = ", ".join(f"CAST({identifier(name)} AS BIGINT) AS {identifier(name)}" for name in wide)
    return f"SELECT * REPLACE ({casts}) FROM ({sql})"


def definitions_version(manifest_path: Path) -> str:
    """The version of what turns marts into metric rows: MetricFlow, this code and the semantic
    manifest. The SQL MetricFlow writes for the metrics is the same under the same version."""
    return versions.digest(package_version("metricflow"), *(p.read_text(encoding="utf-8") for p in _CODE),
                           manifest_path.read_text(encoding="utf-8"))


def inputs_version(manifest_path: Path, mart_versions: dict[str, str]) -> str | None:
    """The version of what the metrics are computed from: the definitions (definitions_version)
    and every published mart's version; None when a mart has no version."""
    if not mart_versions or None in mart_versions.values():
        return None
    return versions.digest(definitions_version(manifest_path), json.dumps(sorted(mart_versions.items())))


def release_connection(con: duckdb.DuckDBPyConnection, folder: Path, manifest: dict) -> None:
    """Make the tables the manifest's semantic models name readable on `con` as views over the
    release's files in `folder` (<schema>.<table>.parquet), under the database name dbt gave
    them (the build database's, `modu`), which becomes the default. MetricFlow's SQL names
    them so, never by their files: it runs on any release's marts."""
    relations = [m["node_relation"] for m in manifest["semantic_models"]]
    databases = {r.get("database") for r in relations} - {None}
    database = databases.pop() if len(databases) == 1 else "modu"
    con.execute(f"ATTACH ':memory:' AS {identifier(database)}")
    con.execute(f"USE {identifier(database)}")
    for relation in relations:
        schema, table = relation["schema_name"], relation["alias"]
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {identifier(schema)}")
        con.execute(f"CREATE OR REPLACE VIEW {identifier(schema)}.{identifier(table)} AS "
                    f"SELECT * FROM read_parquet({literal(folder / f'{schema}.{table}.parquet')})")


def _carried(folder: Path, previous: Path | None, inputs: str | None, manifest: dict) -> dict[str, int] | None:
    """Link the previous release's metric files into the folder when they were computed from the
    same inputs; their rows per table, or None when they must be computed."""
    if inputs is None or previous is None or not (previous / INPUTS).exists():
        return None
    if (previous / INPUTS).read_text(encoding="utf-8") != inputs:
        return None
    rows = json.loads((previous / "release.json").read_text(encoding="utf-8"))["tables"]
    tables = [metric.table for metric in semantic_manifest.metrics(manifest)]
    if not all(table in rows and (previous / f"{table}.parquet").exists() for table in tables):
        return None
    for table in tables:
        os.link(previous / f"{table}.parquet", folder / f"{table}.parquet")
    shutil.copyfile(previous / QUERIES, folder / QUERIES)
    return {table: rows[table] for table in tables}


def _planned(manifest_path: Path, manifest: dict, settings: Settings) -> dict[str, dict]:
    """Each metric's query at its standard grain, and the SQL MetricFlow writes for it."""
    from orchestration.semantic.engine import Metrics  # metricflow: only when the definitions changed

    con = warehouse.duckdb_connect(settings)  # in memory: MetricFlow writes the SQL without reading a table
    try:
        layer = Metrics(manifest_path, con)
        queries: dict[str, dict] = {}
        for metric in semantic_manifest.metrics(manifest):
            group_by = standard_group_by(metric, manifest)
            planned = layer.plan([metric.name], group_by, order_by=[REGION, metric.time_column])
            queries[metric.name] = {"label": metric.label, "metrics": [metric.name], "group_by": group_by,
                                    "order_by": [REGION, metric.time_column], "sql": planned.sql}
    finally:
        con.close()
    return queries


def prepared_queries(settings: Settings, manifest_path: Path = semantic_manifest.SEMANTIC_MANIFEST) -> Path:
    """The installation's file of each metric's query and SQL for these definitions (see the
    module docstring; orchestration/prepared.py): MetricFlow's import and planning cost about
    half a second."""
    return prepared_file(
        f"metrics-{definitions_version(manifest_path)[:32]}.json",
        lambda: json.dumps(_planned(manifest_path, semantic_manifest.read(manifest_path), settings),
                           ensure_ascii=False, indent=1))


def write_metrics(folder: Path, settings: Settings, manifest_path: Path = semantic_manifest.SEMANTIC_MANIFEST,
                  inputs: str | None = None, previous: Path | None = None
                  ) -> tuple[dict[str, int], dict[str, dict], str | None]:
    """Write metrics.<name>.parquet for every metric into the release folder being written, with
    the manifest and the queries beside them. Returns (rows per table, descriptions per table,
    the release the files were linked from or None when they were computed).

    inputs (inputs_version) and previous (the served release's folder): when the previous
    release's metrics were computed from the same inputs, they are linked, not computed;
    otherwise the prepared SQL runs on this release's marts."""
    shutil.copyfile(manifest_path, folder / semantic_manifest.RELEASE_FILE)
    manifest_path = folder / semantic_manifest.RELEASE_FILE
    manifest = semantic_manifest.read(manifest_path)
    definitions = definitions_version(manifest_path)
    (folder / DEFINITIONS).write_text(definitions, encoding="utf-8")
    if inputs is not None:
        (folder / INPUTS).write_text(inputs, encoding="utf-8")
    described = {m.table: _descriptions(m, manifest) for m in semantic_manifest.metrics(manifest)}
    carried = _carried(folder, previous, inputs, manifest)
    if carried is not None:
        return carried, described, previous.name
    queries = json.loads(prepared_queries(settings, manifest_path).read_text(encoding="utf-8"))
    counts: dict[str, int] = {}
    con = warehouse.duckdb_connect(settings)
    try:
        release_connection(con, folder, manifest)
        for metric in semantic_manifest.metrics(manifest):
            target = folder / f"{metric.table}.parquet"
            con.execute(f"COPY ({_parquet_ready(con, queries[metric.name]['sql'])}) TO {literal(target)} "
                        f"(FORMAT parquet, COMPRESSION zstd)")
            counts[metric.table] = con.execute(f"SELECT count(*) FROM read_parquet({literal(target)})").fetchone()[0]
    finally:
        con.close()
    (folder / QUERIES).write_text(json.dumps(queries, ensure_ascii=False, indent=1), encoding="utf-8")
    return counts, described, None
