"""Load one raw source from the landing folder into the raw layer.

The raw layer mirrors the landing folder by content: a file whose content was
loaded before is skipped (whatever its name now), a new file is parsed and written
once (raw_store.py), and a file that left the folder takes its rows with it. A
source's files are fingerprinted (readable? right columns?) in a background thread,
one file ahead of the load, and the bookkeeping of all of them commits in one
transaction, so an unreadable file fails the whole source and changes nothing.

A night that lands nothing reads nothing: a file whose path, size and modification
time are those recorded when it was last seen is known by its recorded content hash
(audit.landed_files) without being read again.

Every data row ends up in exactly one place: kept in its Parquet file, or in
audit.rejected_rows, with file, content hash and 1-based physical line number.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, astuple, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pyarrow as pa

from orchestration import versions
from orchestration.errors import UnreadableFile
from orchestration.ingest import raw_store
from orchestration.ingest.csv_reading import Layout, read_csv_file, read_layout
from orchestration.ingest.files import LandedFile, Stat, discover, inspect
from orchestration.ingest.jsonl_reading import read_jsonl_file
from orchestration.ingest.lookups import create_lookups, run_sql_file
from orchestration.ingest.reading import FileRead
from orchestration.ingest.sources import SOURCES, Source
from orchestration.sql import literal, split_statements

# Changes whenever the raw layer's files change shape; a build database of another
# layout is emptied of its raw layer and loaded again (see _migrate).
RAW_LAYOUT = "parquet-per-file-1"
PARSE_MARKER = "-- @parse"

AUDIT_DDL = """
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS audit;
CREATE TABLE IF NOT EXISTS audit.rejected_rows (
    source VARCHAR, file VARCHAR, line BIGINT, raw VARCHAR, reason VARCHAR,
    rejected_at TIMESTAMP, file_hash VARCHAR);
CREATE TABLE IF NOT EXISTS audit.full_refresh_requests (
    source VARCHAR, reason VARCHAR, requested_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS audit.ingested_files (
    source VARCHAR, file_hash VARCHAR, file VARCHAR, encoding VARCHAR, gzipped BOOLEAN,
    data_lines BIGINT, kept BIGINT, rejected BIGINT, ingested_at TIMESTAMP, method VARCHAR);
CREATE TABLE IF NOT EXISTS audit.landed_files (
    source VARCHAR, file VARCHAR, size BIGINT, mtime_ns BIGINT, file_hash VARCHAR, encoding VARCHAR,
    gzipped BOOLEAN, seen_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS audit.raw_layout (layout VARCHAR);
"""


@dataclass
class FileReport:
    file: str
    content_hash: str
    status: str  # loaded / already_loaded / same_content_as:<file>
    encoding: str
    data_lines: int = 0
    kept: int = 0
    rejected: int = 0
    method: str = ""  # how the rows were read: csv_reader, line_by_line, json_lines


@dataclass
class SourceReport:
    source: str
    files: list[FileReport] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    table_rows: int = 0
    rejected_rows: int = 0
    region_resolved_share: float | None = None
    version: str | None = None
    changed: bool = False  # did this load change the source's raw layer?

    @property
    def loaded_now(self) -> list[FileReport]:
        return [f for f in self.files if f.status == "loaded"]

    def as_metadata(self) -> dict:
        new = self.loaded_now
        return {
            "files_in_landing": len(self.files),
            "files_loaded_now": len(new),
            "files_withdrawn": len(self.withdrawn),
            "lines_ingested_now": sum(f.data_lines for f in new),
            "rows_kept_now": sum(f.kept for f in new),
            "rows_rejected_now": sum(f.rejected for f in new),
            "rows_in_raw_table": self.table_rows,
            "rejected_rows_of_source": self.rejected_rows,
            "region_resolved_share": self.region_resolved_share,
            "raw_changed": self.changed,
            "files": [asdict(f) for f in self.files],
        }


@dataclass(frozen=True)
class _Plan:
    landed: LandedFile
    layout: Layout | None  # CSV only
    known: bool  # its content is loaded already


def _ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(AUDIT_DDL)
    versions.ensure(con)


def _migrate(con: duckdb.DuckDBPyConnection, parquet_dir: Path, sources: list[Source], log) -> None:
    """A build database whose raw layer has another layout (an older modu) loads it again."""
    found = con.execute("SELECT any_value(layout) FROM audit.raw_layout").fetchone()[0]
    if found == RAW_LAYOUT:
        return
    had_files = con.execute("SELECT count(*) FROM audit.ingested_files").fetchone()[0]
    if had_files:
        log(f"the raw layer has layout {found or 'from before layouts'}, not {RAW_LAYOUT}: it is loaded again")
    for source in sources:
        kind = con.execute("SELECT table_type FROM information_schema.tables WHERE table_schema = 'raw' "
                           "AND table_name = ?", [source.name]).fetchone()
        if kind:
            con.execute(f"DROP {'VIEW' if kind[0] == 'VIEW' else 'TABLE'} raw.{source.name}")
        folder = raw_store.source_dir(parquet_dir, source)
        if folder.is_dir():
            for stale in folder.iterdir():
                stale.unlink()
    columns = {c for (c,) in con.execute("SELECT column_name FROM information_schema.columns WHERE "
                                         "table_schema = 'audit' AND table_name = 'ingested_files'").fetchall()}
    if "method" not in columns:
        con.execute("ALTER TABLE audit.ingested_files ADD COLUMN method VARCHAR")
    con.execute("DELETE FROM audit.ingested_files; DELETE FROM audit.rejected_rows; DELETE FROM audit.landed_files")
    if had_files:
        con.execute("INSERT INTO audit.full_refresh_requests VALUES ('raw', ?, current_timestamp)",
                    [f"raw layer reloaded in layout {RAW_LAYOUT}"])
    con.execute("DELETE FROM audit.raw_layout; INSERT INTO audit.raw_layout VALUES (?)", [RAW_LAYOUT])


def _forget(con: duckdb.DuckDBPyConnection, source: Source, content_hash: str) -> None:
    for table in ("audit.ingested_files", "audit.rejected_rows", "audit.landed_files"):
        con.execute(f"DELETE FROM {table} WHERE source = ? AND file_hash = ?", [source.name, content_hash])


def _fingerprint(source: Source, path: Path, raw_dir: Path, seen: dict, loaded: set[str], scratch_dir: Path) -> _Plan:
    """One landed file's plan: known from its unchanged stat, or read once (files.inspect,
    which writes a gzipped CSV or a GB18030 file's text into the scratch folder on the way)."""
    relative = path.relative_to(raw_dir).as_posix()
    stat = Stat.of(path)
    before = seen.get(relative)
    if before and (before[0], before[1]) == (stat.size, stat.mtime_ns) and before[2] in loaded:
        landed = LandedFile(path, relative, before[2], before[4], before[3], stat)
    else:
        landed = inspect(path, raw_dir, scratch_dir, inflate=source.format == "csv")
    known = landed.content_hash in loaded
    if known and landed.text_copy is not None:
        landed.text_copy.unlink()
        landed = replace(landed, text_copy=None)
    layout = read_layout(source, landed) if source.format == "csv" and not known else None
    return _Plan(landed, layout, known)


@contextmanager
def _planned(con: duckdb.DuckDBPyConnection, source: Source, raw_dir: Path,
             scratch_dir: Path) -> Iterator[tuple[Iterator[_Plan], bool]]:
    """Every landed file's plan, in file order, and whether any file is to be read (a stat not seen before).

    The files are fingerprinted in a background thread, in order, one file ahead of the
    load: hashing, inflating and scanning bytes release the GIL, DuckDB's parse does too,
    so on a night that lands several files the Python pass hides behind DuckDB's, and at
    most two text copies are in the scratch folder at once. When a file is unreadable,
    the source fails naming every unreadable file (nothing is committed; the caller
    removes what it parsed). The copies of files not loaded go when the plans do.
    """
    seen = {file: (size, mtime_ns, file_hash, encoding, gzipped)
            for file, size, mtime_ns, file_hash, encoding, gzipped in con.execute(
                "SELECT file, size, mtime_ns, file_hash, encoding, gzipped FROM audit.landed_files "
                "WHERE source = ?", [source.name]).fetchall()}
    loaded = {h for (h,) in con.execute("SELECT file_hash FROM audit.ingested_files WHERE source = ?",
                                         [source.name]).fetchall()}
    paths = discover(raw_dir, source.folder, source.suffixes)
    unseen = any(seen.get(path.relative_to(raw_dir).as_posix(), (None, None))[:2] != astuple(Stat.of(path))
                 for path in paths)
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"modu-fingerprint-{source.name}")
    futures: list[Future] = []

    def plan_of(path: Path) -> None:
        futures.append(pool.submit(_fingerprint, source, path, raw_dir, seen, loaded, scratch_dir))

    def in_order() -> Iterator[_Plan]:
        for at in range(len(paths)):
            for path in paths[at + 1:at + 2]:  # the next file is read while this one loads
                plan_of(path)
            try:
                yield futures[at].result()
            except UnreadableFile:
                for path in paths[at + 2:]:
                    plan_of(path)
                problems = [str(f.exception()) for f in futures[at:] if isinstance(f.exception(), UnreadableFile)]
                raise UnreadableFile(raw_dir / source.folder, "unreadable file(s): " + "; ".join(problems)) from None

    for path in paths[:1]:  # read while the caller gets ready (builds the lookups)
        plan_of(path)
    try:
        yield in_order(), unseen
    finally:
        for future in futures:
            future.cancel()
        pool.shutdown(wait=True)
        for future in futures:
            if not future.cancelled() and future.exception() is None and future.result().landed.text_copy:
                future.result().landed.text_copy.unlink(missing_ok=True)


def _parse_sql(source: Source) -> tuple[list[str], str]:
    """The source's setup statements and its parse SELECT (sql/<source>.sql, split at '-- @parse')."""
    text = source.sql_path.read_text(encoding="utf-8")
    setup, _, parse = text.partition(PARSE_MARKER)
    return split_statements(setup), parse.strip().rstrip(";")


def _load_file(con: duckdb.DuckDBPyConnection, source: Source, plan: _Plan, parquet_dir: Path,
               ingested_at: datetime) -> FileReport:
    """Parse one file into its partial Parquet file; its rejected rows into modu_pending_rejects."""
    landed = plan.landed
    partial = raw_store.partial_path(parquet_dir, source, landed.content_hash)
    partial.parent.mkdir(parents=True, exist_ok=True)
    read: FileRead | None = None
    try:
        read = (read_csv_file(con, source, landed, plan.layout, partial.parent) if source.format == "csv"
                else read_jsonl_file(con, source, landed))
        con.execute(source.fields_view_sql())
        setup, parse = _parse_sql(source)
        for statement in setup:
            con.execute(statement)
        run_sql_file(con, "regions.sql")
        # The join order is the one written: every lookup is the build side of its hash join and
        # the file's rows stream through (the optimizer, blind to a file's size, could hold them).
        # zstd's level 1 writes a 1.3M-row registry file 10 % faster than its default, 3, for
        # a file 0.7 % larger.
        con.execute("SET disabled_optimizers = 'join_order,build_side_probe_side'")
        try:
            con.execute(
                f"COPY (SELECT {', '.join(source.column_names)}, {literal(landed.relative_path)} AS _file, "
                f"{literal(landed.content_hash)} AS _file_hash, _line, _extra, "
                f"{literal(ingested_at.isoformat())}::TIMESTAMP AS _ingested_at, _reject_reason FROM ({parse})) "
                f"TO {literal(partial)} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1)")
        finally:
            con.execute("RESET disabled_optimizers")
        rows = con.execute(f"SELECT count(*) FROM read_parquet({literal(partial)})").fetchone()[0]
        parse_rejects = con.execute(f"SELECT _line, _reject_reason FROM read_parquet({literal(partial)}) "
                                    "WHERE _reject_reason IS NOT NULL ORDER BY _line").fetchall()
        if rows != read.kept:
            raise RuntimeError(f"{landed.relative_path}: the reader kept {read.kept} rows but {rows} were parsed")
        raw = read.fetch_raw(sorted({line for line, _ in parse_rejects} | set(read.structural)))
        structural = read.rejected_structurally(raw)
        rejects = structural + [(line, raw.get(line, ""), reason) for line, reason in parse_rejects]
        rejects.sort()
        con.register("modu_rejects_arrow", pa.table({
            "line": pa.array([r[0] for r in rejects], pa.int64()),
            "raw": pa.array([r[1] for r in rejects], pa.string()),
            "reason": pa.array([r[2] for r in rejects], pa.string()),
        }))
        con.execute("INSERT INTO modu_pending_rejects SELECT ?, ?, line, raw, reason, ? FROM modu_rejects_arrow",
                    [source.name, landed.relative_path, landed.content_hash])
        con.unregister("modu_rejects_arrow")
    finally:
        for scratch in (read.scratch if read else []):
            scratch.unlink(missing_ok=True)
        if landed.text_copy is not None:
            landed.text_copy.unlink(missing_ok=True)
    kept = rows - len(parse_rejects)
    return FileReport(landed.relative_path, landed.content_hash, "loaded", landed.encoding,
                      data_lines=rows + len(structural), kept=kept, rejected=len(rejects), method=read.method)


def ingest_source(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    raw_dir: Path,
    scratch_dir: Path,
    parquet_dir: Path,
    log: Callable[[str], None] = lambda _msg: None,
    run_id: str | None = None,
    on_new_files: Callable[[], None] = lambda: None,
) -> SourceReport:
    """Bring the source's raw layer in line with the landing folder; see the module docstring.

    The parsing macros and lookups (lookups.create_lookups) are made on the connection only
    when a file may be parsed (its stat is new; they are built while it is fingerprinted):
    a night that lands nothing does not build them. `on_new_files` is called then too.
    """
    _ensure_tables(con)
    _migrate(con, parquet_dir, list(SOURCES.values()), log)
    report = SourceReport(source=source.name)
    report.repaired = raw_store.reconcile(con, parquet_dir, source, lambda h: _forget(con, source, h))
    for line in report.repaired:
        log(f"{source.name}: {line}")
    loaded = dict(con.execute("SELECT file_hash, file FROM audit.ingested_files WHERE source = ?",
                              [source.name]).fetchall())
    con.execute("CREATE OR REPLACE TEMP TABLE modu_pending_rejects (source VARCHAR, file VARCHAR, line BIGINT, "
                "raw VARCHAR, reason VARCHAR, file_hash VARCHAR)")
    ingested_at = datetime.now(timezone.utc).replace(tzinfo=None)
    scratch = scratch_dir / source.name  # the source's text copies; whatever an earlier run left is stale
    for stale in scratch.glob("*"):
        stale.unlink()
    plans: list[_Plan] = []
    new: list[FileReport] = []
    seen_now: dict[str, str] = {}
    parsing_ready = False
    try:
        with _planned(con, source, raw_dir, scratch) as (planned, unseen):
            if unseen:  # most likely a new file to parse: build the lookups while it is fingerprinted
                on_new_files()
                create_lookups(con)
                parsing_ready = True
            for plan in planned:
                plans.append(plan)
                landed = plan.landed
                if landed.content_hash in seen_now:
                    if landed.text_copy is not None:
                        landed.text_copy.unlink()
                    status = f"same_content_as:{seen_now[landed.content_hash]}"
                    report.files.append(FileReport(landed.relative_path, landed.content_hash, status,
                                                   landed.encoding))
                    continue
                seen_now[landed.content_hash] = landed.relative_path
                if plan.known:
                    report.files.append(FileReport(landed.relative_path, landed.content_hash, "already_loaded",
                                                   landed.encoding))
                    continue
                if not parsing_ready:
                    create_lookups(con)
                    parsing_ready = True
                file_report = _load_file(con, source, plan, parquet_dir, ingested_at)
                log(f"{source.name}: {file_report.file} ({file_report.encoding}, {file_report.method}) "
                    f"{file_report.data_lines} lines, {file_report.kept} kept, {file_report.rejected} rejected")
                report.files.append(file_report)
                new.append(file_report)
        withdrawn = {h: f for h, f in loaded.items() if h not in seen_now}
        _commit(con, source, plans, new, withdrawn, ingested_at, run_id)
    except BaseException:
        for file_report in new:
            raw_store.partial_path(parquet_dir, source, file_report.content_hash).unlink(missing_ok=True)
        raise
    raw_store.publish_files(parquet_dir, source, [f.content_hash for f in new], list(withdrawn))
    raw_store.write_empty(con, parquet_dir, source)
    raw_store.create_raw_view(con, parquet_dir, source)
    for gone_file in withdrawn.values():
        log(f"{source.name}: {gone_file} left the landing folder; its rows were removed")
    report.withdrawn = sorted(withdrawn.values())
    report.changed = bool(new or withdrawn or report.repaired)
    kept, rejected = con.execute("SELECT coalesce(sum(kept), 0), coalesce(sum(rejected), 0) FROM audit.ingested_files "
                                 "WHERE source = ?", [source.name]).fetchone()
    report.table_rows, report.rejected_rows = int(kept), int(rejected)
    unresolved = con.execute("SELECT count(*) FROM audit.rejected_rows WHERE source = ? AND reason LIKE 'region %'",
                             [source.name]).fetchone()[0]
    total = report.table_rows + unresolved
    report.region_resolved_share = round(report.table_rows / total, 6) if total else None
    report.version = versions.read(con, f"raw.{source.name}")
    return report


def _commit(con: duckdb.DuckDBPyConnection, source: Source, plans: list[_Plan], new: list[FileReport],
            withdrawn: dict[str, str], ingested_at: datetime, run_id: str | None) -> None:
    """The source's bookkeeping, in one transaction."""
    con.execute("BEGIN TRANSACTION")
    try:
        for gone_hash, gone_file in withdrawn.items():
            _forget(con, source, gone_hash)
            # Incremental models cannot unsee rows; the next dbt build rebuilds them all.
            con.execute("INSERT INTO audit.full_refresh_requests VALUES (?, ?, current_timestamp)",
                        [source.name, f"{gone_file} left the landing folder"])
        con.execute("INSERT INTO audit.rejected_rows SELECT source, file, line, raw, reason, ?, file_hash "
                    "FROM modu_pending_rejects ORDER BY file, line", [ingested_at])
        encodings = {p.landed.content_hash: p.landed for p in plans}
        if new:
            con.executemany(
                "INSERT INTO audit.ingested_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [[source.name, f.content_hash, f.file, f.encoding, encodings[f.content_hash].gzipped, f.data_lines,
                  f.kept, f.rejected, ingested_at, f.method] for f in new],
            )
        con.execute("DELETE FROM audit.landed_files WHERE source = ?", [source.name])
        if plans:
            con.executemany(
                "INSERT INTO audit.landed_files VALUES (?, ?, ?, ?, ?, ?, ?, current_timestamp)",
                [[source.name, p.landed.relative_path, p.landed.stat.size, p.landed.stat.mtime_ns,
                  p.landed.content_hash, p.landed.encoding, p.landed.gzipped] for p in plans],
            )
        hashes = sorted(h for (h,) in con.execute("SELECT file_hash FROM audit.ingested_files WHERE source = ?",
                                                  [source.name]).fetchall())
        version = versions.digest(RAW_LAYOUT, *hashes)
        if versions.read(con, f"raw.{source.name}") != version:
            versions.record(con, f"raw.{source.name}", version, run_id)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
