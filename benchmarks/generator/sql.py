"""DuckDB macros and small SQL helpers.

Every random choice is u(row id, salt, n) = hash(id, salt, seed) mod n, never random()
or setseed (which depend on thread scheduling), so the bytes written depend on (scale,
seed) only. Generated SQL embeds only values the generator made itself (seed values,
dates, numbers, its own word lists), quoted by sql_str.
"""

from __future__ import annotations

import datetime as dt
import os

# Placeholders DuckDB writes verbatim (it quotes a value holding a real line break);
# the finisher turns them into line breaks (finishing.py).
LF, CRLF, EOL = "\x02", "\x03", "\x04"  # a line break inside quotes: LF, CR LF; a blank line: the file's own ending


def sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def sql_list(items) -> str:
    return "[" + ", ".join(sql_str(str(x)) for x in items) + "]"


def sql_int_list(items) -> str:
    return "[" + ", ".join(str(int(x)) for x in items) + "]"


def sql_date(d: dt.date) -> str:
    return f"DATE '{d.isoformat()}'"


def rdate(idexpr: str, salt: int, lo: dt.date, hi: dt.date) -> str:
    return f"({sql_date(lo)} + u({idexpr}, {salt}, {(hi - lo).days + 1})::INTEGER)"


def rdate_recent(idexpr: str, salt: int, lo: dt.date, hi: dt.date) -> str:
    """A date in [lo, hi], denser towards hi (sqrt of a uniform)."""
    span = (hi - lo).days
    return f"({sql_date(lo)} + floor(sqrt(u({idexpr}, {salt}, 1000000) / 1000000.0) * {span + 1})::INTEGER)"


def macros_sql(seed: int) -> str:
    return f"""
CREATE OR REPLACE MACRO u(i, salt, n) AS (hash(CAST(i AS BIGINT), CAST(salt AS BIGINT), CAST({int(seed)} AS BIGINT)) % CAST(n AS UBIGINT))::BIGINT;
CREATE OR REPLACE MACRO pick(lst, h) AS lst[1 + (h % len(lst))];
CREATE OR REPLACE MACRO q(x) AS CASE WHEN x IS NULL THEN ''
    WHEN contains(x, ',') OR contains(x, '"') OR contains(x, '{LF}') OR contains(x, '{CRLF}')
    THEN '"' || replace(x, '"', '""') || '"' ELSE x END;
CREATE OR REPLACE MACRO fdate(d, f) AS CASE WHEN d IS NULL THEN NULL
    WHEN f = 0 THEN strftime(d, '%Y-%m-%d') WHEN f = 1 THEN strftime(d, '%Y/%m/%d')
    WHEN f = 2 THEN strftime(d, '%Y.%m.%d')
    ELSE year(d)::VARCHAR || '年' || month(d)::VARCHAR || '月' || day(d)::VARCHAR || '日' END;
CREATE OR REPLACE MACRO fmonth(d, f) AS CASE WHEN f = 0 THEN strftime(d, '%Y-%m')
    ELSE year(d)::VARCHAR || '年' || month(d)::VARCHAR || '月' END;
"""


def connect(threads: int | None, seed: int, temp_dir=None):
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads = {int(threads or min(4, os.cpu_count() or 1))}")
    con.execute("SET memory_limit = '1500MB'")
    if temp_dir is not None:
        con.execute(f"SET temp_directory = {sql_str(str(temp_dir))}")
    con.execute("SET preserve_insertion_order = true")
    con.execute(macros_sql(seed))
    return con


def load_table(con, name: str, columns: dict[str, list]) -> None:
    """A small Python-built table into DuckDB (region lists, cohorts, slots)."""
    import pyarrow as pa

    # lists are lists of text, even when every one of them is empty (arrow would guess list<null>)
    arrays = {k: pa.array(v, type=pa.list_(pa.string())) if v and isinstance(v[0], list) else v
              for k, v in columns.items()}
    con.register(f"{name}_arrow", pa.table(arrays))
    con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {name}_arrow")
    con.unregister(f"{name}_arrow")


def copy_lines(con, select_sql: str, header: str | None, dest) -> None:
    """Write pre-formatted lines: one VARCHAR column whose name is the header line (no header for
    JSON lines). Delimiter and quote are control characters no value contains, so DuckDB writes
    each line verbatim."""
    column = '"' + header.replace('"', '""') + '"' if header is not None else "line"
    con.execute(f"""COPY (SELECT line AS {column} FROM ({select_sql})) TO {sql_str(str(dest))}
        (FORMAT csv, HEADER {'true' if header is not None else 'false'}, DELIMITER '\x1f', QUOTE '\x01',
         ESCAPE '\x01')""")
