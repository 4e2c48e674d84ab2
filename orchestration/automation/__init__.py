"""Automation: the nightly job, its schedule and the raw-drop sensor; freshness checks,
failure alerts and retries of transient errors (docs/operations.md)."""
