"""The swap at the end of a load: the new schemas take the served schemas' names, in the loading transaction.

Inside that transaction the served tables are locked, `marts`/`audit` renamed away, the
new schemas renamed in and the old ones dropped; the commit makes the new release visible
at once. Before the commit readers see the old schemas, after it the new ones; a query that
already read an old table holds it until the query ends (the swap waits for it), and a query
that waited on the swap's locks looks its tables up again and reads the new ones.

The locks are taken with a short lock_timeout (below deadlock_timeout) and retried, so a
reader is never chosen as a deadlock victim; a session that sits in an open transaction on
the served tables past LOCK_WAIT_SECONDS is terminated, so a BI tool can never block a refresh.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import psycopg
from psycopg import sql

from orchestration.publish.postgres.state import SERVED_SCHEMAS

LOCK_TIMEOUT_MS = 200  # below deadlock_timeout (1 s): the swap gives way, never a reader
LOCK_WAIT_SECONDS = 30.0  # then sessions that hold the served tables are terminated
STAGED = "{}_next"  # where a release is loaded before the swap
RETIRED = "{}_previous"  # where the served release goes for the instant before it is dropped


def _served_tables(con: psycopg.Connection) -> list[sql.Composable]:
    rows = con.execute(
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = ANY(%s) AND c.relkind IN ('r', 'v', 'm', 'p') ORDER BY 1, 2",
        [list(SERVED_SCHEMAS)],
    ).fetchall()
    return [sql.Identifier(schema, name) for schema, name in rows]


def swap(con: psycopg.Connection, log: Callable[[str], None]) -> int:
    """Inside the loading transaction: lock what is served, rename old out and new in, drop old.
    Returns how many sessions had to be terminated."""
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
                sql.Identifier(schema), sql.Identifier(RETIRED.format(schema))))
        con.execute(sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(
            sql.Identifier(STAGED.format(schema)), sql.Identifier(schema)))
        if exists:
            con.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(RETIRED.format(schema))))
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
