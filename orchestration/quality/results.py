"""audit.dq_results: one row per expectation per run, validated or carried over.

The contract's columns (shared/contract/marts.md) come first: run_id, suite, asset,
expectation, success, unexpected_count, checked_at. `checked_at` is when the data
was actually checked: a row carried over keeps the check time of the run that
validated (`carried_over_from_run`), and `recorded_at` says when this run wrote it.
`table_version` is the version of the suite's table the result was computed on
(audit.table_versions; null when the table had none), `suite_version` the version of
the rules and of every other input (suites.py, layer.py), `data_docs` the GX page of
the validation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import duckdb

from orchestration.quality.runner import CheckOutcome

DDL = """
CREATE SCHEMA IF NOT EXISTS audit;
CREATE TABLE IF NOT EXISTS audit.dq_results (
    run_id VARCHAR, suite VARCHAR, asset VARCHAR, expectation VARCHAR, success BOOLEAN,
    unexpected_count BIGINT, checked_at TIMESTAMP, expectation_type VARCHAR, observed_value VARCHAR,
    unexpected_sample VARCHAR, error VARCHAR);
ALTER TABLE audit.dq_results ADD COLUMN IF NOT EXISTS table_version VARCHAR;
ALTER TABLE audit.dq_results ADD COLUMN IF NOT EXISTS suite_version VARCHAR;
ALTER TABLE audit.dq_results ADD COLUMN IF NOT EXISTS carried_over_from_run VARCHAR;
ALTER TABLE audit.dq_results ADD COLUMN IF NOT EXISTS recorded_at TIMESTAMP;
ALTER TABLE audit.dq_results ADD COLUMN IF NOT EXISTS data_docs VARCHAR;
"""
COLUMNS = ("run_id", "suite", "asset", "expectation", "success", "unexpected_count", "checked_at",
           "expectation_type", "observed_value", "unexpected_sample", "error", "table_version",
           "suite_version", "carried_over_from_run", "recorded_at", "data_docs")


@dataclass
class SuiteResult:
    """One suite's results in one run."""

    suite: str
    asset: str
    outcomes: list[CheckOutcome]
    checked_at: datetime
    table_version: str | None
    suite_version: str | None
    data_docs: str | None
    validated_in: str  # the run that validated; this run's id unless carried over
    carried_over: bool = False


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)


def plain(value):
    """JSON for sample values: decimals as numbers, dates as ISO text."""
    return float(value) if isinstance(value, Decimal) else str(value)


def sample_json(sample: list) -> str:
    return json.dumps(sample, ensure_ascii=False, default=plain)


def latest(con: duckdb.DuckDBPyConnection, suite: str) -> SuiteResult | None:
    """The suite's most recently recorded results (of whichever run), or None."""
    rows = con.execute(
        """
        WITH last AS (
            SELECT run_id, coalesce(recorded_at, checked_at) AS last_at FROM audit.dq_results WHERE suite = ?
            ORDER BY last_at DESC LIMIT 1)
        SELECT r.asset, r.expectation, r.success, r.unexpected_count, r.checked_at, r.expectation_type,
               r.observed_value, r.unexpected_sample, r.error, r.table_version, r.suite_version,
               coalesce(r.carried_over_from_run, r.run_id), r.data_docs
        FROM audit.dq_results r JOIN last ON r.run_id = last.run_id AND coalesce(r.recorded_at, r.checked_at) = last.last_at
        WHERE r.suite = ?
        ORDER BY r.expectation
        """,
        [suite, suite],
    ).fetchall()
    if not rows:
        return None
    outcomes = [
        CheckOutcome(check=r[1], expectation_type=r[5], success=bool(r[2]), unexpected_count=r[3],
                     observed_value=r[6], sample=json.loads(r[7]) if r[7] else [], error=r[8])
        for r in rows
    ]
    first = rows[0]
    return SuiteResult(suite=suite, asset=first[0], outcomes=outcomes, checked_at=first[4],
                       table_version=first[9], suite_version=first[10], data_docs=first[12],
                       validated_in=first[11])


def previous_validated_row_count(con: duckdb.DuckDBPyConnection, suite: str, check: str | None) -> int | None:
    """The row count observed at the suite's last validated (not carried over) successful row-count check."""
    if check is None:
        return None
    row = con.execute(
        "SELECT observed_value FROM audit.dq_results WHERE suite = ? AND expectation = ? AND success "
        "AND carried_over_from_run IS NULL ORDER BY checked_at DESC LIMIT 1",
        [suite, check],
    ).fetchone()
    return int(row[0]) if row and row[0] is not None else None


def record(con: duckdb.DuckDBPyConnection, run_id: str, result: SuiteResult, recorded_at: datetime) -> None:
    """Write the suite's rows for this run (a carried-over result names the run that validated)."""
    placeholders = ", ".join("?" for _ in COLUMNS)
    con.executemany(
        f"INSERT INTO audit.dq_results ({', '.join(COLUMNS)}) VALUES ({placeholders})",
        [
            [run_id, result.suite, result.asset, o.check, o.success, o.unexpected_count, result.checked_at,
             o.expectation_type, None if o.observed_value is None else str(o.observed_value),
             sample_json(o.sample), o.error, result.table_version, result.suite_version,
             result.validated_in if result.carried_over else None, recorded_at, result.data_docs]
            for o in result.outcomes
        ],
    )
