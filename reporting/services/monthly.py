"""National (10): monthly key parameters filed during the year, calculated like a report line.

A figure is one source's activity data for one month, times the factor valid in the year (frozen
on the row). Filing the same source and month again supersedes the figure in force; withdrawing
marks it superseded with no successor. Nothing is deleted, so the history stays on record.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _

from carbon_portal import audit
from registry.models import Facility, Organisation

from .. import selectors
from ..models import MonthlyActivity
from ..permissions import require_compiler
from ..selectors import monthly as monthly_selectors
from ..sources import check_source


def _require_open_month(organisation: Organisation, year: int, month: int) -> None:
    """Figures are filed for months that have begun, from 2013, by units on the list of the year
    or of the year before."""
    if month not in monthly_selectors.MONTHS:
        raise ValidationError({"month": _("Choose a month from January to December.")})
    if year < monthly_selectors.FIRST_YEAR:
        raise ValidationError(
            _("Monthly figures are filed from %(first)s onwards.") % {"first": monthly_selectors.FIRST_YEAR}
        )
    if month not in monthly_selectors.open_months(year):
        raise ValidationError(
            {
                "month": _("%(month)s %(year)s has not begun yet: file a month's figures once it has started.")
                % {"month": MONTHS[month], "year": year}
            }
        )
    if not monthly_selectors.may_file_monthly(organisation.pk, year):
        raise ValidationError(
            _(
                "%(name)s is not on the published %(year)s or %(previous)s list of regulated or reporting "
                "units, so it files no monthly key parameters for %(year)s."
            )
            % {"name": organisation.name, "year": year, "previous": year - 1}
        )


def _build_row(
    organisation: Organisation,
    year: int,
    *,
    facility: Facility,
    category: str,
    factor_code: str,
    activity_amount,
    activity_unit: str,
    source_description: str,
    is_biomass: bool,
) -> MonthlyActivity:
    """The report form's calculation and checks (reporting.sources), with the factor valid in
    `year` frozen on the row. Unsaved."""
    try:
        factor = selectors.factor_for(factor_code, year)
    except ValidationError as exc:
        raise ValidationError({"factor_code": exc.messages}) from exc
    checked = check_source(
        organisation_id=organisation.pk,
        facility=facility,
        category=category,
        factor=factor,
        activity_amount=activity_amount,
        activity_unit=activity_unit,
        source_description=source_description,
        is_biomass=is_biomass,
    )
    return MonthlyActivity(organisation=organisation, year=year, **checked.row_fields())


def _data(row: MonthlyActivity) -> dict:
    return {
        "row": row.pk,
        "year": row.year,
        "month": row.month,
        "facility": row.facility.code,
        "source": row.source_description,
        "factor": f"{row.factor_code} v{row.factor_version}",
        "activity": f"{row.activity_amount} {row.activity_unit}",
        "emissions_tco2e": str(row.emissions_tco2e),
    }


@transaction.atomic
def monthly_file(
    *,
    actor,
    organisation: Organisation,
    year: int,
    month: int,
    facility: Facility,
    category: str,
    factor_code: str,
    activity_amount,
    activity_unit: str,
    source_description: str,
    is_biomass: bool = False,
) -> MonthlyActivity:
    """National (10): one source's figure for a month. Filing the source and month again
    supersedes the figure in force, which is kept."""
    require_compiler(actor, organisation.pk, year)
    # Lock the unit so that two filings of the same source and month cannot both be current.
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    _require_open_month(organisation, year, month)
    row = _build_row(
        organisation,
        year,
        facility=facility,
        category=category,
        factor_code=factor_code,
        activity_amount=activity_amount,
        activity_unit=activity_unit,
        source_description=source_description,
        is_biomass=is_biomass,
    )
    row.month, row.filed_by = month, actor
    row.full_clean(validate_constraints=False)
    previous = (
        MonthlyActivity.objects.select_for_update()
        .filter(
            organisation=organisation,
            year=year,
            month=month,
            facility=facility,
            factor_code=row.factor_code,
            source_description=row.source_description,
            superseded_at__isnull=True,
        )
        .first()
    )
    if previous is not None:
        # Superseded first: only one figure per source and month may be current (a DB constraint).
        previous.superseded_at = row.filed_at = timezone.now()
        previous.save(update_fields=["superseded_at"])
    row.save()
    data = _data(row) | {"supersedes": previous.pk if previous else None}
    audit.record(actor=actor, verb="monthly.file", target=row, data=data)
    return row


@transaction.atomic
def monthly_withdraw(*, actor, row: MonthlyActivity) -> MonthlyActivity:
    """A figure filed in error is withdrawn: marked superseded with no successor, kept on record."""
    row = MonthlyActivity.objects.select_for_update().select_related("facility").get(pk=row.pk)
    require_compiler(actor, row.organisation_id, row.year)
    if row.superseded_at is not None:
        raise ValidationError(_("This figure has already been replaced or withdrawn."))
    row.superseded_at = timezone.now()
    row.save(update_fields=["superseded_at"])
    audit.record(actor=actor, verb="monthly.withdraw", target=row, data=_data(row))
    return row
