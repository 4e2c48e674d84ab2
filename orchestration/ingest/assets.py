"""One Dagster asset per raw source: landing folder -> raw.<source> in the build database."""


from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
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
from orchestration.ingest.loader import ingest_source
from orchestration.ingest.lookups import create_lookups
from orchestration.ingest.sources import SOURCES, Source
from orchestration.retries import retry_transient
from orchestration.settings import Settings


def _build_ingest_asset(source: Source) -> AssetsDefinition:
    pattern = " or ".join(f"*{s}" for s in source.suffixes)

    @asset(
        key=AssetKey(["raw", source.name]),
        group_name="raw",
        kinds={"duckdb", "python"},
        description=(
            f"Files `{source.folder}/{pattern}` of the landing folder, decoded, parsed and "
            f"resolved into raw.{source.name} (also written as Parquet for dbt's sources); "
            "rows that fail go to audit.rejected_rows."
        ),
        tags={"modu/layer": "raw"},
    )
    def ingest(context: AssetExecutionContext, settings: ResourceParam[Settings]) -> MaterializeResult:
        s = settings
        # A held DuckDB lock or an interrupted read is tried again; anything else fails at once.
        with retry_transient(context), warehouse.write_lock(s, context.log.info), warehouse.connect(s, keep_order=True) as con:
            create_lookups(con)
            try:
                report = ingest_source(con, source, s.raw_dir, s.scratch_dir, context.log.info, parquet_dir=s.raw_parquet_dir)
            except UnreadableFile as exc:
                raise Failure(
                    description=f"{source.name} ingest stopped, nothing of it changed: {exc}",
                    allow_retries=False,
                ) from exc
            columns = con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'raw' AND table_name = ? ORDER BY ordinal_position",
                [source.name],
            ).fetchall()
        meta = report.as_metadata()
        files = meta.pop("files")
        table = "| file | status | encoding | lines | kept | rejected |\n|---|---|---|---|---|---|\n" + "\n".join(
            f"| {f['file']} | {f['status']} | {f['encoding']} | {f['data_lines']} | {f['kept']} | {f['rejected']} |"
            for f in files
        )
        return MaterializeResult(
            metadata={
                **{k: v for k, v in meta.items() if v is not None},
                "dagster/row_count": report.table_rows,
                "dagster/column_schema": TableSchema(columns=[TableColumn(n, t) for n, t in columns]),
                "files": MetadataValue.md(table if files else "no files landed"),
            }
        )

    return ingest


ingest_assets = [_build_ingest_asset(source) for source in SOURCES.values()]
