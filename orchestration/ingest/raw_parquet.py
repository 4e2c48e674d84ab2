"""The raw layer as Parquet: what every engine's dbt sources read.

After a source's ingest commits, raw.<source> is written to
<warehouse>/raw/<source>/<source>.parquet (zstd, rows in file and line order), so
DuckDB and Spark build from exactly the same ingested rows. The file is replaced
atomically: a build that is reading it keeps the old one.

Each file carries a fingerprint (the content hashes of the landed files behind it
and its row count) in its Parquet key-value metadata. A night that lands nothing
finds the fingerprint unchanged and writes nothing; a file that is missing, or
that a crash left out of step with raw.<source>, is written again.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

FINGERPRINT_KEY = "modu_fingerprint"


def parquet_path(parquet_dir: Path, source: str) -> Path:
    # One folder per source: Spark tables and DuckDB globs both take a folder.
    return parquet_dir / source / f"{source}.parquet"


def _fingerprint(con: duckdb.DuckDBPyConnection, source: str) -> str:
    hashes, rows = con.execute(
        f"""SELECT (SELECT coalesce(string_agg(file_hash, ',' ORDER BY file_hash), '')
                    FROM audit.ingested_files WHERE source = ?),
                   (SELECT count(*) FROM raw.{source})""",
        [source],
    ).fetchone()
    return f"rows={rows};files=" + con.execute("SELECT md5(?)", [hashes]).fetchone()[0]


def _written_fingerprint(con: duckdb.DuckDBPyConnection, path: Path) -> str | None:
    if not path.exists():
        return None
    try:
        found = con.execute(
            "SELECT value FROM parquet_kv_metadata(?) WHERE key = ?", [str(path), FINGERPRINT_KEY.encode()]
        ).fetchone()
    except duckdb.Error:  # unreadable (a torn copy from outside): write it again
        return None
    return found[0].decode() if found else None


def export_raw_parquet(con: duckdb.DuckDBPyConnection, source: str, parquet_dir: Path) -> bool:
    """Bring <parquet_dir>/<source>/<source>.parquet in line with raw.<source>; True if written."""
    path = parquet_path(parquet_dir, source)
    fingerprint = _fingerprint(con, source)
    if _written_fingerprint(con, path) == fingerprint:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    # A leading dot hides the partial file from Spark's and DuckDB's folder listings.
    partial = path.with_name(f".{path.name}.partial")
    con.execute(
        f"""COPY (SELECT * FROM raw.{source} ORDER BY _file, _line) TO '{partial}'
            (FORMAT parquet, COMPRESSION zstd, KV_METADATA {{{FINGERPRINT_KEY}: '{fingerprint}'}})"""
    )
    os.replace(partial, path)
    return True
