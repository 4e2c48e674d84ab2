"""modu's Dagster code location: ingest, dbt transform, publish, automation."""
