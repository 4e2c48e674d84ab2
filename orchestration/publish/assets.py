"""The publish asset: release the marts once dbt has built and tested them."""


from collections.abc import Sequence

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, MaterializeResult, MetadataValue, ResourceParam, asset

from orchestration.publish import postgres
from orchestration.publish.release import new_release_id, prune, switch_current, write_catalog, write_release
from orchestration.publish.run_summary import RUN_SUMMARIES, check_results, record, summarize
from orchestration.publish.report import write_report
from orchestration import warehouse
from orchestration.settings import Settings

AUDIT_TABLES = ("audit.rejected_rows", "audit.dq_results", RUN_SUMMARIES)


def build_publish_asset(mart_keys: Sequence[AssetKey]) -> AssetsDefinition:
    tables = [".".join(key.path[-2:]) for key in mart_keys] + list(AUDIT_TABLES)

    @asset(
        key=AssetKey(["serving", "release"]),
        group_name="serving",
        deps=list(mart_keys),
        kinds={"parquet", "duckdb", "postgres"},
        description=(
            "The published marts: one Parquet file per mart in a new release folder, "
            "serving/current switched to it atomically, and serving/modu.duckdb (views) for BI tools; "
            "then the Postgres endpoint of `make serve` (if it runs) swaps the release in, in one transaction, "
            "and serving/report.html is redrawn. "
            "Runs only after every mart was built and its blocking checks passed."
        ),
    )
    def release(context: AssetExecutionContext, settings: ResourceParam[Settings]) -> MaterializeResult:
        s = settings
        release_id = new_release_id(context.run.run_id)
        served = s.serving_dir / "current"  # the release before this one, for "what changed tonight"
        with warehouse.write_lock(s, context.log.info):
            with warehouse.connect(s) as con:
                summary = summarize(con, context.run.run_id, release_id, [t for t in tables if t.startswith("marts.")],
                                    served.resolve() if served.is_symlink() else None,
                                    check_results(context.instance, context.run.run_id))
                record(con, summary)  # into audit.run_summaries, published with the release below
            new = write_release(s.build_db, s.serving_dir, release_id, tables, built_on=s.target)
        switch_current(s.serving_dir, new)
        write_catalog(s.serving_dir, new, s.catalog_db)
        # After the switch: neither may take the release back, so each says what happened instead.
        pg = postgres.publish(s, new.folder, log=context.log.info)
        if pg["status"] == "failed":
            context.log.warning(f"postgres endpoint keeps its previous release: {pg['error']}")
        try:
            marks = write_report(new.folder, s.report_html)
        except Exception as err:  # noqa: BLE001 - the release is out; a broken report must not hide that
            context.log.error(f"serving/report.html was not redrawn: {err!r}")
            marks = {"error": repr(err)[:500]}
        pruned = prune(s.serving_dir, s.keep_releases)
        context.log.info(f"published release {release_id} ({len(new.tables)} tables); pruned {len(pruned)}")
        return MaterializeResult(
            metadata={
                "release_id": release_id,
                "built_on": s.target,
                "release_folder": MetadataValue.path(str(new.folder)),
                "catalog": MetadataValue.path(str(s.catalog_db)),
                "rows": MetadataValue.json(new.tables),
                "pruned_releases": MetadataValue.json(pruned),
                "what_changed": MetadataValue.md(summary.markdown()),
                **summary.as_metadata(),
                "postgres": MetadataValue.json(pg),
                "postgres_status": pg["status"],
                "report": MetadataValue.path(str(s.report_html)),
                "report_marks": MetadataValue.json(marks),
            }
        )

    return release
