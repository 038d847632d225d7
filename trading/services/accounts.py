"""Registry accounts and instruments (Art. 12): the bureau opens them; Art. 32 para 2 marks the
accounts of those who may not trade."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from carbon_portal import audit
from registry.choices import OrganisationStatus, OrganisationType
from registry.models import Organisation

from ..choices import AccountKind, AccountStatus, InstrumentKind
from ..models import Account, Instrument
from ..permissions import require_registrar

BUREAU_NUMBERS = {
    AccountKind.ISSUANCE: "SH-ISSUANCE",
    AccountKind.RESERVE: "SH-RESERVE",
    AccountKind.AUCTION: "SH-AUCTION",
    AccountKind.CANCELLATION: "SH-CANCELLATION",
    AccountKind.ROLLOVER: "SH-ROLLOVER",
}
# Art. 32 para 2: staff of these may not trade, so their organisations' accounts receive nothing.
PROHIBITED_TYPES = {OrganisationType.AGENCY, OrganisationType.BUREAU, OrganisationType.EXCHANGE}


def allowance(vintage: int) -> Instrument:
    """The allowances of a compliance year, e.g. SHEA-2026."""
    instrument, _created = Instrument.objects.get_or_create(
        code=f"SHEA-{vintage}",
        defaults={
            "kind": InstrumentKind.ALLOWANCE,
            "vintage": vintage,
            "name_zh": f"上海碳排放配额（{vintage}年度）",
            "name_en": f"Shanghai emission allowances, {vintage}",
        },
    )
    return instrument


def bureau_account(kind: str, *, actor) -> Account:
    """One of the bureau's own accounts, opened on first use."""
    if kind == AccountKind.HOLDING:
        raise ValueError("a holding account belongs to a holder")
    try:
        with transaction.atomic():
            account, _created = Account.objects.get_or_create(
                kind=kind, holder=None, defaults={"number": BUREAU_NUMBERS[kind], "opened_by": actor}
            )
    except IntegrityError:
        account = Account.objects.get(kind=kind, holder=None)
    return account


def holding_account_of(organisation_id: int) -> Account | None:
    return (
        Account.objects.filter(holder_id=organisation_id, kind=AccountKind.HOLDING)
        .exclude(status=AccountStatus.CLOSED)
        .first()
    )


@transaction.atomic
def account_open(*, actor, organisation: Organisation) -> Account:
    """A holding account for an organisation; its number is its credit code. Accounts of agencies,
    the bureau and the exchange are marked: they may not trade (Art. 32 para 2)."""
    require_registrar(actor)
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if organisation.status != OrganisationStatus.ACTIVE:
        raise ValidationError(_("Only an active organisation can open a holding account."))
    if holding_account_of(organisation.pk):
        raise ValidationError(
            _("%(org)s already has a holding account.") % {"org": organisation.name}, code="already_open"
        )
    prohibited = organisation.org_type in PROHIBITED_TYPES
    account = Account.objects.create(
        number=f"H{organisation.uscc}",
        kind=AccountKind.HOLDING,
        holder=organisation,
        opened_by=actor,
        trading_prohibited=prohibited,
        prohibition_reason=_(
            "Art. 32 para 2: staff of the bureau, the exchange and technical service agencies may not trade."
        )
        if prohibited
        else "",
    )
    audit.record(actor=actor, verb="account.open", target=account, data={"number": account.number})
    return account


@transaction.atomic
def account_set_prohibition(*, actor, account: Account, prohibited: bool, reason: str = "") -> Account:
    """Records that an account's holder may not trade (Art. 32 para 2), with the reason, or lifts it."""
    require_registrar(actor)
    account = Account.objects.select_for_update().get(pk=account.pk)
    reason = (reason or "").strip()
    if prohibited and not reason:
        raise ValidationError({"reason": _("Say why this account may not trade.")})
    account.trading_prohibited, account.prohibition_reason = prohibited, reason if prohibited else ""
    account.save(update_fields=["trading_prohibited", "prohibition_reason"])
    audit.record(
        actor=actor, verb="account.prohibition", target=account, data={"prohibited": prohibited, "reason": reason}
    )
    return account
