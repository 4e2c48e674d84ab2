"""The dbt project as Dagster assets: seeds, staging, intermediate and marts, tests as checks.

A night builds only what changed (build_plan.py): the nodes whose code or inputs
changed since they were built, and their data tests (unit tests test the code, in
`make test`: dbt_run.NIGHT_EXCLUDES). The others are reported as carried
over, with the results their tests had, so the UI shows every asset and check on
every night and says which were computed tonight. MODU_TARGET picks the profile
target dbt builds on; after a Spark build the marts are copied into the build
database (spark_marts.py) so the checks and the release that follow are the same.
When files landed, the build runs in the dbt process the ingest started ahead, which
has imported dbt and parsed the project by then (warm_dbt.py).
"""

import json
from collections.abc import Iterator
from typing import Any

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    DataVersion,
    Failure,
    Output,
    ResourceParam,
)
from dagster_dbt import DbtCliResource, dbt_assets
from dagster_dbt.asset_utils import get_asset_check_key_for_test

from orchestration import warehouse
from orchestration.retries import request_retry, retry_transient, transient_text_reason
from orchestration.settings import Settings
from orchestration.sql import qualified
from orchestration.transform import build_plan, dbt_run, warm_dbt
from orchestration.transform.spark_marts import contract_columns, copy_marts_into, spark_table_metadata
from orchestration.transform.translator import ModuDbtTranslator

TRANSLATOR = ModuDbtTranslator()
CARRIED = "modu/carried_over_from_run"


def _selected_nodes(context: AssetExecutionContext, manifest: dict[str, Any]) -> set[str]:
    """The dbt nodes behind the assets and checks this run selected (a UI run may pick one mart)."""
    keys = context.selected_asset_keys
    checks = context.selected_asset_check_keys
    selected = set()
    for unique_id, props in manifest["nodes"].items():
        kind = props["resource_type"]
        if kind in build_plan.BUILT and TRANSLATOR.get_asset_key(props) in keys:
            selected.add(unique_id)
        elif kind == "test" and get_asset_check_key_for_test(manifest, TRANSLATOR, unique_id, None) in checks:
            selected.add(unique_id)
    return selected


def _carried_events(context: AssetExecutionContext, manifest: dict, plan: build_plan.BuildPlan,
                    test_results: dict[str, tuple], metadata: dict) -> Iterator:
    props_of = manifest["nodes"]
    for node in plan.carry:
        run = plan.built_by[node.unique_id]
        props = props_of.get(node.unique_id)
        if node.resource_type in build_plan.BUILT:
            key = TRANSLATOR.get_asset_key(props)
            yield Output(
                value=None,
                output_name=context.assets_def.get_output_name_for_asset_key(key),
                metadata={CARRIED: run, "modu/version": plan.versions[node.unique_id],
                          **metadata.get(tuple(node.relation.split(".")), {})},
                data_version=DataVersion(plan.versions[node.unique_id]),
            )
        elif node.resource_type == "test" and node.unique_id in test_results:
            key = get_asset_check_key_for_test(manifest, TRANSLATOR, node.unique_id, None)
            if key is None or key not in context.selected_asset_check_keys:
                continue
            status, failures, message, run = test_results[node.unique_id]
            severity = props["config"].get("severity", "ERROR").upper()
            yield AssetCheckResult(
                asset_key=key.asset_key, check_name=key.name, passed=status == "pass",
                severity=AssetCheckSeverity.WARN if severity == "WARN" else AssetCheckSeverity.ERROR,
                description=f"data and test unchanged since run {run}: its result is carried over",
                metadata={CARRIED: run, "dbt_status": status, "failures": failures or 0},
            )


@dbt_assets(manifest=dbt_run.ensure_manifest(), dagster_dbt_translator=TRANSLATOR)
def modu_dbt_assets(context: AssetExecutionContext, dbt: DbtCliResource, settings: ResourceParam[Settings]) -> Iterator:
    s = settings
    manifest = dbt_run.manifest()
    target = dbt_run.run_target_dir(s)
    events: list = []
    invocation = None
    # A DuckDB file held by another process is tried again with backoff; failed models and tests are not.
    # A whole night carries unchanged nodes over; a run of some assets (from the UI) builds them.
    whole = (set(context.selected_asset_keys) == set(context.assets_def.keys)
             and set(context.selected_asset_check_keys) == set(context.assets_def.check_keys))
    with retry_transient(context), warehouse.write_lock(s, context.log.info):
        with warehouse.connect(s) as con:
            requests, latest_request = dbt_run.full_refresh_requests(con)
            full = s.full_refresh or bool(requests)
            plan = build_plan.plan(manifest, _selected_nodes(context, manifest), con, s.target,
                                   full_refresh=full or not whole)
            for relation in plan.rebuild_from_scratch:
                con.execute(f"DROP TABLE IF EXISTS {qualified(*relation.split('.'))}")
                context.log.info(f"dbt: {relation} is rebuilt from scratch: its definition changed since its rows "
                                 "were built")
        context.log.info(f"dbt: {len(plan.build)} node(s) to build, {len(plan.carry)} unchanged and carried over"
                         + (" (--full-refresh: " + ("; ".join(requests) or "MODU_FULL_REFRESH is set") + ")"
                            if full else ""))
        # The dbt process the ingest started ahead, if files landed: used or stopped here.
        with warm_dbt.taken(context.run.run_id, context.log.info) as warm:
            if plan.build:
                args = ["build", *dbt_run.NIGHT_EXCLUDES, *(["--full-refresh"] if full else []), "--target", s.target]
                if plan.carry:
                    # One argument (dbt splits it). Tests are selected by name (fqn:*), not through the
                    # models they read: excluding a carried model must not drop a test that reads it and
                    # a rebuilt one (a relationship), as dbt's default (eager) selection would.
                    args += ["--exclude", " ".join(plan.excluded_selectors), "--indirect-selection", "empty"]
                with dbt_run.dbt_environment(s, warm.environment if warm else {}):
                    invocation = dbt.cli(args, context=context, target_path=target, raise_on_error=False)
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
        succeeded = invocation is None or invocation.is_successful()
        built = [tuple(context.asset_key_for_output(e.output_name).path[-2:]) for e in events if isinstance(e, Output)]
        results_path = target / "run_results.json"
        run_results = json.loads(results_path.read_text(encoding="utf-8")) if invocation and results_path.exists() else {}
        lost = dbt_run.results_not_received(run_results, manifest["nodes"], set(built)) if invocation and succeeded else []
        if s.target == "spark" and invocation is not None:
            marts = [k for k in built if k[0] == "marts"]
            copied = copy_marts_into(s.build_db, s.spark_tables_dir, marts, contract_columns(dbt_run.MANIFEST_PATH),
                                     s.duckdb_config())
            context.log.info("copied the marts Spark built into the build database: "
                             + ", ".join(f"{schema}.{table} ({rows} rows)" for (schema, table), rows in copied.items()))
        with warehouse.connect(s) as con:
            build_plan.record_results(con, plan, run_results, manifest, context.run.run_id)
            carried_tests = build_plan.carried_test_results(con, plan)
            relations = built + [tuple(n.relation.split(".")) for n in plan.carry if n.relation]
            metadata = dbt_run.table_metadata(con, relations)
            if s.target == "spark":
                metadata = {**metadata, **spark_table_metadata(s.spark_tables_dir, [k for k in built if k[0] != "marts"],
                                                               s.duckdb_config())}
            if succeeded and requests and invocation is not None:
                con.execute("DELETE FROM audit.full_refresh_requests WHERE requested_at <= ?", [latest_request])
    by_relation = {(p["schema"], p["alias"]): uid for uid, p in manifest["nodes"].items()
                   if p["resource_type"] in build_plan.BUILT}
    outputs, others = [], []
    for event in events:
        if isinstance(event, Output):
            key = tuple(context.asset_key_for_output(event.output_name).path[-2:])
            unique_id = by_relation.get(key)
            version = plan.versions.get(unique_id)
            outputs.append((unique_id, Output(value=event.value, output_name=event.output_name,
                                              metadata={**event.metadata, **metadata.get(key, {})},
                                              data_version=DataVersion(version) if version else None)))
        else:
            others.append(event)
    for event in _carried_events(context, manifest, plan, carried_tests, metadata):
        if isinstance(event, Output):
            outputs.append((by_relation.get(tuple(context.asset_key_for_output(event.output_name).path[-2:])), event))
        else:
            others.append(event)
    # Built tonight or carried over, every asset comes after the assets it depends on.
    depth = build_plan.depths(manifest)
    for _, output in sorted(outputs, key=lambda pair: depth.get(pair[0], 0)):
        yield output
    yield from others
    if lost:
        raise Failure(
            description=f"dbt built {', '.join(lost)} but its result never reached Dagster (a line of dbt's "
            f"output was unreadable); so that nothing is published unchecked, this step fails. dbt logs: {target}",
            allow_retries=False,
        )
    if not succeeded:
        failed = [e for e in events if isinstance(e, AssetCheckResult) and not e.passed]
        raise Failure(
            description="dbt build failed; the marts are not published. "
            + (f"{len(failed)} dbt test(s) failed. " if failed else "")
            + f"dbt logs: {target}",
            allow_retries=False,
        )
