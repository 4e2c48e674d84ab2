"""GX suites as asset checks: pushdown on DuckDB, exact counts, one context per layer, vocabularies from the
seeds, no rule a dbt test already checks, and a bad night that does not publish."""

import csv
import json
import subprocess
import sys
from datetime import date
from decimal import Decimal

import duckdb
import pytest

from orchestration.publish.release import current_release
from orchestration.quality.gx_duckdb import register_duckdb_as_persisted_connection_dialect
from orchestration.quality.runner import Target, validate
from orchestration.quality.suites import Suite, load_suites, resolve
from orchestration.settings import REPO_ROOT, SEEDS_DIR, Settings
from tests.conftest import copy_sample_warehouse, run_refresh


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(raw_dir=tmp_path / "raw", warehouse_dir=tmp_path / "warehouse", keep_releases=2,
                    duckdb_memory_limit="300MB", duckdb_threads=1)


@pytest.fixture
def small_db(settings):
    """A hand-made table: 2 null codes, 1 negative capacity, 1 duplicate id, 1 future date."""
    settings.build_db.parent.mkdir(parents=True)
    con = duckdb.connect(str(settings.build_db))
    con.execute("CREATE SCHEMA marts")
    con.execute("""CREATE TABLE marts.sample AS SELECT * FROM (VALUES
        (1, '110000', 10.0, DATE '2023-01-01'),
        (2, NULL,     5.0,  DATE '2023-01-02'),
        (3, NULL,     -1.5, DATE '2023-01-03'),
        (3, '310000', 7.0,  DATE '2999-01-01')) AS t(id, region_code, capacity, happened_on)""")
    con.execute("CREATE TABLE marts.other AS SELECT * FROM (VALUES (1, 'plan'), (2, 'memo')) AS t(id, doc_type)")
    con.close()
    return settings.build_db


SAMPLE_SUITE = Suite("marts.sample", [
    {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "region_code"}, "meta": {"check": "region_not_null"}},
    {"type": "expect_column_values_to_be_between", "kwargs": {"column": "capacity", "min_value": 0, "strict_min": True},
     "meta": {"check": "capacity_positive"}},
    {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "id"}, "meta": {"check": "id_unique"}},
    {"type": "unexpected_rows_expectation",
     "kwargs": {"unexpected_rows_query": "SELECT * FROM {batch} WHERE happened_on > current_date"},
     "meta": {"check": "not_in_future"}},
    {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 0},
     "meta": {"check": "row_count_within_previous_bounds", "modu_relative_to_previous": {"min_ratio": 0.5, "max_ratio": None}}},
])
OTHER_SUITE = Suite("marts.other", [
    {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "doc_type", "value_set": "@vocabulary:doc_types@"},
     "meta": {"check": "doc_type_accepted_values"}},
])


def test_gx_counts_unexpected_rows_on_duckdb(small_db, settings):
    (validation,) = validate(settings, [Target(SAMPLE_SUITE, resolve(SAMPLE_SUITE, None))], run_name="run-1")
    got = {o.check: (o.success, o.unexpected_count) for o in validation.outcomes}
    assert got == {
        "region_not_null": (False, 2),
        "capacity_positive": (False, 1),
        "id_unique": (False, 2),
        "not_in_future": (False, 1),
        "row_count_within_previous_bounds": (True, None),
    }
    samples = {o.check: o.sample for o in validation.outcomes}
    assert samples["capacity_positive"] == [-1.5]
    # a failed query expectation shows its rows
    assert samples["not_in_future"] == [{"id": 3, "region_code": "310000", "capacity": Decimal("7.0"),
                                         "happened_on": date(2999, 1, 1)}]
    # the validation's page is named by the run
    site = settings.data_docs_index.parent
    assert validation.data_docs.exists() and validation.data_docs.relative_to(site).parts[:4] == (
        "validations", "marts", "sample", "run-1")


def test_one_gx_context_validates_every_suite_of_a_layer(small_db, settings, monkeypatch):
    import great_expectations as gx

    contexts = []
    real_get_context = gx.get_context
    monkeypatch.setattr(gx, "get_context", lambda *a, **k: contexts.append(k) or real_get_context(*a, **k))
    validations = validate(settings, [Target(SAMPLE_SUITE, resolve(SAMPLE_SUITE, None)),
                                      Target(OTHER_SUITE, resolve(OTHER_SUITE, None))],
                           run_name="run-1")
    assert len(contexts) == 1
    assert [(v.suite.name, [(o.check, o.success, o.unexpected_count, o.sample) for o in v.outcomes])
            for v in validations][1] == ("marts.other", [("doc_type_accepted_values", False, 1, ["memo"])])


def test_every_duckdb_connection_of_gx_has_modu_settings_and_is_read_only(small_db, settings):
    from sqlalchemy import event
    from sqlalchemy.pool import Pool

    seen = []

    def inspect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT current_setting('threads'), current_setting('memory_limit'), "
                       "current_setting('temp_directory'), current_setting('access_mode')")
        seen.append(cursor.fetchone())

    event.listen(Pool, "connect", inspect)
    try:
        validate(settings, [Target(SAMPLE_SUITE, resolve(SAMPLE_SUITE, None))], run_name="run-1")
    finally:
        event.remove(Pool, "connect", inspect)
    # what a connection opened with modu's settings reports, asked of DuckDB itself
    reference = duckdb.connect(config={"memory_limit": "300MB"})
    expected_memory = reference.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    reference.close()
    assert seen and set(seen) == {(1, expected_memory, str(settings.duckdb_spill_dir), "read_only")}


def test_row_count_bound_comes_from_the_previous_run(small_db, settings):
    (validation,) = validate(settings, [Target(SAMPLE_SUITE, resolve(SAMPLE_SUITE, 10))], run_name="run-1")
    row_count = next(o for o in validation.outcomes if o.check == "row_count_within_previous_bounds")
    assert (row_count.success, row_count.observed_value) == (False, 4)  # 4 < 0.5 x 10


def test_gx_leaves_the_database_file_free_for_the_next_writer(small_db, settings):
    validate(settings, [Target(SAMPLE_SUITE, resolve(SAMPLE_SUITE, None)),
                        Target(OTHER_SUITE, resolve(OTHER_SUITE, None))],
             run_name="run-1")
    writer = duckdb.connect(str(small_db))  # same process, read-write: fails if GX still holds it
    writer.execute("INSERT INTO marts.sample VALUES (9, '110000', 1.0, DATE '2020-01-01')")
    writer.close()


def test_an_unexpected_rows_check_counts_from_its_rows_and_queries_the_count_only_past_them(settings):
    """GX fetches at most MAX_RESULT_RECORDS rows of the query: fewer are the count itself
    (one query, orchestration/quality/gx_unexpected_rows.py); a full fetch asks the count."""
    from great_expectations.constants import MAX_RESULT_RECORDS
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    many = MAX_RESULT_RECORDS + 37
    settings.build_db.parent.mkdir(parents=True)
    with duckdb.connect(str(settings.build_db)) as con:
        con.execute("CREATE SCHEMA marts")
        con.execute("CREATE TABLE marts.sample AS SELECT range AS id, range % 10 AS digit FROM range(?)", [10 * many])
    checks = {"none": "digit > 9", "three": "id IN (5, 17, 900)", "many": f"id < {many}"}
    suite = Suite("marts.sample", [
        {"type": "unexpected_rows_expectation",
         "kwargs": {"unexpected_rows_query": f"SELECT id FROM {{batch}} WHERE {where}"}, "meta": {"check": name}}
        for name, where in checks.items()])
    counted = []

    def remember(_conn, _cursor, statement, *_args) -> None:
        if "unexpected_row_count" in statement:
            counted.append(statement)

    event.listen(Engine, "before_cursor_execute", remember)
    try:
        (validation,) = validate(settings, [Target(suite, resolve(suite, None))], run_name="run-1")
    finally:
        event.remove(Engine, "before_cursor_execute", remember)
    got = {o.check: (o.success, o.unexpected_count) for o in validation.outcomes}
    assert got == {"none": (True, 0), "three": (False, 3), "many": (False, many)}
    assert len(counted) == 1 and f"id < {many}" in counted[0]


def test_persisted_connection_registration_is_idempotent():
    from great_expectations.execution_engine import sqlalchemy_execution_engine as engine_module

    register_duckdb_as_persisted_connection_dialect()
    register_duckdb_as_persisted_connection_dialect()
    names = [getattr(d, "value", d) for d in engine_module._PERSISTED_CONNECTION_DIALECTS]
    assert names.count("duckdb") == 1
    assert "duckdb" in engine_module._PERSISTED_CONNECTION_DIALECTS


def test_every_table_has_a_suite_and_every_check_a_unique_name():
    names = {s.name for s in load_suites()}
    assert {"raw.indicators", "raw.enterprises", "raw.policies", "raw.compute", "marts.dim_region",
            "marts.city_indicators", "marts.policy_timeline", "marts.policy_cadence", "marts.compute_buildout",
            "marts.modu_index", "marts.figure_reconciliation", "marts.published_figures"} == names
    for suite in load_suites():
        assert len(suite.check_names) == len(set(suite.check_names)), suite.name
        assert suite.blocking == (suite.schema == "marts")


def test_raw_suites_read_regions_from_the_seed():
    suite = next(s for s in load_suites() if s.name == "raw.compute")
    query = next(e for e in resolve(suite, None) if e["meta"]["check"] == "region_code_in_dim_region")
    assert "seeds/regions.csv" in query["kwargs"]["unexpected_rows_query"]


def _seed_column(name: str, column: str) -> list[str]:
    with (SEEDS_DIR / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return [row[column] for row in csv.DictReader(handle)]


def test_accepted_values_come_from_the_vocabulary_seeds_never_from_the_suites():
    in_set = [(suite, e) for suite in load_suites() for e in suite.expectations if e["type"].endswith("_in_set")]
    assert len(in_set) == 5
    assert all(isinstance(e["kwargs"]["value_set"], str) for _, e in in_set)  # a placeholder, never a list
    resolved = {(suite.name, e["meta"]["check"]): e["kwargs"]["value_set"]
                for suite in load_suites() for e in resolve(suite, None) if e["type"].endswith("_in_set")}
    assert resolved == {
        ("raw.compute", "event_accepted_values"): _seed_column("compute_events", "event"),
        ("raw.policies", "doc_type_accepted_values"): _seed_column("doc_types", "doc_type"),
        ("raw.policies", "level_accepted_values"): _seed_column("levels", "level"),
        ("raw.enterprises", "registered_capital_currency_accepted_values"): ["CNY", "USD", "HKD", "EUR"],
        ("raw.indicators", "value_kind_accepted_values"): sorted(set(_seed_column("indicator_catalogue", "value_kind")),
                                                                 key=_seed_column("indicator_catalogue", "value_kind").index),
    }
    assert set(_seed_column("units", "currency")) - {""} == {"CNY", "USD", "HKD", "EUR"}


def test_a_value_set_written_in_a_suite_fails_at_load(tmp_path):
    suite = {"name": "raw.x", "expectations": [{"type": "expect_column_values_to_be_in_set",
                                                "kwargs": {"column": "level", "value_set": ["city"]},
                                                "meta": {"check": "level_accepted_values"}}]}
    (tmp_path / "raw.x.json").write_text(json.dumps(suite), encoding="utf-8")
    with pytest.raises(ValueError, match="raw.x.json: level_accepted_values: value_set must be a '@vocabulary"):
        load_suites(tmp_path)
    suite["expectations"][0]["kwargs"]["value_set"] = "@vocabulary:levels.no_such_column@"
    (tmp_path / "raw.x.json").write_text(json.dumps(suite), encoding="utf-8")
    with pytest.raises(ValueError, match="has no column 'no_such_column'"):
        load_suites(tmp_path)


# dbt's tests on the marts (each mart's YAML beside its SQL, read here from the prepared dbt
# manifest) own keys, relationships, vocabularies and the contract's not-null constraints; no GX
# expectation repeats one.
def _dbt_rules_on_marts() -> set[tuple[str, str, str]]:
    from orchestration.transform import dbt_run

    nodes = json.loads(dbt_run.ensure_manifest().read_text(encoding="utf-8"))["nodes"]
    marts = {uid: f"marts.{n['name']}" for uid, n in nodes.items()
             if n["resource_type"] == "model" and n["schema"] == "marts"}
    rules = set()
    for uid, table in marts.items():
        for column in nodes[uid]["columns"].values():
            if any(c["type"] == "not_null" for c in column.get("constraints", [])):
                rules.add((table, "not_null", column["name"]))
    for node in nodes.values():
        if node["resource_type"] != "test" or node.get("attached_node") not in marts:
            continue
        table, name = marts[node["attached_node"]], node["test_metadata"]["name"]
        kwargs = node["test_metadata"]["kwargs"]
        if name == "unique_combination":
            rules.add((table, "unique", ",".join(kwargs["columns"])))
        elif name == "relationships" and kwargs["to"] == "ref('dim_region')":
            rules.add((table, "in_dim_region", kwargs["column_name"]))
        else:  # unique, not_null, accepted_values, or a relationship to a vocabulary seed (a value set)
            kind = {"relationships": "accepted_values"}.get(name, name)
            rules.add((table, kind, kwargs["column_name"]))
    return rules


def _gx_rules_on_marts() -> set[tuple[str, str, str]]:
    rules = set()
    for suite in load_suites():
        for e in suite.expectations if suite.schema == "marts" else []:
            kwargs, kind = e["kwargs"], e["type"]
            if kind in ("expect_compound_columns_to_be_unique", "expect_column_values_to_be_unique"):
                rules.add((suite.name, "unique", ",".join(kwargs.get("column_list") or [kwargs.get("column")])))
            elif kind == "expect_column_values_to_not_be_null":
                rules.add((suite.name, "not_null", kwargs["column"]))
            elif kind.endswith("_in_set"):
                rules.add((suite.name, "accepted_values", kwargs["column"]))
            elif "dim_region" in kwargs.get("unexpected_rows_query", ""):
                rules.add((suite.name, "in_dim_region", "region_code"))
    return rules


def test_no_gx_expectation_on_a_mart_repeats_a_dbt_test():
    dbt, gx_rules = _dbt_rules_on_marts(), _gx_rules_on_marts()
    assert ("marts.city_indicators", "unique", "region_code,year") in dbt  # the parser sees the dbt tests
    assert {(f"marts.{t}", "in_dim_region", "region_code") for t in (
        "city_indicators", "compute_buildout", "figure_reconciliation", "modu_index", "policy_cadence",
        "policy_timeline", "published_figures")} <= dbt  # every mart with a region_code: dbt's relationship test
    assert ("marts.policy_timeline", "accepted_values", "doc_type") in dbt  # relationships to the doc_types seed
    assert gx_rules & dbt == set()
    # and GX keeps none of those kinds on a mart: ranges, dates and row counts are its own
    assert gx_rules == set()


def test_a_negative_capacity_stops_publication_and_keeps_the_last_release(sample_refresh, tmp_path):
    settings = copy_sample_warehouse(sample_refresh[0], tmp_path, keep_releases=3)
    good = current_release(settings.serving_dir)

    (settings.raw_dir / "compute" / "broken.csv").write_text(
        "project,region,event,event_date,capacity\n合肥坏数据算力中心,合肥,竣工,2023-09-01,-500P\n", encoding="utf-8")
    result = run_refresh(settings)

    assert not result.success
    failed_checks = {
        (e.event_specific_data.asset_key.to_user_string(), e.event_specific_data.check_name)
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION" and not e.event_specific_data.passed
    }
    assert ("marts/compute_buildout", "capacity_completed_not_negative") in failed_checks
    assert ("raw/compute", "capacity_positive") in failed_checks
    assert "serving__release" not in {e.step_key for e in result.all_events if e.event_type_value == "STEP_SUCCESS"}
    assert current_release(settings.serving_dir) == good

    con = duckdb.connect(str(settings.build_db), read_only=True)
    rows = con.execute(
        "SELECT success, unexpected_count, unexpected_sample FROM audit.dq_results "
        "WHERE run_id = ? AND suite = 'marts.compute_buildout' AND expectation = 'capacity_completed_not_negative'",
        [result.run_id]).fetchall()
    con.close()
    assert rows == [(False, 1, json.dumps([-500.0]))]
    assert settings.data_docs_index.exists()


def test_gx_imports_in_a_process_that_pyspark_takes_for_a_doctest_run():
    # `python -c` gives __main__ no __spec__ and no __file__, as Dagster's run worker does;
    # there pyspark's Spark Connect guard calls sys.exit(0) when GX imports it unguarded.
    code = (
        "from orchestration.quality.gx_duckdb import import_great_expectations\n"
        "gx = import_great_expectations(); print('gx', gx.__version__)\n"
        "import pyspark.sql; print('pyspark still importable')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert len(lines) == 2 and lines[0].startswith("gx 1.24."), done.stdout + done.stderr[-2000:]
    assert lines[1] == "pyspark still importable"
