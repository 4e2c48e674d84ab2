"""BENCHMARKS.md: the goals of `make bench` and the section one scale writes between its markers."""

from __future__ import annotations

import re
from pathlib import Path

from benchmarks.against_truth import summary_lines
from benchmarks.measure import GB, Measurement, mb

REPORT = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"
REPORT_HEAD = """# Benchmarks

Figures written by `make bench SCALE=…` (`benchmarks/run.py`, which says what each run is).
One section per scale, between `bench:begin`/`bench:end` markers, replaced when that scale
runs again; anything outside the markers (analysis) is kept.
"""
STEP_GROUPS = (  # how a night's time is told apart (the quick-nights breakdown)
    ("ingest (raw__*)", lambda k: k.startswith("raw__")),
    ("GX on raw", lambda k: k == "gx_raw" or k.startswith("gx_raw_")),
    ("dbt (modu_dbt_assets)", lambda k: k == "modu_dbt_assets"),
    ("GX on marts", lambda k: k == "gx_marts" or k.startswith("gx_marts_")),
    ("publish (serving__release)", lambda k: k == "serving__release"),
)


# --- goals --------------------------------------------------------------------------------------
def goal_row(label: str, figure: float | None, goal: float | None, unit: str = "", note: str = "") -> dict:
    if figure is None:
        verdict = "not measured"
    elif goal is None:
        verdict = note or "figure only"
    else:
        k = figure / goal
        verdict = (f"met: {k:.2f}x the goal" if k <= 1 else f"missed: {k:.2f}x the goal ({k - 1:.0%} over)")
        if note:
            verdict += f" ({note})"
    shown = "n/a" if figure is None else f"{figure:.2f}{unit}"
    return {"label": label, "figure": shown, "goal": "-" if goal is None else f"<= {goal:g}{unit}", "verdict": verdict}


def goals(runs: dict[str, Measurement], defs_best: float | None, ingest_ratio: float | None, scale: float) -> list[dict]:
    a, e, d, c, s = (runs.get(k) for k in "aedcs")
    ok = lambda *ms: all(m is not None and m.ok for m in ms)  # noqa: E731
    a_e = a.wall_s - e.wall_s if ok(a, e) else None
    at_scale = "" if scale == 1 else "the goal is set for SCALE=1"
    rows = [
        goal_row("(a - e) / c: a full night's work over the limit", a_e / c.wall_s if a_e is not None and ok(c) else None,
                 1.5, note=at_scale),
        goal_row("a / c: the whole night over the limit", a.wall_s / c.wall_s if ok(a, c) else None, None,
                 note="about 2 expected (start-up, checks and publishing on top of the work)"),
        goal_row("e / s: an empty national night over an empty sample night", e.wall_s / s.wall_s if ok(e, s) else None,
                 1.2, note=at_scale),
        goal_row("(d - e) / (a - e): an incremental night's work over a full night's",
                 (d.wall_s - e.wall_s) / a_e if a_e and ok(d) else None, 0.15, note=at_scale),
    ]
    for m in (a, d, e):
        if m is not None:
            rows.append(goal_row(f"peak RSS of ({m.name}), process tree", m.peak_rss / GB if m.tree_rss else None, 2, " GB",
                                 note=at_scale))
    rows.append(goal_row("registry ingest / DuckDB's bare read_csv, one file", ingest_ratio, 2))
    rows.append(goal_row("Dagster definitions load, best of 3", defs_best, 3, " s", note="the earlier round's goal"))
    return rows


# --- the section --------------------------------------------------------------------------------
def breakdown(m: Measurement) -> dict[str, float] | None:
    """Where a night's process time went: start-up (process start to run start: interpreter,
    imports, definitions, instance), the step groups, Dagster between steps, after the run."""
    ev = m.extra.get("dagster") or {}
    if not ev.get("run_start") or not ev.get("run_end"):
        return None
    out = {"interpreter, imports, definitions, instance (process start to run start)":
           ev["run_start"] - m.started_at}
    rest = list(ev["steps"])
    for label, test in STEP_GROUPS:
        out[label] = sum(s["seconds"] for s in rest if test(s["step"]))
        rest = [s for s in rest if not test(s["step"])]
    for s in rest:
        out[s["step"]] = s["seconds"]
    out["Dagster between steps (run time not in a step)"] = ev["run_seconds"] - sum(s["seconds"] for s in ev["steps"])
    out["after the run (summary, exit)"] = m.ended_at - ev["run_end"]
    return out


def _steps_table(m: Measurement) -> list[str]:
    ev = m.extra.get("dagster") or {}
    if not ev.get("steps"):
        return [f"({m.name}): no Dagster event log found."]
    split = breakdown(m) or {}
    work = m.extra.get("work") or {}
    did = ""
    if work.get("dbt_built") is not None:
        did = (f" dbt built {work['dbt_built']} node(s) and carried {work['dbt_carried']} over"
               + (f" (dbt's own elapsed time {work['dbt_elapsed']:.1f} s; slowest: "
                  + ", ".join(f"{n} {t:.2f} s" for n, t in work["dbt_slowest"]) + ")" if work.get("dbt_slowest") else "")
               + f"; GX validated {len(work['gx_validated'])} suite(s)"
               + (f" ({', '.join(work['gx_validated'])})" if work["gx_validated"] else "")
               + f" and carried {work['gx_carried']} over.")
    if work.get("failed"):
        did += f" **It failed**: {work['failed']}" + (f"; first error: `{work['first_error']}`" if work.get("first_error")
                                                       else "") + "."
    out = [f"({m.name}) run {ev['run_id']} ({ev['status']}): the run took {ev['run_seconds']:.1f} s of the process's "
           f"{m.wall_s:.1f} s.{did}", "", "| step | seconds |", "| --- | ---: |"]
    out += [f"| {s['step']} | {s['seconds']:.2f} |" for s in ev["steps"]]
    if split:
        out += ["", "| where the process's time went | seconds | share |", "| --- | ---: | ---: |"]
        out += [f"| {k} | {v:.2f} | {v / m.wall_s:.0%} |" for k, v in split.items()]
    return out


def _mart_rows(comparison: dict) -> list[str]:
    out = ["| mart | rows (a) | rows (c) | only in (a) | only in (c) | first only in (a) | first only in (c) |",
           "| --- | ---: | ---: | ---: | ---: | --- | --- |"]
    for mart, r in comparison.items():
        if r.get("error") or r.get("limit_rows") is None:
            out.append(f"| {mart} | {r['release_rows']:,} | n/a | | | {r.get('error', 'not in the limit')} | |")
            continue
        first = lambda rows: "; ".join("(" + ", ".join(x) + ")" for x in rows[:2]) or "-"  # noqa: E731
        note = f" (without {', '.join(r['skipped'])})" if r["skipped"] else ""
        out.append(f"| {mart}{note} | {r['release_rows']:,} | {r['limit_rows']:,} | {r['only_in_release']:,} "
                   f"| {r['only_in_limit']:,} | {first(r['first_only_in_release'])} | {first(r['first_only_in_limit'])} |")
    return out


def section(scale: float, started: str, load_start: str, load_end: str, mach: dict, data_lines: dict[str, int],
            n_files: int, increment_rows: int, runs: dict[str, Measurement], goal_rows: list[dict],
            defs: tuple | None, ingest: Measurement | None, checks: dict) -> str:
    out = [f"## SCALE={scale:g} ({started})", "",
           f"Load average at start: `{load_start}`; at the end: `{load_end}`. The machine may be shared: "
           "`uptime` before and after each run is in the table, so a busy run shows as one.", "",
           f"Machine: {mach['nproc']} CPUs ({mach['cpu']}), {mach['memory']} memory, {mach['os']}; {mach['versions']}. "
           f"Peak RSS of the largest process from {mach['time_tool']}; of the process tree, the summed RSS of every "
           "process of the tree sampled every 0.1 s with psutil (Dagster runs dbt as a child).", "",
           ("modu's settings: its defaults (orchestration/settings.py)." if not checks.get("settings") else
            "modu's settings: its defaults but " + ", ".join(f"`{k}={v}`" for k, v in checks["settings"].items())
            + " (`--env`)."), "",
           "Data (synthetic, `benchmarks/generate_data.py`, seed 7), data lines: "
           + ", ".join(f"{src} {n:,}" for src, n in data_lines.items())
           + f" in {n_files} files; (d) lands enterprises/synthetic_registry_increment.csv, {increment_rows:,} new rows.",
           "", "| run | what | wall | peak RSS, process tree | peak RSS, largest process | exit | uptime before | uptime after |",
           "| --- | --- | ---: | ---: | ---: | ---: | --- | --- |"]
    for m in runs.values():
        out.append(f"| ({m.name}) | {m.what} | {m.wall_s:.1f} s | {mb(m.tree_rss)} | {mb(m.max_process_rss)} "
                   f"| {m.exit_code} | `{m.uptime_before}` | `{m.uptime_after}` |")
    out += ["", "| ratio | figure | goal | verdict |", "| --- | ---: | ---: | --- |"]
    out += [f"| {g['label']} | {g['figure']} | {g['goal']} | {g['verdict']} |" for g in goal_rows]
    if defs:
        best, times, before, after = defs
        out += ["", f"Dagster definitions load (a fresh interpreter importing orchestration.definitions): best {best:.2f} s "
                f"of {', '.join(f'{t:.2f}' for t in times)} s; uptime before `{before}`, after `{after}`."]
    if ingest and ingest.extra.get("output"):
        out += ["", f"Registry ingest speed, `python -m benchmarks.ingest_speed` on {ingest.extra['file']} (uptime "
                f"before `{ingest.uptime_before}`, after `{ingest.uptime_after}`):", "", "```", ingest.extra["output"], "```"]
    out += ["", "### Where the time goes", ""]
    for key in ("a", "e", "d", "s"):
        if key in runs:
            out += _steps_table(runs[key]) + [""]
    split = breakdown(runs["s"]) if "s" in runs else None
    if split and defs and checks.get("interpreter_start") is not None:
        start = next(iter(split.values()))
        bare, imports = checks["interpreter_start"], defs[0]
        out += [f"(s)'s start-up of {start:.2f} s, split: a bare interpreter starts and exits in {bare:.2f} s, importing "
                f"orchestration.definitions takes {imports:.2f} s (both best of 3, measured apart), which leaves "
                f"{start - bare - imports:.2f} s for the CLI, the Dagster instance and launching the run.", ""]
    c = runs.get("c")
    if c and c.extra.get("steps"):
        out += [f"(c) the limit, {c.extra['seconds']:.1f} s inside the process (wall; CPU of the process with DuckDB's "
                "threads; the process's peak RSS after the step; steps under 0.05 s left out):", "",
                "| step | wall | CPU | peak RSS so far |", "| --- | ---: | ---: | ---: |"]
        out += [f"| {label} | {w:.2f} | {cpu:.2f} | {f'{rss:,} MB' if rss else ''} |" for label, w, cpu, rss in c.extra["steps"]
                if w >= 0.05 or cpu >= 0.05]
        out.append("")
    out += ["### Correctness against the generator's truth", ""]
    for key, label in (("a", "(a)'s published release"), ("d", "(d)'s published release (counts: truth/increment/)"),
                       ("c", "(c) the limit")):
        if key in checks.get("truth", {}):
            out += [f"**{label}**", ""] + summary_lines(checks["truth"][key]) + [""]
    if checks.get("limit_vs_a"):
        out += ["### The limit against (a)'s published marts", "",
                "Rows only in one side (EXCEPT ALL both ways over the release's columns; doubles compared to 9 "
                "decimals):", ""] + _mart_rows(checks["limit_vs_a"])
    if checks.get("rejected_vs_a"):
        out += ["", "audit.rejected_rows, (a) against (c), by (source, file, line): "
                + "; ".join(f"{s}: {r['both']:,} in both, {r['only_release']:,} only in (a), {r['only_limit']:,} only in (c)"
                            for s, r in checks["rejected_vs_a"].items()) + "."]
    return "\n".join(out) + "\n"


def write_report(section_key: str, text: str) -> None:
    """Put text in BENCHMARKS.md between the markers of section_key ('scale=0.1', 'engines')."""
    begin, end = f"<!-- bench:begin {section_key} -->", f"<!-- bench:end {section_key} -->"
    block = f"{begin}\n{text}{end}\n"
    current = REPORT.read_text(encoding="utf-8") if REPORT.exists() else REPORT_HEAD
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end) + r"\n?", re.S)
    new = pattern.sub(lambda _m: block, current) if pattern.search(current) else current.rstrip("\n") + "\n\n" + block
    REPORT.write_text(new, encoding="utf-8")
