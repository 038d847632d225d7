"""Demo allowance registry, written through the trading services as the bureau and the units would:

- alice opens a holding account for every regulated unit on the published 2026 list, and for
  carol's and erin's units;
- the balances carried over from the previous registration system: SHEA-2025 and SHEA-2026
  issued to each regulated unit's account, 90-105% of its latest determined (or recorded) emissions;
- carol's unit transfers to erin's, a few other units trade, and erin's unit cancels some units
  voluntarily for a public event;
- the chain heads of finished days are published (the transactions are recorded today, so there
  is usually none yet).
Runs after the verification demo. Every posting has a fixed idempotency key, so a second run adds
nothing.
"""

import random
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from time import monotonic

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q

from carbon_portal.models import User
from carbon_portal.roles import Role
from registry.choices import EntryCategory, ListStatus, OrganisationStatus
from registry.models import EmissionRecord, ListEntry, Membership, Organisation
from verification.choices import DeterminationStatus
from verification.models import Determination

from .choices import AccountKind
from .models import Account, LedgerTransaction
from .services.accounts import account_open, allowance
from .services.acts import cancel_voluntarily, issue, transfer
from .services.operations import accounts_open_for_list, chain_heads_publish_due

LIST_YEAR = 2026
VINTAGES = (2025, 2026)
OPENING_MEMO = "原登记系统结转期初余额"  # staff write memos in Chinese: "opening balance carried over"
KEY_PREFIX = "demo-"
OTHER_TRANSFERS = 3
CANCELLATION_PURPOSE = "2026上海城市马拉松碳中和 Carbon neutrality of the 2026 Shanghai Marathon"


def seed_trading(*, log: Callable[[str], None] = print) -> None:
    alice = User.objects.filter(email__startswith="alice@").first()
    if alice is None:
        log("  no bureau user to keep the registry: skipped")
        return
    started = monotonic()
    with _no_query_log(), transaction.atomic():
        done = set(
            LedgerTransaction.objects.filter(idempotency_key__startswith=KEY_PREFIX).values_list(
                "idempotency_key", flat=True
            )
        )
        cast = _Cast.find()
        opened = _open_accounts(alice, cast)
        accounts = _regulated_accounts(cast)
        issued = _opening_balances(alice, accounts, done)
        moved = _trades(accounts, cast, done)
        heads = chain_heads_publish_due()
    log(
        f"  allowance registry: {opened} holding accounts opened, {issued} opening balances issued, "
        f"{moved} transfers and cancellations, {len(heads)} chain heads published "
        f"in {monotonic() - started:.1f} s"
    )


@dataclass(frozen=True)
class _Cast:
    carol_unit: Organisation | None
    erin_unit: Organisation | None
    carol: User | None
    erin: User | None

    @classmethod
    def find(cls) -> "_Cast":
        def member(name: str) -> tuple[User | None, Organisation | None]:
            found = (
                Membership.objects.filter(user__email__startswith=f"{name}@", role=Role.UNIT_STAFF, is_active=True)
                .select_related("user", "organisation")
                .first()
            )
            return (found.user, found.organisation) if found else (None, None)

        carol, carol_unit = member("carol")
        erin, erin_unit = member("erin")
        return cls(carol_unit, erin_unit, carol, erin)

    @property
    def units(self) -> list[Organisation]:
        return [u for u in (self.carol_unit, self.erin_unit) if u is not None]


def _open_accounts(alice: User, cast: _Cast) -> int:
    opened = 0
    if ListEntry.objects.filter(regulated_list__year=LIST_YEAR, regulated_list__status=ListStatus.PUBLISHED).exists():
        opened += len(accounts_open_for_list(actor=alice, year=LIST_YEAR).accounts)
    with_account = set(Account.objects.filter(kind=AccountKind.HOLDING).values_list("holder_id", flat=True))
    for unit in cast.units:
        if unit.pk not in with_account and unit.status == OrganisationStatus.ACTIVE:
            account_open(actor=alice, organisation=unit)
            opened += 1
    return opened


def _regulated_accounts(cast: _Cast) -> list[Account]:
    """The holding accounts of the 2026 list's regulated units and of the cast's units, by number."""
    listed = ListEntry.objects.filter(
        regulated_list__year=LIST_YEAR,
        regulated_list__status=ListStatus.PUBLISHED,
        category=EntryCategory.REGULATED,
        is_removed=False,
    ).values("organisation_id")
    wanted = Q(holder_id__in=listed, trading_prohibited=False) | Q(holder__in=cast.units)
    return list(Account.objects.filter(wanted, kind=AccountKind.HOLDING).order_by("number"))


def _latest_emissions() -> dict[int, Decimal]:
    """Each unit's latest determined emissions, else its latest emissions on record."""
    found: dict[int, Decimal] = {}
    latest = EmissionRecord.objects.values("organisation_id").annotate(year=Max("year"))
    years = {row["organisation_id"]: row["year"] for row in latest}
    for record in EmissionRecord.objects.filter(organisation_id__in=years).only(
        "organisation_id", "year", "emissions_tco2e"
    ):
        if years[record.organisation_id] == record.year:
            found[record.organisation_id] = record.emissions_tco2e
    determined = Determination.objects.filter(status=DeterminationStatus.APPROVED).order_by("year")
    for organisation_id, emissions in determined.values_list("organisation_id", "emissions_tco2e"):
        found[organisation_id] = emissions  # later years overwrite earlier ones
    return found


def _opening_balances(alice: User, accounts: list[Account], done: set[str]) -> int:
    emissions = _latest_emissions()
    instruments = {vintage: allowance(vintage) for vintage in VINTAGES}
    issued = 0
    for account in accounts:
        base = emissions.get(account.holder_id)
        if not base:
            continue
        for instrument in instruments.values():
            key = f"{KEY_PREFIX}opening-{account.number}-{instrument.code}"
            if key in done:
                continue
            share = Decimal(random.Random(key).randint(90, 105)) / 100
            quantity = (base * share).quantize(Decimal(1), ROUND_HALF_UP)
            if quantity <= 0:
                continue
            issue(
                actor=alice,
                to_account=account,
                instrument=instrument,
                quantity_t=quantity,
                idempotency_key=key,
                memo=OPENING_MEMO,
            )
            issued += 1
    return issued


def _held(account: Account, vintage: int) -> Decimal:
    holding = account.holdings.filter(instrument__code=f"SHEA-{vintage}").first()
    return holding.quantity_t if holding else Decimal(0)


def _share(quantity: Decimal, percent: int) -> Decimal:
    """A round part of a holding: `percent` of it, in hundreds of tonnes (at least 1 t when any is held)."""
    part = (quantity * percent / 100 / 100).quantize(Decimal(1), ROUND_HALF_UP) * 100
    return max(min(part, quantity), Decimal(1) if quantity > 0 else Decimal(0))


def _staff_of(organisation_ids: list[int]) -> dict[int, User]:
    rows = (
        Membership.objects.filter(organisation_id__in=organisation_ids, role=Role.UNIT_STAFF, is_active=True)
        .select_related("user")
        .order_by("organisation_id", "user__email")
    )
    staff: dict[int, User] = {}
    for row in rows:
        staff.setdefault(row.organisation_id, row.user)
    return staff


def _trades(accounts: list[Account], cast: _Cast, done: set[str]) -> int:
    """carol's unit sells to erin's; a few other units trade; erin's unit cancels for a public event."""
    by_holder = {a.holder_id: a for a in accounts}
    staff = _staff_of(list(by_holder))
    moves = []  # (key, actor, from, to, vintage, percent, memo)
    carol_acc = by_holder.get(cast.carol_unit.pk) if cast.carol_unit else None
    erin_acc = by_holder.get(cast.erin_unit.pk) if cast.erin_unit else None
    if carol_acc and erin_acc and cast.carol:
        moves.append(("carol-erin-2025", cast.carol, carol_acc, erin_acc, 2025, 8, "配额转让合同 SH-CT-2026-0012"))
        moves.append(("carol-erin-2026", cast.carol, carol_acc, erin_acc, 2026, 5, "配额转让合同 SH-CT-2026-0013"))
    others = [a for a in accounts if a not in (carol_acc, erin_acc) and a.holder_id in staff]
    for n in range(min(OTHER_TRANSFERS, len(others) // 2)):
        seller, buyer = others[2 * n], others[-1 - 2 * n]
        moves.append(
            (f"other-{n + 1}", staff[seller.holder_id], seller, buyer, 2025, 3 + n, f"协议转让 SH-CT-2026-{21 + n:04d}")
        )
    moved = 0
    for name, actor, seller, buyer, vintage, percent, memo in moves:
        key = f"{KEY_PREFIX}transfer-{name}"
        quantity = _share(_held(seller, vintage), percent)
        if key in done or quantity <= 0:
            continue
        transfer(
            actor=actor,
            from_account=seller,
            to_account=buyer,
            instrument=allowance(vintage),
            quantity_t=quantity,
            idempotency_key=key,
            memo=memo,
        )
        moved += 1
    key = f"{KEY_PREFIX}cancel-erin-2025"
    if erin_acc and cast.erin and key not in done:
        quantity = _share(_held(erin_acc, 2025), 1)
        if quantity > 0:
            cancel_voluntarily(
                actor=cast.erin,
                from_account=erin_acc,
                instrument=allowance(2025),
                quantity_t=quantity,
                idempotency_key=key,
                purpose=CANCELLATION_PURPOSE,
            )
            moved += 1
    return moved


@contextmanager
def _no_query_log():
    """The demo runs with DEBUG, which logs every query (see verification.demo._no_query_log)."""
    debug = settings.DEBUG
    settings.DEBUG = False
    try:
        yield
    finally:
        settings.DEBUG = debug
