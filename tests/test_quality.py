"""GX suites as asset checks: pushdown on DuckDB, exact counts, and a bad night that does not publish."""

import json
import subprocess
import sys

import duckdb
import pytest

from orchestration.publish.release import current_release
from orchestration.quality.gx_duckdb import register_duckdb_as_persisted_connection_dialect
from orchestration.quality.runner import run_suite
from orchestration.quality.suites import Suite, load_suites, resolve
from orchestration.settings import REPO_ROOT, Settings
from tests.conftest import copy_sample, run_refresh


@pytest.fixture
def small_db(tmp_path):
    """A hand-made table: 2 null codes, 1 negative capacity, 1 duplicate id, 1 future date."""
    path = tmp_path / "build.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts")
    con.execute("""CREATE TABLE marts.sample AS SELECT * FROM (VALUES
        (1, '110000', 10.0, DATE '2023-01-01'),
        (2, NULL,     5.0,  DATE '2023-01-02'),
        (3, NULL,     -1.5, DATE '2023-01-03'),
        (3, '310000', 7.0,  DATE '2999-01-01')) AS t(id, region_code, capacity, happened_on)""")
    con.close()
    return path


SAMPLE_SUITE = Suite("marts.sample", [
    {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "region_code"}, "meta": {"check": "region_not_null"}},
    {"type": "expect_column_values_to_be_between", "kwargs": {"column": "capacity", "min_value": 0, "strict_min": True},
     "meta": {"check": "capacity_positive"}},
    {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "id"}, "meta": {"check": "id_unique"}},
    {"type": "unexpected_rows_expectation",
     "kwargs": {"unexpected_rows_query": "SELECT * FROM {batch} WHERE happened_on > current_date"},
     "meta": {"check": "not_in_future"}},
    {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 0},
     "meta": {"check": "row_count_within_previous_bounds", "modu_relative_to_previous": {"min_ratio": 0.5, "max_ratio": None}}},
])


def test_gx_counts_unexpected_rows_on_duckdb(small_db, tmp_path):
    outcomes, docs = run_suite(SAMPLE_SUITE, small_db, tmp_path / "gx", previous_row_count=None)
    got = {o.check: (o.success, o.unexpected_count) for o in outcomes}
    assert got == {
        "region_not_null": (False, 2),
        "capacity_positive": (False, 1),
        "id_unique": (False, 2),
        "not_in_future": (False, 1),
        "row_count_within_previous_bounds": (True, None),
    }
    assert next(o for o in outcomes if o.check == "capacity_positive").sample == [-1.5]
    assert docs.exists() and docs.name == "index.html"


def test_row_count_bound_comes_from_the_previous_run(small_db, tmp_path):
    outcomes, _ = run_suite(SAMPLE_SUITE, small_db, tmp_path / "gx", previous_row_count=10)
    row_count = next(o for o in outcomes if o.check == "row_count_within_previous_bounds")
    assert (row_count.success, row_count.observed_value) == (False, 4)  # 4 < 0.5 x 10


def test_gx_leaves_the_database_file_free_for_the_next_writer(small_db, tmp_path):
    run_suite(SAMPLE_SUITE, small_db, tmp_path / "gx", previous_row_count=None)
    writer = duckdb.connect(str(small_db))  # same process, read-write: fails if GX still holds it
    writer.execute("INSERT INTO marts.sample VALUES (9, '110000', 1.0, DATE '2020-01-01')")
    writer.close()


def test_persisted_connection_registration_is_idempotent():
    from great_expectations.execution_engine import sqlalchemy_execution_engine as engine_module

    register_duckdb_as_persisted_connection_dialect()
    register_duckdb_as_persisted_connection_dialect()
    names = [getattr(d, "value", d) for d in engine_module._PERSISTED_CONNECTION_DIALECTS]
    assert names.count("duckdb") == 1
    assert "duckdb" in engine_module._PERSISTED_CONNECTION_DIALECTS


def test_every_table_has_a_suite_and_every_check_a_unique_name():
    names = {s.name for s in load_suites()}
    assert {"raw.indicators", "raw.enterprises", "raw.policies", "raw.compute", "marts.dim_region",
            "marts.city_indicators", "marts.policy_timeline", "marts.policy_cadence", "marts.compute_buildout",
            "marts.modu_index", "marts.figure_reconciliation", "marts.published_figures"} == names
    for suite in load_suites():
        assert len(suite.check_names) == len(set(suite.check_names)), suite.name
        assert suite.blocking == (suite.schema == "marts")


def test_raw_suites_read_regions_from_the_seed():
    suite = next(s for s in load_suites() if s.name == "raw.compute")
    query = next(e for e in resolve(suite, None) if e["meta"]["check"] == "region_code_in_dim_region")
    assert "seeds/regions.csv" in query["kwargs"]["unexpected_rows_query"]


def test_a_negative_capacity_stops_publication_and_keeps_the_last_release(tmp_path):
    settings = Settings(raw_dir=copy_sample(tmp_path / "raw"), warehouse_dir=tmp_path / "warehouse", keep_releases=3)
    assert run_refresh(settings).success
    good = current_release(settings.serving_dir)

    (settings.raw_dir / "compute" / "broken.csv").write_text(
        "project,region,event,event_date,capacity\n合肥坏数据算力中心,合肥,竣工,2023-09-01,-500P\n", encoding="utf-8")
    result = run_refresh(settings)

    assert not result.success
    failed_checks = {
        (e.event_specific_data.asset_key.to_user_string(), e.event_specific_data.check_name)
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION" and not e.event_specific_data.passed
    }
    assert ("marts/compute_buildout", "capacity_completed_not_negative") in failed_checks
    assert ("raw/compute", "capacity_positive") in failed_checks
    assert "serving__release" not in {e.step_key for e in result.all_events if e.event_type_value == "STEP_SUCCESS"}
    assert current_release(settings.serving_dir) == good

    con = duckdb.connect(str(settings.build_db), read_only=True)
    rows = con.execute(
        "SELECT success, unexpected_count, unexpected_sample FROM audit.dq_results "
        "WHERE run_id = ? AND suite = 'marts.compute_buildout' AND expectation = 'capacity_completed_not_negative'",
        [result.run_id]).fetchall()
    con.close()
    assert rows == [(False, 1, json.dumps([-500.0]))]
    assert settings.data_docs_index.exists()


def test_gx_imports_in_a_process_that_pyspark_takes_for_a_doctest_run():
    # `python -c` gives __main__ no __spec__ and no __file__, as Dagster's run worker does;
    # there pyspark's Spark Connect guard calls sys.exit(0) when GX imports it unguarded.
    code = (
        "from orchestration.quality.gx_duckdb import import_great_expectations\n"
        "gx = import_great_expectations(); print('gx', gx.__version__)\n"
        "import pyspark.sql; print('pyspark still importable')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert len(lines) == 2 and lines[0].startswith("gx 1.24."), done.stdout + done.stderr[-2000:]
    assert lines[1] == "pyspark still importable"
