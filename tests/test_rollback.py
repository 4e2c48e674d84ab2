"""Rollback: the served release goes back to the one before it (or a named one) with one
atomic switch of serving/current and a rewritten catalog; what cannot be done changes nothing."""

import os
import re
import subprocess
import sys
import time

import duckdb
import pytest

from orchestration.publish.release import (
    RollbackError,
    current_release,
    list_releases,
    new_release_id,
    rollback,
    switch_current,
    write_catalog,
    write_release,
)
from orchestration.publish.report import write_report
from orchestration.settings import REPO_ROOT, Settings

TABLES = ["marts.policy_timeline", "audit.rejected_rows"]


def _publish(settings: Settings, rows: int) -> str:
    """A night in miniature: the build database holds `rows` policies, and a release is published."""
    settings.build_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(settings.build_db))
    con.execute("CREATE SCHEMA IF NOT EXISTS marts; CREATE SCHEMA IF NOT EXISTS audit")
    con.execute("CREATE OR REPLACE TABLE marts.policy_timeline AS SELECT 'p' || range AS policy_id, '000000' AS region_code, "
                f"'national' AS level, DATE '2020-01-01' + range::INTEGER AS published_on, 'notice' AS doc_type, "
                f"'通知 ' || range AS title FROM range({rows})")
    con.execute("CREATE OR REPLACE TABLE audit.rejected_rows AS SELECT 'x' AS source WHERE false")
    con.close()
    release = write_release(settings.build_db, settings.serving_dir, new_release_id(f"run{rows:05d}"), TABLES)
    switch_current(settings.serving_dir, release)
    write_catalog(settings.serving_dir, release, settings.catalog_db)
    time.sleep(0.002)  # release ids are stamped to the microsecond
    return release.release_id


def _served_rows(settings: Settings) -> int:
    con = duckdb.connect(str(settings.catalog_db), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM marts.policy_timeline").fetchone()[0]
    finally:
        con.close()


@pytest.fixture
def three_nights(tmp_path):
    settings = Settings(raw_dir=tmp_path / "raw", warehouse_dir=tmp_path / "warehouse", keep_releases=5)
    ids = [_publish(settings, rows) for rows in (10, 20, 30)]
    return settings, ids


def _link(settings):
    return os.readlink(settings.serving_dir / "current")


def test_rollback_serves_the_release_before_the_current_one(three_nights):
    settings, (first, second, third) = three_nights
    assert _served_rows(settings) == 30
    before, now = rollback(settings.serving_dir, settings.catalog_db)
    assert (before, now.release_id) == (third, second)
    assert _link(settings) == os.path.join("releases", second)
    assert current_release(settings.serving_dir)["release_id"] == second
    assert _served_rows(settings) == 20  # the catalog was rewritten: BI tools see the previous release
    assert not list(settings.serving_dir.glob(".current.*"))  # the switch left no temporary link behind
    before, now = rollback(settings.serving_dir, settings.catalog_db)  # and once more, further back
    assert (before, now.release_id) == (second, first) and _served_rows(settings) == 10


def test_rollback_to_a_named_release_and_forward_again(three_nights):
    settings, (first, second, third) = three_nights
    rollback(settings.serving_dir, settings.catalog_db, to=first)
    assert _served_rows(settings) == 10
    rollback(settings.serving_dir, settings.catalog_db, to=third)
    assert _served_rows(settings) == 30 and _link(settings) == os.path.join("releases", third)


def test_a_rollback_that_cannot_be_done_changes_nothing(three_nights):
    settings, (first, second, third) = three_nights
    with pytest.raises(RollbackError, match="is not kept"):
        rollback(settings.serving_dir, settings.catalog_db, to="20000101T000000000000Z-nothere")
    assert _link(settings) == os.path.join("releases", third)
    rollback(settings.serving_dir, settings.catalog_db, to=first)
    with pytest.raises(RollbackError, match="no release older than"):
        rollback(settings.serving_dir, settings.catalog_db)
    assert _link(settings) == os.path.join("releases", first) and _served_rows(settings) == 10


def test_partial_releases_are_not_candidates(three_nights):
    settings, (first, second, third) = three_nights
    releases = settings.serving_dir / "releases"
    (releases / f".{third}x.partial").mkdir()  # a publish that died half-way
    (releases / "20991231T000000000000Z-nomanifest").mkdir()  # a folder without its manifest
    assert [r["release_id"] for r in list_releases(settings.serving_dir)] == [first, second, third]
    assert [r["current"] for r in list_releases(settings.serving_dir)] == [False, False, True]


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "MODU_WAREHOUSE_DIR": str(settings.warehouse_dir), "MODU_RAW_DIR": str(settings.raw_dir)}
    return subprocess.run([sys.executable, "-m", "orchestration.cli", *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_rollback_command(three_nights):
    settings, (first, second, third) = three_nights
    listed = _cli(settings, "releases")
    assert listed.returncode == 0, listed.stderr
    assert f"* {third}" in listed.stdout and f"  {first}" in listed.stdout
    done = _cli(settings, "rollback")
    assert done.returncode == 0, done.stderr
    assert f"served release {third} -> {second}" in done.stdout
    assert _served_rows(settings) == 20
    assert _report(settings) == (second, 20)  # the report shows the release served now, not the withdrawn one
    done = _cli(settings, "rollback", "--to", first)
    assert done.returncode == 0 and _served_rows(settings) == 10
    assert _report(settings) == (first, 10)
    refused = _cli(settings, "rollback", "--to", "nope")
    assert refused.returncode == 1 and "release nope is not kept" in refused.stderr
    assert _served_rows(settings) == 10 and _report(settings) == (first, 10)


def _report(settings: Settings) -> tuple[str, int]:
    """(release the report names, policy dots it draws)."""
    page = settings.report_html.read_text(encoding="utf-8")
    return re.search(r'<meta name="modu-release" content="([^"]+)">', page).group(1), page.count('<g class="policy"')


def test_a_rollback_whose_report_cannot_be_drawn_removes_the_stale_report(three_nights):
    """The release is served either way; a report that still showed the withdrawn one would mislead."""
    settings, (first, second, third) = three_nights
    write_report(settings.serving_dir / "current", settings.report_html)
    assert _report(settings) == (third, 30)
    # a release whose policy_timeline lacks the contract's columns: the report cannot draw it
    (settings.serving_dir / "releases" / second / "marts.policy_timeline.parquet").unlink()
    con = duckdb.connect()
    target = settings.serving_dir / "releases" / second / "marts.policy_timeline.parquet"
    con.execute(f"COPY (SELECT range AS policy_id FROM range(20)) TO '{target}' (FORMAT parquet)")
    con.close()
    done = _cli(settings, "rollback")
    assert done.returncode == 1
    assert f"served release {third} -> {second}" in done.stdout and _served_rows(settings) == 20
    assert "could not be redrawn" in done.stderr and "does not show the withdrawn release" in done.stderr
    assert not settings.report_html.exists()
