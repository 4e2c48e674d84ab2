"""Measuring one run: wall time, peak RSS of the whole process tree, load before and after, and
the step timings a Dagster run leaves in its event log.

Used by benchmarks/run.py (make bench) and benchmarks/engines.py (make bench-engines).
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
TIME_BIN = Path("/usr/bin/time")
SAMPLE_SECONDS = 0.1  # how often the process tree's RSS is summed
GB = 1024**3


@dataclass
class Measurement:
    name: str
    what: str
    wall_s: float
    max_process_rss: int  # bytes: the largest single process of the tree (/usr/bin/time %M, or wait4)
    tree_rss: int | None  # bytes: peak of the summed RSS of every process of the tree, sampled
    uptime_before: str
    uptime_after: str
    exit_code: int
    log: Path
    started_at: float = 0.0  # epoch seconds when the process was started
    ended_at: float = 0.0
    samples: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def peak_rss(self) -> int:
        return max(self.max_process_rss, self.tree_rss or 0)

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "load average: " + " ".join(Path("/proc/loadavg").read_text().split()[:3])


def load_1min(uptime_text: str) -> str:
    return uptime_text.split("load average:")[-1].split(",")[0].strip()


def mb(n: int | None) -> str:
    return "n/a" if n is None else f"{n / 1024**2:,.0f} MB"


def env_with(**values: str | Path) -> dict[str, str]:
    """This environment without any MODU_ or DAGSTER_HOME setting, plus `values`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MODU_", "DAGSTER_HOME"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update({k: str(v) for k, v in values.items()})
    return env


def _tree_rss(root) -> int:
    import psutil

    try:
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
    """Run cmd as a child: wall time and the largest process's peak RSS from /usr/bin/time (or the
    child's wait4 rusage), the tree's summed RSS sampled every SAMPLE_SECONDS with psutil."""
    import psutil

    timing = log.with_suffix(".time")
    timing.unlink(missing_ok=True)
    full = [str(TIME_BIN), "-f", "%e %M", "-o", str(timing), *cmd] if TIME_BIN.exists() else cmd
    log.parent.mkdir(parents=True, exist_ok=True)
    before = uptime()
    print(f"[{name}] {what}\n      {' '.join(map(str, cmd))}\n      before: {before}", flush=True)
    tree_peak, samples = 0, 0
    with open(log, "w") as out:
        started_at = time.time()
        started = time.perf_counter()
        proc = subprocess.Popen(full, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=REPO_ROOT)
        root = psutil.Process(proc.pid)
        while True:
            pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            tree_peak = max(tree_peak, _tree_rss(root))
            samples += 1
            time.sleep(SAMPLE_SECONDS)
        wall = time.perf_counter() - started
        ended_at = time.time()
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4, not by Popen
    max_rss = rusage.ru_maxrss * 1024
    if timing.exists():
        fields = timing.read_text().split()
        if len(fields) >= 2 and re.fullmatch(r"[0-9.]+", fields[-2]):
            wall, max_rss = float(fields[-2]), int(fields[-1]) * 1024
    after = uptime()
    m = Measurement(name, what, wall, max_rss, tree_peak, before, after, proc.returncode, log, started_at, ended_at,
                    samples)
    print(f"      {wall:.1f} s, peak RSS {mb(m.max_process_rss)} (largest process), {mb(m.tree_rss)} (tree, "
          f"{samples} samples); exit {m.exit_code}\n      after:  {after}", flush=True)
    return m


def dagster_steps(warehouse: Path) -> dict:
    """The latest run of the warehouse's Dagster instance: its start and end (epoch seconds) and
    each step's start, end and seconds, from the event log."""
    from dagster import DagsterInstance

    home = warehouse / "dagster"
    if not (home / "dagster.yaml").exists():
        return {}
    instance = DagsterInstance.from_config(str(home))
    try:
        runs = instance.get_runs(limit=1)
        if not runs:
            return {}
        run = runs[0]
        stats = instance.get_run_stats(run.run_id)
        steps = []
        for s in instance.get_run_step_stats(run.run_id):
            if s.start_time:
                end = s.end_time or s.start_time
                steps.append({"step": s.step_key, "seconds": round(end - s.start_time, 3),
                              "start": s.start_time, "end": end})
        steps.sort(key=lambda s: -s["seconds"])
        return {"run_id": run.run_id, "status": run.status.value, "run_start": stats.start_time,
                "run_end": stats.end_time, "run_seconds": round((stats.end_time or 0) - (stats.start_time or 0), 3),
                "steps": steps}
    finally:
        instance.dispose()


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


def fresh(folder: Path) -> Path:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder
