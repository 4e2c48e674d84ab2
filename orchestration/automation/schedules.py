from dagster import DefaultScheduleStatus, ScheduleDefinition

from orchestration.automation.jobs import nightly_refresh

nightly_schedule = ScheduleDefinition(
    name="nightly_refresh_schedule",
    job=nightly_refresh,
    cron_schedule="0 2 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=DefaultScheduleStatus.RUNNING,
    description="The nightly refresh at 02:00 China Standard Time.",
)
