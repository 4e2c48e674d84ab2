"""The same refresh on both engines: DuckDB (the default) against a local Spark.

    make bench-engines SCALE=0.1    # = .venv/bin/python -m benchmarks.engines --scale 0.1

For the shipped sample (raw/) and for the synthetic landing folder at SCALE (generated
with benchmarks/generate_data.py unless --data already holds that scale), runs the full
orchestrated refresh (`python -m orchestration.cli refresh`) once with MODU_TARGET=duckdb
and once with MODU_TARGET=spark, each into a fresh warehouse folder under --work, and
measures wall time and peak RSS (benchmarks/measure.py), the dbt step's time from
the Dagster event log, and whether the two releases hold the same marts
(benchmarks/marts_diff.py). Prints the spark/duckdb ratios and writes them to
BENCHMARKS.md in its own section (markers `engines`), replaced when it runs again.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from importlib import metadata
from pathlib import Path

from benchmarks.marts_diff import release_marts, table_differences
from benchmarks.measure import (
    PYTHON,
    REPO_ROOT,
    Measurement,
    dagster_steps,
    env_with,
    fresh,
    load_1min,
    machine,
    mb,
    measure,
    uptime,
)
from benchmarks.report import REPORT, write_report
from benchmarks.run import ensure_data

TARGETS = ("duckdb", "spark")


def refresh(target: str, data: Path, wh: Path, log: Path) -> Measurement:
    m = measure(target, f"orchestration.cli refresh with MODU_TARGET={target}",
                [PYTHON, "-m", "orchestration.cli", "refresh"],
                env_with(MODU_RAW_DIR=data, MODU_WAREHOUSE_DIR=fresh(wh), MODU_TARGET=target), log)
    m.extra = dagster_steps(wh)
    return m


def dbt_seconds(m: Measurement) -> float | None:
    return next((s["seconds"] for s in m.extra.get("steps", []) if s["step"] == "modu_dbt_assets"), None)


def marts_agree(duckdb_wh: Path, spark_wh: Path) -> str:
    a = release_marts((duckdb_wh / "serving" / "current").resolve())
    b = release_marts((spark_wh / "serving" / "current").resolve())
    if set(a) != set(b):
        return f"different marts: {sorted(set(a) ^ set(b))}"
    differing = [name for name in a if table_differences(a[name], b[name])]
    return "yes, all " + str(len(a)) if not differing else "NO: " + ", ".join(differing)


def run_dataset(label: str, data: Path, work: Path) -> dict:
    folder = label.replace("=", "").lower()  # a key=value folder name reads as a hive partition
    runs = {t: refresh(t, data, work / f"wh_{folder}_{t}", work / "logs" / f"{folder}_{t}.log") for t in TARGETS}
    ok = all(m.exit_code == 0 for m in runs.values())
    return {"label": label, "data": data, "runs": runs,
            "agree": marts_agree(work / f"wh_{folder}_duckdb", work / f"wh_{folder}_spark") if ok else "not compared"}


def version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "absent"


def ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}" if a and b else "n/a"


def section(started: str, mach: dict, results: list[dict]) -> str:
    out = [f"## DuckDB against Spark (local), {started}", "",
           f"Machine: {mach['cpu']}, {mach['nproc']} cores, {mach['memory']}; {mach['versions']}, "
           f"dbt-spark {version('dbt-spark')}, pyspark {version('pyspark')}. Spark runs `local[*]` in the "
           "dbt process (dbt-spark session mode), driver memory 2g. Peak RSS is the whole process tree "
           "(the refresh, dbt and Spark's JVM).", "",
           "| data | engine | refresh wall | dbt step | peak RSS (tree) | load before → after | same marts |",
           "|---|---|---:|---:|---:|---|---|"]
    for r in results:
        for t, m in r["runs"].items():
            out.append(f"| {r['label']} | {t} | {m.wall_s:.1f} s | {dbt_seconds(m) or 'n/a'} s | "
                       f"{mb(m.peak_rss)} | {load_1min(m.uptime_before)} → {load_1min(m.uptime_after)} | "
                       f"{r['agree'] if t == 'spark' else ''} |")
    out += ["", "| data | spark / duckdb, refresh | spark / duckdb, dbt step |", "|---|---:|---:|"]
    for r in results:
        d, s = r["runs"]["duckdb"], r["runs"]["spark"]
        out.append(f"| {r['label']} | {ratio(s.wall_s, d.wall_s)} | {ratio(dbt_seconds(s), dbt_seconds(d))} |")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--data", type=Path, help="synthetic landing folder (default /tmp/modu-data-SCALE)")
    parser.add_argument("--work", type=Path, help="warehouses and logs (default /tmp/modu-bench-engines)")
    args = parser.parse_args(argv)
    data = (args.data or Path(f"/tmp/modu-data-{args.scale:g}")).resolve()
    work = (args.work or Path("/tmp/modu-bench-engines")).resolve()
    (work / "logs").mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"engines benchmark: sample and scale {args.scale:g} ({data}); start: {uptime()}", flush=True)
    ensure_data(args.scale, data)
    results = [run_dataset("sample", REPO_ROOT / "raw", work), run_dataset(f"SCALE={args.scale:g}", data, work)]
    text = section(started, machine(), results)
    print("\n" + text)
    write_report("engines", text)
    print(f"written: {REPORT} (section engines); logs and warehouses in {work}")
    return 0 if all(m.exit_code == 0 for r in results for m in r["runs"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
