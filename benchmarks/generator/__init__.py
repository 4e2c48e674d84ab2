"""Deterministic generator of SYNTHETIC raw files for modu, with their ground truth.

Two products, one machinery:

- national data (`python -m benchmarks.generate_data --scale S --out DIR`): a landing
  folder of the four sources at national scale, with the mess real exports carry and
  a `truth/` folder that says, by construction, what a warehouse following the
  raw-source contract must make of it (national.py);
- the shipped registry sample (`--sample raw/enterprises`): one gzip file whose AI
  enterprise counts equal the article's published figures (sample.py).

Modules, one job each:

    seeds.py        reads the dbt seeds (regions, aliases, keywords, vocabularies, units)
    regions.py      the contract's reading of region names: forms a row may carry and what they resolve to
    words.py        made-up names, business scopes and other filler, built around the seed keywords
    calibration.py  published targets, year-by-year paths and the cohorts that hit them exactly
    plan.py         how many rows of which kind, at a scale
    sql.py          DuckDB macros and SQL helpers (every random choice is a hash of a row id)
    registry.py     the registry table (one row per line, numbers only)
    registry_format.py  how a registry row is written (text of every column)
    registry_write.py   registry files, their physical line numbers and rejected rows
    finishing.py    gzip, GB18030, CRLF, BOM and placeholder line breaks, streaming
    policies.py, compute.py, indicators.py   the other three sources
    truth.py        the ground truth folder
    markdown.py     GENERATED.md
    national.py     the national run
    sample.py       the shipped sample
    cli.py          the command line
"""
