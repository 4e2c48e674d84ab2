"""The registry table `ent`: one row per registry line, numbers only (no text yet).

Columns: seg (which cohort or noise kind), j (row within it), id (line id), ek
(enterprise key: records of one enterprise share it, and so their USCC), ridx (true
region), reg / dereg (dates), ai (AI-related by design), bad (0 or the kind of defect
that makes the contract reject the line; see BAD_KINDS).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from benchmarks.generator.calibration import PATHS, D
from benchmarks.generator.plan import Plan
from benchmarks.generator.regions import RegionIndex, shared_pool
from benchmarks.generator.sql import load_table, rdate, rdate_recent, sql_date
from benchmarks.generator.words import ISSUER_ORGANS

USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# kind -> (reason class of the truth, the field it concerns)
BAD_KINDS = {
    1: ("bad_uscc_check", "uscc"),
    2: ("bad_date", "registered_on"),
    3: ("bad_date", "deregistered_on"),
    4: ("region_unknown", "region"),
    5: ("region_ambiguous", "region"),
    6: ("wrong_field_count", "business_scope"),
    7: ("not_a_number", "registered_capital"),
    8: ("dereg_before_reg", "deregistered_on"),
    9: ("wrong_delimiter", ""),
}
BULK_BAD_KIND = ("CASE WHEN u(t.id, 40, 1000) < 200 THEN 1 WHEN u(t.id, 40, 1000) < 350 THEN 2 "
                 "WHEN u(t.id, 40, 1000) < 450 THEN 3 WHEN u(t.id, 40, 1000) < 600 THEN 4 "
                 "WHEN u(t.id, 40, 1000) < 650 THEN 5 WHEN u(t.id, 40, 1000) < 820 THEN 6 "
                 "WHEN u(t.id, 40, 1000) < 900 THEN 7 WHEN u(t.id, 40, 1000) < {cut8} THEN 8 ELSE 9 END")
DEREG_KINDS = {"survive": 0, "range": 1, "before": 2, "same_year": 3, "never": 4}
ENT_DDL = """CREATE OR REPLACE TABLE ent (seg VARCHAR, j BIGINT, id BIGINT, ek BIGINT, ridx INTEGER,
    reg DATE, dereg DATE, ai BOOLEAN, bad TINYINT)"""


@dataclass
class GenRegion:
    ridx: int
    code: str
    level: str
    name_zh: str
    city_code: str | None
    city_short: str
    admin_sum: int  # weighted sum of the USCC's first 8 characters (91 + the code)
    forms: list[str]  # unique forms
    uscc_forms: list[str]  # shared names a USCC of this code resolves here
    unk_forms: list[str]
    amb_forms: list[str]  # shared names from elsewhere (with this code in the USCC: ambiguous)
    amb_cands: list[str]  # their candidates, 'code|code|...'
    parent_forms: list[str]  # written with the parent: 深圳市南山区, Shenzhen Nanshan
    self_amb: list[str]  # own names shared with unrelated regions (alone: ambiguous)
    self_amb_cands: list[str]
    issuer_prefix: str  # parent name an issuer writes before the name so that it resolves the shared names ('' if none)
    cal_city: str | None
    big: bool  # a city of calibration.PATHS or a municipality (or in one): five times the firms
    weight: int
    in_registry: bool


def _stable_int(text: str) -> int:
    v = 0
    for ch in text:
        v = (v * 131 + ord(ch)) % 1_000_003
    return v


def build_regions(index: RegionIndex, calibrated: set[str], sample: bool) -> list[GenRegion]:
    pool = shared_pool(index)
    out: list[GenRegion] = []
    for code in sorted(index.regions):
        r = index.regions[code]
        city = None if r.level in ("national", "province") else (r.code if r.level == "city" else r.city_code or None)
        forms = index.unique_forms(r, today_only=sample)
        amb: list[tuple[str, set[str]]] = []
        start = _stable_int(code) % len(pool)
        for k in range(len(pool)):
            form, cands = pool[(start + k) % len(pool)]
            # none of its regions in this region's province either: no reading of the USCC can choose
            if not index.uscc_pick(cands, code) and all(
                    index.regions[c].province_code != r.province_code for c in cands):
                amb.append((form, cands))
            if len(amb) == 3:
                break
        self_amb = index.ambiguous_forms(r)
        prefix = _issuer_prefix(index, r, self_amb)
        in_registry = r.level in ("city", "district") and bool(city)
        if sample:  # the article's cities, and districts a row can name in words today
            in_registry = in_registry and city in calibrated and (r.level == "city" or len(forms) > 1)
        base = 3 + _stable_int(code) % 5 if r.level == "city" else 1 + _stable_int(code) % 4
        big = bool(city) and (city in PATHS or index.regions[city].province_code == city)
        out.append(GenRegion(
            ridx=len(out), code=code, level=r.level, name_zh=r.name_zh, city_code=city,
            city_short=index.regions[city].short if city else r.short,
            admin_sum=9 * 1 + 1 * 3 + sum(int(c) * w for c, w in zip(code, USCC_WEIGHTS[2:8])),
            forms=forms, uscc_forms=[] if sample else index.uscc_forms(r), unk_forms=index.unknown_forms(r),
            amb_forms=[f for f, _ in amb], amb_cands=["|".join(sorted(c)) for _, c in amb],
            parent_forms=[] if sample else index.parent_forms(r),
            self_amb=[f for f, _ in self_amb], self_amb_cands=["|".join(sorted(c)) for _, c in self_amb],
            issuer_prefix=prefix,
            cal_city=city if city in calibrated else None,
            big=big, weight=base * (5 if big else 1), in_registry=in_registry,
        ))
    return out


def _issuer_prefix(index: RegionIndex, r, self_amb) -> str:
    """The parent name that, written before r's name in an issuer (深圳市 + 南山区 + 人民政府), resolves every
    shared name of r to r, while the bare issuer (南山区人民政府) resolves none of them; '' if there is none."""
    p = index.parent(r)
    if not self_amb or p is None:
        return ""
    for organ in ISSUER_ORGANS[r.level]:
        for _, cands in self_amb:
            if index.issuer_picks(cands, p.name_zh + r.name_zh + organ) != {r.code} \
                    or index.issuer_picks(cands, r.name_zh + organ):
                return ""
    return p.name_zh


class Registry:
    """Builds `ent` for a plan. Formatting and writing live in registry_format / registry_write."""

    def __init__(self, con, plan: Plan, regions: list[GenRegion]):
        self.con, self.plan, self.regions = con, plan, regions
        self.next_id = 0
        self._load_region_tables()

    def _ids(self, n: int) -> int:
        base = self.next_id
        self.next_id += n
        return base

    def _load_region_tables(self) -> None:
        g = self.regions
        load_table(self.con, "rg", {
            "ridx": [x.ridx for x in g], "code": [x.code for x in g], "level": [x.level for x in g],
            "name_zh": [x.name_zh for x in g], "city_code": [x.city_code for x in g],
            "city_short": [x.city_short for x in g], "admin_sum": [x.admin_sum for x in g],
            "forms": [x.forms for x in g], "uscc_forms": [x.uscc_forms for x in g],
            "unk_forms": [x.unk_forms for x in g], "amb_forms": [x.amb_forms for x in g],
            "amb_cands": [x.amb_cands for x in g], "cal_city": [x.cal_city for x in g],
            "parent_forms": [x.parent_forms for x in g], "self_amb": [x.self_amb for x in g],
            "self_amb_cands": [x.self_amb_cands for x in g], "issuer_prefix": [x.issuer_prefix for x in g],
        })
        slots, cal = [], []
        for x in g:
            if x.in_registry:
                slots += [x.ridx] * x.weight
                if x.cal_city:
                    cal += [(x.cal_city, x.ridx)] * x.weight
        self.W = len(slots)
        self.Wc: dict[str, int] = Counter(c for c, _ in cal)
        per_city: dict[str, int] = defaultdict(int)
        rows = []
        for city, ridx in cal:
            rows.append((city, per_city[city], ridx))
            per_city[city] += 1
        load_table(self.con, "reg_slots", {"slot": list(range(len(slots))), "ridx": slots})
        load_table(self.con, "cal_slots", {"city": [r[0] for r in rows], "slot": [r[1] for r in rows],
                                           "ridx": [r[2] for r in rows]})

    # -- calibrated cities ----------------------------------------------------------------------
    def _cohorts(self) -> None:
        cols: dict[str, list] = defaultdict(list)
        for city, cohorts in self.plan.cohorts.items():
            for c in cohorts:
                cols["seg"].append(f"{city}:{c.name}")
                cols["city"].append(city)
                cols["wc"].append(self.Wc[city])
                cols["n"].append(c.count)
                cols["base_id"].append(self._ids(c.count))
                cols["reg_lo"].append(c.reg_lo)
                cols["reg_hi"].append(c.reg_hi)
                cols["recent"].append(c.reg_recent)
                cols["dk"].append(DEREG_KINDS[c.dereg])
                cols["dereg_lo"].append(c.dereg_lo or D(2000, 1, 1))
                cols["dereg_hi"].append(c.dereg_hi or D(2000, 1, 1))
                cols["d1"].append(c.dup_older_ai)
                cols["d4"].append(c.dup_older_other)
                cols["d6"].append(c.dup_newer_bad)
        load_table(self.con, "cohorts", dict(cols))
        later = round(self.plan.noise.later_dereg * 1000)
        after, end = D(2024, 1, 1), self.plan.extract_end
        first_after = sql_date(after) if later else "NULL"
        self.con.execute(f"""
INSERT INTO ent
SELECT seg, j, id, id, ridx, reg,
    CASE dk
        WHEN 0 THEN CASE WHEN j = 2 THEN {first_after} WHEN u(id, 3, 1000) < {later}
                         THEN {rdate('id', 4, after, max(after, end))} END
        WHEN 1 THEN CASE j WHEN 0 THEN dereg_lo WHEN 1 THEN dereg_hi
                           ELSE dereg_lo + u(id, 4, (dereg_hi - dereg_lo) + 1)::INTEGER END
        WHEN 2 THEN CASE WHEN j = 0 THEN dereg_hi ELSE least(reg + (30 + u(id, 4, 3000))::INTEGER, dereg_hi) END
        WHEN 3 THEN reg + (1 + u(id, 4, make_date(year(reg), 12, 31) - reg))::INTEGER
    END, true, 0
FROM (
    -- gone within the year it was registered: never registered on 31 December
    SELECT *, CASE WHEN dk = 3 THEN least(reg0, make_date(year(reg0), 12, 30)) ELSE reg0 END AS reg FROM (
        SELECT c.*, c.base_id + c.j AS id, s.ridx,
            CASE c.j WHEN 0 THEN c.reg_lo WHEN 1 THEN c.reg_hi
                 ELSE c.reg_lo + CASE WHEN c.recent
                     THEN floor(sqrt(u(c.base_id + c.j, 2, 1000000) / 1000000.0) * ((c.reg_hi - c.reg_lo) + 1))
                     ELSE u(c.base_id + c.j, 2, (c.reg_hi - c.reg_lo) + 1) END::INTEGER END AS reg0
        FROM (SELECT *, unnest(range(n)) AS j FROM cohorts) c
        JOIN cal_slots s ON s.city = c.city AND s.slot = u(c.base_id + c.j, 1, c.wc))
) ORDER BY id""")
        # duplicate records: same enterprise (ek), same region, another registration date
        self._derived_from_cohorts("D1", "d1", 2, ai="true", bad="0",
                                   reg=rdate("id", 2, D(2003, 1, 1), D(2016, 6, 30)), dereg="NULL::DATE")
        self._derived_from_cohorts("D4", "d4", 5, ai="false", bad="0",
                                   reg="preg - (100 + u(id, 2, 3000))::INTEGER", dereg="NULL::DATE")
        self._derived_from_cohorts("D6", "d6", "5 + c.d4", ai="true", bad="3",
                                   reg=rdate("id", 2, D(2019, 1, 1), D(2023, 12, 31)), dereg="NULL::DATE")

    def _derived_from_cohorts(self, kind: str, column: str, first, *, ai: str, bad: str, reg: str, dereg: str) -> None:
        total = self.con.execute(f"SELECT coalesce(sum({column}), 0) FROM cohorts").fetchone()[0]
        if not total:
            return
        base = self._ids(total)
        self.con.execute(f"""
INSERT INTO ent
SELECT seg, j, id, ek, ridx, reg, ({dereg}), ({ai}), {bad} FROM (
    SELECT seg, j, id, ek, ridx, preg, ({reg}) AS reg FROM (
        SELECT p.seg || ':{kind}' AS seg, p.j, {base} - 1 + row_number() OVER (ORDER BY p.id) AS id,
            p.ek, p.ridx, p.reg AS preg
        FROM ent p JOIN cohorts c ON p.seg = c.seg
        WHERE p.j >= {first} AND p.j < {first} + c.{column}))
ORDER BY id""")

    def _primary(self, seg: str, count: int, *, slots: str, reg: str, dereg: str, ai: str, bad: str = "0") -> None:
        """count new enterprises (ek = id); reg/dereg/ai/bad are SQL over j, id, reg and rg.*."""
        if count <= 0:
            return
        base = self._ids(count)
        self.con.execute(f"""
INSERT INTO ent
SELECT '{seg}', j, id, id, ridx, reg, ({dereg}) AS dereg, ai, bad FROM (
    SELECT t.j, t.id, s.ridx, ({reg}) AS reg, ({ai}) AS ai, CAST(({bad}) AS TINYINT) AS bad
    FROM (SELECT i AS j, {base} + i AS id FROM range({count}) r(i)) t
    JOIN {slots} JOIN rg ON rg.ridx = s.ridx
) ORDER BY id""")

    def _derived(self, seg: str, parent_seg: str, count: int, *, reg: str, dereg: str, ai: str) -> None:
        """A second record (same ek and region) of the parent's rows j < count."""
        if count <= 0:
            return
        base = self._ids(count)
        self.con.execute(f"""
INSERT INTO ent
SELECT '{seg}', j, id, ek, ridx, reg, ({dereg}), ai, 0 FROM (
    SELECT p.j, {base} + p.j AS id, p.ek, p.ridx, p.reg AS preg, p.dereg AS pdereg, p.ai AS pai
    FROM ent p WHERE p.seg = '{parent_seg}' AND p.j < {count}
) p, LATERAL (SELECT ({reg}) AS reg, ({ai}) AS ai) ORDER BY id""")

    def _standalone(self) -> None:
        for city, s in self.plan.standalone.items():
            slots = f"cal_slots s ON s.city = '{city}' AND s.slot = u(t.id, 1, {self.Wc[city]})"
            k = f"{city}:"
            self._primary(k + "D2", s["ai_then_other"], slots=slots, ai="true",
                          reg=rdate("id", 2, D(2005, 1, 1), D(2012, 12, 31)), dereg="NULL::DATE")
            self._derived(k + "D2:newer", k + "D2", s["ai_then_other"], ai="false",
                          reg=rdate("id", 2, D(2013, 1, 1), D(2016, 12, 31)), dereg="NULL::DATE")
            self._primary(k + "D3", s["ai_then_dead"], slots=slots, ai="true",
                          reg=rdate("id", 2, D(2005, 1, 1), D(2012, 12, 31)), dereg="NULL::DATE")
            self._derived(k + "D3:newer", k + "D3", s["ai_then_dead"], ai="true",
                          reg=rdate("id", 2, D(2013, 1, 1), D(2015, 12, 31)),
                          dereg=rdate("id", 4, D(2016, 1, 1), D(2016, 12, 31)))
            # rejected AI rows that would count in every year if accepted: each defect in turn
            self._primary(k + "X", s["rejected"], slots=slots, ai="true", bad=f"1 + j % {len(BAD_KINDS)}",
                          reg=rdate("id", 2, D(2000, 1, 1), D(2016, 12, 31)), dereg="NULL::DATE")

    # -- everything else --------------------------------------------------------------------------
    def _bulk_reg(self) -> str:
        return rdate_recent("id", 2, D(1995, 1, 1), self.plan.extract_end - dt.timedelta(days=1))

    def _bulk_dereg(self) -> str:
        end = sql_date(self.plan.extract_end)
        return (f"CASE WHEN u(id, 3, 100) < 12 AND reg + (90 + u(id, 4, 4000))::INTEGER <= {end} "
                f"THEN reg + (90 + u(id, 4, 4000))::INTEGER END")

    def _bulk_ai(self) -> str:
        return f"rg.cal_city IS NULL AND u(t.id, 5, 1000) < {self.plan.bulk_ai_per_mille}"

    def build(self) -> None:
        plan = self.plan
        self.con.execute(ENT_DDL)
        self._cohorts()
        self._standalone()
        slots = f"reg_slots s ON s.slot = u(t.id, 1, {self.W})"
        self._primary("bulk", plan.bulk_main, slots=slots, ai=self._bulk_ai(), reg=self._bulk_reg(), dereg=self._bulk_dereg())
        self._derived("bulk_dup", "bulk", plan.bulk_dup, ai="pai",
                      reg=f"preg + (1 + u(id, 2, {sql_date(plan.extract_end)} - preg))::INTEGER",
                      dereg=f"CASE WHEN u(id, 3, 100) < 5 AND reg + (60 + u(id, 4, 2000))::INTEGER <= "
                            f"{sql_date(plan.extract_end)} THEN reg + (60 + u(id, 4, 2000))::INTEGER END")
        cut8 = 1000 - plan.mess.wrong_delimiter
        self._primary("bulk_bad", plan.bulk_bad, slots=slots, ai=self._bulk_ai(), reg=self._bulk_reg(),
                      dereg=self._bulk_dereg(), bad=BULK_BAD_KIND.format(cut8=cut8))
        n = self.con.execute("SELECT count(*) FROM ent").fetchone()[0]
        assert n == plan.registry_rows == self.next_id, (n, plan.registry_rows, self.next_id)

    def add_increment(self, rows: int, first_id: int) -> None:
        """`rows` new firms like the bulk ones (new USCCs, none rejected, none AI-related in a calibrated
        city), ids from first_id (after the registry's own), appended to ent."""
        self.next_id = first_id
        assert first_id + rows <= 100_000_000, "organisation codes are a bijection of the id below 1e8"
        self._primary("increment", rows, slots=f"reg_slots s ON s.slot = u(t.id, 1, {self.W})",
                      ai=self._bulk_ai(), reg=self._bulk_reg(), dereg=self._bulk_dereg())
