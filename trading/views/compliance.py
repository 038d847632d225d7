"""Surrender and compliance pages (Art. 21). A unit's staff surrender from their unit's account
(another unit's account is a 404, the bureau gets a 403 on the form); the bureau reads every unit's
status for a year and, after the deadline, the candidate violations to review; the public reads
each unit's status once the year's surrender deadline has passed."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from carbon_portal import excel
from carbon_portal.forms import add_service_error

from ..choices import InstrumentKind, PlanStatus
from ..forms import QUANTITY_MAX, IdempotentForm, is_idempotency_conflict, user_key
from ..models import AllocationPlan, Holding, Instrument, Surrender
from ..permissions import require_account_holder, require_registrar
from ..selectors import accounts as account_selectors
from ..selectors import compliance as selectors
from ..selectors import lifecycle as lifecycle_selectors
from ..services.surrender import surrender

PAGE_SIZE = 50


# -- the unit's surrender --


def _instrument_name(instrument: Instrument) -> str:
    return instrument.name_en if (get_language() or "").startswith("en") else instrument.name_zh


class SurrenderForm(IdempotentForm):
    """One quantity per instrument the account holds that may count for the year."""

    def __init__(self, *args, holdings: list[Holding], **kwargs):
        super().__init__(*args, **kwargs)
        self.holdings = holdings
        for holding in holdings:
            instrument = holding.instrument
            self.fields[self.key(instrument)] = forms.IntegerField(
                label=_("%(instrument)s to surrender (t)") % {"instrument": instrument.code},
                required=False,
                min_value=0,
                max_value=QUANTITY_MAX,
                help_text=_("%(name)s. Held: %(quantity)s t.")
                % {"name": _instrument_name(instrument), "quantity": f"{holding.quantity_t:,.0f}"},
                error_messages={
                    "invalid": _("Enter the quantity as a whole number of tonnes."),
                    "min_value": _("Enter 0 or more tonnes."),
                    "max_value": _("Enter a smaller quantity."),
                },
            )

    @staticmethod
    def key(instrument: Instrument) -> str:
        return f"q_{instrument.pk}"

    def clean(self):
        data = super().clean()
        if not any(data.get(self.key(h.instrument)) for h in self.holdings):
            raise ValidationError(_("Enter the quantity to surrender of at least one instrument."))
        return data

    def items(self) -> list[tuple[Instrument, int]]:
        return [
            (h.instrument, self.cleaned_data[self.key(h.instrument)])
            for h in self.holdings
            if self.cleaned_data.get(self.key(h.instrument))
        ]


def _usable(holdings: list[Holding], plan: AllocationPlan, organisation_id: int, year: int) -> list[Holding]:
    """What the account holds that counts for the year: allowances of the year or earlier, and
    offsets of a type the plan accepts that were not made inside the unit's own boundary."""
    usable = []
    for holding in holdings:
        instrument = holding.instrument
        if holding.quantity_t <= 0:
            continue
        if instrument.kind == InstrumentKind.ALLOWANCE:
            if instrument.vintage <= year:
                usable.append(holding)
        elif instrument.kind in (plan.eligible_offsets or []) and instrument.origin_organisation_id != organisation_id:
            usable.append(holding)
    return usable


def _holder_account(user, number: str):
    """The account, if the user may see it (404 otherwise) and act for its holder (403 otherwise)."""
    account = account_selectors.account_for(user, number)
    require_account_holder(user, account)
    return account


@login_required
@require_GET
def surrender_index(request, number: str):
    """The unit's compliance, year by year, for every year with a published plan."""
    account = _holder_account(request.user, number)
    years = list(
        AllocationPlan.objects.filter(status=PlanStatus.PUBLISHED).order_by("-year").values_list("year", flat=True)
    )
    rows = [(year, selectors.compliance(account.holder_id, year)) for year in years]
    return render(request, "trading/surrender_index.html", {"account": account, "rows": rows})


@login_required
def surrender_view(request, number: str, year: int):
    """What is owed, surrendered and outstanding; the form; "check your answers"; then the code."""
    account = _holder_account(request.user, number)
    plan = selectors.published_plan(year)
    row = selectors.compliance(account.holder_id, year)
    context = {"account": account, "year": year, "plan": plan, "row": row, "form": None}
    context["carry"] = lifecycle_selectors.carry_forward_line(account.holder_id, year)
    if plan is not None:
        context["offset_limit_t"] = selectors.offset_limit_t(plan, account.holder_id, row.obligation_t)
        context["deadline_passed"] = selectors.deadline_passed(plan)
    may_surrender = plan is not None and row.on_list and row.determined and row.outstanding_t > 0
    if not may_surrender:
        return render(request, "trading/surrender_form.html", context)
    holdings = _usable(account_selectors.holdings_of(account), plan, account.holder_id, year)
    form = SurrenderForm(request.POST or None, holdings=holdings)
    context |= {"form": form, "has_units": bool(holdings)}
    if request.method == "POST" and form.is_valid() and "change" not in request.POST:
        if "confirm" not in request.POST:
            return render(request, "trading/surrender_check.html", context | {"items": form.items()})
        try:
            record = surrender(
                actor=request.user,
                account=account,
                year=year,
                items=form.items(),
                idempotency_key=user_key(request.user, form.cleaned_data["idempotency_key"]),
            )
        except ValidationError as exc:
            add_service_error(form, exc)
            if is_idempotency_conflict(exc):
                form.renew_key()
        else:
            messages.success(request, _("Surrender recorded: the units are cancelled."))
            return redirect("trading:surrender_done", number=account.number, year=year, code=record.transaction.code)
    return render(request, "trading/surrender_form.html", context)


@login_required
@require_GET
def surrender_done(request, number: str, year: int, code: str):
    """The confirmation: the transaction code, and where the unit now stands."""
    account = _holder_account(request.user, number)
    record = get_object_or_404(
        Surrender.objects.select_related("transaction"),
        organisation_id=account.holder_id,
        year=year,
        transaction__code=code,
    )
    row = selectors.compliance(account.holder_id, year)
    return render(request, "trading/surrender_done.html", {"account": account, "record": record, "row": row})


# -- the bureau --


@login_required
@require_GET
def compliance_admin_index(request):
    """The latest year with a published plan (or last year)."""
    require_registrar(request.user)
    year = (
        AllocationPlan.objects.filter(status=PlanStatus.PUBLISHED).order_by("-year").values_list("year", flat=True)
    ).first() or (timezone.localdate().year - 1)
    return redirect("trading:compliance_admin", year=year)


@login_required
@require_GET
def compliance_admin(request, year: int):
    require_registrar(request.user)
    filters = selectors.clean_filters(request.GET)
    result = selectors.year_compliance(year, filters)
    page = Paginator(result.rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "year": year,
        "result": result,
        "page": page,
        "filters": filters,
        "query": urlencode(filters),
        "statuses": result.count_rows(),
        "years": _plan_years(),
    }
    return render(request, "trading/compliance_admin.html", context)


def _plan_years() -> list[int]:
    return list(
        AllocationPlan.objects.filter(status=PlanStatus.PUBLISHED).order_by("-year").values_list("year", flat=True)
    )


@login_required
@require_GET
def compliance_admin_download(request, year: int, fmt: str):
    require_registrar(request.user)
    if fmt not in excel.FORMATS:
        raise Http404
    result = selectors.year_compliance(year, selectors.clean_filters(request.GET))
    headers = [
        _("Unit"),
        _("Credit code"),
        _("Status"),
        _("Determined emissions (tCO2e)"),
        _("Obligation (t)"),
        _("Allowances surrendered (t)"),
        _("Offsets surrendered (t)"),
        _("Outstanding (t)"),
        _("Surrendered after the deadline"),
        _("Last surrender"),
    ]

    def rows():
        for row in result.rows:
            yield [
                row.organisation.name,
                row.organisation.uscc,
                row.get_status_display(),
                row.emissions_tco2e,
                row.obligation_t,
                row.allowances_t,
                row.offsets_t,
                row.outstanding_t,
                _("Yes") if row.late else _("No"),
                timezone.localtime(row.last_surrender_at) if row.last_surrender_at else None,
            ]

    return excel.table_response(
        fmt, f"compliance-{year}", headers, rows(), sheet_title=_("Compliance %(year)s") % {"year": year}
    )


@login_required
@require_GET
def compliance_candidates(request, year: int):
    """After the deadline: the units short of their obligation, for the bureau's review."""
    require_registrar(request.user)
    plan = selectors.published_plan(year)
    context = {
        "year": year,
        "plan": plan,
        "deadline_passed": selectors.deadline_passed(plan),
        "candidates": selectors.candidate_violations(year),
    }
    return render(request, "trading/compliance_candidates.html", context)


# -- the public --


@require_GET
def compliance_public_index(request):
    """The years with a published plan, and when each year's statuses are (or were) published."""
    plans = list(AllocationPlan.objects.filter(status=PlanStatus.PUBLISHED).order_by("-year"))
    today = timezone.localdate()
    rows = [(plan, today > plan.surrender_deadline) for plan in plans]
    return render(request, "trading/compliance_public_index.html", {"rows": rows})


@require_GET
def compliance_public(request, year: int):
    """Each regulated unit's status for the year, shown only after the surrender deadline."""
    plan = selectors.published_plan(year)
    shown = selectors.deadline_passed(plan)
    context = {"year": year, "plan": plan, "shown": shown, "page": None, "filters": {}}
    if shown:
        filters = selectors.clean_filters({"q": request.GET.get("q", ""), "status": request.GET.get("status", "")})
        result = selectors.year_compliance(year, filters)
        context |= {
            "result": result,
            "filters": filters,
            "query": urlencode(filters),
            "statuses": result.count_rows(),
            "page": Paginator(result.rows, PAGE_SIZE).get_page(request.GET.get("page")),
        }
    return render(request, "trading/compliance_public.html", context)
