"""The policy timeline: one lane per issuing region, one numbered dot per document.

Dots that would overlap (documents of one region close in time) stack upwards within their
lane, always in the same order (date, then policy id), so the picture is the same on every
run. Each dot carries a number that the list under the chart spells out (date, title, type,
region), so the page reads without hovering. Lanes follow the levels seed (national first);
colours and the legend follow the doc_types seed.
"""

from __future__ import annotations

from datetime import date

from orchestration.publish.report import svg, vocab
from orchestration.publish.report.data import POLICY_LANES, Policy, ReleaseData
from orchestration.publish.report.svg import e

MAX_POLICIES = 60  # the most recent documents drawn and listed
LEFT, RIGHT, TOP, AXIS, R, ROW = 190, 20, 8, 30, 8, 19


def doc_type_colours() -> dict[str, str]:
    return {t.value: svg.CATEGORICAL[i % len(svg.CATEGORICAL)] for i, t in enumerate(vocab.doc_types())}


def shown_date(policy: Policy) -> str:
    if policy.precision == "year":
        return f"{policy.published_on.year} (year only)"
    if policy.precision == "month":
        return f"{policy.published_on:%Y-%m} (month only)"
    return policy.published_on.isoformat()


def _stack(xs: list[float]) -> list[int]:
    """Row of each dot (in the given order): the lowest row where it keeps clear of every dot already there."""
    rows: list[list[float]] = []
    out = []
    for x in xs:
        for k, taken in enumerate(rows):
            if all(abs(x - other) >= 2 * R + 2 for other in taken):
                taken.append(x)
                out.append(k)
                break
        else:
            rows.append([x])
            out.append(len(rows) - 1)
    return out


def draw(data: ReleaseData) -> tuple[str, dict[str, int]]:
    colours = doc_type_colours()
    level_rank = {level.value: level.rank for level in vocab.levels()}
    level_label = {level.value: level.label for level in vocab.levels()}
    counts = {t.value: 0 for t in vocab.doc_types()}
    marks = {"policies": 0, "policy_lanes": 0}
    if not data.policies:
        return svg.empty("policies", "No policy documents in this release."), marks
    per_region: dict[str, int] = {}
    for p in data.policies:
        per_region[p.region_code] = per_region.get(p.region_code, 0) + 1

    def lane_key(code: str) -> tuple:
        region = data.region(code)
        return level_rank.get(region.level, len(level_rank)), -per_region[code], code

    lanes = sorted(sorted(per_region, key=lambda c: (-per_region[c], c))[:POLICY_LANES], key=lane_key)
    drawn = [p for p in data.policies if p.region_code in lanes][-MAX_POLICIES:]
    first = date(min(p.published_on for p in drawn).year, 1, 1)
    last = date(max(p.published_on for p in drawn).year + 1, 1, 1)

    def x(day: date) -> float:
        return LEFT + (day - first).days / (last - first).days * (svg.WIDTH - LEFT - RIGHT)

    number = {p.policy_id: i + 1 for i, p in enumerate(drawn)}
    lane_rows: dict[str, list[tuple[Policy, int]]] = {}
    for code in lanes:
        docs = [p for p in drawn if p.region_code == code]
        lane_rows[code] = list(zip(docs, _stack([x(p.published_on) for p in docs])))
    heights = {code: (max((r for _, r in rows), default=0) + 1) * ROW + 14 for code, rows in lane_rows.items()}
    height = TOP + sum(heights.values()) + AXIS
    parts = [svg.chart_open("policies", height, "Policy documents by issuing region over time")]
    for year in range(first.year, last.year + 1):
        xx = x(date(year, 1, 1))
        parts.append(f'<line class="grid" x1="{xx:.1f}" x2="{xx:.1f}" y1="{TOP}" y2="{height - AXIS + 4}"/>'
                     f'<text class="tick" x="{xx:.1f}" y="{height - 10}" text-anchor="middle">{year}</text>')
    top = float(TOP)
    for code in lanes:
        region = data.region(code)
        base = top + heights[code] - 7 - R  # the first row's centre
        marks["policy_lanes"] += 1
        parts.append(f'<g class="region-lane" data-region="{e(code)}">'
                     f'<line class="lane" x1="{LEFT}" x2="{svg.WIDTH - RIGHT}" y1="{top + heights[code]:.1f}" '
                     f'y2="{top + heights[code]:.1f}"/>'
                     f'<text class="label" x="{LEFT - 10}" y="{base - 1:.1f}" text-anchor="end">{e(region.label)}</text>'
                     f'<text class="tick" x="{LEFT - 10}" y="{base + 12:.1f}" text-anchor="end">'
                     f'{e(level_label.get(region.level, region.level))}</text>')
        for p, row in lane_rows[code]:
            cy = base - row * ROW
            counts[p.doc_type] = counts.get(p.doc_type, 0) + 1
            marks["policies"] += 1
            parts.append(f'<g class="policy" data-policy-id="{e(p.policy_id)}" data-region="{e(code)}" '
                         f'data-date="{p.published_on}" data-doc-type="{e(p.doc_type)}" data-row="{row}" '
                         f'data-number="{number[p.policy_id]}">'
                         f'<circle class="policy" cx="{x(p.published_on):.1f}" cy="{cy:.1f}" r="{R}" '
                         f'fill="{colours.get(p.doc_type, svg.MUTED)}"/>'
                         f'<text class="dot-number" x="{x(p.published_on):.1f}" y="{cy + 3.5:.1f}" '
                         f'text-anchor="middle">{number[p.policy_id]}</text>'
                         f'<title>{e(shown_date(p))} {e(p.title)}</title></g>')
        parts.append("</g>")
        top += heights[code]
    parts.append("</svg>")
    entries = [(t.value, f"{t.label} ({counts.get(t.value, 0)})", colours[t.value], "fill") for t in vocab.doc_types()]
    types = {t.value: t for t in vocab.doc_types()}
    items = []
    for p in drawn:
        term = types.get(p.doc_type)
        items.append(f'<li data-policy-id="{e(p.policy_id)}"><span class="num" style="background:'
                     f'{colours.get(p.doc_type, svg.MUTED)}">{number[p.policy_id]}</span>'
                     f'<span class="when">{e(shown_date(p))}</span> {e(p.title)} '
                     f'<span class="muted">· {e(term.label if term else p.doc_type)} · {e(data.region(p.region_code).label)}'
                     f'{" · " + e(p.issuer) if p.issuer else ""}</span></li>')
    hidden = (len(data.policies) if data.policy_total is None else data.policy_total) - len(drawn)
    note = (f'<p class="note">{hidden} earlier documents or documents of regions with fewer documents are not drawn; '
            f'every document is in marts.policy_timeline.</p>') if hidden else ""
    return "".join(parts) + svg.legend("policies", entries) + f'<ol class="policies">{"".join(items)}</ol>' + note, marks
