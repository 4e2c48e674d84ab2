"""Incremental refresh gives exactly what a full refresh gives."""

import csv
import dataclasses
import gzip
import io

import duckdb

from orchestration.settings import REPO_ROOT, Settings
from tests.conftest import copy_sample_warehouse, run_refresh

MARTS = ["city_indicators", "policy_timeline", "policy_cadence", "compute_buildout", "modu_index",
         "figure_reconciliation"]
LATE_REGISTRY = """uscc,name,region,registered_on,deregistered_on,registered_capital,business_scope
91440300MA5DXK8X3G,深圳晚到大模型科技有限公司,南山区,2022-06-01,,100万元,大模型技术开发
"""


def _marts(settings: Settings) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(settings.catalog_db), read_only=True)
    try:
        return {m: sorted(con.execute(f"SELECT * FROM marts.{m}").fetchall(), key=repr) for m in MARTS}
    finally:
        con.close()


def _intermediate(settings: Settings, model: str) -> list[tuple]:
    con = duckdb.connect(str(settings.build_db), read_only=True)
    try:
        return sorted(con.execute(f"SELECT COLUMNS(c -> c NOT IN ('built_through_ingested_at', 'ingested_at')) FROM intermediate.{model}").fetchall(), key=repr)
    finally:
        con.close()


def test_incremental_night_equals_a_full_refresh(sample_refresh, tmp_path):
    incremental = copy_sample_warehouse(sample_refresh[0], tmp_path / "incremental")
    # A night with new files: a late registry file (a re-registration of a sample USCC
    # and a new enterprise) and a copy of the policies under another name.
    late = incremental.raw_dir / "enterprises" / "late.csv"
    with gzip.open(REPO_ROOT / "raw" / "enterprises" / "synthetic_registry_sample.csv.gz", "rt", encoding="utf-8",
                   newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        reregistered = next(r for r in reader if not r[header.index("deregistered_on")])  # an active enterprise
    reregistered[header.index("registered_on")] = "2023-03-01"  # later than the sample's record
    assert ",".join(header) == LATE_REGISTRY.splitlines()[0]
    row = io.StringIO()
    csv.writer(row, lineterminator="\n").writerow(reregistered)
    late.write_text(LATE_REGISTRY + row.getvalue(), encoding="utf-8")
    # As if the enterprises had been classified by other code (another keyword list, say):
    # the night must rebuild them all from scratch, not only the late ones.
    con = duckdb.connect(str(incremental.build_db))
    try:
        con.execute("UPDATE intermediate.int_enterprises__latest_record SET is_ai_related = NOT is_ai_related")
        con.execute("UPDATE audit.incremental_definitions SET definition_version = 'older code' "
                    "WHERE relation = 'intermediate.int_enterprises__latest_record'")
        assert con.execute("SELECT count(*) FROM audit.incremental_definitions").fetchone()[0] == 2
    finally:
        con.close()
    assert run_refresh(incremental).success

    full = Settings(raw_dir=incremental.raw_dir, warehouse_dir=tmp_path / "full", keep_releases=2)  # a first night
    assert run_refresh(full).success

    assert _intermediate(incremental, "int_enterprises__latest_record") == _intermediate(full, "int_enterprises__latest_record")
    assert _intermediate(incremental, "int_policies__documents") == _intermediate(full, "int_policies__documents")
    assert _marts(incremental) == _marts(full)


def _kept_sample_records(settings: Settings, count: int) -> tuple[list[str], list[list[str]]]:
    """The sample's header and `count` of its registry rows that are each USCC's kept record (active, after 2000)."""
    con = duckdb.connect(str(settings.build_db), read_only=True)
    try:
        lines = [line for (line,) in con.execute(
            "SELECT source_line FROM intermediate.int_enterprises__latest_record WHERE deregistered_on IS NULL "
            "AND registered_on > DATE '2001-01-01' ORDER BY source_line LIMIT ?", [count]).fetchall()]
    finally:
        con.close()
    with gzip.open(REPO_ROOT / "raw" / "enterprises" / "synthetic_registry_sample.csv.gz", "rt", encoding="utf-8",
                   newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = {reader.line_num: row for row in reader}
    return header, [rows[line] for line in lines]


def test_an_incremental_latest_record_equals_a_full_build(sample_refresh, tmp_path):
    """The incremental path itself (its code unchanged): only the new rows are read, and each USCC
    among them competes with the record it kept so far."""
    incremental = copy_sample_warehouse(sample_refresh[0], tmp_path / "incremental")
    header, (later, earlier, same_day) = _kept_sample_records(incremental, 3)
    at = header.index("registered_on")
    later[at] = "2024-02-29"  # later than its kept record: the new record wins
    earlier[at] = "1999-01-04"  # earlier: the kept record stays
    same_day[header.index("name")] = "同日再登记大模型科技有限公司"  # same day: the later ingest wins
    body = io.StringIO()
    csv.writer(body, lineterminator="\n").writerows([header, later, earlier, same_day])
    (incremental.raw_dir / "enterprises" / "late.csv").write_text(body.getvalue(), encoding="utf-8")
    assert run_refresh(incremental).success
    con = duckdb.connect(str(incremental.build_db), read_only=True)
    try:
        kept = dict(con.execute("SELECT uscc, source_file FROM intermediate.int_enterprises__latest_record "
                                "WHERE uscc IN (?, ?, ?)", [later[0], earlier[0], same_day[0]]).fetchall())
    finally:
        con.close()
    assert kept == {later[0]: "enterprises/late.csv", earlier[0]: "enterprises/synthetic_registry_sample.csv.gz",
                    same_day[0]: "enterprises/late.csv"}

    compiled = next(incremental.dbt_target_dir.glob("compiled/modu/models/intermediate/int_enterprises__latest_record.sql"))
    assert "where ingested_at > cast('" in compiled.read_text(encoding="utf-8")  # it ran incrementally
    # The same rows (their ingest times included: a tie goes to the later ingest) built whole.
    built_incrementally = _intermediate(incremental, "int_enterprises__latest_record")
    marts = _marts(incremental)
    assert run_refresh(dataclasses.replace(incremental, full_refresh=True)).success
    assert _intermediate(incremental, "int_enterprises__latest_record") == built_incrementally
    assert _marts(incremental) == marts


def test_a_withdrawn_file_forces_a_full_rebuild(sample_refresh, tmp_path):
    settings = copy_sample_warehouse(sample_refresh[0], tmp_path)
    late = settings.raw_dir / "enterprises" / "late.csv"
    late.write_text(LATE_REGISTRY, encoding="utf-8")
    assert run_refresh(settings).success
    late.unlink()
    result = run_refresh(settings)
    assert result.success
    con = duckdb.connect(str(settings.build_db), read_only=True)
    try:
        kept = con.execute("SELECT count(*) FROM intermediate.int_enterprises__latest_record "
                           "WHERE uscc = '91440300MA5DXK8X3G'").fetchone()[0]
        pending = con.execute("SELECT count(*) FROM audit.full_refresh_requests").fetchone()[0]
    finally:
        con.close()
    assert (kept, pending) == (0, 0)
