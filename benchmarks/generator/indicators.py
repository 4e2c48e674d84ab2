"""Indicator figures: a few hundred rows in two CSV files, written in plain Python.

Every value is an exact integer chosen first and then spelled (spell()): the
magnitude word in the value or in the unit cell (`3.98万` + `家`, `3821` + `亿元`,
`1.5千亿` + `元`), the base unit repeated in both cells (`6.38万家` + `家`), plain
digits, 14 and 15 of them (`121020700000000` + `元`), thousands separators. The truth
records each kept row's value in base units. Regions: unique forms and names written
with their parent (`深圳市南山区`, `广东省深圳市`, `Shenzhen Nanshan`). Rejected on
purpose (BAD): an indicator outside the catalogue, a value that is no number, a value
and unit naming different base units, a shared name alone, a semicolon-separated line.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from benchmarks.generator.calibration import FIRST_YEAR, PUBLISHED, YEARS
from benchmarks.generator.plan import Plan
from benchmarks.generator.policies import GENERATOR_NOTE
from benchmarks.generator.registry import GenRegion
from benchmarks.generator.seeds import Seeds

SOURCE = "indicators"
FILES = ("synthetic_indicators.csv", "synthetic_indicators_zh.csv")
HEADER_EN = ["region", "indicator", "period", "value", "unit", "is_forecast", "source", "source_quote"]
HEADER_ZH = ["地区", "指标", "年份", "数值", "单位", "是否预测", "来源", "原文"]
MAGNITUDES = {"千": 10**3, "万": 10**4, "百万": 10**6, "千万": 10**7, "亿": 10**8, "千亿": 10**11, "万亿": 10**12}
NOT_NUMBERS = ("lots", "较多", "若干", "大量")
UNKNOWN_INDICATOR = "人工智能专利授权量"  # not in indicator_catalogue.csv: the row is rejected


def _h(*parts: int) -> int:
    """Deterministic 64-bit mix of integers (splitmix64) for the Python-side choices."""
    x = 0x9E3779B97F4A7C15
    for p in parts:
        x = (x ^ (p & 0xFFFFFFFFFFFFFFFF)) * 0xBF58476D1CE4E5B9 & 0xFFFFFFFFFFFFFFFF
        x = (x ^ (x >> 27)) * 0x94D049BB133111EB & 0xFFFFFFFFFFFFFFFF
        x ^= x >> 31
    return x


def _name(g: GenRegion) -> str:
    """A unique form in words (the code when the region has none)."""
    return g.forms[1] if len(g.forms) > 1 else g.forms[0]


def _num(d: Decimal) -> str:
    return format(d.normalize(), "f")


def spell(value: int, base: str, style: int, mag: str = "万") -> tuple[str, str]:
    """(value cell, unit cell) that denote exactly `value` base units. style 0: 1234.5万人 | 1: 1234.5 + 万人 |
    2: 1234.5万 + 人 | 3: 12,345,000人 | 4: 12345000 + 人 | 5: 1234.5万人 + 人. A magnitude that would need
    more than two decimals falls back to plain digits."""
    n = Decimal(value) / Decimal(MAGNITUDES[mag])
    if style in (0, 1, 2, 5) and n == n.quantize(Decimal("0.01")) and n >= 1:
        return {0: (_num(n) + mag + base, ""), 1: (_num(n), mag + base), 2: (_num(n) + mag, base),
                5: (_num(n) + mag + base, base)}[style]
    if style == 3:
        return f"{value:,}{base}", ""
    return str(value), base


class Writer:
    """Rows of the two files, with their line numbers, the truth of kept rows and the rejected ones."""

    def __init__(self):
        self.rows: dict[str, list[list[str] | str]] = {f: [] for f in FILES}
        self.values: list[tuple] = []  # (file, line, region text, region_code, indicator, period, value, is_forecast)
        self.rejected: list[tuple] = []  # (file, line, reason, field, value, candidates)

    def add(self, file_no: int, row: list[str] | str, *, kept: tuple | None = None, bad: tuple | None = None):
        name = FILES[file_no]
        self.rows[name].append(row)
        line = len(self.rows[name]) + 1  # the header is line 1
        rel = f"{SOURCE}/{name}"
        if kept is not None:
            self.values.append((rel, line, row[0], *kept))
        if bad is not None:
            self.rejected.append((rel, line, *bad))


def build_rows(plan: Plan, seeds: Seeds, regions: list[GenRegion]) -> Writer:
    w = Writer()
    seed = plan.seed
    by_code = {g.code: g for g in regions}
    count_u, person_u, yuan_u = seeds.units_of("count")[0], seeds.units_of("persons")[0], seeds.units_of("money", "CNY")[0]
    label = seeds.indicator_label
    # the article's figures for the calibrated cities, as published (scaled)
    for k, ((code, year), _n) in enumerate(sorted(PUBLISHED.items())):
        v = plan.paths[code][year]
        g = by_code[code]
        value, unit = spell(v, count_u, (2, 0, 1, 4)[k % 4], "万") if v % 100 == 0 else (str(v), count_u)
        w.add(k % 2, [_name(g), "ai_enterprise_count" if k % 2 == 0 else label("ai_enterprise_count"),
                      str(year), value, unit, "false" if k % 2 == 0 else "否", GENERATOR_NOTE, ""],
              kept=(code, "ai_enterprise_count", year, v, False))
    cities = [g for g in regions if g.level == "city"]
    order = sorted(cities, key=lambda g: (g.code not in plan.paths, not g.big, _h(seed, int(g.code))))
    for n, g in enumerate(order[: plan.indicator_cities]):
        forms = (g.forms[1:] + g.parent_forms) or g.forms
        pop0 = (2_000 + _h(seed, n, 2) % 20_000) * 1_000
        gdp0 = (2_000 + _h(seed, n, 3) % 40_000) * 10**8
        for y in YEARS:
            form = forms[_h(seed, n, y, 1) % len(forms)]
            pop = pop0 * (1000 + 8 * (y - FIRST_YEAR)) // 1000 // 1000 * 1000
            gdp = gdp0 * (1000 + 55 * (y - FIRST_YEAR)) // 1000 // 10**8 * 10**8
            style = _h(seed, n, y) % 6
            f = n % 2
            pv, pu = spell(pop, person_u, style, "万")
            gv, gu = spell(gdp, yuan_u, (style + 1) % 6, ("亿", "万亿", "千亿")[_h(seed, n, y, 2) % 3])
            per = str(y) + ("年" if f and style == 3 else "")
            w.add(f, [form, "population" if not f else label("population"), per, pv, pu, "", GENERATOR_NOTE, ""],
                  kept=(g.code, "population", y, pop, False))
            w.add(f, [form, "gdp_cny" if not f else label("gdp_cny"), per, gv, gu, "否" if f else "", GENERATOR_NOTE, ""],
                  kept=(g.code, "gdp_cny", y, gdp, False))
        if g.code in plan.paths or n < 6:
            out = (100 + _h(seed, n, 4) % 3000) * 10**8
            v1, u1 = spell(out, yuan_u, 1, "亿")  # 3821 + 亿元
            v2, u2 = spell(out * 3 // 2, yuan_u, 2, "千亿")  # 1.5千亿 + 元, where exact
            w.add(0, [form, "ai_industry_output_cny", "2023", v1, u1, "false", GENERATOR_NOTE, ""],
                  kept=(g.code, "ai_industry_output_cny", 2023, out, False))
            w.add(0, [form, "ai_industry_output_cny", "2025", v2, u2, "true", GENERATOR_NOTE, ""],
                  kept=(g.code, "ai_industry_output_cny", 2025, out * 3 // 2, True))
        _districts(w, plan, seeds, regions, g, n, person_u)
        _bad_rows(w, seed, g, n, by_code, count_u, yuan_u)
    # national GDP in plain digits (14 to 15 of them)
    national = next(g for g in regions if g.level == "national")
    for k, y in enumerate(YEARS):
        v = (7_400 + 530 * k + _h(seed, y) % 90) * 10**10 + (_h(seed, y, 9) % 10**6) * 10**4
        w.add(k % 2, [national.forms[1 + k % (len(national.forms) - 1)], "gdp_cny" if k % 2 == 0 else label("gdp_cny"),
                      str(y), str(v), yuan_u, "", GENERATOR_NOTE, ""], kept=(national.code, "gdp_cny", y, v, False))
    return w


def _districts(w: Writer, plan: Plan, seeds: Seeds, regions: list[GenRegion], city: GenRegion, n: int, person_u: str):
    """Population of two districts of the city, named with their parent (深圳市南山区)."""
    districts = [g for g in regions if g.level == "district" and g.city_code == city.code and g.parent_forms]
    for k, g in enumerate(districts[:2]):
        v = (200 + _h(plan.seed, n, k, 7) % 2_000) * 1_000
        form = g.parent_forms[_h(plan.seed, n, k, 8) % len(g.parent_forms)]
        value, unit = spell(v, person_u, (2, 5)[k], "万")
        w.add(k % 2, [form, "population" if k % 2 == 0 else seeds.indicator_label("population"), "2023", value, unit,
                      "", GENERATOR_NOTE, ""], kept=(g.code, "population", 2023, v, False))


def _bad_rows(w: Writer, seed: int, g: GenRegion, n: int, by_code: dict[str, GenRegion], count_u: str, yuan_u: str):
    if n % 4 == 0:  # an indicator outside the catalogue
        w.add(1, [_name(g), UNKNOWN_INDICATOR, "2023", str(1000 + _h(seed, n, 5) % 9000), count_u, "", GENERATOR_NOTE, ""],
              bad=("unknown_indicator", "indicator", UNKNOWN_INDICATOR, ""))
    if n % 4 == 1:  # no number at all
        word = NOT_NUMBERS[_h(seed, n, 6) % len(NOT_NUMBERS)]
        w.add(0, [_name(g), "ai_enterprise_count", "2022", word, count_u, "false", GENERATOR_NOTE, ""],
              bad=("not_a_number", "value", word, ""))
    if n % 4 == 2:  # the two cells name different base units
        value = f"{1 + _h(seed, n, 7) % 9}.{_h(seed, n, 8) % 10}万{count_u}"
        w.add(0, [_name(g), "ai_industry_output_cny", "2022", value, yuan_u, "false", GENERATOR_NOTE, ""],
              bad=("unit_conflict", "unit", f"{value} | {yuan_u}", ""))
    if n % 4 == 3:  # a semicolon-separated line
        w.add(0, ";".join([_name(g), "gdp_cny", "2022", f"{1 + _h(seed, n, 9) % 900}亿{yuan_u}", "", "false"]),
              bad=("wrong_delimiter", "", "", ""))
    shared = [x for x in by_code.values() if x.city_code == g.code and x.self_amb]
    if shared and n % 2 == 0:  # a shared district name with nothing to resolve it
        x = shared[_h(seed, n, 10) % len(shared)]
        k = _h(seed, n, 11) % len(x.self_amb)
        w.add(1, [x.self_amb[k], "population", "2023", "50万", "人", "", GENERATOR_NOTE, ""],
              bad=("region_ambiguous", "region", x.self_amb[k], x.self_amb_cands[k]))
    if n % 5 == 4 and g.unk_forms:
        w.add(0, [g.unk_forms[0], "population", "2023", "300万人", "", "", GENERATOR_NOTE, ""],
              bad=("region_unknown", "region", g.unk_forms[0], ""))


def write_indicators(con, plan: Plan, seeds: Seeds, regions: list[GenRegion], out: Path, log) -> None:
    w = build_rows(plan, seeds, regions)
    for name, header in zip(FILES, (HEADER_EN, HEADER_ZH)):
        with open(out / SOURCE / name, "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(header)
            for row in w.rows[name]:
                if isinstance(row, str):
                    f.write(row + "\n")
                else:
                    writer.writerow(row)
        bad = sum(1 for r in w.rejected if r[0] == f"{SOURCE}/{name}")
        con.execute("INSERT INTO truth_files VALUES (?, ?, ?, 0, ?, ?, ?)",
                    [SOURCE, f"{SOURCE}/{name}", len(w.rows[name]) + 1, len(w.rows[name]), len(w.rows[name]) - bad, bad])
        log(f"  {SOURCE}/{name}: {len(w.rows[name])} rows")
    _insert(con, "truth_rejected", [(SOURCE, *r) for r in w.rejected])
    _insert(con, "truth_indicator_values",
            [(f, ln, text, code, ind, per, str(v), fc) for f, ln, text, code, ind, per, v, fc in w.values])
    by_code = {g.code: g for g in regions}
    parent = {}
    for _f, _ln, text, code, *_rest in w.values:
        if text in by_code[code].parent_forms:
            parent[(text, code)] = parent.get((text, code), 0) + 1
    _insert(con, "truth_region_forms",
            [(SOURCE, text, "", code, "parent_written_with_it", n) for (text, code), n in sorted(parent.items())])


def _insert(con, table: str, rows: list[tuple]) -> None:
    if rows:
        con.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(rows[0]))})", rows)
