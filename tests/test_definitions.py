"""The code location loads and shows what the data engineer expects in the UI."""

from pathlib import Path

from dagster import AssetCheckKey, AssetKey

from orchestration.definitions import build_definitions, defs
from orchestration.ingest.sources import SOURCES
from orchestration.settings import DBT_PROJECT_DIR, REPO_ROOT, Settings

MARTS = ["dim_region", "city_indicators", "policy_timeline", "policy_cadence", "compute_buildout",
         "modu_index", "figure_reconciliation", "published_figures"]


def test_definitions_load_with_every_layer():
    keys = set(defs.resolve_all_asset_keys())
    for source in SOURCES:
        assert AssetKey(["raw", source]) in keys
    for mart in MARTS:
        assert AssetKey(["marts", mart]) in keys
    assert AssetKey(["staging", "stg_registry__enterprises"]) in keys
    assert AssetKey(["intermediate", "int_ai_enterprise_counts"]) in keys
    assert AssetKey(["serving", "release"]) in keys


def test_asset_groups_mirror_the_layers():
    graph = defs.resolve_asset_graph()
    group = {key: graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert group[AssetKey(["raw", "enterprises"])] == "raw"
    assert group[AssetKey(["staging", "stg_compute__events"])] == "staging"
    assert group[AssetKey(["intermediate", "int_region_years"])] == "intermediate"
    assert group[AssetKey(["marts", "city_indicators"])] == "marts"
    assert group[AssetKey(["reference", "regions"])] == "reference"
    assert group[AssetKey(["serving", "release"])] == "serving"


def test_dbt_sources_are_the_ingest_assets():
    graph = defs.resolve_asset_graph()
    staged = graph.get(AssetKey(["staging", "stg_registry__enterprises"]))
    assert AssetKey(["raw", "enterprises"]) in staged.parent_keys


def test_publish_waits_for_every_mart():
    graph = defs.resolve_asset_graph()
    parents = graph.get(AssetKey(["serving", "release"])).parent_keys
    assert {AssetKey(["marts", m]) for m in MARTS} <= parents


def test_dbt_tests_are_asset_checks():
    checks = {(c.asset_key, c.name) for c in defs.resolve_asset_graph().asset_check_keys}
    assert (AssetKey(["marts", "policy_timeline"]), "unique_policy_timeline_policy_id") in checks
    assert any(key == AssetKey(["marts", "city_indicators"]) and "unique_combination" in name for key, name in checks)


def test_nightly_schedule_runs_at_two_in_shanghai():
    schedule = defs.resolve_schedule_def("nightly_refresh_schedule")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Asia/Shanghai"
    assert schedule.job_name == "nightly_refresh"


def test_nightly_job_covers_every_asset():
    job = defs.resolve_job_def("nightly_refresh")
    assert set(job.asset_layer.executable_asset_keys) >= set(defs.resolve_all_asset_keys()) - {
        AssetKey(["audit", "rejected_rows"])
    }


def _code_references(graph, key) -> list:
    value = graph.get(key).metadata.get("dagster/code_references")
    return list(value.code_references) if value else []


def test_every_asset_has_an_owner_kinds_and_code_in_this_repository():
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.owners == ["team:data-platform"], key
        assert node.kinds, key
        references = _code_references(graph, key)
        assert references, key
        for reference in references:
            path = Path(reference.file_path)
            assert path.is_file() and path.is_relative_to(REPO_ROOT), (key, path)


def test_code_references_point_at_the_code_that_builds_each_asset():
    graph = defs.resolve_asset_graph()
    (raw,) = _code_references(graph, AssetKey(["raw", "indicators"]))
    source = Path(raw.file_path).read_text(encoding="utf-8").splitlines()
    assert Path(raw.file_path) == REPO_ROOT / "orchestration" / "ingest" / "assets.py"
    assert source[raw.line_number - 1].strip() == "@asset("  # the decorated function Dagster runs
    assert next(t for t in source[raw.line_number:] if t.strip().startswith("def ")).strip().startswith("def ingest(")
    mart = [Path(r.file_path) for r in _code_references(graph, AssetKey(["marts", "city_indicators"]))]
    assert mart == [DBT_PROJECT_DIR / "models" / "marts" / "city_indicators.sql",
                    DBT_PROJECT_DIR / "models" / "marts" / "city_indicators.yml"]
    assert "city_indicators" in mart[1].read_text(encoding="utf-8")
    seed = [Path(r.file_path) for r in _code_references(graph, AssetKey(["reference", "regions"]))]
    assert seed[0] == DBT_PROJECT_DIR / "seeds" / "regions.csv"
    (release,) = _code_references(graph, AssetKey(["serving", "release"]))
    assert Path(release.file_path) == REPO_ROOT / "orchestration" / "publish" / "assets.py"


def test_with_a_git_url_code_references_link_to_the_repository_host(tmp_path):
    s = Settings(raw_dir=tmp_path / "raw", warehouse_dir=tmp_path / "wh", keep_releases=2,
                 git_url="https://github.com/example/modu", git_branch="night")
    graph = build_definitions(s).resolve_asset_graph()
    (raw,) = _code_references(graph, AssetKey(["raw", "indicators"]))
    line = next(i for i, text in enumerate((REPO_ROOT / "orchestration/ingest/assets.py").read_text(
        encoding="utf-8").splitlines(), 1) if text.strip() == "@asset(")
    assert raw.url == f"https://github.com/example/modu/tree/night/orchestration/ingest/assets.py#L{line}"
    urls = [r.url for r in _code_references(graph, AssetKey(["marts", "city_indicators"]))]
    assert urls == ["https://github.com/example/modu/tree/night/dbt_project/models/marts/city_indicators.sql",
                    "https://github.com/example/modu/tree/night/dbt_project/models/marts/city_indicators.yml"]


def test_every_raw_source_has_its_blocking_reject_share_check():
    graph = defs.resolve_asset_graph()
    nightly = defs.resolve_job_def("nightly_refresh").asset_layer.asset_graph.asset_check_keys
    for source in SOURCES:
        key = AssetCheckKey(AssetKey(["raw", source]), "rejected_share_per_file")
        assert key in nightly
        assert graph.get_check_spec(key).blocking


def test_the_dbt_resource_knows_its_executables_version_without_running_it(tmp_path):
    """ModuDbtCliResource takes dbt's version from the installed dbt-core instead of running
    `dbt --version` every night: that is only right while the executable runs in this environment.
    (`dbt --version` itself would also ask PyPI for the latest release.)"""
    import subprocess
    from pathlib import Path

    from orchestration.resources import ModuDbtCliResource, resources

    dbt = resources(Settings(raw_dir=tmp_path / "raw", warehouse_dir=tmp_path / "wh"))["dbt"]
    assert isinstance(dbt, ModuDbtCliResource)
    interpreter = Path(dbt.dbt_executable).read_text(encoding="utf-8").splitlines()[0].removeprefix("#!")
    installed = subprocess.run([interpreter, "-c", "import importlib.metadata as m; print(m.version('dbt-core'))"],
                               capture_output=True, text=True, check=True).stdout.strip()
    assert str(dbt._cli_version) == installed
