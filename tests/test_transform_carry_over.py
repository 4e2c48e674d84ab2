"""A night builds the dbt nodes whose code or inputs changed and carries the others over.

Three nights on one warehouse: the first builds everything; the second lands one more
indicator file, so the models that read indicators (and everything downstream) are
rebuilt and the registry's are carried over; the third lands nothing and builds
nothing. A relationship test between a rebuilt mart and a carried-over dim_region runs
on the second night all the same.
"""

from __future__ import annotations

import shutil

import duckdb
import pytest

from orchestration.settings import Settings
from tests.conftest import copy_sample, run_refresh

LATE = "region,indicator,period,value,unit\n合肥,population,2023,985万,人\n"
CARRIED = "modu/carried_over_from_run"


def _materialized(result) -> dict[str, dict]:
    return {"/".join(e.event_specific_data.materialization.asset_key.path): e.event_specific_data.materialization.metadata
            for e in result.get_asset_materialization_events()}


def _test_runs(settings: Settings, name_part: str) -> list[tuple[str, str]]:
    con = duckdb.connect(str(settings.build_db), read_only=True)
    try:
        return con.execute("SELECT run_id, status FROM audit.dbt_test_results WHERE unique_id LIKE ? ORDER BY recorded_at",
                           [f"%{name_part}%"]).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    base = tmp_path_factory.mktemp("carry")
    settings = Settings(raw_dir=copy_sample(base / "raw"), warehouse_dir=base / "warehouse", keep_releases=3)
    first = run_refresh(settings)
    (settings.raw_dir / "indicators" / "late_population.csv").write_text(LATE, encoding="utf-8")
    second_log, third_log = [], []
    second = run_refresh(settings, second_log)
    third = run_refresh(settings, third_log)
    assert first.success and second.success and third.success
    yield settings, first, second, third, second_log, third_log
    shutil.rmtree(base, ignore_errors=True)


def test_the_first_night_builds_every_model(nights):
    _, first, _, _, _, _ = nights
    dbt_models = {k: m for k, m in _materialized(first).items() if k.split("/")[0] in ("staging", "intermediate", "marts")}
    assert dbt_models and not [k for k, m in dbt_models.items() if CARRIED in m]


def test_a_new_indicator_file_rebuilds_what_reads_indicators_and_carries_the_registry_over(nights):
    _, first, second, _, _, _ = nights
    done = _materialized(second)
    rebuilt = {k for k, m in done.items() if k.split("/")[0] in ("staging", "intermediate", "marts") and CARRIED not in m}
    carried = {k for k, m in done.items() if CARRIED in m}
    assert {"staging/stg_indicators__figures", "marts/city_indicators", "marts/published_figures"} <= rebuilt
    assert {"intermediate/int_enterprises__latest_record", "marts/dim_region", "reference/regions"} <= carried
    assert done["marts/dim_region"][CARRIED].value == first.run_id


def test_a_relationship_between_a_rebuilt_and_a_carried_model_is_tested_again(nights):
    settings, first, second, third, _, _ = nights
    runs = _test_runs(settings, "relationships_city_indicators_region_code")
    assert [run for run, _ in runs] == [first.run_id, second.run_id]  # tested on nights 1 and 2, not 3
    assert all(status == "pass" for _, status in runs)


def test_a_night_runs_data_tests_and_no_unit_test(nights):
    """published_figures is rebuilt on night 2 (an indicator file landed) and its data tests run
    again; its unit tests run on no night (they test code, in `make test`)."""
    settings, first, second, _, _, _ = nights
    assert _test_runs(settings, "published_figures.published_figures_keep_forecasts") == []
    assert _test_runs(settings, "unit_test.") == []
    assert [run for run, _ in _test_runs(settings, "unique_combination_published_figures")] == [first.run_id,
                                                                                               second.run_id]


def test_a_night_that_lands_nothing_builds_nothing_and_says_so(nights):
    _, _, second, third, _, _ = nights
    done = _materialized(third)
    dbt_assets = {k: m for k, m in done.items() if k.split("/")[0] in ("reference", "staging", "intermediate", "marts")}
    assert dbt_assets and all(CARRIED in m for m in dbt_assets.values())
    assert done["marts/city_indicators"][CARRIED].value == second.run_id
    carried_checks = [e for e in third.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"
                      and CARRIED in e.event_specific_data.metadata]
    assert carried_checks and all(e.event_specific_data.passed for e in carried_checks)


def test_dbt_runs_in_the_process_the_ingest_started_ahead_when_a_file_landed(nights):
    """Night 2 lands a file: its ingest starts dbt ahead, which imports dbt and parses the
    project, and the dbt step hands it the build (whose results the tests above check).
    Night 3 lands nothing: no dbt process is started."""
    *_, second_log, third_log = nights
    ran_ahead = [m for m in second_log if "which the ingest started ahead" in m]
    assert len(ran_ahead) == 1 and ran_ahead[0].startswith("dbt ran in process ")
    assert ran_ahead[0].endswith("its imports and its parse overlapped the ingest")
    assert not [m for m in third_log if "started ahead" in m]
