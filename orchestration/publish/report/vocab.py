"""The vocabularies the report's legends and labels come from: the seeds of the dbt project.

Each vocabulary lives in one seed (dbt_project/seeds/), which ingest, the models and the
suites read too; the report reads the same files, in the seed's order, so a legend lists
exactly the values a column may take and a new value shows up without a code change.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from orchestration.settings import SEEDS_DIR


@dataclass(frozen=True)
class Term:
    value: str
    label_en: str
    label_zh: str

    @property
    def label(self) -> str:
        return f"{self.label_en} {self.label_zh}" if self.label_zh else self.label_en


@dataclass(frozen=True)
class ComputeEvent(Term):
    lifecycle_rank: int
    is_completed: bool


@dataclass(frozen=True)
class Level(Term):
    rank: int


@dataclass(frozen=True)
class Indicator:
    code: str
    value_kind: str
    label_zh: str  # the first of the catalogue's Chinese labels
    description: str


def _rows(name: str, seeds_dir: Path) -> list[dict[str, str]]:
    path = seeds_dir / f"{name}.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@lru_cache(maxsize=None)
def doc_types(seeds_dir: Path = SEEDS_DIR) -> tuple[Term, ...]:
    return tuple(Term(r["doc_type"], r["label_en"], r["label_zh"]) for r in _rows("doc_types", seeds_dir))


@lru_cache(maxsize=None)
def compute_events(seeds_dir: Path = SEEDS_DIR) -> tuple[ComputeEvent, ...]:
    events = [ComputeEvent(r["event"], r["label_en"], r["label_zh"], int(r["lifecycle_rank"]),
                           r["is_completed"].strip().lower() == "true") for r in _rows("compute_events", seeds_dir)]
    return tuple(sorted(events, key=lambda e: e.lifecycle_rank))


@lru_cache(maxsize=None)
def levels(seeds_dir: Path = SEEDS_DIR) -> tuple[Level, ...]:
    found = [Level(r["level"], r["label_en"], r["label_zh"], int(r["rank"])) for r in _rows("levels", seeds_dir)]
    return tuple(sorted(found, key=lambda level: level.rank))


@lru_cache(maxsize=None)
def indicators(seeds_dir: Path = SEEDS_DIR) -> tuple[Indicator, ...]:
    return tuple(Indicator(r["indicator_code"], r["value_kind"], r["labels_zh"].split("|")[0], r["description"])
                 for r in _rows("indicator_catalogue", seeds_dir))
