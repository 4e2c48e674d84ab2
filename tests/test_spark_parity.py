"""MODU_TARGET=spark publishes the same marts as the DuckDB default.

One landing folder holds the shipped sample and every loadable messy ingest fixture
(other encodings, compressions, extra and missing columns, rejected rows). The real
nightly refresh runs on it once per engine, and every mart of the two releases must
hold the same rows (floats within 1e-9 relative). The Spark refresh starts a real
local Spark (dbt-spark session mode) once for the module: about three minutes on a
2-core machine, the slowest fixture of the suite.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from benchmarks.marts_diff import read_table, release_marts, table_differences
from orchestration.check_outcomes import outcomes_in
from orchestration.ingest.checks import CHECK_NAME as REJECT_SHARE_CHECK
from orchestration.quality.suites import load_suites
from orchestration.settings import REPO_ROOT, Settings
from tests.conftest import SHIPPED_RAW, run_refresh
from tests.parity_helpers import land_messy_fixtures

EXPECTED_MARTS = {
    "marts.city_indicators", "marts.compute_buildout", "marts.dim_region", "marts.figure_reconciliation",
    "marts.modu_index", "marts.policy_cadence", "marts.policy_timeline", "marts.published_figures",
}


def _refresh(base: Path, raw: Path, target: str) -> tuple[Settings, object]:
    settings = Settings(raw_dir=raw, warehouse_dir=base / f"warehouse-{target}", keep_releases=2, target=target)
    result = run_refresh(settings)
    assert result.success, [e.message for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    return settings, result


def _current(settings: Settings) -> Path:
    return (settings.serving_dir / "current").resolve()


def _check_outcomes(result) -> dict[tuple[str, str], tuple[bool, str | None]]:
    return {(o.asset, o.check): (o.passed, o.severity) for o in outcomes_in(result.all_events)}


@pytest.fixture(scope="module")
def both_engines(tmp_path_factory):
    """(DuckDB settings, result), (Spark settings, result) of the same landing folder."""
    base = tmp_path_factory.mktemp("spark-parity")
    raw = base / "raw"
    shutil.copytree(SHIPPED_RAW, raw)
    land_messy_fixtures(raw)
    return _refresh(base, raw, "duckdb"), _refresh(base, raw, "spark")


@pytest.fixture(scope="module")
def on_spark(both_engines):
    return both_engines[1]


def test_marts_built_on_spark_equal_the_duckdb_ones(both_engines):
    (duckdb_settings, _), (spark_settings, _) = both_engines
    expected, actual = release_marts(_current(duckdb_settings)), release_marts(_current(spark_settings))
    assert set(expected) == set(actual) == EXPECTED_MARTS
    differences = {name: table_differences(expected[name], actual[name]) for name in expected}
    assert {name: d for name, d in differences.items() if d} == {}
    # The fixtures reach the marts: the sample's 11 documents and the fixtures' 21, from
    # several files, encodings and regions.
    _, timeline = read_table(actual["marts.policy_timeline"])
    assert len(timeline) == 11 + 21


def test_spark_release_says_so_and_went_through_the_same_checks(both_engines):
    (duckdb_settings, duckdb_result), (spark_settings, spark_result) = both_engines
    manifest = json.loads((_current(spark_settings) / "release.json").read_text(encoding="utf-8"))
    assert manifest["built_on"] == "spark"
    assert json.loads((_current(duckdb_settings) / "release.json").read_text(encoding="utf-8"))["built_on"] == "duckdb"
    spark_checks, duckdb_checks = _check_outcomes(spark_result), _check_outcomes(duckdb_result)
    # Every check (dbt tests, GX suites) that ran with the DuckDB build ran with the Spark one, with
    # the same outcome; none that stops a night failed. The messy fixtures reject many of their
    # lines on purpose, so each source's per-file reject share warns, on both engines alike.
    assert spark_checks == duckdb_checks
    not_passed = {key: severity for key, (passed, severity) in spark_checks.items() if not passed}
    assert not_passed == {(f"raw/{source}", REJECT_SHARE_CHECK): "WARN"
                          for source in ("compute", "enterprises", "indicators", "policies")}
    gx_mart_checks = {(f"{suite.schema}/{suite.table}", name)
                      for suite in load_suites() if suite.blocking for name in suite.check_names}
    assert len(gx_mart_checks) == 30  # the expectations of the eight expectations/marts.*.json suites
    assert gx_mart_checks <= set(spark_checks)


def test_spark_seed_keeps_apostrophes_and_empty_cells(on_spark):
    # dbt-spark's own seed loader turns an empty cell into the text 'None' and breaks on
    # an apostrophe; macros/spark_seed_rows.sql replaces it.
    columns, rows = read_table(release_marts(_current(on_spark[0]))["marts.dim_region"])
    by_code = {row[0]: dict(zip([c for c, _ in columns], row)) for row in rows}
    assert by_code["130102"]["name_en"] == "Chang'an District"
    assert by_code["130000"]["city_code"] is None  # a province lies in no city
    assert not [code for code, row in by_code.items() if "None" in (row["city_code"], row["province_code"])]


def test_spark_writes_only_inside_the_warehouse_folder(on_spark):
    settings = on_spark[0]
    assert (settings.spark_tables_dir / "marts.db" / "city_indicators").is_dir()
    assert (settings.spark_dir / "metastore_db").is_dir()
    for stray in ("derby.log", "metastore_db", "spark-warehouse"):
        assert not (REPO_ROOT / stray).exists()
        assert not (REPO_ROOT / "dbt_project" / stray).exists()


def test_table_differences_sees_a_changed_value_and_tolerates_float_noise(tmp_path):
    import duckdb

    con = duckdb.connect()
    try:
        con.execute(f"COPY (SELECT 'a' AS k, 1.0::DOUBLE AS x, 2 AS n) TO '{tmp_path / 'base.parquet'}'")
        con.execute(f"COPY (SELECT 'a' AS k, 1.0000000000001::DOUBLE AS x, 2 AS n) TO '{tmp_path / 'noise.parquet'}'")
        con.execute(f"COPY (SELECT 'a' AS k, 1.001::DOUBLE AS x, 2 AS n) TO '{tmp_path / 'float.parquet'}'")
        con.execute(f"COPY (SELECT 'a' AS k, 1.0::DOUBLE AS x, 3 AS n) TO '{tmp_path / 'int.parquet'}'")
    finally:
        con.close()
    assert table_differences(tmp_path / "base.parquet", tmp_path / "noise.parquet") == []
    assert table_differences(tmp_path / "base.parquet", tmp_path / "float.parquet")
    assert table_differences(tmp_path / "base.parquet", tmp_path / "int.parquet")
