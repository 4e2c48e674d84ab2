"""Registry ingest speed against DuckDB's own read_csv of the same file (the limit).

    python -m benchmarks.ingest_speed FILE.csv[.gz] [--repeat 2]

(a) the limit: `CREATE TABLE t AS SELECT * FROM read_csv(FILE, ...)` into a fresh DuckDB file, the
    dialect given (comma, double quotes, header; the national files' wrong lines make DuckDB's
    sniffer give up) and every column text, malformed lines skipped: no lineage, no parsing,
    no checks, no rejects;
(b) modu: the enterprises ingest of the same file alone into a fresh warehouse folder, as the
    raw__enterprises step runs it: a connection from orchestration.warehouse.connect(settings,
    keep_order=True), then ingest_source (the lookups it builds, one pass
    over the bytes, DuckDB's CSV reader with proven line numbers, parse, region resolution,
    rejects, the file's Parquet file and the bookkeeping).
Prints wall time, rows/s and the ratio b/a (goal: <= 2). Settings (memory limit, threads) are
modu's own, from orchestration/settings.py and its environment variables.
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
from pathlib import Path

import duckdb

from orchestration import settings as settings_module
from orchestration import warehouse
from orchestration.ingest.loader import ingest_source
from orchestration.ingest.sources import SOURCES


def _limit(path: Path, work: Path) -> tuple[float, int]:
    db = work / "limit.duckdb"
    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    started = time.perf_counter()
    con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?, delim = ',', quote = '\"', escape = '\"', header = true, "
                "all_varchar = true, ignore_errors = true)", [str(path)])
    elapsed = time.perf_counter() - started
    rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
    con.close()
    return elapsed, rows


def _modu(path: Path, work: Path, attempt: int) -> tuple[float, int, int]:
    raw = work / f"raw{attempt}"
    (raw / "enterprises").mkdir(parents=True)
    (raw / "enterprises" / path.name).symlink_to(path)
    s = dataclasses.replace(settings_module.load(), raw_dir=raw, warehouse_dir=work / f"wh{attempt}")
    with warehouse.connect(s, keep_order=True) as con:
        started = time.perf_counter()
        report = ingest_source(con, SOURCES["enterprises"], s.raw_dir, s.scratch_dir, s.raw_parquet_dir)
        elapsed = time.perf_counter() - started
    (file_report,) = report.files
    return elapsed, file_report.kept, file_report.rejected


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", type=Path)
    parser.add_argument("--repeat", type=int, default=2, help="runs of each; the best is reported")
    args = parser.parse_args()
    path = args.file.resolve()
    with tempfile.TemporaryDirectory(prefix="modu-ingest-bench-") as tmp:
        work = Path(tmp)
        limit = min(_limit(path, work) for _ in range(args.repeat))
        modu = min(_modu(path, work, i) for i in range(args.repeat))
    rows = modu[1] + modu[2]
    print(f"file: {path} ({path.stat().st_size / 1e6:.0f} MB, {rows:,} data rows)")
    print(f"(a) DuckDB read_csv (the limit): {limit[0]:6.2f} s  {limit[1] / limit[0]:>12,.0f} rows/s")
    print(f"(b) modu enterprises ingest:     {modu[0]:6.2f} s  {rows / modu[0]:>12,.0f} rows/s "
          f"({modu[1]:,} kept, {modu[2]:,} rejected)")
    print(f"ratio b/a: {modu[0] / limit[0]:.2f} (goal <= 2.0)")


if __name__ == "__main__":
    main()
