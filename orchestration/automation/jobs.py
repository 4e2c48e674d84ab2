from dagster import AssetSelection, define_asset_job, in_process_executor

# Every step in one process, one after another: DuckDB admits one writer per file, and
# the write lock (resources.py) also queues other runs behind this one.
WRITER_TAG = {"modu/writer": "build_db"}

nightly_refresh = define_asset_job(
    name="nightly_refresh",
    selection=AssetSelection.all(),
    executor_def=in_process_executor,
    tags=WRITER_TAG,
    description="Ingest every raw source, dbt build (tests as checks), publish the marts.",
)
