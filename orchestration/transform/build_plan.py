"""Which dbt nodes a night must build, and what it carries over unchanged.

Every dbt node a night runs (seed, model, data test) gets a version: a digest of its own
definition (code, config, columns and contract, test arguments), of everything the
whole project shares (dbt's version, the target, every project macro) and of the
versions of the nodes and sources it reads. A raw source's version is the one the
ingest recorded (orchestration/versions.py): it changes only when files land or leave.

An incremental model also has a definition version: the same digest with every raw
source left out, so it changes with the model's code, the seeds and the code upstream,
never with data. A model built incrementally keeps its old rows, so when its definition
version differs from the one its rows were built with, the plan has the table dropped
and dbt builds it from scratch: rows computed by old code never stay beside new ones.
(dbt's unit tests are no node of a night: dbt_run.NIGHT_EXCLUDES.)

A node whose version equals the one recorded when it was last built, and whose table
is still there, is unchanged: the night does not build it again. Its Dagster asset is
still reported (materialized, marked as carried over from the run that built it) and
the results of its tests are carried over the same way, so the UI shows every model
and every check on every night and says which ones were computed tonight.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib.metadata import version as package_version
from typing import Any

import duckdb

from orchestration import versions

TEST_RESULTS_DDL = """
CREATE SCHEMA IF NOT EXISTS audit;
CREATE TABLE IF NOT EXISTS audit.dbt_test_results (
    unique_id VARCHAR, version VARCHAR, status VARCHAR, failures BIGINT, message VARCHAR,
    run_id VARCHAR, recorded_at TIMESTAMP);
"""
INCREMENTAL_DDL = """
CREATE SCHEMA IF NOT EXISTS audit;
CREATE TABLE IF NOT EXISTS audit.incremental_definitions (
    relation VARCHAR PRIMARY KEY, definition_version VARCHAR, run_id VARCHAR, recorded_at TIMESTAMP);
"""
BUILT = ("seed", "model")
_DEFINITION_KEYS = ("checksum", "raw_code", "config", "columns", "contract", "test_metadata", "alias", "schema")


@dataclass(frozen=True)
class Node:
    unique_id: str
    resource_type: str
    fqn: tuple[str, ...]
    relation: str | None  # '<schema>.<alias>' of a seed or model
    depends_on: tuple[str, ...]
    attached_to: str | None  # a test's model or seed


@dataclass
class BuildPlan:
    versions: dict[str, str]  # unique_id -> version
    build: list[Node] = field(default_factory=list)  # nodes dbt runs tonight
    carry: list[Node] = field(default_factory=list)  # unchanged nodes reported without running
    built_by: dict[str, str] = field(default_factory=dict)  # carried unique_id -> the run that built it
    definitions: dict[str, str] = field(default_factory=dict)  # incremental model's relation -> definition version
    rebuild_from_scratch: list[str] = field(default_factory=list)  # relations to drop before dbt runs

    @property
    def excluded_selectors(self) -> list[str]:
        """dbt --exclude selectors for the carried nodes (by fqn: dbt selects no unique_id)."""
        return ["fqn:" + ".".join(node.fqn) for node in self.carry]


def _nodes(manifest: dict[str, Any]) -> dict[str, Node]:
    found = {}
    for unique_id, props in manifest["nodes"].items():
        kind = props["resource_type"]
        if kind not in (*BUILT, "test"):
            continue
        relation = f"{props['schema']}.{props['alias']}" if kind in BUILT else None
        depends = tuple(props.get("depends_on", {}).get("nodes", []))
        attached = props.get("attached_node") or (depends[0] if kind == "test" and len(depends) == 1 else None)
        found[unique_id] = Node(unique_id, kind, tuple(props["fqn"]), relation, depends, attached)
    return found


def _shared_digest(manifest: dict[str, Any], target: str) -> str:
    project = manifest["metadata"]["project_name"]
    macros = sorted((uid, m.get("macro_sql", "")) for uid, m in manifest["macros"].items()
                    if m.get("package_name") == project)
    return versions.digest(package_version("dbt-core"), target, json.dumps(macros))


def _definition(props: dict[str, Any]) -> str:
    return json.dumps({k: props.get(k) for k in _DEFINITION_KEYS}, sort_keys=True, default=str)


def node_versions(manifest: dict[str, Any], source_versions: dict[str, str], target: str) -> dict[str, str]:
    """unique_id -> version for every seed, model and data test (see the module docstring)."""
    shared = _shared_digest(manifest, target)
    props_of = manifest["nodes"]
    sources = {uid: source_versions.get(f"{s['schema']}.{s['name']}", "unknown")
               for uid, s in manifest["sources"].items()}
    found: dict[str, str] = {}

    def version(unique_id: str) -> str:
        if unique_id in sources:
            return sources[unique_id]
        if unique_id not in found:
            props = props_of[unique_id]
            upstream = [version(u) for u in sorted(props.get("depends_on", {}).get("nodes", []))
                        if u in props_of or u in sources]
            found[unique_id] = versions.digest(shared, _definition(props), *upstream)
        return found[unique_id]

    for unique_id, props in props_of.items():
        if props["resource_type"] in (*BUILT, "test"):
            version(unique_id)
    return found


def depths(manifest: dict[str, Any]) -> dict[str, int]:
    """unique_id -> how deep in the graph a node is (sources 0): yielding outputs by depth
    yields every asset after the assets it depends on, as Dagster requires."""
    nodes = manifest["nodes"]
    found: dict[str, int] = {}

    def depth(unique_id: str) -> int:
        if unique_id not in nodes:
            return 0
        if unique_id not in found:
            upstream = nodes[unique_id].get("depends_on", {}).get("nodes", [])
            found[unique_id] = 1 + max((depth(u) for u in upstream), default=0)
        return found[unique_id]

    for unique_id in nodes:
        depth(unique_id)
    return found


def existing_relations(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {f"{s}.{t}" for s, t in con.execute(
        "SELECT table_schema, table_name FROM information_schema.tables").fetchall()}


def previous_test_results(con: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    """unique_id -> (version, status, failures, message, run_id) of each test's latest result."""
    con.execute(TEST_RESULTS_DDL)
    return {row[0]: row[1:] for row in con.execute(
        "SELECT unique_id, version, status, failures, message, run_id FROM audit.dbt_test_results "
        "QUALIFY row_number() OVER (PARTITION BY unique_id ORDER BY recorded_at DESC) = 1").fetchall()}


def _incremental(manifest: dict[str, Any]) -> dict[str, str]:
    """unique_id -> relation of the models materialized incrementally."""
    return {uid: f"{p['schema']}.{p['alias']}" for uid, p in manifest["nodes"].items()
            if p["resource_type"] == "model" and p.get("config", {}).get("materialized") == "incremental"}


def plan(manifest: dict[str, Any], selected: set[str], con: duckdb.DuckDBPyConnection, target: str,
         full_refresh: bool) -> BuildPlan:
    """Split the selected nodes into those to build and those unchanged since they were built
    (with full_refresh, everything selected is built)."""
    recorded = versions.read_all(con)
    runs = dict(con.execute("SELECT table_name, run_id FROM audit.table_versions").fetchall()) if recorded else {}
    current = node_versions(manifest, recorded, target)
    definitions = node_versions(manifest, {}, target)  # every source "unknown": code and seeds only
    con.execute(INCREMENTAL_DDL)
    built_with = dict(con.execute("SELECT relation, definition_version FROM audit.incremental_definitions").fetchall())
    tests = previous_test_results(con)
    existing = existing_relations(con)
    nodes = _nodes(manifest)
    result = BuildPlan(current)
    incremental = _incremental(manifest)
    for unique_id in sorted(selected):
        node = nodes.get(unique_id)
        if node is None:
            continue
        if node.resource_type in BUILT:
            unchanged = (not full_refresh and node.relation in existing
                         and recorded.get(node.relation) == current[unique_id])
            built_by = runs.get(node.relation)
        else:
            previous = tests.get(unique_id)
            unchanged = not full_refresh and previous is not None and previous[0] == current[unique_id]
            built_by = previous[4] if previous else None
        if unchanged:
            result.carry.append(node)
            result.built_by[unique_id] = built_by or "an earlier run"
        else:
            result.build.append(node)
    for node in result.build:
        relation = incremental.get(node.unique_id)
        if relation is None:
            continue
        result.definitions[relation] = definitions[node.unique_id]
        if relation in existing and built_with.get(relation) != definitions[node.unique_id]:
            result.rebuild_from_scratch.append(relation)
    # A built node's data tests must run again, whatever their own version says.
    rebuilt = {n.unique_id for n in result.build if n.resource_type in BUILT}
    for node in list(result.carry):
        if node.resource_type == "test" and set(node.depends_on) & rebuilt:
            result.carry.remove(node)
            result.build.append(node)
    return result


def record_results(con: duckdb.DuckDBPyConnection, build_plan: BuildPlan, run_results: dict[str, Any],
                   manifest: dict[str, Any], run_id: str) -> None:
    """After dbt: the new versions of what it built, and the results of the tests it ran."""
    con.execute(TEST_RESULTS_DDL)
    props_of = manifest["nodes"]
    tests = []
    for result in run_results.get("results", []):
        unique_id = result["unique_id"]
        props = props_of.get(unique_id)
        if props is None or unique_id not in build_plan.versions:
            continue
        if props["resource_type"] in BUILT and result["status"] == "success":
            relation = f"{props['schema']}.{props['alias']}"
            versions.record(con, relation, build_plan.versions[unique_id], run_id)
            if relation in build_plan.definitions:
                con.execute(INCREMENTAL_DDL)
                con.execute("INSERT OR REPLACE INTO audit.incremental_definitions VALUES (?, ?, ?, current_timestamp)",
                            [relation, build_plan.definitions[relation], run_id])
        elif props["resource_type"] == "test" and result["status"] in ("pass", "fail", "warn", "error"):
            tests.append([unique_id, build_plan.versions[unique_id], result["status"], result.get("failures"),
                          (result.get("message") or "")[:2000], run_id])
    if tests:
        con.executemany("INSERT INTO audit.dbt_test_results VALUES (?, ?, ?, ?, ?, ?, current_timestamp)", tests)


def carried_test_results(con: duckdb.DuckDBPyConnection, build_plan: BuildPlan) -> dict[str, tuple]:
    """unique_id -> (status, failures, message, run_id) of the carried tests' recorded results."""
    previous = previous_test_results(con)
    return {n.unique_id: previous[n.unique_id][1:] for n in build_plan.carry
            if n.resource_type == "test" and n.unique_id in previous}
