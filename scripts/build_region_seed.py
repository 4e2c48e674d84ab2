"""Build the region dimension seed ``dbt_project/seeds/regions.csv``.

Source data
    ``adcodes.csv`` bundled with the ``cpca`` package (version 0.5.5): one row
    per administrative division (12-digit adcode, Chinese name, longitude,
    latitude). The codes mirror the National Bureau of Statistics / Ministry of
    Civil Affairs administrative division codes (a snapshot from about 2016, so
    e.g. 莱芜市 and 那曲地区 are still listed). The file is located with ``importlib.resources``;
    nothing is downloaded. The ethnic-group list used to shorten autonomous
    names is cpca's ``56_nations.csv``.

Output columns
    region_code    6-digit code (first 6 digits of the adcode), plus 000000 全国.
    level          national / province / city / district. The four
                   municipalities (北京, 天津, 上海, 重庆) are level ``city``.
    province_code  xx0000 of the region (empty for national).
    city_code      the region itself for cities; for districts the prefecture
                   city xxxx00, or the municipality for municipal districts and
                   counties; empty for provinces, national and for county-level
                   units administered directly by a province (e.g. 429004 仙桃市).
    short_name_zh  name without its administrative suffix (see ``split_suffix``).
    name_en        pypinyin romanisation of the short name, with an override
                   table for official / established English names; districts
                   get an English suffix word (District, County, ...).
    name_pinyin    toneless pinyin of the full Chinese name, lower case, one word
                   (pudongxinqu): the form ASCII-only sources write.

Placeholder rows that are not real regions (市辖区, 县, 省直辖县级行政区划,
自治区直辖县级行政区划) are dropped. Output is sorted by region_code, so re-running
the script reproduces the file byte for byte.

Usage: python scripts/build_region_seed.py
"""

import csv
import re
from importlib.resources import files
from pathlib import Path

from pypinyin import Style, lazy_pinyin, load_phrases_dict, load_single_dict

OUTPUT = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds" / "regions.csv"
HEADER = ["region_code", "name_zh", "short_name_zh", "name_en", "level", "province_code", "city_code",
          "name_pinyin"]

MUNICIPALITIES = {"110000", "120000", "310000", "500000"}
PLACEHOLDER_RE = re.compile(r"市辖区|县|.*直辖县级行政区划")

# Administrative suffixes, longest first, with the English word a district
# gets for it (cities and provinces are named without a suffix word). A suffix
# is stripped only if at least two characters remain, otherwise the next
# (shorter) suffix is tried, and if none fits the full name is kept:
# 清新区 -> 清新 (not 清), 城区 / 矿区 / 和县 stay whole.
SUFFIXES = [
    ("特别行政区", ""), ("自治区", ""), ("自治州", ""),
    ("自治县", " Autonomous County"), ("自治旗", " Autonomous Banner"),
    ("联合旗", " United Banner"), ("新区", " New Area"), ("矿区", " Mining District"),
    ("特区", " Special District"), ("群岛", " Islands"),
    ("地区", ""), ("省", ""), ("市", ""), ("盟", ""),
    ("区", " District"), ("县", " County"), ("旗", " Banner"),
]
# "林区" is not a safe suffix (万柏林区 is 万柏林 + 区); the one forestry district:
SHORT_NAME_EXCEPTIONS = {"神农架林区": ("神农架", " Forestry District")}

# pypinyin readings that are wrong for place names. CHAR_READINGS changes a
# character's default reading (pypinyin's own phrases still win, e.g. 长子
# Zhangzi); PHRASE_READINGS fixes single names.
CHAR_READINGS = {"长": "cháng", "都": "dū", "勒": "lè", "什": "shí"}
PHRASE_READINGS = {
    "朝阳": "cháo yáng", "漯河": "luò hé", "六合": "lù hé", "乐陵": "lào líng",
    "南乐": "nán lè", "民乐": "mín lè", "洪洞": "hóng tóng", "泊头": "bó tóu",
    "单县": "shàn xiàn", "浚县": "xùn xiàn", "涡阳": "guō yáng", "蚌山": "bèng shān",
    "召陵": "shào líng", "曾都": "zēng dū", "闵行": "mǐn háng", "马尾": "mǎ wěi",
    "佛冈": "fó gāng", "佛坪": "fó píng", "龙圩": "lóng xū", "覃塘": "qín táng",
    "筠连": "jūn lián", "荥经": "yíng jīng", "穆棱": "mù líng", "红寺堡": "hóng sì bǔ",
    "浪卡子": "làng kǎ zǐ", "伽师": "jiā shī", "万柏林": "wàn bǎi lín", "繁峙": "fán shì",
}
load_single_dict({ord(char): reading for char, reading in CHAR_READINGS.items()})
load_phrases_dict({name: [[s] for s in reading.split()] for name, reading in PHRASE_READINGS.items()})

# Official or established English names, keyed by short name. Covers every
# province and prefecture-level unit whose plain pinyin is not the usual
# English name (exonyms of Mongolian, Tibetan and Uyghur names); the same
# stem at district level gets the same name (喀什市 -> Kashgar).
NAME_EN_OVERRIDES = {
    "陕西": "Shaanxi", "内蒙古": "Inner Mongolia", "西藏": "Tibet",
    "香港": "Hong Kong", "澳门": "Macao",
    "哈尔滨": "Harbin", "齐齐哈尔": "Qiqihar",
    "呼和浩特": "Hohhot", "鄂尔多斯": "Ordos", "呼伦贝尔": "Hulunbuir",
    "巴彦淖尔": "Bayannur", "乌兰察布": "Ulanqab", "锡林郭勒": "Xilingol", "阿拉善": "Alxa",
    "拉萨": "Lhasa", "日喀则": "Shigatse", "昌都": "Qamdo", "林芝": "Nyingchi",
    "那曲": "Nagqu", "阿里": "Ngari",
    "阿坝": "Ngawa", "甘孜": "Garze", "果洛": "Golog",
    "乌鲁木齐": "Urumqi", "克拉玛依": "Karamay", "吐鲁番": "Turpan", "博尔塔拉": "Bortala",
    "巴音郭楞": "Bayingolin", "克孜勒苏": "Kizilsu", "喀什": "Kashgar", "和田": "Hotan",
    "伊犁": "Ili", "阿勒泰": "Altay", "阿克苏": "Aksu",
    "中沙群岛的岛礁及其海域": "Zhongsha Islands",
}


def ethnic_suffix_re():
    """Regex matching one trailing ethnic-group name, e.g. 朝鲜族, 蒙古(族), 各族.

    Multi-character names may appear without 族 (博尔塔拉蒙古自治州);
    single-character ones must keep it (融水苗族自治县 must not lose its 水).
    """
    text = files("cpca.resources").joinpath("56_nations.csv").read_text(encoding="utf-8")
    stems = [n[:-1] for n in text.split() if n.endswith("族")] + ["各"]
    alternatives = [re.escape(s) + ("族?" if len(s) > 1 else "族") for s in stems]
    return re.compile("(?:" + "|".join(alternatives) + ")$")


ETHNIC_RE = ethnic_suffix_re()


def split_suffix(name):
    """Return (short_name, english_suffix_word) for a Chinese region name.

    Autonomous and ethnic names also lose their ethnic groups, as long as two
    characters remain: 延边朝鲜族自治州 -> 延边, 宁夏回族自治区 -> 宁夏,
    管城回族区 -> 管城, 东乡族自治县 -> 东乡.
    """
    if name in SHORT_NAME_EXCEPTIONS:
        return SHORT_NAME_EXCEPTIONS[name]
    for suffix, english in SUFFIXES:
        stem = name[: -len(suffix)]
        if not name.endswith(suffix) or len(stem) < 2:
            continue
        if suffix.startswith("自治") or "族" in stem:
            while (m := ETHNIC_RE.search(stem)) and m.start() >= 2:
                stem = stem[: m.start()]
            if stem.endswith("族") and len(stem) > 2:
                stem = stem[:-1]
        return stem, english
    return name, ""


def romanise(chinese):
    """Pinyin as one title-cased word, with an apostrophe before a non-initial
    syllable that starts with a vowel (西安 -> Xi'an, 延安 -> Yan'an)."""
    syllables = lazy_pinyin(chinese, style=Style.NORMAL, v_to_u=True)
    word = syllables[0] + "".join("'" + s if s[0] in "aeo" else s for s in syllables[1:])
    return word.capitalize()


def read_adcodes():
    """{6-digit code: name} for the real regions in cpca's adcodes.csv."""
    with files("cpca.resources").joinpath("adcodes.csv").open(encoding="utf-8") as f:
        rows = {r["adcode"][:6]: r["name"] for r in csv.DictReader(f)}
    return {code: name for code, name in rows.items() if not PLACEHOLDER_RE.fullmatch(name)}


def build_rows(regions):
    """Seed rows (national row first, then by region_code) for {code: name}."""
    rows = [{"region_code": "000000", "name_zh": "全国", "short_name_zh": "全国", "name_en": "China",
             "level": "national", "province_code": "", "city_code": "",
             "name_pinyin": "quanguo"}]
    for code, name in sorted(regions.items()):
        province = code[:2] + "0000"
        if code in MUNICIPALITIES:
            level, city = "city", code
        elif code.endswith("0000"):
            level, city = "province", ""
        elif code.endswith("00"):
            level, city = "city", code
        else:
            level = "district"
            city = province if province in MUNICIPALITIES else code[:4] + "00"
            city = city if city in regions else ""
        short, english_suffix = split_suffix(name)
        short_en = NAME_EN_OVERRIDES.get(short) or romanise(short)
        name_en = short_en + english_suffix if level == "district" else short_en
        rows.append({"region_code": code, "name_zh": name, "short_name_zh": short, "name_en": name_en,
                     "level": level, "province_code": province, "city_code": city,
                     "name_pinyin": "".join(lazy_pinyin(name, style=Style.NORMAL, v_to_u=True)).lower()})
    return rows


def main():
    rows = build_rows(read_adcodes())
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    with OUTPUT.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=HEADER, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows to {OUTPUT}")


if __name__ == "__main__":
    main()
