"""The headline: AI enterprises per city over the years, with the published figures marked.

One line per city of the registry counts (marts.city_indicators.ai_enterprise_count); the
cities a source publishes a count for are the story and get colours, the others are grey
context. A published actual figure is a ring at its year and value; a published forecast
is a dashed ring joined by a dashed line to the city's last actual figure, and says
"forecast". Where the cities that led at the start and at the end differ, the year the
later leader's line passes the earlier one's is marked.
"""

from __future__ import annotations

from dataclasses import dataclass

from orchestration.publish.report import svg
from orchestration.publish.report.data import ENTERPRISE_COUNT, Figure, ReleaseData
from orchestration.publish.report.svg import e

TOP_CITIES = 8  # lines drawn at most: more would not be readable at this size
HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 420, 64, 150, 30, 36


@dataclass
class Series:
    code: str
    name: str
    colour: str
    named: bool  # a source publishes a count for this city
    points: dict[int, int]  # year -> computed count, within the drawn years


@dataclass(frozen=True)
class Headline:
    svg: str
    marks: dict[str, int]
    series: list[Series]
    left_out: list[tuple[str, int, int]]  # (city, first year, last year) of counts not drawn
    crossover: tuple[str, str, int] | None  # (later leader, earlier leader, year its line passes)


def _published(data: ReleaseData) -> list[Figure]:
    return [f for f in data.figures
            if f.indicator == ENTERPRISE_COUNT and (f.region_code in data.counts or data.region(f.region_code).level == "city")]


def _choose(data: ReleaseData, published: list[Figure]) -> list[Series]:
    named_order: list[str] = []
    for f in sorted((f for f in published if not f.is_forecast), key=lambda f: (-f.period, -f.value, f.region_code)):
        if f.region_code not in named_order:
            named_order.append(f.region_code)
    named_order += sorted({f.region_code for f in published} - set(named_order))
    others = sorted((c for c in data.counts if c not in named_order),
                    key=lambda c: (-data.counts[c][max(data.counts[c])], c))
    chosen = named_order + others[: max(TOP_CITIES - len(named_order), 0)]
    out = []
    for i, code in enumerate(chosen):
        named = code in named_order
        colour = svg.CATEGORICAL[i % len(svg.CATEGORICAL)] if named else svg.MUTED
        out.append(Series(code, data.region(code).label, colour, named, dict(data.counts.get(code, {}))))
    return out


def _window(series: list[Series]) -> tuple[int, int] | None:
    """The years the most charted cities have counts for: a year only some cities reach
    (a panel year a plan or a target mentions) would end one line far from the others."""
    coverage: dict[int, int] = {}
    for s in series:
        for year in s.points:
            coverage[year] = coverage.get(year, 0) + 1
    if not coverage:
        return None
    best = max(coverage.values())
    full = [y for y, n in coverage.items() if n == best]
    return min(full), max(full)


def _crossover(series: list[Series], first: int, last: int) -> tuple[str, str, int] | None:
    named = [s for s in series if s.named and first in s.points and last in s.points]
    if len(named) < 2:
        return None
    before = max(named, key=lambda s: s.points[first])
    after = max(named, key=lambda s: s.points[last])
    if before is after:
        return None
    years = [y for y in range(first, last + 1) if y in before.points and y in after.points]
    passed = None
    for year in years:  # the first year from which the later leader stays ahead
        if after.points[year] > before.points[year]:
            passed = passed or year
        else:
            passed = None
    return (after.code, before.code, passed) if passed else None


def draw(data: ReleaseData) -> Headline:
    published = _published(data)
    series = _choose(data, published)
    window = _window(series)
    left_out: list[tuple[str, int, int]] = []
    if window:
        for s in series:
            outside = sorted(y for y in s.points if not window[0] <= y <= window[1])
            if outside:
                left_out.append((s.name, outside[0], outside[-1]))
            s.points = {y: v for y, v in s.points.items() if window[0] <= y <= window[1]}
    shown = {s.code: s for s in series}
    figures = [f for f in published if f.region_code in shown]
    years = {y for s in series for y in s.points} | {f.period for f in figures}
    if not years:
        message = "no city has a computed or published AI-enterprise count in this release"
        return Headline(svg.empty("enterprises", message), {"series": 0, "points": 0, "published": 0, "forecasts": 0},
                        [], [], None)
    x0, x1 = min(years), max(years)
    top_value = max([v for s in series for v in s.points.values()] + [float(f.value) for f in figures] + [1])
    y_ticks = svg.ticks(top_value)
    y_max = y_ticks[-1]

    def x(year: float) -> float:
        return LEFT + (0.5 if x0 == x1 else (year - x0) / (x1 - x0)) * (svg.WIDTH - LEFT - RIGHT)

    def y(value: float) -> float:
        return TOP + (1 - float(value) / y_max) * (HEIGHT - TOP - BOTTOM)

    parts = [svg.chart_open("enterprises", HEIGHT, "AI enterprises per city and year, published figures ringed")]
    for value in y_ticks:
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{svg.WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}"/>'
                     f'<text class="tick" x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end">{svg.number(value)}</text>')
    step = 1 if x1 - x0 <= 14 else 2
    for year in range(x0, x1 + 1, step):
        parts.append(f'<text class="tick" x="{x(year):.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle">{year}</text>')
    crossover = _crossover(series, *window) if window else None
    if crossover:
        after, before, year = crossover
        # the words sit just above the crossing, where the eye already is
        at = y(max(shown[after].points[year], shown[before].points[year]))
        text_y = max(at - 16, TOP + 10)
        anchor = "end" if x(year) > (LEFT + svg.WIDTH - RIGHT) / 2 else "start"
        parts.append(f'<g class="crossover" data-leader="{e(after)}" data-passed="{e(before)}" data-year="{year}">'
                     f'<line class="marker" x1="{x(year):.1f}" x2="{x(year):.1f}" y1="{text_y + 4:.1f}" '
                     f'y2="{HEIGHT - BOTTOM}"/><text class="annotation" x="{x(year) + (-4 if anchor == "end" else 4):.1f}" '
                     f'y="{text_y:.1f}" text-anchor="{anchor}">{e(shown[after].name)} passes {e(shown[before].name)} '
                     f'({year}, counted)</text></g>')
    marks = {"series": 0, "points": 0, "published": 0, "forecasts": 0}
    ends: list[tuple[Series, float, float]] = []
    for s in sorted(series, key=lambda s: s.named):  # context first, the story on top
        if not s.points:
            continue
        marks["series"] += 1
        years_drawn = sorted(s.points)
        coords = " ".join(f"{x(t):.1f},{y(s.points[t]):.1f}" for t in years_drawn)
        css = "series named" if s.named else "series context"
        parts.append(f'<g class="{css}" data-region="{e(s.code)}" data-name="{e(s.name)}" data-points="{len(years_drawn)}">'
                     f'<polyline class="line" points="{coords}" stroke="{s.colour}"/>')
        for t in years_drawn:
            marks["points"] += 1
            parts.append(f'<circle class="point" cx="{x(t):.1f}" cy="{y(s.points[t]):.1f}" r="{3.2 if s.named else 2.4}" '
                         f'fill="{s.colour}" data-year="{t}" data-value="{s.points[t]}">'
                         f'<title>{e(s.name)} {t}: {svg.number(s.points[t])} (counted)</title></circle>')
        parts.append("</g>")
        ends.append((s, x(years_drawn[-1]), y(s.points[years_drawn[-1]])))
    parts += _published_marks(figures, shown, x, y, marks)
    label_y = svg.spread([p[2] + 4 for p in ends], 14, TOP, HEIGHT - BOTTOM)
    for (s, end_x, _), ly in zip(ends, label_y):
        parts.append(f'<text class="label end{" context" if not s.named else ""}" x="{max(end_x, x(x1)) + 10:.1f}" '
                     f'y="{ly:.1f}" style="fill:{s.colour if s.named else "#777"}" data-region="{e(s.code)}">{e(s.name)}</text>')
    parts.append("</svg>")
    return Headline("".join(parts), marks, series, left_out, crossover)


def _published_marks(figures: list[Figure], shown: dict[str, Series], x, y, marks: dict[str, int]) -> list[str]:
    """Rings at the published figures, their values beside them; forecasts dashed."""
    parts: list[str] = []
    labels: dict[int, list[tuple[float, str, str, bool]]] = {}
    actual_last: dict[str, tuple[int, float]] = {}
    for f in sorted(figures, key=lambda f: f.period):
        if not f.is_forecast:
            actual_last[f.region_code] = (f.period, float(f.value))
    for f in figures:
        s = shown[f.region_code]
        cx, cy = x(f.period), y(f.value)
        kind = "forecast" if f.is_forecast else "published"
        if f.is_forecast:
            marks["forecasts"] += 1
            base = _last_actual(s, actual_last.get(f.region_code), f.period)
            if base:
                parts.append(f'<line class="forecast-line" x1="{x(base[0]):.1f}" y1="{y(base[1]):.1f}" x2="{cx:.1f}" '
                             f'y2="{cy:.1f}" stroke="{s.colour}" data-region="{e(f.region_code)}"/>')
        else:
            marks["published"] += 1
        parts.append(f'<circle class="{kind}" cx="{cx:.1f}" cy="{cy:.1f}" r="7" stroke="{s.colour}" '
                     f'data-region="{e(f.region_code)}" data-year="{f.period}" data-value="{svg.number(f.value).replace(",", "")}" '
                     f'data-forecast="{str(f.is_forecast).lower()}"><title>{e(s.name)} {f.period}: {svg.number(f.value)} '
                     f'({"forecast" if f.is_forecast else "published"}{", " + e(f.source) if f.source else ""})</title></circle>')
        text = f"{'forecast ' if f.is_forecast else ''}{svg.number(f.value)}"
        labels.setdefault(f.period, []).append((cy + 4, text, s.colour, f.is_forecast))
    for period, entries in labels.items():
        placed = svg.spread([entry[0] for entry in entries], 13)
        for (_, text, colour, forecast), ly in zip(entries, placed):
            parts.append(f'<text class="value-label{" forecast" if forecast else ""}" x="{x(period) - 11:.1f}" '
                         f'y="{ly:.1f}" text-anchor="end" style="fill:{colour}">{e(text)}</text>')
    return parts


def _last_actual(s: Series, published: tuple[int, float] | None, before: int) -> tuple[int, float] | None:
    """Where a forecast's dashed line starts: the city's latest actual figure before it,
    counted or published (the later of the two; the published one on a tie)."""
    counted = max((t for t in s.points if t < before), default=None)
    candidates = []
    if counted is not None:
        candidates.append((counted, 0, float(s.points[counted])))
    if published and published[0] < before:
        candidates.append((published[0], 1, published[1]))
    if not candidates:
        return None
    year, _, value = max(candidates)
    return year, value
