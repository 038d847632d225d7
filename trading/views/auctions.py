"""Sealed-bid auctions (Art. 13, 34): the bureau's pages to set one up (four eyes), clear it and
confirm payments; a unit's page to bid; and the public pages of announced auctions and results.
Before bidding closes no page shows a bid but the unit's own, nor how many there are."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from carbon_portal import excel
from carbon_portal.forms import add_service_error
from carbon_portal.i18n_text import pick
from carbon_portal.permissions import is_bureau, is_bureau_approver, organisation_ids_of, require_bureau
from carbon_portal.roles import Role
from registry.models import Organisation

from ..choices import AuctionStatus
from ..forms_auctions import AuctionForm, BidForm, DecisionForm, PaymentForm, ReasonForm
from ..models import Auction, Bid
from ..selectors import auctions as selectors
from ..services import auction_bids as bidding
from ..services import auction_clearing as clearing
from ..services import auctions as services

A = AuctionStatus
FIELDS = ("kind", "vintage", "quantity_t", "limit_price_yuan", "max_bid_pct", "min_bid_t")
FIELDS += ("opens_at", "closes_at", "payment_due", "notes")


def _flash(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


# -- the bureau -----------------------------------------------------------------------------------


@login_required
@require_GET
def auction_admin(request):
    require_bureau(request.user)
    return render(request, "trading/auction_admin.html", {"auctions": selectors.bureau_auctions()})


@login_required
def auction_new(request):
    require_bureau(request.user)
    form = AuctionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            auction = services.auction_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Draft auction No. %(pk)s saved.") % {"pk": auction.pk})
            return redirect("trading:auction_detail", pk=auction.pk)
    return render(request, "trading/auction_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def auction_edit(request, pk: int):
    require_bureau(request.user)
    auction = selectors.bureau_auction(pk)
    if auction.status not in services.AUCTION_EDITABLE:
        messages.error(request, _("Only a draft auction can be changed."))
        return redirect("trading:auction_detail", pk=pk)
    initial = {field: getattr(auction, field) for field in FIELDS}
    initial["opens_at"] = timezone.localtime(auction.opens_at)
    initial["closes_at"] = timezone.localtime(auction.closes_at)
    form = AuctionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.auction_update(actor=request.user, auction=auction, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Draft saved."))
            return redirect("trading:auction_detail", pk=pk)
    context = {"form": form, "auction": auction}
    return render(request, "trading/auction_form.html", context, status=400 if form.errors else 200)


def _render_detail(request, auction: Auction, *, decision_form=None, cancel_form=None):
    now = timezone.now()
    sealed = selectors.is_sealed(auction, now)
    bids = selectors.opened_bids(auction, now)
    context = {
        "auction": auction,
        "sealed": sealed,
        "bids": bids,
        "winners": sum(1 for bid in bids if bid.awarded_t),
        "replaced": selectors.replaced_bids(auction, now),
        "cap_t": services.bidder_cap_t(auction),
        "decision_form": decision_form or DecisionForm(),
        "cancel_form": cancel_form or ReasonForm(),
        "can_decide": auction.status == A.PENDING
        and is_bureau_approver(request.user)
        and auction.prepared_by_id != request.user.pk,
        "can_cancel": auction.status in services.AUCTION_CANCELLABLE and (auction.status != A.ANNOUNCED or sealed),
        "can_clear": auction.status == A.ANNOUNCED and not sealed,
        "has_results": auction.status in selectors.RESULTS,
    }
    bound = decision_form is not None or cancel_form is not None
    return render(request, "trading/auction_detail.html", context, status=400 if bound else 200)


@login_required
@require_GET
def auction_detail(request, pk: int):
    require_bureau(request.user)
    return _render_detail(request, selectors.bureau_auction(pk))


@login_required
@require_POST
def auction_submit(request, pk: int):
    require_bureau(request.user)
    auction = selectors.bureau_auction(pk)
    try:
        services.auction_submit(actor=request.user, auction=auction)
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("The auction is sent for approval: a second bureau user announces it."))
    return redirect("trading:auction_detail", pk=pk)


@login_required
@require_POST
def auction_decide(request, pk: int):
    """Four eyes: a bureau approver other than the preparer announces the auction or returns it."""
    require_bureau(request.user)
    auction = selectors.bureau_auction(pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            if form.cleaned_data["decision"] == "approve":
                services.auction_approve(actor=request.user, auction=auction)
                messages.success(request, _("The auction is announced."))
            else:
                services.auction_return(actor=request.user, auction=auction, reason=form.cleaned_data["reason"])
                messages.success(request, _("The auction is returned to its preparer."))
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            return redirect("trading:auction_detail", pk=pk)
    return _render_detail(request, auction, decision_form=form)


@login_required
@require_POST
def auction_cancel(request, pk: int):
    require_bureau(request.user)
    auction = selectors.bureau_auction(pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.auction_cancel(actor=request.user, auction=auction, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The auction is cancelled."))
            return redirect("trading:auction_detail", pk=pk)
    return _render_detail(request, auction, cancel_form=form)


@login_required
@require_POST
def auction_clear(request, pk: int):
    require_bureau(request.user)
    auction = selectors.bureau_auction(pk)
    try:
        auction = clearing.auction_clear(actor=request.user, auction=auction)
    except ValidationError as exc:
        _flash(request, exc)
    else:
        if auction.awarded_t:
            messages.success(request, _("The auction is cleared and its bidders are told the result."))
        else:
            messages.warning(request, _("The auction is cleared: no valid bid, nothing was awarded."))
    return redirect("trading:auction_detail", pk=pk)


@login_required
def auction_payment(request, pk: int, bid_pk: int):
    """The registrar confirms an award's payment; for a sale this delivers the allowances."""
    require_bureau(request.user)
    auction = selectors.bureau_auction(pk)
    try:
        bid = selectors.results_bid(auction, bid_pk)
    except Bid.DoesNotExist:
        raise Http404 from None
    form = PaymentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            clearing.award_confirm_payment(actor=request.user, bid=bid, reference=form.cleaned_data["reference"])
        except ValidationError as exc:
            if getattr(exc, "code", None) == "already_paid":
                messages.info(request, exc.messages[0])
                return redirect("trading:auction_detail", pk=pk)
            add_service_error(form, exc)
        else:
            messages.success(request, _("Payment confirmed."))
            return redirect("trading:auction_detail", pk=pk)
    context = {"auction": auction, "bid": bid, "form": form}
    return render(request, "trading/auction_payment.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def auction_download(request, pk: int, fmt: str):
    require_bureau(request.user)
    if fmt not in excel.FORMATS:
        raise Http404
    auction = selectors.bureau_auction(pk)
    if selectors.is_sealed(auction):
        raise Http404  # sealed: not even a file with no rows
    headers = [_("Bidder"), _("Credit code"), _("Quantity bid (t)"), _("Price (yuan/t)"), _("Submitted at")]
    headers += [_("Awarded (t)"), _("Amount (yuan)"), _("Payment"), _("Payment reference"), _("Transaction")]
    headers += [_("Why nothing was awarded")]
    rows = (
        [
            b.organisation.name,
            b.organisation.uscc,
            b.quantity_t,
            b.price_yuan,
            timezone.localtime(b.submitted_at).strftime("%Y-%m-%d %H:%M:%S"),
            b.awarded_t,
            b.amount_yuan,
            str(b.get_payment_display()),
            b.payment_reference,
            b.delivery.code if b.delivery else "",
            pick(b.rejected_reason),
        ]
        for b in selectors.opened_bids(auction)
    )
    return excel.table_response(fmt, f"auction-{auction.pk}-results", headers, rows, sheet_title=_("Results"))


# -- a unit's staff -------------------------------------------------------------------------------


def _require_unit_staff(request) -> list[Organisation]:
    ids = organisation_ids_of(request.user, Role.UNIT_STAFF)
    if not ids:
        raise PermissionDenied(_("Only a unit's staff bid at auctions."))
    return list(Organisation.objects.filter(pk__in=ids).order_by("name_zh"))


@login_required
@require_GET
def auction_unit(request):
    if is_bureau(request.user):
        return redirect("trading:auction_admin")
    _require_unit_staff(request)
    return render(request, "trading/auction_unit.html", {"view": selectors.unit_auctions(request.user)})


@login_required
def auction_unit_detail(request, pk: int):
    """The auction's rules, the unit's own bid and the form to bid, change or withdraw; its result."""
    units = _require_unit_staff(request)
    auction = selectors.unit_auction(request.user, pk)
    form = BidForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data.get("organisation") or units[0].pk
        organisation = next((u for u in units if u.pk == chosen), None)
        try:
            if organisation is None:
                raise ValidationError({"organisation": _("Choose the unit you bid for.")})
            bid = bidding.bid_place(
                actor=request.user,
                auction=auction,
                organisation=organisation,
                quantity_t=form.cleaned_data["quantity_t"],
                price_yuan=form.cleaned_data["price_yuan"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("Your bid is received, reference BID-%(pk)s. It stays sealed until bidding closes.") % {"pk": bid.pk},
            )
            return redirect("trading:auction_unit_detail", pk=pk)
    context = {
        "auction": auction,
        "form": form,
        "open": selectors.is_open_for_bids(auction),
        "live": [b for b in auction.own_bids if b.withdrawn_at is None],
        "replaced": [b for b in auction.own_bids if b.withdrawn_at is not None],
        "cap_t": services.bidder_cap_t(auction),
        "has_results": auction.status in selectors.RESULTS,
    }
    return render(request, "trading/auction_bid.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def auction_withdraw(request, pk: int, bid_pk: int):
    ids = organisation_ids_of(request.user, Role.UNIT_STAFF)
    bid = get_object_or_404(Bid, pk=bid_pk, auction_id=pk, organisation_id__in=ids)
    try:
        bidding.bid_withdraw(actor=request.user, bid=bid)
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("Your bid is withdrawn."))
    return redirect("trading:auction_unit_detail", pk=pk)


# -- the public -----------------------------------------------------------------------------------


@require_GET
def auction_public_index(request):
    return render(request, "trading/auction_public_index.html", {"auctions": selectors.public_auctions()})


@require_GET
def auction_public(request, pk: int):
    auction = selectors.public_auction(pk)
    winners = selectors.public_winners(auction)
    context = {
        "auction": auction,
        "winners": winners,
        "cap_t": services.bidder_cap_t(auction),
        "has_results": auction.status in selectors.RESULTS,
        "open": selectors.is_open_for_bids(auction),
    }
    return render(request, "trading/auction_public.html", context)
