"""The shipped SYNTHETIC population and GDP figures: raw/indicators/synthetic_population_gdp.csv.

    python -m benchmarks.generate_data --sample-figures raw/indicators

The article publishes no population and no GDP, yet two metrics of the semantic layer
divide by them (AI enterprises per million residents, AI industry output as a share of
GDP). So that the shipped sample can show those metrics at work, this file holds MADE-UP
year-end resident population and GDP of the eleven cities of the registry sample,
2016-2023: for each city a 2016 level of plausible magnitude and a constant yearly growth,
chosen here (LEVELS below). They are not official statistics and are not meant to pass
for them: every row's `source` says synthetic, the file name starts with synthetic_
(raw/README.md), and the warehouse keeps such figures out of published_figures and
figure_reconciliation and ranks any other figure above them (dbt_project/macros/).

Beside the file, synthetic_population_gdp.expected.json holds every value in base units
(persons, yuan) as computed here, not read back from the file: the ground truth the tests
hold the warehouse to. Both files are byte-identical on every run.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from benchmarks.generator.calibration import PATHS, YEARS
from benchmarks.generator.indicators import HEADER_EN, spell
from benchmarks.generator.seeds import Seeds

FILE = "synthetic_population_gdp.csv"
EXPECTED = "synthetic_population_gdp.expected.json"
COMMAND = "python -m benchmarks.generate_data --sample-figures raw/indicators"
SOURCE = f"synthetic ({COMMAND}): made up for modu's worked example, not official statistics"

# city code -> (2016 resident population in 万人, its yearly growth in %, 2016 GDP in 亿元, its
# yearly growth in %). Chosen here: round numbers of the cities' order of magnitude, smooth paths.
LEVELS: dict[str, tuple[int, str, int, str]] = {
    "110000": (2170, "0.1", 25700, "6.5"),  # 北京
    "440300": (1190, "4.5", 19500, "8.0"),  # 深圳
    "310000": (2420, "0.3", 28200, "6.0"),  # 上海
    "440100": (1400, "3.0", 19600, "6.0"),  # 广州
    "330100": (920, "4.0", 11300, "7.5"),   # 杭州
    "510100": (1590, "3.5", 12200, "8.0"),  # 成都
    "320100": (830, "1.2", 10500, "7.5"),   # 南京
    "420100": (1080, "2.0", 11900, "6.5"),  # 武汉
    "320500": (1060, "1.5", 15500, "6.0"),  # 苏州
    "340100": (790, "3.5", 6300, "8.5"),    # 合肥
    "610100": (880, "4.5", 6300, "8.0"),    # 西安
}
assert set(LEVELS) == set(PATHS), "the figures cover exactly the registry sample's cities"


def _grown(level: int, growth: str, years: int, step: Decimal) -> Decimal:
    """level x (1 + growth%)^years, rounded half up to `step`."""
    value = Decimal(level) * (1 + Decimal(growth) / 100) ** years
    return value.quantize(step, rounding=ROUND_HALF_UP)


def values() -> dict[str, dict[str, dict[int, int]]]:
    """indicator -> city code -> year -> value in base units (persons; yuan)."""
    found: dict[str, dict[str, dict[int, int]]] = {"population": {}, "gdp_cny": {}}
    for code, (pop, pop_growth, gdp, gdp_growth) in LEVELS.items():
        k = {y: y - YEARS[0] for y in YEARS}
        # population to 0.1万 (1,000 persons), GDP to 0.01亿 (one million yuan)
        found["population"][code] = {y: int(_grown(pop, pop_growth, k[y], Decimal("0.1")) * 10**4) for y in YEARS}
        found["gdp_cny"][code] = {y: int(_grown(gdp, gdp_growth, k[y], Decimal("0.01")) * 10**8) for y in YEARS}
    return found


def _csv(seeds: Seeds, figures: dict[str, dict[str, dict[int, int]]]) -> str:
    person, yuan = seeds.units_of("persons")[0], seeds.units_of("money", "CNY")[0]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER_EN)
    for code in LEVELS:
        region = seeds.regions[code].name_zh
        for year in YEARS:
            # written as statistical yearbooks write them: 2170.5万 + 人, 25700.12 + 亿元
            pv, pu = spell(figures["population"][code][year], person, 2, "万")
            gv, gu = spell(figures["gdp_cny"][code][year], yuan, 1, "亿")
            writer.writerow([region, "population", year, pv, pu, "false", SOURCE, ""])
            writer.writerow([region, "gdp_cny", year, gv, gu, "false", SOURCE, ""])
    return out.getvalue()


def _expected(seeds: Seeds, figures: dict[str, dict[str, dict[int, int]]]) -> str:
    """Indented JSON with one line per city and indicator (a diff then shows which city moved)."""
    head = {
        "file": FILE,
        "synthetic": True,
        "generator": COMMAND,
        "note": "Made-up resident population (persons) and GDP (yuan) at each year's end: not official "
                "statistics. The article publishes neither; these exist so that the per-resident and "
                "share-of-GDP metrics can be shown on the shipped sample (docs/bi-tools.md).",
    }
    lines = json.dumps(head, ensure_ascii=False, indent=1)[:-2].split("\n")
    lines[-1] += ","
    for i, (indicator, by_city) in enumerate(figures.items()):
        lines.append(f" {json.dumps(indicator)}: {{")
        for j, (code, by_year) in enumerate(by_city.items()):
            entry = {"name_zh": seeds.regions[code].name_zh, "values": {str(y): v for y, v in by_year.items()}}
            lines.append(f"  {json.dumps(code)}: {json.dumps(entry, ensure_ascii=False)}"
                         + ("," if j < len(by_city) - 1 else ""))
        lines.append(" }" + ("," if i < len(figures) - 1 else ""))
    text = "\n".join(lines) + "\n}\n"
    assert json.loads(text)["population"] == {
        code: {"name_zh": seeds.regions[code].name_zh, "values": {str(y): v for y, v in by_year.items()}}
        for code, by_year in figures["population"].items()}
    return text


def generate_sample_figures(folder: Path, log=print) -> dict:
    folder = folder.expanduser().resolve()
    folder.mkdir(parents=True, exist_ok=True)
    seeds = Seeds.load()
    figures = values()
    for name, text in ((FILE, _csv(seeds, figures)), (EXPECTED, _expected(seeds, figures))):
        part = folder / (name + ".part")
        part.write_text(text, encoding="utf-8")
        part.replace(folder / name)  # a reader never sees half a file
    rows = sum(len(by_year) for by_city in figures.values() for by_year in by_city.values())
    log(f"synthetic figures: {rows} rows (population and GDP of {len(LEVELS)} cities, {YEARS[0]}-{YEARS[-1]}) "
        f"in {folder / FILE}, their values in {folder / EXPECTED}")
    return figures
