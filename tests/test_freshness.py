"""Freshness: a raw source that stops sending files and a release that stops being
published fail their checks, loudly (ERROR severity, failed step, failed run)."""

import json
import os
import time
from datetime import datetime, timedelta, timezone

from dagster import AssetCheckSeverity, AssetKey, DagsterInstance, FreshnessPolicy

from orchestration import settings as settings_module
from orchestration.automation.freshness import RAW_CHECK, RELEASE_CHECK, raw_freshness, release_freshness
from orchestration.definitions import build_definitions, defs
from orchestration.ingest.sources import SOURCES
from orchestration.settings import Settings
from tests.conftest import QUIET

HOUR = 3600


def _land(path, hours_ago: float, text="a,b\n"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    stamp = time.time() - hours_ago * HOUR
    os.utime(path, (stamp, stamp))
    return path


def _release(serving, release_id: str, hours_ago: float):
    folder = serving / "releases" / release_id
    folder.mkdir(parents=True)
    created = datetime.now(timezone.utc) - timedelta(hours=hours_ago)
    (folder / "release.json").write_text(json.dumps({"release_id": release_id, "created_at": created.isoformat(),
                                                     "tables": {}}), encoding="utf-8")
    link = serving / "current"
    link.unlink(missing_ok=True)
    link.symlink_to(os.path.join("releases", release_id))


def test_windows_come_from_the_environment(monkeypatch):
    for name in list(os.environ):
        if name.startswith("MODU_RAW_FRESHNESS_HOURS") or name == "MODU_RELEASE_FRESHNESS_HOURS":
            monkeypatch.delenv(name)
    s = settings_module.load()
    assert (s.raw_freshness_hours, s.release_freshness_hours) == (48.0, 26.0)
    assert s.raw_freshness_window("enterprises") == 48.0
    monkeypatch.setenv("MODU_RAW_FRESHNESS_HOURS", "12")
    monkeypatch.setenv("MODU_RAW_FRESHNESS_HOURS_ENTERPRISES", "720")
    monkeypatch.setenv("MODU_RELEASE_FRESHNESS_HOURS", "30")
    s = settings_module.load()
    assert s.raw_freshness_window("enterprises") == 720.0
    assert s.raw_freshness_window("policies") == 12.0
    assert s.release_freshness_hours == 30.0


def test_a_source_is_fresh_while_files_keep_landing(tmp_path):
    raw = tmp_path / "raw"
    source = SOURCES["indicators"]
    _land(raw / "indicators" / "old.csv", hours_ago=100)
    _land(raw / "indicators" / "new.csv", hours_ago=2)
    outcome = raw_freshness(raw, source, window_hours=48)
    assert outcome.passed
    assert outcome.metadata["newest_file"] == "indicators/new.csv"
    assert 1.9 < outcome.metadata["age_hours"] < 2.1


def test_no_new_file_for_longer_than_the_window_fails(tmp_path):
    raw = tmp_path / "raw"
    source = SOURCES["enterprises"]
    _land(raw / "enterprises" / "registry.csv.gz", hours_ago=50)
    _land(raw / "enterprises" / "notes.txt", hours_ago=0)  # not a file the ingest reads
    outcome = raw_freshness(raw, source, window_hours=48)
    assert not outcome.passed
    assert "no new file for 50.0 h (window 48 h)" in outcome.description
    assert "enterprises/registry.csv.gz" in outcome.description
    assert raw_freshness(raw, source, window_hours=72).passed  # a per-source window lets a slow source be


def test_a_source_with_no_file_at_all_fails(tmp_path):
    outcome = raw_freshness(tmp_path / "raw", SOURCES["compute"], window_hours=48)
    assert not outcome.passed and "no file has landed" in outcome.description


def test_the_served_release_must_be_recent(tmp_path):
    serving = tmp_path / "serving"
    assert not release_freshness(serving, 26).passed  # nothing served yet
    _release(serving, "20250101T000000000000Z-aaaaaaaa", hours_ago=27)
    stale = release_freshness(serving, 26)
    assert not stale.passed
    assert "20250101T000000000000Z-aaaaaaaa is 27.0 h old (window 26 h)" in stale.description
    _release(serving, "20250102T000000000000Z-bbbbbbbb", hours_ago=1)
    assert release_freshness(serving, 26).passed


def test_freshness_checks_run_in_their_own_job_and_fail_it(tmp_path):
    raw = tmp_path / "raw"
    for name in SOURCES:
        _land(raw / name / f"{name}.{'jsonl' if name == 'policies' else 'csv'}", hours_ago=1)
    _land(raw / "enterprises" / "enterprises.csv", hours_ago=80)
    s = Settings(raw_dir=raw, warehouse_dir=tmp_path / "warehouse", keep_releases=2,
                 raw_freshness_overrides=(("indicators", 0.5),))
    _release(s.serving_dir, "20250101T000000000000Z-aaaaaaaa", hours_ago=30)
    with DagsterInstance.ephemeral() as instance:
        result = build_definitions(s).resolve_job_def("freshness_checks").execute_in_process(
            instance=instance, raise_on_error=False, run_config=QUIET
        )
    assert not result.success  # a failing freshness check fails the run, so the alert sensor sees it
    evaluations = {
        (e.event_specific_data.asset_key, e.event_specific_data.check_name): e.event_specific_data
        for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"
    }
    assert set(evaluations) == {(AssetKey(["raw", n]), RAW_CHECK) for n in SOURCES} | {
        (AssetKey(["serving", "release"]), RELEASE_CHECK)}
    failed = {key[0].to_user_string() for key, e in evaluations.items() if not e.passed}
    assert failed == {"raw/enterprises", "raw/indicators", "serving/release"}  # indicators: 1 h > its 0.5 h
    assert all(e.severity == AssetCheckSeverity.ERROR for e in evaluations.values())
    failed_steps = sorted(e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert len(failed_steps) == 3 and any("enterprises" in k for k in failed_steps)
    assert not any(e.event_type_value == "ASSET_MATERIALIZATION" for e in result.all_events)


def test_freshness_is_not_part_of_the_nightly_job_but_runs_every_hour():
    nightly_checks = defs.resolve_job_def("nightly_refresh").asset_layer.asset_graph.asset_check_keys
    assert not {k for k in nightly_checks if k.name in (RAW_CHECK, RELEASE_CHECK)}
    assert any(k.name == "unique_policy_timeline_policy_id" for k in nightly_checks)  # dbt tests still are
    sensor = defs.resolve_sensor_def("freshness_checks_sensor")
    assert sensor.job_name == "freshness_checks" and sensor.default_status.value == "RUNNING"
    assert sensor.minimum_interval_seconds == 60  # evaluated at the daemon's start, then every minute
    assert not [s for s in defs.schedules if s.job_name == "freshness_checks"]  # one mechanism, not two


def test_the_release_carries_dagsters_freshness_policy_of_its_window(tmp_path):
    s = Settings(raw_dir=tmp_path / "raw", warehouse_dir=tmp_path / "warehouse", keep_releases=2,
                 release_freshness_hours=30)
    graph = build_definitions(s).resolve_asset_graph()
    policy = graph.get(AssetKey(["serving", "release"])).freshness_policy
    assert policy == FreshnessPolicy.time_window(fail_window=timedelta(hours=30))
    assert policy != FreshnessPolicy.time_window(fail_window=timedelta(hours=26))
    # a raw asset materializes every night, landed file or not: its freshness is the check's, not a policy's
    assert graph.get(AssetKey(["raw", "enterprises"])).freshness_policy is None
