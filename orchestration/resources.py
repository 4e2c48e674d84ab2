"""The resources of the code location: the settings (settings.py) and the dbt CLI.

Every step receives the one Settings object read in settings.py (as the resource
`settings`), so no field is copied into a resource class or silently defaulted
there. The build database is reached through orchestration/warehouse.py.
"""

from __future__ import annotations

from functools import cached_property
from importlib.metadata import version as package_version

from dagster_dbt import DbtCliResource
from packaging.version import Version

from orchestration.settings import DBT_LAUNCHER, DBT_PROJECT_DIR, Settings


class ModuDbtCliResource(DbtCliResource):
    """The dbt CLI without the two things dagster-dbt does in the step's own process before
    each invocation, each over a second a night:

    - it runs `dbt --version` to learn the executable's version: modu runs the dbt of its
      own environment (through settings.DBT_LAUNCHER), whose version is the installed dbt-core's;
    - it loads dbt's profile and project for an adapter that only its metadata helpers use:
      modu reads row counts and schemas itself once dbt has let go of the database
      (transform/dbt_run.py table_metadata), so the adapter is never made.
    """

    @cached_property
    def _cli_version(self) -> Version:
        return Version(package_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):  # noqa: ARG002 - the hook dagster-dbt calls
        return None


def resources(settings: Settings) -> dict[str, object]:
    return {
        "settings": settings,
        "dbt": ModuDbtCliResource(project_dir=str(DBT_PROJECT_DIR), profiles_dir=str(DBT_PROJECT_DIR),
                                  dbt_executable=DBT_LAUNCHER),
    }
