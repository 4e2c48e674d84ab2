"""Every expectation suite as Dagster asset checks: one check result per expectation.

Mart checks are blocking: a failure stops the publish step, so analysts keep the
last good release. Raw checks warn. Results also go to audit.dq_results.
"""

import json
from decimal import Decimal

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetChecksDefinition,
    AssetKey,
    MetadataValue,
    ResourceParam,
    multi_asset_check,
)

from orchestration.quality.runner import run_suite
from orchestration.quality.suites import Suite, load_suites
from orchestration import warehouse
from orchestration.settings import Settings

DQ_RESULTS_DDL = """
CREATE SCHEMA IF NOT EXISTS audit;
CREATE TABLE IF NOT EXISTS audit.dq_results (
    run_id VARCHAR, suite VARCHAR, asset VARCHAR, expectation VARCHAR, success BOOLEAN,
    unexpected_count BIGINT, checked_at TIMESTAMP, expectation_type VARCHAR, observed_value VARCHAR,
    unexpected_sample VARCHAR, error VARCHAR);
"""
ROW_COUNT_CHECK = "row_count_within_previous_bounds"


def _plain(value):
    """JSON for sample values: decimals as numbers, dates as ISO text."""
    return float(value) if isinstance(value, Decimal) else str(value)


def _previous_row_count(con, suite: Suite) -> int | None:
    row = con.execute(
        "SELECT observed_value FROM audit.dq_results WHERE suite = ? AND expectation = ? AND success "
        "ORDER BY checked_at DESC LIMIT 1",
        [suite.name, ROW_COUNT_CHECK],
    ).fetchone()
    return int(row[0]) if row and row[0] is not None else None


def _build_suite_checks(suite: Suite) -> AssetChecksDefinition:
    asset_key = AssetKey([suite.schema, suite.table])
    severity = AssetCheckSeverity.ERROR if suite.blocking else AssetCheckSeverity.WARN
    specs = [
        AssetCheckSpec(
            name=e["meta"]["check"],
            asset=asset_key,
            blocking=suite.blocking,
            description=e["kwargs"].get("description") or f"GX {e['type']} {json.dumps(e['kwargs'], ensure_ascii=False)}",
        )
        for e in suite.expectations
    ]

    @multi_asset_check(specs=specs, name=f"gx_{suite.schema}_{suite.table}", description=f"GX suite expectations/{suite.name}.json")
    def gx_suite_checks(context: AssetCheckExecutionContext, settings: ResourceParam[Settings]):
        s = settings
        with warehouse.write_lock(s, context.log.info):
            with warehouse.connect(s) as con:
                con.execute(DQ_RESULTS_DDL)
                previous = _previous_row_count(con, suite)
            outcomes, docs = run_suite(suite, s.build_db, s.quality_dir, previous)
            with warehouse.connect(s) as con:
                con.executemany(
                    "INSERT INTO audit.dq_results VALUES (?, ?, ?, ?, ?, ?, current_timestamp, ?, ?, ?, ?)",
                    [
                        [context.run.run_id, suite.name, asset_key.to_user_string(), o.check, o.success,
                         o.unexpected_count, o.expectation_type,
                         None if o.observed_value is None else str(o.observed_value),
                         json.dumps(o.sample, ensure_ascii=False, default=_plain), o.error]
                        for o in outcomes
                    ],
                )
        failed = [o.check for o in outcomes if not o.success]
        context.log.info(f"GX {suite.name}: {len(outcomes) - len(failed)} passed, {len(failed)} failed; Data Docs {docs}")
        for o in outcomes:
            metadata = {
                "expectation_type": o.expectation_type,
                "data_docs": MetadataValue.path(str(docs)),
            }
            if o.unexpected_count is not None:
                metadata["unexpected_count"] = o.unexpected_count
            if o.observed_value is not None:
                metadata["observed_value"] = str(o.observed_value)
            if o.sample:
                metadata["unexpected_sample"] = MetadataValue.json(json.loads(json.dumps(o.sample, default=_plain)))
            if o.error:
                metadata["error"] = o.error
            yield AssetCheckResult(
                asset_key=asset_key, check_name=o.check, passed=o.success, severity=severity, metadata=metadata
            )

    return gx_suite_checks


gx_checks = [_build_suite_checks(suite) for suite in load_suites()]
