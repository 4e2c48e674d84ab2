"""What MetricFlow cannot forbid, and modu refuses before a query runs.

MetricFlow itself makes a stock impossible to sum over time (non_additive_dimension in the
marts' YAML) and rejects names it does not know. It cannot require a group-by: asked for
ai_enterprises with no region, it would add every region's row - national, provinces,
cities and districts - counting each enterprise up to four times. A metric whose measures
hold every region within the region (meta includes_subregions, manifest.py) is therefore
answered only per region: the query must group by the entity `region` (reached directly or
through a join), so each row is one region's own figure. Filtering to one level (--where
"{{ Dimension('region__level') }} = 'city'") does not lift the rule: rows stay per region.
"""

from __future__ import annotations

from collections.abc import Iterable

from orchestration.semantic.manifest import REGION, Metric


class RefusedQuery(ValueError):
    """A query modu will not answer; the message says why and what to ask instead."""


def check(metrics: Iterable[Metric], entities: Iterable[str]) -> None:
    """Refuse a query of a region-total metric that does not group by region.

    `entities` are the element names of the entities the query groups by, as MetricFlow
    resolved them (so `region` and `region_year__region` are both `region`)."""
    if REGION in set(entities):
        return
    nesting = [m for m in metrics if m.includes_subregions]
    if nesting:
        names = ", ".join(m.name for m in nesting)
        raise RefusedQuery(
            f"refused: {names} {'is a figure' if len(nesting) == 1 else 'are figures'} of a region and every region "
            f"within it (a province's holds its cities', a city's its districts'), so adding regions would count "
            f"the same enterprises, output or residents more than once. Group by `{REGION}` (e.g. --group-by "
            f"{REGION},{nesting[0].time_column}); each row is then one region's own figure. To see one level only, "
            f"add --where \"{{{{ Dimension('{REGION}__level') }}}} = 'city'\"."
        )
