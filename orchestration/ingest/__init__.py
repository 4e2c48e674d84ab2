"""Ingest: landed files -> the raw layer (one Parquet file per landed file, warehouse/raw/).

In the order a file meets them: files.py (find, fingerprint, decode to UTF-8),
csv_reading.py / jsonl_reading.py (rows with their physical line; reading.py is what
both leave behind), sources.py and sql/<source>.sql (the parse of each source, with the
shared macros of sql/parsing.sql and sql/regions.sql over the seeds of lookups.py),
raw_store.py (the Parquet files and the raw.<source> views), loader.py (plans a source's
files, loads them, commits the bookkeeping at once) and assets.py (one Dagster asset per
source).
"""
