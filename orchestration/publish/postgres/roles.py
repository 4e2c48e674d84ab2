"""The database `modu`, the analyst roles and what they may do.

Every analyst role is a LOGIN member of the NOLOGIN group READERS_ROLE, which alone is
granted CONNECT on `modu` and, per release, USAGE and SELECT on the served schemas. The
roles are `analyst` (password MODU_ANALYST_PASSWORD, shared by whoever has it) and one
role per named analyst of MODU_PG_ANALYSTS_FILE, a private JSON file (mode 0600):

    {"alice": "her password", "bob": "SCRAM-SHA-256$4096:..."}

(a value may be a password or a SCRAM verifier, which PostgreSQL stores as given). Roles
that left the file are dropped. Each role gets its own connection limit, so one person
cannot take another's connections, and sessions of different roles cannot cancel each
other's queries. `serve` sets all of this at every start; the guard (guard.py) keeps an
analyst from changing any of it.
"""

from __future__ import annotations

import json
import re
import stat

import psycopg
from psycopg import sql

from orchestration.publish.postgres.state import (
    ADMIN_ROLE,
    ANALYST_ROLE,
    DATABASE,
    PRIVATE_SCHEMA,
    READERS_ROLE,
    SERVED_SCHEMAS,
    ServeError,
    ServerState,
)
from orchestration.settings import Settings

ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
RESERVED_NAMES = {ANALYST_ROLE, ADMIN_ROLE, READERS_ROLE, "public", "postgres"}
LOADER_LOCK = (PRIVATE_SCHEMA, "loader_lock")  # one loader at a time (load.py); analysts cannot lock it
# Functions every role may call by default that write to disk outside any table privilege:
# large objects (a read-only default is a session's to switch off) and the NOTIFY queue.
REVOKED_FUNCTIONS = ("lo_create(oid)", "lo_creat(integer)", "lo_from_bytea(oid, bytea)", "lo_import(text)",
                     "lo_import(text, oid)", "pg_notify(text, text)")


def analysts(s: Settings) -> dict[str, str]:
    """Role name -> password of every analyst role: `analyst` and those of the analysts file."""
    if not s.analyst_password:
        raise ServeError("set MODU_ANALYST_PASSWORD: the password of the read-only role `analyst`")
    roles = {ANALYST_ROLE: s.analyst_password}
    path = s.pg_analysts_file
    if path is None:
        return roles
    if not path.is_file():
        raise ServeError(f"MODU_PG_ANALYSTS_FILE names {path}, which is not a file")
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ServeError(f"{path} holds passwords but others may read it (mode {mode:o}): chmod 600 {path}")
    try:
        named = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as err:
        raise ServeError(f"{path} is not JSON ({err}); expected {{\"alice\": \"her password\", ...}}") from None
    if not isinstance(named, dict):
        raise ServeError(f"{path}: expected an object {{\"alice\": \"her password\", ...}}")
    for name, password in named.items():
        if not ROLE_NAME.fullmatch(name) or name in RESERVED_NAMES or name.startswith(("pg_", "modu_")):
            raise ServeError(f"{path}: {name!r} cannot be an analyst's role name (lower-case letters, digits, _; "
                             f"not {', '.join(sorted(RESERVED_NAMES))}, pg_*, modu_*)")
        if not isinstance(password, str) or not password:
            raise ServeError(f"{path}: the password of {name!r} must be a non-empty string")
        roles[name] = password
    return roles


def prepare(state: ServerState, s: Settings, roles: dict[str, str]) -> str:
    """Database, group, analyst roles with their limits, and what no analyst may do; returns the server version."""
    readers = sql.Identifier(READERS_ROLE)
    with psycopg.connect(state.conninfo(database="postgres"), autocommit=True) as con:
        version = con.execute("SHOW server_version").fetchone()[0]
        if con.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone() is None:
            con.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(sql.Identifier(DATABASE)))
        if con.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [READERS_ROLE]).fetchone() is None:
            con.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(readers))
        for name, password in roles.items():
            _analyst_role(con, name, password, s.pg_connections_per_role)
        for database in ("postgres", "template1", DATABASE):
            con.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(sql.Identifier(database)))
        con.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(DATABASE), readers))
        gone = [name for name, in con.execute(
            "SELECT r.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
            "JOIN pg_roles r ON r.oid = m.member WHERE g.rolname = %s ORDER BY 1", [READERS_ROLE]).fetchall()
            if name not in roles]
    with psycopg.connect(state.conninfo(), autocommit=True) as con:
        con.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC")
        for function in REVOKED_FUNCTIONS:
            con.execute(sql.SQL("REVOKE EXECUTE ON FUNCTION {} FROM PUBLIC").format(sql.SQL(function)))
        con.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(PRIVATE_SCHEMA)))
        con.execute(sql.SQL("CREATE TABLE IF NOT EXISTS {} ()").format(sql.Identifier(*LOADER_LOCK)))
        grant_release(con)  # the release served now, loaded perhaps before a role joined the group
        for name in gone:  # left the analysts file: its grants (none of its own) and the role go
            con.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
            con.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))
    return version


def _analyst_role(con: psycopg.Connection, name: str, password: str, connection_limit: int) -> None:
    role = sql.Identifier(name)
    if con.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name]).fetchone() is None:
        con.execute(sql.SQL("CREATE ROLE {}").format(role))
    con.execute(sql.SQL(
        "ALTER ROLE {} WITH LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS "
        "CONNECTION LIMIT {} PASSWORD {}"
    ).format(role, sql.Literal(connection_limit), sql.Literal(password)))
    # Settings a role gave itself before the guard existed go; the server's defaults and caps apply.
    con.execute(sql.SQL("ALTER ROLE {} RESET ALL").format(role))
    con.execute(sql.SQL("ALTER ROLE {} IN DATABASE {} RESET ALL").format(role, sql.Identifier(DATABASE)))
    # Belt and braces: privileges are what stop writes; a read-only default also stops them in tools that would try.
    con.execute(sql.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(role))
    # An analyst's errors are theirs (their client shows them); in the server's log, a loop of
    # statements that fail on a long literal would fill the disk. Superuser-only settings: a
    # session cannot lower them.
    con.execute(sql.SQL("ALTER ROLE {} SET log_min_messages = fatal").format(role))
    con.execute(sql.SQL("ALTER ROLE {} SET log_min_error_statement = panic").format(role))
    con.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(READERS_ROLE), role))


def grant_release(con: psycopg.Connection, suffix: str = "") -> None:
    """USAGE and SELECT on the served schemas (or on schema+suffix, a release being loaded) to the readers."""
    readers = sql.Identifier(READERS_ROLE)
    for schema in SERVED_SCHEMAS:
        name = schema + suffix
        if con.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [name]).fetchone() is None:
            continue
        con.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(name), readers))
        con.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(sql.Identifier(name), readers))


def login_roles(roles: dict[str, str]) -> list[str]:
    return sorted(roles, key=lambda name: (name != ANALYST_ROLE, name))
