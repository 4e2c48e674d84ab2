"""Write-audit-publish: releases switch atomically, failures keep the last good one.

One warehouse goes through several nights here, in order: a good night, a second
good night while a reader is connected, a night broken by an unreadable file, and a
night with a new file after the bad one was taken away.
"""

import os
import shutil
import subprocess
import sys

import duckdb
import pytest

from orchestration.publish.release import current_release
from orchestration.settings import REPO_ROOT, Settings
from tests.conftest import copy_sample, run_refresh


def _tree(root, skip=(".git", ".venv", ".pytest_cache", "__pycache__", "warehouse")):
    found = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in skip]
        for name in files:
            path = os.path.join(folder, name)
            found[path] = os.stat(path).st_mtime_ns
    return found


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    base = tmp_path_factory.mktemp("nights")
    settings = Settings(raw_dir=copy_sample(base / "raw"), warehouse_dir=base / "warehouse", keep_releases=2)
    return settings


def test_a_refresh_writes_only_into_the_warehouse_folder(nights):
    repo_before, raw_before = _tree(REPO_ROOT), _tree(nights.raw_dir)
    result = run_refresh(nights)
    assert result.success
    assert _tree(REPO_ROOT) == repo_before
    assert _tree(nights.raw_dir) == raw_before
    # quality: GX Data Docs; raw: the raw layer as Parquet, what dbt's sources read
    assert sorted(p.name for p in nights.warehouse_dir.iterdir()) == ["build", "quality", "raw", "serving"]


def test_serving_holds_one_release_behind_an_atomic_link(nights):
    link = nights.serving_dir / "current"
    assert link.is_symlink()
    release = current_release(nights.serving_dir)
    assert os.readlink(link) == os.path.join("releases", release["release_id"])
    assert release["tables"]["marts.policy_timeline"] == 11
    files = sorted(p.name for p in (nights.serving_dir / "releases" / release["release_id"]).iterdir())
    assert "marts.city_indicators.parquet" in files and "release.json" in files


# A BI tool's connection, in its own process as readers are: it counts, waits, counts again.
READER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
count = lambda: con.execute("SELECT count(*) FROM marts.policy_timeline").fetchone()[0]
print(count(), flush=True)
sys.stdin.readline()
print(count(), flush=True)
"""


def test_a_connected_reader_keeps_working_across_a_release(nights):
    first = current_release(nights.serving_dir)["release_id"]
    reader = subprocess.Popen([sys.executable, "-c", READER, str(nights.catalog_db)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        before = int(reader.stdout.readline())
        result = run_refresh(nights)  # the reader holds the catalog open all along
        assert result.success
        assert current_release(nights.serving_dir)["release_id"] != first
        after, errors = reader.communicate("\n", timeout=60)
        assert (int(after), errors) == (before, "")
    finally:
        reader.kill()
    (n,), = duckdb.connect(str(nights.catalog_db), read_only=True).execute(
        "SELECT count(*) FROM marts.dim_region").fetchall()
    assert n == 3220


def test_an_unreadable_file_fails_its_source_and_keeps_the_last_release(nights):
    good = current_release(nights.serving_dir)
    bad = nights.raw_dir / "enterprises" / "broken_export.csv"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe\xfd")
    result = run_refresh(nights)
    assert not result.success
    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert [e.step_key for e in failures] == ["raw__enterprises"]
    assert "broken_export.csv" in failures[0].event_specific_data.error.message
    assert current_release(nights.serving_dir) == good
    con = duckdb.connect(str(nights.catalog_db), read_only=True)
    assert con.execute("SELECT count(*) FROM marts.city_indicators").fetchone()[0] > 0
    con.close()
    bad.unlink()


def test_a_new_file_reaches_the_marts_and_old_releases_are_pruned(nights):
    before = current_release(nights.serving_dir)["release_id"]
    shutil.copy(REPO_ROOT / "tests" / "fixtures" / "late_indicator.csv", nights.raw_dir / "indicators" / "late.csv")
    result = run_refresh(nights)
    assert result.success
    # A mart the new indicator file cannot change is the served release's file, shared
    # (hard-linked), not copied again; a mart that reads indicators is written anew.
    after = current_release(nights.serving_dir)["release_id"]

    def inode(release_id, table):
        return (nights.serving_dir / "releases" / release_id / f"{table}.parquet").stat().st_ino

    # (compute_buildout reads the region-year panel, which indicators extend)
    shared = {t for t in ("marts.policy_timeline", "marts.compute_buildout", "marts.dim_region",
                          "marts.city_indicators", "marts.published_figures", "audit.rejected_rows")
              if inode(before, t) == inode(after, t)}
    assert shared == {"marts.policy_timeline", "marts.dim_region"}
    con = duckdb.connect(str(nights.catalog_db), read_only=True)
    (output,), = con.execute(
        "SELECT ai_industry_output_cny FROM marts.city_indicators WHERE region_code = '340100' AND year = 2022"
    ).fetchall()
    con.close()
    assert output == 123_400_000_000
    releases = [p for p in (nights.serving_dir / "releases").iterdir()]
    assert len(releases) == 2  # keep_releases=2: three nights published, the oldest was pruned
