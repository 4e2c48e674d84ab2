"""MetricFlow over a DuckDB connection modu opened (warehouse.duckdb_connect).

dbt-metricflow's own client goes through a dbt adapter and a profile, which would point it
at the build database; modu's readers never open that. Here MetricFlow plans and renders
DuckDB SQL from the semantic manifest, and the SQL runs on a connection whose tables are
one release's: the serving catalog (the metrics command) or the release's files while the
release is written (publish.py). The manifest names tables as dbt built them
("modu"."marts"."city_indicators"); both connections answer to those names.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
from metricflow.data_table.mf_table import MetricFlowDataTable
from metricflow.engine.metricflow_engine import MetricFlowEngine, MetricFlowQueryRequest
from metricflow.protocols.sql_client import SqlEngine
from metricflow.sql.render.duckdb_renderer import DuckDbSqlPlanRenderer
from metricflow_semantics.model.semantic_manifest_lookup import SemanticManifestLookup
from metricflow_semantics.specs.query_spec import MetricFlowQuerySpec
from metricflow_semantics.sql.sql_bind_parameters import SqlBindParameterSet

from orchestration.semantic import manifest as semantic_manifest


class DuckDBClient:
    """MetricFlow's SqlClient protocol on one DuckDB connection (MetricFlow binds no parameters
    in the queries it writes; render_bind_parameter_key is DuckDB's $name)."""

    sql_engine_type = SqlEngine.DUCKDB

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con
        self._renderer = DuckDbSqlPlanRenderer()

    @property
    def sql_plan_renderer(self) -> DuckDbSqlPlanRenderer:
        return self._renderer

    def query(self, stmt: str, sql_bind_parameter_set: SqlBindParameterSet = SqlBindParameterSet()) -> MetricFlowDataTable:
        cursor = self.con.execute(stmt, dict(sql_bind_parameter_set.param_dict) or None)
        return MetricFlowDataTable.create_from_rows(column_names=[d[0] for d in cursor.description],
                                                    rows=cursor.fetchall())

    def execute(self, stmt: str, sql_bind_parameter_set: SqlBindParameterSet = SqlBindParameterSet()) -> None:
        self.con.execute(stmt, dict(sql_bind_parameter_set.param_dict) or None)

    def dry_run(self, stmt: str, sql_bind_parameter_set: SqlBindParameterSet = SqlBindParameterSet()) -> None:
        self.con.execute(f"EXPLAIN {stmt}", dict(sql_bind_parameter_set.param_dict) or None)

    def close(self) -> None:
        self.con.close()

    def render_bind_parameter_key(self, bind_parameter_key: str) -> str:
        return f"${bind_parameter_key}"


@dataclass(frozen=True)
class Answer:
    """A metric query's plan, its SQL and (unless only explained) its rows."""

    spec: MetricFlowQuerySpec
    sql: str
    table: MetricFlowDataTable | None
    seconds: float


class Metrics:
    """MetricFlow's engine on a connection, with the plain-JSON view of the same manifest."""

    def __init__(self, manifest_path: Path, con: duckdb.DuckDBPyConnection):
        self.manifest_path = manifest_path
        self.json = semantic_manifest.read(manifest_path)
        self.metrics = {m.name: m for m in semantic_manifest.metrics(self.json)}
        self.client = DuckDBClient(con)
        self.engine = MetricFlowEngine(SemanticManifestLookup(semantic_manifest.load(manifest_path)), self.client)

    def plan(self, metrics: list[str], group_by: list[str] | None = None, where: list[str] | None = None,
             order_by: list[str] | None = None, limit: int | None = None, start: datetime | None = None,
             end: datetime | None = None) -> Answer:
        """MetricFlow's plan and SQL; a bad metric or dimension name raises MetricFlow's own error."""
        explained = self.engine.explain(MetricFlowQueryRequest.create(
            metric_names=metrics, group_by_names=group_by or None, where_constraints=where or None,
            order_by_names=order_by or None, limit=limit, time_constraint_start=start, time_constraint_end=end))
        return Answer(explained.query_spec, explained.sql_statement.sql, None, 0.0)

    def run(self, planned: Answer) -> Answer:
        started = time.monotonic()
        table = self.client.query(planned.sql)
        return Answer(planned.spec, planned.sql, table, time.monotonic() - started)
