"""GENERATED.md: what the folder holds, how it was made, and how to read its truth/ folder."""

from __future__ import annotations

from pathlib import Path

from benchmarks.generator.calibration import PATHS, PUBLISHED, YEARS
from benchmarks.generator.plan import Plan

FORMAT_VERSION = 2
COMMAND = "python -m benchmarks.generate_data"

TRUTH_DOC = """\
## truth/ — what a warehouse following the contract must produce

Written by construction (from the generator's own table of what it wrote, never by
parsing these files). CSV, UTF-8, header row, comma-separated, RFC 4180 quoting, LF
line endings, sorted as said. Everything not listed in `rejected_rows.csv` must be kept.

**`ai_enterprise_counts.csv`** (sorted by region_code, year): `region_code` (6 digits,
`000000` national), `level` (national / province / city / district), `name_zh`, `year`,
`ai_enterprise_count`: AI-related enterprises (a keyword of ai_keywords.csv in name or
business scope) located in the region or anywhere within it (district -> its city ->
its province -> national, as regions.csv's city_code / province_code say), registered
on or before 31 December of the year and not deregistered on or before that day,
counting only each USCC's most recent kept record (latest registered_on; no two kept
records of one USCC share a day), rejected rows excluded. One row per year from the
first registration year to the last registration or deregistration year, for every
region with at least one kept registry record in it or within it (0 where none is
AI-related); regions without any are absent (null in the marts).

**`rejected_rows.csv`** (sorted by source, file, line): `source` (enterprises /
policies / compute / indicators), `file` (relative to this folder), `line` (1-based
physical line in the decompressed file where the rejected record starts: a CSV header
is line 1; blank lines and line breaks inside quoted values count, a CR LF is one line
break and no lone CR is written; JSON lines have no header), `reason` (class, below),
`field` (the column or key at fault, empty for whole-line defects), `value` (the
offending text as written; for
unit_conflict `value | unit`; a truncated JSON line's first 60 characters), `candidates`
(region_ambiguous only: the codes the name may mean, `|`-separated, ascending).

| reason | meaning |
| --- | --- |
| bad_uscc_check | the USCC's 18th character is not its GB 32100-2015 check character |
| bad_date | a date that is not a date (2019-02-30, 29.12.2017, 2015年13月5日, 已注销, 2021年第3季度, 2023年Q2) |
| dereg_before_reg | deregistered_on before registered_on |
| region_unknown | no region has this name (深圳巿, 海淀去, Shenhen, 440399) |
| region_ambiguous | a name several regions share, with nothing in the row to choose (registry: a USCC whose division code is none of them nor inside or above one; policies: an issuer naming no region; elsewhere: the name alone) |
| wrong_field_count | an unquoted comma inside business_scope: too many fields |
| wrong_delimiter | the whole line is semicolon-separated (one field) |
| not_a_number | a value or registered_capital that is no amount (lots, 较多, 面议, 五百万元) |
| unit_conflict | value and unit name different base units (3.5万家 with 元) |
| unknown_indicator | an indicator outside indicator_catalogue.csv |
| unknown_doc_type | a doc_type outside doc_types.csv (意见, 批复, 函) |
| unknown_event | an event outside compute_events.csv (规划中, 暂停, planned) |
| bad_capacity | a capacity in GPU cards (50卡) |
| bad_json | a truncated JSON line |

**`files.csv`** (sorted by source, file): `physical_lines` (every line of the
decompressed file, header and blank lines included), `blank_lines`, `data_rows`
(records: kept + rejected; blank lines are neither), `kept_rows`, `rejected_rows`.

**`region_forms.csv`** (sorted by source, rule, region_code, region_text, context): the
valid rows whose region is a name that only the row's context resolves, and what it
resolves to. `rule` is `uscc_division_code` (registry: a shared name such as 南山区,
Nanshan or 朝阳, with `context` = `uscc division <code>`, characters 3-8 of the USCC: the
one candidate that is that region or lies above or within it), `parent_written_with_it`
(深圳市南山区, 深圳南山区, Shenzhen Nanshan, 广东省深圳市) or `issuer` (policies: a shared
name with `context` = `issuer <issuer>`, whose parent the issuer names); `rows` counts them.

**`indicator_values.csv`** (sorted by file, line): every kept indicator row with the
region it resolves to and its value in base units (persons, enterprises, yuan) as an
exact decimal: `3.98万` + `家` is 39800, `1.5千亿` + `元` 150000000000, `6.38万家` + `家`
63800.
"""


def write_generated_md(out: Path, plan: Plan, files: list[tuple], rejected: list[tuple], got: dict) -> None:
    """files: (source, file, data_rows) ; rejected: (source, reason, rows)."""
    bad = {s: 0 for s in ("enterprises", "policies", "compute", "indicators")}
    for source, _reason, n in rejected:
        bad[source] += n
    lines = [
        "# GENERATED — every file in this folder is SYNTHETIC",
        "",
        "Written by `benchmarks/generator/`. Nothing here is real: every enterprise, name, USCC, policy document, "
        "compute project and figure is made up (file names start with `synthetic_`). It exists to benchmark and "
        "test the modu warehouse at national scale, against the ground truth in `truth/`.",
        "",
        "Reproduce (byte-identical output for the same scale and seed):",
        "",
        "```sh",
        f"{COMMAND} --scale {plan.scale} --seed {plan.seed} --out DIR",
        "```",
        "",
        "## Parameters (machine-readable)",
        "",
        f"- scale: {plan.scale}",
        f"- seed: {plan.seed}",
        f"- format_version: {FORMAT_VERSION}",
        "- expected_rejected_rows: " + " ".join(f"{s}={n}" for s, n in bad.items()),
        "",
        "## Calibration",
        "",
        "AI enterprise counts (the rule of `truth/ai_enterprise_counts.csv`) equal, every year 2016-2023, "
        "round-half-up(path x scale) of the paths in `benchmarks/generator/calibration.py`; the published "
        "points are the article's figures.",
        "",
        "| city | " + " | ".join(str(y) for y in YEARS) + " |",
        "| --- |" + " ---: |" * len(YEARS),
    ]
    for code in plan.paths:
        cells = []
        for y in YEARS:
            mark = " (published)" if (code, y) in PUBLISHED else ""
            cells.append(f"{got[code][y]:,}{mark}")
        lines.append(f"| {code} | " + " | ".join(cells) + " |")
    lines += [
        "",
        f"At scale 1 the paths are {', '.join(f'{c}: {PATHS[c][0]:,} -> {PATHS[c][-1]:,}' for c in plan.paths)}.",
        "",
        "How: each calibrated city is a base stock registered 2000-2016, yearly deregistrations (from the base "
        "and from enterprises born two years before) and births that make up the difference, each an exact "
        "cohort; beside them the noise that must not count: AI enterprises gone by 2016, born and gone within "
        "one year, born from 2024; older records of the same USCC (an older AI record of a later birth, an AI "
        "record superseded by a non-AI one, an AI record superseded by one deregistered in 2016, an older non-AI "
        "record), a newer record that is rejected (so the older one counts), rejected AI rows that would count. "
        "Boundary days are present (registered 31 Dec / 1 Jan, deregistered 1 Jan / 31 Dec, 2024-01-01). "
        "Elsewhere about 3 % of enterprises are AI-related.",
        "",
        "## Mess in valid rows",
        "",
        "Registry: English, Chinese and Title-case headers in six column orders, an extra column "
        "(legal_representative), two `.csv.gz`, UTF-8 with BOM, GB18030 with CRLF line endings; "
        f"business_scope with one or two line breaks inside its quotes (~{plan.mess.multiline / 10:g} % of rows: "
        "LF, CR LF, and LF inside a CRLF file); a blank line before about one record in "
        f"{plan.mess.blank_every:,}; dates as 2017-12-29, 2017/12/29, 2017.12.29, 2017年12月29日; capital with the "
        "units of units.csv (500万元人民币, 1,500万元, ３００万元, 100万美元, 100万元美元, 50万港元, 300万RMB ...); "
        "regions as Chinese names with and without suffix, English with and without suffix word, pinyin with "
        "the suffix (Pudongxinqu), aliases, 6-digit codes, and names several regions share (南山区, Nanshan, "
        "鼓楼区, 朝阳) resolved by the USCC's division code (see truth/region_forms.csv). Policies, compute and "
        "indicators: names written with their parent (深圳市南山区, Shenzhen Nanshan, 广东省深圳市); policies: "
        "shared names resolved by the issuer (南山区 + 深圳市南山区人民政府); vocabularies from levels.csv, "
        "doc_types.csv and compute_events.csv with their synonyms; indicators: magnitudes in either cell "
        "(3.98万 + 家, 3821 + 亿元, 1.5千亿 + 元), the base unit in both (6.38万家 + 家), 14-15 digit values.",
        "",
        "## Deliberately rejected rows",
        "",
        "| source | reason | rows |",
        "| --- | --- | ---: |",
    ]
    lines += [f"| {s} | {r} | {n:,} |" for s, r, n in rejected]
    lines += ["", "## Files", "", "| file | data rows (records, without header) | bytes |", "| --- | ---: | ---: |"]
    lines += [f"| {f} | {n:,} | {(out / f).stat().st_size:,} |" for _source, f, n in files]
    lines += ["", TRUTH_DOC]
    (out / "GENERATED.md").write_text("\n".join(lines), encoding="utf-8")
