"""Registry files, and what the truth must say about them: lines per file, rejected rows with
their physical line, and the shared region names each USCC resolves.

A record's first physical line (CSV header = line 1, blank lines and line breaks inside
quotes counted) is 1 + the lines of every record before it + its own blank lines + 1;
with upto = the running sum of (pre + 1 + nl) over the file's records in written order
(including its own), that is upto - nl + 1.
"""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks.generator.finishing import GZIP_LEVEL, Finisher
from benchmarks.generator.registry import BAD_KINDS
from benchmarks.generator.registry_format import RegistryFile, line_sql
from benchmarks.generator.sql import copy_lines, sql_str

SOURCE = "enterprises"


def write_files(con, files: tuple[RegistryFile, ...], folder: Path, finisher: Finisher, log,
                level: int = GZIP_LEVEL, order: str = "sk, id", where: str = "true") -> None:
    for i, f in enumerate(files):
        t0 = time.time()
        target = folder / f.name
        header = ("\ufeff" if f.encoding == "utf-8-sig" else "") + f.header_line()
        dest = finisher.staging(target)
        copy_lines(con, f"SELECT {line_sql(f)} AS line FROM reg_fmt WHERE file_no = {i} AND {where} ORDER BY {order}",
                   header, dest)
        finisher.finish(dest, target, gz=f.gzip, encoding=f.encoding, crlf=f.crlf, level=level)
        log(f"  {SOURCE}/{f.name}: written by DuckDB ({time.time() - t0:.1f}s), finishing in the background")


def record_truth(con, files: tuple[RegistryFile, ...], order: str = "sk, id", where: str = "true") -> None:
    """Fill truth_files, truth_rejected and truth_region_forms for the registry files."""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE reg_pos AS
        SELECT id, file_no, bad, nl, pre,
            sum(pre + 1 + nl) OVER (PARTITION BY file_no ORDER BY {order} ROWS UNBOUNDED PRECEDING) AS upto
        FROM reg_base WHERE {where}""")
    names = "[" + ", ".join(sql_str(f"{SOURCE}/{f.name}") for f in files) + "]"
    con.execute(f"""INSERT INTO truth_files
        SELECT '{SOURCE}', {names}[file_no + 1], 1 + sum(pre + 1 + nl), sum(pre), count(*),
            count(*) FILTER (WHERE bad = 0), count(*) FILTER (WHERE bad > 0)
        FROM reg_pos GROUP BY file_no""")
    reason = "CASE p.bad " + " ".join(f"WHEN {k} THEN {sql_str(c)}" for k, (c, _) in BAD_KINDS.items()) + " END"
    field = "CASE p.bad " + " ".join(f"WHEN {k} THEN {sql_str(f)}" for k, (_, f) in BAD_KINDS.items()) + " END"
    con.execute(f"""INSERT INTO truth_rejected
        SELECT '{SOURCE}', {names}[p.file_no + 1], p.upto - p.nl + 1, {reason}, {field},
            CASE f.bad WHEN 1 THEN f.uscc WHEN 2 THEN f.registered_on WHEN 3 THEN f.deregistered_on
                       WHEN 4 THEN f.region WHEN 5 THEN f.region WHEN 6 THEN f.scope_unquoted
                       WHEN 7 THEN f.registered_capital WHEN 8 THEN f.deregistered_on ELSE '' END,
            coalesce(f.candidates, '')
        FROM reg_pos p
        JOIN (SELECT id, bad, uscc, region, candidates, registered_on, deregistered_on, registered_capital,
                     scope_unquoted FROM reg_fmt WHERE bad > 0 AND {where}) f USING (id)
        WHERE p.bad > 0""")
    con.execute(f"""INSERT INTO truth_region_forms
        SELECT '{SOURCE}', region, 'uscc division ' || code, code, 'uscc_division_code', count(*)
        FROM reg_fmt WHERE fk = 1 AND bad = 0 AND {where} GROUP BY region, code""")
    con.execute("DROP TABLE reg_pos")
