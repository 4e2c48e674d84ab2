"""A sensor that starts a refresh when files land in the raw folder.

It remembers each landed file's size and modification time in its cursor (it never
opens the build database, whose writer it would block). The first evaluation only
records what is already there: those files are the previous refresh's business.
"""


import hashlib
import json
from pathlib import Path

from dagster import DefaultSensorStatus, ResourceParam, RunRequest, SensorEvaluationContext, SkipReason, sensor

from orchestration.automation.jobs import nightly_refresh
from orchestration.ingest.files import discover
from orchestration.ingest.sources import SOURCES
from orchestration.settings import Settings


def landed_files(raw_dir: Path) -> dict[str, str]:
    """relative path -> 'size:mtime_ns' of every file the ingest would read."""
    found = {}
    for source in SOURCES.values():
        for path in discover(raw_dir, source.folder, source.suffixes):
            stat = path.stat()
            found[path.relative_to(raw_dir).as_posix()] = f"{stat.st_size}:{stat.st_mtime_ns}"
    return found


@sensor(
    name="raw_drop_sensor",
    job=nightly_refresh,
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.RUNNING,
    description="Starts nightly_refresh when a new or changed file lands in the raw folder.",
)
def raw_drop_sensor(context: SensorEvaluationContext, settings: ResourceParam[Settings]):
    now = landed_files(settings.raw_dir)
    if context.cursor is None:
        context.update_cursor(json.dumps(now, sort_keys=True))
        return SkipReason(f"first look: {len(now)} landed file(s) recorded, nothing new")
    before = json.loads(context.cursor)
    new = sorted(path for path, stamp in now.items() if before.get(path) != stamp)
    context.update_cursor(json.dumps(now, sort_keys=True))
    if not new:
        return SkipReason("no new or changed file in the raw folder")
    run_key = hashlib.sha256(json.dumps({p: now[p] for p in new}, sort_keys=True).encode()).hexdigest()[:16]
    return RunRequest(run_key=run_key, tags={"modu/trigger": "raw_drop", "modu/new_files": ", ".join(new)[:1000]})
