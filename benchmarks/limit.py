"""(c) The limit: benchmarks/limit.sql on a landing folder, DuckDB alone.

    python -m benchmarks.limit --raw DIR --db FILE

Lists the files of the four sources (the suffixes modu reads), copies any file that is
not UTF-8 to UTF-8 first (GB18030, which DuckDB cannot read; the encoding is sniffed on
the first 64 KiB, where modu decodes every byte), loads modu's parsing macros
(orchestration/ingest/parsing.sql) and runs limit.sql into FILE. Prints the seconds of
each statement and the rows of each mart, and one JSON line `LIMIT {...}` at the end.
"""

from __future__ import annotations

import argparse
import codecs
import gzip
import json
import re
import shutil
import time
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
LIMIT_SQL = HERE / "limit.sql"
PARSING_SQL = HERE.parent / "orchestration" / "ingest" / "parsing.sql"
SEEDS_DIR = HERE.parent / "dbt_project" / "seeds"
SOURCES = {  # variable of limit.sql -> (folder, suffixes), as orchestration/ingest/sources.py
    "registry_files": ("enterprises", (".csv", ".csv.gz")),
    "policy_files": ("policies", (".jsonl", ".jsonl.gz")),
    "compute_files": ("compute", (".csv", ".csv.gz")),
    "indicator_files": ("indicators", (".csv", ".csv.gz")),
}
MARTS = ("city_indicators", "policy_timeline", "policy_cadence", "compute_buildout")
SNIFF_BYTES = 64 * 1024


def _open(path: Path):
    with open(path, "rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gzipped else open(path, "rb")


def is_utf8(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    with _open(path) as f:
        try:
            decoder.decode(f.read(SNIFF_BYTES), final=False)
        except UnicodeDecodeError:
            return False
    return True


def utf8_copy(path: Path, scratch: Path) -> Path:
    """GB18030 -> UTF-8 (and gunzipped), streaming; same file name without .gz."""
    scratch.mkdir(parents=True, exist_ok=True)
    target = scratch / path.name.removesuffix(".gz")
    decoder = codecs.getincrementaldecoder("gb18030")("strict")
    with _open(path) as src, open(target, "w", encoding="utf-8", newline="") as dst:
        while chunk := src.read(1 << 20):
            dst.write(decoder.decode(chunk))
        dst.write(decoder.decode(b"", final=True))
    return target


def source_files(raw: Path, scratch: Path) -> dict[str, list[str]]:
    files = {}
    for variable, (folder, suffixes) in SOURCES.items():
        paths = sorted(p for p in (raw / folder).iterdir() if p.is_file() and p.name.endswith(suffixes))
        files[variable] = [str(p if is_utf8(p) else utf8_copy(p, scratch)) for p in paths]
    return files


def _label(sql: str) -> str:
    """'table city_indicators' / 'variable ai_pattern' / the statement's first words."""
    match = re.search(r"\b(TABLE|VARIABLE)\s+(\w+)", sql)
    return f"{match.group(1).lower()} {match.group(2)}" if match else " ".join(sql.split())[:40]


def run(raw: Path, db: Path) -> dict:
    started = time.perf_counter()
    scratch = db.parent / "scratch"
    files = source_files(raw, scratch)
    transcoded = time.perf_counter() - started
    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    timings = []
    try:
        con.execute(PARSING_SQL.read_text(encoding="utf-8"))
        for variable, paths in files.items():
            con.execute(f"SET VARIABLE {variable} = ?", [paths])
        con.execute("SET VARIABLE seeds = ?", [str(SEEDS_DIR)])
        for statement in con.extract_statements(LIMIT_SQL.read_text(encoding="utf-8")):
            t0 = time.perf_counter()
            con.execute(statement)
            label = _label(statement.query)
            timings.append((label, round(time.perf_counter() - t0, 3)))
        rows = {m: con.execute(f"SELECT count(*) FROM {m}").fetchone()[0] for m in MARTS}
    finally:
        con.close()
        shutil.rmtree(scratch, ignore_errors=True)
    return {"seconds": round(time.perf_counter() - started, 3), "sniff_and_transcode_seconds": round(transcoded, 3),
            "statements": timings, "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--raw", type=Path, required=True, help="landing folder (as MODU_RAW_DIR)")
    parser.add_argument("--db", type=Path, required=True, help="DuckDB file to write the marts into")
    args = parser.parse_args()
    args.db.parent.mkdir(parents=True, exist_ok=True)
    result = run(args.raw.resolve(), args.db.resolve())
    for label, seconds in result["statements"]:
        print(f"{seconds:8.2f} s  {label}")
    print(f"{result['seconds']:8.2f} s  in all (sniffing / transcoding {result['sniff_and_transcode_seconds']:.2f} s)")
    for mart, n in result["rows"].items():
        print(f"  {mart:<20} {n:>10,} rows")
    print("LIMIT " + json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
