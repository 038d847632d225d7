from django.db import models
from django.utils.translation import gettext_lazy as _


class FactorKind(models.TextChoices):
    """The emission factor method's sources (DOMAIN.md "Reporting"), one formula each."""

    FUEL_COMBUSTION = "fuel_combustion", _("Fuel combustion")
    PURCHASED_ELECTRICITY = "purchased_electricity", _("Purchased electricity")
    PURCHASED_HEAT = "purchased_heat", _("Purchased heat")
    GWP = "gwp", _("Global warming potential")
    PROCESS = "process", _("Process emissions per material")


class EmissionCategory(models.TextChoices):
    """Where a reported line's emissions come from; totals are given per category."""

    FUEL_COMBUSTION = "fuel_combustion", _("Fuel combustion")
    PROCESS = "process", _("Process emissions")
    PURCHASED_ELECTRICITY = "purchased_electricity", _("Purchased electricity")
    PURCHASED_HEAT = "purchased_heat", _("Purchased heat")
    NON_CO2 = "non_co2", _("Non-CO2 greenhouse gases")


class Gas(models.TextChoices):
    """The seven greenhouse gases of the national accounting guidelines; formulas need no translation."""

    CO2 = "CO2", "CO2"
    CH4 = "CH4", "CH4"
    N2O = "N2O", "N2O"
    HFCS = "HFCs", "HFCs"
    PFCS = "PFCs", "PFCs"
    SF6 = "SF6", "SF6"
    NF3 = "NF3", "NF3"


class ActivityUnit(models.TextChoices):
    """Units of activity data: those a factor is expressed in, and those converted to them."""

    TONNE = "t", _("t")
    NM3_10K = "10k_nm3", _("10⁴ Nm³")
    NM3 = "nm3", _("Nm³ (standard cubic metres)")
    MWH = "mwh", _("MWh")
    KWH = "kwh", _("kWh")
    KWH_10K = "10k_kwh", _("10⁴ kWh")
    GJ = "gj", _("GJ")
    MJ = "mj", _("MJ")


class ReportStatus(models.TextChoices):
    """An annual emission report's life: drafted, submitted (locked), replaced by a correction."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    SUPERSEDED = "superseded", _("Superseded by a correction")
    ABANDONED = "abandoned", _("Abandoned draft")


class PlanStatus(models.TextChoices):
    """A data quality control plan's life (Art. 15): drafted, submitted, returned or accepted, and
    replaced by the next version once a returned plan is revised."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")
    ACCEPTED = "accepted", _("Accepted")
    SUPERSEDED = "superseded", _("Superseded by a later version")


class DeterminationMethod(models.TextChoices):
    """How a parameter's value is determined (Art. 15)."""

    DEFAULT_FACTOR = "default_factor", _("Default factor")
    MEASURED = "measured", _("Measured")
    SUPPLIER = "supplier", _("Supplier data")


class MeasurementFrequency(models.TextChoices):
    CONTINUOUS = "continuous", _("Continuous")
    PER_BATCH = "per_batch", _("Each batch")
    DAILY = "daily", _("Daily")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    YEARLY = "yearly", _("Yearly")


class PlanSection(models.TextChoices):
    """The sections of a plan the bureau may comment on when it returns the plan."""

    BOUNDARY = "boundary", _("Emission boundary")
    PARAMETERS = "parameters", _("Parameters")
    RESPONSIBILITIES = "responsibilities", _("Responsibilities")
