"""The resources of the code location: the settings (settings.py) and the dbt CLI.

Every step receives the one Settings object read in settings.py (as the resource
`settings`), so no field is copied into a resource class or silently defaulted
there. The build database is reached through orchestration/warehouse.py.
"""

from __future__ import annotations

from dagster_dbt import DbtCliResource

from orchestration.settings import DBT_EXECUTABLE, DBT_PROJECT_DIR, Settings


def resources(settings: Settings) -> dict[str, object]:
    return {
        "settings": settings,
        "dbt": DbtCliResource(project_dir=str(DBT_PROJECT_DIR), profiles_dir=str(DBT_PROJECT_DIR),
                              dbt_executable=DBT_EXECUTABLE),
    }
