"""The summary `make refresh` prints: where the marts are, rows, rejects, checks, and for a
failed night what failed, where its full log is and what became of its alert."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dagster import ExecuteInProcessResult

from orchestration.automation.alerts import describe_step_failure
from orchestration.check_outcomes import outcomes_in
from orchestration.publish.release import current_release
from orchestration.settings import Settings

LINE_CHARS = 400


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= LINE_CHARS else text[:LINE_CHARS - 1] + "…"


def _check_counts(result: ExecuteInProcessResult, said: set[str]) -> tuple[int, list[str], list[str]]:
    """Checks passed; checks failed (ERROR: they stop the night); checks that warn. A description
    in `said` (a failed step's error, printed already) is not printed again."""
    passed, failed, warned = 0, [], []
    for outcome in outcomes_in(result.all_events):
        if outcome.passed:
            passed += 1
            continue
        line = f"{outcome.asset}: {outcome.check}"
        if outcome.description and _short(outcome.description) not in said:
            line += f": {_short(outcome.description)}"
        (warned if outcome.warns_only else failed).append(line)
    return passed, failed, warned


def _rejected_by_source(result: ExecuteInProcessResult) -> str:
    """From the ingest assets' metadata: the summary never opens the build database."""
    counts = []
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        if materialization.asset_key.path[0] == "raw":
            rejected = materialization.metadata.get("rejected_rows_of_source")
            counts.append(f"{materialization.asset_key.path[-1]} {rejected.value if rejected else '?'}")
    return ", ".join(sorted(counts)) or "no source was ingested"


def _mart_rows_change(result: ExecuteInProcessResult) -> dict:
    """Tonight's change of rows per mart, from the run summary of the serving/release metadata."""
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        if materialization.asset_key.path == ["serving", "release"] and "mart_rows_change" in materialization.metadata:
            return dict(materialization.metadata["mart_rows_change"].value)
    return {}


def _postgres_status(result: ExecuteInProcessResult) -> str:
    """What tonight's publish did with the Postgres endpoint, from the serving/postgres metadata."""
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        if materialization.asset_key.path == ["serving", "postgres"] and "postgres" in materialization.metadata:
            pg = materialization.metadata["postgres"].value
            if pg.get("status") == "loaded":
                return f"loaded in {pg['seconds']} s, {pg['endpoint']}"
            return f"{pg.get('status')}: {pg.get('reason') or pg.get('error') or pg.get('endpoint', '')}"
    return "not published tonight"


def _alert_line(s: Settings, alert: tuple[dict[str, Any], bool]) -> str:
    written, new = alert
    if not new:
        return f"alert: in {s.alerts_log} already (raised {written['alerted_at']})"
    hook = written.get("webhook")
    delivery = "" if hook is None else f"; webhook: {hook}"
    return f"alert: written to {s.alerts_log}{delivery}"


def print_summary(s: Settings, result: ExecuteInProcessResult, log_file: Path | None = None,
                  alert: tuple[dict[str, Any], bool] | None = None) -> None:
    print()
    print("=" * 72)
    print(f"nightly_refresh {'succeeded' if result.success else 'FAILED'} (run {result.run_id})")
    said = set()
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE":
            failure = describe_step_failure(event)
            said.add(_short(failure["error"]))
            print(f"  failed step {failure['step']}: {_short(failure['error'])}")
    release = current_release(s.serving_dir)
    if release is None:
        print("no release has been published yet")
    else:
        print(f"marts (release {release['release_id']}, built on {release.get('built_on', 'duckdb')}):")
        print(f"  DuckDB catalog for BI tools (open read-only): {s.catalog_db}")
        print(f"  Parquet files: {s.serving_dir / 'current'}/<schema>.<table>.parquet")
        print(f"  static report (opens from disk): {s.report_html}")
        print(f"  Postgres endpoint (make serve): {_postgres_status(result)}")
        changes = _mart_rows_change(result)
        width = max(map(len, release["tables"]), default=0)
        for table, rows in release["tables"].items():
            change = changes.get(table)
            since = "" if table not in changes else ("  (new)" if change is None else f"  ({change:+,} since the previous release)")
            print(f"    {table:<{width}} {rows:>10,} rows{since}")
        if not result.success:
            print("  (this is the last good release: tonight's run did not publish)")
    print("rejected rows (audit.rejected_rows): " + _rejected_by_source(result))
    passed, failed, warned = _check_counts(result, said)
    print(f"checks: {passed} passed, {len(warned)} warned, {len(failed)} failed")
    for line in failed:
        print(f"  failed check {line}")
    for line in warned:
        print(f"  warning {line}")
    if log_file is not None:
        print(f"full log (tracebacks included): {log_file}")
    if not result.success:
        print(f"the run in the UI (make ui): {s.run_link(result.run_id)}")
    if alert is not None:
        print(_alert_line(s, alert))
    print("=" * 72)
