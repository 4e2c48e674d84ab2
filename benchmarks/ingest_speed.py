"""Registry ingest speed against DuckDB's own read_csv of the same file (the limit).

    python -m benchmarks.ingest_speed FILE.csv[.gz] [--repeat 2]

(a) the limit: `CREATE TABLE AS SELECT * FROM read_csv(FILE)` into a fresh DuckDB file
    (DuckDB sniffs types; no lineage, no checks, no rejects);
(b) modu: the enterprises ingest of the same file alone into a fresh build database
    (line numbers, field split, USCC check, dates, money, region resolution, rejects).
Prints wall time, rows/s and the ratio b/a (goal: <= 2).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import duckdb

from orchestration.ingest.loader import ingest_source
from orchestration.ingest.lookups import create_lookups
from orchestration.ingest.sources import SOURCES
from orchestration.resources import PARSING_SQL


def _limit(path: Path, work: Path) -> tuple[float, int]:
    db = work / "limit.duckdb"
    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    started = time.perf_counter()
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{path}')")
    elapsed = time.perf_counter() - started
    rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
    con.close()
    return elapsed, rows


def _modu(path: Path, work: Path) -> tuple[float, int, int]:
    raw = work / "raw"
    shutil.rmtree(raw, ignore_errors=True)
    (raw / "enterprises").mkdir(parents=True)
    (raw / "enterprises" / path.name).symlink_to(path)
    db = work / "modu.duckdb"
    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    con.execute(PARSING_SQL.read_text(encoding="utf-8"))
    started = time.perf_counter()
    create_lookups(con)
    report = ingest_source(con, SOURCES["enterprises"], raw, work / "scratch")
    elapsed = time.perf_counter() - started
    con.close()
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
        modu = min(_modu(path, work) for _ in range(args.repeat))
    rows = modu[1] + modu[2]
    print(f"file: {path} ({path.stat().st_size / 1e6:.0f} MB, {rows:,} data lines)")
    print(f"(a) DuckDB read_csv (the limit): {limit[0]:6.2f} s  {limit[1] / limit[0]:>12,.0f} rows/s")
    print(f"(b) modu enterprises ingest:     {modu[0]:6.2f} s  {rows / modu[0]:>12,.0f} rows/s "
          f"({modu[1]:,} kept, {modu[2]:,} rejected)")
    print(f"ratio b/a: {modu[0] / limit[0]:.2f} (goal <= 2.0)")


if __name__ == "__main__":
    main()
