"""(c) The limit: everything the contract asks of a night, by hand, in DuckDB alone.

    python -m benchmarks.limit --raw DIR --out FOLDER [--memory-limit 300MB] [--threads N]

The yardstick modu is measured against: the same landed files, the same contract
(shared/contract/raw-sources.md and marts.md), the same dbt seeds, and nothing else of
modu's (no orchestration/ code, no parsing macros, no dbt, no Dagster, no checks, no
release). It writes FOLDER/limit.duckdb with the marts (schema marts) and
audit.rejected_rows, and FOLDER/raw/, FOLDER/stage/ as zstd Parquet (level 1, as the ingest writes it).

What it does, in order:

1. Land (Python, benchmarks/limit_files.py): every file of the four sources, hashed
   (sha256; a file whose content was already landed under another name adds nothing),
   gunzipped and GB18030-transcoded into UTF-8 scratch copies in 16 MiB blocks, CSV files
   mapped line by line (newlines, which of them fall inside quotes, empty lines).
2. Raw (DuckDB): each CSV file read twice by read_csv (all VARCHAR, the header's columns
   given explicitly): once with store_rejects, to learn which records are not rows of the
   header's width; once to write its rows to raw/<source>/<n>.parquet, each with its
   physical line: the map's record starts minus the rejected ones, joined by position and
   proven by count (the reader's kept rows must be exactly those lines; when they are not,
   the file is read line-exactly by Python's csv module instead). JSON lines: one row per
   physical line, numbered as read (proven against the newline count).
3. limit.sql: parse every value once per distinct value, resolve regions (names shared by
   several regions from the USCC's division code, a parent written with the name, or the
   issuer), staging as Parquet with the reason of every rejected row, the latest record
   per USCC, AI keywords, roll-ups and every mart.

While DuckDB reads one file, a second thread lands the next (hashing, zlib, codecs and
numpy release the GIL). Prints each step's wall and CPU seconds and the process's peak RSS
after it, and one JSON line `LIMIT {...}` at the end.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import resource
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from benchmarks.limit_files import Landed, UnreadableFile, kept_lines, land, read_line_exact

HERE = Path(__file__).resolve().parent
LIMIT_SQL = HERE / "limit.sql"
SEEDS_DIR = HERE.parent / "dbt_project" / "seeds"
MARTS = ("dim_region", "city_indicators", "policy_timeline", "policy_cadence", "compute_buildout", "modu_index",
         "figure_reconciliation", "published_figures")


@dataclass(frozen=True)
class CsvSource:
    folder: str
    fields: dict[str, str]  # canonical name -> Chinese header
    required: tuple[str, ...]
    suffixes: tuple[str, ...] = (".csv", ".csv.gz")


CSV_SOURCES = {
    "enterprises": CsvSource("enterprises", {
        "uscc": "统一社会信用代码", "name": "企业名称", "region": "所在地区", "registered_on": "成立日期",
        "deregistered_on": "注销日期", "registered_capital": "注册资本", "business_scope": "经营范围"},
        ("uscc", "name", "region", "registered_on")),
    "indicators": CsvSource("indicators", {
        "region": "地区", "indicator": "指标", "period": "年份", "value": "数值", "unit": "单位",
        "is_forecast": "是否预测", "source": "来源", "source_quote": "原文"},
        ("region", "indicator", "period", "value")),
    "compute": CsvSource("compute", {
        "project": "项目名称", "region": "地区", "event": "事件", "event_date": "日期", "capacity": "算力规模",
        "investment": "投资额", "operator": "运营方", "source": "来源"},
        ("project", "region", "event", "event_date")),
}
JSONL_FOLDER, JSONL_SUFFIXES = "policies", (".jsonl", ".jsonl.gz")
OTHER_DELIMITERS = {";": "';'", "\t": "a tab", "|": "'|'"}


def q(value: str | Path) -> str:
    """A SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Limit:
    def __init__(self, raw: Path, out: Path, memory_limit: str, threads: int, force_line_exact: bool = False):
        self.raw, self.out = raw, out
        self.scratch = out / "scratch"
        self.force_line_exact = force_line_exact
        shutil.rmtree(out / "raw", ignore_errors=True)
        shutil.rmtree(out / "stage", ignore_errors=True)
        for folder in ("raw/enterprises", "raw/indicators", "raw/compute", "raw/policies", "stage", "spill"):
            (out / folder).mkdir(parents=True, exist_ok=True)
        db = out / "limit.duckdb"
        db.unlink(missing_ok=True)
        self.con = duckdb.connect(str(db), config={
            "memory_limit": memory_limit, "threads": threads, "temp_directory": str(out / "spill"),
            "preserve_insertion_order": True})
        # Lineage: a row carries its file's number (_file_id, in file-name order within a source)
        # and its physical line; the file's name and content hash are here.
        self.con.execute("CREATE TABLE lim_files (file_id INTEGER, source VARCHAR, file VARCHAR, sha256 VARCHAR, "
                         "encoding VARCHAR, gzipped BOOLEAN, method VARCHAR, rows BIGINT, rejected BIGINT, "
                         "duplicate_of VARCHAR)")
        self.con.execute("CREATE TEMP TABLE lim_structural (source VARCHAR, file_id INTEGER, line BIGINT, raw VARCHAR, "
                         "reason VARCHAR)")
        self.seen: dict[str, str] = {}
        self.timings: list[tuple[str, float, float]] = []
        self.phases: dict[str, list[float]] = {}  # phase of landing -> [wall, CPU], summed over files

    def phase(self, label: str, started: tuple[float, float]) -> tuple[float, float]:
        """Add the time since `started` to a landing phase; returns now, for the next phase."""
        now = _now()
        acc = self.phases.setdefault(label, [0.0, 0.0])
        acc[0] += now[0] - started[0]
        acc[1] += now[1] - started[1]
        return now

    def timed(self, label: str, started: tuple[float, float]) -> None:
        """(label, wall seconds, CPU seconds of this process (DuckDB's threads included), peak RSS
        of the process so far in MB)."""
        self.timings.append((label, round(time.perf_counter() - started[0], 3), round(time.process_time() - started[1], 3),
                             round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)))

    # --- landing ------------------------------------------------------------------------------
    def files(self, folder: str, suffixes: tuple[str, ...]) -> list[Path]:
        base = self.raw / folder
        return sorted(p for p in base.iterdir() if p.is_file() and p.name.endswith(suffixes)) if base.is_dir() else []

    def duplicate(self, source: str, landed: Landed) -> bool:
        """The same content landed under another name adds nothing."""
        first = self.seen.get(landed.sha256)
        if first is None:
            self.seen[landed.sha256] = landed.relative
            return False
        self.con.execute("INSERT INTO lim_files VALUES (NULL, ?, ?, ?, ?, ?, 'duplicate', 0, 0, ?)",
                         [source, landed.relative, landed.sha256, landed.encoding, landed.gzipped, first])
        return True

    # --- CSV ----------------------------------------------------------------------------------
    def header(self, source: CsvSource, landed: Landed) -> list[str]:
        with open(landed.text, encoding="utf-8-sig", newline="") as f:
            cells = next(csv.reader(io.StringIO(f.readline().rstrip("\r\n"))), [])
        names = {k.lower(): k for k in source.fields} | {v: k for k, v in source.fields.items()}
        columns, seen = [], set()
        for pos, cell in enumerate(cells, start=1):
            name = names.get(cell.strip().lower()) or names.get(cell.strip())
            if name is not None and name in seen:
                raise UnreadableFile(f"{landed.relative}: column {name} twice in the header")
            seen.add(name)
            columns.append(name or (re.sub(r"\W+", "_", cell.strip()).strip("_").lower() or f"column_{pos}"))
        missing = [f for f in source.required if f not in seen]
        if missing:
            raise UnreadableFile(f"{landed.relative}: no column {', '.join(missing)} in its header "
                                 f"({', '.join(cells) or 'empty'})")
        return columns

    def reader(self, landed: Landed, width: int) -> str:
        columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(1, width + 1)) + "}"
        return (f"read_csv({q(landed.text)}, header = true, columns = {columns}, auto_detect = false, delim = ',', "
                f"quote = '\"', escape = '\"'")

    def load_csv(self, name: str, source: CsvSource, path: Path, n: int, landed: Landed) -> None:
        if self.duplicate(name, landed):
            self.cleanup(landed)
            return
        try:
            if not self.load_csv_fast(name, source, landed, n):
                # UTF-8 at its start, not further on: the file is GB18030 after all
                self.cleanup(landed)
                landed = land(path, self.raw, self.scratch, csv_lines=True, force_encoding="gb18030")
                self.load_csv_fast(name, source, landed, n)
        finally:
            self.cleanup(landed)

    def load_csv_fast(self, name: str, source: CsvSource, landed: Landed, n: int) -> bool:
        """DuckDB's reader, lines proven by count (else line-exact); False if the text is no UTF-8."""
        columns = self.header(source, landed)
        width = len(columns)
        reader = self.reader(landed, width)
        con = self.con
        t0 = _now()
        con.execute("DROP TABLE IF EXISTS lim_rej; DROP TABLE IF EXISTS lim_scan")
        ((kept,),) = con.execute(f"SELECT count(*) FROM {reader}, store_rejects = true, rejects_table = 'lim_rej', "
                                 "rejects_scan = 'lim_scan')").fetchall()
        errors = con.execute("SELECT line_byte_position, string_agg(DISTINCT error_type, ', '), any_value(csv_line) "
                             "FROM lim_rej GROUP BY ALL ORDER BY 1").fetchall()
        if any("INVALID UNICODE" in kinds or "INVALID ENCODING" in kinds for _, kinds, _ in errors) \
                and landed.encoding != "gb18030":
            return False
        starts = landed.line_map.line_of(np.array([e[0] for e in errors], dtype=np.int64))
        lines = kept_lines(landed.line_map, starts)
        t0 = self.phase(f"{name}: read_csv pass 1, rejects, kept lines", t0)
        if len(lines) != kept or self.force_line_exact:  # not proven: read it line-exactly
            self.load_csv_exact(name, landed, columns, n)
            return True
        target = self.out / "raw" / name / f"{n:03d}.parquet"
        fields = self.select_fields(name, columns)
        con.register("lim_lines", pa.table({"_line": lines}))
        con.execute(f"COPY (SELECT CAST({n} AS INTEGER) AS _file_id, l._line, {fields} "
                    f"FROM {reader}, ignore_errors = true) POSITIONAL JOIN lim_lines AS l) "
                    f"TO {q(target)} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1)")
        con.unregister("lim_lines")
        self.phase(f"{name}: read_csv pass 2 into raw Parquet", t0)
        structural = [(int(line), text, self.structural_reason(text, kinds, width))
                      for line, (_, kinds, text) in zip(starts, errors)]
        self.record(name, landed, n, "csv_reader", kept, structural)
        return True

    def load_csv_exact(self, name: str, landed: Landed, columns: list[str], n: int) -> None:
        """Line-exact: every record with the physical line it starts on, by Python's csv module."""
        width = len(columns)
        target = self.out / "raw" / name / f"{n:03d}.parquet"
        batch, structural, kept = [], [], 0
        con = self.con
        con.execute("CREATE OR REPLACE TEMP TABLE lim_exact (_line BIGINT, "
                    + ", ".join(f"c{i} VARCHAR" for i in range(1, width + 1)) + ")")

        def flush():
            table = {"_line": pa.array([b[0] for b in batch], pa.int64())}
            for i in range(width):
                table[f"c{i + 1}"] = pa.array([b[1][i] or None for b in batch], pa.string())
            con.register("lim_batch", pa.table(table))
            con.execute("INSERT INTO lim_exact SELECT * FROM lim_batch")
            con.unregister("lim_batch")
            batch.clear()

        for line, fields, text in read_line_exact(landed.text, width):
            if fields is None:
                structural.append((line, text, self.structural_reason(text, "", width)))
                continue
            batch.append((line, fields))
            kept += 1
            if len(batch) >= 100_000:
                flush()
        if batch:
            flush()
        fields = self.select_fields(name, columns)
        con.execute(f"COPY (SELECT CAST({n} AS INTEGER) AS _file_id, _line, {fields} "
                    f"FROM lim_exact ORDER BY _line) TO {q(target)} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1)")
        con.execute("DROP TABLE lim_exact")
        self.record(name, landed, n, "line_exact", kept, structural)

    @staticmethod
    def select_fields(name: str, columns: list[str]) -> str:
        """Positional columns c1..cn under their names; every field of the source, NULL where the
        file lacks an optional column; unknown columns kept under their own names."""
        present = [f"c{i} AS {ident(c)}" for i, c in enumerate(columns, start=1)]
        absent = [f"NULL::VARCHAR AS {ident(f)}" for f in CSV_SOURCES[name].fields if f not in columns]
        return ", ".join(present + absent)

    @staticmethod
    def structural_reason(text: str, kinds: str, width: int) -> str:
        try:
            found = len(next(csv.reader([text])))
        except (csv.Error, StopIteration):
            return "malformed CSV quoting"
        reason = f"{found} fields where the header has {width}"
        for delimiter, shown in OTHER_DELIMITERS.items():
            if found < width and len(text.split(delimiter)) == width:
                return f"{reason}: the line is separated by {shown}, not by commas"
        if found > width:
            return f"{reason}: an unquoted comma inside a value?"
        return reason if found != width else f"not a CSV row ({kinds.lower()})"

    def record(self, source: str, landed: Landed, file_id: int, method: str, kept: int, structural: list[tuple]) -> None:
        if structural:  # through Arrow: executemany runs one statement per row
            self.con.register("lim_structural_arrow", pa.table({
                "line": pa.array([r[0] for r in structural], pa.int64()),
                "raw": pa.array([r[1] for r in structural], pa.string()),
                "reason": pa.array([r[2] for r in structural], pa.string())}))
            self.con.execute("INSERT INTO lim_structural SELECT ?, ?, line, raw, reason FROM lim_structural_arrow",
                             [source, file_id])
            self.con.unregister("lim_structural_arrow")
        self.con.execute("INSERT INTO lim_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                         [file_id, source, landed.relative, landed.sha256, landed.encoding, landed.gzipped, method,
                          kept, len(structural)])

    def cleanup(self, landed: Landed) -> None:
        if landed.text != landed.path:
            landed.text.unlink(missing_ok=True)

    # --- JSON lines ---------------------------------------------------------------------------
    def load_jsonl(self, path: Path, n: int, landed: Landed) -> None:
        if self.duplicate("policies", landed):
            self.cleanup(landed)
            return
        target = self.out / "raw" / "policies" / f"{n:03d}.parquet"
        lines = _count_lines(landed.text)
        con = self.con
        # One VARCHAR per physical line (no delimiter or quote splits it; empty lines stay as
        # NULL), numbered in file order; proven against the newline count.
        con.execute(f"""COPY (SELECT CAST({n} AS INTEGER) AS _file_id, row_number() OVER () AS _line, text
            FROM read_csv({q(landed.text)}, header = false, columns = {{'text': 'VARCHAR'}}, delim = chr(30),
                          quote = '', escape = '', auto_detect = false, strict_mode = false))
            TO {q(target)} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1)""")
        rows = con.execute(f"SELECT count(*) FROM read_parquet({q(target)})").fetchone()[0]
        method = "json_lines"
        if rows != lines or self.force_line_exact:
            with open(landed.text, encoding="utf-8-sig", newline="\n") as f:
                texts = [t.rstrip("\n").removesuffix("\r") or None for t in f]
            con.register("lim_batch", pa.table({"_line": pa.array(range(1, len(texts) + 1), pa.int64()),
                                                "text": pa.array(texts, pa.string())}))
            con.execute(f"COPY (SELECT CAST({n} AS INTEGER) AS _file_id, _line, text "
                        f"FROM lim_batch) TO {q(target)} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1)")
            con.unregister("lim_batch")
            method, rows = "line_exact", len(texts)
        self.record("policies", landed, n, method, rows, [])
        self.cleanup(landed)

    # --- the whole night ----------------------------------------------------------------------
    def run(self) -> dict:
        started = time.perf_counter()
        tasks = [(name, source, path) for name, source in CSV_SOURCES.items()
                 for path in self.files(source.folder, source.suffixes)]
        tasks += [("policies", None, path) for path in self.files(JSONL_FOLDER, JSONL_SUFFIXES)]

        def landing(task):  # Python's share (hashing, zlib, codecs, numpy release the GIL)
            name, source, path = task
            t0 = _now()
            landed = land(path, self.raw, self.scratch, csv_lines=source is not None)
            return landed, time.perf_counter() - t0[0]

        # The next file is landed in a second thread while DuckDB reads this one.
        with ThreadPoolExecutor(max_workers=1) as pool:
            ahead = pool.submit(landing, tasks[0]) if tasks else None
            current_source, t_source = None, _now()
            for n, task in enumerate(tasks, start=1):
                name, source, path = task
                if name != current_source:
                    if current_source is not None:
                        self.timed(f"land and raw: {current_source}", t_source)
                    current_source, t_source = name, _now()
                waited = _now()
                landed, seconds = ahead.result()
                self.phase("landing in Python (overlapped; this is the wait for it)", waited)
                self.phases.setdefault("landing in Python: wall in its own thread", [0.0, 0.0])[0] += seconds
                ahead = pool.submit(landing, tasks[n]) if n < len(tasks) else None
                if source is not None:
                    self.load_csv(name, source, path, n, landed)
                else:
                    self.load_jsonl(path, n, landed)
            if current_source is not None:
                self.timed(f"land and raw: {current_source}", t_source)
        for label, (wall, cpu) in self.phases.items():
            self.timings.append((f"  {label}", round(wall, 3), round(cpu, 3), None))
        shutil.rmtree(self.scratch, ignore_errors=True)
        con = self.con
        for source in ("enterprises", "indicators", "compute", "policies"):
            # a source without files reads as no rows: an empty Parquet file of its columns
            if not any((self.out / "raw" / source).glob("*.parquet")):
                self.empty_raw(source)
        sql = LIMIT_SQL.read_text(encoding="utf-8")
        for name, folder in (("raw", self.out / "raw"), ("stage", self.out / "stage"), ("seeds", SEEDS_DIR)):
            sql = sql.replace(f"@{name}@", str(folder).replace("'", "''"))
        for statement in con.extract_statements(sql):
            t0 = _now()
            con.execute(statement)
            self.timed(_label(statement.query), t0)
        rows = {m: con.execute(f"SELECT count(*) FROM marts.{m}").fetchone()[0] for m in MARTS}
        rejected = dict(con.execute("SELECT source, count(*) FROM audit.rejected_rows GROUP BY ALL ORDER BY 1").fetchall())
        files = [dict(zip(("source", "file", "encoding", "method", "rows", "rejected"), r)) for r in con.execute(
            "SELECT source, file, encoding, method, rows, rejected FROM lim_files ORDER BY file").fetchall()]
        con.close()
        return {"seconds": round(time.perf_counter() - started, 3), "steps": self.timings, "rows": rows,
                "rejected": rejected, "files": files}

    def empty_raw(self, source: str) -> None:
        columns = ["text"] if source == "policies" else list(CSV_SOURCES[source].fields)
        cols = ", ".join(f"NULL::VARCHAR AS {ident(c)}" for c in columns)
        self.con.execute(f"COPY (SELECT NULL::INTEGER AS _file_id, NULL::BIGINT AS _line, {cols} "
                         f"LIMIT 0) TO {q(self.out / 'raw' / source / 'empty.parquet')} (FORMAT parquet)")


def _now() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _count_lines(path: Path) -> int:
    count, last = 0, b"\n"
    with open(path, "rb") as f:
        while block := f.read(1 << 24):
            count += block.count(b"\n")
            last = block[-1:]
    return count + (last != b"\n")


def _label(sql: str) -> str:
    """'stage enterprises' / 'table marts.city_indicators' / the statement's first words."""
    body = re.sub(r"--[^\n]*", "", sql)
    copy = re.search(r"\)\s*TO\s+'[^']*/stage/(\w+)\.parquet'", body)
    if copy:
        return f"stage {copy.group(1)}"
    match = re.search(r"\b(TABLE|VARIABLE|MACRO)\s+([\w.]+)", body)
    return f"{match.group(1).lower()} {match.group(2)}" if match else " ".join(body.split())[:40]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--raw", type=Path, required=True, help="landing folder (as MODU_RAW_DIR)")
    parser.add_argument("--out", type=Path, required=True, help="folder for limit.duckdb, raw/, stage/")
    parser.add_argument("--memory-limit", default="300MB", help="DuckDB's memory_limit (its default, 80%% of RAM, "
                        "lets a national night grow to gigabytes instead of spilling)")
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: its own, the cores)")
    parser.add_argument("--line-exact", action="store_true", help="read every file line-exactly (slow; for checking)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    limit = Limit(args.raw.resolve(), args.out.resolve(), args.memory_limit, args.threads or os.cpu_count() or 2,
                  force_line_exact=args.line_exact)
    result = limit.run()
    for label, seconds, cpu, rss in result["steps"]:
        print(f"{seconds:8.2f} s {cpu:8.2f} s CPU {rss or '':>6} MB  {label}")
    print(f"{result['seconds']:8.2f} s  in all")
    for mart, n in result["rows"].items():
        print(f"  marts.{mart:<24} {n:>10,} rows")
    print("  audit.rejected_rows: " + ", ".join(f"{s} {n:,}" for s, n in result["rejected"].items()))
    print("LIMIT " + json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
