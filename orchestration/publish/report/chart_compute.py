"""Compute-centre build-out: per region, the projects that reached each stage of their life.

Stages and their order come from the compute_events seed; completed and operational share
one stage, as marts.compute_buildout counts them together. Capacity is written only where
the release knows it: a region whose completed projects state none says "capacity not
stated", and a region with no completed project says nothing about capacity at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from orchestration.publish.report import svg, vocab
from orchestration.publish.report.data import COMPLETED_COLUMN, STAGE_COLUMNS, ComputeRegion, ReleaseData
from orchestration.publish.report.svg import e

LEFT, RIGHT, TOP, BAR_H, GAP, AXIS = 170, 260, 8, 20, 8, 28


@dataclass(frozen=True)
class Stage:
    values: tuple[str, ...]  # the seed's events this stage counts
    label: str
    column: str  # the compute_buildout column that counts them
    colour: str


def stages() -> list[Stage]:
    """The stages in lifecycle order, from the seed, each tied to the mart column counting it."""
    events = vocab.compute_events()
    found: list[tuple[tuple[str, ...], str, str]] = []
    for event in events:
        if event.is_completed:
            continue
        if event.value not in STAGE_COLUMNS:
            raise ValueError(f"compute_events seed lists {event.value!r}, which marts.compute_buildout does not count "
                             f"(it counts {', '.join(STAGE_COLUMNS)} and the completed events)")
        found.append(((event.value,), event.label, STAGE_COLUMNS[event.value]))
    completed = [event for event in events if event.is_completed]
    if completed:
        found.append((tuple(ev.value for ev in completed), " / ".join(ev.label for ev in completed), COMPLETED_COLUMN))
    colours = svg.SEQUENTIAL[len(svg.SEQUENTIAL) - len(found):] if len(found) <= len(svg.SEQUENTIAL) else svg.CATEGORICAL
    return [Stage(values, label, column, colours[i % len(colours)]) for i, (values, label, column) in enumerate(found)]


def _months(row: ComputeRegion) -> str:
    first, last = f"{row.first_month:%Y-%m}", f"{row.last_month:%Y-%m}"
    return first if first == last else f"{first} – {last}"


def capacity_text(row: ComputeRegion) -> str | None:
    """What the page says about a region's capacity: None when it has nothing to say."""
    if row.capacity_pflops and row.capacity_pflops > 0:
        return f"{svg.number(row.capacity_pflops)} PFLOPS completed or operational"
    if row.stages.get(COMPLETED_COLUMN, 0) > 0:
        return "capacity not stated"
    return None


def draw(data: ReleaseData) -> tuple[str, str, dict[str, int]]:
    """(chart with its legend, a one-line summary, marks)."""
    kinds = stages()
    marks = {"bars": 0, "compute_regions": 0}
    if not data.compute:
        return svg.empty("compute", "No compute-centre events in this release."), "", marks
    reach = {r.region_code: max((i for i, k in enumerate(kinds) if r.stages.get(k.column, 0) > 0), default=-1)
             for r in data.compute}
    rows = sorted(data.compute, key=lambda r: (-reach[r.region_code], -sum(r.stages.values()),
                                                -(r.capacity_pflops or Decimal(0)), r.region_code))
    most = max(sum(r.stages.get(k.column, 0) for k in kinds) for r in rows) or 1
    tick_values = [t for t in svg.ticks(most) if float(t).is_integer()]
    scale = (svg.WIDTH - LEFT - RIGHT) / tick_values[-1]
    height = TOP + len(rows) * (BAR_H + GAP) + AXIS
    parts = [svg.chart_open("compute", height, "Compute-centre projects per region by stage")]
    for value in tick_values:
        xx = LEFT + value * scale
        parts.append(f'<line class="grid" x1="{xx:.1f}" x2="{xx:.1f}" y1="{TOP}" y2="{height - AXIS + 4}"/>'
                     f'<text class="tick" x="{xx:.1f}" y="{height - 10}" text-anchor="middle">{svg.number(value)}</text>')
    for i, row in enumerate(rows):
        yy = TOP + i * (BAR_H + GAP)
        region = data.region(row.region_code)
        marks["compute_regions"] += 1
        parts.append(f'<g class="region" data-region="{e(row.region_code)}">'
                     f'<text class="label" x="{LEFT - 8}" y="{yy + BAR_H - 6}" text-anchor="end">{e(region.label)}</text>')
        xx = float(LEFT)
        for kind in kinds:
            value = row.stages.get(kind.column, 0)
            if value <= 0:
                continue
            marks["bars"] += 1
            width = value * scale
            parts.append(f'<rect class="bar" x="{xx:.1f}" y="{yy}" width="{width:.1f}" height="{BAR_H}" fill="{kind.colour}" '
                         f'data-region="{e(row.region_code)}" data-stage="{e(" ".join(kind.values))}" data-value="{value}">'
                         f'<title>{e(region.label)}: {value} × {e(kind.label)}</title></rect>')
            if width >= 16:
                parts.append(f'<text class="bar-number" x="{xx + width / 2:.1f}" y="{yy + BAR_H - 6}" '
                             f'text-anchor="middle">{value}</text>')
            xx += width
        capacity = capacity_text(row)
        text = _months(row) + (f" · {capacity}" if capacity else "")
        known = f' data-capacity="{svg.number(row.capacity_pflops).replace(",", "")}"' if capacity and "PFLOPS" in capacity else ""
        parts.append(f'<text class="tick side" x="{xx + 8:.1f}" y="{yy + BAR_H - 6}"{known}>{e(text)}</text></g>')
    parts.append("</svg>")
    entries = [(" ".join(k.values), k.label, k.colour, "fill") for k in kinds]
    return "".join(parts) + svg.legend("compute", entries), _summary(rows, kinds), marks


def _summary(rows: list[ComputeRegion], kinds: list[Stage]) -> str:
    counted = [(sum(r.stages.get(k.column, 0) for r in rows), k.label) for k in kinds]
    totals = ", ".join(f"{n} × {label}" for n, label in counted if n)
    capacity = sum((r.capacity_pflops or Decimal(0)) for r in rows)
    completed = sum(r.stages.get(COMPLETED_COLUMN, 0) for r in rows)
    first, last = min(r.first_month for r in rows), max(r.last_month for r in rows)
    span = f"{first:%Y-%m}" if first == last else f"{first:%Y-%m} to {last:%Y-%m}"
    if capacity > 0:
        said = f"{svg.number(capacity)} PFLOPS completed or operational where a capacity is stated"
    elif completed:
        said = "no completed project states its capacity"
    else:
        said = "no project is completed yet, so there is no built capacity to show"
    return f"{len(rows)} regions, {span}: {totals}; {said}."
