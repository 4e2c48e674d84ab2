"""The static report of the race: serving/report.html, regenerated at each publish.

One HTML file that opens from disk without a server or a network: styles inline,
charts drawn here as inline SVG (no JavaScript, no CDN; a Content-Security-Policy
forbids fetching anything). It reads the Parquet files of one release folder, so
it shows exactly one release, and is replaced by rename.

Charts (each mark carries data-* attributes, so a test can count and check them):
- AI enterprises by city over the years: one line per city (the TOP_CITIES with the
  most enterprises in their latest year), from marts.city_indicators;
- the policy timeline: one lane per issuing region, one dot per document, from
  marts.policy_timeline;
- compute build-out by region: one stacked bar per region of projects announced,
  started and completed, with the capacity completed, from marts.compute_buildout.
"""

from __future__ import annotations

import html
import json
import os
from datetime import date
from pathlib import Path

import duckdb

TOP_CITIES = 10
PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22",
           "#7f7f7f"]
DOC_TYPE_COLOURS = {"plan": "#1f77b4", "regulation": "#d62728", "measures": "#ff7f0e", "notice": "#2ca02c",
                    "speech": "#9467bd", "opinion": "#8c564b", "other": "#7f7f7f"}
KIND_COLOURS = {"announced": "#9ecae1", "started": "#3182bd", "completed": "#08519c"}
LEVEL_ORDER = {"national": 0, "province": 1, "city": 2, "district": 3}
WIDTH = 760

CITY_SERIES_SQL = f"""
WITH counts AS (
    SELECT region_code, year, ai_enterprise_count FROM marts.city_indicators
    WHERE level = 'city' AND ai_enterprise_count IS NOT NULL
), top AS (
    SELECT region_code FROM counts GROUP BY region_code
    ORDER BY arg_max(ai_enterprise_count, year) DESC, region_code LIMIT {TOP_CITIES}
)
SELECT c.region_code, coalesce(d.name_zh, c.region_code), coalesce(d.name_en, ''), c.year, c.ai_enterprise_count
FROM counts c JOIN top USING (region_code) LEFT JOIN marts.dim_region d USING (region_code)
ORDER BY c.region_code, c.year
"""


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _empty(chart: str, message: str) -> str:
    return (f'<svg class="chart" data-chart="{chart}" width="{WIDTH}" height="60" role="img">'
            f'<text x="10" y="35" class="muted">{_e(message)}</text></svg>')


def enterprises_chart(rows: list[tuple]) -> str:
    """Lines of AI enterprises per city and year."""
    if not rows:
        return _empty("enterprises", "no city has a computed enterprise count in this release")
    height, left, right, top, bottom = 360, 60, 170, 20, 40
    years = sorted({r[3] for r in rows})
    y_max = 4 * _nice_max(max(r[4] for r in rows) / 4)
    x0, x1 = min(years), max(years)

    def x(year: int) -> float:
        return left + (0.5 if x0 == x1 else (year - x0) / (x1 - x0)) * (WIDTH - left - right)

    def y(value: float) -> float:
        return top + (1 - value / y_max) * (height - top - bottom)

    parts = [f'<svg class="chart" data-chart="enterprises" width="{WIDTH}" height="{height}" role="img" '
             f'aria-label="AI enterprises by city and year">']
    for i in range(5):
        value = y_max * i / 4
        parts.append(f'<line class="grid" x1="{left}" x2="{WIDTH - right}" y1="{y(value):.1f}" y2="{y(value):.1f}"/>'
                     f'<text class="tick" x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end">{_fmt(value)}</text>')
    for year in years:
        parts.append(f'<text class="tick" x="{x(year):.1f}" y="{height - bottom + 18}" text-anchor="middle">{year}</text>')
    series: dict[str, list[tuple]] = {}
    for row in rows:
        series.setdefault(row[0], []).append(row)
    # end labels, pushed apart so that close lines keep readable names
    label_y: dict[str, float] = {}
    for code, points in sorted(series.items(), key=lambda item: y(item[1][-1][4])):
        wanted = y(points[-1][4]) + 4
        label_y[code] = max(wanted, max(label_y.values(), default=-1e9) + 13)
    for i, (code, points) in enumerate(series.items()):
        colour = PALETTE[i % len(PALETTE)]
        name_zh, name_en = points[0][1], points[0][2]
        coords = " ".join(f"{x(p[3]):.1f},{y(p[4]):.1f}" for p in points)
        parts.append(f'<g class="series" data-region="{_e(code)}" data-name="{_e(name_en or name_zh)}" '
                     f'data-points="{len(points)}">'
                     f'<polyline class="line" points="{coords}" stroke="{colour}"/>')
        for p in points:
            parts.append(f'<circle class="point" cx="{x(p[3]):.1f}" cy="{y(p[4]):.1f}" r="3" fill="{colour}" '
                         f'data-year="{p[3]}" data-value="{p[4]}"><title>{_e(name_zh)} {p[3]}: {p[4]:,}</title></circle>')
        last = points[-1]
        parts.append(f'<text class="label" x="{x(last[3]) + 8:.1f}" y="{label_y[code]:.1f}" '
                     f'fill="{colour}">{_e(name_en)} {_e(name_zh)}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def policy_timeline_chart(rows: list[tuple]) -> str:
    """One lane per issuing region, one dot per policy document."""
    if not rows:
        return _empty("policies", "no policy documents in this release")
    lanes = sorted({(LEVEL_ORDER.get(r[3], 9), r[1], r[2]) for r in rows})
    lane_of = {code: i for i, (_, code, _) in enumerate(lanes)}
    left, right, top, lane_h = 170, 20, 20, 30
    height = top + lane_h * len(lanes) + 40
    first = date(min(r[4] for r in rows).year, 1, 1)
    last = date(max(r[4] for r in rows).year + 1, 1, 1)
    span = (last - first).days

    def x(day: date) -> float:
        return left + (day - first).days / span * (WIDTH - left - right)

    parts = [f'<svg class="chart" data-chart="policies" width="{WIDTH}" height="{height}" role="img" '
             f'aria-label="Policy documents by region over time">']
    for year in range(first.year, last.year + 1):
        xx = x(date(year, 1, 1))
        parts.append(f'<line class="grid" x1="{xx:.1f}" x2="{xx:.1f}" y1="{top}" y2="{height - 30}"/>'
                     f'<text class="tick" x="{xx:.1f}" y="{height - 14}" text-anchor="middle">{year}</text>')
    for i, (_, code, name) in enumerate(lanes):
        yy = top + lane_h * i + lane_h / 2
        parts.append(f'<line class="lane" x1="{left}" x2="{WIDTH - right}" y1="{yy:.1f}" y2="{yy:.1f}"/>'
                     f'<text class="label" x="{left - 8}" y="{yy + 4:.1f}" text-anchor="end">{_e(name)}</text>')
    for policy_id, code, _name, _level, published_on, doc_type, title in rows:
        yy = top + lane_h * lane_of[code] + lane_h / 2
        colour = DOC_TYPE_COLOURS.get(doc_type, DOC_TYPE_COLOURS["other"])
        parts.append(f'<circle class="policy" cx="{x(published_on):.1f}" cy="{yy:.1f}" r="6" fill="{colour}" '
                     f'data-policy-id="{_e(policy_id)}" data-region="{_e(code)}" data-date="{published_on}" '
                     f'data-doc-type="{_e(doc_type)}"><title>{published_on} {_e(doc_type)}: {_e(title)}</title></circle>')
    parts.append("</svg>")
    legend = "".join(f'<span class="key"><i style="background:{c}"></i>{t}</span>' for t, c in DOC_TYPE_COLOURS.items())
    return "".join(parts) + f'<p class="legend">{legend}</p>'


def compute_chart(rows: list[tuple]) -> str:
    """One stacked bar per region: compute-centre projects announced, started, completed."""
    if not rows:
        return _empty("compute", "no compute-centre events in this release")
    left, right, top, bar_h, gap = 170, 170, 10, 20, 8
    height = top + (bar_h + gap) * len(rows) + 30
    x_max = 4 * _nice_max(max(r[2] + r[3] + r[4] for r in rows) / 4)
    scale = (WIDTH - left - right) / x_max
    parts = [f'<svg class="chart" data-chart="compute" width="{WIDTH}" height="{height}" role="img" '
             f'aria-label="Compute-centre projects by region">']
    for i in range(5):
        value = x_max * i / 4
        xx = left + value * scale
        parts.append(f'<line class="grid" x1="{xx:.1f}" x2="{xx:.1f}" y1="{top}" y2="{height - 26}"/>'
                     f'<text class="tick" x="{xx:.1f}" y="{height - 10}" text-anchor="middle">{_fmt(value)}</text>')
    for i, (code, name, announced, started, completed, capacity) in enumerate(rows):
        yy = top + i * (bar_h + gap)
        parts.append(f'<text class="label" x="{left - 8}" y="{yy + bar_h - 5}" text-anchor="end">{_e(name)}</text>')
        xx = float(left)
        for kind, value in (("announced", announced), ("started", started), ("completed", completed)):
            if value > 0:
                parts.append(f'<rect class="bar" x="{xx:.1f}" y="{yy}" width="{value * scale:.1f}" height="{bar_h}" '
                             f'fill="{KIND_COLOURS[kind]}" data-region="{_e(code)}" data-kind="{kind}" '
                             f'data-value="{value}"><title>{_e(name)}: {value} {kind}</title></rect>')
                xx += value * scale
        parts.append(f'<text class="tick" x="{xx + 6:.1f}" y="{yy + bar_h - 5}" data-capacity="{capacity}">'
                     f'{_fmt(float(capacity))} PFLOPS completed</text>')
    parts.append("</svg>")
    legend = "".join(f'<span class="key"><i style="background:{c}"></i>{k}</span>' for k, c in KIND_COLOURS.items())
    return "".join(parts) + f'<p class="legend">{legend}</p>'


def _table(headers: list[str], rows: list[tuple], css: str) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","PingFang SC",sans-serif;margin:24px auto;
max-width:820px;color:#222;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 6px}.muted,.note{color:#666}.note{font-size:12px}
svg.chart{display:block;background:#fcfcfc;border:1px solid #eee}
.grid{stroke:#e5e5e5}.lane{stroke:#ddd;stroke-dasharray:2 3}.tick{font-size:11px;fill:#666}.label{font-size:12px;fill:#333}
.line{fill:none;stroke-width:2}.legend{font-size:12px;color:#444}.key{margin-right:12px}
.key i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
table{border-collapse:collapse;font-size:12px;margin-top:6px}th,td{border-bottom:1px solid #eee;padding:3px 8px;text-align:left}
.kpi{display:flex;gap:18px;margin:12px 0}.kpi div{background:#f4f6f8;padding:8px 12px;border-radius:4px}
.kpi b{display:block;font-size:18px}
"""


def render(con: duckdb.DuckDBPyConnection, release: dict) -> tuple[str, dict[str, int]]:
    """The HTML of the report and how many marks each chart drew."""
    city_rows = con.execute(CITY_SERIES_SQL).fetchall()
    policy_rows = con.execute("""
        SELECT p.policy_id, p.region_code, concat_ws(' ', d.name_en, coalesce(d.name_zh, p.region_code)), p.level,
               p.published_on,
               coalesce(p.doc_type, 'other'), p.title
        FROM marts.policy_timeline p LEFT JOIN marts.dim_region d USING (region_code)
        WHERE p.published_on IS NOT NULL ORDER BY p.published_on, p.policy_id
    """).fetchall()
    compute_rows = con.execute("""
        SELECT b.region_code, concat_ws(' ', d.name_en, coalesce(d.name_zh, b.region_code)),
               sum(b.projects_announced)::BIGINT, sum(b.projects_started)::BIGINT, sum(b.projects_completed)::BIGINT,
               coalesce(arg_max(b.cumulative_capacity_pflops, b.month), 0)
        FROM marts.compute_buildout b LEFT JOIN marts.dim_region d USING (region_code)
        GROUP BY ALL ORDER BY 6 DESC, 3 + 4 + 5 DESC, 1
    """).fetchall()
    published = con.execute("""
        SELECT concat_ws(' ', d.name_en, c.region_name_zh), c.year, c.ai_enterprise_count_published,
               c.ai_enterprise_count
        FROM marts.city_indicators c LEFT JOIN marts.dim_region d USING (region_code)
        WHERE c.ai_enterprise_count_published IS NOT NULL ORDER BY c.region_code, c.year
    """).fetchall()
    index_rows = con.execute("""
        SELECT i.rank, concat_ws(' ', d.name_en, coalesce(d.name_zh, i.region_code)), i.year, round(i.score, 3), i.ai_enterprise_count,
               i.policy_count, i.compute_capacity_pflops
        FROM marts.modu_index i LEFT JOIN marts.dim_region d USING (region_code)
        WHERE i.year = (SELECT year FROM marts.modu_index GROUP BY year ORDER BY count(*) DESC, year DESC LIMIT 1)
        ORDER BY i.rank LIMIT 10
    """).fetchall()
    mismatches = con.execute(
        "SELECT count(*) FILTER (WHERE status = 'mismatch'), count(*) FROM marts.figure_reconciliation"
    ).fetchone()
    marks = {
        "series": len({r[0] for r in city_rows}),
        "points": len(city_rows),
        "policies": len(policy_rows),
        "bars": sum((r[2] > 0) + (r[3] > 0) + (r[4] > 0) for r in compute_rows),
    }
    release_id = release["release_id"]
    kpis = (f'<div class="kpi"><div><b>{len({r[0] for r in city_rows})}</b>cities charted</div>'
            f'<div><b>{len(policy_rows)}</b>policy documents</div>'
            f'<div><b>{len(compute_rows)}</b>regions with compute projects</div>'
            f'<div><b>{mismatches[0]} / {mismatches[1]}</b>published figures that do not reconcile</div></div>')
    body = f"""
<h1>模都 · The race to lead the large-model era</h1>
<p class="muted">Release <code id="release-id">{_e(release_id)}</code>, published {_e(release.get('created_at', ''))}.
Static page: it reads nothing and opens from disk.</p>
{kpis}
<h2>AI enterprises by city over the years</h2>
<p class="note">Enterprises counted from the registry (the shipped registry is a synthetic sample), cities with the
most in their latest year. The figures the article publishes are listed below the chart.</p>
{enterprises_chart(city_rows)}
{_table(["region", "year", "published (article)", "computed (registry)"], published, "published") if published else ""}
<h2>Policy timeline</h2>
<p class="note">Each dot is one document, on the lane of the region that issued it; colour = document type.</p>
{policy_timeline_chart(policy_rows)}
<h2>Compute build-out by region</h2>
<p class="note">Compute-centre projects per region by stage (sum over months), with the capacity completed or operational
at the latest month.</p>
{compute_chart(compute_rows)}
<h2>modu index, top ten of the latest year that ranks the most cities</h2>
{_table(["rank", "region", "year", "score", "AI enterprises", "policies", "PFLOPS"], index_rows, "index")
 if index_rows else '<p class="muted">no index rows in this release</p>'}
"""
    page = f"""<!DOCTYPE html>
<html lang="zh-Hans"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="modu-release" content="{_e(release_id)}">
<meta name="modu-marks" content="{_e(json.dumps(marks, sort_keys=True))}">
<title>modu report · {_e(release_id)}</title><style>{STYLE}</style></head>
<body>{body}</body></html>
"""
    return page, marks


def write_report(release_folder: Path, target: Path) -> dict[str, int]:
    """Render the report of the release in `release_folder` into `target`, replaced by rename."""
    release_folder = release_folder.resolve()
    release = json.loads((release_folder / "release.json").read_text(encoding="utf-8"))
    con = duckdb.connect()
    try:
        con.execute("CREATE SCHEMA marts")
        for path in release_folder.glob("marts.*.parquet"):
            name = path.name[len("marts."): -len(".parquet")]
            con.execute(f"CREATE VIEW marts.{name} AS SELECT * FROM read_parquet('{str(path).replace(chr(39), chr(39) * 2)}')")
        page, marks = render(con, release)
    finally:
        con.close()
    tmp = target.with_name(f".{target.name}.{os.getpid()}")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, target)
    return marks
