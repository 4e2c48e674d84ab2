"""Comparing marts: two releases (the engines benchmark, the Spark parity tests) and a release
against the limit (benchmarks/run.py).

Lives here, outside tests/, because the benchmarks use it and tests import it, not the other
way round.
"""

from __future__ import annotations

import math
from pathlib import Path

import duckdb

FLOAT_TYPES = {"DOUBLE", "FLOAT", "REAL"}
RELATIVE_TOLERANCE = 1e-9
# Columns whose text each side words in its own way (how a figure was computed, a reason);
# the limit vs release comparison leaves them out and says so.
PROSE_COLUMNS = {"figure_reconciliation": ("computed_from",)}
SHOWN = 3


def _q(path: Path | str) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def read_table(path: Path) -> tuple[list[tuple[str, str]], list[tuple]]:
    con = duckdb.connect(config={"python_enable_replacements": False})
    try:
        # No hive partitioning: a folder named like key=value must not become a column.
        source = f"read_parquet({_q(path)}, hive_partitioning = false)"
        columns = [(c[0], c[1]) for c in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
        rows = con.execute(f"SELECT * FROM {source}").fetchall()
    finally:
        con.close()
    return columns, rows


def _sort_key(row: tuple, float_positions: set[int]) -> tuple:
    # Exact columns order the rows; floats (which may differ in the last bits) only break ties.
    exact = tuple((v is None, str(v)) for i, v in enumerate(row) if i not in float_positions)
    floats = tuple((v is None, v or 0.0) for i, v in enumerate(row) if i in float_positions)
    return exact + floats


def _same_value(a, b, is_float: bool) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if is_float:
        return math.isclose(a, b, rel_tol=RELATIVE_TOLERANCE, abs_tol=0.0) or a == b
    return a == b


def table_differences(expected: Path, actual: Path, limit: int = 5) -> list[str]:
    """What differs between two Parquet tables (empty when they are equal)."""
    exp_cols, exp_rows = read_table(expected)
    act_cols, act_rows = read_table(actual)
    if exp_cols != act_cols:
        return [f"columns differ: {exp_cols} != {act_cols}"]
    if len(exp_rows) != len(act_rows):
        return [f"{len(exp_rows)} rows != {len(act_rows)} rows"]
    floats = {i for i, (_, dtype) in enumerate(exp_cols) if dtype in FLOAT_TYPES}
    problems = []
    pairs = zip(sorted(exp_rows, key=lambda r: _sort_key(r, floats)), sorted(act_rows, key=lambda r: _sort_key(r, floats)))
    for exp, act in pairs:
        bad = [exp_cols[i][0] for i in range(len(exp)) if not _same_value(exp[i], act[i], i in floats)]
        if bad:
            problems.append(f"{', '.join(bad)}: {exp} != {act}")
            if len(problems) >= limit:
                break
    return problems


def release_marts(release_folder: Path) -> dict[str, Path]:
    """The marts of a release folder by name, without release_info (which names the release)."""
    return {
        p.name.removesuffix(".parquet"): p
        for p in sorted(release_folder.glob("marts.*.parquet"))
        if p.name != "marts.release_info.parquet"
    }


def release_against_limit(release_folder: Path, limit_db: Path) -> dict:
    """Every mart of the release against the limit's table of that name: rows only in one side
    (EXCEPT ALL both ways, over the release's columns; doubles rounded to 9 significant digits,
    as two engines' sums of the same doubles differ in the last bits), the first few of each."""
    con = duckdb.connect(config={"python_enable_replacements": False})
    out: dict = {}
    try:
        con.execute(f"ATTACH {_q(limit_db)} AS lim (READ_ONLY)")
        limit_tables = {t for (t,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = 'lim' AND table_schema = 'marts'"
        ).fetchall()}
        for name, path in release_marts(release_folder).items():
            mart = name.removeprefix("marts.")
            rel = f"read_parquet({_q(path)}, hive_partitioning = false)"
            described = con.execute(f"DESCRIBE SELECT * FROM {rel}").fetchall()
            skipped = PROSE_COLUMNS.get(mart, ())
            row = {"release_rows": con.execute(f"SELECT count(*) FROM {rel}").fetchone()[0], "skipped": list(skipped)}
            if mart not in limit_tables:
                row["limit_rows"] = None
                out[mart] = row
                continue
            # Columns the limit does not compute (city_indicators' population and GDP, which only
            # pass figures through) are compared nowhere, and listed as skipped.
            limit_cols = {c for c, *_ in con.execute(f"DESCRIBE SELECT * FROM lim.marts.{mart}").fetchall()}
            row["skipped"] += [c for c, *_ in described if c not in limit_cols and c not in skipped]
            cols = [(c, t) for c, t, *_ in described if c not in skipped and c in limit_cols]

            def expr(c: str, t: str) -> str:
                quoted = '"' + c.replace('"', '""') + '"'
                return (f"CAST({quoted} AS DOUBLE)::DECIMAL(38, 9) AS {quoted}" if t in FLOAT_TYPES
                        else f"CAST({quoted} AS {t}) AS {quoted}")

            select = ", ".join(expr(c, t) for c, t in cols)
            lim = f"lim.marts.{mart}"
            try:
                row["limit_rows"] = con.execute(f"SELECT count(*) FROM {lim}").fetchone()[0]
                a = f"SELECT {select} FROM {rel}"
                b = f"SELECT {select} FROM {lim}"
                for tag, first, second in (("only_in_release", a, b), ("only_in_limit", b, a)):
                    row[tag] = con.execute(f"SELECT count(*) FROM ({first} EXCEPT ALL {second})").fetchone()[0]
                    row[f"first_{tag}"] = [list(map(str, r)) for r in con.execute(
                        f"SELECT * FROM ({first} EXCEPT ALL {second}) ORDER BY ALL LIMIT {SHOWN}").fetchall()]
            except duckdb.Error as exc:  # a column the limit lacks, a type it cannot be cast to
                row["error"] = str(exc).splitlines()[0]
            out[mart] = row
    finally:
        con.close()
    return out


def rejected_against_limit(release_folder: Path, limit_db: Path) -> dict:
    """audit.rejected_rows of the release against the limit's, per source, by (file, line)."""
    con = duckdb.connect(config={"python_enable_replacements": False})
    try:
        con.execute(f"ATTACH {_q(limit_db)} AS lim (READ_ONLY)")
        rel = f"read_parquet({_q(release_folder / 'audit.rejected_rows.parquet')})"
        rows = con.execute(f"""
            WITH a AS (SELECT DISTINCT source, file, line FROM {rel}),
                 b AS (SELECT DISTINCT source, file, line FROM lim.audit.rejected_rows)
            SELECT source, count(*) FILTER (WHERE a.line IS NOT NULL AND b.line IS NOT NULL),
                count(*) FILTER (WHERE b.line IS NULL), count(*) FILTER (WHERE a.line IS NULL)
            FROM a FULL JOIN b USING (source, file, line) GROUP BY source ORDER BY source""").fetchall()
        return {s: {"both": both, "only_release": only_a, "only_limit": only_b} for s, both, only_a, only_b in rows}
    finally:
        con.close()
