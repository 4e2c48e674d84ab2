"""Compare the marts of two releases: same keys, same values, floats within a relative tolerance."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import duckdb

from tests.ingest_helpers import MESSY

FLOAT_TYPES = {"DOUBLE", "FLOAT", "REAL"}
RELATIVE_TOLERANCE = 1e-9


def land_messy_fixtures(raw_dir: Path) -> Path:
    """Every messy ingest fixture that a source can load (bad_* files fail their source whole)."""
    for folder in sorted(p for p in MESSY.iterdir() if p.is_dir()):
        (raw_dir / folder.name).mkdir(parents=True, exist_ok=True)
        for fixture in sorted(folder.iterdir()):
            if not fixture.name.startswith("bad_"):
                shutil.copyfile(fixture, raw_dir / folder.name / fixture.name)
    return raw_dir


def read_table(path: Path) -> tuple[list[tuple[str, str]], list[tuple]]:
    con = duckdb.connect()
    try:
        # No hive partitioning: a folder named like key=value must not become a column.
        source = f"read_parquet('{path}', hive_partitioning = false)"
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
