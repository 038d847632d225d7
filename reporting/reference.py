"""The emission factors every installation starts with (loaded by migration 0002).

Exactly the table "Reference figures to ship as seed data" in DOMAIN.md, each row with its
source and the years it applies to; None leaves a period open. The Chinese source text is
authoritative, as for names.
"""

from decimal import Decimal

D = Decimal
SH_2022 = ("沪环气〔2022〕34号", "Shanghai notice 沪环气〔2022〕34号")
SH_BEFORE_2022 = (
    "沪环气〔2022〕34号发布前的上海市缺省值（该文件自2022年起替换）",
    "Shanghai default before 沪环气〔2022〕34号, which replaced it from 2022",
)
MEE_NBS = ("生态环境部、国家统计局公告", "MEE/NBS announcements")
NATIONAL_DEFAULTS = ("国家温室气体排放核算指南缺省值", "National accounting guideline defaults")
IPCC_SAR = (
    "IPCC第二次评估报告（SAR），国内行业核算指南采用",
    "IPCC Second Assessment Report (SAR), as used by the Chinese sector guidelines",
)
IPCC_AR5 = ("IPCC第五次评估报告（AR5）", "IPCC Fifth Assessment Report (AR5)")

# code, Chinese name, English name, activity unit, NCV (GJ/unit), carbon content (tC/TJ), oxidation rate
FUELS = [
    ("raw_coal", "原煤", "Raw coal", "t", D("20.908"), D("26.37"), D("0.94")),
    ("natural_gas", "天然气", "Natural gas", "10k_nm3", D("389.31"), D("15.3"), D("0.99")),
    ("diesel", "柴油", "Diesel", "t", D("42.652"), D("20.2"), D("0.98")),
    ("gasoline", "汽油", "Gasoline", "t", D("43.070"), D("18.9"), D("0.98")),
    ("fuel_oil", "燃料油", "Fuel oil", "t", D("41.816"), D("21.1"), D("0.98")),
    ("lpg", "液化石油气", "Liquefied petroleum gas (LPG)", "t", D("50.179"), D("17.2"), D("0.98")),
]

# code, Chinese name, English name, kind, value field, value, valid from, valid to, source
GRID_AND_HEAT = [
    # 7.88 tCO2 per 10^4 kWh = 0.788 tCO2/MWh; 4.2 per 10^4 kWh = 0.42 tCO2/MWh (10^4 kWh = 10 MWh)
    ("sh_grid_electricity", "上海市外购电力", "Shanghai purchased electricity", "purchased_electricity",
     "ef_tco2_per_mwh", D("0.788"), None, 2021, SH_BEFORE_2022),
    ("sh_grid_electricity", "上海市外购电力", "Shanghai purchased electricity", "purchased_electricity",
     "ef_tco2_per_mwh", D("0.42"), 2022, None, SH_2022),
    ("sh_purchased_heat", "上海市外购热力", "Shanghai purchased heat", "purchased_heat",
     "ef_tco2_per_gj", D("0.11"), None, 2021, SH_BEFORE_2022),
    ("sh_purchased_heat", "上海市外购热力", "Shanghai purchased heat", "purchased_heat",
     "ef_tco2_per_gj", D("0.06"), 2022, None, SH_2022),
    ("national_grid_electricity", "全国电网平均排放因子（消费侧核算）", "National grid average (consumption accounting)",
     "purchased_electricity", "ef_tco2_per_mwh", D("0.5568"), 2021, 2021, MEE_NBS),
    ("national_grid_electricity", "全国电网平均排放因子（消费侧核算）", "National grid average (consumption accounting)",
     "purchased_electricity", "ef_tco2_per_mwh", D("0.5366"), 2022, 2022, MEE_NBS),
]  # fmt: skip

# code, Chinese name, English name, gas, GWP, source
GWPS = [
    ("gwp_ch4_sar", "甲烷全球变暖潜势（SAR）", "CH4 global warming potential (SAR)", "CH4", D(21), IPCC_SAR),
    ("gwp_n2o_sar", "氧化亚氮全球变暖潜势（SAR）", "N2O global warming potential (SAR)", "N2O", D(310), IPCC_SAR),
    ("gwp_ch4_ar5", "甲烷全球变暖潜势（AR5）", "CH4 global warming potential (AR5)", "CH4", D(28), IPCC_AR5),
    ("gwp_n2o_ar5", "氧化亚氮全球变暖潜势（AR5）", "N2O global warming potential (AR5)", "N2O", D(265), IPCC_AR5),
]


def rows() -> list[dict]:
    """Every seed factor as the model's field values."""
    result = []
    for code, zh, en, unit, ncv, carbon, oxidation in FUELS:
        result.append(
            {"code": code, "name_zh": zh, "name_en": en, "kind": "fuel_combustion", "activity_unit": unit}
            | {"ncv_gj_per_unit": ncv, "carbon_content_tc_per_tj": carbon, "oxidation_rate": oxidation}
            | {"valid_from_year": None, "valid_to_year": None, "source_zh": NATIONAL_DEFAULTS[0]}
            | {"source_en": NATIONAL_DEFAULTS[1]}
        )
    for code, zh, en, kind, field, value, start, end, source in GRID_AND_HEAT:
        unit = "mwh" if kind == "purchased_electricity" else "gj"
        result.append(
            {"code": code, "name_zh": zh, "name_en": en, "kind": kind, "activity_unit": unit, field: value}
            | {"valid_from_year": start, "valid_to_year": end, "source_zh": source[0], "source_en": source[1]}
        )
    for code, zh, en, gas, gwp, source in GWPS:
        result.append(
            {"code": code, "name_zh": zh, "name_en": en, "kind": "gwp", "activity_unit": "t", "gas": gas, "gwp": gwp}
            | {"valid_from_year": None, "valid_to_year": None, "source_zh": source[0], "source_en": source[1]}
        )
    return result


def load(apps) -> None:
    EmissionFactor = apps.get_model("reporting", "EmissionFactor")
    for row in rows():
        key = {"code": row["code"], "valid_from_year": row["valid_from_year"], "version": 1}
        EmissionFactor.objects.get_or_create(**key, defaults=row)
