"""Early warning pages: the bureau's list for a year (filters, download, "Recompute now") and a
unit's own warnings. Another unit's warnings are never shown; only the bureau recomputes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from carbon_portal import excel
from carbon_portal.permissions import is_bureau, organisation_ids_of
from carbon_portal.roles import Role

from ..choices import WarningStatus
from ..forms_market import RecomputeForm
from ..permissions import require_registrar
from ..selectors import warnings as selectors
from ..services.warnings import early_warnings_compute

PAGE_SIZE = 50


@login_required
@require_GET
def warning_admin_index(request):
    """The latest year with warnings, or the current year."""
    require_registrar(request.user)
    years = selectors.warning_years()
    return redirect("trading:warning_admin", year=years[0] if years else timezone.localdate().year)


@login_required
@require_GET
def warning_admin(request, year: int):
    require_registrar(request.user)
    filters = selectors.clean_filters(request.GET)
    counts = selectors.counts(year)
    page = Paginator(selectors.bureau_warnings(year, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "year": year,
        "page": page,
        "filters": filters,
        "query": urlencode(filters),
        "counts": [(s.value, s.label, counts[s.value]) for s in WarningStatus],
        "statuses": WarningStatus.choices,
        "years": sorted(set(selectors.warning_years()) | {year}, reverse=True),
        "recompute": RecomputeForm(initial={"year": year}),
    }
    return render(request, "trading/warning_admin.html", context)


@login_required
@require_GET
def warning_admin_download(request, year: int, fmt: str):
    require_registrar(request.user)
    if fmt not in excel.FORMATS:
        raise Http404
    warnings = selectors.bureau_warnings(year, selectors.clean_filters(request.GET))
    headers = [
        _("Unit"),
        _("Credit code"),
        _("Compliance year"),
        _("As of month"),
        _("Projected emissions (tCO2e)"),
        _("Usable holdings (t)"),
        _("Shortfall (t)"),
        _("Status"),
        _("Computed at"),
    ]
    rows = (
        [
            w.organisation.name,
            w.organisation.uscc,
            w.year,
            w.as_of_month,
            w.projected_tco2e,
            w.holdings_t,
            w.shortfall_t,
            w.get_status_display(),
            timezone.localtime(w.computed_at),
        ]
        for w in warnings.iterator(chunk_size=2000)
    )
    return excel.table_response(
        fmt, f"early-warnings-{year}", headers, rows, sheet_title=_("Early warnings %(year)s") % {"year": year}
    )


@login_required
@require_POST
def warning_recompute(request):
    """Bureau: "Recompute now" for a year, instead of waiting for the monthly run."""
    require_registrar(request.user)
    form = RecomputeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a compliance year to recompute."))
        return redirect("trading:warning_admin_index")
    year = form.cleaned_data["year"]
    try:
        result = early_warnings_compute(actor=request.user, year=year)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("trading:warning_admin", year=year)
    messages.success(
        request,
        _(
            "Recomputed for %(year)s: %(units)s regulated units, %(opened)s new warnings (their units and the "
            "bureau are notified), %(cleared)s cleared, %(without)s units without monthly figures."
        )
        % {
            "year": year,
            "units": result.units,
            "opened": len(result.opened),
            "cleared": result.cleared,
            "without": result.without_projection,
        },
    )
    return redirect("trading:warning_admin", year=year)


@login_required
@require_GET
def warning_unit(request):
    """A unit's own warnings, every year; the bureau goes to its list."""
    if is_bureau(request.user):
        return redirect("trading:warning_admin_index")
    if not organisation_ids_of(request.user, Role.UNIT_STAFF):
        raise PermissionDenied(_("Only a unit's staff see its early warnings."))
    page = Paginator(selectors.unit_warnings(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "trading/warning_unit.html", {"page": page, "filters": {}})
