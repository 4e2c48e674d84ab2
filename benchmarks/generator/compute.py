"""Compute-centre events: two CSV files (English and Chinese headers), ~2.2 events per project.

Event spellings come from compute_events.csv. Region forms: a unique form or the name
written with its parent (深圳市南山区, Guangdong Shenzhen). Every bad project gets one
extra rejected row (BAD): an event outside the vocabulary, an event_date that is no
date, a capacity in GPU cards, a district name several regions share with nothing to
resolve it, a semicolon-separated line.
"""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks.generator.calibration import EXTRACT_END, D
from benchmarks.generator.plan import Plan
from benchmarks.generator.policies import GENERATOR_NOTE
from benchmarks.generator.seeds import Seeds
from benchmarks.generator.sql import copy_lines, rdate, sql_int_list, sql_list, sql_str
from benchmarks.generator.words import BAD_EVENTS, CAPACITY_P, COMPUTE_KINDS, OPERATOR_TAILS, Words

SOURCE = "compute"
FILES = ("synthetic_compute_events.csv", "synthetic_compute_events_zh.csv")
BAD = {1: ("unknown_event", "event"), 2: ("bad_date", "event_date"), 3: ("bad_capacity", "capacity"),
       4: ("region_ambiguous", "region"), 5: ("wrong_delimiter", "")}
COLUMNS = ("project", "region", "event", "event_date", "capacity", "investment", "operator", "source")
# file 2: Chinese headers (the contract's names) in another order
ZH_COLUMNS = (("project", "项目名称"), ("region", "地区"), ("event_date", "日期"), ("event", "事件"),
              ("capacity", "算力规模"), ("investment", "投资额"), ("operator", "运营方"), ("source", "来源"))


def write_compute(con, plan: Plan, seeds: Seeds, words: Words, out: Path, log) -> None:
    assert not {b.lower() for b in BAD_EVENTS} & seeds.all_spellings(seeds.compute_events), \
        "a deliberately bad event is a spelling of compute_events.csv"
    n_lv = dict(con.execute("SELECT lv, count(*) FROM pol_slots GROUP BY lv ORDER BY lv").fetchall())
    brand = words.brands
    nb, nk = len(brand), len(COMPUTE_KINDS)
    block = nb * nb * nk * 3
    events = "[" + ", ".join(sql_list(s) for s in seeds.compute_events.values()) + "]"
    n_events = len(seeds.compute_events)
    cny = seeds.units_of("money", "CNY")[0]
    con.execute(f"""
CREATE OR REPLACE TABLE cev AS
WITH proj AS (
    SELECT i AS pj,
        CASE WHEN u(i, 120, 100) < 5 THEN 1 WHEN u(i, 120, 100) < 85 THEN 2 ELSE 3 END AS lv,
        1 + u(i, 121, {n_events}) AS nev,
        {rdate('i', 122, D(2019, 1, 1), D(2024, 12, 31))} AS d0,
        60 + u(i, 123, 300) AS g1, 120 + u(i, 124, 500) AS g2, 30 + u(i, 125, 200) AS g3
    FROM range({plan.projects}) r(i)
), ev AS (
    SELECT proj.*, s.step,
        d0 + (CASE WHEN s.step >= 1 THEN g1 ELSE 0 END + CASE WHEN s.step >= 2 THEN g2 ELSE 0 END
              + CASE WHEN s.step >= 3 THEN g3 ELSE 0 END)::INTEGER AS d,
        0 AS bad
    FROM proj, range({n_events}) s(step)
    WHERE s.step < nev
), bad AS (
    SELECT proj.*, 9 AS step, d0 + 15 AS d, 1 + u(pj, 126, 5) AS bad FROM proj WHERE pj < {plan.projects_bad}
)
SELECT e.pj, e.step, e.d, e.bad, ps.ridx
FROM (SELECT * FROM ev WHERE d <= DATE '{EXTRACT_END}' UNION ALL SELECT * FROM bad) e
JOIN pol_slots ps ON ps.lv = e.lv AND ps.k = u(e.pj, 127, {sql_int_list(n_lv[i] for i in range(4))}[e.lv + 1])""")
    con.execute(f"""
CREATE OR REPLACE VIEW cev_fmt AS
WITH a AS (
    SELECT cev.*, rg.code, rg.forms, rg.parent_forms, rg.amb_forms, rg.amb_cands, rg.city_short,
        pj * 16 + step AS rid,
        bad AS kind,
        CASE WHEN u(pj, 130, 100) < 70 THEN 0 ELSE 1 END AS file_no,
        hash(pj * 16 + step, 131, {plan.seed}) AS sk,
        pick({sql_int_list(CAPACITY_P)}, u(pj, 132, {len(CAPACITY_P)})) AS cap,
        u(pj, 133, 100) < 30 AS fp16,
        u(pj * 16 + step, 134, 1000003) AS fi
    FROM cev JOIN rg ON rg.ridx = cev.ridx
), b AS (
    SELECT *, kind = 0 AND len(parent_forms) > 0 AND u(rid, 135, 100) < 35 AS with_parent FROM a
)
SELECT file_no, sk, rid, kind, code, with_parent,
    city_short || {sql_list(brand)}[1 + pj % {nb}] || {sql_list(brand)}[1 + (pj // {nb}) % {nb}]
        || {sql_list(COMPUTE_KINDS)}[1 + (pj // {nb * nb}) % {nk}]
        || ['一期', '二期', '三期'][1 + (pj // {nb * nb * nk}) % 3] || '项目'
        || CASE WHEN pj >= {block} THEN '(' || (pj // {block})::VARCHAR || ')' ELSE '' END AS project,
    CASE WHEN kind = 4 THEN amb_forms[1 + fi % len(amb_forms)]
         WHEN with_parent THEN parent_forms[1 + fi % len(parent_forms)] ELSE forms[1 + fi % len(forms)] END AS region,
    CASE WHEN kind = 4 THEN amb_cands[1 + fi % len(amb_cands)] ELSE '' END AS candidates,
    CASE WHEN kind = 1 THEN pick({sql_list(BAD_EVENTS)}, u(rid, 136, {len(BAD_EVENTS)}))
         WHEN step < {n_events} THEN pick({events}[step + 1], u(rid, 137, len({events}[step + 1])))
         ELSE {events}[1][1] END AS event,
    CASE WHEN kind = 2 THEN year(d)::VARCHAR || '年Q' || (1 + u(rid, 138, 4))::VARCHAR
         WHEN u(rid, 139, 100) < 20 THEN fmonth(d, u(rid, 140, 2))
         ELSE fdate(d, u(rid, 140, 4)) END AS event_date,
    CASE WHEN kind = 3 THEN (cap // 10)::VARCHAR || '卡'
         WHEN u(rid, 141, 100) < 50 THEN
            CASE WHEN cap % 1000 = 0 AND u(rid, 142, 2) = 0
                 THEN (cap // 1000)::VARCHAR || pick(['E', ' EFLOPS'], u(rid, 143, 2))
                 ELSE cap::VARCHAR || pick(['P', ' PFLOPS', 'P', 'PFLOPS'], u(rid, 143, 4)) END
            || CASE WHEN fp16 THEN pick(['(FP16)', '（FP16）'], u(rid, 144, 2)) ELSE '' END END AS capacity,
    CASE WHEN step = 0 AND u(pj, 145, 100) < 60 THEN
        CASE WHEN u(pj, 146, 100) < 20 THEN (1000 + 500 * u(pj, 147, 18))::VARCHAR || '万' || {sql_str(cny)}
             ELSE (1 + u(pj, 147, 200))::VARCHAR || pick(['亿', '.5亿'], u(pj, 148, 2)) || {sql_str(cny)} END
        END AS investment,
    CASE WHEN u(pj, 149, 100) < 70 THEN city_short || pick({sql_list(OPERATOR_TAILS)}, u(pj, 150, {len(OPERATOR_TAILS)}))
         END AS operator,
    {sql_str(GENERATOR_NOTE)} AS source
FROM b""")
    names = sql_list(f"{SOURCE}/{n}" for n in FILES)
    for i, name in enumerate(FILES):
        t0 = time.time()
        cols = COLUMNS if i == 0 else tuple(c for c, _ in ZH_COLUMNS)
        header = ",".join(COLUMNS) if i == 0 else ",".join(h for _, h in ZH_COLUMNS)
        semicolons = " || ';' || ".join(f"replace(coalesce({c}, ''), ',', '')" for c in cols)
        commas = " || ',' || ".join(f"q({c})" for c in cols)
        line = f"CASE WHEN kind = 5 THEN {semicolons} ELSE {commas} END"
        copy_lines(con, f"SELECT {line} AS line FROM cev_fmt WHERE file_no = {i} ORDER BY sk, rid", header,
                   out / SOURCE / name)
        log(f"  {SOURCE}/{name}: written ({time.time() - t0:.1f}s)")
    con.execute("""CREATE OR REPLACE TEMP TABLE cev_pos AS SELECT *,
        1 + row_number() OVER (PARTITION BY file_no ORDER BY sk, rid) AS ln FROM cev_fmt""")
    con.execute(f"""INSERT INTO truth_files SELECT '{SOURCE}', {names}[file_no + 1], 1 + count(*), 0, count(*),
        count(*) FILTER (WHERE kind = 0), count(*) FILTER (WHERE kind > 0) FROM cev_pos GROUP BY file_no""")
    reason = "CASE kind " + " ".join(f"WHEN {k} THEN {sql_str(c)}" for k, (c, _) in BAD.items()) + " END"
    field = "CASE kind " + " ".join(f"WHEN {k} THEN {sql_str(f)}" for k, (_, f) in BAD.items()) + " END"
    con.execute(f"""INSERT INTO truth_rejected SELECT '{SOURCE}', {names}[file_no + 1], ln, {reason}, {field},
        CASE kind WHEN 1 THEN event WHEN 2 THEN event_date WHEN 3 THEN capacity WHEN 4 THEN region
                  ELSE '' END, candidates
        FROM cev_pos WHERE kind > 0""")
    con.execute(f"""INSERT INTO truth_region_forms SELECT '{SOURCE}', region, '', code, 'parent_written_with_it',
        count(*) FROM cev_pos WHERE kind = 0 AND with_parent GROUP BY ALL""")
    con.execute("DROP TABLE cev_pos")
