"""The raw layer on disk: one Parquet file per landed file content, what every engine reads.

    <warehouse>/raw/<source>/<sha256>.parquet   every data row of one landed file, parsed:
                                                the typed columns, lineage (_file, _file_hash,
                                                _line, _extra, _ingested_at) and _reject_reason
                                                (null for a kept row)
    <warehouse>/raw/<source>/empty.parquet      no rows: the columns, so a source with no file
                                                landed still reads as an empty table

A landed file's rows are written once, by the ingest, and never rewritten: a file
that leaves the landing folder takes its Parquet file with it, and a night that lands
nothing writes nothing. dbt's sources read the folder on DuckDB and on Spark (a
leading dot hides a file being written from both); staging keeps the rows whose
_reject_reason is null. In the build database, raw.<source> is a view over the same
files, kept rows only, for the checks.

The bookkeeping (audit.ingested_files, audit.rejected_rows) is the truth about what is
loaded: new files are written under a hidden partial name first and renamed into place
only after the bookkeeping committed. `reconcile` repairs what a crash between the
two left behind, so the folder and the bookkeeping always agree when a load starts.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from orchestration.ingest.sources import LINEAGE_COLUMNS, Source
from orchestration.sql import literal, qualified

EMPTY_FILE = "empty.parquet"
PARTIAL_SUFFIX = ".partial"


def source_dir(parquet_dir: Path, source: Source) -> Path:
    return parquet_dir / source.name


def file_path(parquet_dir: Path, source: Source, content_hash: str) -> Path:
    return source_dir(parquet_dir, source) / f"{content_hash}.parquet"


def partial_path(parquet_dir: Path, source: Source, content_hash: str) -> Path:
    return source_dir(parquet_dir, source) / f".{content_hash}.parquet{PARTIAL_SUFFIX}"


def columns_ddl(source: Source) -> str:
    return ", ".join(f"{name} {dtype}" for name, dtype in (*source.columns, *LINEAGE_COLUMNS,
                                                           ("_reject_reason", "VARCHAR")))


def write_empty(con: duckdb.DuckDBPyConnection, parquet_dir: Path, source: Source) -> None:
    """empty.parquet: the source's columns and no row (written when missing)."""
    folder = source_dir(parquet_dir, source)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / EMPTY_FILE
    if target.exists():
        return
    partial = folder / f".{EMPTY_FILE}{PARTIAL_SUFFIX}"
    con.execute(f"CREATE OR REPLACE TEMP TABLE modu_empty ({columns_ddl(source)})")
    con.execute(f"COPY modu_empty TO {literal(partial)} (FORMAT parquet, COMPRESSION zstd)")
    os.replace(partial, target)


def stored_hashes(parquet_dir: Path, source: Source) -> set[str]:
    folder = source_dir(parquet_dir, source)
    if not folder.is_dir():
        return set()
    return {p.name.removesuffix(".parquet") for p in folder.glob("*.parquet") if p.name != EMPTY_FILE}


def reconcile(con: duckdb.DuckDBPyConnection, parquet_dir: Path, source: Source,
              forget: "callable[[str], None]") -> list[str]:
    """Make the folder and the bookkeeping agree before a load; what was repaired, for the log.

    A partial file is a load that never committed: removed. A Parquet file the bookkeeping
    does not know is left from a withdrawal that did not finish: removed. A loaded file whose
    Parquet file is missing committed but was never renamed into place: forgotten (`forget`
    drops its bookkeeping), so it is loaded again.
    """
    folder = source_dir(parquet_dir, source)
    folder.mkdir(parents=True, exist_ok=True)
    repaired = []
    for partial in folder.glob(f".*{PARTIAL_SUFFIX}"):
        partial.unlink(missing_ok=True)
        repaired.append(f"removed the unfinished {partial.name}")
    loaded = {h for (h,) in con.execute("SELECT file_hash FROM audit.ingested_files WHERE source = ?",
                                         [source.name]).fetchall()}
    on_disk = stored_hashes(parquet_dir, source)
    for orphan in sorted(on_disk - loaded):
        file_path(parquet_dir, source, orphan).unlink(missing_ok=True)
        repaired.append(f"removed {orphan}.parquet, which no loaded file owns")
    for missing in sorted(loaded - on_disk):
        forget(missing)
        repaired.append(f"forgot {missing}, whose Parquet file is missing: it is loaded again")
    return repaired


def publish_files(parquet_dir: Path, source: Source, new: list[str], withdrawn: list[str]) -> None:
    """After the bookkeeping committed: new files into place, withdrawn ones away."""
    for content_hash in new:
        os.replace(partial_path(parquet_dir, source, content_hash), file_path(parquet_dir, source, content_hash))
    for content_hash in withdrawn:
        file_path(parquet_dir, source, content_hash).unlink(missing_ok=True)


def create_raw_view(con: duckdb.DuckDBPyConnection, parquet_dir: Path, source: Source) -> None:
    """raw.<source> in the build database: the kept rows of every stored file."""
    columns = ", ".join([*source.column_names, *(name for name, _ in LINEAGE_COLUMNS)])
    glob = source_dir(parquet_dir, source) / "*.parquet"
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(f"CREATE OR REPLACE VIEW {qualified('raw', source.name)} AS SELECT {columns} "
                f"FROM read_parquet({literal(glob)}, union_by_name = true) WHERE _reject_reason IS NULL")
