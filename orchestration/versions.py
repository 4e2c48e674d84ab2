"""Versions of the build database's tables: what lets a night skip work on unchanged data.

A table's version is a short text that changes whenever the table's content may have
changed:
- raw.<source>: a digest of the content hashes of the landed files behind it;
- a dbt model: a digest of its code (the manifest checksum) and its inputs' versions.

Whoever (re)builds a table records its new version here, in the same transaction as
the table where it can. A consumer that remembers the version its last result was
computed on (a check, the dbt step) can then carry that result over while the version
is unchanged, and say so, instead of scanning the table again.
"""

from __future__ import annotations

import hashlib

import duckdb

DDL = """
CREATE SCHEMA IF NOT EXISTS audit;
CREATE TABLE IF NOT EXISTS audit.table_versions (
    table_name VARCHAR PRIMARY KEY,  -- '<schema>.<table>'
    version VARCHAR NOT NULL,
    run_id VARCHAR,                  -- the run that made this version
    updated_at TIMESTAMP);
"""


def digest(*parts: str) -> str:
    """A version made of its parts (order matters)."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)


def read_all(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """table name -> version, for every table that has one."""
    try:
        return dict(con.execute("SELECT table_name, version FROM audit.table_versions").fetchall())
    except duckdb.CatalogException:
        return {}


def read(con: duckdb.DuckDBPyConnection, table_name: str) -> str | None:
    return read_all(con).get(table_name)


def record(con: duckdb.DuckDBPyConnection, table_name: str, version: str, run_id: str | None) -> None:
    ensure(con)
    con.execute(
        "INSERT OR REPLACE INTO audit.table_versions VALUES (?, ?, ?, current_timestamp)",
        [table_name, version, run_id],
    )
