"""Alerts: every failed run is written down once, and sent on when a webhook is set.

One function, `alert_failed_run`, turns a failed run of the Dagster instance into an alert;
two callers make sure it runs whatever launched the run:

- `run_failure_alert_sensor`, run by the daemon (`make ui`), sees every run of the instance
  that ends in FAILURE: launched from the UI, by a schedule or a sensor, a re-execution, a
  backfill, and runs executed in another process (`make refresh`) while the daemon runs;
- `make refresh` (orchestration/cli.py) executes the job in its own process, where no daemon
  may be running, and calls it when its run has failed.

A run seen by both is alerted once: under a file lock, an alert whose run id is already
in the log is not written or posted again. The alert is one JSON line in
<warehouse>/alerts/alerts.jsonl:

    {"alerted_at": ..., "run_id": ..., "job": "nightly_refresh", "step": "raw__enterprises",
     "error": "enterprises ingest stopped, nothing of it changed: ...",
     "failed_steps": [{"step": ..., "error": ..., "error_class": ...}],
     "failed_checks": [{"asset": ..., "check": ..., "severity": ..., "description": ...}],
     "trigger": "schedule nightly_refresh_schedule", "run_failure": "...",
     "link": "http://127.0.0.1:3000/runs/<run_id>", "webhook": {"status": 200}}

When MODU_ALERT_WEBHOOK is set, the same alert is POSTed there as JSON, with a
one-line `text` (the field chat webhooks show). A webhook that fails or hangs
(10 s) does not lose the alert: the line is written either way and says so.
"""


import fcntl
import json
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from dagster import (
    DagsterEvent,
    DagsterEventType,
    DagsterInstance,
    DagsterRun,
    DefaultSensorStatus,
    ResourceParam,
    RunFailureSensorContext,
    run_failure_sensor,
)

from orchestration.check_outcomes import outcomes_of_run
from orchestration.settings import Settings

WEBHOOK_TIMEOUT_SECONDS = 10
MAX_ERROR_CHARS = 2000


def _error_text(error: Any) -> str:
    """The message of a SerializableErrorInfo and of the errors that caused it."""
    parts, seen = [], 0
    while error is not None and seen < 5:
        message = (error.message or "").strip()
        if message and message not in parts:
            parts.append(message)
        error, seen = error.cause, seen + 1
    return " <- caused by: ".join(parts)[:MAX_ERROR_CHARS]


def describe_step_failure(event: DagsterEvent) -> dict[str, Any]:
    data = event.event_specific_data
    error = getattr(data, "error", None)
    described = getattr(getattr(data, "user_failure_data", None), "description", None)
    text = _error_text(error) if error is not None else ""
    return {
        "step": event.step_key,
        # A dagster Failure says what went wrong in its description; other errors in their message.
        "error": (described or text)[:MAX_ERROR_CHARS] if (described or text) else "(no error message)",
        "error_class": getattr(error, "cls_name", None),
        "detail": text if described and text and described not in text else None,
    }


def _failed_checks(instance: DagsterInstance, run_id: str) -> list[dict[str, Any]]:
    return [{**o.about(), "description": (o.description or "")[:MAX_ERROR_CHARS] or None}
            for o in outcomes_of_run(instance, run_id) if not o.passed]


CLI_TRIGGER_TAG = {"modu/trigger": "cli"}  # runs of `make refresh` (orchestration/cli.py)


def _trigger(run: DagsterRun) -> str:
    tags = run.tags
    # A re-execution keeps its parent's tags (a schedule's or a sensor's name among them).
    if run.parent_run_id:
        return f"re-execution of run {run.parent_run_id}"
    if "dagster/schedule_name" in tags:
        return f"schedule {tags['dagster/schedule_name']}"
    if "dagster/sensor_name" in tags:
        return f"sensor {tags['dagster/sensor_name']}"
    if "dagster/backfill" in tags:
        return f"backfill {tags['dagster/backfill']}"
    if tags.get("modu/trigger") == CLI_TRIGGER_TAG["modu/trigger"]:
        return "make refresh"
    return "manual"


def build_alert(
    run: DagsterRun,
    run_failure: DagsterEvent | None,
    step_failures: Sequence[DagsterEvent],
    failed_checks: list[dict[str, Any]],
    link: str,
) -> dict[str, Any]:
    steps = [describe_step_failure(event) for event in step_failures]
    first = steps[0] if steps else None
    run_failure_message = (run_failure.message or "").strip() if run_failure is not None else ""
    return {
        "alerted_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "run_id": run.run_id,
        "job": run.job_name,
        "status": "FAILURE",
        "step": first["step"] if first else None,
        "error": first["error"] if first else (run_failure_message or "the run failed before any step ran"),
        "failed_steps": steps,
        "failed_checks": failed_checks,
        "trigger": _trigger(run),
        "run_failure": run_failure_message or None,
        "link": link,
    }


def alert_text(alert: dict[str, Any]) -> str:
    where = f" at step {alert['step']}" if alert["step"] else ""
    return f"modu: {alert['job']} failed{where}: {alert['error'][:500]} ({alert['link']})"


def post_webhook(url: str, alert: dict[str, Any], timeout: float = WEBHOOK_TIMEOUT_SECONDS) -> dict[str, Any]:
    """POST the alert as JSON; say what happened instead of raising."""
    body = json.dumps({"text": alert_text(alert), **alert}, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return {"status": response.status}
    except urllib.error.HTTPError as err:
        return {"status": err.code, "error": f"HTTP {err.code} {err.reason}"}
    except Exception as err:  # noqa: BLE001 - a broken webhook must not lose the alert
        return {"error": f"{type(err).__name__}: {err}"[:500]}


def _parse(lines: str) -> list[dict[str, Any]]:
    alerts = []
    for line in lines.splitlines():
        if line.strip():
            try:
                alerts.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # a line cut short by a full disk says nothing; the others still count
    return alerts


def read_alerts(log_path: Path) -> list[dict[str, Any]]:
    if not log_path.exists():
        return []
    return _parse(log_path.read_text(encoding="utf-8"))


def record_once(log_path: Path, run_id: str, make_alert: Callable[[], dict[str, Any]],
                deliver: Callable[[dict[str, Any]], Any]) -> tuple[dict[str, Any], bool]:
    """Append the run's alert unless the log has one for `run_id` already: (alert, written now?).

    The file lock is held from the look-up to the write, the webhook post included, so two
    processes alerting the same run write and post it once; it also keeps lines whole.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            handle.seek(0)
            logged = handle.read()
            # Only lines that mention the run are parsed: the log grows by a line per failed run.
            mentions = "\n".join(line for line in logged.splitlines() if run_id in line)
            earlier = next((a for a in _parse(mentions) if a.get("run_id") == run_id), None)
            if earlier is not None:
                return earlier, False
            alert = make_alert()
            alert["webhook"] = deliver(alert)
            # After a line cut short (a full disk), the next alert starts on a line of its own.
            cut = "\n" if logged and not logged.endswith("\n") else ""
            handle.write(cut + json.dumps(alert, ensure_ascii=False) + "\n")
            handle.flush()
            return alert, True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def record_failure(
    instance: DagsterInstance,
    run: DagsterRun,
    run_failure: DagsterEvent | None,
    step_failures: Sequence[DagsterEvent],
    settings: Settings,
) -> tuple[dict[str, Any], bool]:
    """The alert of a failed run, posted if a webhook is set and appended to the log, once per run:
    (the alert, whether it was written now rather than found in the log)."""
    def make() -> dict[str, Any]:
        return build_alert(run, run_failure, step_failures, _failed_checks(instance, run.run_id),
                           settings.run_link(run.run_id))

    def deliver(alert: dict[str, Any]) -> dict[str, Any] | None:
        return post_webhook(settings.alert_webhook, alert) if settings.alert_webhook else None

    return record_once(settings.alerts_log, run.run_id, make, deliver)


def alert_failed_run(instance: DagsterInstance, run_id: str, settings: Settings) -> tuple[dict[str, Any], bool]:
    """Alert a run of `instance` that ended in FAILURE, from what its event log says; once per run."""
    run = instance.get_run_by_id(run_id)
    if run is None:
        raise ValueError(f"run {run_id} is not in the Dagster instance {instance.root_directory}")
    run_failures = [entry.dagster_event for entry in instance.all_logs(run_id, of_type=DagsterEventType.RUN_FAILURE)]
    step_failures = [entry.dagster_event for entry in instance.all_logs(run_id, of_type=DagsterEventType.STEP_FAILURE)]
    return record_failure(instance, run, run_failures[-1] if run_failures else None, step_failures, settings)


@run_failure_sensor(
    name="run_failure_alert_sensor",
    minimum_interval_seconds=15,
    default_status=DefaultSensorStatus.RUNNING,
    # Every run of the instance, also those executed in-process by `make refresh`, which
    # belong to no code location (the alert log keeps them from being alerted twice).
    monitor_all_code_locations=True,
    description=(
        "Records every failed run (job, failing step, error, link) in <warehouse>/alerts/alerts.jsonl, once "
        "per run, and posts it to MODU_ALERT_WEBHOOK when set."
    ),
)
def run_failure_alert_sensor(context: RunFailureSensorContext, settings: ResourceParam[Settings]):
    alert, new = alert_failed_run(context.instance, context.dagster_run.run_id, settings)
    if not new:
        context.log.info(f"run {alert['run_id']} was alerted already ({alert['alerted_at']})")
        return
    delivery = alert["webhook"]
    context.log.info(
        f"alert for run {alert['run_id']} ({alert['job']}, step {alert['step']}) written to {settings.alerts_log}"
        + (f"; webhook: {delivery}" if delivery else "")
    )
