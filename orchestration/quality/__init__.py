"""Quality: Great Expectations suites (expectations/*.json) as Dagster asset checks."""
