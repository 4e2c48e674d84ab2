"""A name several regions share resolves from what the same row carries (contract: regions).

Every file is written here, so each expectation is read off the rows below:
- the registry: the USCC's administrative division code (characters 3-8);
- elsewhere: a parent region written with the name, or the issuer a policy names;
- English and pinyin names with or without their suffix;
- and only what stays ambiguous is rejected, its candidates in the reason.
"""

from __future__ import annotations

import json

from stdnum.cn import uscc as stdnum_uscc

from tests.ingest_helpers import Landing


def _uscc(division: str, serial: int) -> str:
    """A valid USCC of a firm registered in `division` (check characters by python-stdnum)."""
    code17 = f"91{division}{serial:08d}"[:16]
    org = code17[8:16]
    # the organisation code (GB 11714) carries its own check digit as the 17th character
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    total = sum(alphabet.index(c) * w for c, w in zip(org, weights))
    org_check = (11 - total % 11) % 11
    code17 += "X" if org_check == 10 else str(org_check)
    code = code17 + stdnum_uscc.calc_check_digit(code17)
    assert stdnum_uscc.is_valid(code), code
    return code


def _land(landing: Landing, source: str, name: str, text: str) -> None:
    target = landing.raw_dir / source / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


REGISTRY_HEADER = "uscc,name,region,registered_on,deregistered_on,registered_capital,business_scope"


def test_a_shared_registry_name_resolves_by_the_usccs_division_code(tmp_path):
    landing = Landing(tmp_path)
    rows = [
        (_uscc("440305", 1), "南山区"),    # 2 Shenzhen's 南山区: the same code
        (_uscc("440305", 2), "南山"),      # 3 without its suffix
        (_uscc("440305", 3), "Nanshan"),   # 4 English without its suffix word
        (_uscc("440306", 4), "南山区"),    # 5 another Shenzhen district: still Shenzhen's
        (_uscc("230404", 5), "南山区"),    # 6 Hegang's 南山区
        (_uscc("110105", 6), "朝阳"),      # 7 Beijing's 朝阳区, not Liaoning's 朝阳市
        (_uscc("211300", 7), "朝阳"),      # 8 Liaoning's 朝阳市
        (_uscc("330100", 8), "南山区"),    # 9 Hangzhou: neither 南山区 is its own: rejected
    ]
    lines = [REGISTRY_HEADER] + [f"{u},某某科技有限公司{i},{region},2018-01-01,,100万元,软件开发"
                                 for i, (u, region) in enumerate(rows)]
    _land(landing, "enterprises", "shared.csv", "\n".join(lines) + "\n")
    landing.ingest("enterprises")
    kept = landing.query("SELECT _line, region_code FROM raw.enterprises ORDER BY _line")
    assert kept == [(2, "440305"), (3, "440305"), (4, "440305"), (5, "440305"), (6, "230404"),
                    (7, "110105"), (8, "211300")]
    ((line, _, reason),) = [(line, raw, reason) for _, line, raw, reason in landing.rejected("enterprises")]
    assert line == 9 and "ambiguous" in reason and "230404" in reason and "440305" in reason


def test_names_written_with_their_parent_and_english_or_pinyin_without_suffix(tmp_path):
    landing = Landing(tmp_path)
    forms = ["深圳市南山区", "深圳南山区", "Shenzhen Nanshan", "广东省深圳市南山区",  # 2-5 -> 440305
             "Pudong", "Pudong New Area", "Pudongxinqu",                        # 6-8 -> 310115
             "Menglian Autonomous", "南山区"]                                      # 9 -> 530827, 10 rejected
    lines = ["region,indicator,period,value"] + [f"{f},population,{2000 + i},1" for i, f in enumerate(forms)]
    _land(landing, "indicators", "forms.csv", "\n".join(lines) + "\n")
    landing.ingest("indicators")
    kept = dict(landing.query("SELECT _line, region_code FROM raw.indicators"))
    assert kept == {2: "440305", 3: "440305", 4: "440305", 5: "440305",
                    6: "310115", 7: "310115", 8: "310115", 9: "530827"}
    assert [line for _, line, _, _ in landing.rejected("indicators")] == [10]


def test_a_policys_issuer_resolves_a_shared_name(tmp_path):
    landing = Landing(tmp_path)
    docs = [
        {"title": "甲", "issuer": "深圳市南山区人民政府", "region": "南山区", "published_on": "2023-01-01",
         "doc_type": "notice"},                                               # 1 -> Shenzhen's
        {"title": "乙", "issuer": "鹤岗市南山区人民政府", "region": "南山区", "published_on": "2023-01-02",
         "doc_type": "notice"},                                               # 2 -> Hegang's
        {"title": "丙", "issuer": "南山区人民政府", "region": "南山区", "published_on": "2023-01-03",
         "doc_type": "notice"},                                               # 3 names no region: rejected
    ]
    _land(landing, "policies", "issuers.jsonl", "\n".join(json.dumps(d, ensure_ascii=False) for d in docs) + "\n")
    landing.ingest("policies")
    assert landing.query("SELECT _line, region_code FROM raw.policies ORDER BY _line") == [(1, "440305"), (2, "230404")]
    ((_, line, _, reason),) = landing.rejected("policies")
    assert line == 3 and "ambiguous" in reason
