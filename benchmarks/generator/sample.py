"""The shipped registry sample: raw/enterprises/synthetic_registry_sample.csv.gz and its expected counts.

    python -m benchmarks.generate_data --sample raw/enterprises

Eleven cities at scale 1 of calibration.PATHS, so the AI enterprise counts the
warehouse computes equal the article's figures (北京 39,800 / 47,800, 深圳 36,100 /
63,800, 上海 26,500) and follow the paths between them; a few thousand non-AI
enterprises, deregistrations, duplicate USCCs and varied region forms. Every row is
valid and uses only region forms that name one region under every reading, today's
ingest included. One gzip file (level 9), rows ordered by USCC; byte-identical on
every run.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from benchmarks.generator import truth
from benchmarks.generator.calibration import PUBLISHED
from benchmarks.generator.finishing import Finisher
from benchmarks.generator.national import self_check
from benchmarks.generator.plan import Plan
from benchmarks.generator.regions import RegionIndex
from benchmarks.generator.registry import Registry, build_regions
from benchmarks.generator.registry_format import SAMPLE_FILE, create_views
from benchmarks.generator.registry_write import write_files
from benchmarks.generator.seeds import Seeds
from benchmarks.generator.sql import connect
from benchmarks.generator.words import Words

SAMPLE_SEED = 20230815  # the day 科大讯飞 released 星火 2.0; any fixed number would do
EXPECTED = "synthetic_registry_sample.expected.json"
RULE = ("AI-related = name or business_scope contains a keyword of dbt_project/seeds/ai_keywords.csv "
        "(case-insensitive). Count for region R and year Y = AI-related enterprises located in R or anywhere "
        "within it (district -> city -> province -> national), registered on or before Y-12-31 and not "
        "deregistered on or before that day, after keeping per USCC only the record with the latest "
        "registered_on. Computed by construction (benchmarks/generator/truth.py), not by reading the file.")


def _prepare(folder: Path, log) -> Path:
    folder = folder.expanduser().resolve()
    folder.mkdir(parents=True, exist_ok=True)
    for name in (SAMPLE_FILE.name, EXPECTED):
        if (folder / name).exists() and not (folder / name).is_file():
            raise SystemExit(f"{folder / name} exists and is not a file: refusing to replace it")
    for old in sorted(folder.glob("synthetic_registry_sample*")):
        if old.is_file() and old.name not in (SAMPLE_FILE.name, EXPECTED):
            log(f"removing {old} (an earlier sample: two samples would be ingested twice)")
            old.unlink()
    return folder


def _json(expected: dict) -> str:
    """Indented JSON with one line per region (a diff then shows which region's counts moved)."""
    head = {k: v for k, v in expected.items() if k != "ai_enterprise_count"}
    lines = json.dumps(head, ensure_ascii=False, indent=1)[:-2].split("\n")
    regions = expected["ai_enterprise_count"]
    lines[-1] += ","
    lines.append(' "ai_enterprise_count": {')
    for i, (code, entry) in enumerate(regions.items()):
        lines.append(f"  {json.dumps(code)}: {json.dumps(entry, ensure_ascii=False)}" + ("," if i < len(regions) - 1 else ""))
    lines += [" }", "}"]
    text = "\n".join(lines) + "\n"
    assert json.loads(text) == expected
    return text


def generate_sample(folder: Path, seed: int = SAMPLE_SEED, threads: int | None = None, log=print) -> dict:
    folder = _prepare(folder, log)
    t0 = time.time()
    seeds = Seeds.load()
    index, words = RegionIndex(seeds), Words.build(seeds)
    plan = Plan.shipped_sample(seed)
    regions = build_regions(index, set(plan.paths), sample=True)
    tmp = folder / ".sample_tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    con = connect(threads, seed, tmp / "duckdb")
    finisher = Finisher(tmp)
    try:
        truth.create_tables(con)
        Registry(con, plan, regions).build()
        create_views(con, plan, seeds, words, (SAMPLE_FILE,), per_authority=True)
        write_files(con, (SAMPLE_FILE,), folder, finisher, log, level=9, order="uscc, id")
        truth.count_ai_enterprises(con, index)
        truth.check_calibration(con, plan)
        self_check(con, seeds, log)
        rows, distinct = con.execute("SELECT count(*), count(DISTINCT ek) FROM ent").fetchone()
        counts = con.execute("SELECT region_code, level, name_zh, year, ai_enterprise_count FROM truth_counts "
                             "ORDER BY region_code, year").fetchall()
        finisher.wait()
    finally:
        finisher.abandon()
        con.close()
        shutil.rmtree(tmp, ignore_errors=True)
    by_region: dict[str, dict] = {}
    for code, level, name, year, n in counts:
        entry = by_region.setdefault(code, {"name_zh": name, "level": level, "ai_enterprise_count": {}})
        entry["ai_enterprise_count"][str(year)] = n
    expected = {
        "file": SAMPLE_FILE.name,
        "synthetic": True,
        "generator": f"python -m benchmarks.generate_data --sample raw/enterprises --seed {seed}",
        "seed": seed,
        "rows": rows,
        "distinct_uscc": distinct,
        "rule": RULE,
        "published": [{"region_code": c, "year": y, "ai_enterprise_count": n} for (c, y), n in sorted(PUBLISHED.items())],
        "ai_enterprise_count": by_region,
    }
    target = folder / EXPECTED
    tmp_json = folder / (EXPECTED + ".part")
    tmp_json.write_text(_json(expected), encoding="utf-8")
    tmp_json.replace(target)
    size = (folder / SAMPLE_FILE.name).stat().st_size
    log(f"sample: {rows:,} rows, {distinct:,} USCCs, {size / 1e6:.2f} MB in {folder / SAMPLE_FILE.name}, "
        f"expected counts in {target} ({time.time() - t0:.1f}s)")
    return expected
