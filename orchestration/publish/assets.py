"""Publishing, as three steps after the marts were built and checked.

- serving/release: the release's files (every mart and published audit table as
  Parquet, with descriptions.json), serving/current switched to it, the DuckDB catalog
  for BI tools, old releases pruned. Its check reads the release back. The same step
  materialises metrics/<metric> (group metrics, downstream of the release and of the marts
  each reads): the semantic layer's metrics, computed by MetricFlow's SQL from the release's
  marts while its folder is written (semantic/publish.py), so a release is never served
  without the metrics of its own marts.
- serving/postgres: the Postgres endpoint of `make serve` (if it runs) swaps the release
  in, in one transaction. A failed load is a failed blocking check: the run fails, and
  every failed run alerts; the endpoint keeps its previous release meanwhile.
- serving/report: serving/report.html redrawn from the release. A report that cannot be
  drawn fails its check the same way.

The release goes out first and stands on its own: a Postgres or report failure after it
is told, never hidden, and does not take the release back.
"""

import json
from collections.abc import Sequence
from pathlib import Path

from dagster import (
    AssetCheckKey,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    AssetsDefinition,
    MaterializeResult,
    MetadataValue,
    ResourceParam,
    asset,
    multi_asset,
)

from orchestration import versions, warehouse
from orchestration.check_outcomes import outcomes_of_run
from orchestration.publish import descriptions
from orchestration.publish.release import (
    PUBLISHED_SCHEMAS,
    current_release,
    new_release_id,
    prune,
    switch_current,
    write_catalog,
    write_release,
)
from orchestration.publish.run_summary import RUN_SUMMARIES, record, summarize
from orchestration.semantic import manifest as semantic_manifest
from orchestration.settings import Settings
from orchestration.transform.dbt_run import manifest as dbt_manifest

# ingested_files: which landed files each release counts from, and their line accounting (the report names them).
AUDIT_TABLES = ("audit.rejected_rows", "audit.ingested_files", "audit.dq_results", RUN_SUMMARIES)
RELEASE_KEY = AssetKey(["serving", "release"])
POSTGRES_KEY = AssetKey(["serving", "postgres"])
REPORT_KEY = AssetKey(["serving", "report"])


def _release_readable(s: Settings, release_id: str, counts: dict[str, int]) -> AssetCheckResult:
    """The served release is this one, its files hold the rows counted, the catalog answers."""
    problems = []
    served = current_release(s.serving_dir)
    if served is None or served["release_id"] != release_id:
        problems.append(f"serving/current names {served and served['release_id']}, not {release_id}")
    con = warehouse.duckdb_connect(s, s.catalog_db, read_only=True)
    try:
        for table, rows in counts.items():
            found = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            if found != rows:
                problems.append(f"{table}: the catalog reads {found} rows, the release wrote {rows}")
        undescribed = con.execute(
            "SELECT count(*) FROM duckdb_views() WHERE database_name = 'modu' AND list_contains(?, schema_name) "
            "AND comment IS NULL", [list(PUBLISHED_SCHEMAS)]).fetchone()[0]
    finally:
        con.close()
    if undescribed:
        problems.append(f"{undescribed} published view(s) carry no description")
    return AssetCheckResult(
        check_name="release_is_served_whole", passed=not problems, severity=AssetCheckSeverity.ERROR,
        description="; ".join(problems) or f"serving/current and the catalog serve {release_id}, every table whole",
        metadata={"tables": len(counts), "problems": MetadataValue.json(problems)},
    )


def metric_specs(mart_keys: Sequence[AssetKey]) -> list[AssetSpec]:
    """One asset per metric of the semantic manifest (read as JSON: metricflow is not imported here)."""
    known = {".".join(key.path[-2:]): key for key in mart_keys}
    regions = known["marts.dim_region"]  # every metric view carries the region's names
    return [
        AssetSpec(
            key=AssetKey([semantic_manifest.SCHEMA, metric.name]),
            group_name="metrics",
            deps=[RELEASE_KEY, *dict.fromkeys([*(known[m] for m in metric.marts), regions])],
            kinds={"parquet", "duckdb"},
            description=(f"{metric.label}: {metric.description} In each release as metrics.{metric.name}, one row per "
                         f"region x {metric.grain}, computed by MetricFlow's SQL from the release's marts."),
        )
        for metric in semantic_manifest.metrics(semantic_manifest.read())
    ]


def build_publish_assets(mart_keys: Sequence[AssetKey]) -> list[AssetsDefinition]:
    tables = [".".join(key.path[-2:]) for key in mart_keys] + list(AUDIT_TABLES)
    metrics = metric_specs(mart_keys)

    @multi_asset(
        name="serving__release",
        specs=[
            AssetSpec(
                key=RELEASE_KEY,
                group_name="serving",
                deps=list(mart_keys),
                kinds={"parquet", "duckdb"},
                description=(
                    "The published marts: one Parquet file per mart and published audit table in a new release "
                    "folder (with descriptions.json), the metrics of the semantic layer computed from them, "
                    "serving/current switched to it atomically, and serving/modu.duckdb (views with descriptions) "
                    "for BI tools. Runs only after every mart was built and its blocking checks passed."
                ),
            ),
            *metrics,
        ],
        check_specs=[AssetCheckSpec("release_is_served_whole", asset=RELEASE_KEY)],
        # A run may select the release alone (publish the marts again) or some metrics: either
        # way a whole release is published, metrics included; what was selected is reported.
        can_subset=True,
    )
    def release(context: AssetExecutionContext, settings: ResourceParam[Settings]):
        from orchestration.semantic.publish import inputs_version, write_metrics

        s = settings
        release_id = new_release_id(context.run.run_id)
        served = s.serving_dir / "current"
        previous = served.resolve() if served.is_symlink() else None  # for "what changed tonight" and the metrics
        about = descriptions.from_manifest(dbt_manifest(), tables)
        with warehouse.write_lock(s, context.log.info):
            with warehouse.connect(s) as con:
                summary = summarize(con, context.run.run_id, release_id, [t for t in tables if t.startswith("marts.")],
                                    previous, outcomes_of_run(context.instance, context.run.run_id))
                record(con, summary)  # into audit.run_summaries, published with the release below
                table_versions = versions.read_all(con)
            # Metrics computed from the served release's very marts are linked from it, not computed.
            inputs = inputs_version(semantic_manifest.SEMANTIC_MANIFEST,
                                    {t: table_versions.get(t) for t in tables if t.startswith("marts.")})
            metrics_from: list[str | None] = []  # the release the metrics were linked from; None: computed

            def derive(folder: Path) -> tuple[dict[str, int], dict[str, dict]]:
                counts, described, linked = write_metrics(folder, s, inputs=inputs, previous=previous)
                metrics_from.append(linked)
                return counts, described

            new = write_release(s.build_db, s.serving_dir, release_id, tables, built_on=s.target,
                                descriptions=about, duckdb_config=s.duckdb_config(), versions=table_versions,
                                derive=derive)
        switch_current(s.serving_dir, new)
        write_catalog(s.serving_dir, new, s.catalog_db, s.duckdb_config())
        pruned = prune(s.serving_dir, s.keep_releases)
        linked_from = metrics_from[0]
        context.log.info(f"published release {release_id} ({len(new.tables)} tables; metrics "
                         + (f"linked from release {linked_from}, whose marts are the same" if linked_from
                            else "computed from its marts") + f"); pruned {len(pruned)}")
        selected = context.selected_asset_keys
        if RELEASE_KEY in selected:
            yield MaterializeResult(
                asset_key=RELEASE_KEY,
                metadata={
                    "release_id": release_id,
                    "built_on": s.target,
                    "release_folder": MetadataValue.path(str(new.folder)),
                    "catalog": MetadataValue.path(str(s.catalog_db)),
                    "rows": MetadataValue.json(new.tables),
                    "pruned_releases": MetadataValue.json(pruned),
                    "what_changed": MetadataValue.md(summary.markdown()),
                    **summary.as_metadata(),
                }
            )
        for spec in metrics:  # after the release they depend on (Dagster wants them in that order)
            if spec.key in selected:
                table = ".".join(spec.key.path)
                yield MaterializeResult(asset_key=spec.key, metadata={
                    "release_id": release_id, "table": table, "rows": new.tables[table],
                    "file": MetadataValue.path(str(new.folder / f"{table}.parquet")),
                    # carried over: the same file as the served release's, computed from the same marts
                    **({"modu/carried_over_from_release": linked_from} if linked_from else {}),
                })
        if AssetCheckKey(RELEASE_KEY, "release_is_served_whole") in context.selected_asset_check_keys:
            yield _release_readable(s, release_id, new.tables)

    @asset(
        key=POSTGRES_KEY,
        group_name="serving",
        deps=[RELEASE_KEY],
        kinds={"postgres"},
        description=(
            "The Postgres endpoint of `make serve` serving the new release: loaded and swapped in, in one "
            "transaction, when the server runs; skipped (and said so) when it does not."
        ),
        check_specs=[AssetCheckSpec("postgres_serves_the_release", asset=POSTGRES_KEY, blocking=True)],
    )
    def postgres_release(context: AssetExecutionContext, settings: ResourceParam[Settings]):
        from orchestration.publish import postgres  # psycopg and pyarrow: loaded when a night runs

        s = settings
        folder = (s.serving_dir / "current").resolve()
        pg = postgres.publish(s, folder, log=context.log.info)
        yield MaterializeResult(metadata={"postgres": MetadataValue.json(pg), "postgres_status": pg["status"]})
        failed = pg["status"] == "failed"
        yield AssetCheckResult(
            check_name="postgres_serves_the_release", passed=not failed, severity=AssetCheckSeverity.ERROR,
            description=(f"the endpoint keeps its previous release: {pg.get('error')}" if failed
                         else f"postgres endpoint: {pg['status']}" + (f" ({pg['reason']})" if pg.get("reason") else "")),
            metadata={"status": pg["status"], "endpoint": pg.get("endpoint", "")},
        )

    @asset(
        key=REPORT_KEY,
        group_name="serving",
        deps=[RELEASE_KEY],
        kinds={"html"},
        description="serving/report.html: the static report of the race, redrawn from the new release; opens from disk.",
        check_specs=[AssetCheckSpec("report_shows_the_release", asset=REPORT_KEY, blocking=True)],
    )
    def report(context: AssetExecutionContext, settings: ResourceParam[Settings]):
        from orchestration.publish.report import write_report  # fonts and charts: loaded when a night runs

        s = settings
        folder = (s.serving_dir / "current").resolve()
        release_id = json.loads((folder / "release.json").read_text(encoding="utf-8"))["release_id"]
        try:
            marks = write_report(folder, s.report_html, s)
            error = None
        except Exception as err:  # noqa: BLE001 - the release is out; a broken report is a failed check, not a hidden one
            context.log.error(f"serving/report.html was not redrawn: {err!r}")
            s.report_html.unlink(missing_ok=True)  # never leave a report of an earlier release standing
            marks, error = {}, repr(err)[:500]
        yield MaterializeResult(metadata={"report": MetadataValue.path(str(s.report_html)),
                                          "report_marks": MetadataValue.json(marks)})
        shows = error is None and release_id in s.report_html.read_text(encoding="utf-8")
        yield AssetCheckResult(
            check_name="report_shows_the_release", passed=shows, severity=AssetCheckSeverity.ERROR,
            description=(f"report.html was not redrawn: {error}" if error
                         else f"report.html shows release {release_id}" if shows
                         else f"report.html does not name release {release_id}"),
        )

    return [release, postgres_release, report]
