"""A model dbt built whose event never reached Dagster fails the dbt step (dbt_assets.py)."""

from __future__ import annotations

from orchestration.transform.dbt_run import results_not_received

NODES = {
    "model.modu.city_indicators": {"resource_type": "model", "schema": "marts", "alias": "city_indicators"},
    "model.modu.modu_index": {"resource_type": "model", "schema": "marts", "alias": "modu_index"},
    "seed.modu.regions": {"resource_type": "seed", "schema": "reference", "alias": "regions"},
    "test.modu.unique_x": {"resource_type": "test", "schema": "dbt_test__audit", "alias": "unique_x"},
}


def _results(*pairs):
    return {"results": [{"unique_id": uid, "status": status} for uid, status in pairs]}


def test_a_built_model_without_its_event_is_reported():
    results = _results(("model.modu.city_indicators", "success"), ("model.modu.modu_index", "success"),
                       ("seed.modu.regions", "success"))
    received = {("marts", "modu_index"), ("reference", "regions")}
    assert results_not_received(results, NODES, received) == ["marts.city_indicators"]


def test_nothing_is_reported_when_every_event_arrived_or_the_node_did_not_build():
    results = _results(("model.modu.city_indicators", "success"), ("model.modu.modu_index", "error"),
                       ("test.modu.unique_x", "pass"), ("seed.modu.regions", "success"))
    received = {("marts", "city_indicators"), ("reference", "regions")}
    assert results_not_received(results, NODES, received) == []
