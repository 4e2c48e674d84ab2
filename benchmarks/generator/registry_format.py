"""How a registry row is written: the views reg_base (choices, still numbers) and reg_fmt (text).

reg_base fixes, per line, the choices the line-number bookkeeping needs without
formatting anything: its file, its sort key, which kind of region form it carries,
how many line breaks its business scope holds (nl) and how many blank lines precede
it (pre). A record then takes pre + 1 + nl physical lines.
"""

from __future__ import annotations

from dataclasses import dataclass

from benchmarks.generator.plan import Plan
from benchmarks.generator.seeds import Seeds
from benchmarks.generator.sql import CRLF, EOL, LF, sql_int_list, sql_list
from benchmarks.generator.words import BAD_CAPITALS, FOREIGN_WAN, GIVEN, SCOPE_SEPARATORS, SURNAMES, WAN, Words

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
REGISTRY_FIELDS = ("uscc", "name", "region", "registered_on", "deregistered_on", "registered_capital",
                   "business_scope")
# The contract's Chinese column names (shared/contract/raw-sources.md) and a Title-case variant.
HEADER_ZH = {"uscc": "统一社会信用代码", "name": "企业名称", "region": "所在地区", "registered_on": "成立日期",
             "deregistered_on": "注销日期", "registered_capital": "注册资本", "business_scope": "经营范围",
             "legal_representative": "法定代表人"}
HEADER_TITLE = {"uscc": "USCC", "name": "Name", "region": "Region", "registered_on": "Registered_On",
                "deregistered_on": "Deregistered_On", "registered_capital": "Registered_Capital",
                "business_scope": "Business_Scope", "legal_representative": "Legal_Representative"}


@dataclass(frozen=True)
class RegistryFile:
    name: str
    share: int  # per mille of the registry rows
    header: str  # en / zh / title
    columns: tuple[str, ...]
    date_form: int | None  # dominant date form (0 2017-12-29, 1 2017/12/29, 2 2017.12.29, 3 2017年12月29日)
    gzip: bool = False
    encoding: str = "utf-8"  # utf-8, utf-8-sig, gb18030
    crlf: bool = False

    def header_line(self) -> str:
        names = {"en": {c: c for c in self.columns}, "zh": HEADER_ZH, "title": HEADER_TITLE}[self.header]
        return ",".join(names[c] for c in self.columns)


NATIONAL_FILES = (
    RegistryFile("synthetic_registry_part1.csv", 260, "en", REGISTRY_FIELDS, 0),
    RegistryFile("synthetic_registry_part2.csv.gz", 250, "zh",
                 ("name", "uscc", "region", "registered_on", "registered_capital", "business_scope", "deregistered_on"),
                 3, gzip=True),
    RegistryFile("synthetic_registry_part3.csv.gz", 220, "en",
                 ("name", "uscc", "legal_representative", "registered_capital", "registered_on", "deregistered_on",
                  "region", "business_scope"), 1, gzip=True),
    RegistryFile("synthetic_registry_part4_bom.csv", 170, "zh",
                 ("uscc", "name", "registered_on", "deregistered_on", "region", "registered_capital", "business_scope"),
                 2, encoding="utf-8-sig"),
    RegistryFile("synthetic_registry_part5_gb18030_crlf.csv", 40, "zh",
                 ("uscc", "name", "region", "registered_capital", "registered_on", "deregistered_on", "business_scope"),
                 3, encoding="gb18030", crlf=True),
    RegistryFile("synthetic_registry_part6.csv", 60, "title",
                 ("region", "uscc", "name", "business_scope", "registered_capital", "registered_on", "deregistered_on"),
                 None),
)
SAMPLE_FILE = RegistryFile("synthetic_registry_sample.csv.gz", 1000, "en", REGISTRY_FIELDS, None, gzip=True)
INCREMENT_FILE = RegistryFile("synthetic_registry_increment.csv", 1000, "en", REGISTRY_FIELDS, 0)


def _weighted(first: str, rest: list[str], first_weight: int) -> list[str]:
    return [first] * first_weight + rest


def create_views(con, plan: Plan, seeds: Seeds, words: Words, files: tuple[RegistryFile, ...],
                 per_authority: bool = False) -> None:
    """per_authority (the shipped sample): each region's registration authority numbers organisation codes in
    order of first registration, as new-style codes are issued, and writes dates and business-scope separators
    its own way (most of the time), so a file ordered by USCC reads in registration order and compresses
    well. Otherwise organisation codes are a bijection of the enterprise key and every row picks its forms."""
    if per_authority:
        con.execute("""CREATE OR REPLACE TABLE ek_org AS
            SELECT ek, (1000000 + u(min(ridx), 61, 9000000) + row_number() OVER (
                PARTITION BY min(ridx) ORDER BY min(reg), ek)) % 100000000 AS org
            FROM ent GROUP BY ek""")
    org = "o.org" if per_authority else f"(e.ek * 48271 + {(plan.seed * 7_654_321 + 12_345) % 100_000_000}) % 100000000"
    join = "JOIN ek_org o ON o.ek = e.ek" if per_authority else ""
    style = "CASE WHEN u(id, 50, 100) < 85 THEN ridx ELSE id END" if per_authority else "id"
    shares = [f.share for f in files]
    assert sum(shares) == 1000
    cuts, acc = [], 0
    for i, s in enumerate(shares[:-1]):
        acc += s
        cuts.append(f"WHEN u(e.id, 60, 1000) < {acc} THEN {i}")
    file_no = ("CASE " + " ".join(cuts) + f" ELSE {len(shares) - 1} END") if len(files) > 1 else "0"
    mess = plan.mess
    blank = f"CASE WHEN u(e.id, 73, {mess.blank_every}) = 0 THEN 1 + (u(e.id, 74, 10) = 0)::INTEGER ELSE 0 END" \
        if mess.blank_every else "0"
    con.execute(f"""
CREATE OR REPLACE VIEW reg_base AS
SELECT e.*, rg.code, rg.city_short, rg.admin_sum, rg.forms, rg.uscc_forms, rg.unk_forms, rg.amb_forms, rg.amb_cands,
    {file_no} AS file_no,
    hash(e.id, 99, {plan.seed}) AS sk,
    {org} AS org,
    u(e.ek, 23, 3) AS mode,
    u(e.ek, 26, {len(words.trades)}) AS trade,
    u(e.ek, 25, 100) < 20 AS techlike,
    CASE WHEN e.bad = 4 THEN 2 WHEN e.bad = 5 THEN 3
         WHEN e.bad = 0 AND len(rg.uscc_forms) > 0 AND u(e.id, 37, 1000) < {mess.shared_forms} THEN 1
         ELSE 0 END AS fk,
    e.bad = 6 OR (NOT e.ai AND u(e.id, 44, 100) < 3) AS scope_null,
    CASE WHEN e.bad IN (6, 9) OR (NOT e.ai AND u(e.id, 44, 100) < 3) THEN 0
         WHEN u(e.id, 71, 1000) < {mess.multiline} THEN 1 + (u(e.id, 72, 4) = 0)::INTEGER ELSE 0 END AS nl,
    {blank} AS pre
FROM ent e JOIN rg ON rg.ridx = e.ridx {join}""")
    dom = sql_int_list(-1 if f.date_form is None else f.date_form for f in files)
    trade_off, trade_len, prefixes = [], [], []
    for _, items in words.trades:  # every prefix of every trade's items, pre-joined with each separator
        trade_off.append(len(prefixes))
        trade_len.append(len(items))
        prefixes += [items[:k] for k in range(1, len(items) + 1)]
    trade_scopes = [sep.join(p) for sep in SCOPE_SEPARATORS for p in prefixes]
    n_ai, n_tech = len(words.ai_scope_items), len(words.tech_scope_items)
    cny = seeds.units_of("money", "CNY")
    foreign = [u for c in seeds.currencies() if c != "CNY" for u in seeds.units_of("money", c)]
    usd = seeds.units_of("money", "USD")
    clauses = words.scope_clauses
    con.execute(f"""
CREATE OR REPLACE VIEW reg_fmt AS
WITH a AS (
    SELECT *,
        CASE WHEN {dom}[file_no + 1] >= 0 AND u(id, 51, 100) < 60 THEN {dom}[file_no + 1]
             ELSE u({style}, 52, 4) END AS df,
        org // 10000000 AS o1, org // 1000000 % 10 AS o2, org // 100000 % 10 AS o3, org // 10000 % 10 AS o4,
        org // 1000 % 10 AS o5, org // 100 % 10 AS o6, org // 10 % 10 AS o7, org % 10 AS o8,
        u(id, 27, {n_ai}) AS ai1, u(id, 28, {n_ai - 1}) AS ai2, u(id, 29, {n_tech}) AS te1, u(id, 30, {n_tech - 1}) AS te2,
        CASE WHEN u(id, 75, 4) = 0 THEN '{CRLF}' ELSE '{LF}' END AS brk
    FROM reg_base
), b AS (
    SELECT *, 11 - (3 * o1 + 7 * o2 + 9 * o3 + 10 * o4 + 5 * o5 + 8 * o6 + 4 * o7 + 2 * o8) % 11 AS oc,
        {sql_list(words.ai_scope_items)}[1 + ai1] AS ai_a,
        {sql_list(words.ai_scope_items)}[1 + (ai1 + 1 + ai2) % {n_ai}] AS ai_b,
        {sql_list(words.tech_scope_items)}[1 + te1] AS te_a,
        {sql_list(words.tech_scope_items)}[1 + (te1 + 1 + te2) % {n_tech}] AS te_b
    FROM a
), c AS (
    SELECT *,
        admin_sum + 20 * o1 + 29 * o2 + 25 * o3 + 13 * o4 + 8 * o5 + 24 * o6 + 10 * o7 + 30 * o8
            + 28 * CASE oc WHEN 10 THEN 29 WHEN 11 THEN 0 ELSE oc END AS usum,
        u({style}, 33, {len(SCOPE_SEPARATORS)}) AS sep_i,
        {sql_list(SCOPE_SEPARATORS)}[1 + u({style}, 33, {len(SCOPE_SEPARATORS)})] AS sep,
        pick({sql_int_list(WAN)}, u(id, 34, {len(WAN)})) AS wan,
        u(id, 35, 100) AS cf,
        u(id, 36, 1000003) AS fi
    FROM b
)
SELECT id, ek, file_no, sk, seg, ai, bad, reg, dereg, nl, pre, fk, code,
    '91' || code || lpad(org::VARCHAR, 8, '0') || CASE oc WHEN 10 THEN 'X' WHEN 11 THEN '0' ELSE oc::VARCHAR END
        || substr('{USCC_ALPHABET}',
                  1 + CASE WHEN bad = 1 THEN ((31 - usum % 31) % 31 + 1 + u(id, 41, 30)) % 31
                           ELSE (31 - usum % 31) % 31 END, 1) AS uscc,
    city_short || pick({sql_list(words.brands)}, u(ek, 21, {len(words.brands)}))
        || pick({sql_list(words.brands)}, u(ek, 22, {len(words.brands)}))
        || CASE WHEN ai AND mode <> 1 THEN pick({sql_list(words.ai_name_tails)}, u(ek, 24, {len(words.ai_name_tails)}))
                WHEN ai OR techlike THEN pick({sql_list(words.tech_name_tails)}, u(ek, 24, {len(words.tech_name_tails)}))
                ELSE {sql_list(t for t, _ in words.trades)}[trade + 1] END AS name,
    CASE fk WHEN 0 THEN forms[1 + fi % len(forms)] WHEN 1 THEN uscc_forms[1 + fi % len(uscc_forms)]
            WHEN 2 THEN unk_forms[1 + fi % len(unk_forms)] ELSE amb_forms[1 + fi % len(amb_forms)] END AS region,
    CASE WHEN fk = 3 THEN amb_cands[1 + fi % len(amb_cands)] END AS candidates,
    CASE WHEN bad = 2 THEN CASE u(id, 37, 3)
                WHEN 0 THEN year(reg)::VARCHAR || '-02-30'
                WHEN 1 THEN strftime(reg, '%d.%m.%Y')
                ELSE year(reg)::VARCHAR || '年13月' || day(reg)::VARCHAR || '日' END
         ELSE fdate(reg, df) END AS registered_on,
    CASE WHEN bad = 3 THEN pick(['无', '-', '已注销', '2021-02-30', '2019/04/31'], u(id, 38, 5))
         WHEN bad = 8 THEN fdate(reg - (1 + u(id, 39, 1000))::INTEGER, df)
         ELSE fdate(dereg, df) END AS deregistered_on,
    CASE WHEN bad = 7 THEN pick({sql_list(BAD_CAPITALS)}, u(id, 42, {len(BAD_CAPITALS)}))
         WHEN cf < 4 THEN NULL
         WHEN cf < 6 THEN pick({sql_int_list(FOREIGN_WAN)}, u(id, 43, {len(FOREIGN_WAN)}))::VARCHAR || '万'
                          || pick({sql_list(usd)}, u(id, 46, {len(usd)}))
         WHEN cf < 7 THEN pick({sql_int_list(FOREIGN_WAN)}, u(id, 43, {len(FOREIGN_WAN)}))::VARCHAR || '万'
                          || pick({sql_list(foreign)}, u(id, 46, {len(foreign)}))
         WHEN cf < 10 THEN translate(wan::VARCHAR || '万' || {sql_list(cny)}[1], '0123456789', '０１２３４５６７８９')
         WHEN cf < 35 THEN CASE WHEN wan >= 1000 THEN (wan // 1000)::VARCHAR || ',' || lpad((wan % 1000)::VARCHAR, 3, '0')
                                ELSE wan::VARCHAR END || '万' || {sql_list(cny)}[1]
         ELSE wan::VARCHAR || '万' || pick({sql_list(_weighted(cny[0], cny, 4))}, u(id, 47, {len(cny) + 4})) END
        AS registered_capital,
    CASE WHEN scope_null THEN NULL
         ELSE CASE WHEN ai AND mode <> 0 THEN CASE u(id, 31, 4) WHEN 0 THEN ai_a || sep || ai_b
                                                   WHEN 1 THEN ai_a ELSE ai_a || sep || te_a END
                   WHEN ai OR techlike THEN CASE WHEN u(id, 31, 2) = 0 THEN te_a ELSE te_a || sep || te_b END
                   ELSE {sql_list(trade_scopes)}[1 + sep_i * {len(prefixes)} + {sql_int_list(trade_off)}[trade + 1]
                                                 + u(id, 32, {sql_int_list(trade_len)}[trade + 1])]
              END || CASE WHEN sep_i < 2 THEN '。' ELSE '' END
              || CASE nl WHEN 0 THEN '' WHEN 1 THEN brk || {sql_list(clauses)}[1 + u(id, 76, {len(clauses)})]
                         ELSE brk || {sql_list(clauses)}[1 + u(id, 76, {len(clauses)})] || brk
                              || {sql_list(clauses)}[1 + (u(id, 76, {len(clauses)}) + 1) % {len(clauses)}] END
         END AS business_scope,
    CASE WHEN bad = 6 THEN CASE WHEN ai THEN ai_a ELSE te_b END || ',' || te_a || ',其他' END AS scope_unquoted,
    pick({sql_list(SURNAMES)}, u(ek, 45, {len(SURNAMES)})) || pick({sql_list(GIVEN)}, u(ek, 48, {len(GIVEN)}))
        || CASE WHEN u(ek, 47, 3) > 0 THEN pick({sql_list(GIVEN)}, u(ek, 49, {len(GIVEN)})) ELSE '' END
        AS legal_representative
FROM c""")


def line_sql(f: RegistryFile) -> str:
    """One record's text: its blank lines, then the fields (a semicolon-separated line for bad = 9)."""
    parts, plain = [], []
    for c in f.columns:
        parts.append("CASE WHEN bad = 6 THEN scope_unquoted ELSE q(business_scope) END" if c == "business_scope"
                     else f"q({c})")
        plain.append(f"replace(coalesce({c}, ''), ',', '')")
    return (f"repeat('{EOL}', pre) || CASE WHEN bad = 9 THEN {' || '.join(_join(plain, ';'))} "
            f"ELSE {' || '.join(_join(parts, ','))} END")


def _join(exprs: list[str], sep: str) -> list[str]:
    out = []
    for i, e in enumerate(exprs):
        if i:
            out.append(f"'{sep}'")
        out.append(e)
    return out
