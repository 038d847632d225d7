"""Trading's contribution to the dashboard.

Units: a frozen holding account, auction payments due, auctions open for bids, an open early
warning. Bureau: plans, issuances and auctions awaiting a second user's approval, auctions to
clear and payments to confirm, units short of their projected emissions. A few queries each,
whatever the number of rows. Nothing here reveals a sealed bid: only cleared auctions' awards
are counted."""

from django.db.models import Count, Min
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from carbon_portal.dashboard import Task
from carbon_portal.permissions import is_bureau, is_bureau_approver, organisation_ids_of
from carbon_portal.roles import Role

from .choices import (
    AccountKind,
    AccountStatus,
    AuctionStatus,
    AwardPayment,
    IssuanceStatus,
    PlanStatus,
    WarningStatus,
)
from .models import Account, AllocationPlan, Auction, Bid, EarlyWarning, IssuanceBatch


def tasks_for(user) -> list[Task]:
    tasks = _bureau_tasks(user) if is_bureau(user) else []
    units = organisation_ids_of(user, Role.UNIT_STAFF)
    if units:
        tasks += _unit_tasks(units)
    return tasks


def _unit_tasks(units) -> list[Task]:
    tasks = [
        Task(
            title=_("Holding account %(number)s is frozen: contact the bureau") % {"number": account.number},
            url=reverse("trading:account_detail", args=[account.number]),
            tag=_("Frozen"),
            tag_colour="red",
            basis=_("Art. 12 of the Measures"),
        )
        for account in Account.objects.filter(
            holder_id__in=units, kind=AccountKind.HOLDING, status=AccountStatus.FROZEN
        ).order_by("number")
    ]
    due = Bid.objects.filter(
        organisation_id__in=units,
        withdrawn_at__isnull=True,
        payment=AwardPayment.DUE,
        auction__kind__in=["paid", "reserve"],
    ).select_related("auction")
    for bid in due.order_by("auction__payment_due", "pk"):
        tasks.append(
            Task(
                title=_("Pay %(amount)s yuan for %(t)s t won at auction no. %(n)s")
                % {"amount": f"{bid.amount_yuan:,.2f}", "t": f"{bid.awarded_t:,.0f}", "n": bid.auction_id},
                url=reverse("trading:auction_unit_detail", args=[bid.auction_id]),
                due=bid.auction.payment_due,
                tag=_("Payment due"),
                tag_colour="orange",
                basis=_("Art. 13 of the Measures"),
            )
        )
    now = timezone.now()
    open_auctions = Auction.objects.filter(
        status=AuctionStatus.ANNOUNCED, opens_at__lte=now, closes_at__gt=now
    ).order_by("closes_at")
    for auction in open_auctions:
        tasks.append(
            Task(
                title=_("%(kind)s no. %(n)s is open for sealed bids")
                % {"kind": auction.get_kind_display(), "n": auction.pk},
                url=reverse("trading:auction_unit_detail", args=[auction.pk]),
                due=timezone.localdate(auction.closes_at),
                tag=_("Open for bids"),
                basis=_("Art. 34 of the Measures") if auction.kind != "paid" else _("Art. 13 of the Measures"),
            )
        )
    warnings = EarlyWarning.objects.filter(organisation_id__in=units, status=WarningStatus.OPEN).order_by(
        "organisation_id", "-year", "-as_of_month"
    )
    seen = set()
    for warning in warnings:
        if warning.organisation_id in seen:
            continue
        seen.add(warning.organisation_id)
        tasks.append(
            Task(
                title=_("Your holdings are %(t)s t short of the emissions projected for %(year)s")
                % {"t": f"{warning.shortfall_t:,.0f}", "year": warning.year},
                url=reverse("trading:warning_unit"),
                tag=_("Early warning"),
                tag_colour="orange",
                basis=_("Art. 21 of the Measures"),
            )
        )
    return tasks


def _bureau_tasks(user) -> list[Task]:
    tasks = []
    if is_bureau_approver(user):
        tasks += _approvals(user)
    now = timezone.now()
    to_clear = Auction.objects.filter(status=AuctionStatus.ANNOUNCED, closes_at__lte=now).order_by("closes_at")
    for auction in to_clear:
        tasks.append(
            Task(
                title=_("Clear auction no. %(n)s: bidding has closed") % {"n": auction.pk},
                url=reverse("trading:auction_detail", args=[auction.pk]),
                tag=_("To clear"),
                basis=_("Art. 34 of the Measures"),
            )
        )
    payments = (
        Bid.objects.filter(auction__status=AuctionStatus.CLEARED, withdrawn_at__isnull=True, payment=AwardPayment.DUE)
        .values("auction_id")
        .annotate(n=Count("id"), due=Min("auction__payment_due"))
        .order_by("due")
    )
    for row in payments:
        tasks.append(
            Task(
                title=ngettext(
                    "Confirm %(n)s payment for auction no. %(auction)s",
                    "Confirm %(n)s payments for auction no. %(auction)s",
                    row["n"],
                )
                % {"n": row["n"], "auction": row["auction_id"]},
                url=reverse("trading:auction_detail", args=[row["auction_id"]]),
                due=row["due"],
                tag=_("Payment"),
                basis=_("Art. 13 of the Measures"),
            )
        )
    short = (
        EarlyWarning.objects.filter(status=WarningStatus.OPEN)
        .values("year")
        .annotate(n=Count("organisation_id", distinct=True))
        .order_by("-year")
    )
    for row in short[:1]:
        tasks.append(
            Task(
                title=ngettext(
                    "%(n)s unit is short of its projected %(year)s emissions",
                    "%(n)s units are short of their projected %(year)s emissions",
                    row["n"],
                )
                % row,
                url=reverse("trading:warning_admin", args=[row["year"]]),
                tag=_("Early warning"),
                tag_colour="orange",
                basis=_("Art. 21 of the Measures"),
            )
        )
    return tasks


def _approvals(user) -> list[Task]:
    """What waits for a second bureau user; never what the user prepared."""
    tasks = []
    for plan in AllocationPlan.objects.filter(status=PlanStatus.PENDING).exclude(prepared_by=user):
        tasks.append(
            Task(
                title=_("Approve or return the %(year)s allocation plan (version %(version)s)")
                % {"year": plan.year, "version": plan.version},
                url=reverse("trading:plan_approval", args=[plan.pk]),
                tag=_("Awaiting your approval"),
                tag_colour="orange",
                basis=_("Art. 10 of the Measures"),
            )
        )
    batches = IssuanceBatch.objects.filter(status=IssuanceStatus.PENDING).exclude(prepared_by=user)
    for batch in batches.select_related("run__plan"):
        tasks.append(
            Task(
                title=_("Approve or return the issuance of the %(year)s allocation") % {"year": batch.run.plan.year},
                url=reverse("trading:issuance_page", args=[batch.run_id]),
                tag=_("Awaiting your approval"),
                tag_colour="orange",
                basis=_("Art. 13 of the Measures"),
            )
        )
    for auction in Auction.objects.filter(status=AuctionStatus.PENDING).exclude(prepared_by=user):
        tasks.append(
            Task(
                title=_("Approve or return %(kind)s no. %(n)s") % {"kind": auction.get_kind_display(), "n": auction.pk},
                url=reverse("trading:auction_detail", args=[auction.pk]),
                tag=_("Awaiting your approval"),
                tag_colour="orange",
                basis=_("Art. 34 of the Measures"),
            )
        )
    return tasks
