"""The modu code location: assembles the assets, checks, jobs, schedules, sensors and loggers."""

from __future__ import annotations

from dagster import Definitions, colored_console_logger

from orchestration import settings
from orchestration.asset_specs import describe_assets
from orchestration.automation.alerts import run_failure_alert_sensor
from orchestration.automation.freshness import freshness_checks, freshness_checks_sensor, freshness_job
from orchestration.automation.jobs import nightly_refresh
from orchestration.automation.run_log import run_log_file_logger, terminal_logger
from orchestration.automation.schedules import nightly_schedule
from orchestration.automation.sensors import raw_drop_sensor
from orchestration.ingest.assets import ingest_assets
from orchestration.ingest.checks import reject_share_checks
from orchestration.publish.assets import build_publish_assets
from orchestration.quality.checks import gx_checks
from orchestration.resources import resources
from orchestration.transform.dbt_assets import modu_dbt_assets

MART_KEYS = sorted((key for key in modu_dbt_assets.keys if key.path[0] == "marts"), key=lambda k: k.path)


def build_definitions(s: settings.Settings) -> Definitions:
    return Definitions(
        # Every asset with its owner, code references and freshness policy (asset_specs.py).
        assets=describe_assets([*ingest_assets, *build_publish_assets(MART_KEYS)], [modu_dbt_assets], s),
        asset_checks=[*reject_share_checks, *gx_checks, *freshness_checks],
        jobs=[nightly_refresh, freshness_job],
        schedules=[nightly_schedule],
        sensors=[raw_drop_sensor, freshness_checks_sensor, run_failure_alert_sensor],
        resources=resources(s),
        # `console` is Dagster's default; `make refresh` configures the other two (run_log.py).
        loggers={"console": colored_console_logger, "terminal": terminal_logger, "run_log_file": run_log_file_logger},
    )


defs = build_definitions(settings.load())
