"""Policy documents: JSON lines in two files (one gzipped), 2 % of documents in both.

Region forms: a unique form, the name written with its parent (深圳市南山区), or a
shared name (南山区) that the issuer resolves (深圳市南山区人民政府). The issuer is
fixed per document, so both copies of a repeated document derive the same id.
Rejected on purpose (BAD): an unknown doc_type, a published_on that is no date, an
unknown region, a truncated line, a shared name with an issuer that names no region.
"""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks.generator.calibration import EXTRACT_END, D
from benchmarks.generator.finishing import Finisher
from benchmarks.generator.plan import Plan
from benchmarks.generator.seeds import Seeds
from benchmarks.generator.sql import copy_lines, load_table, rdate_recent, sql_list, sql_str
from benchmarks.generator.words import BAD_DOC_TYPES, ISSUER_ORGANS, POLICY_TOPICS, TITLE_PATTERNS, TOPIC_CODES

SOURCE = "policies"
FILES = ("synthetic_policies_part1.jsonl", "synthetic_policies_part2.jsonl.gz")
LEVELS = ("national", "province", "city", "district")
BAD = {1: ("unknown_doc_type", "doc_type"), 2: ("bad_date", "published_on"), 3: ("region_unknown", "region"),
       4: ("bad_json", ""), 5: ("region_ambiguous", "region")}
GENERATOR_NOTE = "synthetic (python -m benchmarks.generate_data)"


def write_policies(con, plan: Plan, seeds: Seeds, out: Path, finisher: Finisher, log) -> None:
    assert not {b.lower() for b in BAD_DOC_TYPES} & seeds.all_spellings(seeds.doc_types), \
        "a deliberately bad doc_type is a spelling of doc_types.csv"
    by_level = dict(con.execute("SELECT level, list(ridx ORDER BY ridx) FROM rg GROUP BY level").fetchall())
    rows = [(i, k, ridx) for i, lv in enumerate(LEVELS) for k, ridx in enumerate(by_level[lv])]
    load_table(con, "pol_slots", {"lv": [r[0] for r in rows], "k": [r[1] for r in rows], "ridx": [r[2] for r in rows]})
    n_lv = [len(by_level[lv]) for lv in LEVELS]
    p, p_bad, p_dup = plan.policies, plan.policies_bad, plan.policies_dup
    organs = "[" + ", ".join(sql_list(ISSUER_ORGANS[lv]) for lv in LEVELS) + "]"
    doc_types = list(seeds.doc_types)
    spellings = "[" + ", ".join(sql_list(seeds.doc_types[d]) for d in doc_types) + "]"
    patterns = "[" + ", ".join(sql_list(TITLE_PATTERNS[d]) for d in doc_types) + "]"
    level_words = "[" + ", ".join(sql_list(seeds.levels[lv]) for lv in LEVELS) + "]"
    plan_id = doc_types.index("plan")
    con.execute(f"""
CREATE OR REPLACE TABLE pol AS
WITH docs AS (
    SELECT i AS pid, CASE WHEN i >= {p - p_bad} THEN 1 + u(i, 80, {len(BAD)}) ELSE 0 END AS bad,
        CASE WHEN u(i, 81, 100) < 3 THEN 0 WHEN u(i, 81, 100) < 25 THEN 1 WHEN u(i, 81, 100) < 75 THEN 2 ELSE 3 END AS lv
    FROM range({p}) r(i)
), prow AS (
    SELECT pid, 0 AS copy, bad, lv FROM docs
    UNION ALL SELECT pid, 1, bad, lv FROM docs WHERE pid < {p_dup}
)
SELECT r.pid, r.copy, r.bad, r.lv, s.ridx, {rdate_recent('r.pid', 82, D(2014, 1, 1), EXTRACT_END)} AS pub,
    u(r.pid, 83, {len(doc_types)}) AS dt
FROM prow r JOIN pol_slots s ON s.lv = r.lv AND s.k = u(r.pid, 84, {n_lv}[r.lv + 1])""")
    con.execute(f"""
CREATE OR REPLACE VIEW pol_fmt AS
WITH a AS (
    SELECT pol.*, rg.code, rg.name_zh, rg.forms, rg.unk_forms, rg.parent_forms, rg.self_amb, rg.self_amb_cands,
        rg.issuer_prefix, pid * 2 + copy AS rid,
        pick({sql_list(POLICY_TOPICS)}, u(pid, 85, {len(POLICY_TOPICS)})) AS topic,
        year(pub) + u(pid, 86, 2) AS plan_a,
        -- the issuer names the parent for half the documents of regions whose shared names it resolves
        rg.issuer_prefix <> '' AND u(pid, 160, 100) < 50 AND bad <> 5 AS via_issuer,
        u(pid * 2 + copy, 91, 1000003) AS fi
    FROM pol JOIN rg ON rg.ridx = pol.ridx
), b AS (
    SELECT *,
        CASE WHEN bad = 5 AND issuer_prefix = '' THEN 3 ELSE bad END AS kind,
        (CASE WHEN u(pid, 87, 100) < 55 THEN 0 ELSE 1 END + copy) % 2 AS file_no,
        hash(rid, 88, {plan.seed}) AS sk,
        CASE WHEN lv = 0 THEN pick({organs}[1], u(pid, 89, len({organs}[1])))
             -- a shared name left ambiguous on purpose: its issuer names no region at all
             WHEN bad = 5 AND issuer_prefix <> '' THEN pick({organs}[lv + 1], u(pid, 89, len({organs}[lv + 1])))
             ELSE CASE WHEN via_issuer THEN issuer_prefix ELSE '' END || name_zh
                  || pick({organs}[lv + 1], u(pid, 89, len({organs}[lv + 1]))) END AS issuer,
        replace(replace(replace(pick({patterns}[dt + 1], u(pid, 90, len({patterns}[dt + 1]))),
            '{{p}}', CASE WHEN lv = 0 THEN '' ELSE name_zh END), '{{t}}', topic), '{{y}}', year(pub)::VARCHAR) AS title
    FROM a
), b2 AS (
    SELECT *, CASE WHEN kind IN (3, 5) THEN '' WHEN via_issuer AND u(rid, 92, 100) < 70 THEN 'issuer'
                   WHEN len(parent_forms) > 0 AND u(rid, 93, 100) < 30 THEN 'parent_written_with_it'
                   ELSE '' END AS rule
    FROM b
), c AS (
    SELECT *,
        CASE WHEN kind = 3 THEN unk_forms[1 + fi % len(unk_forms)]
             WHEN kind = 5 OR rule = 'issuer' THEN self_amb[1 + fi % len(self_amb)]
             WHEN rule <> '' THEN parent_forms[1 + fi % len(parent_forms)]
             ELSE forms[1 + fi % len(forms)] END AS region_txt,
        CASE WHEN kind = 5 THEN self_amb_cands[1 + fi % len(self_amb_cands)] ELSE '' END AS candidates,
        CASE WHEN kind = 2 THEN year(pub)::VARCHAR || '年第' || (1 + u(pid, 94, 4))::VARCHAR || '季度'
             WHEN u(pid, 95, 100) < 12 THEN fmonth(pub, u(rid, 96, 2))  -- per document: copies parse alike
             ELSE fdate(pub, u(rid, 96, 4)) END AS pub_txt,
        CASE WHEN u(pid, 97, 100) < 40 THEN fdate(pub + u(pid, 98, 90)::INTEGER, u(rid, 99, 4)) END AS eff_txt,
        CASE WHEN dt = {plan_id} AND u(pid, 100, 100) < 85 THEN
            replace(replace(pick(['A-B年', 'A—B年', 'A至B年', 'A-B'], u(pid, 101, 4)), 'A', plan_a::VARCHAR),
                    'B', (plan_a + 2 + u(pid, 102, 11))::VARCHAR) END AS plan_txt,
        CASE WHEN kind = 1 THEN pick({sql_list(BAD_DOC_TYPES)}, u(pid, 103, {len(BAD_DOC_TYPES)}))
             WHEN u(pid, 104, 100) < 60 THEN {spellings}[dt + 1][1]
             ELSE pick({spellings}[dt + 1], u(pid, 105, len({spellings}[dt + 1]))) END AS dt_txt,
        CASE WHEN u(pid, 106, 100) < 25 AND kind <> 5  -- an ambiguous name gets no level that could choose
             THEN pick({level_words}[lv + 1], u(pid, 107, len({level_words}[lv + 1]))) END AS level_txt,
        list_sort(list_distinct(['ai', pick({sql_list(TOPIC_CODES)}, u(pid, 108, {len(TOPIC_CODES)})),
                                 pick({sql_list(TOPIC_CODES)}, u(pid, 109, {len(TOPIC_CODES)}))][1:1 + u(pid, 110, 3)]))
            AS topic_list
    FROM b2
), d AS (
    SELECT file_no, sk, rid, kind, rule, code, issuer, region_txt, candidates, pub_txt, dt_txt, '{{' || array_to_string(list_filter([
        CASE WHEN u(pid, 111, 100) < 40 THEN '"id":' || to_json('SYN-POL-' || lpad(pid::VARCHAR, 8, '0')) END,
        '"title":' || to_json(title),
        '"issuer":' || to_json(issuer),
        '"region":' || to_json(region_txt),
        CASE WHEN level_txt IS NOT NULL THEN '"level":' || to_json(level_txt) END,
        '"published_on":' || to_json(pub_txt),
        CASE WHEN eff_txt IS NOT NULL THEN '"effective_on":' || to_json(eff_txt) END,
        CASE WHEN plan_txt IS NOT NULL THEN '"plan_period":' || to_json(plan_txt) END,
        '"doc_type":' || to_json(dt_txt),
        CASE WHEN u(pid, 112, 100) < 10 THEN NULL WHEN u(pid, 112, 100) < 14 THEN '"topics":[]'
             ELSE '"topics":[' || array_to_string(list_transform(topic_list, x -> '"' || x || '"'), ',') || ']' END,
        CASE WHEN u(pid, 113, 100) < 50 THEN '"url":' || to_json('https://policy.example.cn/' || code || '/'
            || year(pub)::VARCHAR || '/' || lpad(pid::VARCHAR, 8, '0') || '.html') END,
        CASE WHEN u(pid, 114, 100) < 30 THEN '"summary":' || to_json('围绕' || topic || ',提出'
            || (3 + u(pid, 115, 20))::VARCHAR || '项重点任务和保障措施。') END,
        CASE WHEN u(pid, 116, 100) < 30 THEN '"doc_number":' || to_json('〔' || year(pub)::VARCHAR || '〕'
            || (1 + u(pid, 117, 120))::VARCHAR || '号') END,
        '"source":' || to_json({sql_str(GENERATOR_NOTE)})
    ], x -> x IS NOT NULL), ',') || '}}' AS line0
    FROM c
)
SELECT *, CASE WHEN kind = 4 THEN left(line0, length(line0) // 2) ELSE line0 END AS line FROM d""")
    for i, name in enumerate(FILES):
        t0 = time.time()
        target = out / SOURCE / name
        dest = finisher.staging(target)
        copy_lines(con, f"SELECT line FROM pol_fmt WHERE file_no = {i} ORDER BY sk, rid", None, dest)
        finisher.finish(dest, target, gz=name.endswith(".gz"))
        log(f"  {SOURCE}/{name}: written ({time.time() - t0:.1f}s)")
    _record_truth(con)


def _record_truth(con) -> None:
    names = sql_list(f"{SOURCE}/{n}" for n in FILES)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE pol_pos AS
        SELECT file_no, kind, rule, region_txt, candidates, pub_txt, dt_txt, line, code, issuer,
            row_number() OVER (PARTITION BY file_no ORDER BY sk, rid) AS ln
        FROM pol_fmt""")
    con.execute(f"""INSERT INTO truth_files SELECT '{SOURCE}', {names}[file_no + 1], count(*), 0, count(*),
        count(*) FILTER (WHERE kind = 0), count(*) FILTER (WHERE kind > 0) FROM pol_pos GROUP BY file_no""")
    reason = "CASE kind " + " ".join(f"WHEN {k} THEN {sql_str(c)}" for k, (c, _) in BAD.items()) + " END"
    field = "CASE kind " + " ".join(f"WHEN {k} THEN {sql_str(f)}" for k, (_, f) in BAD.items()) + " END"
    con.execute(f"""INSERT INTO truth_rejected SELECT '{SOURCE}', {names}[file_no + 1], ln, {reason}, {field},
        CASE kind WHEN 1 THEN dt_txt WHEN 2 THEN pub_txt WHEN 3 THEN region_txt WHEN 5 THEN region_txt
                  ELSE left(line, 60) END, candidates
        FROM pol_pos WHERE kind > 0""")
    con.execute(f"""INSERT INTO truth_region_forms
        SELECT '{SOURCE}', region_txt, CASE rule WHEN 'issuer' THEN 'issuer ' || issuer ELSE '' END, code, rule,
            count(*)
        FROM pol_pos WHERE kind = 0 AND rule <> '' GROUP BY ALL""")
    con.execute("DROP TABLE pol_pos")
