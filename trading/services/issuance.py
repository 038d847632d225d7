"""Issuing an adopted allocation (Art. 10, 12; DOMAIN.md "Allowances"), with four eyes: one
bureau user prepares the batch, a bureau approver other than the preparer approves it, and the
approval issues each unit's free allocation to its holding account, the paid share to the
auction account and the reserve to the reserve account. Issuance never exceeds the plan's cap:
the check runs inside the transaction that posts, under the ledger's lock."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carbon_portal import audit, notifications
from carbon_portal.formatting import format_tonnes
from carbon_portal.permissions import require_bureau, require_second_bureau_user
from reporting.notices import staff_of

from ..choices import AccountKind, IssuanceStatus, RunStatus
from ..models import AllocationPlan, AllocationRun, IssuanceBatch
from ..selectors.runs import allocations_to_issue, issued_from_issuance, open_batch
from .accounts import account_open, allowance, bureau_account, holding_account_of
from .acts import issue
from .ledger import _locked_tip


@transaction.atomic
def issuance_prepare(*, actor, run: AllocationRun) -> IssuanceBatch:
    """Prepares the issuance of an adopted run; one pending or issued batch per run."""
    require_bureau(actor)
    run = AllocationRun.objects.select_for_update().get(pk=run.pk)
    if run.status != RunStatus.ADOPTED:
        raise ValidationError(_("Only the adopted allocation of a published plan is issued."))
    existing = open_batch(run)
    if existing is not None:
        raise ValidationError(
            _("This allocation's issuance is already %(status)s.") % {"status": existing.get_status_display()}
        )
    batch = IssuanceBatch.objects.create(run=run, prepared_by=actor)
    audit.record(actor=actor, verb="allocation.issuance_prepare", target=batch, data={"run": run.pk})
    return batch


def _locked_pending(batch: IssuanceBatch) -> IssuanceBatch:
    batch = IssuanceBatch.objects.select_for_update().select_related("run__plan", "prepared_by").get(pk=batch.pk)
    if batch.status != IssuanceStatus.PENDING:
        raise ValidationError(
            _("This issuance is %(status)s: there is nothing to decide.") % {"status": batch.get_status_display()}
        )
    return batch


@transaction.atomic
def issuance_approve(*, actor, batch: IssuanceBatch) -> IssuanceBatch:
    """Four eyes: a second bureau user approves, and the allowances are issued in this transaction.
    Refused with nothing recorded when everything already issued of the year's allowances plus
    this batch would exceed the plan's cap (over-issuance)."""
    batch = _locked_pending(batch)
    require_second_bureau_user(actor=actor, first_actor=batch.prepared_by)
    run = batch.run
    plan = AllocationPlan.objects.select_for_update().get(pk=run.plan_id)
    instrument = allowance(plan.year)
    _locked_tip()  # every posting waits for this lock: nothing is issued between the check and ours
    allocations = list(allocations_to_issue(run))
    paid_t = run.allocations.aggregate(t=Sum("paid_t"))["t"] or Decimal(0)
    this_batch = sum((a.free_t for a in allocations), Decimal(0)) + paid_t + plan.reserve_t
    already = issued_from_issuance(instrument)
    if already + this_batch > plan.cap_t:
        raise ValidationError(
            _(
                "Over-issuance refused: %(already)s t of %(instrument)s are already issued and this batch "
                "would add %(batch)s t, more than the plan's cap of %(cap)s t. Nothing was issued."
            )
            % {
                "already": format_tonnes(already),
                "instrument": instrument.code,
                "batch": format_tonnes(this_batch),
                "cap": format_tonnes(plan.cap_t),
            },
            code="over_issuance",
        )
    memo = (
        f"Allocation plan {plan.year} v{plan.version} (run #{run.pk}) / {plan.year}年度配额分配方案 第{plan.version}版"
    )
    count = 0
    for a in allocations:
        account = holding_account_of(a.organisation_id) or account_open(actor=actor, organisation=a.organisation)
        issue(
            actor=actor,
            to_account=account,
            instrument=instrument,
            quantity_t=a.free_t,
            idempotency_key=f"alloc-{run.pk}-{a.organisation_id}",
            memo=memo,
        )
        count += 1
    for kind, quantity, key in (
        (AccountKind.AUCTION, paid_t, f"alloc-{run.pk}-auction"),
        (AccountKind.RESERVE, plan.reserve_t, f"alloc-{run.pk}-reserve"),
    ):
        if quantity > 0:
            account = bureau_account(kind, actor=actor)
            issue(
                actor=actor,
                to_account=account,
                instrument=instrument,
                quantity_t=quantity,
                idempotency_key=key,
                memo=memo,
            )
            count += 1
    _notify_units(allocations, instrument, plan)
    batch.status, batch.approved_by, batch.approved_at, batch.transactions = (
        IssuanceStatus.ISSUED,
        actor,
        timezone.now(),
        count,
    )
    batch.save(update_fields=["status", "approved_by", "approved_at", "transactions"])
    audit.record(
        actor=actor,
        verb="allocation.issuance_approve",
        target=batch,
        data={"run": run.pk, "issued_t": str(this_batch), "transactions": count},
    )
    return batch


@transaction.atomic
def issuance_return(*, actor, batch: IssuanceBatch, reason: str) -> IssuanceBatch:
    """The approver sends the batch back with the reason; a new batch may then be prepared."""
    batch = _locked_pending(batch)
    require_second_bureau_user(actor=actor, first_actor=batch.prepared_by)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the issuance is returned.")})
    batch.status, batch.returned_reason = IssuanceStatus.RETURNED, reason
    batch.save(update_fields=["status", "returned_reason"])
    audit.record(actor=actor, verb="allocation.issuance_return", target=batch, data={"reason": reason})
    return batch


def _notify_units(allocations, instrument, plan) -> None:
    """Each unit hears what it received, with the plan it came from; the account page lists it."""
    for a in allocations:
        notifications.notify(
            recipients=staff_of(a.organisation_id),
            kind="allocation.issued",
            subject=gettext_lazy("%(quantity)s t of %(instrument)s issued to your account"),
            body=gettext_lazy(
                "Under the %(year)s allocation plan (version %(version)s), %(quantity)s t of %(instrument)s were "
                "issued free of charge to the holding account of %(unit)s."
            ),
            params={
                "quantity": format_tonnes(a.free_t),
                "instrument": instrument.code,
                "year": plan.year,
                "version": plan.version,
                "unit": a.organisation.name_zh,
            },
            url=reverse("trading:account_home"),
        )
