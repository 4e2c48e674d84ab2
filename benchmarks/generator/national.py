"""The national run: four sources at a scale, GENERATED.md and truth/, into a folder of its own."""

from __future__ import annotations

import dataclasses
import shutil
import time
from decimal import Decimal
from pathlib import Path

from benchmarks.generator import truth
from benchmarks.generator.calibration import rnd
from benchmarks.generator.compute import write_compute
from benchmarks.generator.finishing import Finisher
from benchmarks.generator.indicators import write_indicators
from benchmarks.generator.markdown import write_generated_md
from benchmarks.generator.plan import NO_MESS, Plan
from benchmarks.generator.policies import write_policies
from benchmarks.generator.regions import RegionIndex
from benchmarks.generator.registry import Registry, build_regions
from benchmarks.generator.registry_format import INCREMENT_FILE, NATIONAL_FILES, create_views
from benchmarks.generator.registry_write import record_truth, write_files
from benchmarks.generator.seeds import Seeds
from benchmarks.generator.sql import connect
from benchmarks.generator.words import Words
from orchestration.settings import REPO_ROOT

SOURCES = ("enterprises", "policies", "indicators", "compute")
SHIPPED_RAW = REPO_ROOT / "raw"


def check_out_dir(out: Path) -> Path:
    out = out.expanduser().resolve()
    raw = SHIPPED_RAW.resolve()
    if out == raw or raw in out.parents:
        raise SystemExit(f"refusing to write national data into the repository's shipped raw/ folder ({raw}); "
                         "choose another --out (e.g. /tmp/modu_scale1)")
    if out.exists() and not out.is_dir():
        raise SystemExit(f"--out {out} exists and is not a folder")
    return out


def self_check(con, seeds: Seeds, log) -> None:
    """Two things the truth relies on, checked with independent code: USCCs (python-stdnum) and AI-ness
    (the seed keywords in plain Python), on a sample of rows."""
    from stdnum.cn import uscc as stdnum_uscc

    rows = con.execute("""SELECT uscc, bad FROM reg_fmt WHERE id IN (
        SELECT id FROM ent WHERE bad IN (0, 1) ORDER BY hash(id, 990) LIMIT 2000)""").fetchall()
    wrong = [u for u, bad in rows if stdnum_uscc.is_valid(u) != (bad == 0)]
    assert not wrong, f"USCCs whose validity disagrees with the design: {wrong[:3]}"
    rows = con.execute("""SELECT name, coalesce(business_scope, scope_unquoted, ''), ai FROM reg_fmt
        WHERE id IN (SELECT id FROM ent WHERE u(id, 991, 1000) < 4 OR (seg NOT LIKE 'bulk%' AND u(id, 991, 1000) < 100))
        """).fetchall()
    wrong = [r for r in rows if seeds.is_ai(r[0], r[1]) != r[2]]
    assert not wrong, f"the keyword rule disagrees with the design: {wrong[:3]}"
    log(f"  self-check: {len(rows):,} sampled names and scopes follow the keyword rule; sampled USCCs verify "
        "(python-stdnum) exactly when designed to")


def _prepare(out: Path, log) -> Path:
    for sub in SOURCES:
        (out / sub).mkdir(parents=True, exist_ok=True)
        for old in (out / sub).glob("synthetic_*"):
            old.unlink()  # our own files from an earlier run (another scale writes other files)
        others = sorted(p.name for p in (out / sub).iterdir())
        if others:
            log(f"note: {out / sub} also holds files this generator did not write: {', '.join(others)}")
    shutil.rmtree(out / "truth", ignore_errors=True)
    tmp = out / ".generate_tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    return tmp


def generate(scale: float, seed: int, out: Path, threads: int | None = None, log=print) -> Plan:
    out = check_out_dir(out)
    t_start = time.time()
    seeds = Seeds.load()
    index, words = RegionIndex(seeds), Words.build(seeds)
    plan = Plan.national(scale, seed)
    regions = build_regions(index, set(plan.paths), sample=False)
    tmp = _prepare(out, log)
    con = connect(threads, seed, tmp / "duckdb")
    finisher = Finisher(tmp)
    try:
        log(f"generating scale {scale} seed {seed} into {out}")
        truth.create_tables(con)
        t0 = time.time()
        Registry(con, plan, regions).build()
        log(f"  registry table: {plan.registry_rows:,} rows ({time.time() - t0:.1f}s)")
        create_views(con, plan, seeds, words, NATIONAL_FILES)
        write_files(con, NATIONAL_FILES, out / "enterprises", finisher, log)
        t0 = time.time()
        record_truth(con, NATIONAL_FILES)
        truth.count_ai_enterprises(con, index)
        got = truth.check_calibration(con, plan)
        self_check(con, seeds, log)
        log(f"  registry truth and self-check ({time.time() - t0:.1f}s)")
        write_policies(con, plan, seeds, out, finisher, log)
        write_compute(con, plan, seeds, words, out, log)
        write_indicators(con, plan, seeds, regions, out, log)
        t0 = time.time()
        finisher.wait()
        log(f"  background finishing done (waited {time.time() - t0:.1f}s)")
        truth.write_truth(con, out / "truth")
        files = con.execute("SELECT source, file, data_rows FROM truth_files ORDER BY source, file").fetchall()
        rejected = con.execute("SELECT source, reason, count(*) FROM truth_rejected GROUP BY ALL ORDER BY ALL").fetchall()
    finally:
        finisher.abandon()
        con.close()
        shutil.rmtree(tmp, ignore_errors=True)
    write_generated_md(out, plan, files, rejected, got)
    log(f"done in {time.time() - t_start:.1f}s: {out}")
    return plan


def generate_increment(scale: float, seed: int, fraction: float, out: Path, threads: int | None = None,
                       log=print) -> Path:
    """A late registry file for incremental benchmarks: enterprises/synthetic_registry_increment.csv with
    round(fraction x registry rows) new enterprises (new valid USCCs, bulk-like, none rejected, none AI-related
    in a calibrated city, no line breaks inside values), English header. Every other file of `out` stays as it
    is; truth/increment/ gets the truth of the folder with the increment landed (ai_enterprise_counts.csv) and
    the increment's files.csv row. Files are written under new names and renamed, so a folder of hard links
    (benchmarks/run.py) never changes the data it links to."""
    if not (0 < fraction <= 1):
        raise SystemExit("--increment must be in (0, 1]")
    out = check_out_dir(out)
    seeds = Seeds.load()
    index, words = RegionIndex(seeds), Words.build(seeds)
    plan = Plan.national(scale, seed)
    rows = rnd(Decimal(str(fraction)) * plan.registry_rows)
    (out / "enterprises").mkdir(parents=True, exist_ok=True)
    tmp = out / ".generate_tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    t0 = time.time()
    con = connect(threads, seed, tmp / "duckdb")
    finisher = Finisher(tmp)
    try:
        truth.create_tables(con)
        reg = Registry(con, plan, build_regions(index, set(plan.paths), sample=False))
        reg.build()  # the base rows again, for the counts with the increment landed
        reg.add_increment(rows, first_id=plan.registry_rows)
        create_views(con, dataclasses.replace(plan, mess=NO_MESS), seeds, words, (INCREMENT_FILE,))
        where = "seg = 'increment'"
        write_files(con, (INCREMENT_FILE,), out / "enterprises", finisher, log, where=where)
        record_truth(con, (INCREMENT_FILE,), where=where)
        truth.count_ai_enterprises(con, index)
        finisher.wait()
        truth.write_truth(con, out / "truth" / "increment", only=("ai_enterprise_counts", "files"))
    finally:
        finisher.abandon()
        con.close()
        shutil.rmtree(tmp, ignore_errors=True)
    target = out / "enterprises" / INCREMENT_FILE.name
    log(f"increment: {rows:,} new registry rows ({fraction:g} of {plan.registry_rows:,}) in {target} "
        f"({time.time() - t0:.1f}s)")
    return target
