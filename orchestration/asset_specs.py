"""What every asset shows in the UI besides its logic, given in one place (definitions.py):

- an owner, `team:data-platform`;
- kinds (every asset declares its own: `python`, `duckdb`, `parquet`, `dbt`, `postgres`);
- code references into this repository: an ingest or publish asset points at the Python
  function that builds it, a dbt asset at its model's SQL (or seed CSV) and the YAML that
  documents and tests it. With MODU_GIT_URL set they become links to those files on the
  repository's host (branch MODU_GIT_BRANCH), otherwise they name the files of this checkout;
- serving/release's FreshnessPolicy (automation/freshness.py).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

from dagster import (
    AnchorBasedFilePathMapping,
    AssetsDefinition,
    AssetSpec,
    CodeReferencesMetadataValue,
    LocalFileCodeReference,
    link_code_references_to_git,
    with_source_code_references,
)
from dagster_shared.utils.warnings import BetaWarning

from orchestration.automation.freshness import RELEASE_KEY, release_freshness_policy
from orchestration.settings import DBT_PROJECT_DIR, REPO_ROOT, Settings

OWNERS = ["team:data-platform"]
MANIFEST_META, UNIQUE_ID_META = "dagster_dbt/manifest", "dagster_dbt/unique_id"
CODE_REFERENCES_META = "dagster/code_references"  # where Dagster (and its UI) reads an asset's code references


def _dbt_files(spec: AssetSpec) -> list[Path]:
    """The dbt project files behind a dbt asset: its SQL or CSV, and the YAML that documents it."""
    node_id = spec.metadata.get(UNIQUE_ID_META)
    wrapper = spec.metadata.get(MANIFEST_META)
    if node_id is None or wrapper is None:
        return []
    manifest = wrapper.manifest
    node = manifest["nodes"].get(node_id) or manifest["sources"].get(node_id) or {}
    files = [node.get("original_file_path")]
    patch = node.get("patch_path")  # "modu://models/marts/city_indicators.yml"
    if patch:
        files.append(patch.split("://", 1)[-1])
    return [DBT_PROJECT_DIR / f for f in files if f]


def _with_dbt_references(spec: AssetSpec) -> AssetSpec:
    references = [LocalFileCodeReference(file_path=str(path), label=path.name) for path in _dbt_files(spec)]
    if not references:
        return spec
    return spec.merge_attributes(metadata={CODE_REFERENCES_META: CodeReferencesMetadataValue(code_references=references)})


def _described(spec: AssetSpec, settings: Settings) -> AssetSpec:
    spec = spec.merge_attributes(owners=OWNERS)
    if spec.key == RELEASE_KEY:
        spec = spec.replace_attributes(freshness_policy=release_freshness_policy(settings))
    return spec


def describe_assets(python_assets: Sequence[AssetsDefinition], dbt_assets: Sequence[AssetsDefinition],
                    settings: Settings) -> list[AssetsDefinition]:
    """`python_assets` and `dbt_assets` with owners, code references and freshness policies."""
    # Code references are a beta API of Dagster 1.13: the warning says so at every import.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BetaWarning)
        assets = [*with_source_code_references(list(python_assets)),
                  *(a.map_asset_specs(_with_dbt_references) for a in dbt_assets)]
        if settings.git_url:
            assets = link_code_references_to_git(
                assets, git_url=settings.git_url, git_branch=settings.git_branch,
                file_path_mapping=AnchorBasedFilePathMapping(
                    local_file_anchor=REPO_ROOT / "pyproject.toml", file_anchor_path_in_repository="pyproject.toml"),
            )
    return [a.map_asset_specs(lambda spec: _described(spec, settings)) for a in assets]

