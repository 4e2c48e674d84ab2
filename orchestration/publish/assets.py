"""The publish asset: release the marts once dbt has built and tested them."""


from collections.abc import Sequence

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, MaterializeResult, MetadataValue, asset

from orchestration.publish.release import new_release_id, prune, switch_current, write_catalog, write_release
from orchestration.resources import WarehouseResource

AUDIT_TABLES = ("audit.rejected_rows", "audit.dq_results")


def build_publish_asset(mart_keys: Sequence[AssetKey]) -> AssetsDefinition:
    tables = [".".join(key.path[-2:]) for key in mart_keys] + list(AUDIT_TABLES)

    @asset(
        key=AssetKey(["serving", "release"]),
        group_name="serving",
        deps=list(mart_keys),
        kinds={"parquet", "duckdb"},
        description=(
            "The published marts: one Parquet file per mart in a new release folder, "
            "serving/current switched to it atomically, and serving/modu.duckdb (views) for BI tools. "
            "Runs only after every mart was built and its blocking checks passed."
        ),
    )
    def release(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
        s = warehouse.settings
        release_id = new_release_id(context.run.run_id)
        with warehouse.write_lock(context.log.info):
            new = write_release(s.build_db, s.serving_dir, release_id, tables)
        switch_current(s.serving_dir, new)
        write_catalog(s.serving_dir, new, s.catalog_db)
        pruned = prune(s.serving_dir, warehouse.keep_releases)
        context.log.info(f"published release {release_id} ({len(new.tables)} tables); pruned {len(pruned)}")
        return MaterializeResult(
            metadata={
                "release_id": release_id,
                "release_folder": MetadataValue.path(str(new.folder)),
                "catalog": MetadataValue.path(str(s.catalog_db)),
                "rows": MetadataValue.json(new.tables),
                "pruned_releases": MetadataValue.json(pruned),
            }
        )

    return release
