"""A raw table that only gained files is validated on the new files' rows, its counts added to the previous ones.

Registry files are written here and loaded by the real ingest (tests/ingest_helpers.py), so
every count below is read off the rows written: the ingest keeps a negative registered
capital (registered_capital_not_negative, a check that adds up across files) and a future
date (registered_on_not_in_future reads the clock: checked on the whole table every time).
The suite is the shipped expectations/raw.enterprises.json.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, DagsterInstance, asset, materialize

from orchestration.quality import landed, layer, runner
from orchestration.quality.checks import build_layer_checks
from orchestration.quality.results import SuiteResult
from orchestration.quality.runner import CheckOutcome
from orchestration.quality.suites import Suite, load_suites, resolve
from tests.ingest_helpers import Landing
from tests.test_ingest_region_context import REGISTRY_HEADER, _uscc

SUITE = next(s for s in load_suites() if s.name == "raw.enterprises")
CAPITAL = "registered_capital_not_negative"
WHOLE_TABLE = ["registered_on_not_in_future", "deregistered_on_not_in_future", "row_count_within_previous_bounds"]


@asset(key=AssetKey(["raw", "enterprises"]))
def enterprises() -> None:
    """Stands for the ingest asset; the test loads the files itself."""


@pytest.fixture
def registry(tmp_path) -> Landing:
    return Landing(tmp_path)


@pytest.fixture
def validations(monkeypatch) -> list[list[runner.Validation]]:
    """What GX was given and returned, run after run."""
    seen: list[list[runner.Validation]] = []
    real = runner.validate

    def spying(settings, targets, run_name):
        done = real(settings, targets, run_name)
        if targets:
            seen.append(done)
        return done

    monkeypatch.setattr(runner, "validate", spying)
    return seen


def land(registry: Landing, name: str, first: int, good: int, negative: list[int] = (),
         registered_in_future: int = 0) -> str:
    """A registry file of `good` ordinary rows, rows with these negative capitals (万元) and rows registered
    in 2999 (serials from `first`, so no two files have the same content); ingested; its content hash."""
    capitals = ["100万元"] * good + [f"{amount}万元" for amount in negative] + ["100万元"] * registered_in_future
    dates = ["2018-01-01"] * (good + len(negative)) + ["2999-01-01"] * registered_in_future
    lines = [f"{_uscc('110105', first + i)},某某科技有限公司{first + i},北京,{day},,{capital},软件开发"
             for i, (capital, day) in enumerate(zip(capitals, dates))]
    path = registry.raw_dir / "enterprises" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(REGISTRY_HEADER + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    report = registry.ingest("enterprises")
    (loaded,) = [f for f in report.loaded_now if f.file == f"enterprises/{name}"]
    assert (loaded.kept, loaded.rejected) == (len(lines), 0)
    return loaded.content_hash


def check(registry: Landing):
    """One run of the raw layer's check step; returns (run id, {check: evaluation})."""
    result = materialize([enterprises, build_layer_checks("raw", [SUITE])], resources={"settings": registry.settings},
                         instance=DagsterInstance.ephemeral())
    return result.run_id, {e.check_name: e for e in result.get_asset_check_evaluations()}


def dq_rows(registry: Landing, run_id: str) -> dict[str, tuple]:
    rows = registry.query("SELECT expectation, success, unexpected_count, landed_files, combined_with_run, "
                          "carried_over_from_run FROM audit.dq_results WHERE run_id = ?", [run_id])
    return {r[0]: r[1:] for r in rows}


def covered(registry: Landing, run_id: str) -> dict[str, str]:
    """The files a run's result of raw.enterprises describes, with when each was ingested (as the ingest has it)."""
    return dict(registry.query("SELECT c.file_hash, (c.ingested_at = i.ingested_at)::VARCHAR FROM audit.dq_covered_files c "
                               "LEFT JOIN audit.ingested_files i USING (file_hash) WHERE run_id = ? "
                               "AND suite = 'raw.enterprises'", [run_id]))


def test_a_night_that_lands_a_file_validates_its_rows_alone_and_adds_the_counts_up(registry, validations):
    first_file = land(registry, "a.csv", 0, good=20, registered_in_future=1)
    first, checks = check(registry)
    (whole,) = validations[-1]
    assert (whole.target.files, whole.target.part) == (None, None)
    assert (checks[CAPITAL].passed, checks[CAPITAL].metadata["unexpected_count"].value) == (True, 0)
    assert checks["registered_on_not_in_future"].metadata["unexpected_count"].value == 1
    assert checks[CAPITAL].description is None
    assert covered(registry, first) == {first_file: "true"}

    # a file of 10 good rows and 3 negative capitals lands
    second_file = land(registry, "b.csv", 100, good=10, negative=[-5, -7, -9])
    second, checks = check(registry)
    rows_part, table_part = validations[-1]
    assert (rows_part.target.files, rows_part.target.part) == ((second_file,), "landed_rows")
    assert rows_part.target.check_names == [c for c in SUITE.check_names if c not in WHOLE_TABLE]
    # GX read the 13 rows of the new file, and only them
    assert {o.check: o.element_count for o in rows_part.outcomes}[CAPITAL] == 13
    assert (table_part.target.files, table_part.target.check_names) == (None, WHOLE_TABLE)
    capital = checks[CAPITAL]
    assert (capital.passed, capital.metadata["unexpected_count"].value) == (False, 3)  # 0 before + 3 new
    assert (capital.metadata["unexpected_count_now"].value, capital.metadata["unexpected_count_before"].value) == (3, 0)
    assert sorted(capital.metadata["unexpected_sample"].value) == [-90000.0, -70000.0, -50000.0]
    assert capital.metadata["combined_with_run"].value == first
    assert (capital.metadata["rows_validated_now"].value, capital.metadata["rows_validated_before"].value) == (13, 21)
    assert capital.metadata["landed_files"].value == ["enterprises/b.csv"]
    assert capital.description.startswith("whole table: 3 unexpected in the 13 rows newly landed (enterprises/b.csv), "
                                          f"validated in this run, plus 0 in the 21 rows of run {first}'s result (checked ")
    assert capital.description.endswith("; its Data Docs page shows the validation of the new rows only")
    assert "/raw/enterprises/landed_rows/" in capital.metadata["data_docs"].value
    # and the Data Docs say what they show: the query of the new file's rows, and the part's notes
    assert f"_file_hash IN (&#39;{second_file}&#39;)" in Path(capital.metadata["data_docs"].value).read_text(
        encoding="utf-8").replace("'", "&#39;")
    suite_page = registry.settings.data_docs_index.parent / "expectations" / "raw" / "enterprises" / "landed_rows.html"
    assert "validated on the rows of the newly landed files only" in suite_page.read_text(encoding="utf-8")
    future = checks["registered_on_not_in_future"]
    assert (future.passed, future.metadata["unexpected_count"].value) == (False, 1)
    assert future.description.startswith("checked on the whole table (34 rows) in this run")
    assert "/raw/enterprises/whole_table/" in future.metadata["data_docs"].value
    assert checks["row_count_within_previous_bounds"].metadata["observed_value"].value == "34"
    assert all(e.passed for name, e in checks.items() if name not in (CAPITAL, "registered_on_not_in_future"))
    recorded = dq_rows(registry, second)
    assert covered(registry, second) == {first_file: "true", second_file: "true"}
    assert {json.loads(row[2]) == {second_file: "enterprises/b.csv"} for row in recorded.values()} == {True}
    assert {name: row[3] for name, row in recorded.items()} == {
        name: (None if name in WHOLE_TABLE else first) for name in SUITE.check_names}

    # a clean file lands: the count stays 3, and the sample is the one of the rows that broke the rule
    land(registry, "c.csv", 200, good=4)
    third, checks = check(registry)
    assert validations[-1][0].target.files != (second_file,) and len(validations[-1][0].target.files) == 1
    capital = checks[CAPITAL]
    assert (capital.passed, capital.metadata["unexpected_count"].value) == (False, 3)
    assert (capital.metadata["unexpected_count_now"].value, capital.metadata["unexpected_count_before"].value) == (0, 3)
    assert sorted(capital.metadata["unexpected_sample"].value) == [-90000.0, -70000.0, -50000.0]
    assert capital.metadata["combined_with_run"].value == second
    assert checks["row_count_within_previous_bounds"].metadata["observed_value"].value == "38"

    # nothing lands: carried over, covering the three files
    runs = len(validations)
    fourth, checks = check(registry)
    assert len(validations) == runs
    assert checks[CAPITAL].metadata["carried_over_from_run"].value == third
    assert dq_rows(registry, fourth)[CAPITAL][4] == third
    assert len(covered(registry, third)) == 3 and covered(registry, fourth) == {}  # the carried result's are run 3's


def _counts(result: SuiteResult) -> dict[str, int | None]:
    return {o.check: o.unexpected_count for o in result.outcomes}


def test_a_withdrawn_or_repaired_file_or_new_rules_validate_the_whole_table(registry, validations):
    land(registry, "a.csv", 0, good=5, negative=[-1])
    land(registry, "b.csv", 100, good=5, negative=[-2, -3])
    layer.check_layer(registry.settings, [SUITE], "run-1")

    # a.csv leaves the landing folder while c.csv lands: its row is gone from the whole table's count
    registry.remove("enterprises", "a.csv")
    land(registry, "c.csv", 200, good=2, negative=[-4])
    (result,) = layer.check_layer(registry.settings, [SUITE], "run-2")
    assert [v.target.files for v in validations[-1]] == [None] and result.landed is None
    assert (_counts(result)[CAPITAL], result.outcomes[-1].observed_value) == (3, 10)

    # b.csv's Parquet file is lost: the ingest loads it again (repaired), and d.csv lands
    (b_hash,) = [h for (h,) in registry.query("SELECT file_hash FROM audit.ingested_files WHERE file LIKE '%b.csv'")]
    (registry.settings.raw_parquet_dir / "enterprises" / f"{b_hash}.parquet").unlink()
    land(registry, "d.csv", 300, good=1)
    (result,) = layer.check_layer(registry.settings, [SUITE], "run-3")
    assert [v.target.files for v in validations[-1]] == [None]
    assert _counts(result)[CAPITAL] == 3

    # only files land, but the rule changed: capital must now be at least 10万元 (100000)
    land(registry, "e.csv", 400, good=1, negative=[-6])
    stricter = json.loads(json.dumps(SUITE.expectations))
    next(e for e in stricter if e["meta"]["check"] == CAPITAL)["kwargs"]["min_value"] = 100000
    (result,) = layer.check_layer(registry.settings, [Suite(SUITE.name, stricter)], "run-4")
    assert [v.target.files for v in validations[-1]] == [None]
    assert _counts(result)[CAPITAL] == 4

    # and with the same rules, the next landing is validated alone again
    f_hash = land(registry, "f.csv", 500, good=2)
    (result,) = layer.check_layer(registry.settings, [Suite(SUITE.name, stricter)], "run-5")
    assert validations[-1][0].target.files == (f_hash,)
    assert (_counts(result)[CAPITAL], result.landed.previous_run, result.landed.rows) == (4, "run-4", 2)


def test_only_checks_that_add_up_across_files_are_combined():
    scopes = {e["meta"]["check"]: landed.scope(e, SUITE.name) for e in SUITE.expectations}
    assert scopes == {
        "lineage_unique": "rows", "uscc_not_null": "rows", "registered_on_not_null": "rows",
        "region_code_not_null": "rows", "region_code_in_dim_region": "rows", "uscc_format": "rows",
        "registered_on_not_in_future": "whole", "deregistered_on_not_in_future": "whole",
        "deregistered_after_registered": "rows", CAPITAL: "rows",
        "registered_capital_currency_accepted_values": "rows", "row_count_within_previous_bounds": "whole",
    }
    every_raw_check = {landed.scope(e, s.name) for s in load_suites() if s.schema == "raw" for e in s.expectations}
    assert every_raw_check == {"rows", "whole"}

    def query(sql: str) -> dict:
        return {"type": "unexpected_rows_expectation", "kwargs": {"unexpected_rows_query": sql}, "meta": {"check": "q"}}

    not_combined = [
        query("SELECT uscc FROM {batch} GROUP BY uscc HAVING count(*) > 1"),
        query("SELECT _file_hash, uscc FROM {batch} GROUP BY _file_hash, uscc HAVING count(*) > 1 LIMIT 5"),
        query("SELECT _file_hash FROM {batch} WHERE uscc IN (SELECT uscc FROM {batch}) GROUP BY _file_hash HAVING count(*) > 1"),
        query("SELECT * FROM {batch} WHERE uscc IN (SELECT uscc FROM raw.enterprises WHERE deregistered_on IS NULL)"),
        query("SELECT * FROM {batch} a JOIN {batch} b ON a.uscc = b.uscc AND a._line <> b._line"),
        query("SELECT count(*) FROM {batch} WHERE registered_capital < 0"),
        query("SELECT DISTINCT uscc FROM {batch}"),
        query("SELECT * FROM {batch} LIMIT 10"),
        query("SELECT * FROM {batch} WHERE random() < 0.1"),
        query("SELECT * FROM raw.compute WHERE project NOT IN (SELECT name FROM {batch})"),
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "uscc", "mostly": 0.99},
         "meta": {"check": "q"}},
        {"type": "expect_compound_columns_to_be_unique", "kwargs": {"column_list": ["uscc"]}, "meta": {"check": "q"}},
        {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "uscc"}, "meta": {"check": "q"}},
        {"type": "expect_column_mean_to_be_between", "kwargs": {"column": "registered_capital", "min_value": 0},
         "meta": {"check": "q"}},
    ]
    assert [landed.scope(e, SUITE.name) for e in not_combined] == [None] * len(not_combined)
    assert landed.scope(query("SELECT * FROM {batch} WHERE region_code NOT IN (SELECT region_code FROM "
                              "marts.dim_region)"), SUITE.name) == "rows"
    # Groups keyed by their file never span two files: per file, as lineage uniqueness is.
    assert landed.scope(query("SELECT _file, uscc, count(*) AS n FROM {batch} WHERE uscc IS NOT NULL "
                              "GROUP BY _file_hash, _file, uscc HAVING count(*) > 1"), SUITE.name) == "rows"


def _previous(**changes) -> SuiteResult:
    outcomes = [CheckOutcome(check=c, expectation_type="t", success=True, unexpected_count=0) for c in SUITE.check_names]
    result = SuiteResult(suite=SUITE.name, asset="raw/enterprises", outcomes=outcomes, checked_at=None,
                         table_version="v1", suite_version="s1", data_docs=None, validated_in="run-1",
                         covered_files={"a" * 64: "2026-01-01T00:00:00"})
    for name, value in changes.items():
        setattr(result, name, value)
    return result


def test_a_suite_is_validated_whole_unless_its_previous_result_extends():
    files = {"a" * 64: landed.LoadedFile("enterprises/a.csv", "2026-01-01T00:00:00", 5),
             "b" * 64: landed.LoadedFile("enterprises/b.csv", "2026-01-02T00:00:00", 3)}
    increment = landed.plan(SUITE, _previous(), "s1", files)
    assert (list(increment.new_files), increment.rows, increment.previous_rows) == (["b" * 64], 3, 5)
    errored = _previous()
    errored.outcomes[1].error = "boom"
    unknown_count = _previous()
    next(o for o in unknown_count.outcomes if o.check == CAPITAL).unexpected_count = None
    marts = Suite("marts.enterprises", SUITE.expectations)
    assert [
        landed.plan(SUITE, None, "s1", files),  # first validation
        landed.plan(SUITE, _previous(), "s2", files),  # rules, seeds or read tables changed
        landed.plan(SUITE, _previous(covered_files=None), "s1", files),  # the previous result names no files
        landed.plan(SUITE, errored, "s1", files),
        landed.plan(SUITE, unknown_count, "s1", files),
        landed.plan(SUITE, _previous(), "s1", {"b" * 64: files["b" * 64]}),  # a.csv withdrawn
        landed.plan(SUITE, _previous(), "s1", {**files, "a" * 64: landed.LoadedFile("x", "2026-01-03T00:00:00", 5)}),
        landed.plan(SUITE, _previous(), "s1", {"a" * 64: files["a" * 64]}),  # nothing new
        landed.plan(marts, _previous(), "s1", files),
        landed.plan(Suite(SUITE.name, SUITE.expectations[:-1] + [
            {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "uscc"},
             "meta": {"check": "row_count_within_previous_bounds"}}]), _previous(), "s1", files),  # an unknown type
    ] == [None] * 10


def test_the_landed_rows_are_read_with_their_hashes_checked_and_bound():
    target = runner.Target(SUITE, resolve(SUITE, None), files=("a" * 64, "b" * 64), part="landed_rows")
    assert target.gx_name == "raw.enterprises.landed_rows"
    assert target.landed_rows_sql() == f"""SELECT * FROM "raw"."enterprises" WHERE _file_hash IN ('{"a" * 64}', '{"b" * 64}')"""
    sql, parameters = target.rows_query("SELECT * FROM {batch} WHERE x > 1 AND y NOT IN (SELECT y FROM {batch})")
    assert sql.count("_file_hash IN (?, ?)") == 2 and parameters == ["a" * 64, "b" * 64] * 2
    with pytest.raises(ValueError, match="not landed files' content hashes"):
        runner.Target(SUITE, [], files=("x' OR 1=1 --",)).landed_rows_sql()
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw; CREATE TABLE raw.enterprises AS SELECT * FROM (VALUES "
                f"('{'a' * 64}', -1), ('{'c' * 64}', -2)) AS t(_file_hash, capital)")
    assert con.execute(*target.rows_query("SELECT capital FROM {batch} WHERE capital < 0")).fetchall() == [(-1,)]
