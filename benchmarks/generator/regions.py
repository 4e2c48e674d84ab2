"""How a row may name its region, and what a warehouse following the contract makes of it.

Readings of a name (the contract's region rules, as the generator applies them to
what it writes; every form below is checked against all of them):
the 6-digit code, a hand-kept alias, the Chinese name with and without suffix, the
English name with and without its suffix word (`Pudong New Area`, `Pudong`, also
`Pudong New` as today's ingest strips it), and the pinyin with the suffix in pinyin
(`Pudongxinqu`). Matching ignores case, spaces, apostrophes, hyphens and dots.

A form is **unique** when every reading of it names one region. A name several
regions share resolves only from the row: in the registry by the USCC's division
code (characters 3-8) — the one candidate that is that region or contains it, with
no other candidate equal to, above or below it; elsewhere by a parent written with
it (`深圳市南山区`, `Shenzhen Nanshan`) or, for policies, by the issuer
(`深圳市南山区人民政府`). The generator writes a shared form only where that rule
leaves exactly one region, and writes ambiguous forms only on rows it records as
rejected (with the candidates).
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache

from pypinyin import lazy_pinyin

from benchmarks.generator.seeds import Region, Seeds

FULLWIDTH = str.maketrans("０１２３４５６７８９．，－／：（）　＋", "0123456789.,-/:() +")
EN_SUFFIXES = (" New Area", " District", " County", " City", " Banner", " Area")
TODAY_EN_SUFFIX = re.compile(r" (District|County|City|Banner|Area)$")  # what today's ingest strips
PINYIN_SUFFIXES = ("新区", "区", "县", "市")  # suffixes whose pinyin spelling is written (Pudongxinqu)


def region_key(text: str) -> str:
    return re.sub(r"[\s'’`.\-]", "", text.translate(FULLWIDTH).strip().lower())


def en_base(name_en: str) -> str:
    for suffix in EN_SUFFIXES:
        if name_en.endswith(suffix) and len(name_en) > len(suffix):
            return name_en[: -len(suffix)]
    return name_en


class RegionIndex:
    """Every reading of every region name, and the forms built on them."""

    def __init__(self, seeds: Seeds):
        self.seeds = seeds
        self.regions = seeds.regions
        self.readings: dict[str, set[str]] = defaultdict(set)  # key -> codes, every reading
        self.today: dict[str, set[str]] = defaultdict(set)  # key -> codes, the readings today's ingest knows
        self.alias_keys: set[str] = set()
        self.national = next(r.code for r in self.regions.values() if r.level == "national")
        for r in self.regions.values():
            for form in (r.code, r.name_zh, r.short, r.name_en, TODAY_EN_SUFFIX.sub("", r.name_en)):
                self.today[region_key(form)].add(r.code)
            for form in self.name_forms(r):
                self.readings[region_key(form)].add(r.code)
            self.readings[r.code].add(r.code)
        for alias, code in seeds.aliases:
            self.readings[region_key(alias)].add(code)
            self.today[region_key(alias)].add(code)
            self.alias_keys.add(region_key(alias))
        self.readings.pop("", None)

    # -- structure ---------------------------------------------------------------------
    @lru_cache(maxsize=None)
    def ancestors(self, code: str) -> frozenset[str]:
        r = self.regions[code]
        if r.level == "national":
            return frozenset()
        return frozenset(c for c in (r.city_code, r.province_code, self.national) if c and c != code)

    def nested(self, a: str, b: str) -> bool:
        return a in self.ancestors(b) or b in self.ancestors(a)

    def parent(self, r: Region) -> Region | None:
        """The region one level up that a source writes before the name (city of a district, province of a city)."""
        if r.level == "district":
            return self.regions.get(r.city_code or r.province_code)
        if r.level == "city" and r.province_code != r.code:
            return self.regions[r.province_code]
        return None

    # -- readings --------------------------------------------------------------------------
    def pinyin_suffixed(self, r: Region) -> str | None:
        """`Pudongxinqu`: the English base name and the suffix in pinyin, where pypinyin spells the
        short name as the seed's English name does (so the form is unmistakably this name)."""
        base = en_base(r.name_en)
        suffix = r.suffix_zh
        if suffix not in PINYIN_SUFFIXES or region_key("".join(lazy_pinyin(r.short))) != region_key(base):
            return None
        return base.replace(" ", "") + "".join(lazy_pinyin(suffix))

    def name_forms(self, r: Region) -> list[str]:
        forms = [r.name_zh, r.short, r.name_en, en_base(r.name_en), TODAY_EN_SUFFIX.sub("", r.name_en)]
        py = self.pinyin_suffixed(r)
        if py:
            forms.append(py)
        return forms

    def candidates(self, text: str) -> set[str]:
        return set(self.readings.get(region_key(text), set()))

    def today_resolves(self, text: str) -> bool:
        return region_key(text) in self.today

    # -- forms of one region ------------------------------------------------------------------
    def unique_forms(self, r: Region, today_only: bool = False) -> list[str]:
        """Forms that name r under every reading (the code first). today_only: also known to today's
        ingest (the shipped sample must refresh today and after the region rules are rewritten)."""
        cands = [r.code, r.name_zh, r.short, r.name_en, en_base(r.name_en)]
        cands += [a for a, c in self.seeds.aliases if c == r.code]
        if r.level in ("city", "province"):
            cands.append(r.name_en.upper())
        py = self.pinyin_suffixed(r)
        if py and not today_only:
            cands.append(py)
        out: list[str] = []
        for f in cands:
            if f and f not in out and self.candidates(f) == {r.code} and (not today_only or self.today_resolves(f)):
                out.append(f)
        assert out and out[0] == r.code
        return out

    def uscc_pick(self, cands: set[str], division: str) -> set[str]:
        """Candidates the USCC's division code points to: equal to it, containing it or inside it."""
        return {c for c in cands if c == division or c in self.ancestors(division) or division in self.ancestors(c)}

    def uscc_forms(self, r: Region) -> list[str]:
        """Shared names (南山区, Nanshan, 朝阳 ...) that a USCC of r's division code resolves to r."""
        out = []
        for f in self.name_forms(r):
            key = region_key(f)
            cands = self.candidates(f)
            if (f not in out and len(cands) > 1 and key not in self.alias_keys and r.code in cands
                    and self.uscc_pick(cands, r.code) == {r.code}):
                out.append(f)
        return out

    def ambiguous_forms(self, r: Region) -> list[tuple[str, set[str]]]:
        """r's own names that several unrelated regions share (no alias decides, no candidate lies in
        another): with nothing else in the row, these stay ambiguous."""
        out = []
        for f in dict.fromkeys(self.name_forms(r)):
            cands = self.candidates(f)
            if len(cands) > 1 and region_key(f) not in self.alias_keys and not any(
                    self.nested(a, b) for a in cands for b in cands if a < b):
                out.append((f, cands))
        return out

    def parent_forms(self, r: Region) -> list[str]:
        """The name written with its parent: 深圳市南山区, 深圳南山区, Shenzhen Nanshan, 广东省深圳市 ...
        (only forms whose every split into parent + name points to r)."""
        p = self.parent(r)
        if p is None:
            return []
        pairs = [(p.name_zh, r.name_zh), (p.short, r.name_zh),
                 (en_base(p.name_en), " " + en_base(r.name_en)), (en_base(p.name_en), " " + r.name_en)]
        forms = [a + b for a, b in pairs if self.candidates(a) == {p.code}]  # the parent itself unmistakable
        return [f for f in dict.fromkeys(forms) if self.split_resolves(f) == {r.code}]

    def split_resolves(self, text: str) -> set[str]:
        """Regions named by text read as parent + name (nothing if the whole text is itself a name)."""
        key = region_key(text)
        if key in self.readings:
            return set()
        found = set()
        for i in range(1, len(key)):
            for c in self.readings.get(key[i:], ()):
                if self.readings.get(key[:i], set()) & self.ancestors(c):
                    found.add(c)
        return found

    def issuer_picks(self, cands: set[str], issuer: str) -> set[str]:
        """Candidates whose city or province the issuer names (深圳市南山区人民政府 -> Shenzhen's 南山区)."""
        out = set()
        for c in cands:
            for a in self.ancestors(c) - {self.national}:
                ar = self.regions[a]
                if ar.name_zh in issuer or (len(ar.short) >= 2 and ar.short in issuer):
                    out.add(c)
        return out

    def unknown_forms(self, r: Region) -> list[str]:
        typos = []
        for suffix, wrong in (("市", "巿"), ("区", "去"), ("县", "悬")):
            if r.name_zh.endswith(suffix):
                typos.append(r.name_zh[:-1] + wrong)
        en = r.name_en.split(" ")[0]
        if len(en) >= 5 and en.isascii():
            typos.append(en[: len(en) // 2] + en[len(en) // 2 + 1:])
        for bump in (99, 98, 97, 89):
            typos.append(r.code[:4] + f"{(int(r.code[4:]) + bump) % 100:02d}")
        return [t for t in typos if not self.candidates(t) and not self.split_resolves(t)]


def shared_pool(index: RegionIndex) -> list[tuple[str, set[str]]]:
    """Every shared district name that no alias decides and whose candidates are unrelated regions,
    in a fixed order: the registry writes them beside a USCC pointing elsewhere (rejected rows)."""
    pool: dict[str, tuple[str, set[str]]] = {}
    for code in sorted(index.regions):
        r = index.regions[code]
        if r.level != "district":
            continue
        for form, cands in index.ambiguous_forms(r):
            pool.setdefault(region_key(form), (form, cands))
    return [pool[k] for k in sorted(pool)]
