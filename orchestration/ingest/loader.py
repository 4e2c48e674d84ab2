"""Load one raw source from the landing folder into the build database.

The raw layer mirrors the landing folder by content: a file whose content was
loaded before is skipped (whatever its name now), a new file is parsed and
loaded, and a file that left the folder takes its rows with it. A source's
files are planned first (readable? right columns?) and then loaded in one
transaction, so an unreadable file fails the whole source and changes nothing.

Every data line ends up in exactly one place: its raw table or
audit.rejected_rows, with file, content hash and 1-based physical line number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from orchestration.errors import UnreadableFile
from orchestration.ingest.files import LandedFile, discover, inspect, readable_path
from orchestration.ingest.raw_parquet import export_raw_parquet
from orchestration.ingest.sources import Source

LINEAGE_DDL = """
        _file VARCHAR,
        _file_hash VARCHAR,
        _line BIGINT,
        _extra JSON,
        _ingested_at TIMESTAMP"""

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
    data_lines BIGINT, kept BIGINT, rejected BIGINT, ingested_at TIMESTAMP);
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


@dataclass
class SourceReport:
    source: str
    files: list[FileReport] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    table_rows: int = 0
    rejected_rows: int = 0
    region_resolved_share: float | None = None
    parquet_written: bool = False

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
            "raw_parquet_written": self.parquet_written,
            "files": [asdict(f) for f in self.files],
        }


@dataclass(frozen=True)
class _Plan:
    landed: LandedFile
    header: list[str] | None  # CSV header cells, as written
    field_index: dict[str, int] | None  # canonical field -> 1-based position


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _read_first_line(landed: LandedFile) -> str:
    import codecs
    import gzip

    opener = gzip.open if landed.gzipped else open
    with opener(landed.path, "rb") as raw:
        reader = codecs.getreader(landed.encoding)(raw)
        return reader.readline().rstrip("\r\n")


def _map_header(source: Source, landed: LandedFile) -> tuple[list[str], dict[str, int]]:
    first = _read_first_line(landed)
    header = next(csv.reader(io.StringIO(first)), [])
    names = {f.name.lower(): f.name for f in source.fields}
    names.update({f.header_zh: f.name for f in source.fields if f.header_zh})
    index: dict[str, int] = {}
    for pos, cell in enumerate(header, start=1):
        canonical = names.get(cell.strip().lower()) or names.get(cell.strip())
        if canonical is None:
            continue
        if canonical in index:
            raise UnreadableFile(landed.path, f"has column '{canonical}' twice in its header")
        index[canonical] = pos
    missing = [f.name for f in source.fields if f.required and f.name not in index]
    if missing:
        raise UnreadableFile(
            landed.path,
            f"is missing required column(s) {', '.join(missing)} (header: {', '.join(header) or 'empty'}); "
            f"expected {', '.join(f.name + (' [' + f.header_zh + ']' if f.header_zh else '') for f in source.fields)}",
        )
    return header, index


def _plan(source: Source, raw_dir: Path) -> list[_Plan]:
    plans, problems = [], []
    for path in discover(raw_dir, source.folder, source.suffixes):
        try:
            landed = inspect(path, raw_dir)
            if source.format == "csv":
                header, index = _map_header(source, landed)
                plans.append(_Plan(landed, header, index))
            else:
                plans.append(_Plan(landed, None, None))
        except UnreadableFile as exc:
            problems.append(str(exc))
    if problems:
        raise UnreadableFile(raw_dir / source.folder, "unreadable file(s): " + "; ".join(problems))
    return plans


def _lines_sql(path: Path, gzipped: bool) -> str:
    # One VARCHAR per physical line: no delimiter or quote can split it, so row order is
    # line order and blank lines stay in place (as NULL) to keep the numbering exact.
    return f"""
        SELECT row_number() OVER () AS _line, column0 AS text
        FROM read_csv({_sql_str(str(path))}, header = false, columns = {{'column0': 'VARCHAR'}},
                      delim = chr(30), quote = '', escape = '', auto_detect = false,
                      strict_mode = false, compression = {_sql_str('gzip' if gzipped else 'none')})"""


def _landed_csv_sql(source: Source, plan: _Plan) -> tuple[str, str, str]:
    """(split SQL, structural reject SQL, landed SQL): the split is materialised once as `split`."""
    n = len(plan.header)
    columns = []
    for f in source.fields:
        pos = plan.field_index.get(f.name)
        columns.append(f"f[{pos}] AS {f.name}" if pos else f"NULL::VARCHAR AS {f.name}")
    known = set(plan.field_index.values())
    extras = [(pos, cell) for pos, cell in enumerate(plan.header, start=1) if pos not in known]
    extra_sql = (
        "json_object(" + ", ".join(f"{_sql_str(cell.strip() or f'column_{pos}')}, f[{pos}]" for pos, cell in extras) + ")"
        if extras
        else "NULL::JSON"
    )
    split = """
        SELECT _line, text, modu_csv_well_formed(text) AS well_formed, modu_csv_fields(text) AS f
        FROM lines WHERE _line > 1 AND text IS NOT NULL AND trim(text) <> ''"""
    rejects = f"""
        SELECT _line, text AS _raw,
            CASE WHEN NOT well_formed
                 THEN 'malformed CSV quoting (an unbalanced or stray ", or a quoted value spanning lines)'
                 ELSE 'expected {n} fields as in the header, found ' || len(f)
                      || ' (an unquoted comma inside a value?)' END AS reason
        FROM split WHERE NOT well_formed OR len(f) <> {n}"""
    landed = f"""
        SELECT _line, text AS _raw, {extra_sql} AS _extra, {', '.join(columns)}
        FROM split WHERE well_formed AND len(f) = {n}"""
    return split, rejects, landed


def _landed_jsonl_sql(source: Source) -> tuple[str, str, str]:
    """(split SQL, structural reject SQL, landed SQL) for JSON lines; the split is `split`."""
    split = """
        SELECT _line, text,
            -- CASE, not AND: DuckDB may evaluate json_type on a line json_valid rejected.
            CASE WHEN json_valid(text) THEN json_type(text) = 'OBJECT' ELSE false END AS is_object
        FROM lines WHERE text IS NOT NULL AND trim(text) <> ''"""
    rejects = """
        SELECT _line, text AS _raw,
            CASE WHEN json_valid(text) THEN 'not a JSON object (one object per line expected)'
                 ELSE 'not valid JSON' END AS reason
        FROM split WHERE NOT is_object"""
    columns = []
    for f in source.fields:
        if f.name == "topics":
            columns.append("json_extract(text, '$.topics') AS topics_json")
        else:
            # ->> gives the text of strings and the JSON text of numbers (2020 -> '2020').
            columns.append(f"json_extract_string(text, '$.{f.name}') AS {f.name}")
    landed = f"""
        SELECT _line, text AS _raw, NULL::JSON AS _extra, {', '.join(columns)}
        FROM split WHERE is_object"""
    return split, rejects, landed


def _ensure_tables(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    con.execute(AUDIT_DDL)
    con.execute(f"CREATE TABLE IF NOT EXISTS raw.{source.name} ({source.columns_ddl},{LINEAGE_DDL})")


def _load_file(con: duckdb.DuckDBPyConnection, source: Source, plan: _Plan, scratch_dir: Path) -> FileReport:
    landed = plan.landed
    readable = readable_path(landed, scratch_dir)
    try:
        gz = landed.gzipped and readable == landed.path
        con.execute(f"CREATE OR REPLACE TEMP TABLE lines AS {_lines_sql(readable, gz)}")
    finally:
        if readable != landed.path:
            readable.unlink(missing_ok=True)

    split_sql, rejects_sql, landed_sql = (
        _landed_csv_sql(source, plan) if source.format == "csv" else _landed_jsonl_sql(source)
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE split AS {split_sql}")
    if source.format == "jsonl":
        objects, lines = con.execute("SELECT count(*) FILTER (WHERE is_object), count(*) FROM split").fetchone()
        if lines > 0 and objects == 0:
            raise UnreadableFile(landed.path, "has no line that is a JSON object: not JSON lines")
    con.execute(f"CREATE OR REPLACE TEMP TABLE structural_rejects AS {rejects_sql}")

    con.execute(f"CREATE OR REPLACE TEMP TABLE landed AS {landed_sql}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE parsed AS {source.parse_sql}")
    lineage = f"{_sql_str(landed.relative_path)}, {_sql_str(landed.content_hash)}"
    cols = ", ".join(source.column_names)
    con.execute(
        f"""INSERT INTO raw.{source.name} ({cols}, _file, _file_hash, _line, _extra, _ingested_at)
            SELECT {cols}, {lineage}, _line, _extra, current_timestamp
            FROM parsed WHERE _reject_reason IS NULL"""
    )
    con.execute(
        f"""INSERT INTO audit.rejected_rows
            SELECT {_sql_str(source.name)}, {_sql_str(landed.relative_path)}, _line, _raw, reason,
                   current_timestamp, {_sql_str(landed.content_hash)}
            FROM (SELECT _line, _raw, reason FROM structural_rejects
                  UNION ALL SELECT _line, _raw, _reject_reason FROM parsed WHERE _reject_reason IS NOT NULL)
            ORDER BY _line"""
    )
    kept, rejected_parse = con.execute(
        "SELECT count(*) FILTER (WHERE _reject_reason IS NULL), count(*) FILTER (WHERE _reject_reason IS NOT NULL) FROM parsed"
    ).fetchone()
    rejected_structure = con.execute("SELECT count(*) FROM structural_rejects").fetchone()[0]
    data_lines = con.execute("SELECT count(*) FROM split").fetchone()[0]  # non-blank lines after any header
    report = FileReport(
        file=landed.relative_path,
        content_hash=landed.content_hash,
        status="loaded",
        encoding=landed.encoding,
        data_lines=data_lines,
        kept=kept,
        rejected=rejected_parse + rejected_structure,
    )
    if report.kept + report.rejected != report.data_lines:
        raise RuntimeError(f"{landed.relative_path}: {report.data_lines} lines but {report.kept} kept + {report.rejected} rejected")
    con.execute(
        "INSERT INTO audit.ingested_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, current_timestamp)",
        [source.name, landed.content_hash, landed.relative_path, landed.encoding, landed.gzipped,
         report.data_lines, report.kept, report.rejected],
    )
    return report


def ingest_source(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    raw_dir: Path,
    scratch_dir: Path,
    log: Callable[[str], None] = lambda _msg: None,
    parquet_dir: Path | None = None,
) -> SourceReport:
    """Bring raw.<source> in line with the landing folder; see the module docstring.

    With parquet_dir, the raw layer is also written there as Parquet (raw_parquet.py),
    which is what dbt's sources read; the ingest assets always pass it.
    """
    plans = _plan(source, raw_dir)
    _ensure_tables(con, source)
    report = SourceReport(source=source.name)
    con.execute("BEGIN TRANSACTION")
    try:
        loaded = dict(
            con.execute("SELECT file_hash, file FROM audit.ingested_files WHERE source = ?", [source.name]).fetchall()
        )
        present = {p.landed.content_hash for p in plans}
        for gone_hash, gone_file in loaded.items():
            if gone_hash not in present:
                for table, col in ((f"raw.{source.name}", "_file_hash"), ("audit.rejected_rows", "file_hash"),
                                   ("audit.ingested_files", "file_hash")):
                    extra = " AND source = ?" if table.startswith("audit") else ""
                    params = [gone_hash] + ([source.name] if extra else [])
                    con.execute(f"DELETE FROM {table} WHERE {col} = ?{extra}", params)
                # Incremental models cannot unsee rows; the next dbt build rebuilds them all.
                con.execute(
                    "INSERT INTO audit.full_refresh_requests VALUES (?, ?, current_timestamp)",
                    [source.name, f"{gone_file} left the landing folder"],
                )
                report.withdrawn.append(gone_file)
                log(f"{source.name}: {gone_file} left the landing folder; its rows were removed")
        seen_now: dict[str, str] = {}
        for plan in plans:
            landed = plan.landed
            if landed.content_hash in seen_now:
                status = f"same_content_as:{seen_now[landed.content_hash]}"
                report.files.append(FileReport(landed.relative_path, landed.content_hash, status, landed.encoding))
                continue
            seen_now[landed.content_hash] = landed.relative_path
            if landed.content_hash in loaded:
                report.files.append(
                    FileReport(landed.relative_path, landed.content_hash, "already_loaded", landed.encoding)
                )
                continue
            file_report = _load_file(con, source, plan, scratch_dir)
            log(
                f"{source.name}: {file_report.file} ({file_report.encoding}) {file_report.data_lines} lines, "
                f"{file_report.kept} kept, {file_report.rejected} rejected"
            )
            report.files.append(file_report)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    if parquet_dir is not None:
        report.parquet_written = export_raw_parquet(con, source.name, parquet_dir)
    report.table_rows = con.execute(f"SELECT count(*) FROM raw.{source.name}").fetchone()[0]
    report.rejected_rows = con.execute(
        "SELECT count(*) FROM audit.rejected_rows WHERE source = ?", [source.name]
    ).fetchone()[0]
    report.region_resolved_share = _region_resolved_share(con, source)
    return report


def _region_resolved_share(con: duckdb.DuckDBPyConnection, source: Source) -> float | None:
    """Share of the source's data lines whose region resolved (rejected rows included)."""
    resolved, unresolved = con.execute(
        f"""SELECT (SELECT count(*) FROM raw.{source.name}),
                   (SELECT count(*) FROM audit.rejected_rows
                    WHERE source = ? AND (reason LIKE 'region %' ))""",
        [source.name],
    ).fetchone()
    total = resolved + unresolved
    return round(resolved / total, 6) if total else None
