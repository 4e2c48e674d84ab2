"""How dbt resources appear in Dagster: keys by schema, groups by layer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagster import AssetKey
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings


class ModuDbtTranslator(DagsterDbtTranslator):
    def __init__(self) -> None:
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        # Keys are <schema>/<table>, the name an analyst or the ingest asset uses:
        # source raw.indicators is the key the ingest asset materialises.
        if dbt_resource_props["resource_type"] == "source":
            return AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        return AssetKey([dbt_resource_props["config"]["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        # One group per layer, mirroring the dbt folders (staging, intermediate, marts, reference).
        return dbt_resource_props["config"].get("schema") or "dbt"
