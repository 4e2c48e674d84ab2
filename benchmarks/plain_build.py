"""(b) modu without Dagster: the four ingest steps, then a plain `dbt build`.

    python -m benchmarks.plain_build --raw DIR --warehouse DIR

The same work as the nightly refresh up to the marts, minus the orchestration: the
ingest of every source with orchestration.ingest (one connection to the build database
of the warehouse folder), then `dbt build --profiles-dir dbt_project --project-dir
dbt_project` with MODU_BUILD_DB pointing at that database and dbt's target and log
paths inside the warehouse folder. No GX checks, no release. Prints one JSON line
`PLAIN {...}` with the seconds of each part.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from orchestration.ingest.loader import ingest_source
from orchestration.ingest.lookups import create_lookups
from orchestration.ingest.sources import SOURCES
from orchestration import warehouse
from orchestration.settings import DBT_EXECUTABLE, REPO_ROOT, Settings


def ingest(s: Settings) -> dict[str, float]:
    seconds = {}
    with warehouse.connect(s, keep_order=True) as con:
        create_lookups(con)
        for source in SOURCES.values():
            t0 = time.perf_counter()
            report = ingest_source(con, source, s.raw_dir, s.scratch_dir, parquet_dir=s.raw_parquet_dir)
            seconds[source.name] = round(time.perf_counter() - t0, 3)
            print(f"ingest {source.name}: {report.table_rows:,} rows, {report.rejected_rows:,} rejected "
                  f"({seconds[source.name]:.2f} s)", flush=True)
    return seconds


def dbt_build(s: Settings) -> int:
    target = s.dbt_target_dir / "plain"
    cmd = [DBT_EXECUTABLE, "build", "--profiles-dir", "dbt_project", "--project-dir", "dbt_project",
           "--target-path", str(target), "--log-path", str(target / "logs")]
    return subprocess.call(cmd, cwd=REPO_ROOT, env={**os.environ, **s.dbt_env()})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--raw", type=Path, required=True)
    parser.add_argument("--warehouse", type=Path, required=True)
    args = parser.parse_args()
    s = Settings(raw_dir=args.raw.resolve(), warehouse_dir=args.warehouse.resolve(), keep_releases=1)
    t0 = time.perf_counter()
    per_source = ingest(s)
    t1 = time.perf_counter()
    code = dbt_build(s)
    t2 = time.perf_counter()
    print("PLAIN " + json.dumps({"ingest_seconds": round(t1 - t0, 3), "ingest_per_source": per_source,
                                 "dbt_build_seconds": round(t2 - t1, 3), "dbt_exit_code": code}))
    return code


if __name__ == "__main__":
    sys.exit(main())
