"""The modu code location: assembles the assets, checks, job, schedule and sensor."""

from __future__ import annotations

from dagster import Definitions

from orchestration import settings
from orchestration.automation.alerts import run_failure_alert_sensor
from orchestration.automation.freshness import freshness_checks, freshness_job, freshness_schedule
from orchestration.automation.jobs import nightly_refresh
from orchestration.automation.schedules import nightly_schedule
from orchestration.automation.sensors import raw_drop_sensor
from orchestration.ingest.assets import ingest_assets
from orchestration.publish.assets import build_publish_assets
from orchestration.quality.checks import gx_checks
from orchestration.resources import resources
from orchestration.transform.dbt_assets import modu_dbt_assets

MART_KEYS = sorted((key for key in modu_dbt_assets.keys if key.path[0] == "marts"), key=lambda k: k.path)


def build_definitions(s: settings.Settings) -> Definitions:
    return Definitions(
        assets=[*ingest_assets, modu_dbt_assets, *build_publish_assets(MART_KEYS)],
        asset_checks=[*gx_checks, *freshness_checks],
        jobs=[nightly_refresh, freshness_job],
        schedules=[nightly_schedule, freshness_schedule],
        sensors=[raw_drop_sensor, run_failure_alert_sensor],
        resources=resources(s),
    )


defs = build_definitions(settings.load())
