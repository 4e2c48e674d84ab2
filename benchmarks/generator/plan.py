"""How many rows of which kind: the national plan at a scale, and the shipped sample's plan."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import datetime as dt

from benchmarks.generator.calibration import (EXTRACT_END, PATHS, PUBLISHED, Cohort, D, Noise, city_cohorts, rnd,
                                              scaled, scaled_path)

BASE_REGISTRY_ROWS = 5_000_000
BASE_POLICIES = 200_000
BASE_COMPUTE_EVENTS = 20_000
BASE_INDICATOR_CITIES = 18  # x 8 years x 2 indicators, plus calibration figures and extras
MAX_SCALE = 15.0  # organisation codes are a bijection of the row id below 1e8
NATIONAL_CALIBRATED = tuple(dict.fromkeys(code for code, _ in PUBLISHED))  # the article's cities; the rest is bulk
SAMPLE_END = D(2023, 12, 31)  # the sample is an extract of the article's time: nothing after 2023
SAMPLE_NOISE = Noise(death_rate=0.012, later_dereg=0.0, dead_by_2016=0.02, same_year=0.003, born_after=0.0,
                     older_ai_record=0.004, ai_then_other=0.002, ai_then_dead=0.001, older_other=0.002,
                     newer_rejected=0.0, rejected=0.0)


@dataclass(frozen=True)
class Mess:
    """Valid-row mess of the registry (per mille of rows unless said otherwise)."""
    multiline: int = 20  # business scope with a line break inside its quotes (a quarter of them with two)
    blank_every: int = 20_000  # one blank line before one record in this many
    shared_forms: int = 600  # rows of a region with shared names (南山区, Nanshan ...) that use one
    wrong_delimiter: int = 30  # per mille of the rejected bulk rows: a semicolon-separated line


NO_MESS = Mess(multiline=0, blank_every=0, shared_forms=0, wrong_delimiter=0)


@dataclass
class Plan:
    scale: float
    seed: int
    registry_rows: int
    paths: dict[str, dict[int, int]]  # calibrated city -> year -> count
    cohorts: dict[str, list[Cohort]]
    standalone: dict[str, dict[str, int]]
    bulk_main: int
    bulk_dup: int
    bulk_bad: int
    bulk_ai_per_mille: int  # AI share of bulk rows outside the calibrated cities
    mess: Mess
    noise: Noise
    policies: int = 0
    policies_bad: int = 0
    policies_dup: int = 0
    projects: int = 0
    projects_bad: int = 0
    indicator_cities: int = 0
    sample: bool = False
    extract_end: dt.date = EXTRACT_END  # no generated date is later

    @property
    def calibrated_rows(self) -> int:
        n = 0
        for code in self.paths:
            n += sum(c.count + c.dup_older_ai + c.dup_older_other + c.dup_newer_bad for c in self.cohorts[code])
            s = self.standalone[code]
            n += 2 * s["ai_then_other"] + 2 * s["ai_then_dead"] + s["rejected"]
        return n

    @property
    def calibrated_bad(self) -> int:
        return sum(sum(c.dup_newer_bad for c in self.cohorts[code]) + self.standalone[code]["rejected"]
                   for code in self.paths)

    @classmethod
    def national(cls, scale: float, seed: int) -> "Plan":
        if not (0 < scale <= MAX_SCALE):
            raise SystemExit(f"--scale must be in (0, {MAX_SCALE}]")
        paths = {c: scaled_path(c, scale) for c in NATIONAL_CALIBRATED}
        cohorts, standalone = {}, {}
        for code, path in paths.items():
            try:
                cohorts[code], standalone[code] = city_cohorts(code, path, Noise(), with_rejected=True)
            except AssertionError as exc:
                raise SystemExit(f"--scale {scale} is too small for the calibrated cities ({exc})") from exc
        p = scaled(BASE_POLICIES, scale)
        projects = max(1, rnd(Decimal(scaled(BASE_COMPUTE_EVENTS, scale)) / Decimal("2.2")))
        plan = cls(scale, seed, scaled(BASE_REGISTRY_ROWS, scale), paths, cohorts, standalone, 0, 0, 0,
                   bulk_ai_per_mille=30, mess=Mess(), noise=Noise(),
                   policies=p, policies_bad=rnd(Decimal("0.01") * p), policies_dup=rnd(Decimal("0.02") * p),
                   projects=projects, projects_bad=rnd(Decimal("0.025") * projects),
                   indicator_cities=max(6, scaled(BASE_INDICATOR_CITIES, scale)))  # every bad kind, even tiny
        rest = plan.registry_rows - plan.calibrated_rows
        if rest <= 0:
            raise SystemExit(f"--scale {scale} is too small for the calibrated cities")
        plan.bulk_dup = rnd(Decimal("0.015") * rest)
        plan.bulk_bad = rnd(Decimal("0.0095") * rest)
        plan.bulk_main = rest - plan.bulk_dup - plan.bulk_bad
        return plan

    @classmethod
    def shipped_sample(cls, seed: int, other_rows: int = 6_000) -> "Plan":
        """Every city of PATHS at scale 1 (the article's counts exactly), few duplicates, no rejected
        row, and `other_rows` non-AI enterprises across the same cities."""
        paths = {c: scaled_path(c, 1.0) for c in PATHS}
        cohorts, standalone = {}, {}
        for code, path in paths.items():
            cohorts[code], standalone[code] = city_cohorts(code, path, SAMPLE_NOISE, with_rejected=False,
                                                           extract_end=SAMPLE_END)
        plan = cls(1.0, seed, 0, paths, cohorts, standalone, bulk_main=other_rows, bulk_dup=rnd(other_rows * 0.01),
                   bulk_bad=0, bulk_ai_per_mille=0, mess=NO_MESS, noise=SAMPLE_NOISE, sample=True,
                   extract_end=SAMPLE_END)
        plan.registry_rows = plan.calibrated_rows + plan.bulk_main + plan.bulk_dup
        return plan
