"""Public pages, no login: anyone verifies a ledger entry by its code against the published chain
heads (Art. 12; DOMAIN.md "Who uses it"), and reads or downloads the heads. No personal data: a
transaction shows its kind, day, hash, instruments, quantities and account numbers only."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from carbon_portal import excel

from ..choices import PlanStatus
from ..forms import VerifyCodeForm
from ..models import AllocationPlan
from ..selectors.accounts import chain_heads, public_entries
from ..selectors.chain import verify_code

PAGE_SIZE = 50


@require_GET
def verify(request):
    """The code comes in the query string, so a record can link straight to its verification."""
    form = VerifyCodeForm(request.GET if "code" in request.GET else None)
    context = {"form": form, "check": None, "entries": [], "latest_head": chain_heads().first()}
    if form.is_bound and form.is_valid():
        check = verify_code(form.cleaned_data["code"])
        context["check"] = check
        if check.found:
            context["entries"] = public_entries(check.transaction)
    return render(request, "trading/verify.html", context)


@require_GET
def heads(request):
    page = Paginator(chain_heads(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "trading/chain_heads.html", {"page": page, "filters": {}})


@require_GET
def heads_download(request, fmt: str):
    if fmt not in excel.FORMATS:
        raise Http404
    headers = [
        _("Day"),
        _("Last position in the chain"),
        _("Head hash (SHA-256)"),
        _("Transactions that day"),
        _("Published at"),
    ]
    rows = (
        [h.day, h.last_sequence, h.sha256, h.transactions, timezone.localtime(h.published_at)]
        for h in chain_heads().iterator(chunk_size=2000)
    )
    return excel.table_response(fmt, "ledger-chain-heads", headers, rows, sheet_title=_("Chain heads"))


@require_GET
def market_hub(request):
    """The carbon market's public face in one place: the year's plan, auctions, the exchange's
    latest figures, compliance and the ledger's published head, each linking to its page."""
    from ..selectors import auctions as auction_selectors
    from ..selectors import market as market_selectors

    context = {
        "plan": AllocationPlan.objects.filter(status__in=[PlanStatus.PUBLISHED, PlanStatus.CONSULTATION])
        .order_by("-year", "-version")
        .first(),
        "auctions": list(auction_selectors.public_auctions()[:3]),
        "latest": market_selectors.latest_figures()[:3],
        "compliance_plan": AllocationPlan.objects.filter(
            status=PlanStatus.PUBLISHED, surrender_deadline__lt=timezone.localdate()
        )
        .order_by("-year")
        .first(),
        "head": chain_heads().first(),
    }
    return render(request, "trading/market_hub.html", context)
