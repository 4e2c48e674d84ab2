"""The Postgres endpoint: a real PostgreSQL 18 started by `serve`, read by real clients.

One server serves a copy of the sample's release for the whole module, with small limits
(LIMITS) so that the tests reach them quickly, and two named analysts besides `analyst`.
Tests that load other releases into it put the sample's release back (load with force)
before they end.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import select
import shutil
import signal
import socket
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

from orchestration.loopback import free_port
from orchestration.publish import postgres
from orchestration.publish.postgres import swap
from orchestration.publish.release import Release, _write_release_info, current_release, switch_current, write_catalog
from orchestration.settings import REPO_ROOT, Settings
from tests.semantic_helpers import THE_NINE, ask, same_value
from tests.serving_helpers import ANALYST_PASSWORD, env_for, require_command, start_serve, stop_serve

# Small enough to reach in a test, large enough for every ordinary query of the module.
LIMITS = dict(pg_statement_timeout_seconds=3.0, pg_memory_limit_mb=128, pg_temp_file_limit_mb=64,
              pg_connections_per_role=3)
NAMED = {"alice": "alice-secret-for-tests", "bob": "bob's \"secret\" for tests"}


@dataclass
class Endpoint:
    settings: Settings
    state: postgres.ServerState
    release_id: str
    folder: Path
    tables: dict[str, int]
    serve_log: Path
    base: Path

    def analyst(self, user: str = "analyst", **kwargs) -> psycopg.Connection:
        password = ANALYST_PASSWORD if user == "analyst" else NAMED[user]
        return psycopg.connect(self.state.conninfo(user=user, password=password), **kwargs)

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
    analysts_file = base / "analysts.json"
    analysts_file.write_text(json.dumps(NAMED), encoding="utf-8")
    analysts_file.chmod(0o600)
    settings = Settings(raw_dir=base / "raw", warehouse_dir=base / "warehouse", keep_releases=5,
                        pg_analysts_file=analysts_file, **LIMITS)
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
    synced = postgres.serve_current(endpoint.settings)
    assert (synced["status"], synced["release_id"]) == ("loaded", endpoint.release_id)
    assert endpoint.served() == endpoint.release_id
    assert postgres.serve_current(endpoint.settings)["status"] == "unchanged"


def test_a_rollback_brings_the_running_endpoint_back_to_the_release_before(endpoint):
    serving = endpoint.settings.serving_dir
    newer_id = "29991231T000000000000Z-rollbk01"
    newer = serving / "releases" / newer_id
    shutil.copytree(clone_release(endpoint, newer_id), newer)
    switch_current(serving, Release(newer_id, newer, endpoint.tables))  # a night that published
    assert postgres.publish(endpoint.settings, newer)["status"] == "loaded"
    try:
        done = subprocess.run([sys.executable, "-m", "orchestration.cli", "rollback"], cwd=REPO_ROOT,
                              env=env_for(endpoint.settings), capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert f"postgres endpoint: release {endpoint.release_id} loaded" in done.stdout
        assert endpoint.served() == endpoint.release_id
    finally:
        if os.readlink(serving / "current") != os.path.join("releases", endpoint.release_id):
            switch_current(serving, Release(endpoint.release_id, endpoint.folder, endpoint.tables))
            restore(endpoint)
        shutil.rmtree(newer)


def test_a_session_sitting_on_the_marts_cannot_block_the_swap(endpoint, monkeypatch):
    monkeypatch.setattr(swap, "LOCK_WAIT_SECONDS", 1.0)
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


# --- many analysts: what the server itself enforces ----------------------------------------------


def psql(endpoint: Endpoint, user: str, *args: str, timeout: float = 60, **env: str) -> subprocess.CompletedProcess:
    """psql as an analyst would run it: the URI `serve` prints, the password in PGPASSWORD."""
    client = require_command("psql", "postgresql-client")
    password = ANALYST_PASSWORD if user == "analyst" else NAMED[user]
    return subprocess.run(
        [client, "-X", "-At", "-v", "ON_ERROR_STOP=1", endpoint.state.uri(user), *args],
        env={**os.environ, "PGPASSWORD": password, "PGCONNECT_TIMEOUT": "10", **env},
        capture_output=True, text=True, timeout=timeout,
    )


def reads_the_marts(endpoint: Endpoint, con: psycopg.Connection) -> None:
    (published,), = con.execute("SELECT ai_enterprise_count_published FROM marts.city_indicators "
                                "WHERE region_code = '440300' AND year = 2023").fetchall()
    assert published == 63_800
    assert con.execute("SELECT count(*) FROM marts.dim_region").fetchone()[0] == endpoint.tables["marts.dim_region"]


def test_one_analyst_cannot_lock_out_slow_down_or_reconfigure_another(endpoint):
    """alice tries everything; bob, connected before and connecting after, still reads, and the
    server (never restarted) stopped what she ran away with."""
    with endpoint.admin() as con:
        started = con.execute("SELECT pg_postmaster_start_time()").fetchone()[0]
    bob = endpoint.analyst("bob", autocommit=True)  # connected all along: a server restart would cut him off
    alice = endpoint.analyst("alice", autocommit=True)
    try:
        bob_pid = bob.execute("SELECT pg_backend_pid()").fetchone()[0]
        alice.execute("SET default_transaction_read_only = off")
        # passwords, role attributes and role settings: hers, bob's, the shared role's
        for statement in ["ALTER ROLE alice PASSWORD 'mine-now'", "ALTER ROLE alice PASSWORD NULL",
                          "ALTER ROLE bob PASSWORD 'mine-now'", "ALTER ROLE analyst PASSWORD 'mine-now'",
                          "ALTER ROLE alice CONNECTION LIMIT -1", "ALTER ROLE alice VALID UNTIL '2000-01-01'",
                          "ALTER ROLE alice SET statement_timeout = 0", "ALTER ROLE alice SET work_mem = '8GB'",
                          "ALTER ROLE alice IN DATABASE modu SET search_path = nowhere", "ALTER ROLE alice RESET ALL",
                          "ALTER ROLE analyst SET default_transaction_read_only = off",
                          "DO $$ BEGIN EXECUTE 'ALTER ROLE alice PASSWORD ''x'''; END $$",
                          "ALTER DATABASE modu SET statement_timeout = 0", "ALTER SYSTEM SET statement_timeout = 0",
                          # disk that no table privilege guards, and the loaders' lock
                          "SELECT lo_from_bytea(0, 'x')", "SELECT lo_create(0)", "SELECT pg_notify('c', 'x')",
                          "NOTIFY c", f"SELECT pg_terminate_backend({bob_pid})", f"SELECT pg_cancel_backend({bob_pid})"]:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                alice.execute(statement)
        with alice.transaction(), pytest.raises(psycopg.errors.InsufficientPrivilege):
            alice.execute("LOCK TABLE modu_private.loader_lock")
        # the same with psql, the shared role's password
        denied = psql(endpoint, "analyst", "-c", "SET default_transaction_read_only = off",
                      "-c", "ALTER ROLE analyst PASSWORD 'mine-now'")
        assert denied.returncode != 0 and "roles and their settings are managed by modu" in denied.stderr
        # limits: SET, set_config() and the connection's options cannot go past the caps; lower is fine
        alice.execute("SET statement_timeout = 0")
        assert alice.execute("SHOW statement_timeout").fetchone()[0] == "3s"
        assert alice.execute("SELECT set_config('statement_timeout', '86400000', false)").fetchone()[0] == "3s"
        alice.execute("SET idle_in_transaction_session_timeout = 0")
        assert alice.execute("SHOW idle_in_transaction_session_timeout").fetchone()[0] == "5min"
        alice.execute("SET statement_timeout = '1s'")
        assert alice.execute("SHOW statement_timeout").fetchone()[0] == "1s"
        alice.execute("RESET statement_timeout")
        for statement in ["SET temp_file_limit = -1", "SET modu_guard.memory_limit = '64GB'"]:
            with pytest.raises((psycopg.errors.InsufficientPrivilege, psycopg.errors.CantChangeRuntimeParam)):
                alice.execute(statement)
        # runaway queries, asked for with no timeout: psql with PGOPTIONS, and a loop in plpgsql
        t0 = time.monotonic()
        runaway = psql(endpoint, "alice", "-c", "SHOW statement_timeout", "-c", "SELECT pg_sleep(600)",
                       PGOPTIONS="-c statement_timeout=0")
        assert runaway.returncode != 0 and runaway.stdout.split() == ["3s"], runaway
        assert "canceling statement due to statement timeout" in runaway.stderr
        assert 3 <= time.monotonic() - t0 < 30
        alice.execute("SELECT set_config('statement_timeout', '0', false)")
        with pytest.raises(psycopg.errors.QueryCanceled, match="statement timeout"):
            alice.execute("DO $$ BEGIN LOOP END LOOP; END $$")
        # a huge sort and a huge hash with all the work_mem she wants: her query fails, nothing else
        alice.execute("SET work_mem = '8GB'")
        with pytest.raises(psycopg.errors.OutOfMemory):
            alice.execute("SELECT count(*) FROM (SELECT g, count(*) FROM "
                          "(SELECT generate_series(1, 30000000) g) t GROUP BY g) s")
        with pytest.raises(psycopg.errors.OutOfMemory):
            alice.execute("SELECT count(*) FROM (SELECT generate_series(1, 30000000) g ORDER BY 1 DESC OFFSET 0) s")
        with pytest.raises(psycopg.errors.OutOfMemory):
            alice.execute("SELECT length(repeat('x', 400000000))")
        alice.execute("RESET work_mem")  # then the sort spills to disk, up to temp_file_limit
        with pytest.raises(psycopg.errors.ConfigurationLimitExceeded, match="temp_file_limit"):
            alice.execute("SELECT count(*) FROM (SELECT generate_series(1, 30000000) g ORDER BY 1 DESC OFFSET 0) s")
        assert alice.execute("SELECT 1").fetchone() == (1,)  # her session goes on
        # failing on purpose, with long statements: the server's log does not grow with them
        logged = Path(endpoint.state.log_file).stat().st_size
        for _ in range(5):
            with pytest.raises(psycopg.errors.InvalidTextRepresentation):
                alice.execute("SELECT %s::int", ["x" * 1_000_000])
            with pytest.raises(psycopg.errors.SyntaxError):
                alice.execute("SELECT 'x" + "y" * 1_000_000 + "' FROM")
        assert Path(endpoint.state.log_file).stat().st_size - logged < 10_000
        # connections: hers run out at her limit, bob's and the shared role's do not
        extra = [endpoint.analyst("alice") for _ in range(LIMITS["pg_connections_per_role"] - 1)]
        try:
            with pytest.raises(psycopg.OperationalError, match='too many connections for role "alice"'):
                endpoint.analyst("alice")
            with endpoint.analyst("bob") as late_bob, endpoint.analyst() as shared:
                reads_the_marts(endpoint, late_bob)
                reads_the_marts(endpoint, shared)
        finally:
            for con in extra:
                con.close()
        # a publish still goes through while she holds the lock the loaders used to take
        alice.execute("SELECT pg_advisory_lock(%s)", [0x6D6F6475])
        newer = clone_release(endpoint, "29991231T000000000000Z-guard001")
        assert postgres.load_release(endpoint.state, newer).status == "loaded"
        assert bob.execute("SELECT release_id FROM marts.release_info").fetchone()[0] == newer.name
    finally:
        alice.close()
    restore(endpoint)
    reads_the_marts(endpoint, bob)
    bob.close()
    for user in ("alice", "bob", "analyst"):  # every password is the one the operator gave
        with endpoint.analyst(user) as con:
            assert con.execute("SELECT current_user").fetchone()[0] == user
    with endpoint.admin() as con:
        assert con.execute("SELECT pg_postmaster_start_time()").fetchone()[0] == started
        settings = con.execute("SELECT r.rolname, s.setdatabase, s.setconfig FROM pg_db_role_setting s "
                               "JOIN pg_roles r ON r.oid = s.setrole WHERE r.rolname IN ('alice', 'bob') "
                               "ORDER BY 1").fetchall()
        objects = con.execute("SELECT count(*) FROM pg_largeobject_metadata").fetchone()[0]
    as_serve_set_them = ["default_transaction_read_only=on", "log_min_messages=fatal", "log_min_error_statement=panic"]
    assert settings == [("alice", 0, as_serve_set_them), ("bob", 0, as_serve_set_them)] and objects == 0


def test_every_analyst_role_is_held_to_the_limits_set_for_serve(endpoint):
    with endpoint.admin() as con:
        roles = dict(con.execute(
            "SELECT r.rolname, r.rolconnlimit FROM pg_roles r JOIN pg_auth_members m ON m.member = r.oid "
            "JOIN pg_roles g ON g.oid = m.roleid WHERE g.rolname = 'modu_readers'").fetchall())
        assert con.execute("SHOW max_connections").fetchone()[0] == str(3 * 3 + 10)
        assert con.execute("SHOW statement_timeout").fetchone()[0] == "0"  # the admin loads without limits
    assert roles == {"analyst": 3, "alice": 3, "bob": 3}
    with endpoint.analyst("bob") as con:
        shown = {name: con.execute(f"SHOW {name}").fetchone()[0] for name in (
            "statement_timeout", "idle_in_transaction_session_timeout", "temp_file_limit", "modu_guard.memory_limit",
            "default_transaction_read_only", "log_min_messages", "log_min_error_statement")}
        pid = con.execute("SELECT pg_backend_pid()").fetchone()[0]
        limits = (Path("/proc") / str(pid) / "limits").read_text()
        size_kb = next(int(line.split()[1]) for line in (Path("/proc") / str(pid) / "status").read_text().splitlines()
                       if line.startswith("VmSize:"))
    assert shown == {"statement_timeout": "3s", "idle_in_transaction_session_timeout": "5min",
                     "temp_file_limit": "64MB", "modu_guard.memory_limit": "128MB", "default_transaction_read_only": "on",
                     "log_min_messages": "fatal", "log_min_error_statement": "panic"}
    address_space = next(line.split()[4] for line in limits.splitlines() if line.startswith("Max address space"))
    # the cap is the session's size when it authenticated plus 128 MB; it has grown a little since
    at_login = int(address_space) - 128 * 1024 * 1024
    assert 0 <= size_kb * 1024 - at_login < 32 * 1024 * 1024


def test_serve_prints_uris_that_psql_and_sqlalchemy_take_as_printed(tmp_path):
    """Port 0: the real port is printed, line by line, to a pipe read while the server runs;
    a second serve of the same warehouse says why in one line and exits non-zero."""
    settings = Settings(raw_dir=tmp_path / "raw", warehouse_dir=tmp_path / "warehouse", keep_releases=5)
    env = {k: v for k, v in env_for(settings, MODU_PG_PORT="0").items() if k != "PYTHONUNBUFFERED"}
    proc = subprocess.Popen([sys.executable, "-m", "orchestration.cli", "serve"], cwd=REPO_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    said = b""
    try:  # read what has reached the pipe, unbuffered: a block-buffered serve would show nothing yet
        deadline = time.monotonic() + 60
        while b"state for the publish step" not in said:
            assert time.monotonic() < deadline and proc.poll() is None, said
            if select.select([proc.stdout], [], [], 1)[0]:
                said += os.read(proc.stdout.fileno(), 65536)
        lines = said.decode().splitlines()
        uri = re.search(r"(postgresql://\S+)", next(line for line in lines if "analysts connect to" in line)).group(1)
        url = re.search(r"(postgresql\+psycopg://\S+)", said.decode()).group(1)
        port = postgres.read_state(settings).port
        assert port != 0 and uri == f"postgresql://analyst@127.0.0.1:{port}/modu"
        client = require_command("psql", "postgresql-client")
        asked = subprocess.run([client, "-X", "-At", uri, "-c", "SELECT current_user, inet_server_port()"],
                               env={**os.environ, "PGPASSWORD": ANALYST_PASSWORD}, capture_output=True, text=True,
                               timeout=60, check=True)
        assert asked.stdout.strip() == f"analyst|{port}"
        engine = sa.create_engine(url, connect_args={"password": ANALYST_PASSWORD})
        try:
            with engine.connect() as con:
                assert con.execute(sa.text("SELECT current_database()")).scalar() == "modu"
        finally:
            engine.dispose()
        second = subprocess.run([sys.executable, "-m", "orchestration.cli", "serve"], cwd=REPO_ROOT, env=env,
                                capture_output=True, text=True, timeout=120)
        refused = (second.stdout + second.stderr).strip()
        assert second.returncode == 1 and "Traceback" not in refused and len(refused.splitlines()) == 1
        assert refused == (f"serve: another `make serve` (pid {proc.pid}) already serves {settings.warehouse_dir}; "
                        "stop it first (Ctrl-C or kill -TERM)")
        assert postgres.running_server(settings)[0] is not None  # the first one serves on
    finally:
        assert stop_serve(proc) == 0
    assert "stopping PostgreSQL" in proc.stdout.read().decode()
    with socket.create_server(("127.0.0.1", 0)) as taken:  # a fixed port that something else holds
        port = taken.getsockname()[1]
        env["MODU_PG_PORT"] = str(port)
        refused = subprocess.run([sys.executable, "-m", "orchestration.cli", "serve"], cwd=REPO_ROOT, env=env,
                                 capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1 and refused.stderr == "" and len(refused.stdout.splitlines()) == 1
    assert refused.stdout.startswith(f"serve: port {port} on 127.0.0.1 is taken: set MODU_PG_PORT to a free port")
    assert not settings.postgres_state.exists()


def test_serve_refuses_an_analysts_file_that_others_can_read(tmp_path):
    readable = tmp_path / "analysts.json"
    readable.write_text(json.dumps({"carol": "x"}), encoding="utf-8")
    readable.chmod(0o644)
    settings = Settings(raw_dir=tmp_path / "raw", warehouse_dir=tmp_path / "warehouse", keep_releases=5,
                        pg_analysts_file=readable)
    done = subprocess.run([sys.executable, "-m", "orchestration.cli", "serve"], cwd=REPO_ROOT, env=env_for(settings),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and done.stderr == ""
    assert done.stdout == f"serve: {readable} holds passwords but others may read it (mode 644): chmod 600 {readable}\n"
    assert not (settings.postgres_dir / "data").exists()


# --- descriptions travel with the data -------------------------------------------------------------


def test_descriptions_of_a_release_reach_the_catalog_that_tools_read(endpoint):
    described = clone_release(endpoint, "29991231T000000000000Z-describe1")
    (described / "descriptions.json").write_text(json.dumps({
        "marts.city_indicators": {
            "description": "One row per city and year: the race's indicators; it's \"published\" figures first.",
            "columns": {"region_code": "Six-digit administrative code (行政区划代码)", "year": "Calendar year",
                        "no_such_column": "described, not published"},
        },
        "audit.rejected_rows": {"description": "Rows the ingest refused, with the reason", "columns": {}},
        "marts.no_such_table": {"description": "described, not published"},
        "staging.stg_policies": {"description": "not a served schema"},
    }, ensure_ascii=False), encoding="utf-8")
    messages: list[str] = []
    result = postgres.load_release(endpoint.state, described, log=messages.append)
    try:
        assert result.status == "loaded" and result.described == 4
        assert any("skipped: marts.city_indicators.no_such_column, marts.no_such_table, staging.stg_policies" in m
                   for m in messages), messages
        with endpoint.analyst("bob") as con:
            table = con.execute("SELECT obj_description('marts.city_indicators'::regclass, 'pg_class')").fetchone()[0]
            columns = dict(con.execute(
                "SELECT a.attname, col_description(a.attrelid, a.attnum) FROM pg_attribute a "
                "WHERE a.attrelid = 'marts.city_indicators'::regclass AND a.attnum > 0 AND NOT a.attisdropped"
            ).fetchall())
            audit = con.execute("SELECT obj_description('audit.rejected_rows'::regclass, 'pg_class')").fetchone()[0]
        assert table == "One row per city and year: the race's indicators; it's \"published\" figures first."
        assert columns["region_code"] == "Six-digit administrative code (行政区划代码)"
        assert columns["year"] == "Calendar year" and columns["ai_enterprise_count"] is None
        assert audit == "Rows the ingest refused, with the reason"
        shown = psql(endpoint, "alice", "-c", r"\d+ marts.city_indicators", "-P", "format=unaligned", "-P", "tuples_only=off")
        assert shown.returncode == 0, shown.stderr
        rows = {line.split("|")[0]: line.split("|") for line in shown.stdout.splitlines() if "|" in line}
        assert rows["region_code"][-1] == "Six-digit administrative code (行政区划代码)"
        assert rows["year"][-1] == "Calendar year"
        tables = psql(endpoint, "alice", "-c", r"\dt+ marts.city_indicators", "-P", "format=unaligned")
        assert tables.stdout.strip().split("|")[-1] == table
    finally:
        restore(endpoint)
    # the served release's own descriptions come back with it; none of the test's stay behind
    own = json.loads((endpoint.folder / "descriptions.json").read_text(encoding="utf-8"))["marts.city_indicators"]
    with endpoint.admin() as con:
        assert con.execute("SELECT obj_description('marts.city_indicators'::regclass, 'pg_class')").fetchone()[0] \
            == own["description"]
        assert con.execute("SELECT col_description('marts.city_indicators'::regclass, 1)").fetchone()[0] \
            == own["columns"]["region_code"]


def test_a_broken_descriptions_file_keeps_the_served_release(endpoint):
    broken = clone_release(endpoint, "29991231T000000000000Z-describe2")
    (broken / "descriptions.json").write_text('{"marts.city_indicators": {"description": ', encoding="utf-8")
    result = postgres.publish(endpoint.settings, broken)
    assert result["status"] == "failed" and "descriptions.json is not JSON" in result["error"]
    assert endpoint.served() == endpoint.release_id
    (broken / "descriptions.json").write_text(json.dumps({"marts.city_indicators": {"columns": ["region_code"]}}))
    result = postgres.publish(endpoint.settings, broken)
    assert result["status"] == "failed" and "must map column names to descriptions" in result["error"]
    assert endpoint.served() == endpoint.release_id


def test_the_metrics_schema_is_served_described_with_the_numbers_the_metrics_command_gives(endpoint):
    """What a BI tool sees in metrics.<name> over Postgres is what `make metrics` answers for the
    metric's standard query, row for row, and each table and column carries its description."""
    queries = json.loads((endpoint.folder / "metrics.json").read_text(encoding="utf-8"))
    descriptions = json.loads((endpoint.folder / "descriptions.json").read_text(encoding="utf-8"))
    assert THE_NINE <= set(queries)
    with endpoint.analyst("alice") as con:
        served = {name for (name,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'metrics'").fetchall()}
        assert served == set(queries)
        for name, query in queries.items():
            about = descriptions[f"metrics.{name}"]
            assert con.execute("SELECT obj_description(%s::regclass, 'pg_class')", [f"metrics.{name}"]).fetchone()[0] \
                == about["description"]
            columns = dict(con.execute(
                "SELECT a.attname, col_description(a.attrelid, a.attnum) FROM pg_attribute a "
                "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped", [f"metrics.{name}"]).fetchall())
            assert columns == about["columns"], name
            cursor = con.execute(f'SELECT * FROM metrics."{name}"')
            header, pg_rows = [d.name for d in cursor.description], cursor.fetchall()
            code, out, err = ask(endpoint.settings, "--metrics", name, "--group-by", ",".join(query["group_by"]), "--csv")
            assert code == 0, err
            answered = list(csv.reader(io.StringIO(out)))
            assert answered[0] == header
            assert sorted(map(same_value, answered[1:])) == sorted(map(same_value, pg_rows)), name
        (shenzhen,), = con.execute(
            "SELECT ai_enterprises_per_million_residents FROM metrics.ai_enterprises_per_million_residents "
            "WHERE region = '440300' AND metric_time__year = '2023-01-01'").fetchall()
    assert shenzhen == pytest.approx(63_800 * 1e6 / 16_194_000, rel=1e-12)  # the synthetic 2023 population
