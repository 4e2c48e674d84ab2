"""Freshness checks: is new data still arriving, and is the served release recent?

- raw/<source> `newest_file_is_fresh`: the newest file of the source's landing folder
  (the files the ingest would read) landed within the window, by its modification
  time. The window is MODU_RAW_FRESHNESS_HOURS (48 h), or
  MODU_RAW_FRESHNESS_HOURS_<SOURCE> for one source.
- serving/release `release_is_fresh`: the release behind serving/current was
  published within MODU_RELEASE_FRESHNESS_HOURS (26 h: a night plus a margin).

They read only the landing folder and serving/, never the build database, so they
run beside a refresh. They run in their own job, `freshness_checks` (not in
nightly_refresh: a source that stopped sending must not stop the others from
publishing), started by `freshness_checks_sensor` as soon as the daemon starts and
then once every clock hour, so the UI shows their state from the start. A failing
check shows red with ERROR severity in the UI, and its step fails, so the run fails
and alerts (alerts.py).

serving/release also carries Dagster's own FreshnessPolicy (a time window of
MODU_RELEASE_FRESHNESS_HOURS since its last materialization), which the daemon
evaluates every 30 s: the asset graph shows the release fresh or overdue without any
run. It cannot replace the checks: a rollback serves an older release without a
materialization, and a raw asset materializes every night whether or not a file
landed, so only the checks measure the served release's age and each source's newest
file.
"""


from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetChecksDefinition,
    AssetKey,
    AssetSelection,
    DefaultSensorStatus,
    Failure,
    FreshnessPolicy,
    MetadataValue,
    ResourceParam,
    RunRequest,
    SensorEvaluationContext,
    SkipReason,
    asset_check,
    define_asset_job,
    in_process_executor,
    sensor,
)

from orchestration.ingest.files import discover
from orchestration.ingest.sources import SOURCES, Source
from orchestration.publish.release import current_release
from orchestration.settings import Settings

RAW_CHECK = "newest_file_is_fresh"
RELEASE_CHECK = "release_is_fresh"
RELEASE_KEY = AssetKey(["serving", "release"])


@dataclass(frozen=True)
class Freshness:
    passed: bool
    description: str
    metadata: dict[str, Any] = field(default_factory=dict)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _hours(seconds: float) -> float:
    return round(seconds / 3600, 2)


def raw_freshness(raw_dir: Path, source: Source, window_hours: float, now: datetime | None = None) -> Freshness:
    """Did a file land in the source's folder within the window?"""
    now = now or _now()
    files = discover(raw_dir, source.folder, source.suffixes)
    where = raw_dir / source.folder
    base = {"window_hours": window_hours, "landing_folder": MetadataValue.path(str(where)), "files": len(files)}
    if not files:
        return Freshness(False, f"raw/{source.name}: no file has landed in {where}", base)
    newest = max(files, key=lambda p: p.stat().st_mtime)
    landed = datetime.fromtimestamp(newest.stat().st_mtime, timezone.utc)
    age = _hours((now - landed).total_seconds())
    metadata = {**base, "newest_file": newest.relative_to(raw_dir).as_posix(),
                "newest_file_landed_at": landed.isoformat(timespec="seconds"), "age_hours": age}
    if age > window_hours:
        return Freshness(
            False,
            f"raw/{source.name}: no new file for {age:.1f} h (window {window_hours:g} h); "
            f"newest is {metadata['newest_file']}, landed {metadata['newest_file_landed_at']}",
            metadata,
        )
    return Freshness(True, f"raw/{source.name}: newest file landed {age:.1f} h ago (window {window_hours:g} h)", metadata)


def release_freshness(serving_dir: Path, window_hours: float, now: datetime | None = None) -> Freshness:
    """Was the release behind serving/current published within the window?"""
    now = now or _now()
    release = current_release(serving_dir)
    if release is None:
        return Freshness(False, f"serving/release: no release is served from {serving_dir / 'current'}",
                         {"window_hours": window_hours})
    published = datetime.fromisoformat(release["created_at"])
    age = _hours((now - published).total_seconds())
    metadata = {"window_hours": window_hours, "release_id": release["release_id"],
                "published_at": published.isoformat(timespec="seconds"), "age_hours": age}
    if age > window_hours:
        return Freshness(
            False,
            f"serving/release: the served release {release['release_id']} is {age:.1f} h old "
            f"(window {window_hours:g} h): the last nights did not publish",
            metadata,
        )
    return Freshness(True, f"serving/release: {release['release_id']} published {age:.1f} h ago", metadata)


def _report(context: AssetCheckExecutionContext, outcome: Freshness):
    context.log.info(outcome.description)
    yield AssetCheckResult(
        passed=outcome.passed,
        severity=AssetCheckSeverity.ERROR,
        description=outcome.description,
        metadata=outcome.metadata,
    )
    if not outcome.passed:
        # Fail the step too, so the run fails and the run-failure sensor raises an alert.
        raise Failure(description=outcome.description, allow_retries=False)


def _raw_check(source: Source) -> AssetChecksDefinition:
    @asset_check(
        asset=AssetKey(["raw", source.name]),
        name=RAW_CHECK,
        description=(
            f"A new file landed in {source.folder}/ within the freshness window "
            f"(MODU_RAW_FRESHNESS_HOURS_{source.name.upper()}, else MODU_RAW_FRESHNESS_HOURS, default 48 h)."
        ),
    )
    def check(context: AssetCheckExecutionContext, settings: ResourceParam[Settings]):
        yield from _report(context, raw_freshness(settings.raw_dir, source, settings.raw_freshness_window(source.name)))

    return check


@asset_check(
    asset=RELEASE_KEY,
    name=RELEASE_CHECK,
    description="The served release was published within MODU_RELEASE_FRESHNESS_HOURS (default 26 h).",
)
def release_freshness_check(context: AssetCheckExecutionContext, settings: ResourceParam[Settings]):
    yield from _report(context, release_freshness(settings.serving_dir, settings.release_freshness_hours))


raw_freshness_checks = [_raw_check(source) for source in SOURCES.values()]
freshness_checks = [*raw_freshness_checks, release_freshness_check]

freshness_job = define_asset_job(
    name="freshness_checks",
    selection=AssetSelection.checks(*freshness_checks),
    executor_def=in_process_executor,
    description="Freshness of every raw source (newest landed file) and of the served release.",
)


@sensor(
    name="freshness_checks_sensor",
    job=freshness_job,
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.RUNNING,
    description=(
        "Runs freshness_checks as soon as the daemon starts, then once every clock hour: is new data "
        "arriving, is the served release recent? A failure alerts."
    ),
)
def freshness_checks_sensor(context: SensorEvaluationContext):
    hour = _now().strftime("%Y-%m-%dT%H")  # UTC
    if context.cursor == hour:
        return SkipReason(f"freshness checked this hour ({hour}:00 UTC) already")
    context.update_cursor(hour)
    return RunRequest(run_key=f"freshness-{hour}", tags={"modu/trigger": "freshness_hourly"})


def release_freshness_policy(settings: Settings) -> FreshnessPolicy:
    """Dagster's freshness of serving/release: materialized within MODU_RELEASE_FRESHNESS_HOURS."""
    return FreshnessPolicy.time_window(fail_window=timedelta(hours=settings.release_freshness_hours))
