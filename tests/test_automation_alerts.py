"""Alerts: a refresh broken on purpose is written to the alerts log with its failing step,
error and a link to the run, and is posted to the webhook (a local HTTP server here); a
failed run is alerted once, whoever sees it, and whatever launched it."""

import dataclasses
import threading

import pytest
from dagster import (
    DagsterInstance,
    DefaultSensorStatus,
    ReexecutionOptions,
    build_run_status_sensor_context,
    build_sensor_context,
    execute_job,
    reconstructable,
)

from orchestration import settings as settings_module
from orchestration.automation.alerts import (
    CLI_TRIGGER_TAG,
    alert_failed_run,
    read_alerts,
    record_failure,
    run_failure_alert_sensor,
)
from orchestration.definitions import build_definitions, defs
from orchestration.settings import Settings
from tests.conftest import QUIET, copy_sample
from tests.ops_helpers import Webhook


@pytest.fixture(scope="module")
def broken_night(tmp_path_factory):
    """nightly_refresh on the sample with an unreadable registry export dropped in."""
    base = tmp_path_factory.mktemp("broken")
    settings = Settings(raw_dir=copy_sample(base / "raw"), warehouse_dir=base / "warehouse", keep_releases=2)
    (settings.raw_dir / "enterprises" / "broken_export.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff")
    instance = DagsterInstance.ephemeral()
    result = build_definitions(settings).resolve_job_def("nightly_refresh").execute_in_process(
        instance=instance, raise_on_error=False, run_config=QUIET
    )
    assert not result.success
    yield settings, instance, result
    instance.dispose()


def _operations(settings: Settings, webhook: str | None) -> Settings:
    return dataclasses.replace(settings, ui_url="http://127.0.0.1:3999", alert_webhook=webhook)


def _evaluate_sensor(settings, instance, result, webhook):
    context = build_run_status_sensor_context(
        sensor_name="run_failure_alert_sensor",
        dagster_event=result.get_run_failure_event(),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        resources={"settings": _operations(settings, webhook)},
    ).for_run_failure()
    run_failure_alert_sensor(context)


def test_a_failed_refresh_is_recorded_and_posted(broken_night):
    settings, instance, result = broken_night
    settings.alerts_log.unlink(missing_ok=True)
    with Webhook() as hook:
        _evaluate_sensor(settings, instance, result, hook.url)
    (alert,) = read_alerts(settings.alerts_log)
    assert settings.alerts_log == settings.warehouse_dir / "alerts" / "alerts.jsonl"
    assert alert["run_id"] == result.run_id
    assert alert["job"] == "nightly_refresh"
    assert alert["step"] == "raw__enterprises"
    assert "broken_export.csv" in alert["error"] and "nothing of it changed" in alert["error"]
    assert [s["step"] for s in alert["failed_steps"]] == ["raw__enterprises"]
    assert alert["link"] == f"http://127.0.0.1:3999/runs/{result.run_id}"
    assert alert["trigger"] == "manual"
    assert alert["webhook"] == {"status": 200}
    (posted,) = hook.received
    assert posted["path"] == "/hooks/modu" and posted["content_type"].startswith("application/json")
    assert posted["body"]["run_id"] == result.run_id and posted["body"]["step"] == "raw__enterprises"
    assert posted["body"]["text"].startswith("modu: nightly_refresh failed at step raw__enterprises: ")
    assert posted["body"]["text"].endswith(f"(http://127.0.0.1:3999/runs/{result.run_id})")


def test_without_a_webhook_the_alert_is_still_recorded(broken_night):
    settings, instance, result = broken_night
    settings.alerts_log.unlink(missing_ok=True)
    _evaluate_sensor(settings, instance, result, None)
    (alert,) = read_alerts(settings.alerts_log)
    assert alert["webhook"] is None and alert["step"] == "raw__enterprises"


def test_a_webhook_that_fails_does_not_lose_the_alert(broken_night):
    settings, instance, result = broken_night
    settings.alerts_log.unlink(missing_ok=True)
    with Webhook(status=500) as hook:
        down = hook.url
        record_failure(instance, result.dagster_run, result.get_run_failure_event(),
                       [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"],
                       _operations(settings, hook.url))
    (first,) = read_alerts(settings.alerts_log)
    settings.alerts_log.unlink()  # the same run again (an alert is written once per run)
    # and one whose server is gone: connection refused, within the timeout
    record_failure(instance, result.dagster_run, result.get_run_failure_event(), [], _operations(settings, down))
    (second,) = read_alerts(settings.alerts_log)
    assert first["webhook"]["status"] == 500 and "HTTP 500" in first["webhook"]["error"]
    assert "error" in second["webhook"] and "status" not in second["webhook"]
    assert second["step"] is None and "nightly_refresh" in second["error"]  # the run's own failure message


def test_a_run_seen_twice_is_alerted_once(broken_night):
    """`make refresh` alerts its failed run and the daemon's sensor sees the same run: one line, one post."""
    settings, instance, result = broken_night
    settings.alerts_log.unlink(missing_ok=True)
    with Webhook() as hook:
        first, new = alert_failed_run(instance, result.run_id, _operations(settings, hook.url))
        assert new and first["step"] == "raw__enterprises"
        _evaluate_sensor(settings, instance, result, hook.url)
        again, new_again = alert_failed_run(instance, result.run_id, _operations(settings, hook.url))
    assert not new_again and again == first
    assert read_alerts(settings.alerts_log) == [first]
    assert [p["body"]["run_id"] for p in hook.received] == [result.run_id]


def test_two_processes_alerting_one_run_at_once_write_and_post_it_once(broken_night):
    settings, instance, result = broken_night
    settings.alerts_log.unlink(missing_ok=True)
    outcomes = []
    with Webhook(delay=1.0) as hook:  # a slow webhook: the second caller arrives while the first posts
        ops = _operations(settings, hook.url)
        callers = [threading.Thread(target=lambda: outcomes.append(alert_failed_run(instance, result.run_id, ops)))
                   for _ in range(2)]
        for caller in callers:
            caller.start()
        for caller in callers:
            caller.join(timeout=30)
    assert sorted(new for _, new in outcomes) == [False, True]
    assert len(read_alerts(settings.alerts_log)) == 1 and len(hook.received) == 1
    assert outcomes[0][0]["run_id"] == outcomes[1][0]["run_id"] == result.run_id


def test_a_cut_line_in_the_log_does_not_stop_alerting(broken_night):
    settings, instance, result = broken_night
    settings.alerts_log.parent.mkdir(parents=True, exist_ok=True)
    settings.alerts_log.write_text('{"run_id": "earlier", "job": "nightly_refresh"}\n{"run_id": "cut sh', encoding="utf-8")
    _, new = alert_failed_run(instance, result.run_id, _operations(settings, None))
    assert new
    assert [a["run_id"] for a in read_alerts(settings.alerts_log)] == ["earlier", result.run_id]


def test_the_alert_sensor_runs_by_default_and_reads_its_settings(monkeypatch):
    sensor = next(s for s in defs.sensors if s.name == "run_failure_alert_sensor")
    assert sensor.default_status == DefaultSensorStatus.RUNNING
    for name in ("MODU_UI_URL", "MODU_UI_PORT", "MODU_ALERT_WEBHOOK"):
        monkeypatch.delenv(name, raising=False)
    s = settings_module.load()
    assert (s.ui_url, s.alert_webhook) == ("http://127.0.0.1:3000", None)
    monkeypatch.setenv("MODU_UI_PORT", "3456")
    assert settings_module.load().ui_url == "http://127.0.0.1:3456"
    monkeypatch.setenv("MODU_UI_URL", "http://dagster.example.internal/")
    monkeypatch.setenv("MODU_ALERT_WEBHOOK", "http://127.0.0.1:9/hook")
    s = settings_module.load()
    assert (s.ui_url, s.alert_webhook) == ("http://dagster.example.internal", "http://127.0.0.1:9/hook")
    assert s.run_link("abc") == "http://dagster.example.internal/runs/abc"


# --- Every launch path, through the daemon's sensor --------------------------------------
# A failing freshness_checks run (nothing has landed, nothing is served) fails in about a
# second; the alert does not depend on the job. Each run carries the tags its launcher gives
# it; the sensor is evaluated against the instance the way the daemon evaluates it.

def freshness_job_of_environment():
    """The job as a run worker rebuilds it (reconstructable), from MODU_* of the environment."""
    return build_definitions(settings_module.load()).resolve_job_def("freshness_checks")


@pytest.fixture
def quiet_instance(tmp_path, monkeypatch):
    raw, warehouse = tmp_path / "raw", tmp_path / "warehouse"
    raw.mkdir()
    monkeypatch.setenv("MODU_RAW_DIR", str(raw))
    monkeypatch.setenv("MODU_WAREHOUSE_DIR", str(warehouse))
    settings = Settings(raw_dir=raw, warehouse_dir=warehouse, keep_releases=2)
    (tmp_path / "home").mkdir()
    with DagsterInstance.local_temp(str(tmp_path / "home")) as instance:
        yield settings, instance


def _sensor_tick(settings, instance, cursor):
    context = build_sensor_context(instance=instance, cursor=cursor, resources={"settings": settings},
                                   definitions=build_definitions(settings))
    return run_failure_alert_sensor.evaluate_tick(context).cursor


def test_every_launch_path_is_alerted_once_by_the_daemons_sensor(quiet_instance):
    settings, instance = quiet_instance
    cursor = _sensor_tick(settings, instance, None)  # the daemon's first look starts from now
    job = build_definitions(settings).resolve_job_def("freshness_checks")
    launched = {}
    for trigger, tags in [("schedule nightly_refresh_schedule", {"dagster/schedule_name": "nightly_refresh_schedule"}),
                          ("sensor raw_drop_sensor", {"dagster/sensor_name": "raw_drop_sensor"}),
                          ("make refresh", CLI_TRIGGER_TAG),
                          ("manual", {})]:
        result = job.execute_in_process(instance=instance, raise_on_error=False, run_config=QUIET, tags=tags)
        assert not result.success
        launched[result.run_id] = trigger
    parent = next(run_id for run_id, trigger in launched.items() if trigger == "schedule nightly_refresh_schedule")
    retry = execute_job(reconstructable(freshness_job_of_environment), instance, run_config=QUIET,
                        reexecution_options=ReexecutionOptions.from_failure(parent, instance))
    assert not retry.success and retry.dagster_run.parent_run_id == parent
    launched[retry.run_id] = f"re-execution of run {parent}"

    cursor = _sensor_tick(settings, instance, cursor)
    _sensor_tick(settings, instance, None)  # a daemon started afresh looks from now on: nothing again
    alerts = read_alerts(settings.alerts_log)
    assert {a["run_id"]: a["trigger"] for a in alerts} == launched
    assert len(alerts) == len(launched) == 5
    for alert in alerts:
        assert alert["job"] == "freshness_checks"
        stale = {c["asset"] for c in alert["failed_checks"]}
        assert stale == {"raw/compute", "raw/enterprises", "raw/indicators", "raw/policies", "serving/release"}
    # the next tick of the same daemon sees no new failure; alerting a run again writes nothing
    _sensor_tick(settings, instance, cursor)
    for run_id in launched:
        assert not alert_failed_run(instance, run_id, settings)[1]
    assert len(read_alerts(settings.alerts_log)) == 5
