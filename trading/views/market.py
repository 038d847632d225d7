"""Market information (Art. 31): the public page of the exchange's daily figures with its charts
and downloads (no login), and the import of the exchange's files by the bureau or the exchange: upload, check (dry run)
with what would be added and corrected, then import, all rows or none."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from carbon_portal import excel, pending_uploads

from .. import charts
from ..forms_market import COLUMNS, MAX_ROWS, ConfirmImportForm, MarketImportForm
from ..permissions import require_market_importer
from ..selectors import market as selectors
from ..services.market import market_import, market_template_headings

# The table under the charts lists at most this many days (newest first); the download has them all.
TABLE_MAX = 250
PAGE_SIZE = 50
# As in the organisation import (registry/views/imports.py): after a dry run passes, the checked
# file is kept in the session so "Import" needs no second upload; the import checks every row again
# and the digest in the confirm form makes sure the file imported is the one previewed.
SESSION_PENDING = "trading.market_import.pending"
SHOW_ERRORS = 200
SHOW_ROWS = 200


# -- the public --


def _headers() -> list[str]:
    return [
        _("Trading day"),
        _("Product"),
        _("Open (yuan/t)"),
        _("High (yuan/t)"),
        _("Low (yuan/t)"),
        _("Close (yuan/t)"),
        _("Volume (t)"),
        _("Turnover (yuan)"),
    ]


@require_GET
def market_public(request):
    """Each product's latest day; a product's close and range, and volume, over a period."""
    latest = selectors.latest_figures()
    codes = [figure.day.product for figure in latest]
    product, period = selectors.clean_choice(request.GET, codes)
    found = selectors.series(product, period) if product else None
    days = found.days if found else []
    context = {
        "latest": latest,
        "products": codes,
        "product": product,
        "period": period,
        "periods": list(selectors.PERIOD_LABELS.items()),
        "series": found,
        "price_chart": charts.price_chart(days),
        "volume_chart": charts.volume_chart(days),
        "summary": charts.summarise(days),
        "table": days[::-1][:TABLE_MAX],
        "table_more": max(len(days) - TABLE_MAX, 0),
        "query": urlencode({"product": product, "period": period}),
    }
    return render(request, "trading/market_public.html", context)


@require_GET
def market_download(request, fmt: str):
    """The figures the page shows for the product and period chosen."""
    if fmt not in excel.FORMATS:
        raise Http404
    product, period = selectors.clean_choice(request.GET, selectors.products())
    days = selectors.series(product, period).days if product else []
    rows = (
        [d.trade_date, d.product, d.open_yuan, d.high_yuan, d.low_yuan, d.close_yuan, d.volume_t, d.turnover_yuan]
        for d in days
    )
    return excel.table_response(
        fmt, f"market-{product or 'none'}-{period}", _headers(), rows, sheet_title=_("Market figures")
    )


# -- the bureau, and the exchange itself --


@login_required
@require_GET
def market_admin(request):
    """The files imported so far, newest first."""
    require_market_importer(request.user)
    page = Paginator(selectors.imports(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "trading/market_admin.html", {"page": page, "filters": {}})


@login_required
def market_template(request):
    """An empty workbook with the headings in Chinese and English."""
    require_market_importer(request.user)
    return excel.xlsx_response(
        "market-figures-template.xlsx", market_template_headings(), [], sheet_title=_("Market figures")
    )


@login_required
def market_import_view(request):
    require_market_importer(request.user)
    if request.method == "POST" and request.POST.get("action") == "confirm":
        return _confirm(request)
    form = MarketImportForm(request.POST or None, request.FILES or None)
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


def _run(request, form, upload, *, dry_run: bool, apply_corrections: bool = False):
    try:
        return market_import(
            actor=request.user, uploaded_file=upload, dry_run=dry_run, apply_corrections=apply_corrections
        )
    except ValidationError as exc:
        form.add_error("file", exc)
        return None


def _confirm(request):
    """Imports the file whose dry run the user has just seen; corrections only if ticked."""
    confirm = ConfirmImportForm(request.POST)
    upload = (
        pending_uploads.take(request, SESSION_PENDING, confirm.cleaned_data["sha256"]) if confirm.is_valid() else None
    )
    if upload is None:
        messages.error(request, _("The checked file is no longer available. Choose it again and select Import."))
        return redirect("trading:market_import")
    form = MarketImportForm(initial={"mode": "import"})
    result = _run(request, form, upload, dry_run=False, apply_corrections=confirm.cleaned_data["apply_corrections"])
    if result and result.ok:
        pending_uploads.drop(request, SESSION_PENDING)
        return _finish(request, result)
    return _render(request, form, result)


def _keep_pending(request, upload, result) -> None:
    pending_uploads.keep(request, SESSION_PENDING, upload, name=result.file_name, sha256=result.file_sha256)


def _finish(request, result):
    record = result.record
    messages.success(
        request,
        ngettext(
            "%(name)s imported: %(created)s day added, %(updated)s corrected.",
            "%(name)s imported: %(created)s days added, %(updated)s corrected.",
            record.created_days,
        )
        % {"name": record.file_name, "created": record.created_days, "updated": record.updated_days},
    )
    # Post/redirect/get: reloading the list never imports twice.
    return redirect("trading:market_admin")


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
        "corrections": result.corrections[:SHOW_ROWS] if ok else [],
        "more_corrections": max(len(result.corrections) - SHOW_ROWS, 0) if ok else 0,
        "flagged": result.flagged[:SHOW_ROWS] if result and result.rows else [],
        "pending_sha256": pending["sha256"] if pending and pending["sha256"] == result.file_sha256 else "",
        "columns": COLUMNS,
        "max_rows": MAX_ROWS,
    }
    return render(request, "trading/market_import.html", context)
