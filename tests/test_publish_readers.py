"""Readers never see an error or half a release, through DuckDB or Postgres, across nights.

One warehouse (a copy of the sample's, so its first release is already out) is served
by `serve`. Three reader processes hammer it: DuckDB with a fresh read-only connection
per query, DuckDB with one connection held all along, and Postgres as `analyst`. Each
query asks, in one statement, which release answers and what several marts and audit
tables hold (joining marts). Meanwhile three refreshes run as `python -m
orchestration.cli refresh`, each with new raw files so that every release differs:
the first succeeds, the second is killed with SIGKILL midway, the third succeeds.
Every answer must be exactly what its release holds, read from the release's own files.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import psycopg
import pytest

from orchestration.loopback import free_port
from orchestration.publish import postgres
from orchestration.publish.release import CATALOG_STORAGE_VERSION, Release, current_release, write_catalog
from orchestration.settings import REPO_ROOT, Settings
from tests.serving_helpers import (
    ANALYST_PASSWORD,
    env_for,
    expected_fingerprint,
    start_reader,
    start_serve,
    stop_serve,
)

REFRESH_TIMEOUT = 900


@dataclass
class Scenario:
    settings: Settings
    releases: list[str] = field(default_factory=list)  # r0 (copied), r1, r2
    readers: dict[str, dict] = field(default_factory=dict)
    refresh_logs: list[str] = field(default_factory=list)
    killed: dict = field(default_factory=dict)
    diagnostics: str = ""  # serve's output and the server's log, shown when a reader failed


def _served(state: postgres.ServerState) -> str | None:
    with psycopg.connect(state.conninfo()) as con:
        return postgres.served_release(con)


def _late_policies(raw: Path, night: int, with_bad_line: bool) -> None:
    lines = [json.dumps({"title": f"合肥市人工智能测试政策(第{night}号)", "issuer": "合肥市人民政府", "region": "合肥",
                         "published_on": f"2024-0{night}-15", "doc_type": "notice", "topics": ["ai"]},
                        ensure_ascii=False)]
    if with_bad_line:
        lines.append('{"title": "not json at all"')
    (raw / "policies" / f"late_night_{night}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _refresh(settings: Settings, log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "orchestration.cli", "refresh"], cwd=REPO_ROOT,
                            env=env_for(settings), stdout=open(log, "w", encoding="utf-8"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def _lock_is_held(lock: Path) -> bool:
    if not lock.exists():
        return False
    with open(lock, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


@pytest.fixture(scope="module")
def scenario(sample_refresh, tmp_path_factory) -> Scenario:
    sample, _ = sample_refresh
    base = tmp_path_factory.mktemp("readers")
    shutil.copytree(sample.raw_dir, base / "raw")
    for part in ("build", "serving"):
        shutil.copytree(sample.warehouse_dir / part, base / "warehouse" / part, symlinks=True)
    settings = Settings(raw_dir=base / "raw", warehouse_dir=base / "warehouse", keep_releases=5)
    r0 = current_release(settings.serving_dir)
    write_catalog(settings.serving_dir, Release(r0["release_id"], settings.serving_dir / "releases" / r0["release_id"],
                                                r0["tables"]), settings.catalog_db)
    s = Scenario(settings, releases=[r0["release_id"]])
    serve = start_serve(settings, free_port(), base / "serve.log")
    state = postgres.read_state(settings)
    stop = base / "stop-readers"
    targets = {"duckdb": str(settings.catalog_db), "duckdb-held": str(settings.catalog_db),
               "postgres": state.conninfo(user="analyst", password=ANALYST_PASSWORD)}
    readers = {mode: start_reader(mode, target, base / f"reader-{mode}.json", stop, REFRESH_TIMEOUT * 3)
               for mode, target in targets.items()}
    try:
        time.sleep(2)
        # night 1: succeeds, with a new policy and a line that is rejected
        _late_policies(settings.raw_dir, 1, with_bad_line=True)
        log = base / "refresh-1.log"
        assert _refresh(settings, log).wait(REFRESH_TIMEOUT) == 0, log.read_text()
        s.refresh_logs.append(log.read_text())
        s.releases.append(current_release(settings.serving_dir)["release_id"])
        # night 2: killed (the whole process group, dbt included) once it holds the build lock
        _late_policies(settings.raw_dir, 2, with_bad_line=False)
        log = base / "refresh-2.log"
        proc = _refresh(settings, log)
        deadline = time.monotonic() + REFRESH_TIMEOUT
        while not _lock_is_held(settings.build_lock) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(3)
        assert proc.poll() is None, "the refresh ended before it could be killed:\n" + log.read_text()
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        time.sleep(1)
        s.killed = {"returncode": proc.returncode, "current": current_release(settings.serving_dir)["release_id"],
                    "postgres": _served(state), "log": log.read_text()}
        con = duckdb.connect(str(settings.catalog_db), read_only=True)
        s.killed["catalog"] = con.execute("SELECT release_id FROM marts.release_info").fetchone()[0]
        con.close()
        # night 3: succeeds on the same raw folder (night 2's file included)
        log = base / "refresh-3.log"
        assert _refresh(settings, log).wait(REFRESH_TIMEOUT) == 0, log.read_text()
        s.refresh_logs.append(log.read_text())
        s.releases.append(current_release(settings.serving_dir)["release_id"])
        time.sleep(2)
    finally:
        stop.touch()
        for mode, proc in readers.items():
            proc.wait(60)
            out = base / f"reader-{mode}.json"
            s.readers[mode] = json.loads(out.read_text()) if out.exists() else {"errors": ["no output"], "answers": {}}
        stop_serve(serve)
        pg_log = settings.postgres_dir / "postgres.log"
        s.diagnostics = ((base / "serve.log").read_text() + "\n--- postgres.log (tail) ---\n"
                         + "\n".join(pg_log.read_text().splitlines()[-40:] if pg_log.exists() else []))
    return s


def test_every_release_is_different(scenario):
    fingerprints = [expected_fingerprint(scenario.settings.serving_dir / "releases" / r) for r in scenario.releases]
    assert len(set(scenario.releases)) == 3
    assert [f[1] for f in fingerprints] == [11, 12, 13]  # policies: so an answer mixing two releases would show
    assert fingerprints[0][2] < fingerprints[1][2]  # the bad line of night 1 was rejected


@pytest.mark.parametrize("mode", ["duckdb", "duckdb-held", "postgres"])
def test_readers_see_no_error_and_only_whole_releases(scenario, mode):
    reader = scenario.readers[mode]
    assert reader["errors"] == [], (reader.get("error_count"), scenario.diagnostics)
    assert reader["queries"] > 100 and reader["stopped_by"] == "file"
    for answer, times in reader["answers"].items():
        answer = json.loads(answer)
        assert answer[0] in scenario.releases, answer
        assert answer == expected_fingerprint(scenario.settings.serving_dir / "releases" / answer[0]), (answer, times)


@pytest.mark.parametrize("mode", ["duckdb", "postgres"])
def test_readers_move_from_release_to_release_in_order(scenario, mode):
    assert scenario.readers[mode]["sequence"] == scenario.releases


def test_a_held_duckdb_connection_keeps_the_release_it_opened(scenario):
    assert scenario.readers["duckdb-held"]["sequence"] == scenario.releases[:1]


def test_a_killed_refresh_leaves_the_served_release_and_the_next_one_succeeds(scenario):
    killed = scenario.killed
    assert killed["returncode"] == -signal.SIGKILL
    assert killed["current"] == killed["catalog"] == killed["postgres"] == scenario.releases[1]
    assert len(scenario.releases) == 3 and scenario.releases[2] > scenario.releases[1]
    releases = scenario.settings.serving_dir / "releases"
    assert sorted(p.name for p in releases.iterdir()) == sorted(scenario.releases)  # no partial left behind


def test_each_publish_loads_postgres_and_redraws_the_report(scenario):
    for log, release_id in zip(scenario.refresh_logs, scenario.releases[1:]):
        assert f"postgres: release {release_id} loaded in" in log
    report = scenario.settings.report_html.read_text(encoding="utf-8")
    assert f'<meta name="modu-release" content="{scenario.releases[-1]}">' in report


def test_the_catalog_is_written_for_duckdb_1_0_readers(sample_refresh):
    """DuckDB 1.5.5 writes 0.10.2's format by default; the catalog names v1.0.0 (serialization
    version 2) so that every DuckDB 1.x that BI drivers ship opens it (checked by hand with
    1.0.0, 1.1.3 and 1.4.4, see docs/bi-tools.md)."""
    catalog = sample_refresh[0].catalog_db
    head = catalog.read_bytes()[: 3 * 4096]
    assert head[8:12] == b"DUCK"
    assert int.from_bytes(head[12:20], "little") == 64  # the file version number DuckDB 0.10 to 1.5 read
    headers = [head[4096 * i: 4096 * (i + 1)] for i in (1, 2)]  # two database headers; the live one is newer
    live = max(headers, key=lambda h: int.from_bytes(h[8:16], "little"))
    assert int.from_bytes(live[56:64], "little") == 2  # serialization compatibility of v1.0.0
    assert CATALOG_STORAGE_VERSION == "v1.0.0"
    con = duckdb.connect(str(catalog), read_only=True)
    try:
        tags, = con.execute("SELECT tags FROM duckdb_databases() WHERE database_name = 'modu'").fetchone()
        assert tags == {"storage_version": "v1.0.0+"}
        views = con.execute("SELECT sql FROM duckdb_views() WHERE NOT internal").fetchall()
    finally:
        con.close()
    release = current_release(sample_refresh[0].serving_dir)["release_id"]
    assert views and all(f"/releases/{release}/" in v for v, in views)  # one release's files, not the link
