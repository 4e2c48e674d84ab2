"""Transform: the dbt project as Dagster assets."""
