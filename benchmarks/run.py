"""Benchmark harness: modu against plain dbt and against a hand-written limit, on one data set.

    make bench SCALE=0.1            # = .venv/bin/python -m benchmarks.run --scale 0.1
    .venv/bin/python -m benchmarks.run --scale S [--data DIR] [--work DIR]

Uses the synthetic landing folder DIR (default /tmp/modu-data-S; generated with
benchmarks/generate_data.py unless DIR already holds that scale) and runs, each as a
separate subprocess in a fresh warehouse folder under --work (default /tmp/modu-bench-S):

  (a) modu: the full orchestrated refresh, `python -m orchestration.cli refresh`
      (ingest, dbt build with tests as checks, GX checks, publish) into wh_a/;
  (b) modu without Dagster: the four ingest steps, then a plain `dbt build` of the same
      project (benchmarks/plain_build.py) into wh_b/;
  (c) the limit: benchmarks/limit.sql, the four marts city_indicators, policy_timeline,
      policy_cadence and compute_buildout by the same definitions straight from the raw
      files in DuckDB alone (benchmarks/limit.py) into wh_c/; checked against (a);
  (d) an incremental night: a copy of the landing folder (hard links) plus
      enterprises/synthetic_registry_increment.csv (1 % new registry rows, from the
      generator's --increment), refreshed again into wh_a/; only this second run is timed.

Each run is measured with wall time and peak RSS: the largest single process of its tree
(`/usr/bin/time -f '%e %M'`, or the child's wait4 rusage where there is no /usr/bin/time)
and the whole tree (RSS of every process of the tree summed, sampled every 0.2 s with
psutil: Dagster and its dbt subprocess run side by side). `uptime` is recorded before and
after each. Then the Dagster definitions load time (a fresh interpreter importing
orchestration.definitions, best of 3) and the registry ingest speed
(`python -m benchmarks.ingest_speed` on the largest plain registry file).

Prints the figures, the ratios a/c, a/b, d/a beside their goals, and writes them to
BENCHMARKS.md at the repository root: one section per scale, replaced when that scale
runs again (text outside the sections is kept).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
REPORT = REPO_ROOT / "BENCHMARKS.md"
INCREMENT = 0.01
TIME_BIN = Path("/usr/bin/time")
MARTS = ("city_indicators", "policy_timeline", "policy_cadence", "compute_buildout")
CALIBRATED = (("110000", "北京"), ("440300", "深圳"), ("310000", "上海"))
GB = 1024**3


# --- measuring ----------------------------------------------------------------------------
@dataclass
class Measurement:
    name: str
    what: str
    wall_s: float
    max_process_rss: int  # bytes: the largest single process of the tree (/usr/bin/time %M)
    tree_rss: int | None  # bytes: peak of the summed RSS of the tree, sampled
    uptime_before: str
    uptime_after: str
    exit_code: int
    log: Path
    extra: dict = field(default_factory=dict)

    @property
    def peak_rss(self) -> int:
        return max(self.max_process_rss, self.tree_rss or 0)


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "load average: " + " ".join(Path("/proc/loadavg").read_text().split()[:3])


def load_1min(uptime_text: str) -> str:
    return uptime_text.split("load average:")[-1].split(",")[0].strip()


def _tree_rss(pid: int) -> int:
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def measure(name: str, what: str, cmd: list[str], env: dict[str, str], log: Path) -> Measurement:
    """Run cmd as a child; wall time and peak RSS from /usr/bin/time (or the child's own
    wait4 rusage), the tree's summed RSS sampled with psutil."""
    try:
        import psutil  # noqa: F401 - only to know whether the tree can be sampled
        sample = True
    except ImportError:
        sample = False
    timing = log.with_suffix(".time")
    full = [str(TIME_BIN), "-f", "%e %M", "-o", str(timing), *cmd] if TIME_BIN.exists() else cmd
    before = uptime()
    print(f"[{name}] {what}\n      {' '.join(cmd)}\n      before: {before}", flush=True)
    started = time.perf_counter()
    tree_peak = 0
    with open(log, "w") as out:
        proc = subprocess.Popen(full, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=REPO_ROOT)
        while True:
            pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if sample:
                tree_peak = max(tree_peak, _tree_rss(proc.pid))
            time.sleep(0.2)
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4, not by Popen
    wall = time.perf_counter() - started
    max_rss = rusage.ru_maxrss * 1024
    if TIME_BIN.exists() and timing.exists():
        fields = timing.read_text().split()
        if len(fields) >= 2 and re.fullmatch(r"[0-9.]+", fields[-2]):
            wall, max_rss = float(fields[-2]), int(fields[-1]) * 1024
    after = uptime()
    m = Measurement(name, what, wall, max_rss, tree_peak if sample else None, before, after, proc.returncode, log)
    print(f"      {wall:.1f} s, peak RSS {mb(m.max_process_rss)} (largest process), "
          f"{mb(m.tree_rss) if m.tree_rss else 'n/a'} (tree); exit {m.exit_code}\n      after:  {after}", flush=True)
    return m


def mb(n: int | None) -> str:
    return "n/a" if n is None else f"{n / 1024**2:,.0f} MB"


def env_with(**values: str | Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MODU_", "DAGSTER_HOME"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update({k: str(v) for k, v in values.items()})
    return env


def json_line(log: Path, prefix: str) -> dict:
    for line in reversed(log.read_text(encoding="utf-8", errors="replace").splitlines()):
        if line.startswith(prefix + " "):
            return json.loads(line[len(prefix) + 1:])
    return {}


# --- data ---------------------------------------------------------------------------------
def generated_scale(data: Path) -> float | None:
    md = data / "GENERATED.md"
    if not md.exists():
        return None
    m = re.search(r"^- scale: (\S+)$", md.read_text(encoding="utf-8"), re.M)
    return float(m.group(1)) if m else None


def ensure_data(scale: float, data: Path) -> None:
    if generated_scale(data) == scale:
        print(f"data: reusing {data} (scale {scale:g})", flush=True)
        return
    print(f"data: generating scale {scale:g} into {data}", flush=True)
    subprocess.run([PYTHON, "-m", "benchmarks.generate_data", "--scale", str(scale), "--out", str(data)],
                   cwd=REPO_ROOT, check=True)


def file_rows(data: Path) -> dict[str, int]:
    """Data lines per file, from GENERATED.md's file table."""
    rows = {}
    for m in re.finditer(r"^\| (\w+/synthetic_\S+) \| ([0-9,]+) \| [0-9,]+ \|$",
                         (data / "GENERATED.md").read_text(encoding="utf-8"), re.M):
        rows[m.group(1)] = int(m.group(2).replace(",", ""))
    return rows


def make_increment(scale: float, data: Path, data_d: Path) -> int:
    """data_d = data (hard links, else symlinks) + the increment file; returns its data lines."""
    shutil.rmtree(data_d, ignore_errors=True)

    def link(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            os.symlink(src, dst)

    shutil.copytree(data, data_d, copy_function=link)
    subprocess.run([PYTHON, "-m", "benchmarks.generate_data", "--scale", str(scale), "--increment", str(INCREMENT),
                    "--out", str(data_d)], cwd=REPO_ROOT, check=True)
    text = (data_d / "enterprises" / "synthetic_registry_increment.csv").read_text(encoding="utf-8")
    return text.count("\n") - 1


# --- the runs -----------------------------------------------------------------------------
def fresh(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def run_a(data: Path, work: Path) -> Measurement:
    wh = fresh(work / "wh_a")
    m = measure("a", "full orchestrated refresh (orchestration.cli refresh)",
                [PYTHON, "-m", "orchestration.cli", "refresh"],
                env_with(MODU_RAW_DIR=data, MODU_WAREHOUSE_DIR=wh), work / "logs" / "a_refresh.log")
    m.extra = dagster_steps(wh)
    return m


def run_b(data: Path, work: Path) -> Measurement:
    wh = fresh(work / "wh_b")
    m = measure("b", "ingest (orchestration.ingest) + plain dbt build",
                [PYTHON, "-m", "benchmarks.plain_build", "--raw", str(data), "--warehouse", str(wh)],
                env_with(), work / "logs" / "b_plain_build.log")
    m.extra = json_line(m.log, "PLAIN")
    return m


def run_c(data: Path, work: Path) -> Measurement:
    wh = fresh(work / "wh_c")
    m = measure("c", "the limit: benchmarks/limit.sql in DuckDB alone",
                [PYTHON, "-m", "benchmarks.limit", "--raw", str(data), "--db", str(wh / "limit.duckdb")],
                env_with(), work / "logs" / "c_limit.log")
    m.extra = json_line(m.log, "LIMIT")
    return m


def run_d(data_d: Path, work: Path) -> Measurement:
    wh = work / "wh_a"  # the warehouse of (a): only the new file is new
    m = measure("d", f"incremental refresh on wh_a after +{INCREMENT:.0%} registry rows",
                [PYTHON, "-m", "orchestration.cli", "refresh"],
                env_with(MODU_RAW_DIR=data_d, MODU_WAREHOUSE_DIR=wh), work / "logs" / "d_incremental.log")
    m.extra = dagster_steps(wh)
    return m


def dagster_steps(warehouse: Path) -> dict:
    """Duration of the latest run and of each of its steps, from the Dagster event log."""
    from dagster import DagsterInstance

    instance = DagsterInstance.from_config(str(warehouse / "dagster"))
    try:
        runs = instance.get_runs(limit=1)
        if not runs:
            return {}
        run = runs[0]
        stats = instance.get_run_stats(run.run_id)
        steps = sorted(((s.step_key, round((s.end_time or s.start_time) - s.start_time, 2))
                        for s in instance.get_run_step_stats(run.run_id) if s.start_time), key=lambda x: -x[1])
        return {"run_id": run.run_id, "status": run.status.value,
                "run_seconds": round((stats.end_time or 0) - (stats.start_time or 0), 2), "steps": steps}
    finally:
        instance.dispose()


def definitions_load(work: Path) -> tuple[float, list[float], str, str]:
    code = ("import time; t=time.perf_counter(); import orchestration.definitions; "
            "print(time.perf_counter()-t)")
    env = env_with(MODU_WAREHOUSE_DIR=work / "wh_defs")
    before = uptime()
    times = [float(subprocess.run([PYTHON, "-c", code], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                                  check=True).stdout.strip().splitlines()[-1]) for _ in range(3)]
    return min(times), times, before, uptime()


def ingest_speed(data: Path, work: Path) -> Measurement:
    files = file_rows(data)
    plain = [f for f in files if f.startswith("enterprises/") and f.endswith(".csv") and "gb18030" not in f]
    target = data / max(plain, key=lambda f: files[f])
    m = measure("ingest", "registry ingest speed: DuckDB read_csv vs modu ingest of one file",
                [PYTHON, "-m", "benchmarks.ingest_speed", str(target)], env_with(), work / "logs" / "ingest_speed.log")
    text = m.log.read_text(encoding="utf-8", errors="replace")
    ratio = re.search(r"ratio b/a: ([0-9.]+)", text)
    m.extra = {"file": target.name, "output": text.strip(), "ratio": float(ratio.group(1)) if ratio else None}
    return m


# --- checks -------------------------------------------------------------------------------
def compare_marts(work: Path) -> dict:
    """(c) and (b) against (a)'s published marts: rows only in one of them (EXCEPT ALL both ways),
    and the calibrated cities' AI enterprise counts."""
    import duckdb

    con = duckdb.connect()
    release = work / "wh_a" / "serving" / "current"
    con.execute(f"ATTACH '{work / 'wh_c' / 'limit.duckdb'}' AS c (READ_ONLY)")
    b_db = work / "wh_b" / "build" / "modu.duckdb"
    if b_db.exists():
        con.execute(f"ATTACH '{b_db}' AS b (READ_ONLY)")
    out: dict = {"marts": {}, "calibrated": []}
    for mart in MARTS:
        a = f"read_parquet('{release / f'marts.{mart}.parquet'}')"
        cols = ", ".join(r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {a}").fetchall())
        row = {"a_rows": con.execute(f"SELECT count(*) FROM {a}").fetchone()[0]}
        for tag, rel in (("c", f"c.{mart}"), ("b", f"b.marts.{mart}")):
            if tag == "b" and not b_db.exists():
                continue
            row[f"{tag}_rows"] = con.execute(f"SELECT count(*) FROM {rel}").fetchone()[0]
            row[f"only_in_a_vs_{tag}"] = con.execute(
                f"SELECT count(*) FROM (SELECT {cols} FROM {a} EXCEPT ALL SELECT {cols} FROM {rel})").fetchone()[0]
            row[f"only_in_{tag}"] = con.execute(
                f"SELECT count(*) FROM (SELECT {cols} FROM {rel} EXCEPT ALL SELECT {cols} FROM {a})").fetchone()[0]
        out["marts"][mart] = row
    a_ci = f"read_parquet('{release / 'marts.city_indicators.parquet'}')"
    for code, name in CALIBRATED:
        for year in (2016, 2023):
            q = "SELECT ai_enterprise_count FROM {} WHERE region_code = ? AND year = ?"
            va = con.execute(q.format(a_ci), [code, year]).fetchone()
            vc = con.execute(q.format("c.city_indicators"), [code, year]).fetchone()
            out["calibrated"].append((code, name, year, va and va[0], vc and vc[0]))
    con.close()
    return out


# --- the machine --------------------------------------------------------------------------
def machine() -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"^model name\s*:\s*(.*)$", cpuinfo, re.M)
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    mem = re.search(r"^MemTotal:\s*(\d+) kB", meminfo, re.M)

    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "absent"

    return {
        "nproc": os.cpu_count(),
        "memory": f"{int(mem.group(1)) / 1024**2:.1f} GiB" if mem else "?",
        "cpu": model.group(1).strip() if model else platform.processor() or "?",
        "os": f"{platform.system()} {platform.release()}",
        "versions": f"Python {platform.python_version()}, DuckDB {version('duckdb')}, dbt-core {version('dbt-core')}, "
                    f"dbt-duckdb {version('dbt-duckdb')}, Dagster {version('dagster')}, dagster-dbt {version('dagster-dbt')}",
        "time_tool": str(TIME_BIN) if TIME_BIN.exists() else "wait4 rusage (no /usr/bin/time)",
    }


# --- goals and the report -----------------------------------------------------------------
def goal_row(label: str, figure: float | None, goal: float, unit: str = "", applies: bool = True) -> dict:
    if figure is None:
        verdict = "not measured"
    else:
        k = figure / goal
        verdict = (f"met: {k:.2f}x the goal ({(1 - k):.0%} under)" if k <= 1
                   else f"missed: {k:.2f}x the goal ({(k - 1):.0%} over)")
        if not applies:
            verdict += " (the goal is set for SCALE=1)"
    shown = "n/a" if figure is None else f"{figure:.2f}{unit}"
    return {"label": label, "figure": shown, "goal": f"<= {goal:g}{unit}", "verdict": verdict}


def goals(runs: dict[str, Measurement], defs_best: float, scale: float) -> list[dict]:
    a, b, c, d = (runs.get(k) for k in "abcd")

    def ratio(x, y):
        return x.wall_s / y.wall_s if x and y and x.exit_code == 0 and y.exit_code == 0 else None

    product_peak = max((m.peak_rss for m in (a, d) if m), default=None)
    return [
        goal_row("a/c (refresh / limit), wall time", ratio(a, c), 1.5),
        goal_row("a/b (refresh / ingest + plain dbt build), wall time", ratio(a, b), 1.2),
        goal_row("d/a (incremental night / full refresh), wall time", ratio(d, a), 0.15),
        goal_row("peak RSS of the refresh, (a) and (d), process tree", product_peak / GB if product_peak else None,
                 2, " GB", applies=scale == 1),
        goal_row("Dagster definitions load (best of 3)", defs_best, 3, " s"),
    ]


def section(scale: float, started: str, load_start: str, mach: dict, rows: dict[str, int], increment_rows: int,
            runs: dict[str, Measurement], goal_rows: list[dict], defs: tuple, agreement: dict | None,
            ingest: Measurement | None) -> str:
    by_source: dict[str, int] = {}
    for f, n in rows.items():
        by_source[f.split("/")[0]] = by_source.get(f.split("/")[0], 0) + n
    out = [f"## SCALE={scale:g} ({started})", "",
           f"Load average at start: `{load_start}` (a shared machine: other jobs ran beside these measurements; "
           "`uptime` before and after each one is in the table).", "",
           f"Machine: {mach['nproc']} CPUs ({mach['cpu']}), {mach['memory']} memory, {mach['os']}; {mach['versions']}. "
           f"Peak RSS of the largest process from {mach['time_tool']}; of the process tree, summed RSS sampled every "
           "0.2 s with psutil.", "",
           "Data (synthetic, `benchmarks/generate_data.py`, seed 7), data lines: "
           + ", ".join(f"{src} {n:,}" for src, n in by_source.items())
           + f" in {len(rows)} files; (d) adds enterprises/synthetic_registry_increment.csv, {increment_rows:,} new rows.",
           "",
           "| run | what | wall | peak RSS, largest process | peak RSS, process tree | exit | uptime before | uptime after |",
           "| --- | --- | ---: | ---: | ---: | ---: | --- | --- |"]
    for m in runs.values():
        out.append(f"| ({m.name}) | {m.what} | {m.wall_s:.1f} s | {mb(m.max_process_rss)} | {mb(m.tree_rss)} "
                   f"| {m.exit_code} | `{m.uptime_before}` | `{m.uptime_after}` |")
    out += ["", "| goal | figure | goal | verdict |", "| --- | ---: | ---: | --- |"]
    out += [f"| {g['label']} | {g['figure']} | {g['goal']} | {g['verdict']} |" for g in goal_rows]
    best, times, before, after = defs
    out += ["", f"Dagster definitions load (fresh interpreter importing orchestration.definitions): best {best:.2f} s "
            f"of {', '.join(f'{t:.2f}' for t in times)} s; uptime before `{before}`, after `{after}`."]
    if ingest:
        out += ["", f"Registry ingest speed, `python -m benchmarks.ingest_speed` on {ingest.extra['file']} "
                f"(ratio b/a = {ingest.extra['ratio']}; its goal: <= 2.0; uptime before `{ingest.uptime_before}`, "
                f"after `{ingest.uptime_after}`):", "", "```", ingest.extra["output"], "```"]
    for key in ("a", "d"):
        m = runs.get(key)
        if m and m.extra.get("steps"):
            run_s = m.extra["run_seconds"]
            out += ["", f"Steps of ({key}) from the Dagster event log (run {m.extra['run_id']}, {m.extra['status']}): "
                    f"the run took {run_s:.1f} s of the process's {m.wall_s:.1f} s (the rest: interpreter start, "
                    "imports and definitions, instance, summary).", "",
                    "| step | seconds | share of the run |", "| --- | ---: | ---: |"]
            out += [f"| {k} | {s:.1f} | {s / run_s:.0%} |" for k, s in m.extra["steps"]]
    b, c = runs.get("b"), runs.get("c")
    if b and b.extra:
        out += ["", f"(b) split: ingest {b.extra['ingest_seconds']:.1f} s "
                f"({', '.join(f'{k} {v:.1f} s' for k, v in b.extra['ingest_per_source'].items())}), "
                f"dbt build {b.extra['dbt_build_seconds']:.1f} s (exit {b.extra['dbt_exit_code']})."]
    if c and c.extra:
        out += ["", "(c) statements: " + ", ".join(f"{label} {s:.1f} s" for label, s in c.extra["statements"] if s >= 0.05)
                + f"; sniffing and transcoding {c.extra['sniff_and_transcode_seconds']:.1f} s."]
    if agreement:
        out += ["", "Is the limit honest? (c) and (b) against (a)'s published marts (rows only in one side, "
                "EXCEPT ALL both ways over all of (a)'s columns):", "",
                "| mart | rows (a) | rows (b) | rows (c) | only in (a) vs (c) | only in (c) | only in (a) vs (b) | only in (b) |",
                "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for mart, r in agreement["marts"].items():
            out.append(f"| {mart} | {r['a_rows']:,} | {r.get('b_rows', 0):,} | {r['c_rows']:,} | {r['only_in_a_vs_c']} "
                       f"| {r['only_in_c']} | {r.get('only_in_a_vs_b', 'n/a')} | {r.get('only_in_b', 'n/a')} |")
        out += ["", "ai_enterprise_count of the calibrated cities: "
                + "; ".join(f"{name} {code} {year}: (a) {va} (c) {vc} {'equal' if va == vc else 'DIFFERENT'}"
                            for code, name, year, va, vc in agreement["calibrated"]) + "."]
    return "\n".join(out) + "\n"


REPORT_HEAD = """# Benchmarks

Figures written by `make bench SCALE=…` (`benchmarks/run.py`, which says what each run is).
One section per scale, between `bench:begin`/`bench:end` markers, replaced when that scale
runs again; anything outside the markers (analysis) is kept.
"""


def write_report(section_key: str, text: str) -> None:
    """Put text in BENCHMARKS.md between the markers of section_key ('scale=0.1', 'engines')."""
    begin, end = f"<!-- bench:begin {section_key} -->", f"<!-- bench:end {section_key} -->"
    block = f"{begin}\n{text}{end}\n"
    current = REPORT.read_text(encoding="utf-8") if REPORT.exists() else REPORT_HEAD
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end) + r"\n?", re.S)
    new = pattern.sub(lambda _m: block, current) if pattern.search(current) else current.rstrip("\n") + "\n\n" + block
    REPORT.write_text(new, encoding="utf-8")


def print_summary(runs: dict[str, Measurement], goal_rows: list[dict]) -> None:
    print("\n" + "=" * 78)
    for m in runs.values():
        print(f"({m.name}) {m.wall_s:8.1f} s   peak RSS {mb(m.max_process_rss):>9} largest process, "
              f"{mb(m.tree_rss):>9} tree   exit {m.exit_code}   {m.what}")
    print()
    for g in goal_rows:
        print(f"{g['label']:<58} {g['figure']:>9}  goal {g['goal']:<8} {g['verdict']}")
    print("=" * 78)


# --- main ---------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--data", type=Path, help="landing folder (default /tmp/modu-data-SCALE)")
    parser.add_argument("--work", type=Path, help="warehouse folders and logs (default /tmp/modu-bench-SCALE)")
    args = parser.parse_args(argv)
    scale = args.scale
    data = (args.data or Path(f"/tmp/modu-data-{scale:g}")).resolve()
    work = (args.work or Path(f"/tmp/modu-bench-{scale:g}")).resolve()
    if data == REPO_ROOT / "raw" or (REPO_ROOT / "raw") in data.parents:
        parser.error("the benchmark data never goes into the repository's raw/ (choose another --data)")
    (work / "logs").mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load_start = uptime()
    print(f"modu benchmarks, scale {scale:g}: data {data}, work {work}\nstart: {load_start}", flush=True)

    ensure_data(scale, data)
    increment_rows = make_increment(scale, data, work / "data_d")
    runs: dict[str, Measurement] = {}
    runs["a"] = run_a(data, work)
    runs["b"] = run_b(data, work)
    runs["c"] = run_c(data, work)
    # before (d), which publishes a new release into wh_a
    agreement = compare_marts(work) if runs["a"].exit_code == 0 and runs["c"].exit_code == 0 else None
    if runs["a"].exit_code == 0:
        runs["d"] = run_d(work / "data_d", work)
    defs = definitions_load(work)
    print(f"[defs] definitions load best of 3: {defs[0]:.2f} s ({', '.join(f'{t:.2f}' for t in defs[1])})", flush=True)
    ingest = ingest_speed(data, work)

    goal_rows = goals(runs, defs[0], scale)
    print_summary(runs, goal_rows)
    if agreement:
        print("limit vs refresh: " + json.dumps(agreement, ensure_ascii=False))
    write_report(f"scale={scale:g}", section(scale, started, load_start, machine(), file_rows(data), increment_rows, runs,
                                goal_rows, defs, agreement, ingest))
    print(f"written: {REPORT} (section SCALE={scale:g}); logs and warehouses in {work}")
    return 0 if all(m.exit_code == 0 for m in runs.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
