"""The raw-drop sensor fires on a new, a changed or a removed file, not on an old one; the
freshness sensor runs the freshness checks at once, then once an hour."""

import json
import os
from datetime import datetime, timezone

from dagster import RunRequest, SkipReason, build_sensor_context

from orchestration.automation import freshness
from orchestration.automation.freshness import freshness_checks_sensor
from orchestration.automation.sensors import raw_drop_sensor
from orchestration.settings import Settings


def _evaluate(raw_dir, cursor):
    context = build_sensor_context(
        cursor=cursor,
        resources={"settings": Settings(raw_dir=raw_dir, warehouse_dir=raw_dir.parent / "wh", keep_releases=2)},
    )
    return raw_drop_sensor(context), context.cursor


def _land(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_sensor_records_existing_files_without_firing(tmp_path):
    raw = tmp_path / "raw"
    _land(raw / "indicators" / "old.csv", "region,indicator,period,value\n")
    result, cursor = _evaluate(raw, None)
    assert isinstance(result, SkipReason)
    assert list(json.loads(cursor)["files"]) == ["indicators/old.csv"]


def test_sensor_skips_when_only_old_files_are_there(tmp_path):
    raw = tmp_path / "raw"
    _land(raw / "indicators" / "old.csv", "region,indicator,period,value\n")
    _, cursor = _evaluate(raw, None)
    result, _ = _evaluate(raw, cursor)
    assert isinstance(result, SkipReason)


def test_sensor_fires_on_a_new_file(tmp_path):
    raw = tmp_path / "raw"
    _land(raw / "indicators" / "old.csv", "region,indicator,period,value\n")
    _, cursor = _evaluate(raw, None)
    _land(raw / "enterprises" / "new.csv.gz", "not really gzip, but a file the ingest would read")
    result, new_cursor = _evaluate(raw, cursor)
    assert isinstance(result, RunRequest)
    assert result.tags["modu/new_files"] == "enterprises/new.csv.gz"
    assert "modu/removed_files" not in result.tags
    assert "enterprises/new.csv.gz" in json.loads(new_cursor)["files"]


def test_sensor_fires_on_a_changed_file_and_ignores_other_extensions(tmp_path):
    raw = tmp_path / "raw"
    old = raw / "compute" / "events.csv"
    _land(old, "project\n")
    _, cursor = _evaluate(raw, None)
    _land(raw / "compute" / "notes.txt", "not a source file")
    result, cursor = _evaluate(raw, cursor)
    assert isinstance(result, SkipReason)
    _land(old, "project,region\n")
    os.utime(old, ns=(1, 1))
    result, _ = _evaluate(raw, cursor)
    assert isinstance(result, RunRequest)
    assert result.tags["modu/new_files"] == "compute/events.csv"


def test_sensor_fires_on_a_removed_file_each_time_it_leaves(tmp_path):
    raw = tmp_path / "raw"
    kept, bad = raw / "indicators" / "figures.csv", raw / "indicators" / "bad_export.csv"
    _land(kept, "region,indicator,period,value\n")
    _land(bad, "region,indicator,period,value\nAtlantis,x,2023,1\n")
    _, cursor = _evaluate(raw, None)
    parked = tmp_path / "parked.csv"
    bad.rename(parked)  # the operator moves the bad export out: its rows must leave the marts
    first, cursor = _evaluate(raw, cursor)
    assert isinstance(first, RunRequest)
    assert first.tags["modu/removed_files"] == "indicators/bad_export.csv"
    assert "modu/new_files" not in first.tags
    parked.rename(bad)  # back in, same size and modification time
    back, cursor = _evaluate(raw, cursor)
    assert back.tags["modu/new_files"] == "indicators/bad_export.csv"
    bad.rename(parked)  # and out again: the same change as the first, but a night is needed again
    again, cursor = _evaluate(raw, cursor)
    assert isinstance(again, RunRequest) and again.tags["modu/removed_files"] == "indicators/bad_export.csv"
    assert len({first.run_key, back.run_key, again.run_key}) == 3
    assert isinstance(_evaluate(raw, cursor)[0], SkipReason)


def test_sensor_reads_the_cursor_of_an_older_modu(tmp_path):
    raw = tmp_path / "raw"
    _land(raw / "indicators" / "old.csv", "region,indicator,period,value\n")
    _, cursor = _evaluate(raw, None)
    older = json.dumps(json.loads(cursor)["files"])  # before removals counted: the files alone
    result, upgraded = _evaluate(raw, older)
    assert isinstance(result, SkipReason)
    assert json.loads(upgraded) == {"files": json.loads(older), "changes": 0}


def test_freshness_runs_when_the_daemon_starts_then_once_an_hour(monkeypatch):
    clock = {"now": datetime(2025, 3, 2, 10, 5, tzinfo=timezone.utc)}
    monkeypatch.setattr(freshness, "_now", lambda: clock["now"])

    def tick(cursor):
        context = build_sensor_context(cursor=cursor)
        return freshness_checks_sensor(context), context.cursor

    first, cursor = tick(None)  # the first evaluation after the daemon starts
    assert isinstance(first, RunRequest) and first.run_key == "freshness-2025-03-02T10"
    clock["now"] = datetime(2025, 3, 2, 10, 59, tzinfo=timezone.utc)
    assert isinstance(tick(cursor)[0], SkipReason)
    clock["now"] = datetime(2025, 3, 2, 11, 0, 30, tzinfo=timezone.utc)
    second, _ = tick(cursor)
    assert isinstance(second, RunRequest) and second.run_key == "freshness-2025-03-02T11"
