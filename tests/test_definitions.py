"""The code location loads and shows what the data engineer expects in the UI."""

from dagster import AssetKey

from orchestration.definitions import defs
from orchestration.ingest.sources import SOURCES

MARTS = ["dim_region", "city_indicators", "policy_timeline", "policy_cadence", "compute_buildout",
         "modu_index", "figure_reconciliation", "published_figures"]


def test_definitions_load_with_every_layer():
    keys = set(defs.resolve_all_asset_keys())
    for source in SOURCES:
        assert AssetKey(["raw", source]) in keys
    for mart in MARTS:
        assert AssetKey(["marts", mart]) in keys
    assert AssetKey(["staging", "stg_registry__enterprises"]) in keys
    assert AssetKey(["intermediate", "int_ai_enterprise_counts"]) in keys
    assert AssetKey(["serving", "release"]) in keys


def test_asset_groups_mirror_the_layers():
    graph = defs.resolve_asset_graph()
    group = {key: graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert group[AssetKey(["raw", "enterprises"])] == "raw"
    assert group[AssetKey(["staging", "stg_compute__events"])] == "staging"
    assert group[AssetKey(["intermediate", "int_region_years"])] == "intermediate"
    assert group[AssetKey(["marts", "city_indicators"])] == "marts"
    assert group[AssetKey(["reference", "regions"])] == "reference"
    assert group[AssetKey(["serving", "release"])] == "serving"


def test_dbt_sources_are_the_ingest_assets():
    graph = defs.resolve_asset_graph()
    staged = graph.get(AssetKey(["staging", "stg_registry__enterprises"]))
    assert AssetKey(["raw", "enterprises"]) in staged.parent_keys


def test_publish_waits_for_every_mart():
    graph = defs.resolve_asset_graph()
    parents = graph.get(AssetKey(["serving", "release"])).parent_keys
    assert {AssetKey(["marts", m]) for m in MARTS} <= parents


def test_dbt_tests_are_asset_checks():
    checks = {(c.asset_key, c.name) for c in defs.resolve_asset_graph().asset_check_keys}
    assert (AssetKey(["marts", "policy_timeline"]), "unique_policy_timeline_policy_id") in checks
    assert any(key == AssetKey(["marts", "city_indicators"]) and "unique_combination" in name for key, name in checks)


def test_nightly_schedule_runs_at_two_in_shanghai():
    schedule = defs.resolve_schedule_def("nightly_refresh_schedule")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Asia/Shanghai"
    assert schedule.job_name == "nightly_refresh"


def test_nightly_job_covers_every_asset():
    job = defs.resolve_job_def("nightly_refresh")
    assert set(job.asset_layer.executable_asset_keys) >= set(defs.resolve_all_asset_keys()) - {
        AssetKey(["audit", "rejected_rows"])
    }
