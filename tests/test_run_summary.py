"""What changed tonight: rows per mart and rejected rows per source against the previous
release, and the checks that failed, kept in audit.run_summaries."""

import duckdb

from orchestration.check_outcomes import CheckOutcome
from orchestration.publish.release import new_release_id, write_release
from orchestration.publish.run_summary import RUN_SUMMARIES, record, summarize

MARTS = ["marts.city_indicators", "marts.policy_timeline"]


def _build(db, cities: int, policies: int, rejected: dict[str, int], landed=("indicators", "enterprises", "policies")):
    con = duckdb.connect(str(db))
    con.execute("CREATE SCHEMA IF NOT EXISTS marts; CREATE SCHEMA IF NOT EXISTS audit")
    con.execute(f"CREATE OR REPLACE TABLE marts.city_indicators AS SELECT range AS id FROM range({cities})")
    con.execute(f"CREATE OR REPLACE TABLE marts.policy_timeline AS SELECT range AS id FROM range({policies})")
    con.execute("CREATE OR REPLACE TABLE audit.rejected_rows (source VARCHAR, line BIGINT)")
    for source, n in rejected.items():
        con.execute("INSERT INTO audit.rejected_rows SELECT ?, range FROM range(?)", [source, n])
    # the sources that landed a file: each is summed, with or without rejected rows
    con.execute("CREATE OR REPLACE TABLE audit.ingested_files AS SELECT unnest(?::VARCHAR[]) AS source", [list(landed)])
    return con


def test_first_and_second_night(tmp_path):
    db, serving = tmp_path / "build.duckdb", tmp_path / "serving"
    con = _build(db, 446, 11, {"indicators": 2})
    first_id = new_release_id("run-1aaaa")
    first = summarize(con, "run-1", first_id, MARTS, None, [
        CheckOutcome("raw/indicators", "values_in_range", False, "ERROR", "2 values out of range"),
        CheckOutcome("marts/policy_timeline", "unique_policy_id", True, "ERROR"),
    ])
    record(con, first)
    con.close()
    assert first.previous_release_id is None
    assert first.mart_rows["marts.city_indicators"].value == 446
    assert first.mart_rows["marts.city_indicators"].change is None  # nothing to compare with
    assert first.rejected_rows["indicators"].value == 2 and first.rejected_rows["enterprises"].value == 0
    assert first.checks_failed.value == 1
    assert first.failed_checks == [{"asset": "raw/indicators", "check": "values_in_range", "severity": "ERROR",
                                    "description": "2 values out of range"}]
    released = write_release(db, serving, first_id, [*MARTS, "audit.rejected_rows", RUN_SUMMARIES])

    con = _build(db, 450, 11, {"indicators": 1, "policies": 3})
    second = summarize(con, "run-2", new_release_id("run-2bbbb"), MARTS, released.folder, [])
    record(con, second)
    rows = con.execute(f"SELECT run_id, metric, subject, value, previous_value, change FROM {RUN_SUMMARIES} "
                       "WHERE run_id = 'run-2' ORDER BY metric, subject").fetchall()
    con.close()
    assert second.previous_release_id == released.release_id
    assert ("run-2", "mart_rows", "marts.city_indicators", 450, 446, 4) in rows
    assert ("run-2", "mart_rows", "marts.policy_timeline", 11, 11, 0) in rows
    assert ("run-2", "rejected_rows", "indicators", 1, 2, -1) in rows
    assert ("run-2", "rejected_rows", "policies", 3, 0, 3) in rows
    assert ("run-2", "checks_failed", "total", 0, 1, -1) in rows  # the previous release's run had one
    meta = second.as_metadata()
    assert meta["mart_rows_change"] == {"marts.city_indicators": 4, "marts.policy_timeline": 0}
    assert meta["rejected_rows_by_source"]["policies"] == 3 and meta["checks_failed"] == 0
    assert "| marts.city_indicators | 450 | +4 |" in second.markdown()
