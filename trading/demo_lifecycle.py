"""Demo of the compliance lifecycle, written through the services as the bureau would:

- alice records that one regulated unit of the 2026 list (neither carol's nor erin's) enters the
  national carbon market from 2026: its Shanghai allowances go to the rollover account, to come back
  in three tranches on 1 January 2026, 2027 and 2028; the tranches already due are returned;
- alice exempts another unit of the 2026 list, shut down at the end of 2025.
Runs after the trading demo (the units need their accounts and opening balances). A second run adds
nothing: the move and the exemption are found again, and a tranche is released only once.
"""

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction

from carbon_portal.models import User
from carbon_portal.roles import Role
from registry.choices import EntryCategory, ListStatus
from registry.models import ListEntry, Membership, Organisation

from .choices import AccountKind, ExemptionReason, InstrumentKind
from .models import Account, ComplianceExemption, NationalMarketMove
from .services.lifecycle import exemption_record, national_move_check, national_move_record
from .services.rollover import tranches_release_due

MOVE_YEAR = 2026
EXEMPT_YEAR = 2026
MOVE_NOTE = "生态环境部通知：自2026年度起纳入全国碳排放权交易市场（示例）"
EXEMPTION_NOTE = "企业已于2025年底停产并完成2025年度配额清缴，2026年度不再履约（示例）"
CANDIDATES = 20


def seed_lifecycle(*, log: Callable[[str], None] = print) -> None:
    alice = User.objects.filter(email__startswith="alice@").first()
    if alice is None:
        log("  no bureau user: skipped")
        return
    with transaction.atomic():
        move, made = _move(alice)
        released = tranches_release_due(actor=alice).released if move else []
        exemption, exempted = _exemption(alice, exclude={move.organisation_id} if move else set())
    if move is None:
        log("  national market move: no regulated unit with Shanghai allowances could move")
    else:
        log(
            f"  national market move: {move.organisation.name_zh} from {move.first_national_year} "
            f"({'recorded' if made else 'already there'}), {move.surplus_t} t held for rollover, "
            f"{len(released)} tranches returned now"
        )
    if exemption is None:
        log("  exemption: no unit to exempt")
    else:
        log(
            f"  exemption: {exemption.organisation.name_zh} for {exemption.year} ({'recorded' if exempted else 'already there'})"
        )


def _cast_units() -> set[int]:
    """carol's and erin's units stay as the other demos left them."""
    return set(
        Membership.objects.filter(
            user__email__regex=r"^(carol|erin)@", role=Role.UNIT_STAFF, is_active=True
        ).values_list("organisation_id", flat=True)
    )


def _listed_with_allowances(year: int, exclude: set[int]) -> list[Organisation]:
    """Units regulated on the year's published list whose holding account holds Shanghai allowances,
    by account number (so every run picks the same one)."""
    listed = ListEntry.objects.filter(
        regulated_list__year=year,
        regulated_list__status=ListStatus.PUBLISHED,
        category=EntryCategory.REGULATED,
        is_removed=False,
    ).values("organisation_id")
    accounts = (
        Account.objects.filter(
            kind=AccountKind.HOLDING,
            holder_id__in=listed,
            trading_prohibited=False,
            holdings__instrument__kind=InstrumentKind.ALLOWANCE,
            holdings__quantity_t__gt=0,
        )
        .exclude(holder_id__in=exclude)
        .select_related("holder")
        .order_by("number")
        .distinct()[:CANDIDATES]
    )
    return [account.holder for account in accounts]


def _move(alice: User) -> tuple[NationalMarketMove | None, bool]:
    existing = NationalMarketMove.objects.filter(note=MOVE_NOTE).select_related("organisation").first()
    if existing is not None:
        return existing, False
    for organisation in _listed_with_allowances(MOVE_YEAR, _cast_units()):
        try:
            national_move_check(organisation, MOVE_YEAR)
        except ValidationError:
            continue  # an earlier year not settled, say: the next unit
        move = national_move_record(
            actor=alice, organisation=organisation, first_national_year=MOVE_YEAR, note=MOVE_NOTE
        )
        return move, True
    return None, False


def _exemption(alice: User, exclude: set[int]) -> tuple[ComplianceExemption | None, bool]:
    existing = ComplianceExemption.objects.filter(note=EXEMPTION_NOTE).select_related("organisation").first()
    if existing is not None:
        return existing, False
    for organisation in _listed_with_allowances(EXEMPT_YEAR, _cast_units() | exclude):
        try:
            with transaction.atomic():
                exemption = exemption_record(
                    actor=alice,
                    organisation=organisation,
                    year=EXEMPT_YEAR,
                    reason=ExemptionReason.SHUTDOWN,
                    note=EXEMPTION_NOTE,
                )
        except ValidationError:
            continue
        return exemption, True
    return None, False
