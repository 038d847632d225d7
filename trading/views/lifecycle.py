"""The compliance lifecycle pages: the bureau's exemptions, moves to the national market with their
rollover, and the carry-forward report; a unit's own view of its rollover and carry-forward. Every
bureau page is a 403 for anyone else; a unit's page is a 404 for another unit and a 403 for the
bureau (as the surrender pages are)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from carbon_portal import excel
from carbon_portal.forms import add_service_error

from ..forms_lifecycle import ExemptionForm, MoveForm, WithdrawForm
from ..models import ComplianceExemption
from ..permissions import require_account_holder, require_registrar
from ..selectors import accounts as account_selectors
from ..selectors import compliance as compliance_selectors
from ..selectors import lifecycle as selectors
from ..services.lifecycle import exemption_record, exemption_withdraw, national_move_check, national_move_record
from ..services.rollover import (
    check_schedule,
    default_schedule,
    last_rollover_date,
    rollover_plan,
    tranches_release_due,
)

PAGE_SIZE = 50


# -- exemptions --


@login_required
def exemption_admin(request):
    """Every exemption, newest year first, and the form to record one."""
    require_registrar(request.user)
    form = ExemptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            exemption = exemption_record(
                actor=request.user,
                organisation=form.organisation,
                year=form.cleaned_data["year"],
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("%(unit)s is exempt for %(year)s.") % {"unit": exemption.organisation.name, "year": exemption.year},
            )
            return redirect("trading:exemption_admin")
    filters = _exemption_filters(request)
    page = Paginator(selectors.exemptions(**filters), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "filters": filters, "years": selectors.plan_years()}
    return render(request, "trading/lifecycle_exemptions.html", context)


def _exemption_filters(request) -> dict:
    filters = {"q": request.GET.get("q", "").strip()[:100]}
    year = request.GET.get("year", "")
    if year.isdigit() and len(year) == 4:
        filters["year"] = int(year)
    return {key: value for key, value in filters.items() if value}


@login_required
def exemption_withdraw_view(request, pk: int):
    require_registrar(request.user)
    exemption = get_object_or_404(ComplianceExemption.objects.select_related("organisation", "recorded_by"), pk=pk)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            exemption_withdraw(actor=request.user, exemption=exemption, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("The %(year)s exemption of %(unit)s is withdrawn.")
                % {"unit": exemption.organisation.name, "year": exemption.year},
            )
            return redirect("trading:exemption_admin")
    return render(request, "trading/exemption_withdraw.html", {"exemption": exemption, "form": form})


# -- moves to the national market --


@login_required
@require_GET
def rollover_admin(request):
    require_registrar(request.user)
    page = Paginator(selectors.moves(), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "filters": {}, "due": selectors.due_tranches().count()}
    return render(request, "trading/rollover_admin.html", context)


@login_required
def rollover_new(request):
    """The form; "check your answers" with what would be locked and when it comes back; then the move."""
    require_registrar(request.user)
    form = MoveForm(request.POST or None)
    context = {"form": form, "example": default_schedule(timezone.localdate().year)}
    if request.method != "POST" or not form.is_valid() or "change" in request.POST:
        return render(request, "trading/rollover_new.html", context)
    organisation, year = form.organisation, form.cleaned_data["first_national_year"]
    try:
        national_move_check(organisation, year)
        schedule = check_schedule(year, form.schedule() or default_schedule(year))
        if "confirm" not in request.POST:
            plan = rollover_plan(organisation.pk, schedule)
            context |= {"organisation": organisation, "year": year, "plan": plan, "last": last_rollover_date(year)}
            return render(request, "trading/rollover_check.html", context)
        move = national_move_record(
            actor=request.user,
            organisation=organisation,
            first_national_year=year,
            note=form.cleaned_data["note"],
            schedule=schedule,
        )
    except ValidationError as exc:
        existing = selectors.move_of(organisation.pk)
        if existing is not None and getattr(exc, "code", None) == "already_moved" and "confirm" in request.POST:
            messages.info(request, _("This move is already recorded."))  # a double submit
            return redirect("trading:rollover_detail", pk=existing.pk)
        add_service_error(form, exc)
        return render(request, "trading/rollover_new.html", context)
    messages.success(request, _("The move is recorded and the surplus is held for rollover."))
    return redirect("trading:rollover_detail", pk=move.pk)


@login_required
@require_GET
def rollover_detail(request, pk: int):
    require_registrar(request.user)
    move = get_object_or_404(selectors.moves(), pk=pk)
    tranches = selectors.tranches_of(move)
    context = {
        "move": move,
        "dates": selectors.by_date(tranches),
        "released": [t for t in tranches if t.released_id],
        "exemptions": ComplianceExemption.objects.filter(organisation=move.organisation).order_by("year"),
        "last": last_rollover_date(move.first_national_year),
        "today": timezone.localdate(),
    }
    return render(request, "trading/rollover_detail.html", context)


@login_required
@require_POST
def rollover_release_due(request):
    """The bureau's button: what the daily beat does, now."""
    require_registrar(request.user)
    result = tranches_release_due(actor=request.user)
    n = len(result.released)
    messages.success(request, ngettext("%(n)s tranche released.", "%(n)s tranches released.", n) % {"n": n})
    for tranche, reason in result.refused:
        messages.warning(request, f"{tranche.move.organisation.name} {tranche.due_date:%Y-%m-%d}: {reason}")
    return redirect("trading:rollover_admin")


# -- carry-forward --


@login_required
@require_GET
def carry_forward_index(request):
    require_registrar(request.user)
    year = next(iter(selectors.plan_years()), timezone.localdate().year - 1)
    return redirect("trading:carry_forward_admin", year=year)


def _report_filters(request) -> dict:
    return compliance_selectors.clean_filters({"q": request.GET.get("q", ""), "status": request.GET.get("status", "")})


@login_required
@require_GET
def carry_forward_admin(request, year: int):
    require_registrar(request.user)
    filters = _report_filters(request)
    report = selectors.carry_forward(year, filters)
    context = {
        "year": year,
        "report": report,
        "page": Paginator(report.rows, PAGE_SIZE).get_page(request.GET.get("page")),
        "filters": filters,
        "query": urlencode(filters),
        "statuses": report.result.count_rows(),
        "years": selectors.plan_years(),
    }
    return render(request, "trading/carry_forward_admin.html", context)


@login_required
@require_GET
def carry_forward_download(request, year: int, fmt: str):
    require_registrar(request.user)
    if fmt not in excel.FORMATS:
        raise Http404
    report = selectors.carry_forward(year, _report_filters(request))
    headers = [
        _("Unit"),
        _("Credit code"),
        _("Status"),
        _("Obligation (t)"),
        _("Allowances surrendered (t)"),
        _("Offsets surrendered (t)"),
        _("Allowances of %(year)s or earlier held (t)") % {"year": year},
        _("Surplus carried forward into %(year)s (t)") % {"year": year + 1},
    ]

    def rows():
        for line in report.rows:
            row = line.compliance
            yield [
                row.organisation.name,
                row.organisation.uscc,
                row.get_status_display(),
                row.obligation_t if row.status != "exempt" else None,
                row.allowances_t,
                row.offsets_t,
                line.held_t,
                line.surplus_t,
            ]
        totals = report.totals
        yield [_("Total"), "", "", totals["obligation_t"], totals["allowances_t"], totals["offsets_t"], None,
               totals["surplus_t"]]  # fmt: skip

    return excel.table_response(
        fmt, f"carry-forward-{year}", headers, rows(), sheet_title=_("Carry-forward %(year)s") % {"year": year}
    )


# -- the unit's own view --


@login_required
@require_GET
def lifecycle_unit(request, number: str):
    """The unit's rollover schedule (if it moved to the national market) and, year by year, what it
    carried forward."""
    account = account_selectors.account_for(request.user, number)  # another unit's: 404
    require_account_holder(request.user, account)  # the bureau's view is rollover_detail: 403 here
    move = selectors.move_of(account.holder_id)
    tranches = selectors.tranches_of(move) if move else []
    lines = [(year, selectors.carry_forward_line(account.holder_id, year)) for year in selectors.plan_years()]
    context = {
        "account": account,
        "move": move,
        "dates": selectors.by_date(tranches),
        "last": last_rollover_date(move.first_national_year) if move else None,
        "lines": lines,
        "today": timezone.localdate(),
    }
    return render(request, "trading/lifecycle_unit.html", context)
