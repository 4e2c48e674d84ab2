"""Calibration: year-end AI enterprise counts per city, and the cohorts of enterprises that hit them.

The published points are the article's (shared/seed/, landed as
raw/indicators/article_figures.csv): 北京 3.98万家 (2016) and 4.78万家 (2023), 深圳
3.61万家 and 6.38万家, 上海 2.65万家 (2016). Every other figure of PATHS is the
generator's choice: smooth growth between the published points, 深圳 passing 北京
in 2021 with the large-model wave, other cities smaller. The national data (scaled)
and the shipped sample (scale 1) follow the same paths exactly, every year.

How a path is hit exactly: the count at the end of 2016 is a base stock registered
2000-2016; every later year some enterprises are deregistered (from the base stock,
and some from those born two years before) and births make up the difference. Each
(registration period, deregistration period) group is a cohort with an exact size, so
the count at every year end is known by construction; the truth folder recounts it
from the generated table anyway.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

D = dt.date
FIRST_YEAR, LAST_YEAR = 2016, 2023
YEARS = tuple(range(FIRST_YEAR, LAST_YEAR + 1))
BASE_FROM = D(2000, 1, 1)
EXTRACT_END = D(2025, 6, 30)  # no generated date is later

# The article's figures: (city code, year) -> count.
PUBLISHED: dict[tuple[str, int], int] = {
    ("110000", 2016): 39_800, ("110000", 2023): 47_800,
    ("440300", 2016): 36_100, ("440300", 2023): 63_800,
    ("310000", 2016): 26_500,
}
# Year-end counts 2016..2023 at scale 1 (published points above; the rest chosen here).
PATHS: dict[str, tuple[int, ...]] = {
    "110000": (39_800, 41_200, 42_500, 43_700, 44_800, 45_800, 46_800, 47_800),  # 北京
    "440300": (36_100, 37_600, 39_400, 41_600, 44_600, 49_300, 56_200, 63_800),  # 深圳
    "310000": (26_500, 28_000, 29_500, 31_000, 32_600, 34_300, 36_300, 38_600),  # 上海
    "440100": (4_760, 5_060, 5_500, 6_060, 6_720, 7_500, 8_430, 9_520),          # 广州
    "330100": (4_340, 4_640, 5_080, 5_640, 6_310, 7_130, 8_090, 9_240),          # 杭州
    "510100": (2_520, 2_700, 2_970, 3_310, 3_720, 4_220, 4_820, 5_530),          # 成都
    "320100": (2_380, 2_540, 2_780, 3_070, 3_430, 3_860, 4_370, 4_970),          # 南京
    "420100": (2_170, 2_320, 2_560, 2_850, 3_210, 3_630, 4_150, 4_760),          # 武汉
    "320500": (2_030, 2_180, 2_410, 2_700, 3_050, 3_490, 4_000, 4_620),          # 苏州
    "340100": (1_190, 1_310, 1_500, 1_740, 2_050, 2_450, 2_950, 3_570),          # 合肥
    "610100": (1_400, 1_500, 1_670, 1_870, 2_120, 2_420, 2_790, 3_220),          # 西安
}
for (_code, _year), _n in PUBLISHED.items():
    assert PATHS[_code][_year - FIRST_YEAR] == _n, "a path must pass through the published figure"


def rnd(x) -> int:
    """Round half up (Python's round() rounds half to even)."""
    return int(Decimal(str(x)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def scaled(n: int, scale: float) -> int:
    return rnd(Decimal(n) * Decimal(str(scale)))


def scaled_path(code: str, scale: float) -> dict[int, int]:
    return {y: scaled(n, scale) for y, n in zip(YEARS, PATHS[code])}


@dataclass(frozen=True)
class Noise:
    """Shares of the AI enterprises that must not count, and of duplicate records (see Cohort kinds)."""
    death_rate: float = 0.025  # of the previous year-end count, deregistered each year
    short_lived: float = 0.25  # share of a year's deaths born two years before
    later_dereg: float = 0.10  # share of survivors deregistered after 2023
    dead_by_2016: float = 0.08  # N1, of the 2016 count
    same_year: float = 0.01  # N2 (born and gone within one year), of the 2023 count
    born_after: float = 0.03  # N3 (registered 2024-2025), of the 2023 count
    older_ai_record: float = 0.03  # D1, of births: an older AI record (would count before birth)
    ai_then_other: float = 0.02  # D2 pairs, of the 2016 count: AI record superseded by a non-AI one
    ai_then_dead: float = 0.01  # D3 pairs: AI record superseded by an AI record deregistered in 2016
    older_other: float = 0.02  # D4, of the base survivors: an older non-AI record
    newer_rejected: float = 0.005  # D6, of the base survivors: a newer record that is rejected
    rejected: float = 0.01  # X, of the 2016 count: rejected AI rows that would count


@dataclass(frozen=True)
class Cohort:
    """`count` AI enterprises of one city: registered in [reg_lo, reg_hi] (reg_recent: denser towards
    reg_hi), deregistered by `dereg` ('range': in [dereg_lo, dereg_hi]; 'survive': never, or for
    `later_dereg` of them after 2023; 'before': within [reg + 30 d, dereg_hi]; 'same_year': after
    registration within the same year; 'never'). Rows j = 0 and 1 take the extreme dates, so boundary
    days (1 January, 31 December) are always present."""
    name: str
    count: int
    reg_lo: dt.date
    reg_hi: dt.date
    reg_recent: bool = False
    dereg: str = "survive"
    dereg_lo: dt.date | None = None
    dereg_hi: dt.date | None = None
    dup_older_ai: int = 0  # D1 records derived from this cohort
    dup_older_other: int = 0  # D4
    dup_newer_bad: int = 0  # D6


def city_cohorts(code: str, path: dict[int, int], noise: Noise, with_rejected: bool,
                 extract_end: dt.date = EXTRACT_END) -> tuple[list[Cohort], dict]:
    """The cohorts of one city, and the counts of standalone noise (N1-N3, D2, D3, X)."""
    deaths = {z: rnd(noise.death_rate * path[z - 1]) for z in YEARS[1:]}
    short = {z: (int(noise.short_lived * deaths[z]) if z - 2 > FIRST_YEAR else 0) for z in YEARS[1:]}
    births = {y: path[y] - path[y - 1] + deaths[y] for y in YEARS[1:]}
    base_dying = {z: deaths[z] - short[z] for z in YEARS[1:]}
    base_survivors = path[FIRST_YEAR] - sum(base_dying.values())
    assert base_survivors >= 10 and all(b >= 0 for b in births.values()), f"{code}: path too steep for its deaths"
    cohorts = [Cohort("base", base_survivors, BASE_FROM, D(FIRST_YEAR, 12, 31), reg_recent=True,
                      dup_older_other=rnd(noise.older_other * base_survivors),
                      dup_newer_bad=rnd(noise.newer_rejected * base_survivors) if with_rejected else 0)]
    for z in YEARS[1:]:
        cohorts.append(Cohort(f"base_d{z}", base_dying[z], BASE_FROM, D(FIRST_YEAR, 12, 31), reg_recent=True,
                              dereg="range", dereg_lo=D(z, 1, 1), dereg_hi=D(z, 12, 31)))
    for y in YEARS[1:]:
        gone = short.get(y + 2, 0)
        survivors = births[y] - gone
        assert survivors >= 0, f"{code} {y}: more short-lived enterprises than births"
        cohorts.append(Cohort(f"b{y}", survivors, D(y, 1, 1), D(y, 12, 31),
                              dup_older_ai=rnd(noise.older_ai_record * survivors)))
        if gone:
            cohorts.append(Cohort(f"b{y}_d{y + 2}", gone, D(y, 1, 1), D(y, 12, 31), dereg="range",
                                  dereg_lo=D(y + 2, 1, 1), dereg_hi=D(y + 2, 12, 31)))
    t16, t23 = path[FIRST_YEAR], path[LAST_YEAR]
    cohorts += [
        Cohort("n1", rnd(noise.dead_by_2016 * t16), BASE_FROM, D(FIRST_YEAR - 1, 12, 31), dereg="before",
               dereg_hi=D(FIRST_YEAR, 12, 31)),
        Cohort("n2", rnd(noise.same_year * t23), D(FIRST_YEAR + 1, 1, 1), D(LAST_YEAR, 12, 30), dereg="same_year"),
        Cohort("n3", rnd(noise.born_after * t23), D(LAST_YEAR + 1, 1, 1), extract_end, dereg="never"),
    ]
    standalone = {"ai_then_other": rnd(noise.ai_then_other * t16), "ai_then_dead": rnd(noise.ai_then_dead * t16),
                  "rejected": rnd(noise.rejected * t16) if with_rejected else 0}
    return [c for c in cohorts if c.count > 0], standalone
