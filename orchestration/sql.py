"""Putting values into SQL text where DuckDB cannot bind them as parameters.

DuckDB binds values of queries as parameters (`?`), and modu does so everywhere it
can. A few places take text that parameters cannot reach: file paths inside table
functions of DDL (CREATE VIEW ... read_parquet('<path>')), COPY targets, names of
tables. They go through this one helper, so quoting is written once.
"""

from __future__ import annotations

from pathlib import Path


def literal(value: str | Path) -> str:
    """A SQL string literal: single quotes doubled."""
    return "'" + str(value).replace("'", "''") + "'"


def identifier(name: str) -> str:
    """A quoted SQL identifier: double quotes doubled."""
    return '"' + name.replace('"', '""') + '"'


def qualified(schema: str, table: str) -> str:
    return f"{identifier(schema)}.{identifier(table)}"


def split_statements(text: str) -> list[str]:
    """The statements of a .sql file, split at a line that ends with ';' (no ';' inside a
    line's string literals is mistaken for an end)."""
    statements, current = [], []
    for line in text.splitlines():
        current.append(line)
        if line.rstrip().endswith(";"):
            statement = "\n".join(current).strip().rstrip(";").strip()
            if statement and not all(l.strip().startswith("--") or not l.strip() for l in current):
                statements.append(statement)
            current = []
    tail = "\n".join(current).strip()
    if tail and not all(l.strip().startswith("--") or not l.strip() for l in current):
        statements.append(tail)
    return statements
