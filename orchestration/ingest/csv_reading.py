"""Reading a landed CSV file into rows that know their physical line.

The fast way is DuckDB's own CSV reader (RFC 4180: quoted values may hold commas,
doubled quotes and line breaks), which splits more than a million rows a second but
numbers only the rows it keeps. Their physical lines follow from what the one pass
over the bytes found (files.LineMap: where a line break falls inside quotes, where a
line is empty) and from the rows the reader rejected, which it reports by line. That
mapping is trusted only when it is proven for the file: the reader's rows, its
rejected rows, the empty lines and the header must account for every physical line
exactly. When they do not (a stray quote the reader took differently, a line ending
this module does not know), the file is read line by line instead: slower, exact by
construction. Both ways leave the same on the connection:

- `landed`: one row per kept data row: `_line` (its physical line, the header being
  line 1; line_numbers.py turns the fast reader's row order into it), `_extra`
  (unknown columns as JSON), one VARCHAR per field;
- structural rejects (reading.FileRead): lines that are not CSV rows of the header's
  width (the parse SQL rejects the others later).
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from orchestration.errors import UnreadableFile
from orchestration.ingest.files import LINE_INDEX_STEP, LandedFile, LineMap
from orchestration.ingest import line_numbers
from orchestration.ingest.reading import FileRead
from orchestration.ingest.sources import Source
from orchestration.sql import literal

# A CSV field: quoted (doubled quotes inside) or plain (no comma, no quote).
_FIELD = r'("(?:[^"]|"")*"|[^,"]*)'
_RECORD = re.compile(_FIELD + r"(?:," + _FIELD + r")*")
# A quoted value may span lines; one spanning more than this many is a stray quote.
MAX_LINES_PER_RECORD = 100
OTHER_DELIMITERS = (";", "\t", "|")


@dataclass(frozen=True)
class Layout:
    header: list[str]  # header cells as written
    field_index: dict[str, int]  # canonical field -> 1-based position

    def extras(self) -> list[tuple[int, str]]:
        known = set(self.field_index.values())
        return [(pos, cell.strip() or f"column_{pos}") for pos, cell in enumerate(self.header, start=1)
                if pos not in known]


def read_layout(source: Source, landed: LandedFile) -> Layout:
    """The header (line 1) mapped to the source's fields; a missing required column fails the file."""
    opener = gzip.open if landed.gzipped else open
    encoding = "gb18030" if landed.encoding == "gb18030" else "utf-8-sig"
    with opener(landed.path, "rb") as raw:
        first = io.TextIOWrapper(raw, encoding=encoding, newline="").readline().rstrip("\r\n")
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
        expected = ", ".join(f.name + (f" [{f.header_zh}]" if f.header_zh else "") for f in source.fields)
        raise UnreadableFile(
            landed.path,
            f"is missing required column(s) {', '.join(missing)} (header: {', '.join(header) or 'empty'}); "
            f"expected {expected}",
        )
    return Layout(header, index)


def _select_fields(source: Source, layout: Layout, column: str = "c{}") -> str:
    """The `landed` columns from positional columns c1..cn: _extra, then one per field."""
    extras = layout.extras()
    extra = ("json_object(" + ", ".join(f"{literal(name)}, {column.format(pos)}" for pos, name in extras) + ")"
             if extras else "NULL::JSON")
    fields = [f"{column.format(layout.field_index[f.name])} AS {f.name}" if f.name in layout.field_index
              else f"NULL::VARCHAR AS {f.name}" for f in source.fields]
    return ", ".join([f"{extra} AS _extra", *fields])


def _reader_options(path: Path, gzipped: bool, width: int) -> str:
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(1, width + 1)) + "}"
    return (f"{literal(path)}, header = true, columns = {columns}, auto_detect = false, delim = ',', "
            f"quote = '\"', escape = '\"', encoding = 'utf-8', compression = {literal('gzip' if gzipped else 'none')}")


def _continuation_lines(line_map: LineMap) -> list[int]:
    return [c + 1 for c in line_map.continued]


def _physical_lines(reader_lines: list[int], continuation: list[int]) -> list[int]:
    """The reader numbers lines without the lines that continue a quoted value; back to physical lines."""
    physical, skipped = [], 0
    for number in sorted(reader_lines):
        while skipped < len(continuation) and continuation[skipped] <= number + skipped:
            skipped += 1
        physical.append(number + skipped)
    return physical


def read_csv_file(con: duckdb.DuckDBPyConnection, source: Source, landed: LandedFile, layout: Layout,
                  stage_dir: Path) -> FileRead:
    """Write `landed` for one CSV file and say which lines were rejected (see the module docstring)."""
    if not con.execute("SELECT current_setting('preserve_insertion_order')").fetchone()[0]:
        raise RuntimeError("the CSV reader's rows are numbered by their order: read_csv_file needs a connection "
                           "that keeps insertion order (warehouse.connect(settings, keep_order=True))")
    readable, gzipped = landed.readable, landed.readable_gzipped
    width = len(layout.header)
    options = _reader_options(readable, gzipped, width)
    # One scan: the reader's rows in file order (the connection keeps insertion order, so
    # the Parquet file's row number is the reader's: no window to number them, and the scan
    # stays parallel), and the lines it rejected, by its own line numbers.
    numbered = stage_dir / f".{landed.content_hash}.numbered.partial"
    con.execute("DROP TABLE IF EXISTS modu_csv_errors; DROP TABLE IF EXISTS modu_csv_scans")
    con.execute(f"COPY (SELECT {_select_fields(source, layout)} "
                f"FROM read_csv({options}, store_rejects = true, rejects_table = 'modu_csv_errors', "
                f"rejects_scan = 'modu_csv_scans')) TO {literal(numbered)} (FORMAT parquet, COMPRESSION uncompressed)")
    kept = con.execute(f"SELECT count(*) FROM read_parquet({literal(numbered)})").fetchone()[0]
    errors = con.execute(
        "SELECT line, string_agg(DISTINCT error_type, ', ') FROM modu_csv_errors GROUP BY line ORDER BY line"
    ).fetchall()
    line_map = landed.line_map
    continuation = _continuation_lines(line_map)
    reader_lines = line_map.lines - len(continuation)  # header, empty lines, kept and rejected rows
    if kept + len(errors) + len(line_map.blank) + 1 != reader_lines:  # not proven: read it line by line
        numbered.unlink(missing_ok=True)
        return _read_line_by_line(con, source, readable, gzipped, layout)
    rejected = _physical_lines([line for line, _ in errors], continuation)
    exceptions = np.array(sorted({1, *continuation, *line_map.blank, *rejected}), dtype=np.int64)
    line_numbers.register(con, exceptions, kept)
    line, join = line_numbers.line_of("_ordinal")
    con.execute(f"CREATE OR REPLACE TEMP VIEW landed AS SELECT {line} AS _line, * EXCLUDE (_ordinal, bucket, base, "
                f"inside) FROM (SELECT file_row_number + 1 AS _ordinal, * EXCLUDE (file_row_number) "
                f"FROM read_parquet({literal(numbered)}, file_row_number = true)) {join}")
    return FileRead("csv_reader", kept, dict.fromkeys(rejected),
                    lambda starts: raw_text(readable, gzipped, starts, line_map),
                    lambda text: structural_reason(text, width), [numbered])


def structural_reason(text: str, width: int) -> str:
    """Why a line is not a CSV row of the header's width, and what the line looks like instead."""
    if not _RECORD.fullmatch(text):
        return 'malformed CSV quoting (an unbalanced or stray ")'
    found = len(next(csv.reader([text])))
    reason = f"expected {width} fields as in the header, found {found}"
    for delimiter in OTHER_DELIMITERS:
        if found < width and len(text.split(delimiter)) == width:
            shown = "a tab" if delimiter == "\t" else f"'{delimiter}'"
            return f"{reason}: the line is separated by {shown}, not by commas"
    if found > width:
        return f"{reason} (an unquoted comma inside a value?)"
    return f"{reason} (a value missing, or a line break outside quotes?)"


def raw_text(readable: Path, gzipped: bool, starts: list[int], line_map: LineMap) -> dict[int, str]:
    """The text of the records starting at these physical lines, their continuation lines
    included (joined by '\n', each line without its '\r'), read from the nearest indexed
    line before them (files.LineMap.line_starts).

    Not DuckDB's reader: read as one column per line it also breaks lines at a '\r',
    which a quoted value may hold."""
    continued = set(line_map.continued)
    spans: dict[int, list[tuple[int, int]]] = {}  # index block -> (first, last line) of its records
    for start in sorted(set(starts)):
        stop = start
        while stop in continued:  # the record goes on over the next line
            stop += 1
        spans.setdefault((start - 1) // LINE_INDEX_STEP, []).append((start, stop))
    found: dict[int, str] = {}
    # A gzipped file (inspect made no plain copy) seeks by inflating: blocks go in order.
    opener = gzip.open if gzipped else open
    with opener(readable, "rb") as source:
        for block, records in spans.items():
            first = block * LINE_INDEX_STEP + 1
            source.seek(int(line_map.line_starts[block]))
            lines = [source.readline() for _ in range(first, max(stop for _, stop in records) + 1)]
            for start, stop in records:
                text = b"".join(lines[start - first:stop - first + 1]).removesuffix(b"\n")
                found[start] = "\n".join(line.removesuffix("\r") for line in
                                         text.decode("utf-8-sig" if start == 1 else "utf-8").split("\n"))
    return found


# --- line by line: exact by construction ------------------------------------------------------

BATCH_ROWS = 100_000


def _physical_text_lines(readable: Path, gzipped: bool):
    """(line number, text) of every physical line, '\n'-separated, a trailing '\r' removed."""
    opener = gzip.open if gzipped else open
    with opener(readable, "rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="\n")
        for number, line in enumerate(text, start=1):
            yield number, line.rstrip("\n").removesuffix("\r")


class _Lookahead:
    """Lines with a window ahead of the current one, for quoted values that span lines."""

    def __init__(self, lines):
        self._lines = lines
        self._buffer: list[tuple[int, str]] = []

    def peek(self, k: int) -> tuple[int, str] | None:
        while len(self._buffer) <= k:
            nxt = next(self._lines, None)
            if nxt is None:
                return None
            self._buffer.append(nxt)
        return self._buffer[k]

    def take(self, k: int) -> None:
        self.peek(k - 1)
        del self._buffer[:k]


def _records(lines: _Lookahead, width: int):
    """(line, fields or None, text) per data row after the header; empty lines skipped."""
    lines.take(1)  # the header
    while (current := lines.peek(0)) is not None:
        number, text = current
        if not text.strip():
            lines.take(1)
            continue
        span = 1
        if text.count('"') % 2:
            quotes, record, k = text.count('"'), text, 1
            while quotes % 2 and k < MAX_LINES_PER_RECORD and (nxt := lines.peek(k)) is not None:
                record += "\n" + nxt[1]
                quotes += nxt[1].count('"')
                k += 1
            if quotes % 2 == 0 and _RECORD.fullmatch(record):
                text, span = record, k
        fields = next(csv.reader([text])) if _RECORD.fullmatch(text) else None
        yield number, (fields if fields is not None and len(fields) == width else None), text
        lines.take(span)


def _read_line_by_line(con: duckdb.DuckDBPyConnection, source: Source, readable: Path, gzipped: bool,
                       layout: Layout) -> FileRead:
    """Every physical line read in order; a quoted value may continue over the next lines when
    the record it makes is well formed, else the line alone is a malformed row."""
    width = len(layout.header)
    positional = ", ".join(f"c{pos} VARCHAR" for pos in range(1, width + 1))
    con.execute(f"CREATE OR REPLACE TEMP TABLE modu_rows (_line BIGINT, _raw VARCHAR, {positional})")
    structural: dict[int, tuple[str, str]] = {}
    kept, batch = 0, []

    def flush() -> None:
        columns = {"_line": pa.array([line for line, _, _ in batch], pa.int64()),
                   "_raw": pa.array([text for _, _, text in batch], pa.string())}
        for pos in range(1, width + 1):
            columns[f"c{pos}"] = pa.array([fields[pos - 1] or None for _, fields, _ in batch], pa.string())
        con.register("modu_rows_arrow", pa.table(columns))
        con.execute("INSERT INTO modu_rows SELECT * FROM modu_rows_arrow")
        con.unregister("modu_rows_arrow")
        batch.clear()

    for number, fields, text in _records(_Lookahead(_physical_text_lines(readable, gzipped)), width):
        if fields is None:
            structural[number] = (text, structural_reason(text, width))
            continue
        batch.append((number, fields, text))
        kept += 1
        if len(batch) >= BATCH_ROWS:
            flush()
    if batch:
        flush()
    con.execute(f"CREATE OR REPLACE TEMP VIEW landed AS SELECT _line, {_select_fields(source, layout)} FROM modu_rows")

    def raw_of(starts: list[int]) -> dict[int, str]:
        # A semi join, as jsonl_reading.py's: list_contains looks through the whole list for every row.
        found = dict(con.execute("SELECT _line, _raw FROM modu_rows WHERE _line IN (SELECT unnest(?::BIGINT[]))",
                                 [starts]).fetchall())
        found.update({line: structural[line][0] for line in starts if line in structural})
        return found

    return FileRead("line_by_line", kept, {line: reason for line, (_, reason) in structural.items()}, raw_of)
