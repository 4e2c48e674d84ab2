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
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from orchestration import warehouse
from orchestration.semantic import manifest as semantic_manifest
from orchestration.semantic.manifest import REGION, Metric
from orchestration.settings import Settings
from orchestration.sql import identifier, literal

QUERIES = "metrics.json"


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


def write_metrics(folder: Path, settings: Settings, manifest_path: Path = semantic_manifest.SEMANTIC_MANIFEST
                  ) -> tuple[dict[str, int], dict[str, dict]]:
    """Write metrics.<name>.parquet for every metric into the release folder being written, with
    the manifest and the queries beside them. Returns (rows per table, descriptions per table)."""
    from orchestration.semantic.engine import Metrics, release_connection  # metricflow: only when a night publishes

    shutil.copyfile(manifest_path, folder / semantic_manifest.RELEASE_FILE)
    manifest_path = folder / semantic_manifest.RELEASE_FILE
    manifest = semantic_manifest.read(manifest_path)
    counts: dict[str, int] = {}
    described: dict[str, dict] = {}
    queries: dict[str, dict] = {}
    con = warehouse.duckdb_connect(settings)
    try:
        release_connection(con, folder, manifest)
        layer = Metrics(manifest_path, con)
        for metric in layer.metrics.values():
            group_by = standard_group_by(metric, manifest)
            planned = layer.plan([metric.name], group_by, order_by=[REGION, metric.time_column])
            target = folder / f"{metric.table}.parquet"
            con.execute(f"COPY ({_parquet_ready(con, planned.sql)}) TO {literal(target)} "
                        f"(FORMAT parquet, COMPRESSION zstd)")
            counts[metric.table] = con.execute(f"SELECT count(*) FROM read_parquet({literal(target)})").fetchone()[0]
            described[metric.table] = _descriptions(metric, manifest)
            queries[metric.name] = {"label": metric.label, "metrics": [metric.name], "group_by": group_by,
                                    "order_by": [REGION, metric.time_column], "sql": planned.sql}
    finally:
        con.close()
    (folder / QUERIES).write_text(json.dumps(queries, ensure_ascii=False, indent=1), encoding="utf-8")
    return counts, described
