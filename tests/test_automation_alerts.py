"""Alerts: a refresh broken on purpose is written to the alerts log with its failing step,
error and a link to the run, and is posted to the webhook (a local HTTP server here)."""

import pytest
from dagster import DagsterInstance, DefaultSensorStatus, build_run_status_sensor_context

from orchestration import settings as settings_module
from orchestration.automation.alerts import read_alerts, record_failure, run_failure_alert_sensor
from orchestration.definitions import build_definitions, defs
import dataclasses

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
    # and one whose server is gone: connection refused, within the timeout
    record_failure(instance, result.dagster_run, result.get_run_failure_event(), [], _operations(settings, down))
    first, second = read_alerts(settings.alerts_log)
    assert first["webhook"]["status"] == 500 and "HTTP 500" in first["webhook"]["error"]
    assert "error" in second["webhook"] and "status" not in second["webhook"]
    assert second["step"] is None and "nightly_refresh" in second["error"]  # the run's own failure message


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
