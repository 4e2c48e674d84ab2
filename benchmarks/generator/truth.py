"""The ground truth, by construction: what a warehouse following the contract must make of the files.

The generator knows every row it wrote: the true region (ridx), dates, AI-ness and the
one defect of a rejected row. From that table (never by parsing its own files) it
writes, into DIR/truth/ (CSV, UTF-8, header row, comma-separated, RFC 4180 quoting):

    ai_enterprise_counts.csv  region_code, level, name_zh, year, ai_enterprise_count
    rejected_rows.csv         source, file, line, reason, field, value, candidates
    files.csv                 source, file, physical_lines, blank_lines, data_rows, kept_rows, rejected_rows
    region_forms.csv          source, region_text, context, region_code, rule, rows
    indicator_values.csv      file, line, region_text, region_code, indicator_code, period, value, is_forecast

(GENERATED.md documents every column.) Everything not in rejected_rows.csv must be kept.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.generator.calibration import YEARS
from benchmarks.generator.plan import Plan
from benchmarks.generator.regions import RegionIndex
from benchmarks.generator.sql import load_table, sql_str

TABLES = {
    "files": ("truth_files", "source VARCHAR, file VARCHAR, physical_lines BIGINT, blank_lines BIGINT, "
                             "data_rows BIGINT, kept_rows BIGINT, rejected_rows BIGINT", "source, file"),
    "rejected_rows": ("truth_rejected", "source VARCHAR, file VARCHAR, line BIGINT, reason VARCHAR, field VARCHAR, "
                                        "value VARCHAR, candidates VARCHAR", "source, file, line"),
    "region_forms": ("truth_region_forms", "source VARCHAR, region_text VARCHAR, context VARCHAR, region_code VARCHAR, "
                                           "rule VARCHAR, rows BIGINT", "source, rule, region_code, region_text, context"),
    "indicator_values": ("truth_indicator_values", "file VARCHAR, line BIGINT, region_text VARCHAR, region_code VARCHAR, "
                                                   "indicator_code VARCHAR, period INTEGER, value VARCHAR, "
                                                   "is_forecast BOOLEAN", "file, line"),
}


def create_tables(con) -> None:
    for table, ddl, _order in TABLES.values():
        con.execute(f"CREATE OR REPLACE TABLE {table} ({ddl})")


def count_ai_enterprises(con, index: RegionIndex) -> None:
    """truth_counts: per region (itself and everything within it) and year, the AI-related enterprises
    registered on or before 31 December and not deregistered on or before that day, from the latest kept
    record of each enterprise. Regions with kept rows but no AI enterprise: 0; without kept rows: absent.
    Years: from the first registration year to the last registration or deregistration year of the
    latest kept records."""
    dup = con.execute("SELECT count(*) FROM (SELECT ek, reg FROM ent WHERE bad = 0 GROUP BY ek, reg "
                      "HAVING count(*) > 1)").fetchone()[0]
    assert dup == 0, "two kept records of one enterprise share registered_on: 'most recent' would be undefined"
    pairs = [(c, c) for c in index.regions] + [(c, a) for c in index.regions for a in sorted(index.ancestors(c))]
    load_table(con, "anc", {"code": [p[0] for p in pairs], "anc": [p[1] for p in pairs]})
    con.execute("""
CREATE OR REPLACE TABLE truth_counts AS
WITH latest AS (
    SELECT ridx, reg, dereg, ai FROM ent WHERE bad = 0
    QUALIFY row_number() OVER (PARTITION BY ek ORDER BY reg DESC) = 1
), per_region AS (
    SELECT rg.code, year(reg) AS ry, year(dereg) AS dy, ai, count(*) AS n FROM latest JOIN rg USING (ridx) GROUP BY ALL
), located AS (
    SELECT a.anc AS code, ry, dy, ai, sum(n) AS n FROM per_region p JOIN anc a ON a.code = p.code GROUP BY ALL
), span AS (
    SELECT min(ry) AS lo, max(greatest(ry, coalesce(dy, ry))) AS hi FROM per_region
), changes AS (
    SELECT code, ry AS year, sum(n) AS d FROM located WHERE ai GROUP BY ALL
    UNION ALL SELECT code, dy, -sum(n) FROM located WHERE ai AND dy IS NOT NULL GROUP BY ALL
), panel AS (
    SELECT c.code, y.year FROM (SELECT DISTINCT code FROM located) c,
        (SELECT unnest(range(lo, hi + 1)) AS year FROM span) y
)
SELECT panel.code AS region_code, rg.level, rg.name_zh, panel.year::INTEGER AS year,
    coalesce(sum(ch.d), 0)::BIGINT AS ai_enterprise_count
FROM panel JOIN rg ON rg.code = panel.code
LEFT JOIN changes ch ON ch.code = panel.code AND ch.year <= panel.year
GROUP BY ALL ORDER BY region_code, year""")


def check_calibration(con, plan: Plan) -> dict[str, dict[int, int]]:
    """The calibrated cities' counts, which must equal their paths every year (else the cohorts are wrong)."""
    got: dict[str, dict[int, int]] = {c: {} for c in plan.paths}
    for code, year, n in con.execute(
            f"SELECT region_code, year, ai_enterprise_count FROM truth_counts WHERE region_code IN "
            f"({', '.join(sql_str(c) for c in plan.paths)}) AND year BETWEEN {YEARS[0]} AND {YEARS[-1]}").fetchall():
        got[code][year] = n
    for code, path in plan.paths.items():
        assert got[code] == path, f"{code}: generated {got[code]} but the plan says {path}"
    return got


def write_truth(con, folder: Path, only: tuple[str, ...] | None = None) -> None:
    """The truth files (written under a new name and renamed: never changed in place)."""
    folder.mkdir(parents=True, exist_ok=True)
    outputs = {"ai_enterprise_counts": ("truth_counts", "region_code, year")}
    outputs.update({name: (table, order) for name, (table, _ddl, order) in TABLES.items()})
    for name, (table, order) in outputs.items():
        if only is not None and name not in only:
            continue
        target = folder / f"{name}.csv"
        tmp = folder / f"{name}.csv.part"
        columns = con.execute(f"DESCRIBE {table}").fetchall()
        select = ", ".join(f"nullif({c}, '') AS {c}" if t == "VARCHAR" else c for c, t, *_ in columns)
        # '' as NULL: DuckDB writes an empty string as "" and NULL as nothing; empty cells read simpler
        con.execute(f"COPY (SELECT {select} FROM {table} ORDER BY {order}) TO {sql_str(str(tmp))} "
                    "(FORMAT csv, HEADER true)")
        tmp.replace(target)
