"""Demo of the exchange (Art. 31), written through the services as the bureau and the exchange would:

- alice registers the Shanghai Environment and Energy Exchange (上海环境能源交易所) as an exchange
  and makes ivy@cneeex.example.cn its staff (password: the demo password);
- ivy reports two agreement transfers concluded on the exchange's last trading day: carol's unit
  sells a little SHEA of the demo year to another regulated unit, and buys a little SHEA of the year
  before from a third, so carol sees both notices in her inbox.
Every step looks for what an earlier run wrote first (fixed idempotency keys), so a second run adds
nothing.
"""

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from carbon_portal.models import User
from carbon_portal.roles import Role
from registry.choices import District, OrganisationType
from registry.demo import DEMO_PASSWORD
from registry.demo.words import org_code, with_check
from registry.models import Membership, Organisation
from registry.services import membership_grant, organisation_create

from .choices import AccountKind, AccountStatus
from .demo import LIST_YEAR, _Cast
from .demo_market import is_trading_day
from .models import Account, Holding, LedgerTransaction
from .services.accounts import allowance, holding_account_of
from .services.exchange import transfer_reported

EXCHANGE_NAME_ZH = "上海环境能源交易所"
EXCHANGE_NAME_EN = "Shanghai Environment and Energy Exchange"
# 91: an enterprise; 310000: Shanghai. A made-up organisation code with its check character.
EXCHANGE_USCC = with_check("91" + "310000" + org_code("MA1EEE08"))
IVY = "ivy@cneeex.example.cn"
KEY_PREFIX = "demo-exchange-agreement-"
SOLD_T, BOUGHT_T = Decimal(300), Decimal(500)  # small: every unit's cover stays as it was


def seed_exchange(*, log: Callable[[str], None] = print) -> None:
    alice = User.objects.filter(email__startswith="alice@").first()
    if alice is None:
        log("  no bureau user to register the exchange: skipped")
        return
    with transaction.atomic():
        exchange = _exchange(alice)
        ivy = _ivy(alice, exchange)
    reported = _report(ivy)
    log(f"  {EXCHANGE_NAME_ZH}: {ivy.email} reports for it; {reported} agreement transfers reported")


def _exchange(alice: User) -> Organisation:
    found = Organisation.objects.filter(org_type=OrganisationType.EXCHANGE, name_zh=EXCHANGE_NAME_ZH).first()
    if found:
        return found
    return organisation_create(
        actor=alice,
        uscc=EXCHANGE_USCC,
        name_zh=EXCHANGE_NAME_ZH,
        name_en=EXCHANGE_NAME_EN,
        org_type=OrganisationType.EXCHANGE,
        district=District.HONGKOU,
        address="上海市虹口区中山北一路121号",
    )


def _ivy(alice: User, exchange: Organisation) -> User:
    ivy = User.objects.filter(email=IVY).first()
    if ivy is None:
        ivy = User.objects.create_user(IVY, DEMO_PASSWORD, full_name="Ivy Sun 孙怡")
    if not Membership.objects.filter(user=ivy, organisation=exchange, role=Role.EXCHANGE_STAFF).exists():
        membership_grant(actor=alice, user=ivy, role=Role.EXCHANGE_STAFF, organisation=exchange)
    return ivy


def _report(ivy: User) -> int:
    """carol's unit sells SHEA of the demo year to another unit, and buys SHEA of the year before
    from a third that holds enough."""
    cast = _Cast.find()
    carol_account = holding_account_of(cast.carol_unit.pk) if cast.carol_unit else None
    if carol_account is None:
        return 0
    this_year, last_year = allowance(LIST_YEAR), allowance(LIST_YEAR - 1)
    others = Account.objects.filter(
        kind=AccountKind.HOLDING, status=AccountStatus.OPEN, trading_prohibited=False
    ).exclude(holder_id__in=[u.pk for u in cast.units])
    holding = (
        Holding.objects.filter(account__in=others, instrument=last_year, quantity_t__gte=BOUGHT_T)
        .select_related("account")
        .order_by("account__number")
        .first()
    )
    seller = holding.account if holding else None
    buyer = others.exclude(pk=getattr(seller, "pk", None)).order_by("number").first()
    trades = [
        (1, carol_account, buyer, this_year, SOLD_T),
        (2, seller, carol_account, last_year, BOUGHT_T),
    ]
    done = set(
        LedgerTransaction.objects.filter(idempotency_key__startswith=KEY_PREFIX).values_list(
            "idempotency_key", flat=True
        )
    )
    day, reported = _last_trading_day(), 0
    for n, from_account, to_account, instrument, quantity in trades:
        key = f"{KEY_PREFIX}{n}"
        if key in done or from_account is None or to_account is None or _held(from_account, instrument) < quantity:
            continue
        transfer_reported(
            actor=ivy,
            from_account=from_account,
            to_account=to_account,
            instrument=instrument,
            quantity_t=quantity,
            trade_reference=f"SEEE-{day:%Y-%m}-{n:04d}",
            trade_date=day,
            idempotency_key=key,
        )
        reported += 1
    return reported


def _held(account: Account, instrument) -> Decimal:
    quantity = Holding.objects.filter(account=account, instrument=instrument).values_list("quantity_t", flat=True)
    return quantity.first() or Decimal(0)


def _last_trading_day() -> date:
    day = timezone.localdate()
    while not is_trading_day(day):
        day -= timedelta(days=1)
    return day
