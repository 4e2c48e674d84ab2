"""The semantic layer: the metrics dbt parses from the marts' YAML, answered by MetricFlow.

    manifest.py  what the semantic manifest says (plain JSON: metrics, their grain and marts),
                 its validation by MetricFlow
    engine.py    MetricFlow over a DuckDB connection: the catalog of the current release, or a
                 release's own files while it is being written
    rules.py     what MetricFlow cannot forbid and modu refuses (adding regions that nest)
    publish.py   the release's `metrics` schema: one table per metric at its standard grain,
                 computed with MetricFlow's own SQL
    cli.py       `python -m orchestration.cli metrics` (`make metrics ARGS=...`)

Only manifest.py is imported while the Dagster definitions load; metricflow itself is
imported by the others, inside the step or the command that needs it.
"""
