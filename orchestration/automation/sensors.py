"""A sensor that starts a refresh when files land in, change in or leave the raw folder.

It remembers each landed file's size and modification time in its cursor (it never
opens the build database, whose writer it would block). The first evaluation only
records what is already there: those files are the previous refresh's business. A file
that leaves the folder starts a night too: its rows leave the raw layer and the marts.
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


def _read_cursor(cursor: str) -> tuple[dict[str, str], int]:
    """(files, number of changes seen so far); a cursor of an older modu is the files alone."""
    state = json.loads(cursor)
    if "files" in state and isinstance(state["files"], dict):
        return state["files"], int(state.get("changes", 0))
    return state, 0


def _cursor(files: dict[str, str], changes: int) -> str:
    return json.dumps({"files": files, "changes": changes}, sort_keys=True)


@sensor(
    name="raw_drop_sensor",
    job=nightly_refresh,
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.RUNNING,
    description="Starts nightly_refresh when a file lands in, changes in or leaves the raw folder.",
)
def raw_drop_sensor(context: SensorEvaluationContext, settings: ResourceParam[Settings]):
    now = landed_files(settings.raw_dir)
    if context.cursor is None:
        context.update_cursor(_cursor(now, 0))
        return SkipReason(f"first look: {len(now)} landed file(s) recorded, nothing new")
    before, changes = _read_cursor(context.cursor)
    new = sorted(path for path, stamp in now.items() if before.get(path) != stamp)
    removed = sorted(set(before) - set(now))
    if not new and not removed:
        context.update_cursor(_cursor(now, changes))
        return SkipReason("no new, changed or removed file in the raw folder")
    changes += 1
    context.update_cursor(_cursor(now, changes))
    # The count of changes keeps the key unique when the folder returns to an earlier state
    # (a file moved out, back in, out again), which needs a night each time.
    what = {**{p: now[p] for p in new}, **{p: "removed" for p in removed}}
    run_key = f"{changes}-" + hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()[:16]
    tags = {"modu/trigger": "raw_drop"}
    if new:
        tags["modu/new_files"] = ", ".join(new)[:1000]
    if removed:
        tags["modu/removed_files"] = ", ".join(removed)[:1000]
    return RunRequest(run_key=run_key, tags=tags)
