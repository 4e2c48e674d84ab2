"""A suite whose table did not change is not validated again: its results are carried over, and say so.

Runs the real layer check (checks.build_layer_checks) in Dagster on a hand-made table,
writing table versions the way the ingest and dbt steps do (versions.record).
"""

from __future__ import annotations

import json

import duckdb
import pytest
from dagster import AssetKey, DagsterInstance, asset, materialize

from orchestration import versions
from orchestration.quality import runner
from orchestration.quality.checks import build_layer_checks
from orchestration.quality.suites import Suite
from orchestration.settings import Settings

SUITE = Suite("marts.sample", [
    {"type": "expect_column_values_to_be_between", "kwargs": {"column": "capacity", "min_value": 0},
     "meta": {"check": "capacity_not_negative"}},
    {"type": "unexpected_rows_expectation",
     "kwargs": {"unexpected_rows_query": "SELECT * FROM {batch} WHERE region_code NOT IN (SELECT region_code FROM marts.dim_region)"},
     "meta": {"check": "region_code_in_dim_region"}},
    {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 0},
     "meta": {"check": "row_count_within_previous_bounds", "modu_relative_to_previous": {"min_ratio": 0.75, "max_ratio": None}}},
])


@asset(key=AssetKey(["marts", "sample"]))
def sample_table() -> None:
    """Stands for the dbt model; the test writes the table itself."""


@pytest.fixture
def settings(tmp_path) -> Settings:
    s = Settings(raw_dir=tmp_path / "raw", warehouse_dir=tmp_path / "warehouse", keep_releases=5,
                 duckdb_memory_limit="300MB", duckdb_threads=1)
    s.build_db.parent.mkdir(parents=True)
    con = duckdb.connect(str(s.build_db))
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.dim_region AS SELECT * FROM (VALUES ('110000'), ('310000')) AS t(region_code)")
    con.execute("""CREATE TABLE marts.sample AS SELECT * FROM (VALUES
        ('110000', 10.0), ('110000', -1.0), ('310000', 7.0), ('310000', 2.0)) AS t(region_code, capacity)""")
    con.close()
    return s


@pytest.fixture
def validated(monkeypatch) -> list[str]:
    """The suites GX validated, run after run."""
    seen: list[str] = []
    real = runner.validate

    def counting(settings, targets, run_name):
        seen.extend(target.suite.name for target in targets)
        return real(settings, targets, run_name)

    monkeypatch.setattr(runner, "validate", counting)
    return seen


def sql(settings: Settings, statement: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(settings.build_db))
    try:
        return con.execute(statement, params or []).fetchall()
    finally:
        con.close()


def record_version(settings: Settings, table: str, version: str) -> None:
    con = duckdb.connect(str(settings.build_db))
    versions.record(con, table, version, run_id="writer")
    con.close()


def check(settings: Settings):
    """One run of the marts layer check; returns (run id, {check: evaluation})."""
    result = materialize([sample_table, build_layer_checks("marts", [SUITE])], resources={"settings": settings},
                         instance=DagsterInstance.ephemeral(), raise_on_error=False)
    # mart checks block: a failed one fails the step, after it reported every check
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert set(evaluations) == set(SUITE.check_names)
    return result.run_id, evaluations


def gx_runs(settings: Settings) -> set[str]:
    """Runs whose validation of marts.sample GX stored (its run names)."""
    folder = settings.quality_dir / "gx" / "uncommitted" / "validations" / "marts" / "sample"
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def test_unchanged_data_is_carried_over_and_changed_data_validated(settings, validated):
    record_version(settings, "marts.sample", "v1")
    record_version(settings, "marts.dim_region", "d1")

    first, checks = check(settings)
    assert validated == ["marts.sample"]
    assert {name: (e.passed, e.metadata["unexpected_count"].value) for name, e in checks.items()
            if name != "row_count_within_previous_bounds"} == {"capacity_not_negative": (False, 1),
                                                                "region_code_in_dim_region": (True, 0)}
    assert checks["capacity_not_negative"].metadata["table_version"].value == "v1"
    assert "carried_over_from_run" not in checks["capacity_not_negative"].metadata
    checked_first = checks["capacity_not_negative"].metadata["checked_at"].value

    second, checks = check(settings)
    assert validated == ["marts.sample"]  # no second validation
    assert gx_runs(settings) == {first}  # and no validation stored, no Data Docs page, for the second run
    evaluation = checks["capacity_not_negative"]
    assert (evaluation.passed, evaluation.metadata["unexpected_count"].value) == (False, 1)
    assert evaluation.metadata["unexpected_sample"].value == [-1.0]
    assert evaluation.metadata["carried_over_from_run"].value == first
    assert evaluation.metadata["table_version"].value == "v1"
    assert evaluation.metadata["checked_at"].value == checked_first
    assert evaluation.description.startswith(f"data unchanged since run {first} (table version v1")
    assert checks["row_count_within_previous_bounds"].metadata["observed_value"].value == "4"
    rows = sql(settings, "SELECT run_id, expectation, success, unexpected_count, table_version, carried_over_from_run, "
                         "checked_at FROM audit.dq_results ORDER BY recorded_at, expectation")
    assert [r[:6] for r in rows] == [
        (first, "capacity_not_negative", False, 1, "v1", None),
        (first, "region_code_in_dim_region", True, 0, "v1", None),
        (first, "row_count_within_previous_bounds", True, None, "v1", None),
        (second, "capacity_not_negative", False, 1, "v1", first),
        (second, "region_code_in_dim_region", True, 0, "v1", first),
        (second, "row_count_within_previous_bounds", True, None, "v1", first),
    ]
    assert rows[0][6] == rows[3][6]  # a carried-over row keeps the time the data was checked

    # new data, new version: validated again, with the new counts; the row count is bounded by
    # the last validated count (4): 2 rows left are under 0.75 x 4
    sql(settings, "DELETE FROM marts.sample WHERE capacity > 0")
    sql(settings, "INSERT INTO marts.sample VALUES ('999999', -3.0)")
    record_version(settings, "marts.sample", "v2")
    third, checks = check(settings)
    assert validated == ["marts.sample", "marts.sample"]
    assert gx_runs(settings) == {first, third}
    got = {name: (e.passed, e.metadata.get("unexpected_count") and e.metadata["unexpected_count"].value)
           for name, e in checks.items()}
    assert got == {"capacity_not_negative": (False, 2), "region_code_in_dim_region": (False, 1),
                   "row_count_within_previous_bounds": (False, None)}
    assert checks["row_count_within_previous_bounds"].metadata["observed_value"].value == "2"
    assert checks["region_code_in_dim_region"].metadata["unexpected_sample"].value == [
        {"region_code": "999999", "capacity": -3.0}]
    assert checks["capacity_not_negative"].metadata["table_version"].value == "v2"
    assert sql(settings, "SELECT count(*), bool_and(carried_over_from_run IS NULL), any_value(table_version) "
                         "FROM audit.dq_results WHERE run_id = ?", [third]) == [(3, True, "v2")]
    # a mart is validated whole, whatever changed: it records no landed files (those are the raw tables')
    assert sql(settings, "SELECT count(*) FROM audit.dq_results WHERE landed_files IS NOT NULL "
                         "OR combined_with_run IS NOT NULL") == [(0,)]
    assert sql(settings, "SELECT count(*) FROM audit.dq_covered_files") == [(0,)]


def test_a_table_without_a_version_is_validated_every_run(settings, validated):
    check(settings)
    _, checks = check(settings)
    assert validated == ["marts.sample", "marts.sample"]
    assert "carried_over_from_run" not in checks["capacity_not_negative"].metadata
    assert sql(settings, "SELECT count(*) FROM audit.dq_results WHERE carried_over_from_run IS NOT NULL") == [(0,)]


def test_a_change_of_another_table_the_suite_reads_or_of_its_rules_validates_again(settings, validated):
    record_version(settings, "marts.sample", "v1")
    record_version(settings, "marts.dim_region", "d1")
    check(settings)
    check(settings)
    assert validated == ["marts.sample"]

    # marts.dim_region loses 310000: the sample table did not change, its check's answer did
    sql(settings, "DELETE FROM marts.dim_region WHERE region_code = '310000'")
    record_version(settings, "marts.dim_region", "d2")
    _, checks = check(settings)
    assert validated == ["marts.sample"] * 2
    assert checks["region_code_in_dim_region"].metadata["unexpected_count"].value == 2

    # the suite's rules change: capacity must now be above 5
    stricter = json.loads(json.dumps(SUITE.expectations))
    stricter[0]["kwargs"]["min_value"] = 5
    run = materialize([sample_table, build_layer_checks("marts", [Suite(SUITE.name, stricter)])],
                      resources={"settings": settings}, instance=DagsterInstance.ephemeral(), raise_on_error=False)
    assert validated == ["marts.sample"] * 3
    (evaluation,) = [e for e in run.get_asset_check_evaluations() if e.check_name == "capacity_not_negative"]
    assert evaluation.metadata["unexpected_count"].value == 2  # -1.0 and 2.0
