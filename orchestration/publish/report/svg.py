"""What every chart of the report shares: escaping, number formats, axis ticks, colours,
label placement and legends. Charts are inline SVG written as text, so each mark can carry
the data-* attributes a test (or a reader's devtools) checks against the release."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from decimal import Decimal

WIDTH = 818  # every chart's width in CSS pixels: the page's 820, less the chart's border

# Okabe & Ito's colour-blind-safe set (without its yellow, too light on white), then two
# darker tones: categorical colours are handed out in a vocabulary's own order.
CATEGORICAL = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#8C564B", "#7F7F7F")
# Ordered stages (a compute project's life) get one hue, light to dark.
SEQUENTIAL = ("#c6dbef", "#6baed6", "#2171b5", "#08306b")
MUTED = "#b8b8b8"  # context: series the story does not name


def e(value: object) -> str:
    """Text or attribute value, escaped for HTML and SVG."""
    return html.escape("" if value is None else str(value), quote=True)


def number(value: float | int | Decimal) -> str:
    """A count or amount as the page writes it: thousands separated, no trailing .00."""
    value = float(value)
    if value.is_integer():
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def yuan(value: float | int | Decimal) -> str:
    """Yuan in the units Chinese sources use: 亿元 (1e8) or 万亿元 (1e12), and billions beside them."""
    value = float(value)
    if abs(value) >= 1e12:
        zh = f"{number(round(value / 1e12, 2))}万亿元"
    elif abs(value) >= 1e8:
        zh = f"{number(round(value / 1e8, 2))}亿元"
    else:
        return f"{number(value)} 元"
    return f"{zh} ({number(round(value / 1e9, 1))} bn)"


def amount(value: float | int | Decimal, value_kind: str) -> str:
    return yuan(value) if value_kind == "yuan" else number(value)


def ticks(maximum: float, count: int = 4) -> list[float]:
    """count + 1 round tick values from 0 to a round number at or above maximum."""
    if maximum <= 0:
        return [float(i) for i in range(count + 1)]
    raw = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(s * magnitude for s in (1, 2, 2.5, 5, 10) if s * magnitude >= raw)
    return [step * i for i in range(count + 1)]


def spread(wanted: Sequence[float], gap: float, low: float = -math.inf, high: float = math.inf) -> list[float]:
    """Positions as near the wanted ones as possible, at least `gap` apart, order kept.

    Labels of close marks would print over each other; each is pushed down just enough
    below the previous one, then the whole run is pulled back up if it left [low, high].
    """
    order = sorted(range(len(wanted)), key=lambda i: wanted[i])
    placed: list[float] = []
    for i in order:
        placed.append(max(wanted[i], low, placed[-1] + gap if placed else -math.inf))
    overflow = (placed[-1] - high) if placed else 0
    if overflow > 0:
        placed = [max(low, p - overflow) for p in placed]
        for k in range(len(placed) - 2, -1, -1):  # keep the gap after pulling back
            placed[k] = min(placed[k], placed[k + 1] - gap)
    out = [0.0] * len(wanted)
    for rank, i in enumerate(order):
        out[i] = placed[rank]
    return out


def chart_open(chart: str, height: float, label: str, width: int = WIDTH) -> str:
    return (f'<svg class="chart" data-chart="{e(chart)}" width="{width}" height="{height:.0f}" '
            f'viewBox="0 0 {width} {height:.0f}" role="img" aria-label="{e(label)}">')


def empty(chart: str, message: str) -> str:
    return f'{chart_open(chart, 60, message)}<text x="10" y="35" class="muted">{e(message)}</text></svg>'


def legend(chart: str, entries: Sequence[tuple[str, str, str, str]]) -> str:
    """A legend as HTML under a chart: (value, label, colour, style) per entry; style is
    'fill' (a swatch), 'line' or 'dashed' (a stroke), 'ring' (a hollow circle)."""
    keys = []
    for value, label, colour, style in entries:
        swatch = {
            "fill": f'<i style="background:{colour}"></i>',
            "line": f'<i class="line" style="border-color:{colour}"></i>',
            "dashed": f'<i class="line dashed" style="border-color:{colour}"></i>',
            "ring": f'<i class="ring" style="border-color:{colour}"></i>',
        }[style]
        keys.append(f'<span class="key" data-value="{e(value)}">{swatch}{e(label)}</span>')
    return f'<p class="legend" data-legend="{e(chart)}">{"".join(keys)}</p>'
