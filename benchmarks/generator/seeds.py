"""The dbt seeds, read once: every region, alias, keyword and vocabulary the generator writes.

The seeds are the one home of these values (the warehouse's ingest and models read
the same files); the generator never copies them into code.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from orchestration.settings import SEEDS_DIR


@dataclass(frozen=True)
class Region:
    code: str
    name_zh: str
    short: str
    name_en: str
    level: str
    province_code: str
    city_code: str

    @property
    def suffix_zh(self) -> str:
        """The administrative suffix of the Chinese name (市, 区, 县, 新区 ...), '' if none."""
        return self.name_zh[len(self.short):] if self.name_zh.startswith(self.short) else ""


@dataclass(frozen=True)
class Indicator:
    code: str
    value_kind: str  # count / yuan / persons
    labels_zh: tuple[str, ...]


@dataclass(frozen=True)
class Unit:
    unit: str
    kind: str  # count / persons / money
    currency: str


@dataclass(frozen=True)
class Seeds:
    regions: dict[str, Region]
    aliases: tuple[tuple[str, str], ...]  # (alias, region_code)
    keywords: tuple[str, ...]
    levels: dict[str, tuple[str, ...]]  # level -> its spellings (the level itself first)
    doc_types: dict[str, tuple[str, ...]]
    compute_events: dict[str, tuple[str, ...]]  # in lifecycle order
    completed_events: frozenset[str]
    units: tuple[Unit, ...]
    indicators: dict[str, Indicator]
    seeds_dir: Path

    @classmethod
    def load(cls, seeds_dir: Path = SEEDS_DIR) -> "Seeds":
        def rows(name: str) -> list[dict[str, str]]:
            with open(seeds_dir / name, encoding="utf-8", newline="") as f:
                return list(csv.DictReader(f))

        def spellings(row: dict[str, str], key: str) -> tuple[str, ...]:
            return (row[key], *[s.strip() for s in (row.get("synonyms") or "").split("|") if s.strip()])

        regions = {r["region_code"]: Region(r["region_code"], r["name_zh"], r["short_name_zh"], r["name_en"],
                                            r["level"], r["province_code"], r["city_code"])
                   for r in rows("regions.csv")}
        events = sorted(rows("compute_events.csv"), key=lambda r: int(r["lifecycle_rank"]))
        levels = sorted(rows("levels.csv"), key=lambda r: int(r["rank"]))
        return cls(
            regions=regions,
            aliases=tuple((r["alias"], r["region_code"]) for r in rows("region_aliases.csv")),
            keywords=tuple(r["keyword"] for r in rows("ai_keywords.csv")),
            levels={r["level"]: spellings(r, "level") for r in levels},
            doc_types={r["doc_type"]: spellings(r, "doc_type") for r in rows("doc_types.csv")},
            compute_events={r["event"]: spellings(r, "event") for r in events},
            completed_events=frozenset(r["event"] for r in events if r["is_completed"].strip().lower() == "true"),
            units=tuple(Unit(r["unit"], r["kind"], r["currency"]) for r in rows("units.csv")),
            indicators={r["indicator_code"]: Indicator(r["indicator_code"], r["value_kind"],
                                                       tuple(x.strip() for x in r["labels_zh"].split("|")))
                        for r in rows("indicator_catalogue.csv")},
            seeds_dir=seeds_dir,
        )

    def units_of(self, kind: str, currency: str = "") -> list[str]:
        """Unit spellings of a kind (and currency), in seed order: the first is the plain one (家, 人, 元)."""
        return [u.unit for u in self.units if u.kind == kind and (not currency or u.currency == currency)]

    def currencies(self) -> list[str]:
        seen: list[str] = []
        for u in self.units:
            if u.kind == "money" and u.currency not in seen:
                seen.append(u.currency)
        return seen

    def is_ai(self, *texts: str) -> bool:
        """The contract's rule: a keyword of ai_keywords.csv in the name or the scope, case-insensitively."""
        low = "\n".join(texts).lower()
        return any(k.lower() in low for k in self.keywords)

    def all_spellings(self, vocabulary: dict[str, tuple[str, ...]]) -> set[str]:
        return {s.lower() for spellings in vocabulary.values() for s in spellings}

    def indicator_label(self, code: str) -> str:
        return self.indicators[code].labels_zh[0]
