"""GX suite on a registry staging table against the same checks as plain SQL.

    python -m benchmarks.gx_vs_sql DATA_DIR [--rows 5000000]

Builds a table shaped like raw.enterprises from the generated registry files (DuckDB
read_csv of the UTF-8 parts, the parsing macros, no lineage), then times:
(a) the GX suite expectations/raw.enterprises.json through orchestration.quality.runner
    (SQL pushdown on DuckDB, Data Docs included), and
(b) the same expectations written as one plain SQL query per expectation;
and prints wall time, the ratio a/b (goal <= 2) and the peak RSS of this process.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import duckdb

from orchestration.quality.runner import run_suite
from orchestration.quality.suites import REGIONS_SEED_SQL, load_suites
from orchestration.resources import PARSING_SQL

PLAIN_SQL = {
    "lineage_unique": "SELECT count(*) FROM (SELECT _file_hash, _line FROM t GROUP BY ALL HAVING count(*) > 1)",
    "uscc_not_null": "SELECT count(*) FROM t WHERE uscc IS NULL",
    "registered_on_not_null": "SELECT count(*) FROM t WHERE registered_on IS NULL",
    "region_code_not_null": "SELECT count(*) FROM t WHERE region_code IS NULL",
    "region_code_in_dim_region": f"SELECT count(*) FROM t WHERE region_code NOT IN {REGIONS_SEED_SQL}",
    "uscc_format": "SELECT count(*) FROM t WHERE NOT regexp_full_match(uscc, '[0-9A-HJ-NPQRTUWXY]{18}')",
    "registered_on_not_in_future": "SELECT count(*) FROM t WHERE registered_on > current_date",
    "deregistered_on_not_in_future": "SELECT count(*) FROM t WHERE deregistered_on > current_date",
    "deregistered_after_registered": "SELECT count(*) FROM t WHERE deregistered_on < registered_on",
    "registered_capital_not_negative": "SELECT count(*) FROM t WHERE registered_capital < 0",
    "registered_capital_currency_accepted_values":
        "SELECT count(*) FROM t WHERE registered_capital_currency NOT IN ('CNY', 'USD', 'HKD', 'EUR')",
    "row_count_within_previous_bounds": "SELECT count(*) FROM t",
}


def build_table(data_dir: Path, db: Path, rows: int) -> int:
    """raw.enterprises-shaped table of `rows` rows from the first (UTF-8, English-header) registry part."""
    part = sorted((data_dir / "enterprises").glob("*part1*.csv"))[0]
    regions = PARSING_SQL.parents[2] / "dbt_project" / "seeds" / "regions.csv"
    con = duckdb.connect(str(db))
    con.execute(PARSING_SQL.read_text(encoding="utf-8"))
    con.execute("CREATE SCHEMA raw")
    con.execute(f"""CREATE TABLE raw.enterprises AS
        WITH src AS (SELECT * FROM read_csv('{part}', all_varchar = true, header = true, ignore_errors = true)),
        names AS (SELECT name_zh AS t, region_code FROM read_csv('{regions}', all_varchar = true)
                  UNION ALL SELECT short_name_zh, region_code FROM read_csv('{regions}', all_varchar = true)),
        lookup AS (SELECT t, any_value(region_code) AS region_code FROM names GROUP BY t),
        rep AS (SELECT src.* FROM src, range(CAST(ceil({rows} / (SELECT count(*) FROM src)) AS INTEGER)))
        SELECT uscc, name, region AS region_text, lookup.region_code,
               try_cast(registered_on AS DATE) AS registered_on, try_cast(deregistered_on AS DATE) AS deregistered_on,
               CAST(try_cast(regexp_extract(registered_capital, '^[0-9.]+') AS DOUBLE) * 10000 AS DECIMAL(18, 2))
                   AS registered_capital,
               CASE WHEN registered_capital LIKE '%美元%' THEN 'USD' ELSE 'CNY' END AS registered_capital_currency,
               business_scope, 'bench' AS _file, 'bench' AS _file_hash, row_number() OVER () AS _line
        FROM rep LEFT JOIN lookup ON lookup.t = rep.region
        LIMIT {rows}""")
    n = con.execute("SELECT count(*) FROM raw.enterprises").fetchone()[0]
    con.close()
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--rows", type=int, default=5_000_000)
    args = parser.parse_args()
    suite = next(s for s in load_suites() if s.name == "raw.enterprises")
    assert set(PLAIN_SQL) == set(suite.check_names), set(suite.check_names) ^ set(PLAIN_SQL)
    with tempfile.TemporaryDirectory(prefix="modu-gx-bench-") as tmp:
        db = Path(tmp) / "build.duckdb"
        rows = build_table(args.data_dir, db, args.rows)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        started = time.perf_counter()
        con = duckdb.connect(str(db), read_only=True)
        plain = {name: con.execute(sql.replace(" t ", " raw.enterprises ").replace(" t\n", " raw.enterprises\n")
                                    .replace("FROM t", "FROM raw.enterprises")).fetchone()[0]
                 for name, sql in PLAIN_SQL.items()}
        con.close()
        plain_s = time.perf_counter() - started
        rss_plain = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        run_suite(suite, db, Path(tmp) / "gx_warmup", None)  # GX import and first-use costs, not per check
        started = time.perf_counter()
        outcomes, _docs = run_suite(suite, db, Path(tmp) / "gx", None)
        gx_s = time.perf_counter() - started
        rss_gx = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    gx_counts = {o.check: (o.observed_value if o.check.startswith("row_count") else o.unexpected_count) for o in outcomes}
    print(f"table: raw.enterprises, {rows:,} rows; {len(PLAIN_SQL)} expectations")
    print(f"(b) plain SQL: {plain_s:6.2f} s   peak RSS after {rss_plain:,.0f} MiB (before {rss_before:,.0f})")
    print(f"(a) GX suite:  {gx_s:6.2f} s   peak RSS after {rss_gx:,.0f} MiB")
    print(f"ratio a/b: {gx_s / plain_s:.2f} (goal <= 2.0)")
    mismatched = {k: (gx_counts.get(k), v) for k, v in plain.items() if str(gx_counts.get(k)) != str(v)}
    print("same counts as plain SQL" if not mismatched else f"counts differ (gx, sql): {mismatched}")


if __name__ == "__main__":
    main()
