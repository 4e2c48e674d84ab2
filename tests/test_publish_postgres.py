"""The Postgres endpoint: a real PostgreSQL 18 started by `serve`, read by real clients.

One server serves a copy of the sample's release for the whole module. Tests that load
other releases into it put the sample's release back (load with force) before they end.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import psycopg
import pytest
import sqlalchemy as sa

from orchestration.publish import postgres
from orchestration.publish.release import Release, _write_release_info, current_release, write_catalog
from orchestration.settings import REPO_ROOT, Settings
from tests.serving_helpers import ANALYST_PASSWORD, free_port, require_command, start_serve, stop_serve


@dataclass
class Endpoint:
    settings: Settings
    state: postgres.ServerState
    release_id: str
    folder: Path
    tables: dict[str, int]
    serve_log: Path
    base: Path

    def analyst(self, **kwargs) -> psycopg.Connection:
        return psycopg.connect(self.state.conninfo(user="analyst", password=ANALYST_PASSWORD), **kwargs)

    def admin(self, **kwargs) -> psycopg.Connection:
        return psycopg.connect(self.state.conninfo(), **kwargs)

    def served(self) -> str:
        with self.admin() as con:
            return postgres.served_release(con)


@pytest.fixture(scope="module")
def endpoint(sample_refresh, tmp_path_factory):
    sample, _ = sample_refresh
    base = tmp_path_factory.mktemp("postgres")
    release = current_release(sample.serving_dir)
    serving = base / "warehouse" / "serving"
    folder = serving / "releases" / release["release_id"]
    shutil.copytree(sample.serving_dir / "releases" / release["release_id"], folder)
    os.symlink(Path("releases") / release["release_id"], serving / "current")
    settings = Settings(raw_dir=base / "raw", warehouse_dir=base / "warehouse", keep_releases=5)
    write_catalog(serving, Release(release["release_id"], folder, release["tables"]), settings.catalog_db)
    proc = start_serve(settings, free_port(), base / "serve.log")
    try:
        yield Endpoint(settings, postgres.read_state(settings), release["release_id"], folder, release["tables"],
                       base / "serve.log", base)
    finally:
        assert stop_serve(proc) == 0
    assert not settings.postgres_state.exists()  # a clean stop takes server.json away


def clone_release(endpoint: Endpoint, release_id: str) -> Path:
    """A copy of the sample's release under another id (its release_info says so too)."""
    folder = endpoint.base / "clones" / release_id
    shutil.copytree(endpoint.folder, folder)
    manifest = json.loads((folder / "release.json").read_text(encoding="utf-8"))
    manifest["release_id"] = release_id
    (folder / "release.json").write_text(json.dumps(manifest), encoding="utf-8")
    _write_release_info(folder / "marts.release_info.parquet", release_id, datetime.now(timezone.utc))
    return folder


def restore(endpoint: Endpoint) -> None:
    result = postgres.load_release(endpoint.state, endpoint.folder, force=True)
    assert result.status == "loaded" and endpoint.served() == endpoint.release_id


def test_serve_loads_the_current_release_when_it_starts(endpoint):
    assert f"release {endpoint.release_id} loaded" in endpoint.serve_log.read_text(encoding="utf-8")
    with endpoint.analyst() as con:
        assert con.execute("SELECT release_id FROM marts.release_info").fetchall() == [(endpoint.release_id,)]
        for table, rows in endpoint.tables.items():
            assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == rows, table
        (published,), = con.execute(
            "SELECT ai_enterprise_count_published FROM marts.city_indicators WHERE region_code = '440300' AND year = 2023"
        ).fetchall()
    assert published == 63_800


def test_the_server_listens_on_loopback_only_and_asks_for_a_password(endpoint):
    state_file = endpoint.settings.postgres_state
    assert stat.S_IMODE(state_file.stat().st_mode) == 0o600  # it holds the admin password
    assert json.loads(state_file.read_text())["host"] == "127.0.0.1"
    with endpoint.admin() as con:
        assert con.execute("SHOW listen_addresses").fetchone()[0] == "127.0.0.1"
        assert con.execute("SHOW unix_socket_directories").fetchone()[0] == ""
        rules = con.execute("SELECT type, address, auth_method FROM pg_hba_file_rules WHERE error IS NULL").fetchall()
        assert con.execute("SHOW server_version").fetchone()[0].startswith("18.")
    assert rules == [("host", "127.0.0.1", "scram-sha-256")]
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(endpoint.state.conninfo(user="analyst", password="wrong"))
    with pytest.raises(psycopg.OperationalError, match="CONNECT privilege"):
        psycopg.connect(endpoint.state.conninfo(user="analyst", password=ANALYST_PASSWORD, database="postgres"))


def test_psql_reads_the_marts(endpoint):
    psql = require_command("psql", "postgresql-client")
    env = {**os.environ, "PGPASSWORD": ANALYST_PASSWORD, "PGCONNECT_TIMEOUT": "10"}
    base = [psql, "-X", "-h", endpoint.state.host, "-p", str(endpoint.state.port), "-U", "analyst", "-d", "modu",
            "-v", "ON_ERROR_STOP=1", "-At"]
    out = subprocess.run(
        [*base, "-c", "SELECT region_code, year, ai_enterprise_count_published FROM marts.city_indicators "
                      "WHERE ai_enterprise_count_published IS NOT NULL ORDER BY 1, 2"],
        env=env, capture_output=True, text=True, timeout=60, check=True,
    ).stdout.split()
    assert "440300|2023|63800" in out and "440300|2016|36100" in out
    listing = subprocess.run([*base, "-c", r"\dt marts.*"], env=env, capture_output=True, text=True, timeout=60,
                             check=True).stdout
    assert {line.split("|")[1] for line in listing.splitlines()} == {
        t.split(".")[1] for t in endpoint.tables if t.startswith("marts.")}
    denied = subprocess.run([*base, "-c", "DELETE FROM marts.dim_region"], env=env, capture_output=True, text=True,
                            timeout=60)
    assert denied.returncode != 0 and "read-only transaction" in denied.stderr


def test_the_analyst_role_cannot_write(endpoint):
    with endpoint.analyst(autocommit=True) as con:
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            con.execute("INSERT INTO marts.dim_region (region_code) VALUES ('999999')")
        con.execute("SET default_transaction_read_only = off")  # a tool may switch read-only off: privileges hold
        attempts = [
            "INSERT INTO marts.dim_region (region_code) VALUES ('999999')",
            "UPDATE marts.city_indicators SET year = 1900",
            "DELETE FROM audit.rejected_rows",
            "TRUNCATE marts.policy_timeline",
            "DROP TABLE marts.modu_index",
            "ALTER TABLE marts.dim_region ADD COLUMN x int",
            "CREATE TABLE marts.mine (i int)",
            "CREATE TABLE public.mine (i int)",
            "CREATE TEMP TABLE mine (i int)",
            "CREATE SCHEMA mine",
        ]
        for statement in attempts:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                con.execute(statement)
        assert con.execute("SELECT count(*) FROM marts.dim_region").fetchone()[0] == endpoint.tables["marts.dim_region"]


def test_bi_tools_see_schemas_tables_and_columns_over_postgres(endpoint):
    url = sa.engine.URL.create("postgresql+psycopg", username="analyst", password=ANALYST_PASSWORD,
                               host=endpoint.state.host, port=endpoint.state.port, database="modu")
    engine = sa.create_engine(url)
    try:
        inspector = sa.inspect(engine)
        assert {"marts", "audit"} <= set(inspector.get_schema_names())
        assert set(inspector.get_table_names(schema="marts")) == {
            t.split(".")[1] for t in endpoint.tables if t.startswith("marts.")}
        assert set(inspector.get_table_names(schema="audit")) == {
            t.split(".")[1] for t in endpoint.tables if t.startswith("audit.")} >= {"rejected_rows", "dq_results"}
        columns = {c["name"]: str(c["type"]) for c in inspector.get_columns("city_indicators", schema="marts")}
        assert columns["region_code"] == "TEXT" and columns["year"] == "INTEGER"
        assert columns["ai_enterprise_count"] == "BIGINT" and columns["ai_industry_output_cny"] == "NUMERIC(18, 2)"
        assert columns["ai_enterprise_yoy_growth"] == "DOUBLE PRECISION"
        dates = {c["name"]: str(c["type"]) for c in inspector.get_columns("policy_timeline", schema="marts")}
        assert dates["published_on"] == "DATE"
        with engine.connect() as con:
            assert con.execute(sa.text("SELECT count(*) FROM marts.policy_timeline")).scalar() == 11
    finally:
        engine.dispose()


def test_bi_tools_see_schemas_views_and_columns_in_the_duckdb_catalog(endpoint):
    engine = sa.create_engine(f"duckdb:///{endpoint.settings.catalog_db}", connect_args={"read_only": True})
    try:
        inspector = sa.inspect(engine)
        assert {"modu.marts", "modu.audit"} <= set(inspector.get_schema_names())
        assert set(inspector.get_view_names(schema="marts")) == {
            t.split(".")[1] for t in endpoint.tables if t.startswith("marts.")}
        assert set(inspector.get_view_names(schema="audit")) == {
            t.split(".")[1] for t in endpoint.tables if t.startswith("audit.")} >= {"rejected_rows", "dq_results"}
        columns = {c["name"]: str(c["type"]) for c in inspector.get_columns("city_indicators", schema="marts")}
        assert columns["year"] == "INTEGER" and columns["ai_industry_output_cny"] == "NUMERIC(18, 2)"
        with engine.connect() as con:
            assert con.execute(sa.text("SELECT release_id FROM marts.release_info")).scalar() == endpoint.release_id
    finally:
        engine.dispose()


def test_an_older_release_never_replaces_a_newer_one(endpoint):
    newer = clone_release(endpoint, "29991231T000000000000Z-newer001")
    assert postgres.load_release(endpoint.state, newer).status == "loaded"
    assert postgres.load_release(endpoint.state, newer).status == "unchanged"
    older = postgres.load_release(endpoint.state, endpoint.folder)  # e.g. `serve` starting while a refresh publishes
    assert (older.status, older.served_release_id) == ("older", "29991231T000000000000Z-newer001")
    assert endpoint.served() == "29991231T000000000000Z-newer001"
    # serving/current still names the sample's release: following it (what `serve` does when it
    # starts, and what a rollback wants) may go back to an older release
    synced = postgres.sync_current(endpoint.settings)
    assert (synced["status"], synced["release_id"]) == ("loaded", endpoint.release_id)
    assert endpoint.served() == endpoint.release_id
    assert postgres.sync_current(endpoint.settings)["status"] == "unchanged"


def test_a_session_sitting_on_the_marts_cannot_block_the_swap(endpoint, monkeypatch):
    monkeypatch.setattr(postgres, "LOCK_WAIT_SECONDS", 1.0)
    newer = clone_release(endpoint, "29991231T000000000000Z-newer002")
    idle = endpoint.analyst()  # a BI tool that opened a transaction and went to lunch
    idle.execute("SELECT count(*) FROM marts.policy_timeline").fetchone()
    busy = endpoint.analyst(autocommit=True)  # and one that keeps reading, every query whole
    try:
        started = time.monotonic()
        result = postgres.load_release(endpoint.state, newer)
        assert result.status == "loaded" and result.terminated_sessions == 1
        assert time.monotonic() - started < 30
        with pytest.raises(psycopg.OperationalError):
            idle.execute("SELECT count(*) FROM marts.policy_timeline").fetchone()
        assert busy.execute("SELECT release_id FROM marts.release_info").fetchone()[0] == newer.name
    finally:
        idle.close()
        busy.close()
    restore(endpoint)


def test_values_survive_the_copy_exactly(endpoint):
    """NULL is not '', quotes, commas and newlines stay inside their field, types map to Postgres types."""
    odd = clone_release(endpoint, "29991231T000000000000Z-odd00001")
    duckdb.execute(f"""
        COPY (SELECT * FROM (VALUES
            (1, NULL, '', 'say "hi", then
leave', 1.25::DECIMAL(18, 2), DATE '2023-08-15', TIMESTAMPTZ '2023-08-15 10:00:00+08', true, [1, 2], 'x'::BLOB),
            (2, '深圳', 'a', NULL, NULL, NULL, NULL, NULL, NULL, NULL)
        ) t(id, zh, empty, tricky, money, day, stamped, flag, numbers, raw))
        TO '{odd / 'marts.zz_odd.parquet'}' (FORMAT parquet)""")
    postgres.load_release(endpoint.state, odd)
    try:
        with endpoint.analyst() as con:
            rows = con.execute("SELECT * FROM marts.zz_odd ORDER BY id").fetchall()
            types = dict(con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'marts' AND table_name = 'zz_odd'").fetchall())
    finally:
        restore(endpoint)
    first, second = rows
    assert first[1] is None and first[2] == "" and first[3] == 'say "hi", then\nleave'
    assert str(first[4]) == "1.25" and str(first[5]) == "2023-08-15" and first[6].isoformat() == "2023-08-15T02:00:00+00:00"
    assert first[7] is True and first[8] == "[1, 2]" and bytes(first[9]) == b"x"
    assert second[1:] == ("深圳", "a", None, None, None, None, None, None, None)
    assert types == {"id": "integer", "zh": "text", "empty": "text", "tricky": "text", "money": "numeric",
                     "day": "date", "stamped": "timestamp with time zone", "flag": "boolean", "numbers": "text",
                     "raw": "bytea"}


def test_a_load_killed_midway_leaves_the_served_release_whole(endpoint):
    big = clone_release(endpoint, "29991231T000000000000Z-big00001")
    duckdb.execute(f"COPY (SELECT range AS i, md5(range::VARCHAR) AS s FROM range(2000000)) "
                   f"TO '{big / 'marts.zz_ballast.parquet'}' (FORMAT parquet)")
    loader = subprocess.Popen(
        [sys.executable, "-c", "import sys; from pathlib import Path; from orchestration.publish import postgres; "
                               "from orchestration.settings import load; "
                               "postgres.load_release(postgres.read_state(load()), Path(sys.argv[1]))", str(big)],
        cwd=REPO_ROOT, env={**os.environ, "MODU_WAREHOUSE_DIR": str(endpoint.settings.warehouse_dir)},
    )
    with endpoint.admin(autocommit=True) as watcher:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and loader.poll() is None:
            copying = watcher.execute(
                "SELECT pid FROM pg_stat_activity WHERE application_name = 'modu-publish' "
                "AND query ILIKE 'COPY %zz_ballast%'").fetchall()
            if copying:
                break
            time.sleep(0.02)
        assert copying and loader.poll() is None, "the load finished before it could be killed"
        loader.send_signal(signal.SIGKILL)
        loader.wait()
        while watcher.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [copying[0][0]]).fetchone()[0]:
            time.sleep(0.05)
        schemas = {r[0] for r in watcher.execute("SELECT nspname FROM pg_namespace").fetchall()}
    assert endpoint.served() == endpoint.release_id
    assert {"marts", "audit"} <= schemas and not {"marts_next", "audit_next", "marts_previous"} & schemas
    with endpoint.analyst() as con:
        assert con.execute("SELECT count(*) FROM marts.city_indicators").fetchone()[0] == \
            endpoint.tables["marts.city_indicators"]
        assert con.execute("SELECT to_regclass('marts.zz_ballast')").fetchone()[0] is None
    result = postgres.load_release(endpoint.state, big)  # the next load goes through
    assert result.status == "loaded" and result.tables["marts.zz_ballast"] == 2_000_000
    restore(endpoint)


def test_publish_says_it_skipped_when_no_server_runs(endpoint, tmp_path):
    alone = Settings(raw_dir=tmp_path / "raw", warehouse_dir=tmp_path / "warehouse", keep_releases=5)
    result = postgres.publish(alone, endpoint.folder)
    assert result["status"] == "skipped" and "no server running" in result["reason"]
    assert not alone.postgres_dir.exists()  # looking does not create anything
    alone.postgres_dir.mkdir(parents=True)
    dead = subprocess.Popen(["true"])
    dead.wait()
    state = json.loads(endpoint.settings.postgres_state.read_text())
    alone.postgres_state.write_text(json.dumps({**state, "pid": dead.pid}))  # a serve that was killed
    result = postgres.publish(alone, endpoint.folder)
    assert result["status"] == "skipped" and "gone" in result["reason"]


def test_serve_refuses_to_start_without_the_analyst_password(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "MODU_ANALYST_PASSWORD"}
    env["MODU_WAREHOUSE_DIR"] = str(tmp_path / "warehouse")
    done = subprocess.run([sys.executable, "-m", "orchestration.cli", "serve"], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "MODU_ANALYST_PASSWORD" in done.stdout
    assert not (tmp_path / "warehouse").exists()
