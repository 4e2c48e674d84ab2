"""What changed tonight: the run summary each publish records.

For every release the publish step writes, per run:

- rows per published mart, and the change since the release served before it;
- rejected rows per source (audit.rejected_rows), and the change;
- checks that failed in the run (warnings: blocking failures stop the night
  before it publishes), with the count of the previous release's run.

It goes three places: audit.run_summaries in the build database (one row per
metric and subject, all runs kept), the release itself (it is published with
the other audit tables), and the metadata of serving/release in the UI.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from orchestration.sql import qualified

if TYPE_CHECKING:
    from orchestration.check_outcomes import CheckOutcome


RUN_SUMMARIES = "audit.run_summaries"
RUN_SUMMARIES_DDL = """
CREATE SCHEMA IF NOT EXISTS audit;
CREATE TABLE IF NOT EXISTS audit.run_summaries (
    run_id VARCHAR, release_id VARCHAR, previous_release_id VARCHAR, recorded_at TIMESTAMP,
    metric VARCHAR, subject VARCHAR, value BIGINT, previous_value BIGINT, change BIGINT, detail VARCHAR);
"""
TOTAL = "total"


@dataclass(frozen=True)
class Count:
    value: int
    previous: int | None

    @property
    def change(self) -> int | None:
        return None if self.previous is None else self.value - self.previous


@dataclass
class RunSummary:
    run_id: str
    release_id: str
    previous_release_id: str | None
    mart_rows: dict[str, Count] = field(default_factory=dict)
    rejected_rows: dict[str, Count] = field(default_factory=dict)
    checks_failed: Count = field(default_factory=lambda: Count(0, None))
    failed_checks: list[dict[str, Any]] = field(default_factory=list)
    checks_evaluated: int = 0

    def rows(self) -> list[tuple]:
        """Rows of audit.run_summaries (without recorded_at, which the database stamps)."""
        head = (self.run_id, self.release_id, self.previous_release_id)
        out = [(*head, "mart_rows", t, c.value, c.previous, c.change, None) for t, c in self.mart_rows.items()]
        out += [(*head, "rejected_rows", s, c.value, c.previous, c.change, None) for s, c in self.rejected_rows.items()]
        c = self.checks_failed
        out.append((*head, "checks_failed", TOTAL, c.value, c.previous, c.change,
                    f"{self.checks_evaluated} check results in the run"))
        out += [(*head, "check_failed", f"{f['asset']}: {f['check']}", 1, None, None, f.get("description"))
                for f in self.failed_checks]
        return out

    def markdown(self) -> str:
        def sign(change: int | None) -> str:
            return "new" if change is None else f"{change:+,}"

        lines = [f"Compared with release `{self.previous_release_id or 'none (first release)'}`.", "",
                 "| table | rows | change |", "|---|---:|---:|"]
        lines += [f"| {t} | {c.value:,} | {sign(c.change)} |" for t, c in self.mart_rows.items()]
        lines += ["", "| source | rejected rows | change |", "|---|---:|---:|"]
        lines += [f"| {s} | {c.value:,} | {sign(c.change)} |" for s, c in self.rejected_rows.items()]
        lines += ["", f"Checks failed: {self.checks_failed.value} (previous release: "
                  f"{'n/a' if self.checks_failed.previous is None else self.checks_failed.previous})"]
        lines += [f"- {f['asset']}: {f['check']}" + (f" — {f['description']}" if f.get("description") else "")
                  for f in self.failed_checks]
        return "\n".join(lines)

    def as_metadata(self) -> dict[str, Any]:
        return {
            "previous_release_id": self.previous_release_id or "",
            "mart_rows_change": {t: c.change for t, c in self.mart_rows.items()},
            "rejected_rows_by_source": {s: c.value for s, c in self.rejected_rows.items()},
            "rejected_rows_change": {s: c.change for s, c in self.rejected_rows.items()},
            "checks_failed": self.checks_failed.value,
            "failed_checks": [f"{f['asset']}: {f['check']}" for f in self.failed_checks],
        }


def _previous_counts(con: duckdb.DuckDBPyConnection, folder: Path | None, table: str, sql: str,
                     params: list | None = None) -> dict[str, int] | None:
    """Aggregate a table of the previous release (`sql` reads it as read_parquet(?)), or None if
    that release does not have it."""
    if folder is None or not (folder / f"{table}.parquet").exists():
        return None
    rows = con.execute(sql, [str(folder / f"{table}.parquet"), *(params or [])]).fetchall()
    return {str(k): int(v) for k, v in rows}


def _landed_sources(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Every source that landed a file, with or without rejected rows."""
    exists = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'audit' "
                         "AND table_name = 'ingested_files'").fetchone()[0]
    return {s for (s,) in con.execute("SELECT DISTINCT source FROM audit.ingested_files").fetchall()} if exists else set()


def summarize(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    release_id: str,
    mart_tables: list[str],
    previous_folder: Path | None,
    check_outcomes: list[CheckOutcome],
) -> RunSummary:
    """The summary of the run about to publish `release_id` from the build database `con`.

    previous_folder is the release served until now (None on the first night);
    check_outcomes are the run's check evaluations so far (orchestration/check_outcomes.py).
    """
    previous = None
    if previous_folder is not None and (previous_folder / "release.json").exists():
        previous = json.loads((previous_folder / "release.json").read_text(encoding="utf-8"))
    else:
        previous_folder = None
    summary = RunSummary(run_id, release_id, previous["release_id"] if previous else None)
    previous_tables = previous["tables"] if previous else {}
    for table in mart_tables:
        rows = con.execute(f"SELECT count(*) FROM {qualified(*table.split('.'))}").fetchone()[0]
        summary.mart_rows[table] = Count(rows, previous_tables.get(table))
    rejected = dict(con.execute("SELECT source, count(*) FROM audit.rejected_rows GROUP BY source").fetchall())
    before = _previous_counts(
        con, previous_folder, "audit.rejected_rows", "SELECT source, count(*) FROM read_parquet(?) GROUP BY source")
    landed = _landed_sources(con)
    for source in sorted(landed | set(rejected)):
        summary.rejected_rows[source] = Count(int(rejected.get(source, 0)),
                                              None if before is None else before.get(source, 0))
    failed = [o for o in check_outcomes if not o.passed]
    previous_failed = _previous_counts(
        con, previous_folder, RUN_SUMMARIES,
        "SELECT metric, value FROM read_parquet(?) WHERE metric = 'checks_failed' AND subject = 'total' "
        "AND release_id = ?", [previous["release_id"] if previous else None])
    summary.checks_failed = Count(len(failed), (previous_failed or {}).get("checks_failed"))
    summary.failed_checks = [o.about() for o in failed]
    summary.checks_evaluated = len(check_outcomes)
    return summary


def record(con: duckdb.DuckDBPyConnection, summary: RunSummary) -> None:
    """Append the summary to audit.run_summaries (the caller holds the writer lock)."""
    con.execute(RUN_SUMMARIES_DDL)
    con.executemany(
        f"INSERT INTO {RUN_SUMMARIES} (run_id, release_id, previous_release_id, metric, subject, value, "
        "previous_value, change, detail, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp)",
        summary.rows(),
    )
