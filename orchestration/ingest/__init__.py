"""Ingest: landed files -> typed rows in the build database's `raw` schema."""
