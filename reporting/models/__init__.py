"""Reporting models: the emission factor library and the annual emission reports."""

from .factors import (
    ALL_VALUE_FIELDS,
    FACTOR,
    NON_NEGATIVE,
    VALUE_FIELDS,
    YEAR,
    EmissionFactor,
    plain_decimal,
)
from .reports import AnnualReport, ReportLine

__all__ = [
    "ALL_VALUE_FIELDS",
    "FACTOR",
    "NON_NEGATIVE",
    "VALUE_FIELDS",
    "YEAR",
    "AnnualReport",
    "EmissionFactor",
    "ReportLine",
    "plain_decimal",
]
