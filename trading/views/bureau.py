"""The bureau keeps the registry (Art. 12): every account, opening accounts, recording who may not
trade (Art. 32 para 2), each transaction with its reversal, and a check of the whole ledger.
Every page here is the bureau's: anyone else gets a 403."""

from time import monotonic

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from carbon_portal import excel
from carbon_portal.forms import add_service_error
from registry.models import Organisation

from ..choices import AccountKind, AccountStatus, TransactionKind
from ..forms import OpenAccountForm, OpenForListForm, ProhibitionForm, ReverseForm, is_idempotency_conflict, user_key
from ..models import Instrument
from ..permissions import require_registrar
from ..selectors import accounts as selectors
from ..selectors.chain import holdings_mismatches, verify_chain
from ..services.accounts import account_open, account_set_prohibition
from ..services.operations import accounts_open_for_list, reversal_record

PAGE_SIZE = 50
FILTER_KEYS = ("q", "kind", "status", "prohibited")


def _account_filters(request) -> dict[str, str]:
    raw = {key: request.GET.get(key, "").strip()[:100] for key in FILTER_KEYS}
    if raw["kind"] not in AccountKind.values:
        raw["kind"] = ""
    if raw["status"] not in AccountStatus.values:
        raw["status"] = ""
    if raw["prohibited"] not in ("yes", "no"):
        raw["prohibited"] = ""
    return {key: value for key, value in raw.items() if value}


@login_required
@require_GET
def account_admin(request):
    require_registrar(request.user)
    filters = _account_filters(request)
    accounts = selectors.bureau_accounts(**filters)
    page = Paginator(accounts, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "query": urlencode(filters),
        "totals": selectors.holdings_totals(accounts),
        "kinds": AccountKind.choices,
        "statuses": AccountStatus.choices,
    }
    return render(request, "trading/account_admin.html", context)


@login_required
@require_GET
def account_admin_download(request, fmt: str):
    require_registrar(request.user)
    if fmt not in excel.FORMATS:
        raise Http404
    accounts = selectors.bureau_accounts(**_account_filters(request))
    instruments = list(Instrument.objects.all())
    kinds, statuses = dict(AccountKind.choices), dict(AccountStatus.choices)
    headers = [
        _("Account number"),
        _("Kind"),
        _("Holder"),
        _("Holder's credit code"),
        _("Status"),
        _("May not trade (Art. 32)"),
        _("Why it may not trade"),
        _("Opened at"),
    ] + [_("%(instrument)s (t)") % {"instrument": i.code} for i in instruments]

    def rows():
        for account in accounts.iterator(chunk_size=500):
            held = {h.instrument_id: h.quantity_t for h in account.holdings.all()}
            yield [
                account.number,
                str(kinds[account.kind]),
                account.holder.name if account.holder else "",
                account.holder.uscc if account.holder else "",
                str(statuses[account.status]),
                _("Yes") if account.trading_prohibited else _("No"),
                account.prohibition_reason,
                timezone.localtime(account.opened_at),
            ] + [held.get(i.pk, 0) for i in instruments]

    return excel.table_response(fmt, "registry-accounts", headers, rows(), sheet_title=_("Registry accounts"))


@login_required
def account_open_view(request):
    """One organisation by its credit code, or every regulated unit of a published list."""
    require_registrar(request.user)
    years = selectors.published_list_years()
    action = request.POST.get("action") if request.method == "POST" else None
    one = OpenAccountForm(request.POST if action == "one" else None, prefix="one")
    for_list = OpenForListForm(request.POST if action == "list" else None, prefix="list", years=years)
    if action == "one" and one.is_valid():
        organisation = Organisation.objects.filter(uscc=one.cleaned_data["uscc"]).first()
        if organisation is None:
            one.add_error("uscc", _("No organisation has this credit code."))
        else:
            try:
                account = account_open(actor=request.user, organisation=organisation)
            except ValidationError as exc:
                add_service_error(one, exc)
            else:
                messages.success(request, _("Account %(number)s opened.") % {"number": account.number})
                return redirect("trading:account_detail", number=account.number)
    if action == "list" and for_list.is_valid():
        try:
            opened = accounts_open_for_list(actor=request.user, year=for_list.cleaned_data["year"])
        except ValidationError as exc:
            add_service_error(for_list, exc)
        else:
            n = len(opened.accounts)
            messages.success(request, ngettext("%(n)s account opened.", "%(n)s accounts opened.", n) % {"n": n})
            for organisation, reason in opened.refused:
                messages.warning(request, f"{organisation.name}: {reason}")
            return redirect("trading:account_admin")
    waiting = [(year, selectors.listed_without_account(year).count()) for year in years]
    context = {"one": one, "for_list": for_list, "waiting": waiting}
    return render(request, "trading/account_open.html", context)


@login_required
def account_prohibition(request, number: str):
    require_registrar(request.user)
    account = selectors.account_for(request.user, number)
    initial = {"prohibited": "yes" if account.trading_prohibited else "no", "reason": account.prohibition_reason}
    form = ProhibitionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            account_set_prohibition(
                actor=request.user,
                account=account,
                prohibited=form.cleaned_data["prohibited"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("What account %(number)s may do is recorded.") % {"number": account.number})
            return redirect("trading:account_detail", number=account.number)
    return render(request, "trading/account_prohibition.html", {"account": account, "form": form})


@login_required
@require_GET
def transaction_admin(request):
    require_registrar(request.user)
    q = request.GET.get("q", "").strip()[:40]
    kind = request.GET.get("kind", "")
    kind = kind if kind in TransactionKind.values else ""
    filters = {k: v for k, v in {"q": q, "kind": kind}.items() if v}
    page = Paginator(selectors.transactions(q=q, kind=kind), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "filters": filters, "kinds": TransactionKind.choices}
    return render(request, "trading/transaction_admin.html", context)


@login_required
def transaction_detail(request, code: str):
    """The transaction's entries and hashes; a reversal posts them again with the signs turned."""
    require_registrar(request.user)
    tx = selectors.transaction_detail(code)
    form = ReverseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            posted = reversal_record(
                actor=request.user,
                original=tx,
                reason=form.cleaned_data["reason"],
                idempotency_key=user_key(request.user, form.cleaned_data["idempotency_key"]),
            )
        except ValidationError as exc:
            add_service_error(form, exc)
            if is_idempotency_conflict(exc):
                form.renew_key()
        else:
            if posted.replayed:
                messages.info(request, _("This reversal was already recorded: nothing was posted a second time."))
            else:
                messages.success(request, _("Reversal %(code)s recorded.") % {"code": posted.transaction.code})
            return redirect("trading:transaction_detail", code=posted.transaction.code)
    reversal = selectors.reversal_of(tx)
    context = {
        "tx": tx,
        "entries": list(tx.entries.all()),
        "reversal": reversal,
        "may_reverse": reversal is None and tx.kind != TransactionKind.REVERSAL,
        "form": form,
    }
    return render(request, "trading/transaction_detail.html", context)


@login_required
def ledger_health(request):
    """Recomputes every hash and the holdings from the entries, on demand (POST: it reads the whole ledger)."""
    require_registrar(request.user)
    context = {"check": None}
    if request.method == "POST":
        started = monotonic()
        check = verify_chain()
        mismatches = holdings_mismatches()
        context = {
            "check": check,
            "mismatches": mismatches,
            "seconds": f"{monotonic() - started:.2f}",
            "checked_at": timezone.now(),
        }
    return render(request, "trading/ledger_health.html", context)
