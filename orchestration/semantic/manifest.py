"""What the semantic manifest says, read as plain JSON (no MetricFlow import), and its validation.

`dbt parse` (run by `make`, orchestration/transform/dbt_run.py) writes
dbt_project/target/semantic_manifest.json beside manifest.json, from the semantic models
and metrics in the marts' YAML. Each release carries a copy (RELEASE_FILE), so the metrics
command answers with the definitions the release was computed with.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchestration.transform.dbt_run import PREPARED_TARGET

SEMANTIC_MANIFEST = PREPARED_TARGET / "semantic_manifest.json"
RELEASE_FILE = "semantic_manifest.json"
SCHEMA = "metrics"  # the release's schema of metrics, one table (a view in the catalog) per metric
REGION = "region"  # the entity every metric is reported by (dim_region.yml)
# The measure's meta key saying its region's figure already holds every region within it
# (city_indicators.yml): such a figure is never added across regions (rules.py).
INCLUDES_SUBREGIONS = "includes_subregions"
GRAIN_ORDER = ("day", "week", "month", "quarter", "year")


class SemanticManifestError(ValueError):
    """The semantic manifest lacks something modu relies on; the message names it."""


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    description: str
    grain: str  # the finest time grain its measures allow: its standard grain with the region
    marts: tuple[str, ...]  # '<schema>.<table>' of the semantic models it reads
    includes_subregions: bool  # a measure it reads holds every region within the region

    @property
    def table(self) -> str:
        return f"{SCHEMA}.{self.name}"

    @property
    def time_column(self) -> str:
        """MetricFlow's name of the time column of the standard grain (metric_time__year)."""
        return f"metric_time__{self.grain}"


def read(path: Path = SEMANTIC_MANIFEST) -> dict[str, Any]:
    if not path.exists():
        raise SemanticManifestError(f"{path} is missing: `make` (python -m orchestration.cli prepare) writes it")
    return json.loads(path.read_text(encoding="utf-8"))


def metrics(manifest: dict[str, Any]) -> list[Metric]:
    """Every metric, with what it reads, in the manifest's order."""
    measures: dict[str, tuple[dict, dict]] = {}
    for model in manifest["semantic_models"]:
        for measure in model["measures"]:
            measures[measure["name"]] = (model, measure)
    found = []
    for metric in manifest["metrics"]:
        inputs = [measures[m["name"]] for m in metric["type_params"]["input_measures"]]
        grains, marts, nests = [], [], []
        for model, measure in inputs:
            grains.append(_granularity(model, measure.get("agg_time_dimension")
                                       or (model.get("defaults") or {}).get("agg_time_dimension")))
            relation = model["node_relation"]
            marts.append(f"{relation['schema_name']}.{relation['alias']}")
            nests.append(_includes_subregions(model, measure))
        found.append(Metric(
            name=metric["name"], label=metric.get("label") or metric["name"],
            description=" ".join((metric.get("description") or "").split()),
            grain=max(grains, key=GRAIN_ORDER.index),  # a metric over year and month inputs is known by year
            marts=tuple(dict.fromkeys(marts)), includes_subregions=any(nests)))
    return found


def _granularity(model: dict, time_dimension: str | None) -> str:
    for dimension in model["dimensions"]:
        if dimension["name"] == time_dimension and dimension["type"] == "time":
            return dimension["type_params"]["time_granularity"]
    raise SemanticManifestError(f"semantic model {model['name']}: no time dimension {time_dimension!r}")


def _includes_subregions(model: dict, measure: dict) -> bool:
    """The measure's own statement: no default, since a wrong guess either double counts or
    refuses sound queries."""
    value = ((measure.get("config") or {}).get("meta") or {}).get(INCLUDES_SUBREGIONS)
    if not isinstance(value, bool):
        raise SemanticManifestError(
            f"measure {measure['name']} of semantic model {model['name']}: config.meta.{INCLUDES_SUBREGIONS} "
            f"must say true (the region's figure holds the regions within it) or false (its own only)")
    return value


def region_dimensions(manifest: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(group-by name, label, description) of the region's dimensions (dim_region.yml)."""
    for model in manifest["semantic_models"]:
        if any(e["name"] == REGION and e["type"] == "primary" for e in model["entities"]):
            return [(f"{REGION}__{d['name']}", d.get("label") or d["name"], " ".join((d.get("description") or "").split()))
                    for d in model["dimensions"] if d["type"] == "categorical"]
    raise SemanticManifestError(f"no semantic model has the primary entity {REGION!r}")


def validate(path: Path = SEMANTIC_MANIFEST) -> list[str]:
    """MetricFlow's own validation of the manifest (what `mf validate-configs` runs before it
    reaches the warehouse): the blocking issues, as MetricFlow words them; [] when valid."""
    from metricflow_semantic_interfaces.validations.semantic_manifest_validator import SemanticManifestValidator

    results = SemanticManifestValidator().validate_semantic_manifest(load(path))
    return [issue.as_readable_str() for issue in results.errors]


def load(path: Path = SEMANTIC_MANIFEST):
    """The manifest as MetricFlow reads dbt's (with the transformations `mf` applies)."""
    from metricflow_semantics.model.dbt_manifest_parser import parse_manifest_from_dbt_generated_manifest

    read(path)  # a missing file is said plainly
    return parse_manifest_from_dbt_generated_manifest(manifest_json_string=path.read_text(encoding="utf-8"))
