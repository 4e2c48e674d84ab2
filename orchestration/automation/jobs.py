from dagster import AssetSelection, define_asset_job, in_process_executor

from orchestration.automation.freshness import freshness_checks

# Every step in one process, one after another: DuckDB admits one writer per file, and
# the write lock (resources.py) also queues other runs behind this one.
WRITER_TAG = {"modu/writer": "build_db"}

nightly_refresh = define_asset_job(
    name="nightly_refresh",
    # Every asset and check but the freshness checks, which run hourly in their own job (freshness.py).
    selection=AssetSelection.all() - AssetSelection.checks(*freshness_checks),
    executor_def=in_process_executor,
    tags=WRITER_TAG,
    description="Ingest every raw source, dbt build (tests as checks), publish the marts.",
)
