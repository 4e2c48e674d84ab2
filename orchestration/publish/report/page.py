"""The page: the charts in the order of the story, the words around them, the tables, the style.

Every sentence that states a figure or a provenance is built from the release's rows, so
the page never says more than the release holds: the lede from the published figures, the
note on where the counts come from from the files the release records (or, where it
records none, from what the shipped sample is), the compute summary from compute_buildout.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from orchestration.publish.report import chart_compute, chart_enterprises, chart_figures, chart_policies, fonts, svg
from orchestration.publish.report.data import ENTERPRISE_COUNT, ReleaseData
from orchestration.publish.report.svg import e

CSP = "default-src 'none'; style-src 'unsafe-inline'; font-src data:"

STYLE = """
body{font:14px/1.5 "%(family)s",sans-serif;margin:24px auto;max-width:820px;color:#222;background:#fff}
h1{font-size:24px;margin:0 0 2px}h2{font-size:18px;margin:30px 0 4px}.sub{font-size:16px;color:#444;margin:0 0 8px}
.muted,.note{color:#666}.note{font-size:12.5px;margin:4px 0 8px}.lede{font-size:15px}
.provenance{border-left:3px solid #D55E00;background:#fff7f0;padding:6px 10px;font-size:13px}
svg.chart{display:block;background:#fcfcfc;border:1px solid #eee;font-family:"%(family)s",sans-serif}
.grid{stroke:#e8e8e8}.lane{stroke:#ddd;stroke-dasharray:2 3}.tick{font-size:11px;fill:#666}
.label{font-size:12px;fill:#333}.label.end{font-size:12.5px;font-weight:bold}.label.context{font-weight:normal}
.line{fill:none;stroke-width:2.2}.series.context .line{stroke-width:1.4}
circle.published,circle.forecast{fill:#fff;fill-opacity:.15;stroke-width:2.2}circle.forecast{stroke-dasharray:3 2}
.forecast-line{stroke-width:2;stroke-dasharray:6 4}.value-label{font-size:11.5px;font-weight:bold}
.value-label,.annotation,.label.end{paint-order:stroke;stroke:#fcfcfc;stroke-width:3.5px;stroke-linejoin:round}
.marker{stroke:#999;stroke-dasharray:2 3}.annotation{font-size:11.5px;fill:#444}
.panel-title{font-size:12.5px;font-weight:bold;fill:#333}.value{font-size:11.5px;fill:#333}
rect.forecast{stroke-dasharray:5 3;stroke-width:1.5}.value.forecast{fill:#555;font-style:italic}
.dot-number{font-size:9.5px;fill:#fff;font-weight:bold}.bar-number{font-size:11px;fill:#fff}
.legend{font-size:12.5px;color:#444;margin:6px 0}.key{margin-right:14px;white-space:nowrap}
.key i{display:inline-block;width:11px;height:11px;margin-right:4px;vertical-align:-1px}
.key i.line{width:18px;height:0;border-top:2.5px solid;vertical-align:3px}.key i.dashed{border-top-style:dashed}
.key i.ring{width:9px;height:9px;border:2px solid;border-radius:50%%}
ol.policies{font-size:12.5px;padding-left:0;list-style:none;margin:8px 0}ol.policies li{margin:2px 0}
.num{display:inline-block;min-width:18px;height:18px;border-radius:9px;color:#fff;font-size:10.5px;font-weight:bold;
text-align:center;line-height:18px;margin-right:6px}.when{font-variant-numeric:tabular-nums;margin-right:4px}
table{border-collapse:collapse;font-size:12.5px;margin-top:6px}th,td{border-bottom:1px solid #eee;padding:3px 9px;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}.status-mismatch{color:#D55E00}.status-match{color:#009E73}
footer{margin-top:32px;font-size:12px;color:#777}
"""


def _table(headers: list[str], rows: list[list[tuple[str, str]]], css: str) -> str:
    """rows of (text, cell class)."""
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f'<td class="{c}">{e(v)}</td>' for v, c in row) + "</tr>" for row in rows)
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def lede(data: ReleaseData) -> str:
    """Who led, in the first and the last year a source publishes city counts for."""
    by_year: dict[int, list] = {}
    for f in data.figures:
        if f.indicator == ENTERPRISE_COUNT and not f.is_forecast and data.region(f.region_code).level == "city":
            by_year.setdefault(f.period, []).append(f)
    if not by_year:
        return ""
    said = []
    for year in sorted({min(by_year), max(by_year)}):
        ranked = sorted(by_year[year], key=lambda f: (-f.value, f.region_code))
        rest = ", ".join(f"{data.region(f.region_code).label} {svg.number(f.value)}" for f in ranked[1:])
        said.append(f"in {year} {data.region(ranked[0].region_code).label} led with {svg.number(ranked[0].value)}"
                    + (f" (then {rest})" if rest else ""))
    first, last = by_year[min(by_year)], by_year[max(by_year)]
    leader = [max(fs, key=lambda f: (f.value, f.region_code)).region_code for fs in (first, last)]
    turn = (f" {data.region(leader[1]).label} overtook {data.region(leader[0]).label}."
            if leader[0] != leader[1] and min(by_year) != max(by_year) else "")
    return (f'<p class="lede">AI-related enterprises as published: {"; ".join(said)}.{turn}</p>')


def provenance(data: ReleaseData) -> str:
    """Where the counted lines come from, in the release's own words where it has them."""
    matched = [r for r in data.reconciliation if r.indicator == ENTERPRISE_COUNT]
    agree = sum(r.status == "match" for r in matched)
    check = (f" Counted and published agree at {agree} of the {len(matched)} published points."
             if matched else "")
    if data.landed_files is None:
        return (f'<p class="provenance" data-provenance="unrecorded"><b>Where the lines come from.</b> Counted from '
                f'the enterprise registry extract in the landing folder (raw/enterprises/); this release does not '
                f'record which files those were. The extract shipped with modu is <b>synthetic</b> (files named '
                f'synthetic_*): made-up enterprises. Unless a real extract was landed, the lines between the ringed points are illustrations, not '
                f'observations; only the ringed figures are published ones.{check}</p>')
    registry = [f for f in data.landed_files if f.source == "enterprises"]
    synthetic = [f for f in registry if f.is_synthetic]
    rows = sum(f.rows for f in registry)
    names = ", ".join(f.file.rsplit("/", 1)[-1] for f in registry[:4]) + (" …" if len(registry) > 4 else "")
    if not registry:
        said = "This release holds no registry extract, so nothing is counted; only published figures are drawn."
        kind = "none"
    elif len(synthetic) == len(registry):
        said = (f"Counted from a <b>synthetic</b> registry extract ({e(names)}, {svg.number(rows)} rows): made-up "
                f"enterprises, so the lines are illustrations, not observations; only the ringed figures are "
                f"published ones.")
        kind = "synthetic"
    elif synthetic:
        said = (f"Counted from {len(registry)} registry files ({e(names)}, {svg.number(rows)} rows), of which "
                f"{len(synthetic)} are <b>synthetic</b> (made-up enterprises): the lines mix real and made-up records.")
        kind = "mixed"
    else:
        said = f"Counted from the registry extract ({e(names)}, {svg.number(rows)} rows)."
        kind = "registry"
    return f'<p class="provenance" data-provenance="{kind}"><b>Where the lines come from.</b> {said}{check}</p>'


def _reconciliation(data: ReleaseData) -> str:
    if not data.reconciliation:
        return ""
    rows = [[(data.region(r.region_code).label, ""), (r.indicator, ""), (str(r.period), "n"),
             (svg.number(r.published), "n"), (svg.number(r.computed) if r.computed is not None else "–", "n"),
             (r.status, f"status-{r.status}")] for r in data.reconciliation]
    return ('<p class="note">Published figures beside the same figures as the warehouse computes them '
            '(marts.figure_reconciliation); a mismatch is recorded, never corrected.</p>'
            + _table(["region", "indicator", "year", "published", "computed", "status"], rows, "reconciliation"))


def _index(data: ReleaseData) -> str:
    if not data.index_rows:
        return '<p class="muted">No modu index rows in this release.</p>'

    def capacity(value: Decimal | None) -> str:
        return svg.number(value) if value else "–"  # 0 means no completed capacity stated, not a measured zero

    rows = [[(str(rank), "n"), (data.region(code).label, ""), (str(year), "n"), (svg.number(score), "n"),
             (svg.number(count) if count is not None else "–", "n"), (str(policies), "n"), (capacity(pflops), "n")]
            for rank, code, year, score, count, policies, pflops in data.index_rows]
    return (_table(["rank", "city", "year", "score", "AI enterprises (counted)", "policies", "PFLOPS"], rows, "index")
            + '<p class="note">– : no count, or no completed compute capacity stated.</p>')


def render(data: ReleaseData, font_cache: Path | None = None) -> tuple[str, dict[str, int]]:
    """The HTML of the report and the marks each chart drew (font_cache: see fonts.subset)."""
    release_id = data.release["release_id"]
    headline = chart_enterprises.draw(data)
    figures_svg, figure_marks = chart_figures.draw(data)
    policies_svg, policy_marks = chart_policies.draw(data)
    compute_svg, compute_summary, compute_marks = chart_compute.draw(data)
    marks = {**headline.marks, **figure_marks, **policy_marks, **compute_marks}
    left_out = "; ".join(f"{name} {a}–{b}" if a != b else f"{name} {a}" for name, a, b in headline.left_out)
    key = svg.legend("enterprises", [("counted", "counted from the registry", "#444", "line"),
                                     ("published", "published figure", "#444", "ring"),
                                     ("forecast", "published forecast", "#444", "dashed")])
    sources = sorted({f.source for f in data.figures if f.source})
    body = f"""
<h1>模都 · The race for China's AI capital</h1>
<p class="sub">竞逐「模都」: which cities grow AI enterprises fastest, how often their governments issue AI policy,
where compute centres are built.</p>
<p class="muted">Release <code id="release-id">{e(release_id)}</code>, published {e(data.release.get('created_at', ''))}.
A static page: it reads nothing and opens from disk.</p>
{lede(data)}
<h2>AI enterprises per city · 人工智能相关企业数量</h2>
{provenance(data)}
{headline.svg}
{key}
<p class="note">Lines: AI-related enterprises per city at each year's end, counted from the registry
(marts.city_indicators); coloured cities are those a source publishes a count for, grey ones the others with the
most. Rings: the published figures ({e(headline_source(data))}).
{f"Not drawn: {e(left_out)} (years only some cities have counts for)." if left_out else ""}</p>
{_reconciliation(data)}
<h2>Other published figures · 其他公开数据</h2>
<p class="note">Every other figure the sources publish, as published (marts.published_figures); dashed bars are forecasts
or plan targets, never observations.</p>
{figures_svg}
<h2>Policy timeline · 政策时间线</h2>
<p class="note">One numbered dot per document on the lane of the region that issued it (marts.policy_timeline); documents
close in time stack. The list spells each number out.</p>
{policies_svg}
<h2>Compute build-out · 算力中心建设</h2>
<p class="note">Projects per region by the stage their events reached (marts.compute_buildout, summed over months).
{e(compute_summary)}</p>
{compute_svg}
<h2>modu index · 模都指数</h2>
<p class="note">Top ten of the latest year that ranks the most cities (marts.modu_index).</p>
{_index(data)}
<footer>Published figures from: {e("; ".join(sources)) if sources else "none in this release"}.
Chinese text set in Noto Sans SC (SIL Open Font License 1.1), embedded as a subset of the characters on this page.</footer>
"""
    embedded = fonts.embed(body, font_cache)
    marks["font_subset_bytes"] = embedded.woff_bytes
    page = f"""<!DOCTYPE html>
<html lang="zh-Hans"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="modu-release" content="{e(release_id)}">
<meta name="modu-marks" content="{e(json.dumps(marks, sort_keys=True))}">
<title>modu report · {e(release_id)}</title>
<style>{embedded.css}{STYLE % {"family": fonts.FAMILY}}</style></head>
<body>{body}</body></html>
"""
    return page, marks


def headline_source(data: ReleaseData) -> str:
    found = sorted({f.source for f in data.figures if f.indicator == ENTERPRISE_COUNT and f.source})
    return "; ".join(found) if found else f"from {data.figures_from}"
