"""Demo data: a deterministic, Shanghai-like registry to try the portal on and to benchmark it.

`build_plan()` is pure: the same units and seed always give the same organisations, credit
codes and emissions, with no database involved. `seed_demo()` writes a plan through the
registry's services (each act audited, as in production) and then runs the annual list
workflow the way the bureau would: alice compiles and submits, bob approves and publishes.
"""

import functools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.hashers import make_password
from django.db import transaction
from stdnum.cn import uscc as uscc_std

from carbon_portal import audit
from carbon_portal.models import BackgroundJob, User
from carbon_portal.roles import Role

from . import services
from .choices import District, EmissionSource, ListStatus, OrganisationType
from .models import Contact, EmissionRecord, Facility, Industry, Membership, Organisation, RegulatedList
from .reference import INDUSTRIES
from .selectors import list_counts
from .validators import validate_uscc

YEARS = (2023, 2024, 2025)
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
_URBAN = "huangpu:3 jingan:3 xuhui:2 changning:2 pudong:3 hongkou:1 putuo:1 yangpu:1 minhang:1"
_SUBURBAN = "jiading:2 songjiang:2 qingpu:2 minhang:2 baoshan:2 pudong:2 fengxian:2 jinshan:1 chongming:1 putuo:1"
_CHEMICAL = "jinshan:4 fengxian:4 pudong:1 baoshan:1 minhang:1 jiading:1 songjiang:1 qingpu:1"

# industry code: share of units, district weights, Chinese and English trade words, how many
# times the regulated threshold its largest emitters reach (a Pareto tail, capped)
PROFILES = {
    "C25": (2, "jinshan:5 fengxian:2 pudong:2", [("石油化工", "Petrochemical"), ("炼化", "Refining")], 300),
    "C26": (12, _CHEMICAL, [("化工", "Chemical"), ("精细化工", "Fine Chemicals"), ("新材料", "New Materials")], 60),
    "C28": (3, _CHEMICAL, [("化纤", "Chemical Fibre"), ("合成纤维", "Synthetic Fibre")], 20),
    "I65DC": (
        7,
        "pudong:3 baoshan:2 jiading:2 qingpu:2 songjiang:2 minhang:1 yangpu:1",
        [("数据科技", "Data Technology"), ("云计算", "Cloud Computing"), ("智算", "Intelligent Computing")],
        15,
    ),
    "G55": (3, "pudong:3 hongkou:2 baoshan:2 yangpu:1 huangpu:1 chongming:1", [("航运", "Shipping")], 10),
    "P83": (2, "yangpu:3 xuhui:2 minhang:2 songjiang:2 pudong:1 putuo:1 baoshan:1", [], 8),
    "Q84": (3, _URBAN + " " + _SUBURBAN, [], 4),
    "C31": (3, "baoshan:6 pudong:1 minhang:1", [("钢铁", "Iron and Steel"), ("特钢", "Special Steel")], 500),
    "C32": (3, _SUBURBAN, [("有色金属", "Non-ferrous Metals"), ("铝业", "Aluminium")], 20),
    "C30": (5, _SUBURBAN, [("建材", "Building Materials"), ("水泥", "Cement"), ("玻璃", "Glass")], 30),
    "C22": (3, _SUBURBAN, [("纸业", "Paper")], 15),
    "C17": (4, _SUBURBAN, [("纺织", "Textile"), ("印染", "Dyeing and Printing")], 8),
    "C29": (5, _SUBURBAN, [("塑胶", "Plastics"), ("橡胶", "Rubber")], 8),
    "C36": (6, "jiading:5 pudong:2 minhang:1", [("汽车零部件", "Auto Parts"), ("汽车", "Automotive")], 15),
    "C39": (
        8,
        "pudong:3 songjiang:3 minhang:2 qingpu:1 jiading:1",
        [("电子", "Electronics"), ("半导体", "Semiconductor")],
        20,
    ),
    "D44": (
        5,
        "pudong:2 baoshan:2 minhang:2 jinshan:1 fengxian:1 chongming:1 yangpu:1",
        [("热电", "Thermal Power"), ("能源", "Energy")],
        300,
    ),
    "G56": (2, "pudong:2 changning:2 minhang:1", [("航空", "Airlines"), ("航空服务", "Aviation Services")], 40),
    "G5531": (2, "pudong:3 baoshan:2 chongming:1", [("港务", "Port"), ("集装箱码头", "Container Terminal")], 15),
    "K70": (9, _URBAN, [("置业", "Properties"), ("商业管理", "Commercial Management")], 6),
    "H61": (5, _URBAN, [("大酒店", "Grand Hotel"), ("酒店管理", "Hotel Management")], 4),
    "J66": (4, _URBAN, [("金融大厦", "Financial Tower")], 4),
    "F52": (4, _URBAN, [("百货", "Department Store"), ("商贸", "Trading")], 4),
}
GROUP_OF = {code: group for code, _, _, group in INDUSTRIES}
# Where a unit can sit anywhere: used to make sure every district has at least one unit.
FOOTLOOSE = ("K70", "H61", "F52", "Q84", "C39", "C29")

# group: 2026 regulated threshold, reporting threshold, chance of regulated / reporting size
GROUP_SIZES = {
    "petrochemical": (10000, 5000, 0.85, 0.1),
    "chemical": (10000, 5000, 0.62, 0.2),
    "data_centre": (10000, 5000, 0.6, 0.25),
    "water_transport": (80000, 10000, 0.5, 0.3),
    "public_institution": (10000, 5000, 0.45, 0.3),
    "other_industrial": (20000, 5000, 0.5, 0.2),
    "non_industrial": (10000, 5000, 0.45, 0.22),
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


@dataclass(frozen=True)
class FacilityPlan:
    code: str
    name_zh: str
    name_en: str
    district: str
    address: str


@dataclass(frozen=True)
class ContactPlan:
    name: str
    position: str
    phone: str
    email: str


@dataclass(frozen=True)
class OrgPlan:
    uscc: str
    name_zh: str
    name_en: str
    org_type: str
    industry_code: str | None
    district: str
    address: str
    domain: str
    contact: ContactPlan
    facilities: tuple[FacilityPlan, ...] = ()
    emissions: tuple[tuple[int, Decimal], ...] = ()  # (year, tCO2e)
    size: str = ""  # regulated, reporting or small: the size drawn for the 2026 criteria


@dataclass
class Plan:
    units: list[OrgPlan]
    agencies: list[OrgPlan]
    implementing_entity: OrgPlan
    merchant: OrgPlan
    carol_unit: OrgPlan = field(init=False)
    erin_unit: OrgPlan = field(init=False)

    def __post_init__(self):
        regulated = [u for u in self.units if u.size == "regulated" and u.org_type == OrganisationType.ENTERPRISE]
        chemical = [u for u in regulated if u.industry_code == "C26"] or regulated
        self.carol_unit = chemical[0]
        self.erin_unit = next(u for u in regulated if u.industry_code != self.carol_unit.industry_code)


def _weights(spec: str) -> tuple[list[str], list[int]]:
    pairs = [item.split(":") for item in spec.split()]
    return [d for d, _ in pairs], [int(w) for _, w in pairs]


def _org_code(body: str) -> str:
    """A 9-character organisation code (GB 11714): 8 characters and their check character."""
    total = sum(int(c, 36) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def _with_check(body: str) -> str:
    return body + uscc_std.calc_check_digit(body)


def make_uscc(rng: random.Random, *, kind: str, district: str) -> str:
    """GB 32100-2015: registering authority + entity type, region, organisation code, check."""
    return _with_check(kind + DISTRICTS[district][1] + _org_code("MA1" + "".join(rng.choices(_ALPHABET, k=5))))


_NOT_IN_DOMAIN = {"shanghai", "co", "ltd", "branch"}


class _Namer:
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
                words = [w for w in en.lower().replace(",", "").replace(".", "").split() if w not in _NOT_IN_DOMAIN]
                slug = "-".join(words[:2])
                domain = f"{slug}.example.cn"
                n = 2
                while domain in self.domains:
                    domain, n = f"{slug}{n}.example.cn", n + 1
                self.domains.add(domain)
                return zh, en, domain
        raise RuntimeError("ran out of demo names")

    def uscc(self, *, kind: str, district: str) -> str:
        while (code := make_uscc(self.rng, kind=kind, district=district)) in self.codes:
            pass
        self.codes.add(code)
        return code

    def address(self, district: str) -> str:
        zh, _, roads = DISTRICTS[district]
        return f"上海市{zh}{self.rng.choice(roads)}{self.rng.randint(1, 2999)}号"

    def contact(self, domain: str) -> ContactPlan:
        rng = self.rng
        return ContactPlan(
            name=rng.choice(SURNAMES) + rng.choice(GIVEN),
            position=rng.choice(POSITIONS),
            phone=f"021-{rng.choice('3456')}{rng.randint(0, 9999999):07d}",
            email=f"{rng.choice(['carbon', 'energy', 'ehs'])}@{domain}",
        )


def _unit_name(code: str, word: tuple[str, str], district: str, rng: random.Random):
    if code == "P83":
        return lambda zh, en: (f"上海{zh}大学", f"Shanghai {en} University")
    if code == "Q84":
        d_zh = DISTRICTS[district][0]
        return lambda zh, en: (f"上海市{d_zh}{zh}医院", f"Shanghai {district.title()} {en} Hospital")
    form = "股份有限公司" if rng.random() < 0.2 else "有限公司"
    return lambda zh, en: (f"上海{zh}{word[0]}{form}", f"Shanghai {en} {word[1]} Co., Ltd.")


def _emissions(rng: random.Random, code: str, group: str) -> tuple[str, tuple[tuple[int, Decimal], ...]]:
    """Sizes drawn against the 2026 criteria; the years vary by a few per cent around 2025."""
    regulated, reporting, p_regulated, p_reporting = GROUP_SIZES[group]
    draw = rng.random()
    if draw < p_regulated:
        size, tonnes = "regulated", regulated * min(1.15 * rng.paretovariate(1.1), PROFILES[code][3])
    elif draw < p_regulated + p_reporting:
        size, tonnes = "reporting", rng.uniform(reporting * 1.05, regulated * 0.85)
    else:
        size, tonnes = "small", rng.uniform(600, reporting * 0.85)
    by_year = {2025: tonnes}
    by_year[2024] = tonnes * rng.uniform(0.93, 1.07)
    by_year[2023] = by_year[2024] * rng.uniform(0.93, 1.07)
    return size, tuple((y, Decimal(f"{by_year[y]:.3f}")) for y in YEARS)


def _unit(namer: _Namer, code: str, district: str) -> OrgPlan:
    rng = namer.rng
    group = GROUP_OF[code]
    words = PROFILES[code][2]
    zh, en, domain = namer.name(_unit_name(code, rng.choice(words) if words else ("", ""), district, rng))
    public = group == "public_institution"
    districts, weights = _weights(PROFILES[code][1])
    facilities = []
    names = [item.split("=") for item in FACILITIES[group].split(";")]
    for i, (f_zh, f_en) in enumerate(names[: rng.choices((1, 2, 3, 4), (45, 30, 15, 10))[0]]):
        f_district = district if i == 0 or rng.random() < 0.7 else rng.choices(districts, weights)[0]
        facilities.append(FacilityPlan(f"F{i + 1:02d}", f_zh, f_en, f_district, namer.address(f_district)))
    size, emissions = _emissions(rng, code, group)
    return OrgPlan(
        uscc=namer.uscc(kind="12" if public else "91", district=district),
        name_zh=zh,
        name_en=en,
        org_type=OrganisationType.PUBLIC_INSTITUTION if public else OrganisationType.ENTERPRISE,
        industry_code=code,
        district=district,
        address=namer.address(district),
        domain=domain,
        contact=namer.contact(domain),
        facilities=tuple(facilities),
        emissions=emissions,
        size=size,
    )


def _placements(rng: random.Random, units: int) -> list[tuple[str, str]]:
    """(industry, district) per unit: every industry and every district at least once."""
    codes = [code for code, *_ in INDUSTRIES]
    picked = codes + rng.choices(codes, [PROFILES[c][0] for c in codes], k=max(0, units - len(codes)))
    placements = [(c, rng.choices(*_weights(PROFILES[c][1]))[0]) for c in picked[:units]]
    for district in District.values:
        counts = {d: sum(1 for _, x in placements if x == d) for d in District.values}
        if counts[district]:
            continue
        movable = [i for i, (c, d) in enumerate(placements) if counts[d] > 1]
        i = min(movable, key=lambda i: placements[i][0] not in FOOTLOOSE)  # footloose first
        placements[i] = (placements[i][0], district)
    return placements


def _extra(namer: _Namer, kind: tuple[str, str], district: str, org_type=OrganisationType.ENTERPRISE) -> OrgPlan:
    zh, en, domain = namer.name(
        lambda t_zh, t_en: (f"上海{t_zh}{kind[0]}有限公司", f"Shanghai {t_en} {kind[1]} Co., Ltd.")
    )
    return OrgPlan(
        uscc=namer.uscc(kind="91", district=district),
        name_zh=zh,
        name_en=en,
        org_type=org_type,
        industry_code=None,
        district=district,
        address=namer.address(district),
        domain=domain,
        contact=namer.contact(domain),
    )


def minimum_units() -> int:
    return len(INDUSTRIES) + len(District.values)


def build_plan(*, units: int = 240, seed: int = 2026) -> Plan:
    """The whole demo population, decided by `seed` alone (no database, no clock)."""
    if units < minimum_units():
        raise ValueError(f"at least {minimum_units()} units are needed")
    rng = random.Random(seed)
    namer = _Namer(rng)
    unit_plans = [_unit(namer, code, district) for code, district in _placements(rng, units)]
    urban, urban_w = _weights(_URBAN)
    agencies = [
        _extra(namer, AGENCY_KINDS[i % len(AGENCY_KINDS)], rng.choices(urban, urban_w)[0], OrganisationType.AGENCY)
        for i in range(max(4, min(units // 40, 60)))
    ]
    return Plan(
        units=unit_plans,
        agencies=agencies,
        implementing_entity=_extra(namer, ("绿色出行科技", "Green Mobility Technology"), District.YANGPU),
        merchant=_extra(namer, ("便利连锁", "Convenience Stores"), District.JINGAN),
    )


# ---- Writing the plan -----------------------------------------------------------------------

DEMO_PASSWORD = "carbon-demo-2026"  # noqa: S105 - printed for everyone trying the demo
# A fixed, published secret so anyone trying the demo can sign in as bureau staff. Demo only.
TOTP_SECRET = "SHCARBONDEMOTOTPSECRETFORBUREAUX"  # noqa: S105
TOTP_COMMAND = f".venv/bin/python -c \"import pyotp;print(pyotp.TOTP('{TOTP_SECRET}').now())\""
BUREAU_DOMAIN = "sthj.sh.gov.cn"
BUREAU_USCC = _with_check("11" + "310000" + _org_code("00248722"))  # 11: a government organ
ALICE, BOB, ADMIN = (f"{n}@{BUREAU_DOMAIN}" for n in ("alice", "bob", "admin"))
CAST = ("alice", "bob", "admin", "carol", "dave", "erin", "frank", "grace", "henry")
# From this many units the plan is written in bulk (see _write_units_in_bulk).
BULK_FROM = 1000


@functools.cache
def _password_hash() -> str:
    return make_password(DEMO_PASSWORD)  # once: hashing per user costs ~0.3 s each


def _user(email: str, full_name: str, *, totp: bool = False, superuser: bool = False) -> User:
    user = User.objects.create(
        email=email, full_name=full_name, password=_password_hash(), is_staff=superuser, is_superuser=superuser
    )
    if totp:
        TOTP.activate(user, TOTP_SECRET)
    return user


def _bootstrap_bureau() -> tuple[Organisation, User]:
    """The first bureau organisation and user, written directly: every registry service needs
    a bureau actor, and before these two rows exist there is none (as with createsuperuser)."""
    bureau = Organisation.objects.filter(uscc=BUREAU_USCC).first()
    if bureau is None:
        bureau = Organisation(
            uscc=BUREAU_USCC,
            name_zh="上海市生态环境局",
            name_en="Shanghai Municipal Bureau of Ecology and Environment",
            org_type=OrganisationType.BUREAU,
            district=District.HUANGPU,
            address="上海市黄浦区大沽路100号",
        )
        bureau.full_clean()
        bureau.save()
    alice = _user(ALICE, "Alice Wang 王丽", totp=True)
    membership = Membership(user=alice, organisation=bureau, role=Role.BUREAU_STAFF)
    membership.full_clean()
    membership.save()
    return bureau, alice


def _source(size: str, year: int) -> str:
    if size == "small":
        return EmissionSource.HISTORICAL
    if year == YEARS[-1] or size == "reporting":
        return EmissionSource.REPORTED  # the latest year is reported, not yet determined
    return EmissionSource.DETERMINED


def _org_fields(p: OrgPlan, industries: dict[str, Industry]) -> dict:
    return {
        "uscc": p.uscc,
        "name_zh": p.name_zh,
        "name_en": p.name_en,
        "org_type": p.org_type,
        "industry": industries.get(p.industry_code),
        "district": p.district,
        "address": p.address,
    }


def _write_org(p: OrgPlan, actor: User, industries: dict[str, Industry]) -> Organisation:
    org = services.organisation_create(actor=actor, **_org_fields(p, industries))
    for f in p.facilities:
        services.facility_create(
            actor=actor, organisation=org, code=f.code, name_zh=f.name_zh, name_en=f.name_en,
            district=f.district, address=f.address,
        )  # fmt: skip
    c = p.contact
    services.contact_create(
        actor=actor, organisation=org, name=c.name, position=c.position, phone=c.phone, email=c.email, is_primary=True
    )
    for year, tonnes in p.emissions:
        services.emission_record_set(
            actor=actor, organisation=org, year=year, emissions_tco2e=tonnes, source=_source(p.size, year)
        )
    return org


def _write_units_in_bulk(units: list[OrgPlan], actor: User, bureau: Organisation, industries) -> None:
    """The benchmark sizes only. Each service call checks permission, runs full_clean and writes
    an audit entry: some 30 queries per unit, many minutes for --units 10000. The plan is valid by
    construction (codes are still checked here), so it goes in with bulk_create and one audit
    entry that records the whole load."""
    for p in units:
        validate_uscc(p.uscc)
    Organisation.objects.bulk_create([Organisation(**_org_fields(p, industries)) for p in units], batch_size=500)
    ids = dict(Organisation.objects.values_list("uscc", "id"))
    Facility.objects.bulk_create(
        [
            Facility(organisation_id=ids[p.uscc], code=f.code, name_zh=f.name_zh, name_en=f.name_en,
                     district=f.district, address=f.address)
            for p in units for f in p.facilities
        ],
        batch_size=1000,
    )  # fmt: skip
    Contact.objects.bulk_create(
        [
            Contact(organisation_id=ids[p.uscc], name=p.contact.name, position=p.contact.position,
                    phone=p.contact.phone, email=p.contact.email, is_primary=True)
            for p in units
        ],
        batch_size=1000,
    )  # fmt: skip
    EmissionRecord.objects.bulk_create(
        [
            EmissionRecord(organisation_id=ids[p.uscc], year=y, emissions_tco2e=t, source=_source(p.size, y))
            for p in units for y, t in p.emissions
        ],
        batch_size=1000,
    )  # fmt: skip
    audit.record(actor=actor, verb="demo.bulk_load", target=bureau, data={"organisations": len(units)})


def _staff(email: str, name: str, role: str, org: Organisation | None, actor: User) -> User:
    user = _user(email, name)
    services.membership_grant(actor=actor, user=user, role=role, organisation=org)
    return user


def _write_population(plan: Plan, log: Callable[[str], None]) -> None:
    bureau, alice = _bootstrap_bureau()
    bob = _user(BOB, "Bob Li 李强", totp=True)
    services.membership_grant(actor=alice, user=bob, role=Role.BUREAU_APPROVER, organisation=bureau)
    admin = _user(ADMIN, "Portal administrator 系统管理员", totp=True, superuser=True)
    services.membership_grant(actor=alice, user=admin, role=Role.BUREAU_STAFF, organisation=bureau)
    industries = {i.code: i for i in Industry.objects.all()}
    started = time.monotonic()
    if len(plan.units) >= BULK_FROM:
        _write_units_in_bulk(plan.units, alice, bureau, industries)
    else:
        for p in plan.units:
            _write_org(p, alice, industries)
    log(f"  {len(plan.units)} units written in {time.monotonic() - started:.1f} s")
    orgs = {p.uscc: _write_org(p, alice, industries) for p in [*plan.agencies, plan.implementing_entity, plan.merchant]}
    orgs |= {u.uscc: u for u in Organisation.objects.filter(uscc__in=[plan.carol_unit.uscc, plan.erin_unit.uscc])}
    for i, agency in enumerate(plan.agencies):
        _staff(f"verifier@{agency.domain}", agency.contact.name, Role.AGENCY_STAFF, orgs[agency.uscc], alice)
        if i == 0:
            _staff(f"dave@{agency.domain}", "Dave Chen 陈杰", Role.AGENCY_STAFF, orgs[agency.uscc], alice)
    cast = [
        ("carol", plan.carol_unit, "Carol Zhang 张敏", Role.UNIT_STAFF),
        ("erin", plan.erin_unit, "Erin Zhou 周艳", Role.UNIT_STAFF),
        ("frank", plan.implementing_entity, "Frank Xu 徐明", Role.IMPLEMENTING_ENTITY),
        ("henry", plan.merchant, "Henry Zhao 赵磊", Role.MERCHANT),
    ]
    for name, p, full_name, role in cast:
        _staff(f"{name}@{p.domain}", full_name, role, orgs[p.uscc], alice)
    _staff("grace@mail.example.cn", "Grace Lin 林芳", Role.INDIVIDUAL, None, alice)


def _wait_until_built(rl: RegulatedList, timeout_s: float = 600) -> None:
    """With Celery eager (no broker) the list is built once the compile commits. Otherwise a
    worker may not have the job yet (or, in a test, on-commit hooks never run): build it here.
    The job is claimed atomically, so if a worker got there first this is a no-op and we wait."""
    job = BackgroundJob.objects.get(pk=rl.job_id)
    if not job.is_finished:
        services.regulated_list_build(job_id=job.pk)
    deadline = time.monotonic() + timeout_s
    while not (job := BackgroundJob.objects.get(pk=rl.job_id)).is_finished:
        if time.monotonic() > deadline:
            raise RuntimeError(f"compiling the {rl.year} list did not finish in {timeout_s:.0f} s")
        time.sleep(1)
    if job.status != BackgroundJob.Status.DONE:
        raise RuntimeError(f"compiling the {rl.year} list failed: {job.message}")


def _compiled(alice: User, year: int, **basis) -> RegulatedList:
    rl = RegulatedList.objects.filter(year=year).first()
    if rl is None:
        rl = services.regulated_list_compile(actor=alice, year=year, **basis)
    if rl.status == ListStatus.DRAFT:
        _wait_until_built(rl)
    return RegulatedList.objects.get(pk=rl.pk)


def _published(alice: User, bob: User, year: int, **basis) -> RegulatedList:
    rl = _compiled(alice, year, **basis)
    if rl.status == ListStatus.DRAFT:
        rl = services.regulated_list_submit(actor=alice, regulated_list=rl)
    if rl.status == ListStatus.PENDING_APPROVAL:
        rl = services.regulated_list_approve(actor=bob, regulated_list=rl)
    return rl


def _lists(log: Callable[[str], None]) -> None:
    """Art. 9: the 2025 and 2026 lists published through four eyes (so units have live 2026
    deadlines), and the 2027 list left as alice's draft for the bureau to finish."""
    alice, bob = User.objects.get(email=ALICE), User.objects.get(email=BOB)
    lists = [
        _published(alice, bob, 2025, basis_from_year=2023, basis_to_year=2024),
        _published(alice, bob, 2026, basis_from_year=2024, basis_to_year=2025),
        _compiled(alice, 2027, basis_from_year=2024, basis_to_year=2025),
    ]
    for each in lists:
        counts = list_counts(each)
        log(
            f"  {each.year} list ({each.get_status_display()}): {counts['regulated']} regulated units, "
            f"{counts['reporting']} reporting units"
        )


def seed_demo(*, units: int = 240, seed: int = 2026, log: Callable[[str], None] = print) -> list[dict]:
    """Writes the demo population once (a second run keeps it), then brings the lists to their
    demo state. Returns the logins to print."""
    if User.objects.filter(email=ALICE).exists():
        log("Demo organisations and users are already there: leaving them as they are.")
    else:
        plan = build_plan(units=units, seed=seed)
        # One transaction: either the whole population is there (alice marks it) or none of it.
        with transaction.atomic():
            _write_population(plan, log)
    _lists(log)
    return demo_logins()


def demo_logins() -> list[dict]:
    """The cast's logins as they are in the database (a rerun may follow another seed)."""
    users = User.objects.filter(email__regex=r"^(" + "|".join(CAST) + ")@").prefetch_related(
        "memberships__organisation"
    )
    with_totp = set(Authenticator.objects.filter(type=Authenticator.Type.TOTP).values_list("user_id", flat=True))
    rows = []
    for user in sorted(users, key=lambda u: CAST.index(u.email.split("@")[0])):
        membership = next(iter(user.memberships.all()), None)
        role = str(Role(membership.role).label) if membership else "-"
        org = membership.organisation if membership else None
        rows.append(
            {
                "email": user.email,
                "role": role + (" + Django admin" if user.is_superuser else ""),
                "organisation": org.name_zh if org else "-",
                "mfa": "TOTP" if user.pk in with_totp else "-",
            }
        )
    return rows
