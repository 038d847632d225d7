"""The conservative estimate of the emissions of a unit that filed no report (Art. 18 ¶1)."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from carbon_portal.formatting import format_tco2e
from registry.models import EmissionRecord
from reporting.calculation import reported_tonnes
from reporting.selectors.monthly import projections

from ..choices import DeterminationStatus
from ..models import Determination

# A unit that filed nothing is estimated from its highest recent figure, raised by this share.
ESTIMATE_UPLIFT_PCT = Decimal(10)
ESTIMATE_YEARS_BACK = 3


@dataclass(frozen=True)
class EstimateFigure:
    year: int
    tco2e: Decimal
    source: str


@dataclass
class Estimate:
    """The suggested figure for a unit that filed no report, and the figures it comes from."""

    figures: list[EstimateFigure]
    suggested_tco2e: Decimal | None  # None when nothing is on record: the bureau must find a method
    method: str


def _past_figures(organisation_id: int, year: int) -> list[EstimateFigure]:
    years = range(year - ESTIMATE_YEARS_BACK, year)
    determined = dict(
        Determination.objects.filter(
            organisation_id=organisation_id, year__in=list(years), status=DeterminationStatus.APPROVED
        ).values_list("year", "emissions_tco2e")
    )
    records = {
        record.year: record
        for record in EmissionRecord.objects.filter(organisation_id=organisation_id, year__in=list(years))
    }
    found = []
    for past in years:
        if past in determined:
            found.append(EstimateFigure(past, determined[past], _("determined by the bureau")))
        elif past in records:
            found.append(EstimateFigure(past, records[past].emissions_tco2e, records[past].get_source_display()))
    return found


def conservative_estimate(organisation_id: int, year: int) -> Estimate:
    """The highest of the unit's figures for the three years before (the determination in force,
    else the figure on record) and of the projection of its monthly data for the year, raised by
    10%, with a method text that lists the figures used."""
    figures = _past_figures(organisation_id, year)
    projected = projections(year, [organisation_id])[organisation_id]
    if projected.projected_tco2e is not None:
        source = _("projection from %(n)s months of monthly data") % {"n": projected.months_covered}
        figures.append(EstimateFigure(year, projected.projected_tco2e, source))
    if not figures:
        return Estimate([], None, "")
    highest = max(figure.tco2e for figure in figures)
    suggested = reported_tonnes(highest * (100 + ESTIMATE_UPLIFT_PCT) / 100)
    listed = "\n".join(f"- {figure.year}: {format_tco2e(figure.tco2e)} tCO2e ({figure.source})" for figure in figures)
    method = _(
        "Conservative estimate (Art. 18): the highest of the unit's figures below, raised by %(pct)s%%.\n"
        "%(figures)s\nHighest: %(highest)s tCO2e; raised by %(pct)s%%: %(suggested)s tCO2e."
    ) % {
        "pct": ESTIMATE_UPLIFT_PCT,
        "figures": listed,
        "highest": format_tco2e(highest),
        "suggested": format_tco2e(suggested),
    }
    return Estimate(figures, suggested, method)
