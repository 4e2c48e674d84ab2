"""Made-up words: enterprise names, business scopes, people, policy titles, project names.

AI-related names and scope items are built around the keywords of ai_keywords.csv
(every keyword is used); everything meant to be non-AI is filler that must contain no
keyword. `Words.build` drops any filler a keyword would match (so a longer keyword
seed can never turn a non-AI row into an AI one) and any brand character a keyword
uses (so no keyword can span a brand and its neighbours).
"""

from __future__ import annotations

from dataclasses import dataclass

from benchmarks.generator.seeds import Seeds

BRAND_CANDIDATES = "星蓝青澄远海聚启明华恒博新鼎长锦瑞嘉和河鲸禾朗帆行川源航德章通雅桥盛风程丰光岚峰泰宇辰安达鑫昊润诚卓越腾凯宏捷鸿骏"
AI_NAME_PATTERNS = ("{k}科技有限公司", "{k}技术有限公司", "{k}研究院有限公司")
AI_SCOPE_PATTERNS = ("{k}技术开发", "{k}应用软件开发", "{k}技术服务", "{k}产品销售", "{k}系统集成")
TECH_NAME_TAILS = ("科技有限公司", "信息技术有限公司", "网络科技有限公司", "软件有限公司", "数据科技有限公司",
                   "智能科技有限公司", "数字技术有限公司", "智慧科技有限公司", "云计算有限公司", "电子科技有限公司")
TECH_SCOPE_ITEMS = ("技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广", "软件开发", "信息系统集成服务",
                    "数据处理服务", "计算机软硬件及辅助设备零售", "物联网技术服务", "云计算装备技术服务",
                    "智能家居消费设备销售", "大数据服务", "集成电路设计", "网络技术服务", "信息技术咨询服务",
                    "工业互联网数据服务", "工业机器人制造", "服务消费机器人销售", "图像处理软件开发",
                    "数字内容制作服务(不含出版发行)")
TRADES = (
    ("餐饮管理有限公司", ("餐饮服务", "食品销售", "餐饮管理", "食品互联网销售")),
    ("服装有限公司", ("服装制造", "服装服饰批发", "服装服饰零售", "鞋帽零售")),
    ("物流有限公司", ("道路货物运输(不含危险货物)", "普通货物仓储服务", "国内货物运输代理", "装卸搬运")),
    ("建材有限公司", ("建筑材料销售", "五金产品零售", "水泥制品销售", "轻质建筑材料制造")),
    ("家政服务有限公司", ("家政服务", "养老服务", "洗烫服务", "家用电器安装服务")),
    ("印刷有限公司", ("包装装潢印刷品印刷", "文具用品零售", "办公用品销售")),
    ("农业发展有限公司", ("蔬菜种植", "水果种植", "农产品的生产、销售、加工、运输、贮藏", "农业机械服务")),
    ("酒店管理有限公司", ("酒店管理", "住宿服务", "会议及展览服务", "停车场服务")),
    ("装饰工程有限公司", ("住宅室内装饰装修", "建筑装饰材料销售", "园林绿化工程施工")),
    ("商贸有限公司", ("日用百货销售", "针纺织品销售", "化妆品零售", "礼品花卉销售", "互联网销售(除销售需要许可的商品)")),
    ("汽车服务有限公司", ("机动车修理和维护", "汽车零配件零售", "洗车服务", "二手车经纪")),
    ("医疗器械有限公司", ("第一类医疗器械销售", "第二类医疗器械销售", "医护人员防护用品零售")),
    ("文化传媒有限公司", ("组织文化艺术交流活动", "广告设计、代理", "广告制作", "会议及展览服务")),
    ("教育咨询有限公司", ("教育咨询服务(不含涉许可审批的教育培训活动)", "业务培训(不含教育培训、职业技能培训等需取得许可的培训)")),
    ("环保科技有限公司", ("环境保护专用设备销售", "固体废物治理", "水污染治理", "大气污染治理")),
    ("电子商务有限公司", ("互联网销售(除销售需要许可的商品)", "日用品销售", "电子产品销售")),
)
# Registry exports put these on lines of their own inside the quoted business scope.
SCOPE_CLAUSES = ("(依法须经批准的项目，经相关部门批准后方可开展经营活动)", "许可项目：第二类增值电信业务。",
                 "一般项目：以自有资金从事投资活动。")
SCOPE_SEPARATORS = ("；", "；", ";", "、", ",", "，")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉宁欣悦晨浩宇轩然子涵睿博雅婷俊峰"
WAN = (10, 30, 50, 100, 100, 200, 300, 500, 500, 800, 1000, 1000, 1500, 2000, 3000, 5000, 10000)
FOREIGN_WAN = (50, 100, 200, 500, 1000)
BAD_CAPITALS = ("五百万元", "面议", "待定")  # present but no amount: rejected

POLICY_TOPICS = ("人工智能产业发展", "新一代人工智能创新发展", "算力基础设施高质量发展", "数据要素市场化配置改革",
                 "通用人工智能产业创新", "大模型创新应用", "智能网联汽车产业发展", "数字经济高质量发展",
                 "人工智能赋能新型工业化", "智能机器人产业发展", "公共数据开放利用", "算力券发放使用",
                 "人工智能人才引育", "人工智能+行动", "智慧城市建设", "元宇宙产业创新")
TITLE_PATTERNS = {  # per doc type: {p} issuing region, {t} topic, {y} year
    "plan": ("{p}{t}发展规划", "{p}加快{t}行动计划", "{p}{t}三年行动方案", "{p}{t}专项规划"),
    "measures": ("{p}关于促进{t}的若干措施", "{p}支持{t}的若干政策措施", "{p}{t}专项资金管理办法", "{p}推动{t}的实施细则"),
    "regulation": ("{p}{t}促进条例", "{p}数字经济促进条例({y}年修订)"),
    "notice": ("关于开展{y}年度{t}项目申报工作的通知", "关于公布{y}年{t}示范项目名单的通知", "关于印发{p}{t}工作方案的通知"),
    "speech": ("{p}主要负责同志在{y}年{t}推进大会上的讲话", "{p}分管负责同志在{t}专题座谈会上的讲话"),
    "agreement": ("{p}与科技企业{t}战略合作协议", "{p}{t}区域合作框架协议"),
    "other": ("{p}{y}年{t}工作要点", "{p}{t}发展白皮书({y})"),
}
ISSUER_ORGANS = {
    "national": ("国务院", "国务院办公厅", "国家发展和改革委员会", "科学技术部", "工业和信息化部", "国家互联网信息办公室",
                 "国家数据局"),
    "province": ("人民政府", "人民政府办公厅", "发展和改革委员会", "科学技术厅", "工业和信息化厅", "大数据管理局"),
    "city": ("人民政府", "人民政府办公室", "发展和改革委员会", "科学技术局", "工业和信息化局", "数据资源管理局"),
    "district": ("人民政府", "科技和工业信息化局", "发展和改革局", "投资促进局"),
}
TOPIC_CODES = ("ai", "data", "compute", "robotics", "autonomous_driving", "talent", "finance", "industry")
BAD_DOC_TYPES = ("意见", "批复", "函")
BAD_EVENTS = ("规划中", "暂停", "planned")
COMPUTE_KINDS = ("智算中心", "算力中心", "超算中心", "数据中心", "人工智能计算中心", "算力调度中心")
CAPACITY_P = (50, 100, 200, 300, 500, 800, 1000, 1000, 2000, 3000, 5000, 10000)
OPERATOR_TAILS = ("算力运营有限公司", "城市投资集团有限公司", "数字产业集团有限公司", "大数据集团有限公司")


@dataclass(frozen=True)
class Words:
    brands: tuple[str, ...]
    ai_name_tails: tuple[str, ...]
    ai_scope_items: tuple[str, ...]
    tech_name_tails: tuple[str, ...]
    tech_scope_items: tuple[str, ...]
    trades: tuple[tuple[str, tuple[str, ...]], ...]
    scope_clauses: tuple[str, ...]

    @classmethod
    def build(cls, seeds: Seeds) -> "Words":
        keywords = [k.lower() for k in seeds.keywords]
        kw_chars = set("".join(keywords))

        def clean(texts) -> tuple[str, ...]:
            kept = tuple(t for t in texts if not any(k in t.lower() for k in keywords))
            assert kept, f"every filler word of {texts[:2]}... contains an AI keyword"
            return kept

        assert not any(c in kw_chars for c in "".join(SCOPE_SEPARATORS) + "。\x02\x03"), \
            "an AI keyword uses a scope separator: the generator cannot keep keywords inside one item"
        trades = tuple((tail, clean(items)) for tail, items in TRADES if not any(k in tail.lower() for k in keywords))
        words = cls(
            brands=tuple(c for c in BRAND_CANDIDATES if c.lower() not in kw_chars),
            ai_name_tails=tuple(p.format(k=k) for k in seeds.keywords for p in AI_NAME_PATTERNS),
            ai_scope_items=tuple(p.format(k=k) for k in seeds.keywords for p in AI_SCOPE_PATTERNS),
            tech_name_tails=clean(TECH_NAME_TAILS),
            tech_scope_items=clean(TECH_SCOPE_ITEMS),
            trades=trades,
            scope_clauses=clean(SCOPE_CLAUSES),
        )
        assert len(words.brands) >= 20 and words.trades and len(words.tech_scope_items) >= 2
        for r in seeds.regions.values():
            assert not seeds.is_ai(r.short), f"region name {r.short} contains an AI keyword: names would all be AI"
        return words
