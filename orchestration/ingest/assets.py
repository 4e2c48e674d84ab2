"""One Dagster asset per raw source: landing folder -> its raw layer (Parquet, one file per landed file)."""

import os

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    DataVersion,
    Failure,
    MaterializeResult,
    MetadataValue,
    ResourceParam,
    TableColumn,
    TableSchema,
    asset,
)

from orchestration import warehouse
from orchestration.errors import UnreadableFile
from orchestration.ingest.sources import LINEAGE_COLUMNS, SOURCES, Source
from orchestration.retries import retry_transient
from orchestration.settings import Settings


def _files_table(files: list[dict]) -> str:
    if not files:
        return "no files landed"
    head = "| file | status | encoding | read by | lines | kept | rejected |\n|---|---|---|---|---|---|---|\n"
    return head + "\n".join(
        f"| {f['file']} | {f['status']} | {f['encoding']} | {f['method'] or '-'} | {f['data_lines']} | {f['kept']} "
        f"| {f['rejected']} |" for f in files)


def _build_ingest_asset(source: Source) -> AssetsDefinition:
    pattern = " or ".join(f"*{s}" for s in source.suffixes)

    @asset(
        key=AssetKey(["raw", source.name]),
        group_name="raw",
        kinds={"duckdb", "parquet", "python"},
        description=(
            f"Files `{source.folder}/{pattern}` of the landing folder, decoded, parsed and resolved into "
            f"the raw layer (warehouse/raw/{source.name}/, one Parquet file per landed file, read by dbt's "
            f"sources; raw.{source.name} in the build database is a view of its kept rows); "
            "rows that fail go to audit.rejected_rows."
        ),
        tags={"modu/layer": "raw"},
    )
    def ingest(context: AssetExecutionContext, settings: ResourceParam[Settings]) -> MaterializeResult:
        # Imported when a night runs, not when the definitions load (numpy, pyarrow).
        from orchestration.ingest.loader import ingest_source
        from orchestration.quality.gx_duckdb import import_in_background
        from orchestration.transform import dbt_run, warm_dbt

        s = settings

        def on_new_files() -> None:
            # New files mean GX validates and dbt builds tonight: they start loading during the ingest.
            import_in_background()
            warm_dbt.start(context.run.run_id, {**os.environ, **s.dbt_env()}, s.target, dbt_run.run_target_dir(s))

        # A held DuckDB lock or an interrupted read is tried again; anything else fails at once.
        with retry_transient(context), warehouse.write_lock(s, context.log.info), \
                warehouse.connect(s, keep_order=True) as con:
            try:
                report = ingest_source(con, source, s.raw_dir, s.scratch_dir, s.raw_parquet_dir, context.log.info,
                                       run_id=context.run.run_id, on_new_files=on_new_files)
            except UnreadableFile as exc:
                raise Failure(
                    description=f"{source.name} ingest stopped, nothing of it changed: {exc}",
                    allow_retries=False,
                ) from exc
        meta = report.as_metadata()
        files = meta.pop("files")
        columns = [*source.columns, *LINEAGE_COLUMNS]
        return MaterializeResult(
            metadata={
                **{k: v for k, v in meta.items() if v is not None},
                "dagster/row_count": report.table_rows,
                "dagster/column_schema": TableSchema(columns=[TableColumn(n, t) for n, t in columns]),
                "files": MetadataValue.md(_files_table(files)),
            },
            # The set of landed files behind the raw layer: unchanged when nothing new landed.
            data_version=DataVersion(report.version) if report.version else None,
        )

    return ingest


ingest_assets = [_build_ingest_asset(source) for source in SOURCES.values()]
