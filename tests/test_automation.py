"""The raw-drop sensor fires on a new file, not on an old one."""

import json
import os

from dagster import RunRequest, SkipReason, build_sensor_context

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
    assert list(json.loads(cursor)) == ["indicators/old.csv"]


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
    assert "enterprises/new.csv.gz" in json.loads(new_cursor)


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
