"""Reading a landed JSON-lines file into rows that know their physical line.

One JSON object per line: a JSON string cannot hold a raw line break, so every
physical line is one row (no header: the first line is line 1). Leaves the same as
csv_reading.py: `landed` (`_line`, `_extra`, one VARCHAR per key, `topics` as JSON)
and the lines that hold no JSON object as structural rejects.
"""

from __future__ import annotations

import duckdb

from orchestration.errors import UnreadableFile
from orchestration.ingest.files import LandedFile
from orchestration.ingest.reading import FileRead
from orchestration.ingest.sources import Source
from orchestration.sql import literal

def read_jsonl_file(con: duckdb.DuckDBPyConnection, source: Source, landed: LandedFile) -> FileRead:
    readable, gzipped = landed.readable, landed.readable_gzipped
    # One VARCHAR per physical line: no delimiter or quote can split it, and empty lines
    # stay in place (as NULL), so row order is line order.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE modu_lines AS
        SELECT _line, text,
            -- CASE, not AND: DuckDB may evaluate json_type on a line json_valid rejected. Valid
            -- JSON that begins with '{{' is an object: json_type parses only the other lines again.
            CASE WHEN NOT json_valid(text) THEN false WHEN starts_with(text, '{{') THEN true
                 ELSE json_type(text) = 'OBJECT' END AS is_object
        FROM (SELECT row_number() OVER () AS _line, column0 AS text
              FROM read_csv({literal(readable)}, header = false, columns = {{'column0': 'VARCHAR'}},
                            delim = chr(30), quote = '', escape = '', auto_detect = false, strict_mode = false,
                            compression = {literal('gzip' if gzipped else 'none')}))
        -- A line that opens an object is not blank; trim, slow over long text, runs on the others.
        WHERE CASE WHEN starts_with(text, '{{') THEN true ELSE trim(text) <> '' END""")
    objects, lines = con.execute("SELECT count(*) FILTER (WHERE is_object), count(*) FROM modu_lines").fetchone()
    if lines > 0 and objects == 0:
        raise UnreadableFile(landed.path, "has no line that is a JSON object: not JSON lines")
    structural = dict(con.execute("""
        SELECT _line, CASE WHEN json_valid(text) THEN 'not a JSON object (one object per line expected)'
                           ELSE 'not valid JSON' END
        FROM modu_lines WHERE NOT is_object""").fetchall())
    # One JSON parse per line: the string keys are read by one json_extract_string over
    # all their paths (one call per key parsed the line once per key, 4x slower), into a
    # table, as the parse reads the fields more than once. json_extract_string gives the
    # text of strings and the JSON text of numbers (2020 -> '2020').
    texts = [f for f in source.fields if not f.json_list]
    paths = "[" + ", ".join(literal("$." + f.name) for f in texts) + "]"
    by_name = {f.name: f"texts[{i}]" for i, f in enumerate(texts, start=1)}
    by_name.update({f.name: f"json_extract(text, {literal('$.' + f.name)})" for f in source.fields if f.json_list})
    columns = ", ".join(f"{by_name[f.name]} AS {f.name}" for f in source.fields)
    con.execute(f"CREATE OR REPLACE TEMP TABLE modu_json_fields AS SELECT _line, NULL::JSON AS _extra, {columns} "
                f"FROM (SELECT _line, text, json_extract_string(text, {paths}) AS texts FROM modu_lines WHERE is_object)")
    con.execute("CREATE OR REPLACE TEMP VIEW landed AS SELECT * FROM modu_json_fields")

    def raw_of(starts: list[int]) -> dict[int, str]:
        # A semi join: list_contains looked through the whole list for every line (12x slower).
        return dict(con.execute("SELECT _line, text FROM modu_lines WHERE _line IN (SELECT unnest(?::BIGINT[]))",
                                [starts]).fetchall())

    return FileRead("json_lines", objects, structural, raw_of)
