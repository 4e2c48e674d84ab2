"""The raw layer also lands as Parquet, the engine-neutral copy dbt's sources read."""

from __future__ import annotations

import duckdb

from orchestration.ingest.raw_parquet import FINGERPRINT_KEY, parquet_path
from tests.ingest_helpers import Landing


def _parquet_rows(path) -> list[tuple]:
    con = duckdb.connect()
    try:
        return con.execute(f"SELECT * FROM read_parquet('{path}') ORDER BY _file, _line").fetchall()
    finally:
        con.close()


def _table_rows(landing: Landing, source: str) -> list[tuple]:
    return landing.query(f"SELECT * FROM raw.{source} ORDER BY _file, _line")


def test_parquet_holds_exactly_the_raw_table_with_its_types(tmp_path):
    landing = Landing(tmp_path)
    landing.land("enterprises", "values.csv")
    landing.land("enterprises", "enc_gb18030.csv")
    report = landing.ingest("enterprises")
    path = parquet_path(landing.wh.settings.raw_parquet_dir, "enterprises")

    assert report.parquet_written
    rows = _table_rows(landing, "enterprises")
    assert len(rows) == report.table_rows > 0
    assert _parquet_rows(path) == rows
    con = duckdb.connect()
    try:
        parquet_types = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()
    finally:
        con.close()
    table_types = landing.query(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'raw' AND table_name = 'enterprises' ORDER BY ordinal_position"
    )
    assert [(c[0], c[1]) for c in parquet_types] == table_types


def test_parquet_is_left_alone_when_nothing_landed_and_rewritten_when_a_file_leaves(tmp_path):
    landing = Landing(tmp_path)
    landing.land("policies", "values_a.jsonl")
    landing.land("policies", "values_b.jsonl")
    landing.ingest("policies")
    path = parquet_path(landing.wh.settings.raw_parquet_dir, "policies")
    first_mtime = path.stat().st_mtime_ns

    again = landing.ingest("policies")
    assert not again.parquet_written
    assert path.stat().st_mtime_ns == first_mtime

    landing.remove("policies", "values_b.jsonl")
    after = landing.ingest("policies")
    assert after.parquet_written
    files = {row[0] for row in landing.query("SELECT DISTINCT _file FROM raw.policies")}
    assert files == {"policies/values_a.jsonl"}
    assert _parquet_rows(path) == _table_rows(landing, "policies")
    # No partial file is left beside it.
    assert sorted(p.name for p in path.parent.iterdir()) == ["policies.parquet"]


def test_a_missing_or_stale_parquet_is_written_again(tmp_path):
    landing = Landing(tmp_path)
    landing.land("compute", "values.csv")
    landing.ingest("compute")
    path = parquet_path(landing.wh.settings.raw_parquet_dir, "compute")

    path.unlink()
    assert landing.ingest("compute").parquet_written
    assert _parquet_rows(path) == _table_rows(landing, "compute")

    # A copy out of step with raw.compute (as a crash between commit and export would leave).
    con = duckdb.connect()
    try:
        con.execute(
            f"COPY (SELECT * FROM read_parquet('{path}') LIMIT 1) TO '{path}.tmp' "
            f"(FORMAT parquet, KV_METADATA {{{FINGERPRINT_KEY}: 'stale'}})"
        )
    finally:
        con.close()
    (path.parent / f"{path.name}.tmp").replace(path)
    assert landing.ingest("compute").parquet_written
    assert _parquet_rows(path) == _table_rows(landing, "compute")
