#!/usr/bin/env python3
"""Write the SYNTHETIC enterprise-registry sample and its expected counts.

Outputs (paths relative to the repository root, or to --out-dir):

  raw/enterprises/synthetic_registry_sample.csv
  raw/enterprises/synthetic_registry_sample.expected.json

Nothing in these files is real: every enterprise, name, code and date is made
up by this script. The file exists so that the shipped landing folder has a
registry extract to ingest, and so that the warehouse's AI-enterprise counts
can be checked against numbers computed here, independently of the warehouse.

Determinism: one ``random.Random(SEED)`` drives every choice, the input lists
below are fixed, and the output is written in a fixed order, so running the
script twice gives byte-identical files (Python 3.8+; only the standard
library and python-stdnum are used).

What the sample exercises (all rows are valid; bad rows live in tests/fixtures):

* USCCs that verify (GB 32100-2015): ``9`` (registered by the market
  regulator) + ``1`` (enterprise) + the 6-digit administrative code of the
  row's region + a 9-character organisation code (8 digits and its
  GB 11714 check character) + the check character computed with
  ``stdnum.cn.uscc.calc_check_digit``.
* Regions in varied forms: district names (海淀区, 浦东新区, ...), city names
  with and without 市, English/pinyin (Hefei, Xi'an, Xian), 6-digit codes
  (340100) and the garbled alias Xi安. District names that are ambiguous
  nationwide (南山区 is also in 鹤岗, 朝阳区 also in 长春, 西湖区 also in 南昌,
  长安区 also in 石家庄) are deliberately not used.
* Dates as 2015-03-02, 2015/03/02, 2015.03.02 and 2015年3月2日.
* Registered capital as 500万元人民币, 1000万元, 1,500万元 and (a few) 100万美元.
* Exactly two USCCs that appear twice, the second record being a later
  re-registration with a different registered_on, so that "duplicate USCCs
  keep the most recent registration record" changes the counts:
    - DUP_A (合肥/蜀山区): AI-related both times, first registered 2014,
      re-registered 2019 -> counts from 2019 only.
    - DUP_B (深圳/龙岗区): a clothing firm registered 2013, re-registered
      2021 with an AI business scope -> AI-related from 2021 only.
  In the file, DUP_B's later record comes *before* its earlier one, so file
  order is not the rule.
* Boundary days: an AI firm registered on 2018-12-31 (counted in 2018) and
  one deregistered on 2019-12-31 (not counted in 2019).

Expected counts: for each of the six cities (by 6-digit city code; for the
municipalities 北京 and 上海 the municipality code 110000 / 310000) and each
year 2016..2023, the number of AI-related enterprises registered on or before
31 December of the year and not deregistered on or before that day, after
keeping only the most recent registration record (latest registered_on) per
USCC. AI-related = name or business scope contains one of KEYWORDS. Districts
roll up to their city. Non-AI rows are built from words that no plausible AI
keyword list would match (no 智能, 数据, 软件, 科技, ...), so a longer keyword
seed in the warehouse gives the same counts.

Usage:  python scripts/make_registry_sample.py [--out-dir DIR]
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
from pathlib import Path

from stdnum.cn import uscc as stdnum_uscc

SEED = 20230815  # the day 科大讯飞 released 星火 2.0; any fixed number would do
ROWS_PER_CITY = 50
YEARS = range(2016, 2024)
FIRST_DAY = dt.date(2012, 1, 1)
LAST_DAY = dt.date(2023, 12, 31)
LAST_DEREG_DAY = dt.date(2024, 12, 31)

KEYWORDS = ["人工智能", "机器学习", "深度学习", "大模型", "智能语音", "语音识别",
            "计算机视觉", "自然语言处理", "智能机器人"]

# Words that must never appear in a non-AI row (a superset of any sensible
# AI keyword list), checked by an assertion below.
TECH_WORDS = KEYWORDS + ["智能", "数据", "算法", "算力", "机器", "视觉", "语音", "芯片",
                         "软件", "信息", "科技", "网络", "计算", "模型", "神经", "识别",
                         "图谱", "知识", "生成", "AI", "ai", "云"]

# city code, short name used in enterprise names, city-level region forms,
# districts (name, 6-digit code from cpca's adcodes.csv).
CITIES = [
    ("110000", "北京", ["北京", "北京市", "Beijing", "110000"],
     [("海淀区", "110108"), ("昌平区", "110114"), ("东城区", "110101")]),
    ("310000", "上海", ["上海", "上海市", "Shanghai", "310000"],
     [("浦东新区", "310115"), ("徐汇区", "310104"), ("闵行区", "310112")]),
    ("440300", "深圳", ["深圳", "深圳市", "Shenzhen", "440300"],
     [("福田区", "440304"), ("宝安区", "440306"), ("龙岗区", "440307")]),
    ("340100", "合肥", ["合肥", "合肥市", "Hefei", "340100"],
     [("蜀山区", "340104"), ("包河区", "340111")]),
    ("330100", "杭州", ["杭州", "杭州市", "Hangzhou", "330100"],
     [("余杭区", "330110"), ("滨江区", "330108"), ("拱墅区", "330105")]),
    ("610100", "西安", ["西安", "西安市", "Xi'an", "Xian", "Xi安", "610100"],
     [("雁塔区", "610113"), ("未央区", "610112")]),
]

BRAND_1 = list("星蓝青澄远知海聚启明华恒博新鼎长锦瑞嘉和")
BRAND_2 = list("河鲸禾朗帆行川源航德章通雅桥盛风程丰光岚")

AI_NAME_TAILS = ["人工智能科技有限公司", "人工智能研究院有限公司", "智能语音技术有限公司",
                 "语音识别技术有限公司", "机器学习科技有限公司", "深度学习技术有限公司",
                 "大模型科技有限公司", "计算机视觉技术有限公司", "自然语言处理技术有限公司",
                 "智能机器人有限公司"]
NEUTRAL_TECH_NAME_TAILS = ["科技有限公司", "软件有限公司", "信息技术有限公司", "网络科技有限公司"]
AI_SCOPE_ITEMS = ["人工智能基础软件开发", "人工智能应用软件开发", "人工智能行业应用系统集成服务",
                  "智能机器人的研发", "智能机器人销售", "语音识别技术开发", "智能语音产品研发",
                  "计算机视觉系统开发", "自然语言处理技术服务", "深度学习平台开发",
                  "机器学习算法研发", "大模型技术开发与应用"]
TECH_SCOPE_ITEMS = ["技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广", "软件开发",
                    "信息系统集成服务", "数据处理服务", "计算机软硬件及辅助设备零售"]

# (name tail, business scope items) for non-AI enterprises
PLAIN_TRADES = [
    ("餐饮管理有限公司", ["餐饮服务", "食品销售", "餐饮管理"]),
    ("服装有限公司", ["服装制造", "服装服饰批发", "服装服饰零售", "鞋帽零售"]),
    ("物流有限公司", ["道路货物运输(不含危险货物)", "普通货物仓储服务", "国内货物运输代理"]),
    ("建材有限公司", ["建筑材料销售", "五金产品零售", "水泥制品销售"]),
    ("家政服务有限公司", ["家政服务", "养老服务", "洗烫服务"]),
    ("印刷有限公司", ["包装装潢印刷品印刷", "文具用品零售", "办公用品销售"]),
    ("农业发展有限公司", ["蔬菜种植", "水果种植", "农产品的生产、销售、加工、运输、贮藏"]),
    ("酒店管理有限公司", ["酒店管理", "住宿服务", "会议及展览服务"]),
    ("装饰工程有限公司", ["住宅室内装饰装修", "建筑装饰材料销售", "园林绿化工程施工"]),
    ("商贸有限公司", ["日用百货销售", "针纺织品销售", "化妆品零售", "礼品花卉销售"]),
]


def gb11714_check(body8: str) -> str:
    """Check character of a 9-character organisation code (GB 11714-1997)."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(c) * w for c, w in zip(body8, weights))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def make_uscc(admin_code: str, rng: random.Random, used: set[str]) -> str:
    while True:
        body = "".join(rng.choice("0123456789") for _ in range(8))
        first17 = "91" + admin_code + body + gb11714_check(body)
        code = first17 + stdnum_uscc.calc_check_digit(first17)
        if code not in used:
            used.add(code)
            stdnum_uscc.validate(code)
            return code


def fmt_date(d: dt.date, style: int) -> str:
    return [d.isoformat(),
            f"{d.year}/{d.month:02d}/{d.day:02d}",
            f"{d.year}.{d.month:02d}.{d.day:02d}",
            f"{d.year}年{d.month}月{d.day}日"][style % 4]


def rand_date(rng: random.Random, lo: dt.date, hi: dt.date) -> dt.date:
    return dt.date.fromordinal(rng.randint(lo.toordinal(), hi.toordinal()))


def fmt_capital(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.03:
        return f"{rng.choice([50, 100, 200, 500])}万美元"
    wan = rng.choice([10, 50, 100, 200, 300, 500, 800, 1000, 1500, 2000, 3000, 5000, 10000])
    if wan >= 1000 and r < 0.30:
        return f"{wan:,}万元"
    if r < 0.65:
        return f"{wan}万元人民币"
    return f"{wan}万元"


def is_ai(name: str, scope: str) -> bool:
    return any(k in name or k in scope for k in KEYWORDS)


def join_scope(items: list[str], rng: random.Random) -> str:
    sep = rng.choice(["；", "；", ";", ","])
    return sep.join(items) + ("。" if sep == "；" else "")


def build_rows() -> list[dict]:
    rng = random.Random(SEED)
    used_uscc: set[str] = set()
    used_names: set[str] = set()
    rows: list[dict] = []

    def new_name(city_short: str, tail: str) -> str:
        while True:
            name = city_short + rng.choice(BRAND_1) + rng.choice(BRAND_2) + tail
            if name not in used_names:
                used_names.add(name)
                return name

    def ai_name_and_scope() -> tuple[str, list[str]]:
        """Return (name tail, scope items); AI-related by name, scope or both."""
        mode = rng.random()
        ai_items = rng.sample(AI_SCOPE_ITEMS, rng.randint(1, 3))
        tech_items = rng.sample(TECH_SCOPE_ITEMS, rng.randint(1, 2))
        if mode < 0.35:  # by name only
            return rng.choice(AI_NAME_TAILS), tech_items
        if mode < 0.65:  # by scope only
            return rng.choice(NEUTRAL_TECH_NAME_TAILS), ai_items + tech_items
        return rng.choice(AI_NAME_TAILS), ai_items + tech_items  # both

    def plain_name_and_scope() -> tuple[str, list[str]]:
        tail, items = rng.choice(PLAIN_TRADES)
        return tail, rng.sample(items, rng.randint(1, len(items)))

    for city_code, short, city_forms, districts in CITIES:
        for i in range(ROWS_PER_CITY):
            if rng.random() < 0.5:
                region, admin = rng.choice(districts)
            else:
                region, admin = rng.choice(city_forms), city_code
            ai = rng.random() < 0.55
            tail, items = ai_name_and_scope() if ai else plain_name_and_scope()
            reg = rand_date(rng, FIRST_DAY, LAST_DAY)
            dereg = None
            if rng.random() < 0.18:
                lo = reg + dt.timedelta(days=90)
                if lo <= LAST_DEREG_DAY:
                    dereg = rand_date(rng, lo, LAST_DEREG_DAY)
            rows.append({
                "uscc": make_uscc(admin, rng, used_uscc),
                "name": new_name(short, tail),
                "region": region,
                "_city": city_code,
                "_reg": reg,
                "_dereg": dereg,
                "registered_capital": fmt_capital(rng),
                "business_scope": join_scope(items, rng),
            })

    # --- hand-placed boundary cases (overwrite fields of fixed rows) -------
    def first_ai_row(city_code: str, skip: int = 0) -> dict:
        hits = [r for r in rows if r["_city"] == city_code
                and is_ai(r["name"], r["business_scope"])]
        return hits[skip]

    r = first_ai_row("110000")            # 北京: registered on the last day of 2018
    r["_reg"], r["_dereg"] = dt.date(2018, 12, 31), None
    r = first_ai_row("310000")            # 上海: deregistered on the last day of 2019
    r["_reg"], r["_dereg"] = dt.date(2015, 6, 1), dt.date(2019, 12, 31)
    r = first_ai_row("330100")            # 杭州: registered on the first day of 2016
    r["_reg"], r["_dereg"] = dt.date(2016, 1, 1), None

    # --- the two duplicate USCCs -------------------------------------------
    # DUP_A: 合肥 蜀山区, AI-related, registered 2014, re-registered 2019.
    dup_a = make_uscc("340104", rng, used_uscc)
    name_a = new_name("合肥", "智能语音技术有限公司")
    scope_a = "智能语音产品研发；语音识别技术开发；技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广。"
    rec_a1 = {"uscc": dup_a, "name": name_a, "region": "蜀山区", "_city": "340100",
              "_reg": dt.date(2014, 5, 20), "_dereg": None,
              "registered_capital": "1000万元人民币", "business_scope": scope_a}
    rec_a2 = dict(rec_a1, _reg=dt.date(2019, 8, 8), registered_capital="2,000万元")
    # DUP_B: 深圳 龙岗区, clothing firm 2013, re-registered 2021 as an AI firm.
    dup_b = make_uscc("440307", rng, used_uscc)
    rec_b1 = {"uscc": dup_b, "name": new_name("深圳", "服装有限公司"), "region": "龙岗区",
              "_city": "440300", "_reg": dt.date(2013, 3, 15), "_dereg": None,
              "registered_capital": "300万元人民币",
              "business_scope": "服装制造；服装服饰批发。"}
    rec_b2 = {"uscc": dup_b, "name": new_name("深圳", "人工智能科技有限公司"), "region": "龙岗区",
              "_city": "440300", "_reg": dt.date(2021, 2, 2), "_dereg": None,
              "registered_capital": "500万元人民币",
              "business_scope": "人工智能应用软件开发；智能机器人的研发；服装制造。"}
    # Insert at fixed positions: A in order (early record first), B reversed.
    rows.insert(40, rec_a1)
    rows.insert(250, rec_a2)
    rows.insert(60, rec_b2)
    rows.insert(180, rec_b1)

    # --- render dates ------------------------------------------------------
    for i, r in enumerate(rows):
        r["registered_on"] = fmt_date(r["_reg"], i)
        r["deregistered_on"] = fmt_date(r["_dereg"], i * 7 + 1) if r["_dereg"] else ""

    # --- sanity checks -------------------------------------------------------
    for r in rows:
        stdnum_uscc.validate(r["uscc"])
        assert r["_dereg"] is None or r["_dereg"] > r["_reg"], r
        if not is_ai(r["name"], r["business_scope"]):
            text = r["name"] + r["business_scope"]
            assert not any(w in text for w in TECH_WORDS), r
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["uscc"]] = counts.get(r["uscc"], 0) + 1
    assert sorted(counts.values()).count(2) == 2 and max(counts.values()) == 2
    return rows


def expected_counts(rows: list[dict]) -> dict:
    latest: dict[str, dict] = {}
    for r in rows:
        cur = latest.get(r["uscc"])
        if cur is None or r["_reg"] > cur["_reg"]:
            latest[r["uscc"]] = r
    out: dict[str, dict] = {}
    for city_code, short, _forms, _districts in CITIES:
        per_year = {}
        for y in YEARS:
            end = dt.date(y, 12, 31)
            per_year[str(y)] = sum(
                1 for r in latest.values()
                if r["_city"] == city_code
                and is_ai(r["name"], r["business_scope"])
                and r["_reg"] <= end
                and (r["_dereg"] is None or r["_dereg"] > end))
        out[city_code] = {"name_zh": short, "ai_enterprise_count": per_year}
    return out


COLUMNS = ["uscc", "name", "region", "registered_on", "deregistered_on",
           "registered_capital", "business_scope"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out-dir", type=Path,
                    default=Path(__file__).resolve().parent.parent / "raw" / "enterprises")
    args = ap.parse_args()
    args.out_dir.mkdir(parents=True, exist_ok=True)

    rows = build_rows()
    csv_path = args.out_dir / "synthetic_registry_sample.csv"
    with csv_path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(COLUMNS)
        for r in rows:
            w.writerow([r[c] for c in COLUMNS])

    by_city = expected_counts(rows)
    expected = {
        "file": csv_path.name,
        "synthetic": True,
        "generator": "scripts/make_registry_sample.py",
        "seed": SEED,
        "rows": len(rows),
        "distinct_uscc": len({r["uscc"] for r in rows}),
        "duplicate_uscc": sorted({r["uscc"] for r in rows
                                  if sum(1 for s in rows if s["uscc"] == r["uscc"]) > 1}),
        "keywords": KEYWORDS,
        "rule": ("AI-related = name or business_scope contains a keyword. Count for year Y = "
                 "AI-related enterprises with registered_on <= Y-12-31 and (no deregistered_on "
                 "or deregistered_on > Y-12-31), after keeping, per USCC, only the record with "
                 "the latest registered_on. Districts roll up to their city; 北京 and 上海 use "
                 "the municipality codes 110000 and 310000."),
        "ai_enterprise_count_by_city": by_city,
        "ai_enterprise_count_all_six_cities": {
            str(y): sum(c["ai_enterprise_count"][str(y)] for c in by_city.values())
            for y in YEARS},
    }
    json_path = args.out_dir / "synthetic_registry_sample.expected.json"
    json_path.write_text(json.dumps(expected, ensure_ascii=False, indent=2) + "\n",
                         encoding="utf-8")

    print(f"wrote {csv_path} ({len(rows)} rows, {expected['distinct_uscc']} distinct USCCs)")
    print(f"wrote {json_path}")
    print("AI-related enterprises (most recent record per USCC), by city and year:")
    print("code    city " + " ".join(f"{y:>5}" for y in YEARS))
    for code, c in by_city.items():
        print(f"{code}  {c['name_zh']} " + " ".join(f"{c['ai_enterprise_count'][str(y)]:>5}"
                                                    for y in YEARS))


if __name__ == "__main__":
    main()
