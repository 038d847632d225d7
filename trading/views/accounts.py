"""A unit's allowance account (Art. 12): what it holds, its history, transfers and voluntary
cancellations. The unit's staff reach only their unit's accounts (another's is a 404); the bureau
reads every account here but moves none (403 on the forms)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from carbon_portal.forms import add_service_error
from carbon_portal.permissions import is_bureau, organisation_ids_of
from carbon_portal.roles import Role

from ..choices import AccountStatus, TransactionKind
from ..forms import CancellationForm, TransferForm, is_idempotency_conflict, user_key
from ..models import Account, Instrument, LedgerTransaction
from ..permissions import require_account_holder
from ..selectors import accounts as selectors
from ..selectors import warnings as warning_selectors
from ..selectors.certificates import cancellations_for, certificate_state, certificate_states
from ..services.acts import cancel_voluntarily, transfer
from ..services.certificates import certificate_request

PAGE_SIZE = 25


def _movable(user, number: str) -> Account:
    """An account the user may see (404 otherwise) and move (403 otherwise: the bureau reads only)."""
    account = selectors.account_for(user, number)
    require_account_holder(user, account)
    return account


def _instrument_choices(account: Account) -> list[tuple[str, str]]:
    return [
        (
            h.instrument.code,
            _("%(code)s (held: %(quantity)s t)") % {"code": h.instrument.code, "quantity": f"{h.quantity_t:,.0f}"},
        )
        for h in selectors.holdings_of(account)
        if h.quantity_t > 0
    ]


def _may_move(account: Account) -> bool:
    return account.status == AccountStatus.OPEN and not account.trading_prohibited


def _recorded(request, account: Account, posted, done: str):
    if posted.replayed:
        messages.info(request, _("This request was already recorded: nothing was moved a second time."))
    else:
        messages.success(request, done)
    return redirect("trading:recorded", number=account.number, code=posted.transaction.code)


@login_required
@require_GET
def account_home(request):
    """The unit's holding account(s); the bureau goes to its list of every account."""
    if is_bureau(request.user):
        return redirect("trading:account_admin")
    if not organisation_ids_of(request.user, Role.UNIT_STAFF):
        raise PermissionDenied(_("Only a unit's staff hold an allowance account."))
    accounts = selectors.unit_accounts(request.user)
    missing = selectors.units_without_account(request.user)
    if len(accounts) == 1 and not missing:
        return redirect("trading:account_detail", number=accounts[0].number)
    context = {
        "accounts": accounts,
        "missing": missing,
        "early_warnings": warning_selectors.current_warnings_for(request.user),
    }
    return render(request, "trading/account_home.html", context)


@login_required
@require_GET
def account_detail(request, number: str):
    account = selectors.account_for(request.user, number)
    page = Paginator(selectors.account_history(account), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.with_counterparties(page)
    certificates = certificate_states(
        [r.transaction.pk for r in rows if r.transaction.kind == TransactionKind.CANCELLATION]
    )
    context = {
        "account": account,
        "holdings": selectors.holdings_of(account),
        "page": page,
        "rows": rows,
        "history": [(row, certificates.get(row.transaction.pk)) for row in rows],
        "filters": {},
        "is_holder": account.holder_id in organisation_ids_of(request.user, Role.UNIT_STAFF),
        "is_registrar": is_bureau(request.user),
        "may_move": _may_move(account),
        "early_warning": warning_selectors.current_warning(account.holder_id) if account.holder_id else None,
    }
    return render(request, "trading/account_detail.html", context)


@login_required
def transfer_view(request, number: str):
    account = _movable(request.user, number)
    instruments = _instrument_choices(account)
    form = TransferForm(request.POST or None, instruments=instruments)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        to_account = Account.objects.filter(number=data["to_account"]).first()
        if to_account is None:
            form.add_error("to_account", _("No account has this number."))
        else:
            try:
                posted = transfer(
                    actor=request.user,
                    from_account=account,
                    to_account=to_account,
                    instrument=Instrument.objects.get(code=data["instrument"]),
                    quantity_t=data["quantity_t"],
                    idempotency_key=user_key(request.user, data["idempotency_key"]),
                    memo=data["memo"],
                )
            except ValidationError as exc:
                add_service_error(form, exc)
                if is_idempotency_conflict(exc):
                    form.renew_key()
            else:
                return _recorded(request, account, posted, _("Transfer recorded."))
    context = {"account": account, "form": form, "may_move": _may_move(account), "has_units": bool(instruments)}
    return render(request, "trading/transfer_form.html", context)


@login_required
def cancel_view(request, number: str):
    """Voluntary cancellation: the form, then "check your answers", then the transaction code."""
    account = _movable(request.user, number)
    instruments = _instrument_choices(account)
    form = CancellationForm(request.POST or None, instruments=instruments)
    context = {"account": account, "form": form, "may_move": _may_move(account), "has_units": bool(instruments)}
    if request.method == "POST" and form.is_valid() and "change" not in request.POST:
        data = form.cleaned_data
        if "confirm" not in request.POST:
            return render(request, "trading/cancel_check.html", context | {"data": data})
        try:
            posted = cancel_voluntarily(
                actor=request.user,
                from_account=account,
                instrument=Instrument.objects.get(code=data["instrument"]),
                quantity_t=data["quantity_t"],
                idempotency_key=user_key(request.user, data["idempotency_key"]),
                purpose=data["purpose"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
            if is_idempotency_conflict(exc):
                form.renew_key()
        else:
            if not posted.replayed:
                certificate_request(actor=request.user, transaction=posted.transaction)
            return _recorded(request, account, posted, _("Cancellation recorded: the units are out of circulation."))
    return render(request, "trading/cancel_form.html", context)


@login_required
@require_GET
def recorded(request, number: str, code: str):
    """The confirmation: the transaction's code, to keep and to verify."""
    account = selectors.account_for(request.user, number)
    tx = get_object_or_404(LedgerTransaction.objects.filter(entries__account=account).distinct(), code=code)
    entries = [e for e in selectors.public_entries(tx) if e.account_id == account.pk]
    context = {"account": account, "tx": tx, "entries": entries}
    if tx.kind == TransactionKind.CANCELLATION and cancellations_for(request.user).filter(pk=tx.pk).exists():
        context["cert"] = certificate_state(tx)
    return render(request, "trading/recorded.html", context)
