"""The semantic layer: metrics defined beside the marts, answered by MetricFlow from the current release.

Everything runs on the session's refresh of the shipped sample (tests/conftest.py). Expected
values come from outside the warehouse: the registry sample's true counts
(raw/enterprises/synthetic_registry_sample.expected.json), the synthetic population and GDP
as their generator computed them (raw/indicators/synthetic_population_gdp.expected.json), the
article's figures (raw/README.md), and arithmetic done here by hand.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import shutil
import subprocess
import sys
from datetime import datetime

import duckdb
import pytest
from dagster import AssetKey, MetadataValue

from orchestration.semantic import manifest as semantic_manifest
from orchestration.settings import REPO_ROOT, Settings
from tests.conftest import SHIPPED_RAW, copy_sample_warehouse
from tests.semantic_helpers import THE_NINE, ask, same_value
from tests.serving_helpers import env_for

SHENZHEN, BEIJING, SHANGHAI, ANHUI, NATIONAL = "440300", "110000", "310000", "340000", "000000"


def rows(settings: Settings, *argv: str) -> list[dict]:
    code, out, err = ask(settings, *argv, "--csv")
    assert code == 0, err
    return list(csv.DictReader(io.StringIO(out)))


def by_region_year(found: list[dict], metric: str, time: str = "metric_time__year") -> dict[tuple[str, int], str]:
    return {(r["region"], datetime.fromisoformat(r[time]).year): r[metric] for r in found}


def _truth(path: str) -> dict:
    return json.loads((SHIPPED_RAW / path).read_text(encoding="utf-8"))


def registry_count(region: str, year: int) -> int:
    return _truth("enterprises/synthetic_registry_sample.expected.json")["ai_enterprise_count"][region][
        "ai_enterprise_count"][str(year)]


def synthetic(indicator: str, region: str, year: int) -> int:
    return _truth("indicators/synthetic_population_gdp.expected.json")[indicator][region]["values"][str(year)]


# --- the definitions ----------------------------------------------------------------------------


def test_the_semantic_manifest_validates_under_metricflow():
    assert semantic_manifest.validate() == []


def test_the_nine_metrics_of_the_issue_are_defined_with_a_label_and_a_description():
    metrics = {m.name: m for m in semantic_manifest.metrics(semantic_manifest.read())}
    assert THE_NINE <= set(metrics)
    for m in metrics.values():
        assert m.label and m.label != m.name and len(m.description) > 40, m.name
    assert {m.name: m.grain for m in metrics.values() if m.grain != "year"} == {
        "compute_projects_started": "month", "investment_announced_cny": "month"}
    # figures of a region that hold the regions within it, and those that are the region's own
    assert {m.name for m in metrics.values() if not m.includes_subregions} == {
        "policy_documents", "plans_in_force", "compute_projects_started", "investment_announced_cny"}


def test_a_measure_that_does_not_say_whether_it_holds_subregions_is_refused():
    broken = copy.deepcopy(semantic_manifest.read())
    measure = next(m for s in broken["semantic_models"] for m in s["measures"] if m["name"] == "population")
    measure["config"]["meta"].pop(semantic_manifest.INCLUDES_SUBREGIONS)
    with pytest.raises(semantic_manifest.SemanticManifestError, match="measure population of semantic model "
                                                                       "city_indicators: config.meta.includes_subregions"):
        semantic_manifest.metrics(broken)


def test_the_metrics_are_dagster_assets_downstream_of_their_marts_and_the_release():
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    for name in THE_NINE:
        node = graph.get(AssetKey(["metrics", name]))
        assert node.group_name == "metrics"
        assert {AssetKey(["serving", "release"]), AssetKey(["marts", "dim_region"])} <= node.parent_keys
    assert AssetKey(["marts", "compute_buildout"]) in graph.get(AssetKey(["metrics", "compute_projects_started"])).parent_keys
    assert AssetKey(["marts", "city_indicators"]) in graph.get(
        AssetKey(["metrics", "ai_enterprises_per_million_residents"])).parent_keys


def test_loading_the_definitions_does_not_import_metricflow():
    probe = ("import sys, time; t = time.perf_counter(); import orchestration.definitions; "
             "print(round(time.perf_counter() - t, 2), sorted({m.split('.')[0] for m in sys.modules} "
             "& {'metricflow', 'metricflow_semantics', 'dbt_metricflow'}))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout
    seconds, imported = out.split(" ", 1)
    assert imported.strip() == "[]", out
    print(f"orchestration.definitions imported in {seconds} s")


# --- values held to the marts and to hand-computed figures --------------------------------------


def test_beijing_ai_enterprises_2023_is_city_indicators_count(sample_refresh, marts):
    settings, _ = sample_refresh
    found = by_region_year(rows(settings, "--metrics", "ai_enterprises", "--group-by", "region,metric_time__year",
                                "--where", f"{{{{ Entity('region') }}}} = '{BEIJING}'"), "ai_enterprises")
    (mart,), = marts("SELECT ai_enterprise_count FROM marts.city_indicators WHERE region_code = ? AND year = 2023",
                     [BEIJING])
    assert int(found[(BEIJING, 2023)]) == mart == registry_count(BEIJING, 2023) == 47_800


# Each simple metric's view against the mart column it reads, row for row ("a view's figures
# equal the marts' wherever both hold the same figure").
MART_OF = {
    "ai_enterprises": ("city_indicators", "ai_enterprise_count", "year"),
    "ai_enterprise_growth": ("city_indicators", "ai_enterprise_yoy_growth", "year"),
    "population": ("city_indicators", "population", "year"),
    "gdp_cny": ("city_indicators", "gdp_cny", "year"),
    "ai_industry_output_cny": ("city_indicators", "ai_industry_output_cny", "year"),
    "compute_capacity_pflops": ("city_indicators", "compute_capacity_pflops", "year"),
    "policy_documents": ("policy_cadence", "policy_count", "year"),
    "plans_in_force": ("policy_cadence", "plans_in_force", "year"),
    "compute_projects_started": ("compute_buildout", "projects_started", "month"),
    "investment_announced_cny": ("compute_buildout", "investment_announced_cny", "month"),
}


@pytest.mark.parametrize("metric", sorted(MART_OF))
def test_each_metric_view_holds_the_marts_figures(marts, metric):
    mart, column, time = MART_OF[metric]
    period = "make_date(m.year, 1, 1)" if time == "year" else "m.month"
    differences = marts(f"""
        SELECT coalesce(v.region, m.region_code), v.metric_time__{time}, v.{metric}, m.{column}
        FROM metrics.{metric} v
        FULL JOIN marts.{mart} m ON m.region_code = v.region AND {period} = CAST(v.metric_time__{time} AS DATE)
        WHERE v.{metric} IS DISTINCT FROM m.{column}""")
    assert differences == []
    assert marts(f"SELECT count(*) FROM metrics.{metric}") == marts(f"SELECT count(*) FROM marts.{mart}")


def test_per_million_residents_is_the_count_over_the_same_years_population(sample_refresh):
    settings, _ = sample_refresh
    found = by_region_year(rows(settings, "--metrics", "ai_enterprises_per_million_residents",
                                "--group-by", "region,metric_time__year",
                                "--where", f"{{{{ Entity('region') }}}} IN ('{SHENZHEN}', '{BEIJING}')"),
                           "ai_enterprises_per_million_residents")
    for region in (SHENZHEN, BEIJING):
        for year in range(2016, 2024):
            expected = registry_count(region, year) * 1_000_000 / synthetic("population", region, year)
            assert float(found[(region, year)]) == pytest.approx(expected, rel=1e-12), (region, year)
    # by hand: 63,800 / 16,194,000 x 1e6 and 39,800 / 21,700,000 x 1e6
    assert float(found[(SHENZHEN, 2023)]) == pytest.approx(3939.730764480672, rel=1e-12)
    assert float(found[(BEIJING, 2016)]) == pytest.approx(1834.1013824884792, rel=1e-12)
    assert found[(SHENZHEN, 2015)] == ""  # no population that year: no ratio, never another year's
    # the worked example of docs/bi-tools.md: its years only
    example = rows(settings, "--metrics", "ai_enterprises_per_million_residents", "--group-by",
                   "metric_time__year,region,region__name_en", "--where",
                   f"{{{{ Entity('region') }}}} IN ('{SHENZHEN}', '{BEIJING}')",
                   "--start-time", "2016-01-01", "--end-time", "2023-12-31")
    assert [(r["metric_time__year"][:4], r["region__name_en"]) for r in example] == [
        (str(y), city) for y in range(2016, 2024) for city in ("Beijing", "Shenzhen")]


def test_share_of_gdp_divides_the_articles_output_by_the_same_years_gdp(sample_refresh):
    settings, _ = sample_refresh
    found = by_region_year(rows(settings, "--metrics", "ai_output_share_of_gdp", "--group-by",
                                "region,metric_time__year", "--where",
                                "{{ TimeDimension('metric_time', 'year') }} = '2023-01-01'"), "ai_output_share_of_gdp")
    article = {SHANGHAI: 382_100_000_000, BEIJING: 227_000_000_000, SHENZHEN: 248_800_000_000}  # 3821/2270/2488亿元
    for region, output in article.items():
        assert float(found[(region, 2023)]) == pytest.approx(output / synthetic("gdp_cny", region, 2023), rel=1e-12)
    assert sorted(k for k, v in found.items() if v) == sorted((r, 2023) for r in article)
    # by hand: Shanghai's GDP 28200亿元 x 1.06^7 = 42402.37亿元; 3821 / 42402.37 = 0.0901...
    assert float(found[(SHANGHAI, 2023)]) == pytest.approx(382_100_000_000 / 4_240_237_000_000, rel=1e-12)


def test_growth_is_the_year_over_year_change_of_the_count(sample_refresh):
    settings, _ = sample_refresh
    found = by_region_year(rows(settings, "--metrics", "ai_enterprise_growth", "--group-by", "region,metric_time__year",
                                "--where", f"{{{{ Entity('region') }}}} = '{SHENZHEN}'"), "ai_enterprise_growth")
    assert float(found[(SHENZHEN, 2023)]) == pytest.approx((63_800 - 56_200) / 56_200, rel=1e-12)  # 0.1352...
    assert float(found[(SHENZHEN, 2021)]) == pytest.approx((49_300 - 44_600) / 44_600, rel=1e-12)
    for year in range(2017, 2024):
        previous = registry_count(SHENZHEN, year - 1)
        assert float(found[(SHENZHEN, year)]) == pytest.approx((registry_count(SHENZHEN, year) - previous) / previous)


# --- what the layer makes impossible ------------------------------------------------------------


def test_a_stock_over_several_years_is_the_last_years_figure_never_their_sum(sample_refresh):
    settings, _ = sample_refresh
    years = "{{ TimeDimension('metric_time', 'year') }} BETWEEN '2016-01-01' AND '2020-01-01'"
    (shenzhen,) = rows(settings, "--metrics", "ai_enterprises,ai_enterprises_per_million_residents",
                       "--group-by", "region", "--where", f"{{{{ Entity('region') }}}} = '{SHENZHEN}'", "--where", years)
    assert int(shenzhen["ai_enterprises"]) == registry_count(SHENZHEN, 2020) == 44_600  # not 36,100 + ... + 44,600
    assert float(shenzhen["ai_enterprises_per_million_residents"]) == pytest.approx(44_600 * 1e6 / 14_191_000)
    (anhui,) = rows(settings, "--metrics", "plans_in_force,policy_documents", "--group-by", "region",
                    "--where", f"{{{{ Entity('region') }}}} = '{ANHUI}'")
    # raw/README.md: Anhui issued 4 documents (plans 2017-12-29 and 2018-05-11, a 2020 speech, a 2023
    # report); its two plans are in force in its last year, 2023. A sum of years would say 6.
    assert (int(anhui["plans_in_force"]), int(anhui["policy_documents"])) == (2, 4)


def test_a_region_total_not_grouped_by_region_is_refused(sample_refresh, marts):
    settings, _ = sample_refresh
    # What MetricFlow alone would answer: every row of 2023 added, national + provinces + cities +
    # districts, each enterprise counted up to four times.
    (naive,), = marts("SELECT sum(ai_enterprise_count) FROM marts.city_indicators WHERE year = 2023")
    assert naive > 3 * registry_count(NATIONAL, 2023)
    for group_by in ("metric_time__year", "region__level,metric_time__year", "region__name_zh"):
        code, out, err = ask(settings, "--metrics", "ai_enterprises", "--group-by", group_by)
        assert (code, out) == (2, "")
        assert "refused: ai_enterprises is a figure of a region and every region within it" in err
        assert "Group by `region`" in err
    code, _, err = ask(settings, "--metrics", "policy_documents,ai_output_share_of_gdp,compute_capacity_pflops",
                       "--group-by", "metric_time__year", "--explain")
    assert code == 2 and "ai_output_share_of_gdp, compute_capacity_pflops are figures" in err
    # grouped by region, and through the fact's own link to it, each row is one region's own figure
    found = rows(settings, "--metrics", "ai_enterprises", "--group-by", "region_year__region,region__level",
                 "--where", "{{ Dimension('region__level') }} = 'province'")
    by_province = {r["region_year__region"]: r["ai_enterprises"] for r in found}
    assert {r["region__level"] for r in found} == {"province"} and len(by_province) == len(found)
    assert int(by_province[ANHUI]) == registry_count(ANHUI, 2023)  # its last year, its own row


def test_a_regions_own_figures_add_up_across_regions_and_years(sample_refresh, marts):
    settings, _ = sample_refresh
    found = {datetime.fromisoformat(r["metric_time__year"]).year: int(r["policy_documents"])
             for r in rows(settings, "--metrics", "policy_documents", "--group-by", "metric_time__year")}
    # raw/README.md, policies by year of publication, each issued by one region
    assert found == {2016: 1, 2017: 2, 2018: 1, 2020: 1, 2021: 2, 2023: 4}
    assert sum(found.values()) == marts("SELECT count(*) FROM marts.policy_timeline")[0][0] == 11
    (started,) = rows(settings, "--metrics", "compute_projects_started", "--group-by", "metric_time__year")
    assert int(started["compute_projects_started"]) == 8  # the article's eight named regions, July 2023


def test_a_year_metric_cannot_be_asked_by_month_and_a_month_metric_sums_to_years(sample_refresh):
    settings, _ = sample_refresh
    code, _, err = ask(settings, "--metrics", "ai_enterprises", "--group-by", "region,metric_time__month")
    assert code == 1 and "does not match any of the available group-by-items" in err and "metric_time__year" in err
    monthly = rows(settings, "--metrics", "compute_projects_started", "--group-by", "region,metric_time__month")
    yearly = rows(settings, "--metrics", "compute_projects_started", "--group-by", "region,metric_time__year")
    assert len(monthly) == len(yearly) == 8
    assert {r["metric_time__month"][:7] for r in monthly} == {"2023-07"}


def test_a_bad_name_gets_metricflows_own_error(sample_refresh):
    settings, _ = sample_refresh
    code, out, err = ask(settings, "--metrics", "ai_enterprize", "--group-by", "region")
    assert (code, out) == (1, "")
    assert "does not exactly match any known metrics" in err and "'ai_enterprises'" in err
    code, _, err = ask(settings, "--metrics", "ai_enterprises", "--group-by", "region,regoin__name_zh")
    assert code == 1 and "does not match any of the available group-by-items" in err and "'region__name_zh'" in err


# --- where the metrics are served ---------------------------------------------------------------


def test_every_metric_view_is_in_the_catalog_described_and_equal_to_the_clis_answer(sample_refresh, marts):
    settings, _ = sample_refresh
    queries = json.loads((settings.serving_dir / "current" / "metrics.json").read_text(encoding="utf-8"))
    assert THE_NINE <= set(queries)
    views = dict(marts("SELECT view_name, comment FROM duckdb_views() WHERE schema_name = 'metrics'"))
    assert set(views) == set(queries)
    for name, query in queries.items():
        assert views[name].startswith(query["label"] + ", one row per region x ")
        undescribed = marts("SELECT column_name FROM duckdb_columns() WHERE schema_name = 'metrics' "
                            "AND table_name = ? AND coalesce(comment, '') = ''", [name])
        assert undescribed == [], name
        code, out, err = ask(settings, "--metrics", name, "--group-by", ",".join(query["group_by"]), "--csv")
        assert code == 0, err
        answered = list(csv.reader(io.StringIO(out)))
        served = marts(f"SELECT * FROM metrics.{name}")
        assert answered[0] == [c for (c,) in marts("SELECT column_name FROM duckdb_columns() WHERE schema_name = "
                                                   "'metrics' AND table_name = ? ORDER BY column_index", [name])]
        assert sorted(map(same_value, answered[1:])) == sorted(map(same_value, served)), name


def test_the_command_reads_the_served_release_while_a_writer_holds_the_build_database(sample_refresh, tmp_path):
    settings = copy_sample_warehouse(sample_refresh[0], tmp_path)  # the writer may not hold the shared sample
    writer = duckdb.connect(str(settings.build_db))  # as a night's dbt or ingest does: DuckDB's exclusive lock
    try:
        done = subprocess.run(
            [sys.executable, "-m", "orchestration.cli", "metrics", "--metrics", "ai_enterprises",
             "--group-by", "region,region__name_zh,metric_time__year",
             "--where", f"{{{{ Entity('region') }}}} = '{SHENZHEN}' AND "
                        "{{ TimeDimension('metric_time', 'year') }} = '2023-01-01'"],
            cwd=REPO_ROOT, env=env_for(settings), capture_output=True, text=True, timeout=120)
    finally:
        writer.close()
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[2].split() == ["2023-01-01T00:00:00", SHENZHEN, "深圳市", "63800"]
    release = json.loads((settings.serving_dir / "current" / "release.json").read_text(encoding="utf-8"))
    assert f"release {release['release_id']} (serving/modu.duckdb): 1 rows" in done.stderr


def test_without_a_served_release_the_command_says_so(tmp_path):
    settings = Settings(raw_dir=tmp_path / "raw", warehouse_dir=tmp_path / "warehouse")
    code, out, err = ask(settings, "--metrics", "ai_enterprises", "--group-by", "region")
    assert (code, out) == (1, "") and "no release is served yet" in err and "make refresh" in err


def test_the_list_names_each_metric_with_its_grain(sample_refresh):
    settings, _ = sample_refresh
    code, out, _ = ask(settings, "--list")
    assert code == 0
    assert "ai_enterprises_per_million_residents  (AI enterprises per million residents; by region x year; " \
           "per region only)" in out
    assert "compute_projects_started  (Compute projects started; by region x month; regions add up)" in out


RELEASE = AssetKey(["serving", "release"])


def _warehouse_copy(sample: Settings, base) -> Settings:
    warehouse = base / "warehouse"
    for folder in ("build", "raw", "serving"):
        shutil.copytree(sample.warehouse_dir / folder, warehouse / folder, symlinks=True)
    return Settings(raw_dir=sample.raw_dir, warehouse_dir=warehouse, keep_releases=3)


def _publish_alone(settings: Settings, with_metrics: bool = False):
    """A run of serving/release alone (and of the metric assets, with_metrics), as the UI starts it:
    the marts published again."""
    from dagster import DagsterInstance

    from orchestration.definitions import build_definitions
    from tests.conftest import QUIET

    metrics = [AssetKey([semantic_manifest.SCHEMA, m.name]) for m in semantic_manifest.metrics(semantic_manifest.read())]
    job = build_definitions(settings).resolve_job_def("nightly_refresh")
    with DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(instance=instance, run_config=QUIET, raise_on_error=False,
                                        asset_selection=[RELEASE, *(metrics if with_metrics else [])])
    assert result.success
    return result


def _carried_from(result) -> set:
    """What the metric assets' materializations say they were carried over from (None: computed)."""
    return {e.materialization.metadata.get("modu/carried_over_from_release")
            for e in result.get_asset_materialization_events() if e.asset_key.path[0] == semantic_manifest.SCHEMA}


def test_a_run_of_the_release_alone_publishes_its_metrics_too(sample_refresh, tmp_path):
    """The UI may publish the marts again by selecting serving/release only: the release step
    still writes every metric (a release never lacks the metrics of its marts)."""
    from dagster import AssetCheckKey

    sample, _ = sample_refresh
    settings = _warehouse_copy(sample, tmp_path)
    before = json.loads((settings.serving_dir / "current" / "release.json").read_text(encoding="utf-8"))["release_id"]
    result = _publish_alone(settings)
    checks = {e.asset_check_evaluation_data.asset_check_key: e.asset_check_evaluation_data.passed
              for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"}
    assert checks[AssetCheckKey(RELEASE, "release_is_served_whole")] is True
    assert {e.asset_key for e in result.get_asset_materialization_events()} == {RELEASE}
    now = json.loads((settings.serving_dir / "current" / "release.json").read_text(encoding="utf-8"))
    assert now["release_id"] != before
    assert {t for t in now["tables"] if t.startswith("metrics.")} == {
        f"metrics.{m.name}" for m in semantic_manifest.metrics(semantic_manifest.read())}
    code, out, err = ask(settings, "--metrics", "ai_enterprises", "--group-by", "region", "--where",
                         f"{{{{ Entity('region') }}}} = '{BEIJING}'", "--csv")
    assert code == 0 and out.splitlines()[1] == f"{BEIJING},47800" and now["release_id"] in err


def _beijing_2023(folder) -> int:
    return duckdb.execute(
        f"SELECT ai_enterprises FROM read_parquet('{folder / 'metrics.ai_enterprises.parquet'}') "
        f"WHERE region = '{BEIJING}' AND year(metric_time__year) = 2023").fetchone()[0]


def _rebuild_city_indicators(settings: Settings) -> None:
    """What a rebuild of the mart leaves behind: Beijing's 2023 count 1,000 higher, a new version."""
    with duckdb.connect(str(settings.build_db)) as con:
        con.execute("UPDATE marts.city_indicators SET ai_enterprise_count = ai_enterprise_count + 1000 "
                    "WHERE region_code = ? AND year = 2023", [BEIJING])
        con.execute("UPDATE audit.table_versions SET version = version || '-rebuilt' "
                    "WHERE table_name = 'marts.city_indicators'")


def test_metrics_of_unchanged_marts_are_linked_and_a_rebuilt_mart_computes_them_again(sample_refresh, tmp_path):
    """A release whose marts are the served release's links its metric files from it (nothing
    computed, orchestration/semantic/publish.py), and the metric assets say which release they
    were carried over from; once a mart is rebuilt (a new version), every
    metric is computed again from the new mart file. Beijing's 2023 count is 47,800 (the
    article, raw/README.md); the rebuilt mart says 48,800, and so must the metric."""
    sample, _ = sample_refresh
    settings = _warehouse_copy(sample, tmp_path)
    first = (settings.serving_dir / "current").resolve()
    tables = [m.table for m in semantic_manifest.metrics(semantic_manifest.read())]

    published = _publish_alone(settings, with_metrics=True)
    linked = (settings.serving_dir / "current").resolve()
    assert linked != first
    assert _carried_from(published) == {MetadataValue.text(first.name)}  # the UI says so
    assert all((linked / f"{t}.parquet").stat().st_ino == (first / f"{t}.parquet").stat().st_ino for t in tables)
    assert (linked / "metrics.inputs").read_text() == (first / "metrics.inputs").read_text()
    assert (linked / "metrics.json").read_text() == (first / "metrics.json").read_text()
    assert _beijing_2023(linked) == 47800

    _rebuild_city_indicators(settings)
    published = _publish_alone(settings, with_metrics=True)
    computed = (settings.serving_dir / "current").resolve()
    assert computed != linked
    assert _carried_from(published) == {None}
    assert not any((computed / f"{t}.parquet").stat().st_ino == (linked / f"{t}.parquet").stat().st_ino
                   for t in tables)
    assert (computed / "metrics.inputs").read_text() != (linked / "metrics.inputs").read_text()
    assert _beijing_2023(computed) == 48800


def test_a_release_from_before_the_semantic_layer_is_said_to_have_no_metrics(sample_refresh, tmp_path):
    sample, _ = sample_refresh
    settings = Settings(raw_dir=sample.raw_dir, warehouse_dir=tmp_path / "warehouse")
    shutil.copytree(sample.serving_dir, settings.serving_dir, symlinks=True)
    release = (settings.serving_dir / "current").resolve()
    assert release.parent == settings.serving_dir / "releases"  # the copy's own link, not the sample's
    (release / semantic_manifest.RELEASE_FILE).unlink()
    code, out, err = ask(settings, "--metrics", "ai_enterprises", "--group-by", "region")
    assert (code, out) == (1, "")
    assert f"release {release.name} was published before the semantic layer" in err


def test_the_metrics_sql_is_planned_once_per_definitions_and_run_on_each_releases_marts(
        sample_refresh, tmp_path, monkeypatch):
    """MetricFlow's SQL depends on the definitions alone: it is planned once into the
    installation's prepared folder (build/, which `make` fills) and every release runs it on
    its own marts, without MetricFlow. A folder with no file for these definitions has
    MetricFlow plan every query again, and it writes the SQL the served release ran."""
    from orchestration.semantic import publish as metrics_publish

    sample, _ = sample_refresh
    settings = _warehouse_copy(sample, tmp_path)
    first = (settings.serving_dir / "current").resolve()
    monkeypatch.setattr("orchestration.prepared.PREPARED_DIR", tmp_path / "build")
    planned = []
    plan = metrics_publish._planned
    monkeypatch.setattr(metrics_publish, "_planned", lambda *args: planned.append(args) or plan(*args))

    _rebuild_city_indicators(settings)
    _publish_alone(settings, with_metrics=True)  # nothing prepared: planned, and kept
    second = (settings.serving_dir / "current").resolve()
    assert second != first and len(planned) == 1
    (prepared,) = (tmp_path / "build").glob("metrics-*.json")
    assert prepared.name.startswith(f"metrics-{(first / 'metrics.definitions').read_text()[:32]}")
    assert json.loads((second / "metrics.json").read_text()) == json.loads((first / "metrics.json").read_text())
    assert json.loads(prepared.read_text()) == json.loads((first / "metrics.json").read_text())
    assert _beijing_2023(second) == 48800

    _rebuild_city_indicators(settings)
    _publish_alone(settings, with_metrics=True)  # prepared: MetricFlow is not asked again
    third = (settings.serving_dir / "current").resolve()
    assert third != second and len(planned) == 1
    assert _beijing_2023(third) == 49800
