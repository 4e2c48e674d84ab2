"""Every other figure the sources publish (marts.published_figures), one panel per indicator.

Bars of actual figures are filled; forecasts and plan targets are dashed outlines marked
"forecast", so a projection never reads as an observation. Indicators come in the order of
the indicator catalogue seed and are titled by it.
"""

from __future__ import annotations

from orchestration.publish.report import svg, vocab
from orchestration.publish.report.data import ENTERPRISE_COUNT, Figure, ReleaseData
from orchestration.publish.report.svg import e

LABEL_W, VALUE_W, BAR_H, GAP, HEAD = 210, 210, 18, 6, 26
COLOUR = "#0072B2"


def draw(data: ReleaseData) -> tuple[str, dict[str, int]]:
    others = [f for f in data.figures if f.indicator != ENTERPRISE_COUNT]
    # A synthetic file's figures (the sample's made-up population and GDP) are no source's
    # word: the chart of what sources publish says they are there and does not draw them.
    figures = [f for f in others if not f.is_synthetic]
    made_up = sorted({f.source_file for f in others if f.is_synthetic})
    note = (f'<p class="note">Not drawn: {len(others) - len(figures):,} figures of synthetic files '
            f'({e(", ".join(made_up))}), made up, not published by anyone.</p>') if made_up else ""
    marks = {"figures": 0, "figure_forecasts": 0}
    if not figures:
        where = "this release has no marts.published_figures" if data.figures_from != "marts.published_figures" else (
            "the sources publish no figure besides the AI-enterprise counts")
        return svg.empty("figures", f"No other published figures: {where}.") + note, marks
    catalogue = {i.code: (n, i) for n, i in enumerate(vocab.indicators())}
    panels: dict[str, list[Figure]] = {}
    for f in sorted(figures, key=lambda f: (catalogue.get(f.indicator, (len(catalogue), None))[0], f.indicator)):
        panels.setdefault(f.indicator, []).append(f)
    height = sum(HEAD + len(rows) * (BAR_H + GAP) + 8 for rows in panels.values()) + 4
    parts = [svg.chart_open("figures", height, "Published figures by indicator; forecasts dashed")]
    top = 4.0
    for code, rows in panels.items():
        indicator = catalogue.get(code, (0, None))[1]
        title = f"{indicator.description} · {indicator.label_zh}" if indicator else code
        rows = sorted(rows, key=lambda f: (f.period, f.is_forecast, -f.value, f.region_code))
        scale = (svg.WIDTH - LABEL_W - VALUE_W) / float(max(f.value for f in rows) or 1)
        parts.append(f'<g class="panel" data-indicator="{e(code)}"><text class="panel-title" x="4" y="{top + 16:.1f}">'
                     f'{e(title)}</text>')
        top += HEAD
        for f in rows:
            width = max(float(f.value) * scale, 1.0)
            region = data.region(f.region_code)
            kind = "forecast" if f.is_forecast else "actual"
            marks["figures"] += 1
            marks["figure_forecasts"] += f.is_forecast
            parts.append(
                f'<text class="label" x="{LABEL_W - 8}" y="{top + BAR_H - 5:.1f}" text-anchor="end">'
                f'{e(region.label)} {f.period}</text>'
                f'<rect class="figure {kind}" x="{LABEL_W}" y="{top:.1f}" width="{width:.1f}" height="{BAR_H}" '
                f'fill="{COLOUR if not f.is_forecast else "none"}" stroke="{COLOUR}" data-indicator="{e(code)}" '
                f'data-region="{e(f.region_code)}" data-period="{f.period}" data-value="{e(f.value)}" '
                f'data-forecast="{str(f.is_forecast).lower()}"><title>{e(region.label)} {f.period}: '
                f'{e(svg.amount(f.value, f.value_kind))}{" (forecast)" if f.is_forecast else ""}'
                f'{" — " + e(f.source) if f.source else ""}</title></rect>'
                f'<text class="value{" forecast" if f.is_forecast else ""}" x="{LABEL_W + width + 6:.1f}" '
                f'y="{top + BAR_H - 5:.1f}">{e(svg.amount(f.value, f.value_kind))}'
                f'{" · forecast" if f.is_forecast else ""}</text>')
            top += BAR_H + GAP
        parts.append("</g>")
        top += 8
    parts.append("</svg>")
    key = svg.legend("figures", [("actual", "actual figure", COLOUR, "fill"),
                                 ("forecast", "forecast or plan target", COLOUR, "dashed")])
    return "".join(parts) + key + note, marks
