"""Deterministic generator of SYNTHETIC, contract-conforming raw files at national scale.

    .venv/bin/python -m benchmarks.generate_data --scale 1.0 --out DIR [--seed 7]
    .venv/bin/python -m benchmarks.generate_data --verify DIR

Writes DIR/enterprises/, DIR/policies/, DIR/indicators/, DIR/compute/ (every file
named synthetic_*) and DIR/GENERATED.md. Nothing in them is real: every
enterprise, USCC, name, document and project is made up here. Point a refresh at
DIR with MODU_RAW_DIR=DIR. The generator refuses to write into the repository's
shipped raw/ folder.

Sizes at --scale 1.0 (all linear in --scale): 5,000,000 registry lines over every
prefecture-level city of dbt_project/seeds/regions.csv and its districts, ~200,000
policy documents, ~20,000 compute events, a few hundred indicator rows.

Calibration. With the warehouse's rule (AI-related enterprises located in the
city or any of its districts, registered on or before 31 Dec Y and not
deregistered on or before that day, keeping only the most recent registration
record per USCC, rejected rows excluded) the registry gives exactly, at scale 1:

    北京 110000   2016: 39,800   2023: 47,800
    深圳 440300   2016: 36,100   2023: 63,800
    上海 310000   2016: 26,500   2023: 37,000 (this one is the generator's choice)

and round-half-up(target x scale) at other scales. These AI enterprises are built
explicitly (see city_plan and Registry.build); everything else in those cities is noise that must not
count: non-AI enterprises, AI enterprises deregistered by the end of 2016 or
registered and deregistered within 2017-2023 or registered after 2023,
duplicate USCCs whose older record would change a count, and rejected rows.

How: the registry is generated set-based in DuckDB. Every random choice is
hash(row id, salt, seed) of an integer (never random()/setseed, which depend on
thread scheduling), every output is written with COPY ... ORDER BY a hash key,
so the bytes depend on (scale, seed) only, not on threads. Lines are formatted in
SQL and written verbatim by COPY; the gzip files and the GB18030 file are finished
in Python (zlib / codecs, streaming) in a background thread while DuckDB writes the
next file (see Finisher). --verify recomputes the calibrated counts from the written
files with the csv/gzip/codecs modules and python-stdnum alone.
"""

from __future__ import annotations

import argparse
import codecs
import csv
import datetime as dt
import gzip
import io
import json
import os
import re
import shutil
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = REPO_ROOT / "dbt_project" / "seeds"
SHIPPED_RAW = REPO_ROOT / "raw"
GENERATOR = "benchmarks/generate_data.py"
FORMAT_VERSION = 1

# --- sizes at scale 1 and calibration targets ----------------------------------------
BASE_REGISTRY_ROWS = 5_000_000
BASE_POLICIES = 200_000
BASE_COMPUTE_EVENTS = 20_000
BASE_INDICATOR_CITIES = 18  # x 8 years x 2 indicators, plus calibration and extras
MAX_SCALE = 15.0  # organisation codes are a bijection of the row id below 1e8

# city code -> (short name, {year: target at scale 1}, years published in GENERATED.md as calibration)
TARGETS: dict[str, tuple[str, dict[int, int], tuple[int, ...]]] = {
    "110000": ("北京", {2016: 39_800, 2023: 47_800}, (2016, 2023)),
    "440300": ("深圳", {2016: 36_100, 2023: 63_800}, (2016, 2023)),
    "310000": ("上海", {2016: 26_500, 2023: 37_000}, (2016,)),
}
YEARS = tuple(range(2016, 2024))

D = dt.date
REG_FIRST = D(1995, 1, 1)
EXTRACT_END = D(2025, 6, 30)  # no generated date is later than this

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# --- vocabulary ------------------------------------------------------------------------
# Brand characters never occur in any AI keyword, so no keyword can span a brand
# character: a name (city + 2 brand chars + tail) matches a keyword only inside its
# city name or tail, and a scope only inside one item (separators are not keyword
# characters either). check_vocabulary() asserts this against the seed.
BRAND_CANDIDATES = "星蓝青澄远海聚启明华恒博新鼎长锦瑞嘉和河鲸禾朗帆行川源航德章通雅桥盛风程丰光岚峰泰宇辰安达鑫昊润诚卓越腾凯宏捷鸿骏"
AI_NAME_TAILS = ["人工智能科技有限公司", "人工智能技术有限公司", "智能语音技术有限公司", "语音识别技术有限公司",
                 "机器学习科技有限公司", "深度学习技术有限公司", "大模型科技有限公司", "计算机视觉技术有限公司",
                 "自然语言处理技术有限公司", "智能机器人有限公司", "智能机器人科技有限公司", "神经网络技术有限公司",
                 "图像识别技术有限公司", "知识图谱科技有限公司", "生成式人工智能研究院有限公司", "AIGC科技有限公司"]
# Tech-sounding but not AI by the keyword rule (智能科技, 云计算, 数据 ... are not keywords).
TECH_NAME_TAILS = ["科技有限公司", "信息技术有限公司", "网络科技有限公司", "软件有限公司", "数据科技有限公司",
                   "智能科技有限公司", "数字技术有限公司", "智慧科技有限公司", "云计算有限公司", "电子科技有限公司"]
AI_SCOPE_ITEMS = ["人工智能基础软件开发", "人工智能应用软件开发", "人工智能行业应用系统集成服务", "人工智能硬件销售",
                  "人工智能公共服务平台技术咨询服务", "智能机器人的研发", "智能机器人销售", "语音识别技术开发",
                  "智能语音产品研发", "计算机视觉系统开发", "自然语言处理技术服务", "深度学习平台开发",
                  "机器学习算法研发", "大模型技术开发与应用", "神经网络芯片设计", "图像识别系统开发",
                  "知识图谱构建服务", "生成式人工智能应用服务", "AIGC内容制作服务"]
TECH_SCOPE_ITEMS = ["技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广", "软件开发", "信息系统集成服务",
                    "数据处理服务", "计算机软硬件及辅助设备零售", "物联网技术服务", "云计算装备技术服务",
                    "智能家居消费设备销售", "大数据服务", "集成电路设计", "网络技术服务", "信息技术咨询服务",
                    "工业互联网数据服务", "工业机器人制造", "服务消费机器人销售", "图像处理软件开发",
                    "数字内容制作服务(不含出版发行)"]
TRADES: list[tuple[str, list[str]]] = [
    ("餐饮管理有限公司", ["餐饮服务", "食品销售", "餐饮管理", "食品互联网销售"]),
    ("服装有限公司", ["服装制造", "服装服饰批发", "服装服饰零售", "鞋帽零售"]),
    ("物流有限公司", ["道路货物运输(不含危险货物)", "普通货物仓储服务", "国内货物运输代理", "装卸搬运"]),
    ("建材有限公司", ["建筑材料销售", "五金产品零售", "水泥制品销售", "轻质建筑材料制造"]),
    ("家政服务有限公司", ["家政服务", "养老服务", "洗烫服务", "家用电器安装服务"]),
    ("印刷有限公司", ["包装装潢印刷品印刷", "文具用品零售", "办公用品销售"]),
    ("农业发展有限公司", ["蔬菜种植", "水果种植", "农产品的生产、销售、加工、运输、贮藏", "农业机械服务"]),
    ("酒店管理有限公司", ["酒店管理", "住宿服务", "会议及展览服务", "停车场服务"]),
    ("装饰工程有限公司", ["住宅室内装饰装修", "建筑装饰材料销售", "园林绿化工程施工"]),
    ("商贸有限公司", ["日用百货销售", "针纺织品销售", "化妆品零售", "礼品花卉销售", "互联网销售(除销售需要许可的商品)"]),
    ("汽车服务有限公司", ["机动车修理和维护", "汽车零配件零售", "洗车服务", "二手车经纪"]),
    ("医疗器械有限公司", ["第一类医疗器械销售", "第二类医疗器械销售", "医护人员防护用品零售"]),
    ("文化传媒有限公司", ["组织文化艺术交流活动", "广告设计、代理", "广告制作", "会议及展览服务"]),
    ("教育咨询有限公司", ["教育咨询服务(不含涉许可审批的教育培训活动)", "业务培训(不含教育培训、职业技能培训等需取得许可的培训)"]),
    ("环保科技有限公司", ["环境保护专用设备销售", "固体废物治理", "水污染治理", "大气污染治理"]),
    ("电子商务有限公司", ["互联网销售(除销售需要许可的商品)", "日用品销售", "电子产品销售"]),
]
SCOPE_SEPARATORS = ["；", "；", ";", "、", ",", "，"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉宁欣悦晨浩宇轩然子涵睿博雅婷俊峰"
WAN = [10, 30, 50, 100, 100, 200, 300, 500, 500, 800, 1000, 1000, 1500, 2000, 3000, 5000, 10000]
USD_WAN = [50, 100, 200, 500, 1000]

REGISTRY_FIELDS = ["uscc", "name", "region", "registered_on", "deregistered_on", "registered_capital", "business_scope"]
HEADER_ZH = {"uscc": "统一社会信用代码", "name": "企业名称", "region": "所在地区", "registered_on": "成立日期",
             "deregistered_on": "注销日期", "registered_capital": "注册资本", "business_scope": "经营范围",
             "legal_representative": "法定代表人"}
HEADER_TITLE = {"uscc": "USCC", "name": "Name", "region": "Region", "registered_on": "Registered_On",
                "deregistered_on": "Deregistered_On", "registered_capital": "Registered_Capital",
                "business_scope": "Business_Scope"}


@dataclass(frozen=True)
class RegistryFile:
    name: str
    share: int  # per mille of the registry rows
    header: str  # en / zh / title
    columns: tuple[str, ...]
    date_form: int | None  # dominant date form (0 2017-12-29, 1 2017/12/29, 2 2017.12.29, 3 2017年12月29日)
    gzip: bool = False
    encoding: str = "utf-8"  # utf-8, utf-8-sig, gb18030


REGISTRY_FILES = (
    RegistryFile("synthetic_registry_part1.csv", 260, "en", tuple(REGISTRY_FIELDS), 0),
    RegistryFile("synthetic_registry_part2.csv.gz", 250, "zh",
                 ("name", "uscc", "region", "registered_on", "registered_capital", "business_scope", "deregistered_on"),
                 3, gzip=True),
    RegistryFile("synthetic_registry_part3.csv.gz", 220, "en",
                 ("name", "uscc", "legal_representative", "registered_capital", "registered_on", "deregistered_on",
                  "region", "business_scope"), 1, gzip=True),
    RegistryFile("synthetic_registry_part4_bom.csv", 170, "zh",
                 ("uscc", "name", "registered_on", "deregistered_on", "region", "registered_capital", "business_scope"),
                 2, encoding="utf-8-sig"),
    RegistryFile("synthetic_registry_part5_gb18030.csv", 40, "zh",
                 ("uscc", "name", "region", "registered_capital", "registered_on", "deregistered_on", "business_scope"),
                 3, encoding="gb18030"),
    RegistryFile("synthetic_registry_part6.csv", 60, "title",
                 ("region", "uscc", "name", "business_scope", "registered_capital", "registered_on", "deregistered_on"),
                 None),
)
POLICY_FILES = ("synthetic_policies_part1.jsonl", "synthetic_policies_part2.jsonl.gz")
COMPUTE_FILES = ("synthetic_compute_events.csv", "synthetic_compute_events_zh.csv")
INDICATOR_FILES = ("synthetic_indicators.csv", "synthetic_indicators_zh.csv")

# Bad-row kinds (registry). Every one of them is rejected by the contract.
BAD_KINDS = {
    1: "USCC with a wrong check character",
    2: "unparseable registered_on (2019-02-30, 29.12.2017, 2015年13月5日)",
    3: "unparseable deregistered_on (无, -, 已注销, 2021-02-30, 2019/04/31)",
    4: "unknown region (typos such as 深圳巿, 海淀去, Shenhen; codes not in the seed such as 440399)",
    5: "ambiguous region (朝阳区, 南山区, Nanshan District ...: names shared by districts of several cities)",
    6: "too many fields (an unquoted comma inside business_scope)",
    7: "registered_capital that is not an amount (五百万元, 面议, 待定)",
    8: "deregistered_on before registered_on",
}


# --- small helpers -----------------------------------------------------------------------
def rnd(x) -> int:
    """Round half up (Python's round() rounds half to even)."""
    return int(Decimal(str(x)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def scaled(base: int, scale: float) -> int:
    return rnd(Decimal(str(base)) * Decimal(str(scale)))


def sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def sql_list(items) -> str:
    return "[" + ", ".join(sql_str(x) for x in items) + "]"


def sql_date(d: dt.date) -> str:
    return f"DATE '{d.isoformat()}'"


FULLWIDTH = str.maketrans("０１２３４５６７８９．，－／：（）　＋", "0123456789.,-/:() +")


def region_key(text: str) -> str:
    """The lookup key of a region text (as the contract's resolver normalises it)."""
    return re.sub(r"[\s'’`.\-]", "", text.translate(FULLWIDTH).strip().lower())


# --- seeds: regions and keywords ----------------------------------------------------------
@dataclass
class Region:
    code: str
    name_zh: str
    short: str
    name_en: str
    level: str
    province_code: str
    city_code: str


@dataclass
class Seeds:
    regions: dict[str, Region]
    aliases: list[tuple[str, str]]
    keywords: list[str]
    candidates: dict[str, set[tuple[str, int]]] = field(default_factory=dict)

    @classmethod
    def load(cls, seeds_dir: Path = SEEDS_DIR) -> "Seeds":
        with open(seeds_dir / "regions.csv", encoding="utf-8", newline="") as f:
            regions = {r["region_code"]: Region(r["region_code"], r["name_zh"], r["short_name_zh"], r["name_en"],
                                                r["level"], r["province_code"], r["city_code"])
                       for r in csv.DictReader(f)}
        with open(seeds_dir / "region_aliases.csv", encoding="utf-8", newline="") as f:
            aliases = [(r["alias"], r["region_code"]) for r in csv.DictReader(f)]
        with open(seeds_dir / "ai_keywords.csv", encoding="utf-8", newline="") as f:
            keywords = [r["keyword"] for r in csv.DictReader(f)]
        seeds = cls(regions, aliases, keywords)
        seeds._index()
        return seeds

    def _index(self) -> None:
        cand: dict[str, set[tuple[str, int]]] = defaultdict(set)
        for r in self.regions.values():
            cand[r.code].add((r.code, 0))
            cand[region_key(r.name_zh)].add((r.code, 2))
            cand[region_key(r.short)].add((r.code, 3))
            cand[region_key(r.name_en)].add((r.code, 4))
            cand[region_key(strip_en_suffix(r.name_en))].add((r.code, 4))
        for alias, code in self.aliases:
            cand[region_key(alias)].add((code, 1))
        cand.pop("", None)
        self.candidates = dict(cand)

    LEVEL_RANK = {"national": 0, "province": 1, "city": 2, "district": 3}

    def resolve(self, text: str) -> tuple[str | None, str]:
        """(code, '') or (None, 'unknown'/'ambiguous'): best kind of name first (code, alias,
        full name, short name, English), then the highest level; a tie is ambiguous."""
        found = self.candidates.get(region_key(text))
        if not found:
            return None, "unknown"
        best_kind = min(k for _, k in found)
        codes = {c for c, k in found if k == best_kind}
        best_rank = min(self.LEVEL_RANK[self.regions[c].level] for c in codes)
        codes = {c for c in codes if self.LEVEL_RANK[self.regions[c].level] == best_rank}
        if len(codes) == 1:
            return codes.pop(), ""
        return None, "ambiguous"

    def unique_owner(self, text: str) -> str | None:
        """The region a text names when every reading of it (any kind, any level) is that one region."""
        found = self.candidates.get(region_key(text))
        codes = {c for c, _ in found} if found else set()
        return codes.pop() if len(codes) == 1 else None

    def city_of(self, code: str) -> str | None:
        r = self.regions[code]
        if r.level == "city":
            return r.code
        if r.level == "district":
            return r.city_code or None
        return None

    def is_ai(self, name: str, scope: str) -> bool:
        text = (name + "\n" + scope).lower()
        return any(k.lower() in text for k in self.keywords)


def strip_en_suffix(name_en: str) -> str:
    return re.sub(r" (District|County|City|Banner|Area)$", "", name_en)


def check_vocabulary(seeds: Seeds) -> None:
    kw = [k.lower() for k in seeds.keywords]
    kw_chars = set("".join(kw))

    def has_kw(s: str) -> bool:
        return any(k in s.lower() for k in kw)

    assert not any(c.lower() in kw_chars for c in BRAND_CANDIDATES), "brand characters must not be keyword characters"
    assert not any(c in kw_chars for c in "".join(SCOPE_SEPARATORS) + "。"), "separators must not be keyword characters"
    for t in AI_NAME_TAILS:
        assert has_kw(t), f"AI name tail without keyword: {t}"
    for t in AI_SCOPE_ITEMS:
        assert has_kw(t), f"AI scope item without keyword: {t}"
    for t in TECH_NAME_TAILS + TECH_SCOPE_ITEMS + [t for t, _ in TRADES] + [i for _, items in TRADES for i in items]:
        assert not has_kw(t), f"non-AI vocabulary contains a keyword: {t}"
    for r in seeds.regions.values():
        assert not has_kw(r.short), f"city short name contains a keyword: {r.short}"


# --- regions used by the generator -------------------------------------------------------
BIG_CITIES = {"110000", "120000", "310000", "500000", "440100", "440300", "330100", "320100", "320500", "420100",
              "510100", "610100", "340100", "370200", "210200", "350200", "330200", "440600", "441900", "370100",
              "410100", "430100", "350100", "360100", "530100"}


@dataclass
class GenRegion:
    ridx: int
    code: str
    level: str
    name_zh: str
    city_code: str | None
    city_short: str
    admin_sum: int
    forms: list[str]
    unknown_forms: list[str]
    ambiguous_forms: list[str]
    cal_city: str | None
    weight: int


def _stable_int(text: str) -> int:
    """A small deterministic integer from a text (for region weights; no hash randomisation)."""
    v = 0
    for ch in text:
        v = (v * 131 + ord(ch)) % 1_000_003
    return v


def build_regions(seeds: Seeds) -> list[GenRegion]:
    aliases_of: dict[str, list[str]] = defaultdict(list)
    for alias, code in seeds.aliases:
        aliases_of[code].append(alias)
    cities = {c for c, r in seeds.regions.items() if r.level == "city"}
    out: list[GenRegion] = []
    for code in sorted(seeds.regions):
        r = seeds.regions[code]
        city = seeds.city_of(code)
        if r.level == "national":
            city = None
        # forms: each must name this region under every reading (never relies on tie-breaking)
        # (English without " District"/" County"/" City"; "Pudong New" or "Horqin Left Middle" would
        # resolve too, but nobody writes them)
        cands = [r.code, r.name_zh, r.short, r.name_en, re.sub(r" (District|County|City)$", "", r.name_en)]
        cands += aliases_of[code]
        if r.level in ("city", "province"):
            cands.append(r.name_en.upper())
        forms: list[str] = []
        for f in cands:
            if f and f not in forms and seeds.unique_owner(f) == code:
                forms.append(f)
        assert forms and forms[0] == code
        # unknown forms (typos, codes that do not exist) and ambiguous forms
        typos = []
        if r.name_zh.endswith("市"):
            typos.append(r.name_zh[:-1] + "巿")
        if r.name_zh.endswith("区"):
            typos.append(r.name_zh[:-1] + "去")
        if r.name_zh.endswith("县"):
            typos.append(r.name_zh[:-1] + "悬")
        en = r.name_en.split(" ")[0]
        if len(en) >= 5 and en.isascii():
            typos.append(en[: len(en) // 2] + en[len(en) // 2 + 1:])
        for bump in (99, 98, 97, 89):
            typos.append(code[:4] + f"{(int(code[4:]) + bump) % 100:02d}")
        unknown = [t for t in typos if seeds.resolve(t)[1] == "unknown"]
        ambiguous = []
        for f in (r.name_zh, r.short, r.name_en, strip_en_suffix(r.name_en)):
            found = seeds.candidates.get(region_key(f), set())
            if seeds.resolve(f)[1] == "ambiguous" and code in {c for c, _ in found} and f not in ambiguous:
                ambiguous.append(f)
        assert unknown, code
        cal = city if city in TARGETS else None
        base = 3 + _stable_int(code) % 5 if r.level == "city" else 1 + _stable_int(code) % 4
        weight = base * (5 if city in BIG_CITIES else 1)
        out.append(GenRegion(
            ridx=len(out), code=code, level=r.level, name_zh=r.name_zh, city_code=city,
            city_short=seeds.regions[city].short if city else r.short,
            admin_sum=9 * 1 + 1 * 3 + sum(int(c) * w for c, w in zip(code, USCC_WEIGHTS[2:8])),
            forms=forms, unknown_forms=unknown, ambiguous_forms=ambiguous, cal_city=cal, weight=weight,
        ))
    # sanity: registry regions are every city and every district of a city
    assert {g.code for g in out if g.level == "city"} == cities
    return out


# --- the plan: how many rows of which kind ------------------------------------------------
@dataclass
class CityPlan:
    code: str
    t16: int
    t23: int
    A: int  # AI, registered 2000-2016, active through 2023
    B: int  # AI, registered 2000-2016, deregistered 2017-2023
    C: int  # AI, registered 2017-2023, active through 2023
    N1: int  # AI, registered and deregistered by 2016-12-31
    N2: int  # AI, registered and deregistered within 2017-2023
    N3: int  # AI, registered 2024-2025
    D1: int  # older AI record (pre-2017) of a C enterprise
    D2: int  # AI record superseded by a later non-AI record (pairs)
    D3: int  # AI record superseded by a later AI record deregistered in 2016 (pairs)
    D4: int  # older non-AI record of an A enterprise
    D6: int  # newer record of an A enterprise that is rejected (bad deregistered_on)
    X: int  # rejected rows that would count in both years if accepted

    @property
    def rows(self) -> int:
        return (self.A + self.B + self.C + self.N1 + self.N2 + self.N3 + self.D1 + 2 * self.D2 + 2 * self.D3
                + self.D4 + self.D6 + self.X)

    @property
    def bad_rows(self) -> int:
        return self.X + self.D6


def city_plan(code: str, scale: float) -> CityPlan:
    t = TARGETS[code][1]
    t16, t23 = scaled(t[2016], scale), scaled(t[2023], scale)
    d = rnd(Decimal("0.12") * t16)
    a, n = t16 - d, t23 - t16 + d
    assert n >= 0
    k4 = rnd(Decimal("0.02") * a)
    k6 = rnd(Decimal("0.005") * a)
    if 5 + k4 + k6 > a:
        k4 = k6 = 0
    return CityPlan(code, t16, t23, A=a, B=d, C=n,
                    N1=rnd(Decimal("0.08") * t16), N2=rnd(Decimal("0.03") * t23), N3=rnd(Decimal("0.03") * t23),
                    D1=rnd(Decimal("0.03") * n), D2=rnd(Decimal("0.02") * t16), D3=rnd(Decimal("0.01") * t16),
                    D4=k4, D6=k6, X=rnd(Decimal("0.01") * t16))


@dataclass
class Plan:
    scale: float
    seed: int
    registry_rows: int
    cities: list[CityPlan]
    bulk_main: int
    bulk_dup: int
    bulk_bad: int
    policies: int
    policies_bad: int
    policies_dup: int
    projects: int
    projects_bad: int
    indicator_cities: int

    @classmethod
    def make(cls, scale: float, seed: int) -> "Plan":
        total = scaled(BASE_REGISTRY_ROWS, scale)
        cities = [city_plan(c, scale) for c in TARGETS]
        rest = total - sum(c.rows for c in cities)
        assert rest > 0, "scale too small for the calibrated sets"
        bulk_dup = rnd(Decimal("0.015") * rest)
        bulk_bad = rnd(Decimal("0.0095") * rest)
        bulk_main = rest - bulk_dup - bulk_bad
        assert bulk_dup <= bulk_main
        p = scaled(BASE_POLICIES, scale)
        projects = max(1, rnd(Decimal(scaled(BASE_COMPUTE_EVENTS, scale)) / Decimal("2.2")))
        return cls(scale, seed, total, cities, bulk_main, bulk_dup, bulk_bad,
                   policies=p, policies_bad=rnd(Decimal("0.01") * p), policies_dup=rnd(Decimal("0.02") * p),
                   projects=projects, projects_bad=rnd(Decimal("0.025") * projects),
                   indicator_cities=scaled(BASE_INDICATOR_CITIES, scale))

    def target(self, code: str, year: int) -> int:
        return scaled(TARGETS[code][1][year], self.scale)


# --- SQL ---------------------------------------------------------------------------------
def rdate(idexpr: str, salt: int, lo: dt.date, hi: dt.date) -> str:
    return f"({sql_date(lo)} + u({idexpr}, {salt}, {(hi - lo).days + 1})::INTEGER)"


def rdate_recent(idexpr: str, salt: int, lo: dt.date, hi: dt.date) -> str:
    """A date in [lo, hi], denser towards hi (sqrt of a uniform)."""
    span = (hi - lo).days
    return f"({sql_date(lo)} + floor(sqrt(u({idexpr}, {salt}, 1000000) / 1000000.0) * {span + 1})::INTEGER)"


def macros_sql(seed: int) -> str:
    return f"""
CREATE OR REPLACE MACRO u(i, salt, n) AS (hash(CAST(i AS BIGINT), CAST(salt AS BIGINT), CAST({seed} AS BIGINT)) % CAST(n AS UBIGINT))::BIGINT;
CREATE OR REPLACE MACRO pick(lst, h) AS lst[1 + (h % len(lst))];
CREATE OR REPLACE MACRO q(x) AS CASE WHEN x IS NULL THEN ''
    WHEN contains(x, ',') OR contains(x, '"') THEN '"' || replace(x, '"', '""') || '"' ELSE x END;
CREATE OR REPLACE MACRO fdate(d, f) AS CASE WHEN d IS NULL THEN NULL
    WHEN f = 0 THEN strftime(d, '%Y-%m-%d') WHEN f = 1 THEN strftime(d, '%Y/%m/%d')
    WHEN f = 2 THEN strftime(d, '%Y.%m.%d')
    ELSE year(d)::VARCHAR || '年' || month(d)::VARCHAR || '月' || day(d)::VARCHAR || '日' END;
CREATE OR REPLACE MACRO fmonth(d, f) AS CASE WHEN f = 0 THEN strftime(d, '%Y-%m')
    ELSE year(d)::VARCHAR || '年' || month(d)::VARCHAR || '月' END;
"""


ENT_DDL = """CREATE OR REPLACE TABLE ent (seg VARCHAR, j BIGINT, id BIGINT, ek BIGINT, ridx INTEGER,
    reg DATE, dereg DATE, ai BOOLEAN, bad TINYINT)"""


class Registry:
    """Builds table `ent` (one row per registry line, numbers only) and writes the files."""

    def __init__(self, con, plan: Plan, regions: list[GenRegion]):
        self.con, self.plan, self.regions = con, plan, regions
        self.next_id = 0
        self.segment_rows: dict[str, int] = {}

    def _ids(self, n: int) -> int:
        base = self.next_id
        self.next_id += n
        return base

    def _load_region_tables(self) -> None:
        import pyarrow as pa

        rg = pa.table({
            "ridx": [g.ridx for g in self.regions],
            "code": [g.code for g in self.regions],
            "level": [g.level for g in self.regions],
            "name_zh": [g.name_zh for g in self.regions],
            "city_code": [g.city_code for g in self.regions],
            "city_short": [g.city_short for g in self.regions],
            "admin_sum": [g.admin_sum for g in self.regions],
            "forms": [g.forms for g in self.regions],
            "unk_forms": [g.unknown_forms for g in self.regions],
            "amb_forms": [g.ambiguous_forms for g in self.regions],
            "cal_city": [g.cal_city for g in self.regions],
        })
        self.con.register("rg_arrow", rg)
        self.con.execute("CREATE OR REPLACE TABLE rg AS SELECT * FROM rg_arrow ORDER BY ridx")
        self.con.unregister("rg_arrow")
        reg_pool = [g for g in self.regions if g.level in ("city", "district") and g.city_code]
        slots, cal_slots = [], []
        for g in reg_pool:
            slots += [g.ridx] * g.weight
            if g.cal_city:
                cal_slots += [(g.cal_city, g.ridx)] * g.weight
        self.W = len(slots)
        self.Wc: dict[str, int] = Counter(c for c, _ in cal_slots)
        per_city: dict[str, int] = defaultdict(int)
        rows = []
        for city, ridx in cal_slots:
            rows.append((city, per_city[city], ridx))
            per_city[city] += 1
        self.con.register("slots_arrow", pa.table({"slot": list(range(len(slots))), "ridx": slots}))
        self.con.execute("CREATE OR REPLACE TABLE reg_slots AS SELECT * FROM slots_arrow")
        self.con.unregister("slots_arrow")
        self.con.register("cal_arrow", pa.table({"city": [r[0] for r in rows], "slot": [r[1] for r in rows],
                                                 "ridx": [r[2] for r in rows]}))
        self.con.execute("CREATE OR REPLACE TABLE cal_slots AS SELECT * FROM cal_arrow")
        self.con.unregister("cal_arrow")

    # -- segments -----------------------------------------------------------------------
    def _primary(self, seg: str, count: int, *, city: str | None, reg: str, dereg: str, ai: str,
                 bad: str = "0") -> None:
        """count new enterprises (ek = id); reg/dereg/ai/bad are SQL over j, id, reg, is_cal."""
        self.segment_rows[seg] = count
        if count <= 0:
            return
        base = self._ids(count)
        if city:
            join = f"JOIN cal_slots s ON s.city = '{city}' AND s.slot = u(t.id, 1, {self.Wc[city]})"
        else:
            join = f"JOIN reg_slots s ON s.slot = u(t.id, 1, {self.W})"
        self.con.execute(f"""
INSERT INTO ent
SELECT '{seg}', j, id, id, ridx, reg, ({dereg}) AS dereg, ai, bad FROM (
    SELECT t.j, t.id, s.ridx, ({reg}) AS reg, ({ai}) AS ai, CAST(({bad}) AS TINYINT) AS bad
    FROM (SELECT i AS j, {base} + i AS id FROM range({count}) r(i)) t
    {join}
    JOIN rg ON rg.ridx = s.ridx
)""")

    def _derived(self, seg: str, parent_seg: str, j_from: int, count: int, *, reg: str, dereg: str, ai: str,
                 bad: str = "0") -> None:
        """A second record (same enterprise key, same region) of parent rows j_from .. j_from+count-1;
        reg/dereg/ai are SQL over p.* (the parent) and id."""
        self.segment_rows[seg] = count
        if count <= 0:
            return
        base = self._ids(count)
        self.con.execute(f"""
INSERT INTO ent
SELECT '{seg}', j, id, ek, ridx, reg, ({dereg}) AS dereg, ai, bad FROM (
    SELECT p.j - {j_from} AS j, {base} + p.j - {j_from} AS id, p.ek, p.ridx, p.reg AS preg, p.dereg AS pdereg,
           p.ai AS pai, rg.cal_city IS NOT NULL AS is_cal
    FROM ent p JOIN rg ON rg.ridx = p.ridx
    WHERE p.seg = '{parent_seg}' AND p.j >= {j_from} AND p.j < {j_from + count}
) p, LATERAL (SELECT ({reg}) AS reg, ({ai}) AS ai, CAST(({bad}) AS TINYINT) AS bad)""")

    # Firms of the rest of the country (and non-AI firms of the three calibrated cities).
    BULK_REG = rdate_recent("id", 2, REG_FIRST, EXTRACT_END - dt.timedelta(days=1))
    BULK_DEREG = (f"CASE WHEN u(id, 3, 100) < 12 AND reg + (90 + u(id, 4, 4000))::INTEGER <= {sql_date(EXTRACT_END)} "
                  f"THEN reg + (90 + u(id, 4, 4000))::INTEGER END")
    BULK_AI = "rg.cal_city IS NULL AND u(t.id, 5, 1000) < 30"

    def build_increment(self, rows: int) -> None:
        """`rows` new firms like the bulk ones (new USCCs, none rejected, no AI firm in a calibrated
        city, so the calibrated counts do not move), ids after the registry's own."""
        self._load_region_tables()
        self.con.execute(ENT_DDL)
        self.next_id = self.plan.registry_rows
        assert self.next_id + rows <= 100_000_000, "organisation codes are a bijection of the id below 1e8"
        self._primary("increment", rows, city=None, ai=self.BULK_AI, reg=self.BULK_REG, dereg=self.BULK_DEREG)
        self._create_views()

    def build(self) -> None:
        con, plan = self.con, self.plan
        self._load_region_tables()
        con.execute(ENT_DDL)
        y = D
        for cp in plan.cities:
            c = cp.code
            k = f"c{c}_"
            # A: counts in 2016 and 2023
            self._primary(k + "A", cp.A, city=c, ai="true",
                          reg=f"CASE j WHEN 0 THEN DATE '2016-12-31' WHEN 1 THEN DATE '2000-01-01' "
                              f"ELSE {rdate('id', 2, y(2000, 1, 1), y(2016, 12, 31))} END",
                          dereg=f"CASE WHEN j = 2 THEN DATE '2024-01-01' WHEN u(id, 3, 100) < 10 "
                                f"THEN {rdate('id', 4, y(2024, 1, 1), EXTRACT_END)} END")
            # B: counts in 2016 only
            self._primary(k + "B", cp.B, city=c, ai="true",
                          reg=rdate("id", 2, y(2000, 1, 1), y(2016, 12, 31)),
                          dereg=f"CASE j WHEN 0 THEN DATE '2017-01-01' WHEN 1 THEN DATE '2023-12-31' "
                                f"ELSE {rdate('id', 4, y(2017, 1, 1), y(2023, 12, 31))} END")
            # C: counts in 2023 only
            self._primary(k + "C", cp.C, city=c, ai="true",
                          reg=f"CASE j WHEN 0 THEN DATE '2017-01-01' WHEN 1 THEN DATE '2023-12-31' "
                              f"ELSE {rdate('id', 2, y(2017, 1, 1), y(2023, 12, 31))} END",
                          dereg=f"CASE WHEN u(id, 3, 100) < 10 THEN {rdate('id', 4, y(2024, 1, 1), EXTRACT_END)} END")
            # noise that never counts
            self._primary(k + "N1", cp.N1, city=c, ai="true",
                          reg=rdate("id", 2, y(2000, 1, 1), y(2015, 12, 31)),
                          dereg="CASE WHEN j = 0 THEN DATE '2016-12-31' "
                                "ELSE least(reg + 30 + u(id, 4, 3000)::INTEGER, DATE '2016-12-31') END")
            self._primary(k + "N2", cp.N2, city=c, ai="true",
                          reg=rdate("id", 2, y(2017, 1, 1), y(2022, 12, 31)),
                          dereg="CASE WHEN j = 0 THEN DATE '2023-12-31' "
                                "ELSE least(reg + 30 + u(id, 4, 2500)::INTEGER, DATE '2023-12-31') END")
            self._primary(k + "N3", cp.N3, city=c, ai="true",
                          reg=f"CASE WHEN j = 0 THEN DATE '2024-01-01' ELSE {rdate('id', 2, y(2024, 1, 1), EXTRACT_END)} END",
                          dereg="NULL::DATE")
            self._primary(k + "D2", cp.D2, city=c, ai="true", reg=rdate("id", 2, y(2005, 1, 1), y(2012, 12, 31)),
                          dereg="NULL::DATE")
            self._derived(k + "D2n", k + "D2", 0, cp.D2, ai="false",
                          reg=rdate("id", 2, y(2013, 1, 1), y(2016, 12, 31)), dereg="NULL::DATE")
            self._primary(k + "D3", cp.D3, city=c, ai="true", reg=rdate("id", 2, y(2005, 1, 1), y(2012, 12, 31)),
                          dereg="NULL::DATE")
            self._derived(k + "D3n", k + "D3", 0, cp.D3, ai="true",
                          reg=rdate("id", 2, y(2013, 1, 1), y(2015, 12, 31)),
                          dereg=rdate("id", 4, y(2016, 1, 1), y(2016, 12, 31)))
            self._derived(k + "D1o", k + "C", 0, cp.D1, ai="true",
                          reg=rdate("id", 2, y(2003, 1, 1), y(2016, 6, 30)), dereg="NULL::DATE")
            self._derived(k + "D4o", k + "A", 5, cp.D4, ai="false",
                          reg="preg - (100 + u(id, 2, 3000))::INTEGER", dereg="NULL::DATE")
            self._derived(k + "D6n", k + "A", 5 + cp.D4, cp.D6, ai="true", bad="3",
                          reg=rdate("id", 2, y(2019, 1, 1), y(2023, 12, 31)), dereg="NULL::DATE")
            # rejected rows that would count in both years: one of each kind in turn
            self._primary(k + "X", cp.X, city=c, ai="true", bad="1 + j % 8",
                          reg=rdate("id", 2, y(2000, 1, 1), y(2016, 12, 31)), dereg="NULL::DATE")
        # the rest of the country (and non-AI firms of the three cities)
        bulk_reg, bulk_dereg, bulk_ai = self.BULK_REG, self.BULK_DEREG, self.BULK_AI
        self._primary("bulk", plan.bulk_main, city=None, ai=bulk_ai, reg=bulk_reg, dereg=bulk_dereg)
        self._derived("bulk_dup", "bulk", 0, plan.bulk_dup, ai="pai",
                      reg=f"preg + (1 + u(id, 2, {sql_date(EXTRACT_END)} - preg))::INTEGER",
                      dereg=f"CASE WHEN u(id, 3, 100) < 5 AND reg + (60 + u(id, 4, 2000))::INTEGER <= {sql_date(EXTRACT_END)} "
                            f"THEN reg + (60 + u(id, 4, 2000))::INTEGER END")
        bad_kind = ("CASE WHEN u(t.id, 40, 100) < 20 THEN 1 WHEN u(t.id, 40, 100) < 35 THEN 2 "
                    "WHEN u(t.id, 40, 100) < 45 THEN 3 WHEN u(t.id, 40, 100) < 60 THEN 4 "
                    "WHEN u(t.id, 40, 100) < 65 THEN 5 WHEN u(t.id, 40, 100) < 85 THEN 6 "
                    "WHEN u(t.id, 40, 100) < 93 THEN 7 ELSE 8 END")
        self._primary("bulk_bad", plan.bulk_bad, city=None, ai=bulk_ai, reg=bulk_reg, dereg=bulk_dereg, bad=bad_kind)
        n = con.execute("SELECT count(*) FROM ent").fetchone()[0]
        assert n == plan.registry_rows == self.next_id, (n, plan.registry_rows, self.next_id)
        self._create_views()

    def _create_views(self) -> None:
        shares = [f.share for f in REGISTRY_FILES]
        assert sum(shares) == 1000
        cuts, acc = [], 0
        for i, s in enumerate(shares[:-1]):
            acc += s
            cuts.append(f"WHEN u(e.id, 60, 1000) < {acc} THEN {i}")
        file_no = "CASE " + " ".join(cuts) + f" ELSE {len(shares) - 1} END"
        dom = "[" + ", ".join("-1" if f.date_form is None else str(f.date_form) for f in REGISTRY_FILES) + "]"
        trade_tails = sql_list([t for t, _ in TRADES])
        # every prefix of every trade's item list, pre-joined with each separator (a lookup
        # per row is much cheaper than building and joining a list per row)
        trade_off, trade_len, prefixes = [], [], []
        for _, items in TRADES:
            trade_off.append(len(prefixes))
            trade_len.append(len(items))
            prefixes += [items[:k] for k in range(1, len(items) + 1)]
        n_prefixes = len(prefixes)
        trade_scopes = [sep.join(p) for sep in SCOPE_SEPARATORS for p in prefixes]
        brand = [c for c in BRAND_CANDIDATES]
        n_ai, n_tech = len(AI_SCOPE_ITEMS), len(TECH_SCOPE_ITEMS)
        seed_off = (self.plan.seed * 7_654_321 + 12_345) % 100_000_000
        self.con.execute(f"""
CREATE OR REPLACE VIEW reg_base AS
SELECT e.*, rg.code, rg.city_short, rg.admin_sum, rg.forms, rg.unk_forms, rg.amb_forms,
    {file_no} AS file_no,
    hash(e.id, 99, {self.plan.seed}) AS sk,
    (e.ek * 48271 + {seed_off}) % 100000000 AS org,
    u(e.ek, 23, 3) AS mode,
    u(e.ek, 26, {len(TRADES)}) AS trade,
    u(e.ek, 25, 100) < 20 AS techlike
FROM ent e JOIN rg ON rg.ridx = e.ridx""")
        self.con.execute(f"""
CREATE OR REPLACE VIEW reg_fmt AS
WITH a AS (
    SELECT *,
        CASE WHEN {dom}[file_no + 1] >= 0 AND u(id, 51, 100) < 60 THEN {dom}[file_no + 1] ELSE u(id, 52, 4) END AS df,
        org // 10000000 AS o1, org // 1000000 % 10 AS o2, org // 100000 % 10 AS o3, org // 10000 % 10 AS o4,
        org // 1000 % 10 AS o5, org // 100 % 10 AS o6, org // 10 % 10 AS o7, org % 10 AS o8,
        u(id, 27, {n_ai}) AS ai1, u(id, 28, {n_ai - 1}) AS ai2, u(id, 29, {n_tech}) AS te1, u(id, 30, {n_tech - 1}) AS te2
    FROM reg_base
), b AS (
    SELECT *, 11 - (3 * o1 + 7 * o2 + 9 * o3 + 10 * o4 + 5 * o5 + 8 * o6 + 4 * o7 + 2 * o8) % 11 AS oc,
        [{sql_list(AI_SCOPE_ITEMS)[1:-1]}][1 + ai1] AS ai_a,
        [{sql_list(AI_SCOPE_ITEMS)[1:-1]}][1 + (ai1 + 1 + ai2) % {n_ai}] AS ai_b,
        [{sql_list(TECH_SCOPE_ITEMS)[1:-1]}][1 + te1] AS te_a,
        [{sql_list(TECH_SCOPE_ITEMS)[1:-1]}][1 + (te1 + 1 + te2) % {n_tech}] AS te_b
    FROM a
), c AS (
    SELECT *,
        admin_sum + 20 * o1 + 29 * o2 + 25 * o3 + 13 * o4 + 8 * o5 + 24 * o6 + 10 * o7 + 30 * o8
            + 28 * CASE oc WHEN 10 THEN 29 WHEN 11 THEN 0 ELSE oc END AS usum,
        u(id, 33, {len(SCOPE_SEPARATORS)}) AS sep_i,
        {sql_list(SCOPE_SEPARATORS)}[1 + u(id, 33, {len(SCOPE_SEPARATORS)})] AS sep,
        pick({WAN}, u(id, 34, {len(WAN)})) AS wan,
        u(id, 35, 100) AS cf
    FROM b
)
SELECT id, ek, file_no, sk, seg, ai, bad, reg, dereg,
    '91' || code || lpad(org::VARCHAR, 8, '0') || CASE oc WHEN 10 THEN 'X' WHEN 11 THEN '0' ELSE oc::VARCHAR END
        || substr('{USCC_ALPHABET}',
                  1 + CASE WHEN bad = 1 THEN ((31 - usum % 31) % 31 + 1 + u(id, 41, 30)) % 31
                           ELSE (31 - usum % 31) % 31 END, 1) AS uscc,
    city_short || pick({sql_list(brand)}, u(ek, 21, {len(brand)})) || pick({sql_list(brand)}, u(ek, 22, {len(brand)}))
        || CASE WHEN ai AND mode <> 1 THEN pick({sql_list(AI_NAME_TAILS)}, u(ek, 24, {len(AI_NAME_TAILS)}))
                WHEN ai OR techlike THEN pick({sql_list(TECH_NAME_TAILS)}, u(ek, 24, {len(TECH_NAME_TAILS)}))
                ELSE {trade_tails}[trade + 1] END AS name,
    CASE WHEN bad = 4 OR (bad = 5 AND len(amb_forms) = 0) THEN pick(unk_forms, u(id, 36, len(unk_forms)))
         WHEN bad = 5 THEN pick(amb_forms, u(id, 36, len(amb_forms)))
         ELSE pick(forms, u(id, 36, len(forms))) END AS region,
    CASE WHEN bad = 2 THEN CASE u(id, 37, 3)
                WHEN 0 THEN year(reg)::VARCHAR || '-02-30'
                WHEN 1 THEN strftime(reg, '%d.%m.%Y')
                ELSE year(reg)::VARCHAR || '年13月' || day(reg)::VARCHAR || '日' END
         ELSE fdate(reg, df) END AS registered_on,
    CASE WHEN bad = 3 THEN pick(['无', '-', '已注销', '2021-02-30', '2019/04/31'], u(id, 38, 5))
         WHEN bad = 8 THEN fdate(reg - (1 + u(id, 39, 1000))::INTEGER, df)
         ELSE fdate(dereg, df) END AS deregistered_on,
    CASE WHEN bad = 7 THEN pick(['五百万元', '面议', '待定'], u(id, 42, 3))
         WHEN cf < 4 THEN NULL
         WHEN cf < 7 THEN pick({USD_WAN}, u(id, 43, {len(USD_WAN)}))::VARCHAR || '万美元'
         WHEN cf < 10 THEN translate(wan::VARCHAR || '万元', '0123456789', '０１２３４５６７８９')
         WHEN cf < 35 THEN CASE WHEN wan >= 1000 THEN (wan // 1000)::VARCHAR || ',' || lpad((wan % 1000)::VARCHAR, 3, '0')
                                ELSE wan::VARCHAR END || '万元'
         WHEN cf < 70 THEN wan::VARCHAR || '万元人民币'
         WHEN cf < 85 THEN wan::VARCHAR || '万元'
         ELSE wan::VARCHAR || '万人民币' END AS registered_capital,
    CASE WHEN bad = 6 THEN NULL
         WHEN NOT ai AND u(id, 44, 100) < 3 THEN NULL
         ELSE CASE WHEN ai AND mode <> 0 THEN CASE WHEN u(id, 31, 2) = 0 THEN ai_a || sep || te_a
                                                   ELSE ai_a || sep || ai_b || sep || te_a END
                   WHEN ai OR techlike THEN CASE WHEN u(id, 31, 2) = 0 THEN te_a ELSE te_a || sep || te_b END
                   ELSE {sql_list(trade_scopes)}[1 + sep_i * {n_prefixes} + {trade_off}[trade + 1]
                                                 + u(id, 32, {trade_len}[trade + 1])]
              END || CASE WHEN sep_i < 2 THEN '。' ELSE '' END END AS business_scope,
    CASE WHEN bad = 6 THEN CASE WHEN ai THEN ai_a ELSE te_b END || ',' || te_a || ',其他' END AS scope_unquoted,
    pick({sql_list(list(SURNAMES))}, u(ek, 45, {len(SURNAMES)})) || pick({sql_list(list(GIVEN))}, u(ek, 46, {len(GIVEN)}))
        || CASE WHEN u(ek, 47, 3) > 0 THEN pick({sql_list(list(GIVEN))}, u(ek, 48, {len(GIVEN)})) ELSE '' END
        AS legal_representative
FROM c""")

    def header(self, f: RegistryFile) -> str:
        names = {"en": {c: c for c in f.columns}, "zh": HEADER_ZH,
                 "title": {**HEADER_TITLE, "legal_representative": "Legal_Representative"}}[f.header]
        return ",".join(names[c] for c in f.columns)

    def line_sql(self, f: RegistryFile) -> str:
        parts = []
        for c in f.columns:
            if c == "business_scope":
                parts.append("CASE WHEN bad = 6 THEN scope_unquoted ELSE q(business_scope) END")
            else:
                parts.append(f"q({c})")
        return " || ',' || ".join(parts)

    def write(self, out: Path, finisher: "Finisher", log) -> dict[str, int]:
        counts = {}
        folder = out / "enterprises"
        for i, f in enumerate(REGISTRY_FILES):
            t0 = time.time()
            header = self.header(f)
            if f.encoding == "utf-8-sig":
                header = "\ufeff" + header
            target = folder / f.name
            dest = finisher.staging(target, gz=f.gzip, encoding=f.encoding)
            copy_lines(self.con, f"SELECT {self.line_sql(f)} AS line FROM reg_fmt WHERE file_no = {i} ORDER BY sk, id",
                       header, dest)
            finisher.finish(dest, target, gz=f.gzip, encoding=f.encoding)
            counts[f.name] = self.con.execute(f"SELECT count(*) FROM reg_base e WHERE file_no = {i}").fetchone()[0]
            log(f"  enterprises/{f.name}: {counts[f.name]:,} rows written by DuckDB ({time.time() - t0:.1f}s)"
                + ("" if dest == target else f"; {'gzip' if f.gzip else f.encoding} in the background"))
        return counts


class Finisher:
    """Gzip and GB18030 in a background thread while DuckDB writes the next file.

    DuckDB's own gzip writer (COPY ... COMPRESSION gzip) ran at about 10 MB/s on one
    thread here, which made the two gzip registry files 47 of 85 seconds at scale 1;
    zlib runs at ~20 MB/s at level 6 and ~50 MB/s at level 1 (used: files ~25 % larger)
    and releases the GIL, so compressing in a second thread while DuckDB formats the
    next file hides most of it. The gzip header
    carries no file name and mtime 0, so the bytes depend on the content only.
    """

    def __init__(self, tmp: Path):
        from concurrent.futures import ThreadPoolExecutor

        self.tmp = tmp
        self.pool = ThreadPoolExecutor(max_workers=1)
        self.futures = []

    def staging(self, target: Path, gz: bool, encoding: str) -> Path:
        return self.tmp / (target.name + ".plain") if gz or encoding == "gb18030" else target

    def finish(self, src: Path, target: Path, gz: bool, encoding: str) -> None:
        if src != target:
            self.futures.append(self.pool.submit(_finish_file, src, target, gz, encoding))

    def wait(self) -> None:
        for fut in self.futures:
            fut.result()
        self.pool.shutdown()


GZIP_LEVEL = 1  # fast: benchmarks measure reading the files, not their compression ratio


def _finish_file(src: Path, target: Path, gz: bool, encoding: str, chunk: int = 1 << 20) -> None:
    """src (UTF-8) -> target, transcoded to GB18030 and/or gzipped, streaming."""
    recode = encoding == "gb18030"
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    encoder = codecs.getincrementalencoder("gb18030")("strict")
    with open(src, "rb") as fi, open(target, "wb") as raw:
        fo = gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=GZIP_LEVEL, mtime=0) if gz else raw
        try:
            while data := fi.read(chunk):
                fo.write(encoder.encode(decoder.decode(data)) if recode else data)
            if recode:
                fo.write(encoder.encode(decoder.decode(b"", final=True), final=True))
        finally:
            if gz:
                fo.close()
    src.unlink()


def copy_lines(con, select_sql: str, header: str | None, dest: Path) -> None:
    """Write pre-formatted lines: one VARCHAR column whose name is the header line (no
    header for JSON lines). The delimiter and quote are control characters no value
    contains, so DuckDB writes each line verbatim."""
    column = '"' + header.replace('"', '""') + '"' if header is not None else "line"
    con.execute(f"""COPY (SELECT line AS {column} FROM ({select_sql})) TO {sql_str(str(dest))}
        (FORMAT csv, HEADER {'true' if header is not None else 'false'}, DELIMITER '\x1f', QUOTE '\x01',
         ESCAPE '\x01')""")


# --- policies ---------------------------------------------------------------------------------
POLICY_TOPICS_ZH = ["人工智能产业发展", "新一代人工智能创新发展", "算力基础设施高质量发展", "数据要素市场化配置改革",
                    "通用人工智能产业创新", "大模型创新应用", "智能网联汽车产业发展", "数字经济高质量发展",
                    "人工智能赋能新型工业化", "智能机器人产业发展", "公共数据开放利用", "算力券发放使用",
                    "人工智能人才引育", "人工智能+行动", "智慧城市建设", "元宇宙产业创新"]
DOC_TYPES = ["plan", "measures", "regulation", "notice", "speech", "agreement", "other"]
DOC_TYPES_ZH = ["规划", "措施", "条例", "通知", "讲话", "协议", "其他"]
TITLE_PATTERNS = [  # per doc type: {p} issuing region, {t} topic, {y} year
    ["{p}{t}发展规划", "{p}加快{t}行动计划", "{p}{t}三年行动方案", "{p}{t}专项规划"],
    ["{p}关于促进{t}的若干措施", "{p}支持{t}的若干政策措施", "{p}{t}专项资金管理办法", "{p}推动{t}的实施细则"],
    ["{p}{t}促进条例", "{p}数字经济促进条例({y}年修订)"],
    ["关于开展{y}年度{t}项目申报工作的通知", "关于公布{y}年{t}示范项目名单的通知", "关于印发{p}{t}工作方案的通知"],
    ["{p}主要负责同志在{y}年{t}推进大会上的讲话", "{p}分管负责同志在{t}专题座谈会上的讲话"],
    ["{p}与科技企业{t}战略合作协议", "{p}{t}区域合作框架协议"],
    ["{p}{y}年{t}工作要点", "{p}{t}发展白皮书({y})"],
]
ISSUERS = {
    "national": ["国务院", "国务院办公厅", "国家发展和改革委员会", "科学技术部", "工业和信息化部", "国家互联网信息办公室",
                 "国家数据局"],
    "province": ["人民政府", "人民政府办公厅", "发展和改革委员会", "科学技术厅", "工业和信息化厅", "大数据管理局"],
    "city": ["人民政府", "人民政府办公室", "发展和改革委员会", "科学技术局", "工业和信息化局", "数据资源管理局"],
    "district": ["人民政府", "科技和工业信息化局", "发展和改革局", "投资促进局"],
}
LEVEL_WORDS = {"national": ["national", "国家级"], "province": ["province", "provincial", "省级"],
               "city": ["city", "municipal", "市级"], "district": ["district", "county", "区县"]}
TOPIC_CODES = ["ai", "data", "compute", "robotics", "autonomous_driving", "talent", "finance", "industry"]


def write_policies(con, plan: Plan, out: Path, finisher: "Finisher", log) -> dict[str, int]:
    import pyarrow as pa

    levels = ["national", "province", "city", "district"]
    by_level = con.execute("SELECT level, list(ridx ORDER BY ridx) FROM rg GROUP BY level").fetchall()
    by_level = dict(by_level)
    rows = [(lv_i, k, ridx) for lv_i, lv in enumerate(levels) for k, ridx in enumerate(by_level[lv])]
    con.register("ps_arrow", pa.table({"lv": [r[0] for r in rows], "k": [r[1] for r in rows], "ridx": [r[2] for r in rows]}))
    con.execute("CREATE OR REPLACE TABLE pol_slots AS SELECT * FROM ps_arrow")
    con.unregister("ps_arrow")
    n_lv = [len(by_level[lv]) for lv in levels]
    p, p_bad, p_dup = plan.policies, plan.policies_bad, plan.policies_dup
    good = p - p_bad
    issuers = "[" + ", ".join(sql_list(ISSUERS[lv]) for lv in levels) + "]"
    patterns = "[" + ", ".join(sql_list(x) for x in TITLE_PATTERNS) + "]"
    level_words = "[" + ", ".join(sql_list(LEVEL_WORDS[lv]) for lv in levels) + "]"
    con.execute(f"""
CREATE OR REPLACE TABLE pol AS
WITH docs AS (
    SELECT i AS pid, CASE WHEN i >= {good} THEN 1 + u(i, 80, 4) ELSE 0 END AS bad,
        CASE WHEN u(i, 81, 100) < 3 THEN 0 WHEN u(i, 81, 100) < 25 THEN 1 WHEN u(i, 81, 100) < 75 THEN 2 ELSE 3 END AS lv
    FROM range({p}) r(i)
), prow AS (
    SELECT pid, 0 AS copy, bad, lv FROM docs
    UNION ALL SELECT pid, 1, bad, lv FROM docs WHERE pid < {p_dup}
)
SELECT r.pid, r.copy, r.bad, r.lv, s.ridx,
    {rdate_recent('r.pid', 82, D(2014, 1, 1), EXTRACT_END)} AS pub,
    u(r.pid, 83, 100) AS dtr
FROM prow r JOIN pol_slots s ON s.lv = r.lv AND s.k = u(r.pid, 84, {n_lv}[r.lv + 1])""")
    con.execute(f"""
CREATE OR REPLACE VIEW pol_fmt AS
WITH a AS (
    SELECT pol.*, rg.code, rg.name_zh, rg.level, rg.forms, rg.unk_forms,
        pid * 2 + copy AS rid,
        CASE WHEN dtr < 25 THEN 0 WHEN dtr < 45 THEN 1 WHEN dtr < 50 THEN 2 WHEN dtr < 78 THEN 3
             WHEN dtr < 83 THEN 4 WHEN dtr < 88 THEN 5 ELSE 6 END AS dt,
        pick({sql_list(POLICY_TOPICS_ZH)}, u(pid, 85, {len(POLICY_TOPICS_ZH)})) AS topic,
        year(pub) + u(pid, 86, 2) AS plan_a
    FROM pol JOIN rg ON rg.ridx = pol.ridx
), b AS (
    SELECT *,
        (CASE WHEN u(pid, 87, 100) < 55 THEN 0 ELSE 1 END + copy) % 2 AS file_no,
        hash(rid, 88, {plan.seed}) AS sk,
        CASE WHEN lv = 0 THEN pick({issuers}[1], u(pid, 89, 7))
             ELSE name_zh || pick({issuers}[lv + 1], u(pid, 89, len({issuers}[lv + 1]))) END AS issuer,
        replace(replace(replace(pick({patterns}[dt + 1], u(pid, 90, len({patterns}[dt + 1]))),
            '{{p}}', CASE WHEN lv = 0 THEN '' ELSE name_zh END), '{{t}}', topic), '{{y}}', year(pub)::VARCHAR) AS title0
    FROM a
), c AS (
    SELECT *,
        CASE WHEN dt = 3 AND lv > 0 AND NOT starts_with(title0, '关于印发') THEN name_zh || title0 ELSE title0 END AS title,
        CASE WHEN bad = 3 THEN pick(unk_forms, u(rid, 91, len(unk_forms))) ELSE pick(forms, u(rid, 91, len(forms))) END
            AS region_txt,
        CASE WHEN bad = 2 THEN year(pub)::VARCHAR || '年第' || (1 + u(pid, 92, 4))::VARCHAR || '季度'
             WHEN u(rid, 93, 100) < 12 THEN fmonth(pub, u(rid, 94, 2))
             ELSE fdate(pub, u(rid, 94, 4)) END AS pub_txt,
        CASE WHEN u(pid, 95, 100) < 40 THEN fdate(pub + u(pid, 96, 90)::INTEGER, u(rid, 97, 4)) END AS eff_txt,
        CASE WHEN dt = 0 AND u(pid, 98, 100) < 85 THEN
            replace(replace(pick(['A-B年', 'A—B年', 'A至B年', 'A-B'], u(pid, 99, 4)), 'A', plan_a::VARCHAR),
                    'B', (plan_a + 2 + u(pid, 100, 11))::VARCHAR) END AS plan_txt,
        CASE WHEN bad = 1 THEN pick(['意见', '批复', '函'], u(pid, 101, 3))
             WHEN u(pid, 102, 100) < 70 THEN {sql_list(DOC_TYPES)}[dt + 1] ELSE {sql_list(DOC_TYPES_ZH)}[dt + 1] END AS dt_txt,
        CASE WHEN u(pid, 103, 100) < 25 THEN pick({level_words}[lv + 1], u(pid, 104, len({level_words}[lv + 1]))) END
            AS level_txt,
        CASE WHEN u(pid, 105, 100) < 10 THEN NULL
             WHEN u(pid, 105, 100) < 14 THEN '[]'
             ELSE '[' || array_to_string(list_transform(
                    list_distinct_sorted_topics, x -> '"' || x || '"'), ',') || ']' END AS topics_txt
    FROM (SELECT *, list_sort(list_distinct(['ai', pick({sql_list(TOPIC_CODES)}, u(pid, 106, {len(TOPIC_CODES)})),
                                              pick({sql_list(TOPIC_CODES)}, u(pid, 107, {len(TOPIC_CODES)}))][1:1 + u(pid, 108, 3)]))
                 AS list_distinct_sorted_topics FROM b)
), d AS (
    SELECT file_no, sk, rid, bad, '{{' || array_to_string(list_filter([
        CASE WHEN u(pid, 110, 100) < 40 THEN '"id":' || to_json('SYN-POL-' || lpad(pid::VARCHAR, 8, '0')) END,
        '"title":' || to_json(title),
        '"issuer":' || to_json(issuer),
        '"region":' || to_json(region_txt),
        CASE WHEN level_txt IS NOT NULL THEN '"level":' || to_json(level_txt) END,
        '"published_on":' || to_json(pub_txt),
        CASE WHEN eff_txt IS NOT NULL THEN '"effective_on":' || to_json(eff_txt) END,
        CASE WHEN plan_txt IS NOT NULL THEN '"plan_period":' || to_json(plan_txt) END,
        '"doc_type":' || to_json(dt_txt),
        CASE WHEN topics_txt IS NOT NULL THEN '"topics":' || topics_txt END,
        CASE WHEN u(pid, 111, 100) < 50 THEN '"url":' || to_json('https://policy.example.cn/' || code || '/' || year(pub)::VARCHAR
            || '/' || lpad(pid::VARCHAR, 8, '0') || '.html') END,
        CASE WHEN u(pid, 112, 100) < 30 THEN '"summary":' || to_json('围绕' || topic || ',提出' || (3 + u(pid, 113, 20))::VARCHAR
            || '项重点任务和保障措施。') END,
        CASE WHEN u(pid, 114, 100) < 30 THEN '"doc_number":' || to_json('〔' || year(pub)::VARCHAR || '〕'
            || (1 + u(pid, 115, 120))::VARCHAR || '号') END,
        '"source":"synthetic (benchmarks/generate_data.py)"'
    ], x -> x IS NOT NULL), ',') || '}}' AS line0
    FROM c
)
SELECT file_no, sk, rid, CASE WHEN bad = 4 THEN left(line0, length(line0) // 2) ELSE line0 END AS line FROM d""")
    counts = {}
    for i, name in enumerate(POLICY_FILES):
        t0 = time.time()
        target = out / "policies" / name
        gz = name.endswith(".gz")
        dest = finisher.staging(target, gz=gz, encoding="utf-8")
        copy_lines(con, f"SELECT line FROM pol_fmt WHERE file_no = {i} ORDER BY sk, rid", None, dest)
        finisher.finish(dest, target, gz=gz, encoding="utf-8")
        counts[name] = con.execute(f"SELECT count(*) FROM pol_fmt WHERE file_no = {i}").fetchone()[0]
        log(f"  policies/{name}: {counts[name]:,} lines ({time.time() - t0:.1f}s)")
    return counts


# --- compute events ------------------------------------------------------------------------
COMPUTE_KINDS = ["智算中心", "算力中心", "超算中心", "数据中心", "人工智能计算中心", "算力调度中心"]
EVENT_WORDS = [["announced", "签约", "宣布"], ["construction_started", "开工"], ["completed", "竣工", "峻工"],
               ["operational", "投运", "上线"]]
CAPACITY_P = [50, 100, 200, 300, 500, 800, 1000, 1000, 2000, 3000, 5000, 10000]


def write_compute(con, plan: Plan, out: Path, log) -> dict[str, int]:
    ps = con.execute("SELECT lv, count(*) FROM pol_slots GROUP BY lv ORDER BY lv").fetchall()
    n_lv = dict(ps)
    brand = [c for c in BRAND_CANDIDATES]
    nb, nk = len(brand), len(COMPUTE_KINDS)
    block = nb * nb * nk * 3
    con.execute(f"""
CREATE OR REPLACE TABLE cev AS
WITH proj AS (
    SELECT i AS pj,
        CASE WHEN u(i, 120, 100) < 5 THEN 1 WHEN u(i, 120, 100) < 85 THEN 2 ELSE 3 END AS lv,
        1 + u(i, 121, 4) AS nev,
        {rdate('i', 122, D(2019, 1, 1), D(2024, 12, 31))} AS d0,
        60 + u(i, 123, 300) AS g1, 120 + u(i, 124, 500) AS g2, 30 + u(i, 125, 200) AS g3
    FROM range({plan.projects}) r(i)
), ev AS (
    SELECT proj.*, s.step,
        d0 + (CASE WHEN s.step >= 1 THEN g1 ELSE 0 END + CASE WHEN s.step >= 2 THEN g2 ELSE 0 END
              + CASE WHEN s.step >= 3 THEN g3 ELSE 0 END)::INTEGER AS d,
        0 AS bad
    FROM proj, range(4) s(step)
    WHERE s.step < nev
), bad AS (
    SELECT proj.*, 9 AS step, d0 + 15 AS d, 1 + u(pj, 126, 3) AS bad FROM proj WHERE pj < {plan.projects_bad}
)
SELECT e.pj, e.step, e.d, e.bad, ps.ridx
FROM (SELECT * FROM ev WHERE d <= {sql_date(EXTRACT_END)} UNION ALL SELECT * FROM bad) e
JOIN pol_slots ps ON ps.lv = e.lv AND ps.k = u(e.pj, 127, [{n_lv[0]}, {n_lv[1]}, {n_lv[2]}, {n_lv[3]}][e.lv + 1])""")
    con.execute(f"""
CREATE OR REPLACE VIEW cev_fmt AS
WITH a AS (
    SELECT cev.*, rg.forms, rg.unk_forms, rg.city_short, rg.name_zh,
        pj * 16 + step AS rid,
        CASE WHEN u(pj, 130, 100) < 70 THEN 0 ELSE 1 END AS file_no,
        hash(pj * 16 + step, 131, {plan.seed}) AS sk,
        pick({CAPACITY_P}, u(pj, 132, {len(CAPACITY_P)})) AS cap,
        u(pj, 133, 100) < 30 AS fp16
    FROM cev JOIN rg ON rg.ridx = cev.ridx
)
SELECT file_no, sk, rid,
    city_short || {sql_list(brand)}[1 + pj % {nb}] || {sql_list(brand)}[1 + (pj // {nb}) % {nb}]
        || {sql_list(COMPUTE_KINDS)}[1 + (pj // {nb * nb}) % {nk}]
        || ['一期', '二期', '三期'][1 + (pj // {nb * nb * nk}) % 3] || '项目'
        || CASE WHEN pj >= {block} THEN '(' || (pj // {block})::VARCHAR || ')' ELSE '' END AS project,
    pick(forms, u(rid, 134, len(forms))) AS region,
    CASE WHEN bad = 1 THEN pick(['规划中', '暂停', 'planned'], u(rid, 135, 3))
         WHEN step < 4 THEN pick({'[' + ', '.join(sql_list(w) for w in EVENT_WORDS) + ']'}[step + 1], u(rid, 136, 3))
         ELSE 'announced' END AS event,
    CASE WHEN bad = 2 THEN year(d)::VARCHAR || '年Q' || (1 + u(rid, 137, 4))::VARCHAR
         WHEN u(rid, 138, 100) < 20 THEN fmonth(d, u(rid, 139, 2))
         ELSE fdate(d, u(rid, 139, 4)) END AS event_date,
    CASE WHEN bad = 3 THEN (cap // 10)::VARCHAR || '卡'
         WHEN u(rid, 140, 100) < 50 THEN
            CASE WHEN cap % 1000 = 0 AND u(rid, 141, 2) = 0
                 THEN (cap // 1000)::VARCHAR || pick(['E', ' EFLOPS'], u(rid, 142, 2))
                 ELSE cap::VARCHAR || pick(['P', ' PFLOPS', 'P', 'PFLOPS'], u(rid, 142, 4)) END
            || CASE WHEN fp16 THEN pick(['(FP16)', '（FP16）'], u(rid, 143, 2)) ELSE '' END END AS capacity,
    CASE WHEN step = 0 AND u(pj, 144, 100) < 60 THEN
        CASE WHEN u(pj, 145, 100) < 20 THEN (1000 + 500 * u(pj, 146, 18))::VARCHAR || '万元'
             ELSE (1 + u(pj, 146, 200))::VARCHAR || pick(['亿元', '.5亿元'], u(pj, 147, 2)) END END AS investment,
    CASE WHEN u(pj, 148, 100) < 70 THEN city_short || pick(['算力运营有限公司', '城市投资集团有限公司', '数字产业集团有限公司',
        '大数据集团有限公司'], u(pj, 149, 4)) END AS operator,
    'synthetic (benchmarks/generate_data.py)' AS source
FROM a""")
    en_cols = ["project", "region", "event", "event_date", "capacity", "investment", "operator", "source"]
    zh_cols = [("project", "项目名称"), ("region", "地区"), ("event_date", "日期"), ("event", "事件"),
               ("capacity", "算力规模"), ("investment", "投资额"), ("operator", "运营方"), ("source", "来源")]
    counts = {}
    for i, name in enumerate(COMPUTE_FILES):
        t0 = time.time()
        cols = en_cols if i == 0 else [c for c, _ in zh_cols]
        header = ",".join(en_cols) if i == 0 else ",".join(h for _, h in zh_cols)
        line = " || ',' || ".join(f"q({c})" for c in cols)
        copy_lines(con, f"SELECT {line} AS line FROM cev_fmt WHERE file_no = {i} ORDER BY sk, rid", header,
                   out / "compute" / name)
        counts[name] = con.execute(f"SELECT count(*) FROM cev_fmt WHERE file_no = {i}").fetchone()[0]
        log(f"  compute/{name}: {counts[name]:,} rows ({time.time() - t0:.1f}s)")
    return counts


# --- indicators (a few hundred rows: plain Python) ------------------------------------------
def _h(*parts: int) -> int:
    """Deterministic 64-bit mix of integers (splitmix64), for the small Python-side tables."""
    x = 0x9E3779B97F4A7C15
    for p in parts:
        x = (x ^ (p & 0xFFFFFFFFFFFFFFFF)) * 0xBF58476D1CE4E5B9 & 0xFFFFFFFFFFFFFFFF
        x = (x ^ (x >> 27)) * 0x94D049BB133111EB & 0xFFFFFFFFFFFFFFFF
        x ^= x >> 31
    return x


def indicator_rows(plan: Plan, seeds: Seeds, regions: list[GenRegion]) -> tuple[list[list[str]], list[list[str]], int]:
    """(English-header rows, Chinese-header rows, deliberately bad rows)."""
    seed = plan.seed
    src = "synthetic (benchmarks/generate_data.py)"
    en: list[list[str]] = []
    zh: list[list[str]] = []
    for code, (short, years, published) in TARGETS.items():
        for y in published:
            v = plan.target(code, y)
            if v >= 10_000 and v % 100 == 0:
                value, unit = f"{Decimal(v) / Decimal(10_000):f}".rstrip("0").rstrip(".") + "万家", ""
            else:
                value, unit = str(v), "家"
            if code == "310000":  # Chinese header file, Chinese label
                zh.append([short + "市", "人工智能相关企业数量", f"{y}年", value, unit, "否",
                           "synthetic calibration target (benchmarks/generate_data.py)", ""])
            else:
                en.append([short, "ai_enterprise_count", str(y), value, unit, "false",
                           "synthetic calibration target (benchmarks/generate_data.py)", ""])
    cities = [g for g in regions if g.level == "city"]
    order = sorted(cities, key=lambda g: (g.code not in TARGETS, g.code not in BIG_CITIES, _h(seed, int(g.code))))
    chosen = order[: plan.indicator_cities]
    bad = 0
    for n, g in enumerate(chosen):
        form = g.forms[_h(seed, n, 1) % len(g.forms)]
        pop = 2_000_000 + _h(seed, n, 2) % 20_000_000
        gdp = 200_000_000_000 + _h(seed, n, 3) % 4_000_000_000_000
        for y in YEARS:
            pop_y = pop * (1000 + 8 * (y - 2016)) // 1000
            gdp_y = gdp * (1000 + 55 * (y - 2016)) // 1000
            style = _h(seed, n, y) % 3
            if style == 0:
                pv, pu = f"{pop_y / 10_000:.1f}万人", ""
                gv, gu = f"{gdp_y / 1e12:.2f}万亿元", ""
            elif style == 1:
                pv, pu = f"{pop_y / 10_000:.1f}", "万人"
                gv, gu = f"{gdp_y / 1e8:.1f}", "亿元"
            else:
                pv, pu = f"{pop_y:,}", "人"
                gv, gu = f"{gdp_y / 1e8:,.0f}亿元", ""
            target = zh if n % 2 else en
            target.append([form, "population" if style else "常住人口", str(y) + ("年" if style == 2 else ""), pv, pu,
                           "", src, ""])
            target.append([form, "gdp_cny" if style else "地区生产总值", str(y), gv, gu, "否" if style == 1 else "", src, ""])
        if g.code in TARGETS or n < 6:
            v = 100 + _h(seed, n, 4) % 3000
            en.append([form, "ai_industry_output_cny", "2023", f"{v}亿元", "", "false", src, ""])
            en.append([form, "ai_industry_output_cny", "2025", f"{v * 3 // 2}亿元", "", "true", src, ""])
        if n % 40 == 7:  # a figure outside the catalogue: rejected
            zh.append([form, "人工智能专利授权量", "2023", str(1000 + _h(seed, n, 5) % 9000), "件", "", src, ""])
            bad += 1
    return en, zh, bad


def write_indicators(plan: Plan, seeds: Seeds, regions: list[GenRegion], out: Path, log) -> tuple[dict[str, int], int]:
    en, zh, bad = indicator_rows(plan, seeds, regions)
    header_en = ["region", "indicator", "period", "value", "unit", "is_forecast", "source", "source_quote"]
    header_zh = ["地区", "指标", "年份", "数值", "单位", "是否预测", "来源", "原文"]
    counts = {}
    for name, header, rows in ((INDICATOR_FILES[0], header_en, en), (INDICATOR_FILES[1], header_zh, zh)):
        with open(out / "indicators" / name, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            w.writerows(rows)
        counts[name] = len(rows)
        log(f"  indicators/{name}: {len(rows)} rows")
    return counts, bad


# --- self-check on the generated tables -------------------------------------------------------
def self_check(con, plan: Plan, seeds: Seeds, log) -> dict[str, dict[int, int]]:
    from stdnum.cn import uscc as stdnum_uscc

    # 1. the calibrated counts, from the numeric table (latest good record per enterprise)
    # (both records of an enterprise share its region, so the calibrated pools suffice)
    con.execute("""CREATE OR REPLACE TEMP TABLE cal_ent AS
        SELECT e.*, rg.city_code FROM ent e JOIN rg ON rg.ridx = e.ridx WHERE rg.cal_city IS NOT NULL""")
    ties = con.execute("SELECT count(*) FROM (SELECT ek, reg FROM cal_ent WHERE bad = 0 GROUP BY ek, reg HAVING count(*) > 1)"
                       ).fetchone()[0]
    assert ties == 0, "two good records of one enterprise share registered_on"
    rows = con.execute(f"""
WITH latest AS (
    SELECT * FROM cal_ent WHERE bad = 0
    QUALIFY row_number() OVER (PARTITION BY ek ORDER BY reg DESC) = 1
)
SELECT city_code, y.year,
    count(*) FILTER (WHERE ai AND reg <= make_date(y.year, 12, 31)
                     AND (dereg IS NULL OR dereg > make_date(y.year, 12, 31)))
FROM latest, (SELECT unnest({list(YEARS)}) AS year) y
WHERE city_code IN ({', '.join(sql_str(c) for c in TARGETS)})
GROUP BY ALL ORDER BY ALL""").fetchall()
    got: dict[str, dict[int, int]] = defaultdict(dict)
    for city, year, n in rows:
        got[city][year] = n
    for code, (_, years, _) in TARGETS.items():
        for y in years:
            assert got[code][y] == plan.target(code, y), (code, y, got[code][y], plan.target(code, y))
    # 2. USCCs: 1000 good ones verify with python-stdnum, bad-check ones do not, none is shared
    sample = con.execute("""SELECT uscc FROM reg_fmt WHERE id IN (
        SELECT id FROM ent WHERE bad = 0 ORDER BY hash(id, 990) LIMIT 1000)""").fetchall()
    assert len(sample) == min(1000, plan.registry_rows)
    assert all(stdnum_uscc.is_valid(u) for (u,) in sample), "a generated USCC fails python-stdnum"
    badcheck = con.execute("""SELECT uscc FROM reg_fmt WHERE id IN (
        SELECT id FROM ent WHERE bad = 1 ORDER BY hash(id, 990) LIMIT 200)""").fetchall()
    assert not any(stdnum_uscc.is_valid(u) for (u,) in badcheck), "a bad-check USCC verifies"
    # 3. AI-ness by the keyword rule agrees with the design (sample of every segment)
    sample = con.execute("""SELECT name, coalesce(business_scope, scope_unquoted, ''), ai FROM reg_fmt
        WHERE id IN (SELECT id FROM ent WHERE u(id, 991, 1000) < 4
                     OR (seg NOT IN ('bulk', 'bulk_dup', 'bulk_bad') AND u(id, 991, 1000) < 100))""").fetchall()
    wrong = [r for r in sample if seeds.is_ai(r[0], r[1]) != r[2]]
    assert not wrong, f"keyword rule disagrees with the design: {wrong[:3]}"
    log(f"  self-check: calibrated counts exact, {len(sample):,} sampled names/scopes match the keyword rule, "
        f"{min(1000, plan.registry_rows)} sampled USCCs verify with python-stdnum")
    return got


# --- GENERATED.md -----------------------------------------------------------------------------
def write_generated_md(out: Path, plan: Plan, files: dict[str, dict[str, int]], bad: dict[str, int],
                       got: dict[str, dict[int, int]], bad_by_kind: dict[int, int]) -> None:
    lines = [
        "# GENERATED — every file in this folder is SYNTHETIC",
        "",
        f"Written by `{GENERATOR}`. Nothing here is real: every enterprise, name, USCC, policy document, "
        "compute project and figure is made up by the generator (file names start with `synthetic_`). "
        "It exists to benchmark and test the modu warehouse at national scale.",
        "",
        "Reproduce (byte-identical output for the same scale and seed):",
        "",
        "```sh",
        f".venv/bin/python -m benchmarks.generate_data --scale {plan.scale} --seed {plan.seed} --out DIR",
        ".venv/bin/python -m benchmarks.generate_data --verify DIR   # independent recount from the files",
        "```",
        "",
        "## Parameters (machine-readable)",
        "",
        f"- scale: {plan.scale}",
        f"- seed: {plan.seed}",
        f"- format_version: {FORMAT_VERSION}",
        f"- expected_rejected_rows: enterprises={bad['enterprises']} policies={bad['policies']} "
        f"compute={bad['compute']} indicators={bad['indicators']}",
        "",
        "## Calibration targets",
        "",
        "Rule: AI-related enterprises (name or business scope contains a keyword of "
        "`dbt_project/seeds/ai_keywords.csv`) located in the city or any of its districts, registered on or "
        "before 31 December of the year and not deregistered on or before that day, after keeping only the most "
        "recent registration record (latest registered_on) per USCC, rejected rows excluded. "
        "Targets at scale 1, scaled by round-half-up(target x scale).",
        "",
        "| city | code | year | target at scale 1 | target here | generated | kind |",
        "| --- | --- | --- | ---: | ---: | ---: | --- |",
    ]
    for code, (short, years, published) in TARGETS.items():
        for y, t in years.items():
            kind = "calibration target" if y in published else "generator's choice (not calibrated to a published figure)"
            lines.append(f"| {short} | {code} | {y} | {t:,} | {plan.target(code, y):,} | {got[code][y]:,} | {kind} |")
    lines += ["", "All years 2016-2023 as generated (same rule):", "",
              "| code | " + " | ".join(str(y) for y in YEARS) + " |", "| --- |" + " ---: |" * len(YEARS)]
    for code in TARGETS:
        lines.append(f"| {code} | " + " | ".join(f"{got[code][y]:,}" for y in YEARS) + " |")
    lines += ["", "## How the calibrated cities are built", "",
              "| city | A: AI 2000-2016, active | B: AI 2000-2016, deregistered 2017-2023 | C: AI 2017-2023, active "
              "| noise: dead by 2016 / 2017-2023 / from 2024 | duplicate pairs (D1 D2 D3 D4) | rejected rows (X + D6) |",
              "| --- | ---: | ---: | ---: | --- | --- | ---: |"]
    for cp in plan.cities:
        lines.append(f"| {cp.code} | {cp.A:,} | {cp.B:,} | {cp.C:,} | {cp.N1:,} / {cp.N2:,} / {cp.N3:,} "
                     f"| {cp.D1:,} {cp.D2:,} {cp.D3:,} {cp.D4:,} | {cp.X + cp.D6:,} |")
    lines += [
        "",
        "2016 = A + B, 2023 = A + C. Noise that must not count: AI enterprises deregistered on or before "
        "2016-12-31, registered and deregistered within 2017-2023, or registered from 2024; duplicate USCCs "
        "(D1: an older AI record of a C enterprise, which would add to 2016; D2: an AI record superseded by a "
        "later non-AI record; D3: an AI record superseded by a later AI record deregistered in 2016; D4: an older "
        "non-AI record of an A enterprise; D6: a newer record of an A enterprise that is rejected, so the older "
        "record stays the latest good one); rejected AI rows that would count in both years (X). Boundary days are "
        "present: registered 2016-12-31 / 2017-01-01 / 2023-12-31, deregistered 2016-12-31 / 2017-01-01 / "
        "2023-12-31 / 2024-01-01. All other rows in these three cities are non-AI.",
        "",
        "## Deliberately rejected rows (about 1 %)",
        "",
        "| kind | registry rows |", "| --- | ---: |",
    ]
    for k, n in sorted(bad_by_kind.items()):
        lines.append(f"| {BAD_KINDS[k]} | {n:,} |")
    lines += [
        "",
        f"Policies: {bad['policies']:,} (truncated JSON lines, doc_type 意见/批复/函, published_on like 2021年第3季度, "
        "unknown region). Compute: "
        f"{bad['compute']:,} (event 规划中/暂停/planned, event_date like 2023年Q2, capacity in GPU cards like 50卡). "
        f"Indicators: {bad['indicators']:,} (an indicator outside the catalogue).",
        "",
        "## Files",
        "",
        "| file | lines (without header) | bytes |",
        "| --- | ---: | ---: |",
    ]
    for folder, counts in files.items():
        for name, n in counts.items():
            lines.append(f"| {folder}/{name} | {n:,} | {(out / folder / name).stat().st_size:,} |")
    lines += [
        "",
        "Registry files differ on purpose: English / Chinese / Title-case headers, column orders, an extra "
        "column (legal_representative), gzip, UTF-8 with BOM, GB18030; dates as 2017-12-29, 2017/12/29, "
        "2017.12.29 and 2017年12月29日; capital as 500万元人民币, 1,500万元, 100万美元, ３００万元, 50万人民币; "
        "regions as Chinese names with and without suffix, English names, aliases and 6-digit city or district "
        "codes (only forms that name one region under every reading). Policies repeat "
        f"{plan.policies_dup:,} documents in both policy files (the same document, one policy).",
        "",
    ]
    (out / "GENERATED.md").write_text("\n".join(lines), encoding="utf-8")


# --- generate -----------------------------------------------------------------------------------
SOURCES = ("enterprises", "policies", "indicators", "compute")


def check_out_dir(out: Path) -> Path:
    out = out.expanduser().resolve()
    raw = SHIPPED_RAW.resolve()
    if out == raw or raw in out.parents:
        raise SystemExit(f"refusing to write into the repository's shipped raw/ folder ({raw}); "
                         "choose another --out (e.g. /tmp/modu_scale1)")
    if out.exists() and not out.is_dir():
        raise SystemExit(f"--out {out} exists and is not a folder")
    return out


def generate(scale: float, seed: int, out: Path, threads: int | None = None, log=print) -> dict:
    import duckdb

    if not (0 < scale <= MAX_SCALE):
        raise SystemExit(f"--scale must be in (0, {MAX_SCALE}]")
    out = check_out_dir(out)
    t_start = time.time()
    seeds = Seeds.load()
    check_vocabulary(seeds)
    regions = build_regions(seeds)
    plan = Plan.make(scale, seed)
    for sub in SOURCES:
        (out / sub).mkdir(parents=True, exist_ok=True)
        for old in (out / sub).glob("synthetic_*"):
            old.unlink()  # our own files from an earlier run (another scale writes other sizes)
        others = [p.name for p in (out / sub).iterdir()]
        if others:
            log(f"note: {out / sub} also holds files this generator did not write: {', '.join(sorted(others))}")
    tmp = out / ".generate_tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    con = duckdb.connect()
    finisher = Finisher(tmp)
    try:
        con.execute(f"SET threads = {threads or min(4, os.cpu_count() or 1)}")
        con.execute("SET memory_limit = '1500MB'")
        con.execute(f"SET temp_directory = {sql_str(str(tmp / 'duckdb'))}")
        con.execute("SET preserve_insertion_order = true")
        con.execute(macros_sql(seed))
        log(f"generating scale {scale} seed {seed} into {out}")
        reg = Registry(con, plan, regions)
        t0 = time.time()
        reg.build()
        log(f"  registry table: {plan.registry_rows:,} rows ({time.time() - t0:.1f}s)")
        files = {"enterprises": reg.write(out, finisher, log)}
        t0 = time.time()
        got = self_check(con, plan, seeds, log)
        log(f"  self-check ({time.time() - t0:.1f}s)")
        # (an 'ambiguous' row of a region without an ambiguous name was written with an unknown form)
        bad_by_kind = dict(con.execute("""SELECT CASE WHEN bad = 5 AND len(amb_forms) = 0 THEN 4 ELSE bad END AS k, count(*)
            FROM ent JOIN rg ON rg.ridx = ent.ridx WHERE bad > 0 GROUP BY k ORDER BY k""").fetchall())
        files["policies"] = write_policies(con, plan, out, finisher, log)
        files["compute"] = write_compute(con, plan, out, log)
        files["indicators"], bad_ind = write_indicators(plan, seeds, regions, out, log)
        bad = {
            "enterprises": sum(bad_by_kind.values()),
            "policies": con.execute("SELECT count(*) FROM pol WHERE bad > 0").fetchone()[0],
            "compute": con.execute("SELECT count(*) FROM cev WHERE bad > 0").fetchone()[0],
            "indicators": bad_ind,
        }
        con.close()
        t0 = time.time()
        finisher.wait()
        log(f"  background gzip / GB18030 finished (waited {time.time() - t0:.1f}s)")
    finally:
        finisher.pool.shutdown(wait=True, cancel_futures=True)
        con.close()
        shutil.rmtree(tmp, ignore_errors=True)
    write_generated_md(out, plan, files, bad, got, bad_by_kind)
    log(f"done in {time.time() - t_start:.1f}s: {out}")
    return {"plan": plan, "files": files, "bad": bad, "counts": got}


INCREMENT_FILE = "synthetic_registry_increment.csv"


def generate_increment(scale: float, seed: int, fraction: float, out: Path, threads: int | None = None,
                       log=print) -> Path:
    """A late registry file for incremental benchmarks: enterprises/synthetic_registry_increment.csv
    with round(fraction x registry rows) new enterprises (new valid USCCs, bulk-like, none rejected,
    none AI-related in a calibrated city), in part 1's layout (English header, mixed date forms).
    Writes only that file: every other file of `out` (the data of the same scale and seed) stays
    as it is, GENERATED.md included (a re-run of the full generator removes the file again)."""
    import duckdb

    if not (0 < fraction <= 1):
        raise SystemExit("--increment must be in (0, 1]")
    out = check_out_dir(out)
    plan = Plan.make(scale, seed)
    rows = rnd(Decimal(str(fraction)) * plan.registry_rows)
    target = out / "enterprises" / INCREMENT_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    con = duckdb.connect()
    try:
        con.execute(f"SET threads = {threads or min(4, os.cpu_count() or 1)}")
        con.execute("SET preserve_insertion_order = true")
        con.execute(macros_sql(seed))
        reg = Registry(con, plan, build_regions(Seeds.load()))
        reg.build_increment(rows)
        layout = REGISTRY_FILES[0]
        tmp = target.with_name(target.name + ".tmp")
        copy_lines(con, f"SELECT {reg.line_sql(layout)} AS line FROM reg_fmt ORDER BY sk, id", reg.header(layout), tmp)
        tmp.replace(target)
    finally:
        con.close()
    log(f"increment: {rows:,} new registry rows ({fraction:g} of {plan.registry_rows:,}) in {target} "
        f"({time.time() - t0:.1f}s)")
    return target


# --- verify: an independent recount from the files ---------------------------------------------
DATE_RE = re.compile(r"^(\d{4})\s*(?:[-/.年]\s*(\d{1,2})\s*(?:[-/.月]\s*(\d{1,2})\s*日?|月)?)?\s*年?$")
MONEY_RE = re.compile(r"^([0-9][0-9,]*(?:\.[0-9]+)?)\s*([十百千万亿]*)\s*(.*)$")
CURRENCIES = {"", "元", "元人民币", "人民币", "人民币元", "RMB", "CNY", "元(人民币)", "美元", "USD", "US$", "$",
              "港元", "港币", "HKD", "欧元", "EUR"}


def parse_date(text: str | None) -> tuple[bool, dt.date | None]:
    """(present, date or None when present but unparseable); contract forms only."""
    s = (text or "").translate(FULLWIDTH).strip()
    if not s:
        return False, None
    m = DATE_RE.match(s)
    if not m:
        return True, None
    y, mo, d = m.group(1), m.group(2), m.group(3)
    try:
        return True, dt.date(int(y), int(mo or 1), int(d or 1))
    except ValueError:
        return True, None


def money_ok(text: str | None) -> bool:
    s = (text or "").translate(FULLWIDTH).strip()
    if not s:
        return True
    m = MONEY_RE.match(s)
    if not m:
        return False
    num = m.group(1)
    if "," in num and not re.fullmatch(r"[0-9]{1,3}(,[0-9]{3})*(\.[0-9]+)?", num):
        return False
    return m.group(3).strip().upper() in {c.upper() for c in CURRENCIES}


def open_text(path: Path) -> io.TextIOWrapper:
    with open(path, "rb") as f:
        gz = f.read(2) == b"\x1f\x8b"
    opener = (lambda: gzip.open(path, "rb")) if gz else (lambda: open(path, "rb"))
    encoding = None
    for enc in ("utf-8", "gb18030"):
        decoder = codecs.getincrementaldecoder(enc)("strict")
        try:
            with opener() as f:
                while chunk := f.read(1 << 20):
                    decoder.decode(chunk)
            decoder.decode(b"", final=True)
            encoding = enc
            break
        except UnicodeDecodeError:
            continue
    if encoding is None:
        raise SystemExit(f"{path}: neither UTF-8 nor GB18030")
    if encoding == "utf-8":
        with opener() as f:
            if f.read(3) == codecs.BOM_UTF8:
                encoding = "utf-8-sig"
    return io.TextIOWrapper(opener(), encoding=encoding, newline="")


def read_generated_md(folder: Path) -> dict:
    text = (folder / "GENERATED.md").read_text(encoding="utf-8")
    meta = {"scale": float(re.search(r"^- scale: (\S+)$", text, re.M).group(1)),
            "seed": int(re.search(r"^- seed: (\S+)$", text, re.M).group(1))}
    m = re.search(r"^- expected_rejected_rows: (.*)$", text, re.M)
    meta["expected_rejected"] = {k: int(v) for k, v in (kv.split("=") for kv in m.group(1).split())}
    return meta


def _csv_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.name.endswith((".csv", ".csv.gz")))


def verify(folder: Path, log=print, rejected_lines: set | None = None) -> bool:
    """Recount from the files; rejected_lines (if given) receives (file, line) of every rejected registry row."""
    from stdnum.cn import uscc as stdnum_uscc

    folder = folder.expanduser().resolve()
    meta = read_generated_md(folder)
    scale = meta["scale"]
    seeds = Seeds.load()
    zh_to_en = {v: k for k, v in HEADER_ZH.items()}
    log(f"verifying {folder} (scale {scale}, seed {meta['seed']}) with csv/gzip/codecs + python-stdnum")
    t0 = time.time()
    latest: dict[str, tuple] = {}  # uscc -> (registered_on, file, line, city, ai, deregistered_on)
    ties = 0
    rejected: Counter = Counter()
    rejected_by_file: Counter = Counter()
    lines_total = 0
    for path in _csv_files(folder / "enterprises"):
        rel = path.relative_to(folder).as_posix()
        with open_text(path) as fh:
            reader = csv.reader(fh)
            header = next(reader)
            index = {}
            for pos, cell in enumerate(header):
                key = cell.strip()
                name = key.lower() if key.lower() in REGISTRY_FIELDS else zh_to_en.get(key)
                if name in REGISTRY_FIELDS:
                    index[name] = pos
            missing = {"uscc", "name", "region", "registered_on"} - set(index)
            assert not missing, f"{rel}: missing columns {missing}"
            for row in reader:
                line = reader.line_num
                lines_total += 1
                reason = None
                if len(row) != len(header):
                    reason = "field count"
                else:
                    get = lambda k: row[index[k]] if k in index else ""  # noqa: E731
                    uscc = get("uscc").translate(FULLWIDTH).strip().upper()
                    code, why = seeds.resolve(get("region")) if get("region").strip() else (None, "empty")
                    reg_present, reg = parse_date(get("registered_on"))
                    dereg_present, dereg = parse_date(get("deregistered_on"))
                    if not uscc:
                        reason = "uscc empty"
                    elif not stdnum_uscc.is_valid(uscc) or len(uscc) != 18:
                        reason = "uscc invalid"
                    elif not get("name").strip():
                        reason = "name empty"
                    elif code is None:
                        reason = f"region {why}"
                    elif reg is None:
                        reason = "registered_on"
                    elif dereg_present and dereg is None:
                        reason = "deregistered_on"
                    elif dereg is not None and dereg < reg:
                        reason = "deregistered before registered"
                    elif not money_ok(get("registered_capital")):
                        reason = "registered_capital"
                if reason:
                    rejected[reason] += 1
                    rejected_by_file[rel] += 1
                    if rejected_lines is not None:
                        rejected_lines.add((rel, line))
                    continue
                rec = (reg, rel, line, seeds.city_of(code), seeds.is_ai(get("name"), get("business_scope")), dereg)
                cur = latest.get(uscc)
                if cur is not None and cur[0] == reg:
                    ties += 1
                if cur is None or rec[:3] > cur[:3]:
                    latest[uscc] = rec
    counts = {code: {y: 0 for y in YEARS} for code in TARGETS}
    for reg, _f, _l, city, ai, dereg in latest.values():
        if ai and city in counts:
            for y in YEARS:
                end = dt.date(y, 12, 31)
                if reg <= end and (dereg is None or dereg > end):
                    counts[city][y] += 1
    ok = True
    log(f"  enterprises: {lines_total:,} data lines, {len(latest):,} distinct valid USCCs, "
        f"{sum(rejected.values()):,} rejected ({time.time() - t0:.1f}s); same-day duplicate records: {ties}")
    for reason, n in sorted(rejected.items()):
        log(f"    rejected: {reason}: {n:,}")
    for rel, n in sorted(rejected_by_file.items()):
        log(f"    rejected in {rel}: {n:,}")
    if sum(rejected.values()) != meta["expected_rejected"]["enterprises"]:
        ok = False
        log(f"  MISMATCH: expected {meta['expected_rejected']['enterprises']:,} rejected registry rows")
    log("  AI-related enterprises (city incl. districts, latest good record per USCC):")
    log("    code    " + " ".join(f"{y:>7}" for y in YEARS))
    for code, per_year in counts.items():
        log(f"    {code}  " + " ".join(f"{per_year[y]:>7,}" for y in YEARS))
    for code, (short, years, _published) in TARGETS.items():
        for y in years:
            want = scaled(years[y], scale)
            status = "ok" if counts[code][y] == want else "MISMATCH"
            ok &= counts[code][y] == want
            log(f"    {short} {code} {y}: {counts[code][y]:,} (target {want:,}) {status}")
    ok &= _verify_policies(folder, seeds, meta, log)
    ok &= _verify_compute(folder, seeds, meta, log)
    ok &= _verify_indicators(folder, seeds, meta, log)
    log("verify: " + ("OK" if ok else "FAILED"))
    return ok


def _verify_policies(folder: Path, seeds: Seeds, meta: dict, log) -> bool:
    bad = lines = 0
    ids = set()
    for path in sorted(p for p in (folder / "policies").iterdir() if p.name.endswith((".jsonl", ".jsonl.gz"))):
        with open_text(path) as fh:
            for text in fh:
                if not text.strip():
                    continue
                lines += 1
                try:
                    doc = json.loads(text)
                except json.JSONDecodeError:
                    bad += 1
                    continue
                if not isinstance(doc, dict):
                    bad += 1
                    continue
                present, pub = parse_date(doc.get("published_on"))
                dtype = (doc.get("doc_type") or "").strip().lower()
                if (seeds.resolve(doc.get("region") or "")[0] is None or pub is None
                        or dtype not in set(DOC_TYPES) | set(DOC_TYPES_ZH) | {"办法", "计划", "法规"}):
                    bad += 1
                    continue
                ids.add(doc.get("id") or (doc["issuer"].strip(), doc["title"].strip(), pub))
    want = meta["expected_rejected"]["policies"]
    log(f"  policies: {lines:,} lines, {len(ids):,} documents, {bad:,} rejected (expected {want:,})")
    return bad == want


def _verify_compute(folder: Path, seeds: Seeds, meta: dict, log) -> bool:
    words = {w.lower() for ws in EVENT_WORDS for w in ws}
    zh = {"项目名称": "project", "地区": "region", "事件": "event", "日期": "event_date", "算力规模": "capacity",
          "投资额": "investment", "运营方": "operator", "来源": "source"}
    cap_re = re.compile(r"^([0-9][0-9,]*(?:\.[0-9]+)?)\s*(P|PFLOPS|E|EFLOPS|T|TFLOPS)\s*(?:\(\s*((?:FP|INT|BF|TF)[0-9]+)\s*\))?$")
    bad = lines = 0
    for path in _csv_files(folder / "compute"):
        with open_text(path) as fh:
            reader = csv.reader(fh)
            header = [zh.get(h.strip(), h.strip().lower()) for h in next(reader)]
            for row in reader:
                lines += 1
                r = dict(zip(header, row))
                cap = (r.get("capacity") or "").translate(FULLWIDTH).strip().upper()
                if (len(row) != len(header) or seeds.resolve(r["region"])[0] is None
                        or r["event"].strip().lower() not in words or parse_date(r["event_date"])[1] is None
                        or (cap and not cap_re.match(cap)) or not money_ok(r.get("investment"))):
                    bad += 1
    want = meta["expected_rejected"]["compute"]
    log(f"  compute: {lines:,} events, {bad:,} rejected (expected {want:,})")
    return bad == want


def _verify_indicators(folder: Path, seeds: Seeds, meta: dict, log) -> bool:
    catalogue = set()
    with open(SEEDS_DIR / "indicator_catalogue.csv", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            catalogue |= {r["indicator_code"].lower()} | {x.strip().lower() for x in r["labels_zh"].split("|")}
    bad = lines = 0
    for path in _csv_files(folder / "indicators"):
        with open_text(path) as fh:
            reader = csv.reader(fh)
            next(reader)
            for row in reader:
                lines += 1
                if seeds.resolve(row[0])[0] is None or row[1].strip().lower() not in catalogue:
                    bad += 1
    want = meta["expected_rejected"]["indicators"]
    log(f"  indicators: {lines:,} rows, {bad:,} rejected (expected {want:,})")
    return bad == want


# --- command line ---------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.generate_data",
                                 description="Deterministic SYNTHETIC raw files at national scale (see module docstring).")
    ap.add_argument("--scale", type=float, default=1.0, help="1.0 = 5M registry rows, 200k policies, 20k compute events")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, help="output folder (never the repository's raw/)")
    ap.add_argument("--threads", type=int, default=None, help="DuckDB threads (output does not depend on it)")
    ap.add_argument("--verify", type=Path, metavar="DIR", help="recount a generated folder independently and exit")
    ap.add_argument("--increment", type=float, metavar="FRACTION",
                    help=f"write only enterprises/{INCREMENT_FILE} into --out: FRACTION x the registry rows of "
                         "--scale as new enterprises (for incremental refresh benchmarks)")
    args = ap.parse_args(argv)
    if args.verify:
        return 0 if verify(args.verify) else 1
    if not args.out:
        ap.error("--out is required (or --verify DIR)")
    if args.increment is not None:
        generate_increment(args.scale, args.seed, args.increment, args.out, threads=args.threads)
        return 0
    generate(args.scale, args.seed, args.out, threads=args.threads)
    return 0


if __name__ == "__main__":
    sys.exit(main())
