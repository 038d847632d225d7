"""The exchange's pages (Art. 31): the agreement transfers it reported, and the upload of a day's
file of them: check (dry run) with what would be recorded, then record, every row or none.
Exchange staff only; everyone else is refused (403)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from carbon_portal import excel, pending_uploads

from ..forms_exchange import COLUMNS, MAX_ROWS, ConfirmExchangeImportForm, ExchangeImportForm
from ..permissions import require_exchange
from ..selectors import exchange as selectors
from ..services.exchange import exchange_template_headings, reported_transfers_import

PAGE_SIZE = 50
# As in the market import (trading/views/market.py): the checked file waits in the session, so
# "Record" needs no second upload; recording checks every row again, and the digest in the confirm
# form makes sure the file recorded is the one previewed.
SESSION_PENDING = "trading.exchange_import.pending"
SHOW_ERRORS = 200
SHOW_ROWS = 500


def _headers() -> list[str]:
    return [
        _("Trade reference"),
        _("Trade date"),
        _("Seller account"),
        _("Seller"),
        _("Buyer account"),
        _("Buyer"),
        _("Instrument"),
        _("Quantity (t)"),
        _("Transaction code"),
        _("Recorded at"),
    ]


@login_required
@require_GET
def exchange_home(request):
    """What the exchange reported, newest first."""
    exchanges = require_exchange(request.user)
    page = Paginator(selectors.reported_transactions(exchanges), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "rows": selectors.reported_rows(page.object_list), "filters": {}}
    return render(request, "trading/exchange_home.html", context)


@login_required
@require_GET
def exchange_download(request, fmt: str):
    exchanges = require_exchange(request.user)
    if fmt not in excel.FORMATS:
        raise Http404
    rows = (
        [
            r.trade_reference,
            r.trade_date,
            r.seller.number,
            r.seller.holder.name_zh,
            r.buyer.number,
            r.buyer.holder.name_zh,
            r.instrument.code,
            r.quantity_t,
            r.code,
            r.recorded_at,
        ]
        for r in selectors.reported_rows(selectors.reported_transactions(exchanges))
    )
    return excel.table_response(fmt, "agreement-transfers", _headers(), rows, sheet_title=_("Agreement transfers"))


@login_required
@require_GET
def exchange_template(request):
    """An empty workbook with the headings in Chinese and English."""
    require_exchange(request.user)
    return excel.xlsx_response(
        "agreement-transfers-template.xlsx", exchange_template_headings(), [], sheet_title=_("Agreement transfers")
    )


@login_required
def exchange_import(request):
    require_exchange(request.user)
    if request.method == "POST" and request.POST.get("action") == "confirm":
        return _confirm(request)
    form = ExchangeImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        dry_run = form.cleaned_data["mode"] == "check"
        result = _run(request, form, upload, dry_run=dry_run)
        if result and result.ok and not dry_run:
            return _finish(request, result)
        if result and result.ok:
            _keep_pending(request, upload, result)
    return _render(request, form, result)


def _run(request, form, upload, *, dry_run: bool):
    try:
        return reported_transfers_import(actor=request.user, uploaded_file=upload, dry_run=dry_run)
    except ValidationError as exc:
        form.add_error("file", exc)
        return None


def _confirm(request):
    """Records the file whose dry run the user has just seen."""
    confirm = ConfirmExchangeImportForm(request.POST)
    upload = (
        pending_uploads.take(request, SESSION_PENDING, confirm.cleaned_data["sha256"]) if confirm.is_valid() else None
    )
    if upload is None:
        messages.error(request, _("The checked file is no longer available. Choose it again and select Record."))
        return redirect("trading:exchange_import")
    form = ExchangeImportForm(initial={"mode": "import"})
    result = _run(request, form, upload, dry_run=False)
    if result and result.ok:
        pending_uploads.drop(request, SESSION_PENDING)
        return _finish(request, result)
    return _render(request, form, result)


def _keep_pending(request, upload, result) -> None:
    pending_uploads.keep(request, SESSION_PENDING, upload, name=result.file_name, sha256=result.file_sha256)


def _finish(request, result):
    new, on_record = len(result.new), len(result.on_record)
    message = ngettext(
        "%(name)s: %(new)s agreement transfer recorded, %(same)s already on record.",
        "%(name)s: %(new)s agreement transfers recorded, %(same)s already on record.",
        new,
    ) % {"name": result.file_name, "new": new, "same": on_record}
    messages.success(request, message)
    # Post/redirect/get: reloading the list never records twice.
    return redirect("trading:exchange_home")


def _render(request, form, result):
    pending = request.session.get(SESSION_PENDING) if result and result.ok and result.dry_run else None
    errors = result.errors if result else []
    ok = bool(result and result.ok)
    context = {
        "form": form,
        "result": result,
        "errors": errors[:SHOW_ERRORS],
        "more_errors": max(len(errors) - SHOW_ERRORS, 0),
        "new_rows": result.new[:SHOW_ROWS] if ok else [],
        "more_new": max(len(result.new) - SHOW_ROWS, 0) if ok else 0,
        "on_record": result.on_record[:SHOW_ROWS] if ok else [],
        "pending_sha256": pending["sha256"] if pending and pending["sha256"] == result.file_sha256 else "",
        "columns": COLUMNS,
        "max_rows": MAX_ROWS,
    }
    return render(request, "trading/exchange_import.html", context)
