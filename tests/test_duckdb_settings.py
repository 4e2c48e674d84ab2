"""One memory limit (and threads, spill folder, insertion order) for every DuckDB connection.

settings.py holds them; the ingest and publish connections (orchestration/warehouse.py),
dbt's (dbt_project/profiles.yml) and GX's (tests/test_quality.py reads those back) all
open with them, so a national night spills to disk instead of growing past the limit.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import subprocess
from pathlib import Path

import duckdb

from orchestration import warehouse
from orchestration.settings import DBT_EXECUTABLE, DBT_PROJECT_DIR, REPO_ROOT, Settings
from orchestration.transform.dbt_run import dbt_environment


def _settings(tmp_path: Path) -> Settings:
    base = Settings(raw_dir=tmp_path / "raw", warehouse_dir=tmp_path / "wh", keep_releases=2)
    return dataclasses.replace(base, duckdb_memory_limit="123MB", duckdb_threads=1)


def _as_duckdb_shows(memory_limit: str) -> str:
    con = duckdb.connect()
    try:
        con.execute(f"SET memory_limit = '{memory_limit}'")
        return con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    finally:
        con.close()


def test_the_build_database_opens_with_the_configured_limit_threads_and_spill_folder(tmp_path):
    s = _settings(tmp_path)
    with warehouse.connect(s) as con:
        limit, threads, spill, order = con.execute(
            "SELECT current_setting('memory_limit'), current_setting('threads'), current_setting('temp_directory'), "
            "current_setting('preserve_insertion_order')").fetchone()
    assert limit == _as_duckdb_shows("123MB")
    assert (threads, Path(spill), order) == (1, s.duckdb_spill_dir, False)
    with warehouse.connect(s, keep_order=True) as con:  # the ingest numbers rows in file order
        assert con.execute("SELECT current_setting('preserve_insertion_order')").fetchone()[0] is True


def test_dbt_opens_duckdb_with_the_same_settings(tmp_path):
    s = _settings(tmp_path)
    s.build_dir.mkdir(parents=True)
    with dbt_environment(s):
        shown = subprocess.run(
            [DBT_EXECUTABLE, "show", "--quiet", "--output", "json", "--target", "duckdb", "--profiles-dir", ".",
             "--target-path", str(tmp_path / "dbt"), "--log-path", str(tmp_path / "dbt"), "--inline",
             "select current_setting('memory_limit') as m, current_setting('threads') as t, "
             "current_setting('temp_directory') as d"],
            cwd=DBT_PROJECT_DIR, capture_output=True, text=True, check=True,
        ).stdout
    (row,) = json.loads(shown[shown.index("{"):])["show"]
    assert row["m"] == _as_duckdb_shows("123MB")
    assert (int(row["t"]), Path(row["d"])) == (1, s.duckdb_spill_dir)


def test_every_duckdb_connection_in_the_code_is_given_modus_settings():
    """No module opens DuckDB past warehouse.py without passing a config: a connection opened
    without one would take DuckDB's default limit of 80% of the machine's memory."""
    bare = []
    for path in sorted((REPO_ROOT / "orchestration").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "connect"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "duckdb"
                    and not any(k.arg == "config" for k in node.keywords)):
                bare.append(f"{path.relative_to(REPO_ROOT)}:{node.lineno}")
    assert bare == []
