"""Re-examination triggers (DOMAIN.md "Verification"; thresholds from the year settings, never
constants): the report and its review differ by more than a share or a tonnage, or the year's
emissions changed year on year by more than a share. Pure functions take the figures, so list
pages can compute flags for many units from figures they fetched in bulk."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from carbon_portal.formatting import format_tco2e, format_tonnes
from registry.models import EmissionRecord, YearSettings
from registry.selectors import year_settings

from ..choices import DeterminationStatus, ReexamTrigger
from ..models import Determination

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Flag:
    trigger: str  # a ReexamTrigger value
    message: str


def change_pct(new: Decimal, old: Decimal) -> Decimal | None:
    """Relative change from `old` to `new` in per cent (signed, unrounded); None without a base."""
    if old is None or new is None or old == 0:
        return None
    return (new - old) / old * HUNDRED


def _shown(pct: Decimal | None) -> str:
    return "—" if pct is None else str(pct.quantize(Decimal("0.01")))


def report_vs_review_flag(reported_tco2e: Decimal, reviewed_tco2e: Decimal, settings: YearSettings) -> Flag | None:
    if reported_tco2e is None or reviewed_tco2e is None:
        return None
    gap = abs(reviewed_tco2e - reported_tco2e)
    pct = change_pct(reviewed_tco2e, reported_tco2e)
    over_pct = (pct is None and gap > 0) or (pct is not None and abs(pct) > settings.reexam_report_vs_review_pct)
    over_tonnes = gap > settings.reexam_report_vs_review_tco2e
    if not (over_pct or over_tonnes):
        return None
    return Flag(
        ReexamTrigger.REPORT_VS_REVIEW,
        _(
            "The review differs from the report by %(gap)s tCO2e (%(pct)s%%); the thresholds for %(year)s are "
            "%(max_pct)s%% or %(max_t)s tCO2e."
        )
        % {
            "gap": format_tco2e(gap),
            "pct": _shown(pct),
            "year": settings.year,
            "max_pct": format_tonnes(settings.reexam_report_vs_review_pct),
            "max_t": format_tonnes(settings.reexam_report_vs_review_tco2e),
        },
    )


def year_on_year_flag(current_tco2e: Decimal, previous_tco2e: Decimal | None, settings: YearSettings) -> Flag | None:
    pct = change_pct(current_tco2e, previous_tco2e)
    if pct is None or abs(pct) <= settings.reexam_year_on_year_pct:
        return None
    return Flag(
        ReexamTrigger.YEAR_ON_YEAR,
        _(
            "Emissions changed by %(pct)s%% on the previous year (%(previous)s tCO2e); the threshold for %(year)s "
            "is %(max_pct)s%%."
        )
        % {
            "pct": _shown(pct),
            "previous": format_tco2e(previous_tco2e),
            "year": settings.year,
            "max_pct": format_tonnes(settings.reexam_year_on_year_pct),
        },
    )


def previous_year_tco2e(organisation_id: int, year: int) -> Decimal | None:
    """The previous year's emissions: the determination in force, else the figure on record."""
    determined = (
        Determination.objects.filter(
            organisation_id=organisation_id, year=year - 1, status=DeterminationStatus.APPROVED
        )
        .values_list("emissions_tco2e", flat=True)
        .first()
    )
    if determined is not None:
        return determined
    return (
        EmissionRecord.objects.filter(organisation_id=organisation_id, year=year - 1)
        .values_list("emissions_tco2e", flat=True)
        .first()
    )


def flags(
    *, organisation_id: int, year: int, reported_tco2e: Decimal | None, reviewed_tco2e: Decimal | None
) -> list[Flag]:
    """The triggers that fire for a unit's year; the year-on-year one compares the reviewed figure
    (or the reported one when there is no review yet) with the previous year."""
    settings = year_settings(year)
    if settings is None:
        return []
    found = [report_vs_review_flag(reported_tco2e, reviewed_tco2e, settings)]
    current = reviewed_tco2e if reviewed_tco2e is not None else reported_tco2e
    if current is not None:
        found.append(year_on_year_flag(current, previous_year_tco2e(organisation_id, year), settings))
    return [flag for flag in found if flag]


def determination_flags(determination: Determination) -> list[Flag]:
    """The triggers flagged for a determination, from the figures frozen in it."""
    figures = determination.figures or {}

    def dec(key):
        value = figures.get(key)
        return None if value in (None, "") else Decimal(str(value))

    return flags(
        organisation_id=determination.organisation_id,
        year=determination.year,
        reported_tco2e=dec("reported_tco2e"),
        reviewed_tco2e=dec("reviewed_tco2e") if dec("reviewed_tco2e") is not None else determination.emissions_tco2e,
    )
