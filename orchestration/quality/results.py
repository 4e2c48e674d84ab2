"""audit.dq_results: one row per expectation per run, validated or carried over; and the files behind them.

The contract's columns (shared/contract/marts.md) come first: run_id, suite, asset,
expectation, success, unexpected_count, checked_at. `checked_at` is when the data
was actually checked: a row carried over keeps the check time of the run that
validated (`carried_over_from_run`), and `recorded_at` says when this run wrote it.
`table_version` is the version of the suite's table the result was computed on
(audit.table_versions; null when the table had none), `suite_version` the version of
the rules and of every other input (suites.py, layer.py), `data_docs` the GX page of
the validation that computed the row.

A raw table's results also say which landed files they describe, so that a night which
only added files validates those alone (landed.py): audit.dq_covered_files has one row per
file (content hash, when it was ingested) per suite per run that validated, whole or not;
a carried-over row's files are those of its `carried_over_from_run`. One row per file
rather than a list on every expectation's row: the list grows with every landed file, and
audit.dq_results is published with each release. A night that validated only newly landed
files names them on its rows (`landed_files`, JSON: content hash -> file) and, on each
check whose count adds up across files, the run whose result it added them to
(`combined_with_run`); the other checks read the whole table.
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
ALTER TABLE audit.dq_results ADD COLUMN IF NOT EXISTS landed_files VARCHAR;
ALTER TABLE audit.dq_results ADD COLUMN IF NOT EXISTS combined_with_run VARCHAR;
CREATE TABLE IF NOT EXISTS audit.dq_covered_files (
    run_id VARCHAR, suite VARCHAR, file_hash VARCHAR, ingested_at TIMESTAMP);
"""
COLUMNS = ("run_id", "suite", "asset", "expectation", "success", "unexpected_count", "checked_at",
           "expectation_type", "observed_value", "unexpected_sample", "error", "table_version",
           "suite_version", "carried_over_from_run", "recorded_at", "data_docs", "landed_files",
           "combined_with_run")


@dataclass(frozen=True)
class Landed:
    """How a night that validated only a raw table's newly landed files made its results."""

    files: dict[str, str]  # content hash -> landed file, of the files whose rows were validated
    previous_run: str  # the run that validated the other rows: its counts were added to
    combined: tuple[str, ...]  # the checks whose counts add up across files; the others read the whole table
    rows: int | None = None  # rows of those files; None when read back from audit.dq_results
    previous_rows: int | None = None
    previous_checked_at: datetime | None = None
    previous_counts: dict[str, int] | None = None  # check -> the unexpected count it was added to


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
    covered_files: dict[str, str] | None = None  # raw tables: content hash -> ingested_at of the files described
    landed: Landed | None = None  # when only newly landed files were validated


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
               coalesce(r.carried_over_from_run, r.run_id), r.data_docs, r.landed_files, r.combined_with_run
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
                     observed_value=r[6], sample=json.loads(r[7]) if r[7] else [], error=r[8], data_docs=r[12])
        for r in rows
    ]
    first = rows[0]
    combined = [r for r in rows if r[14] is not None]
    landed = Landed(json.loads(first[13]), combined[0][14], tuple(r[1] for r in combined)) \
        if first[13] is not None and combined else None
    covered = {h: at.isoformat() for h, at in con.execute(
        "SELECT file_hash, ingested_at FROM audit.dq_covered_files WHERE run_id = ? AND suite = ?",
        [first[11], suite]).fetchall()}
    return SuiteResult(suite=suite, asset=first[0], outcomes=outcomes, checked_at=first[4],
                       table_version=first[9], suite_version=first[10], data_docs=first[12],
                       validated_in=first[11], covered_files=covered or None, landed=landed)


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
    landed = result.landed
    con.executemany(
        f"INSERT INTO audit.dq_results ({', '.join(COLUMNS)}) VALUES ({placeholders})",
        [
            [run_id, result.suite, result.asset, o.check, o.success, o.unexpected_count, result.checked_at,
             o.expectation_type, None if o.observed_value is None else str(o.observed_value),
             sample_json(o.sample), o.error, result.table_version, result.suite_version,
             result.validated_in if result.carried_over else None, recorded_at, o.data_docs or result.data_docs,
             None if landed is None else json.dumps(landed.files, sort_keys=True, ensure_ascii=False),
             landed.previous_run if landed and o.check in landed.combined else None]
            for o in result.outcomes
        ],
    )
    if result.covered_files and not result.carried_over:
        con.execute("DELETE FROM audit.dq_covered_files WHERE run_id = ? AND suite = ?", [run_id, result.suite])
        hashes = sorted(result.covered_files)
        con.execute("INSERT INTO audit.dq_covered_files SELECT ?, ?, unnest(?::VARCHAR[]), unnest(?::TIMESTAMP[])",
                    [run_id, result.suite, hashes, [result.covered_files[h] for h in hashes]])
