"""Monthly key parameters (National (10)): the unit's year of monthly figures with its form and
history; the bureau's overview of every unit's year to date and projection, with a download."""

from types import SimpleNamespace

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from carbon_portal import excel
from carbon_portal.forms import add_service_error
from carbon_portal.permissions import is_bureau, require_bureau
from registry.models import Organisation

from .. import selectors
from ..forms import ReportLineForm
from ..models import MonthlyActivity
from ..permissions import may_compile
from ..selectors import monthly as monthly_selectors
from ..services import monthly as monthly_services


class MonthlyActivityForm(ReportLineForm):
    """A report line's fields (same factor choices and labels) plus the month it is for."""

    month = forms.TypedChoiceField(label=gettext_lazy("Month"), coerce=int)
    field_order = ["month"]

    def __init__(self, *args, organisation: Organisation, year: int, **kwargs):
        # ReportLineForm reads only the unit (for its facilities) and the year (for its factors).
        period = SimpleNamespace(organisation=organisation, year=year)
        super().__init__(*args, report=period, factors=selectors.current_factors(), **kwargs)
        self.fields["month"].choices = [("", "—")] + [(m, MONTHS[m]) for m in monthly_selectors.open_months(year)]
        self.fields["factor_code"].help_text = gettext_lazy(
            "The version valid in the year of the figures is used. Each factor says the units its activity data takes."
        )


_REFILL_FIELDS = ("month", "facility", "category", "source_description", "factor_code", "activity_unit")


def _organisation(user, organisation_id: int, year: int) -> Organisation:
    """The bureau reads every unit; the unit's staff and a granted agency their own. Anyone else is
    told nothing exists."""
    if not monthly_selectors.FIRST_YEAR <= year <= monthly_selectors.today().year:
        raise Http404
    if not (is_bureau(user) or may_compile(user, organisation_id, year)):
        raise Http404
    return get_object_or_404(Organisation, pk=organisation_id)


def _filing_organisation(user, organisation_id: int, year: int) -> Organisation:
    organisation = _organisation(user, organisation_id, year)
    if not may_compile(user, organisation_id, year):
        raise PermissionDenied(_("You may read these monthly figures but not file them."))
    return organisation


@login_required
def monthly_list(request):
    """The units and years the user files monthly figures for; the bureau goes to its overview."""
    if is_bureau(request.user):
        return redirect("reporting:monthly_admin")
    return render(request, "reporting/monthly_list.html", {"rows": monthly_selectors.unit_monthly_years(request.user)})


def _unit_context(request, organisation: Organisation, year: int, form) -> dict:
    rows = list(monthly_selectors.current_rows(organisation.pk, year))
    return {
        "organisation": organisation,
        "year": year,
        "form": form,
        "rows": rows,
        "history": list(monthly_selectors.superseded_rows(organisation.pk, year)),
        "projection": monthly_selectors.projection(organisation.pk, year),
        "may_file": may_compile(request.user, organisation.pk, year),
        "is_listed": monthly_selectors.may_file_monthly(organisation.pk, year),
    }


@login_required
def monthly_unit(request, organisation_id: int, year: int):
    """A unit's year: the 12-month grid, the year to date and projection, the figures and history."""
    organisation = _organisation(request.user, organisation_id, year)
    form = None
    if may_compile(request.user, organisation.pk, year) and monthly_selectors.open_months(year):
        form = MonthlyActivityForm(organisation=organisation, year=year)
    return render(request, "reporting/monthly_unit.html", _unit_context(request, organisation, year, form))


@login_required
def monthly_file(request, organisation_id: int, year: int):
    """File a month's figure for one source; the same source and month again replaces it."""
    organisation = _filing_organisation(request.user, organisation_id, year)
    initial = {name: request.GET[name] for name in _REFILL_FIELDS if name in request.GET}
    form = MonthlyActivityForm(request.POST or None, organisation=organisation, year=year, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            row = monthly_services.monthly_file(
                actor=request.user, organisation=organisation, year=year, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("%(month)s %(year)s: %(source)s filed.")
                % {"month": MONTHS[row.month], "year": year, "source": row.source_description},
            )
            return redirect("reporting:monthly_unit", organisation_id=organisation.pk, year=year)
    return render(request, "reporting/monthly_file.html", {"organisation": organisation, "year": year, "form": form})


@login_required
@require_POST
def monthly_withdraw(request, organisation_id: int, year: int, row_id: int):
    organisation = _filing_organisation(request.user, organisation_id, year)
    row = get_object_or_404(MonthlyActivity, pk=row_id, organisation=organisation, year=year)
    try:
        monthly_services.monthly_withdraw(actor=request.user, row=row)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Figure withdrawn. It stays in the history."))
    return redirect("reporting:monthly_unit", organisation_id=organisation.pk, year=year)


def _year(request) -> int:
    """The year asked for, or the current one (monthly figures are about the year in progress)."""
    this_year = monthly_selectors.today().year
    try:
        year = int(request.GET.get("year", this_year))
    except ValueError:
        return this_year
    return year if monthly_selectors.FIRST_YEAR <= year <= this_year else this_year


@login_required
def monthly_admin(request):
    """Bureau: every unit's monthly figures for a year, with the year to date and projection."""
    require_bureau(request.user)
    year = _year(request)
    rows = monthly_selectors.bureau_monthly_overview(year, request.GET.get("q", "").strip())
    return render(
        request,
        "reporting/monthly_admin.html",
        {
            "year": year,
            "page": Paginator(rows, 50).get_page(request.GET.get("page")),
            "filters": request.GET,
        },
    )


def _download_headers() -> list[str]:
    return [
        _("Unit"),
        _("Unified social credit code"),
        _("Months filed"),
        _("Year to date (tCO2e)"),
        _("Projected for the year (tCO2e)"),
        _("Last year (tCO2e)"),
        _("Last year's figure"),
        _("Last filed at"),
    ]


def _download_row(row) -> list:
    ytd, found = row.year_to_date, row.projection
    return [
        row.organisation.name,
        row.organisation.uscc,
        ", ".join(str(m) for m in ytd.months_filed),
        ytd.total_tco2e,
        found.projected_tco2e,
        found.previous_tco2e,
        found.previous_source,
        ytd.last_filed_at,
    ]


@login_required
def monthly_admin_download(request, fmt: str):
    require_bureau(request.user)
    if fmt not in excel.FORMATS:
        raise Http404
    year = _year(request)
    rows = monthly_selectors.bureau_monthly_overview(year, request.GET.get("q", "").strip())
    return excel.table_response(
        fmt,
        f"monthly-key-parameters-{year}",
        _download_headers(),
        (_download_row(row) for row in rows),
        sheet_title=_("%(year)s monthly") % {"year": year},
    )
