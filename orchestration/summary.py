"""The summary `make refresh` prints: where the marts are, rows, rejects, checks."""

from __future__ import annotations

from dagster import ExecuteInProcessResult

from orchestration.publish.release import current_release
from orchestration.settings import Settings


def _check_counts(result: ExecuteInProcessResult) -> tuple[int, int, list[str]]:
    passed, failed, names = 0, 0, []
    for event in result.all_events:
        if event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            if evaluation.passed:
                passed += 1
            else:
                failed += 1
                names.append(f"{evaluation.asset_key.to_user_string()}: {evaluation.check_name}")
    return passed, failed, names


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


def print_summary(s: Settings, result: ExecuteInProcessResult) -> None:
    print()
    print("=" * 72)
    print(f"nightly_refresh {'succeeded' if result.success else 'FAILED'} (run {result.run_id})")
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE":
            print(f"  failed step {event.step_key}: {event.event_specific_data.error.message.strip()[:400]}")
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
        for table, rows in release["tables"].items():
            change = changes.get(table)
            since = "" if table not in changes else ("  (new)" if change is None else f"  ({change:+,} since the previous release)")
            print(f"    {table:<32} {rows:>10,} rows{since}")
        if not result.success:
            print("  (this is the last good release: tonight's run did not publish)")
    print("rejected rows (audit.rejected_rows): " + _rejected_by_source(result))
    passed, failed, failures = _check_counts(result)
    print(f"checks: {passed} passed, {failed} failed")
    for name in failures:
        print(f"  failed check {name}")
    print("=" * 72)
