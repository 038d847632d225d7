"""The words the demo draws its names from, and the credit codes, names and addresses made of them.

Every name, code and mail domain comes out of one `Namer`, which remembers what it has handed
out so that no two organisations share one.
"""

import random

from stdnum.cn import uscc as uscc_std

from ..choices import District

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015: no I, O, Z, S, V

# district: Chinese name, administrative division code (the credit code's region), roads
DISTRICTS = {
    District.HUANGPU: ("黄浦区", "310101", ("南京东路", "西藏中路", "中山东二路")),
    District.XUHUI: ("徐汇区", "310104", ("漕溪北路", "龙华中路", "虹漕路")),
    District.CHANGNING: ("长宁区", "310105", ("延安西路", "仙霞路", "天山路")),
    District.JINGAN: ("静安区", "310106", ("南京西路", "共和新路", "江场西路")),
    District.PUTUO: ("普陀区", "310107", ("真北路", "金沙江路", "桃浦路")),
    District.HONGKOU: ("虹口区", "310109", ("东大名路", "四平路", "大连西路")),
    District.YANGPU: ("杨浦区", "310110", ("军工路", "杨树浦路", "国定路")),
    District.MINHANG: ("闵行区", "310112", ("剑川路", "沪闵路", "都会路")),
    District.BAOSHAN: ("宝山区", "310113", ("富锦路", "蕰川路", "宝杨路")),
    District.JIADING: ("嘉定区", "310114", ("墨玉路", "嘉松北路", "叶城路")),
    District.PUDONG: ("浦东新区", "310115", ("张江路", "杨高北路", "金海路", "洲海路")),
    District.JINSHAN: ("金山区", "310116", ("卫零路", "金一东路", "亭卫公路")),
    District.SONGJIANG: ("松江区", "310117", ("荣乐东路", "民益路", "九亭大街")),
    District.QINGPU: ("青浦区", "310118", ("华腾路", "外青松公路", "崧泽大道")),
    District.FENGXIAN: ("奉贤区", "310120", ("望园路", "浦卫公路", "两港大道")),
    District.CHONGMING: ("崇明区", "310151", ("潘园公路", "凤滨路", "陈海公路")),
}
# group: facility names, Chinese=English, separated by ";"
FACILITIES = {
    "petrochemical": "常减压蒸馏装置=Crude distillation unit;催化裂化装置=Catalytic cracker;乙烯裂解装置=Ethylene cracker;加氢裂化装置=Hydrocracker",
    "chemical": "合成装置=Synthesis unit;聚合装置=Polymerisation unit;精馏装置=Distillation unit;自备热电站=Captive power station",
    "data_centre": "A栋机房=Data hall A;B栋机房=Data hall B;C栋机房=Data hall C;D栋机房=Data hall D",
    "water_transport": "远洋船队=Ocean fleet;沿海船队=Coastal fleet;内河船队=Inland fleet;LNG运输船队=LNG carrier fleet",
    "public_institution": "主园区=Main campus;东园区=East campus;西园区=West campus;能源站=Energy centre",
    "other_industrial": "一号厂区=Plant No. 1;二号厂区=Plant No. 2;三号厂区=Plant No. 3;锅炉房=Boiler house",
    "non_industrial": "主楼=Main tower;裙楼=Podium;二期楼宇=Phase II building;能源中心=Energy centre",
}
# Two characters make a trade name (字号), each with its pinyin: 金 + 达 = 金达, Jinda.
TRADE_FIRST = (
    "金Jin 华Hua 申Shen 浦Pu 东Dong 宏Hong 鑫Xin 恒Heng 联Lian 海Hai 江Jiang 中Zhong 宝Bao 天Tian 长Chang 永Yong "
    "瑞Rui 嘉Jia 安An 远Yuan 明Ming 正Zheng 德De 康Kang 凯Kai 君Jun 亿Yi 汇Hui 博Bo 星Xing 青Qing 沪Hu 吴Wu "
    "淞Song 万Wan 光Guang 振Zhen 庆Qing 福Fu"
).split()
TRADE_SECOND = (
    "达da 源yuan 泰tai 盛sheng 通tong 宇yu 兴xing 丰feng 诚cheng 峰feng 力li 捷jie 润run 邦bang 科ke 鼎ding "
    "创chuang 辉hui 益yi 和he 隆long 祥xiang 弘hong 腾teng 川chuan 立li 成cheng"
).split()
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ["伟", "芳", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "秀英", "建国",
         "志刚", "晓东", "雪梅", "海燕", "文军", "佳怡", "子涵"]  # fmt: skip
POSITIONS = ["能源管理主管", "安全环保部经理", "碳排放管理专员", "设备动力部部长"]
AGENCY_KINDS = [
    ("碳核查技术服务", "Carbon Verification Services"),
    ("低碳科技", "Low Carbon Technology"),
    ("环境认证中心", "Environmental Certification Centre"),
    ("节能技术服务", "Energy Saving Services"),
    ("能源审计", "Energy Audit"),
]
_NOT_IN_DOMAIN = {"shanghai", "co", "ltd", "branch"}


def org_code(body: str) -> str:
    """A 9-character organisation code (GB 11714): 8 characters and their check character."""
    total = sum(int(c, 36) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def with_check(body: str) -> str:
    return body + uscc_std.calc_check_digit(body)


def make_uscc(rng: random.Random, *, kind: str, district: str) -> str:
    """GB 32100-2015: registering authority + entity type, region, organisation code, check."""
    return with_check(kind + DISTRICTS[district][1] + org_code("MA1" + "".join(rng.choices(_ALPHABET, k=5))))


class Namer:
    """Unique Chinese and English names, credit codes and mail domains."""

    def __init__(self, rng: random.Random):
        self.rng, self.names, self.codes, self.domains = rng, set(), set(), set()

    def trade(self) -> tuple[str, str]:
        first, second = self.rng.choice(TRADE_FIRST), self.rng.choice(TRADE_SECOND)
        return first[0] + second[0], first[1:] + second[1:]

    def name(self, build) -> tuple[str, str, str]:
        """`build(trade_zh, trade_en)` -> (zh, en); retried until both are unused."""
        for attempt in range(1000):
            zh, en = build(*self.trade())
            if attempt > 50:  # crowded (the large benchmark mode): a numbered branch
                n = self.rng.randint(2, 99)
                zh, en = f"{zh}第{n}分公司", f"{en}, Branch {n}"
            if zh not in self.names and en not in self.names:
                self.names.update((zh, en))
                return zh, en, self._domain(en)
        raise RuntimeError("ran out of demo names")

    def _domain(self, en: str) -> str:
        words = [w for w in en.lower().replace(",", "").replace(".", "").split() if w not in _NOT_IN_DOMAIN]
        slug = "-".join(words[:2])
        domain = f"{slug}.example.cn"
        n = 2
        while domain in self.domains:
            domain, n = f"{slug}{n}.example.cn", n + 1
        self.domains.add(domain)
        return domain

    def uscc(self, *, kind: str, district: str) -> str:
        while (code := make_uscc(self.rng, kind=kind, district=district)) in self.codes:
            pass
        self.codes.add(code)
        return code

    def address(self, district: str) -> str:
        zh, _, roads = DISTRICTS[district]
        return f"上海市{zh}{self.rng.choice(roads)}{self.rng.randint(1, 2999)}号"


def unit_name(code: str, word: tuple[str, str], district: str, rng: random.Random):
    """The `build` for `Namer.name`: a university, a district hospital, or a company."""
    if code == "P83":
        return lambda zh, en: (f"上海{zh}大学", f"Shanghai {en} University")
    if code == "Q84":
        d_zh = DISTRICTS[district][0]
        return lambda zh, en: (f"上海市{d_zh}{zh}医院", f"Shanghai {district.title()} {en} Hospital")
    form = "股份有限公司" if rng.random() < 0.2 else "有限公司"
    return lambda zh, en: (f"上海{zh}{word[0]}{form}", f"Shanghai {en} {word[1]} Co., Ltd.")
