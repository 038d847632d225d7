"""The demo population as a plan: which organisations, where, in which trade, emitting how much.

`build_plan()` is pure: the same units and seed always give the same organisations, credit
codes and emissions, with no database involved.
"""

import random
from dataclasses import dataclass, field
from decimal import Decimal

from ..choices import District, OrganisationType
from ..reference import INDUSTRIES
from .words import AGENCY_KINDS, FACILITIES, GIVEN, POSITIONS, SURNAMES, Namer, unit_name

YEARS = (2023, 2024, 2025)

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


def _contact(rng: random.Random, domain: str) -> ContactPlan:
    return ContactPlan(
        name=rng.choice(SURNAMES) + rng.choice(GIVEN),
        position=rng.choice(POSITIONS),
        phone=f"021-{rng.choice('3456')}{rng.randint(0, 9999999):07d}",
        email=f"{rng.choice(['carbon', 'energy', 'ehs'])}@{domain}",
    )


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


def _facilities(namer: Namer, code: str, district: str) -> tuple[FacilityPlan, ...]:
    """One to four sites, the first at the unit's own district, most of the others too."""
    rng = namer.rng
    districts, weights = _weights(PROFILES[code][1])
    facilities = []
    names = [item.split("=") for item in FACILITIES[GROUP_OF[code]].split(";")]
    for i, (f_zh, f_en) in enumerate(names[: rng.choices((1, 2, 3, 4), (45, 30, 15, 10))[0]]):
        f_district = district if i == 0 or rng.random() < 0.7 else rng.choices(districts, weights)[0]
        facilities.append(FacilityPlan(f"F{i + 1:02d}", f_zh, f_en, f_district, namer.address(f_district)))
    return tuple(facilities)


def _unit(namer: Namer, code: str, district: str) -> OrgPlan:
    rng = namer.rng
    group = GROUP_OF[code]
    words = PROFILES[code][2]
    zh, en, domain = namer.name(unit_name(code, rng.choice(words) if words else ("", ""), district, rng))
    public = group == "public_institution"
    facilities = _facilities(namer, code, district)
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
        contact=_contact(rng, domain),
        facilities=facilities,
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


def _extra(namer: Namer, kind: tuple[str, str], district: str, org_type=OrganisationType.ENTERPRISE) -> OrgPlan:
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
        contact=_contact(namer.rng, domain),
    )


def minimum_units() -> int:
    return len(INDUSTRIES) + len(District.values)


def build_plan(*, units: int = 240, seed: int = 2026) -> Plan:
    """The whole demo population, decided by `seed` alone (no database, no clock)."""
    if units < minimum_units():
        raise ValueError(f"at least {minimum_units()} units are needed")
    rng = random.Random(seed)
    namer = Namer(rng)
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
