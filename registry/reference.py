"""Reference data every installation starts with (loaded by migration 0002).

Thresholds from the Action Plan 2026-2030 (2) are cited as such; the others are the bureau's
configurable settings and say so, so nobody mistakes a default for a legal figure.
"""

from datetime import date
from decimal import Decimal

# (Chinese, English): the Chinese text is authoritative, as for names.
PLAN = ("《上海碳市场全面深化改革行动方案（2026—2030年）》第（二）项", "Action Plan 2026-2030 (2)")
CONFIGURABLE = ("生态环境局依《办法》第九条第二款设定（可调整）", "Bureau setting under Art. 9 ¶2 (configurable)")

# code, Chinese name, English name
GROUPS = [
    ("petrochemical", "石化", "Petrochemical"),
    ("chemical", "化工", "Chemical"),
    ("data_centre", "数据中心", "Data centres"),
    ("water_transport", "水运", "Water transport"),
    ("public_institution", "公共机构", "Public institutions"),
    ("other_industrial", "其他工业", "Other industry"),
    ("non_industrial", "非工业", "Non-industrial sectors"),
]

# code, Chinese name, English name, group code
INDUSTRIES = [
    ("C25", "石油、煤炭及其他燃料加工业", "Petroleum refining and coking", "petrochemical"),
    ("C26", "化学原料和化学制品制造业", "Chemical raw materials and products", "chemical"),
    ("C28", "化学纤维制造业", "Chemical fibres", "chemical"),
    ("I65DC", "数据中心", "Data centres", "data_centre"),
    ("G55", "水上运输业", "Water transport", "water_transport"),
    ("P83", "高等教育", "Universities", "public_institution"),
    ("Q84", "医院", "Hospitals", "public_institution"),
    ("C31", "黑色金属冶炼和压延加工业", "Iron and steel", "other_industrial"),
    ("C32", "有色金属冶炼和压延加工业", "Non-ferrous metals", "other_industrial"),
    ("C30", "非金属矿物制品业", "Building materials", "other_industrial"),
    ("C22", "造纸和纸制品业", "Paper", "other_industrial"),
    ("C17", "纺织业", "Textiles", "other_industrial"),
    ("C29", "橡胶和塑料制品业", "Rubber and plastics", "other_industrial"),
    ("C36", "汽车制造业", "Automobile manufacturing", "other_industrial"),
    ("C39", "计算机、通信和其他电子设备制造业", "Electronics", "other_industrial"),
    ("D44", "电力、热力生产和供应业", "Power and heat supply", "other_industrial"),
    ("G56", "航空运输业", "Aviation", "non_industrial"),
    ("G5531", "港口", "Ports", "non_industrial"),
    ("K70", "商业建筑", "Commercial buildings", "non_industrial"),
    ("H61", "住宿业", "Hotels", "non_industrial"),
    ("J66", "金融业办公建筑", "Financial sector buildings", "non_industrial"),
    ("F52", "零售业", "Retail", "non_industrial"),
]

T = Decimal
# group, effective from year, regulated threshold, reporting threshold, legal basis
CRITERIA = [
    ("petrochemical", 2013, T(20000), T(5000), CONFIGURABLE),
    ("petrochemical", 2026, T(10000), T(5000), PLAN),
    ("chemical", 2013, T(20000), T(5000), CONFIGURABLE),
    ("chemical", 2026, T(10000), T(5000), PLAN),
    ("data_centre", 2026, T(10000), T(5000), PLAN),
    ("water_transport", 2013, T(100000), T(10000), CONFIGURABLE),
    ("water_transport", 2026, T(80000), T(10000), PLAN),
    ("public_institution", 2028, T(10000), T(5000), PLAN),
    ("other_industrial", 2013, T(20000), T(5000), CONFIGURABLE),
    ("non_industrial", 2013, T(10000), T(5000), CONFIGURABLE),
]


def year_defaults(year: int) -> dict:
    """Dates the Measures fix (plan 31 Dec, report 31 Mar) and historical practice for the rest,
    until the year's notice or allocation plan sets them."""
    return {
        "plan_due_date": date(year - 1, 12, 31),
        "report_due_date": date(year + 1, 3, 31),
        "review_due_date": date(year + 1, 4, 30),
        "surrender_deadline": date(year + 1, 9, 30),
        "note": "Defaults: plan due 31 Dec, report due 31 Mar (Art. 15-16), review due 30 Apr; "
        "surrender deadline until the allocation plan sets it.",
    }


def load(apps) -> None:
    IndustryGroup = apps.get_model("registry", "IndustryGroup")
    Industry = apps.get_model("registry", "Industry")
    Criterion = apps.get_model("registry", "InclusionCriterion")
    YearSettings = apps.get_model("registry", "YearSettings")
    groups = {}
    for code, zh, en in GROUPS:
        groups[code], _ = IndustryGroup.objects.get_or_create(code=code, defaults={"name_zh": zh, "name_en": en})
    for code, zh, en, group in INDUSTRIES:
        Industry.objects.get_or_create(code=code, defaults={"name_zh": zh, "name_en": en, "group": groups[group]})
    for group, year, regulated, reporting, basis in CRITERIA:
        Criterion.objects.get_or_create(
            group=groups[group],
            effective_from_year=year,
            version=1,
            defaults={
                "regulated_threshold_tco2e": regulated,
                "reporting_threshold_tco2e": reporting,
                "legal_basis_zh": basis[0],
                "legal_basis_en": basis[1],
            },
        )
    for year in (2025, 2026, 2027):
        YearSettings.objects.get_or_create(year=year, version=1, defaults=year_defaults(year))
