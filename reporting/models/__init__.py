"""Reporting models: the emission factor library, the annual emission reports, the data quality plans."""

from .access import CompilationGrant
from .evidence import ReportEvidence
from .factors import (
    ALL_VALUE_FIELDS,
    FACTOR,
    NON_NEGATIVE,
    VALUE_FIELDS,
    YEAR,
    EmissionFactor,
    plain_decimal,
)
from .monthly import MonthlyActivity
from .plans import PlanParameter, PlanSectionComment, QualityPlan
from .reports import AnnualReport, ReportLine

__all__ = [
    "ALL_VALUE_FIELDS",
    "FACTOR",
    "NON_NEGATIVE",
    "VALUE_FIELDS",
    "YEAR",
    "AnnualReport",
    "CompilationGrant",
    "MonthlyActivity",
    "ReportEvidence",
    "EmissionFactor",
    "PlanParameter",
    "PlanSectionComment",
    "QualityPlan",
    "ReportLine",
    "plain_decimal",
]
