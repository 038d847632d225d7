"""Reads behind the succession pages (Art. 14): what a split unit holds and how its facilities'
emission shares suggest dividing it, and the bureau's list of mergers and splits with what
became of their holdings. Bureau-only reads: the views check the role first."""

from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from registry.choices import EventKind
from registry.models import FacilityTransfer, Organisation, OrganisationEvent

from ..choices import AccountKind, AccountStatus
from ..models import Account, Holding, HoldingsSuccession

SUCCESSION_KINDS = (EventKind.MERGER, EventKind.SPLIT)
STATES = ("pending", "recorded")


def open_holding_account(organisation_id: int) -> Account | None:
    """The holder's holding account that is not closed (open or frozen), as the ledger knows it."""
    return (
        Account.objects.filter(holder_id=organisation_id, kind=AccountKind.HOLDING)
        .exclude(status=AccountStatus.CLOSED)
        .first()
    )


def positive_holdings(account: Account | None) -> list[Holding]:
    """What the account holds, instrument by instrument, leaving out what it holds none of."""
    if account is None:
        return []
    return list(
        account.holdings.filter(quantity_t__gt=0)
        .select_related("instrument")
        .order_by("instrument__kind", "instrument__vintage", "instrument__code")
    )


@dataclass(frozen=True)
class NewOwner:
    """An organisation that took facilities in a split, with its summed share of the emissions."""

    organisation: Organisation
    share: Decimal
    facilities: tuple[str, ...]

    @property
    def percent(self) -> str:
        return f"{self.share * 100:.2f}".rstrip("0").rstrip(".")


def split_owners(event: OrganisationEvent) -> list[NewOwner]:
    """The new owners of a split's facilities, each once, with the shares of its facilities added."""
    shares: dict[int, Decimal] = {}
    codes: dict[int, list[str]] = {}
    owners: dict[int, Organisation] = {}
    transfers = FacilityTransfer.objects.filter(event=event).select_related("facility", "to_organisation")
    for t in transfers.order_by("to_organisation__name_zh", "facility__code"):
        owners[t.to_organisation_id] = t.to_organisation
        shares[t.to_organisation_id] = shares.get(t.to_organisation_id, Decimal(0)) + t.emissions_share
        codes.setdefault(t.to_organisation_id, []).append(t.facility.code)
    return [NewOwner(owners[pk], shares[pk], tuple(codes[pk])) for pk in owners]


def floor_share(held_t: Decimal, share: Decimal) -> Decimal:
    """Whole tonnes only: the share of a holding rounded down; what rounding leaves stays put."""
    return (Decimal(held_t) * share).to_integral_value(rounding=ROUND_FLOOR)


@dataclass
class DivisionPlan:
    """A split's holdings and the division its facilities' emission shares suggest (Art. 14 ¶2):
    each new owner gets its share of each instrument, floored to whole tonnes; the rest stays
    with the splitting unit."""

    account: Account | None
    holdings: list[Holding]
    owners: list[NewOwner]
    suggested: dict[tuple[int, int], Decimal] = field(default_factory=dict)

    def kept(self, division: dict[tuple[int, int], Decimal] | None = None) -> dict[int, Decimal]:
        """What stays with the splitting unit per instrument under a division (the suggested one
        by default); negative when the division asks for more than is held."""
        division = self.suggested if division is None else division
        return {
            h.instrument_id: h.quantity_t
            - sum((q for (_o, i), q in division.items() if i == h.instrument_id), Decimal(0))
            for h in self.holdings
        }


def division_plan(event: OrganisationEvent) -> DivisionPlan:
    account = open_holding_account(event.organisation_id)
    holdings = positive_holdings(account)
    owners = split_owners(event)
    suggested = {
        (o.organisation.pk, h.instrument_id): floor_share(h.quantity_t, o.share) for o in owners for h in holdings
    }
    return DivisionPlan(account, holdings, owners, suggested)


# -- the bureau's pages --


def succession_event(pk: int) -> OrganisationEvent:
    """A merger or split with what became of its holdings; other events are not found."""
    return get_object_or_404(_events(), pk=pk)


def _events() -> QuerySet[OrganisationEvent]:
    return OrganisationEvent.objects.filter(kind__in=SUCCESSION_KINDS).select_related(
        "organisation",
        "surviving_organisation",
        "recorded_by",
        "holdings_succession__transaction",
        "holdings_succession__recorded_by",
    )


def successions(*, q: str = "", kind: str = "", state: str = "") -> QuerySet[OrganisationEvent]:
    """Every merger and split, newest first, searched by the unit's name or credit code and
    filtered by kind and by whether its holdings are moved or divided yet."""
    qs = _events().annotate(
        recorded=Exists(HoldingsSuccession.objects.filter(event_id=OuterRef("pk"))),
    )
    if q:
        q = q.strip()
        qs = qs.filter(
            Q(organisation__name_zh__icontains=q)
            | Q(organisation__name_en__icontains=q)
            | Q(organisation__uscc__iexact=q.upper())
        )
    if kind in SUCCESSION_KINDS:
        qs = qs.filter(kind=kind)
    if state == "pending":
        qs = qs.filter(recorded=False)
    elif state == "recorded":
        qs = qs.filter(recorded=True)
    return qs.order_by("-recorded_at", "-pk")


def succession_of(event: OrganisationEvent) -> HoldingsSuccession | None:
    return HoldingsSuccession.objects.filter(event=event).select_related("transaction", "recorded_by").first()


@dataclass(frozen=True)
class DivisionRow:
    organisation: Organisation | None
    uscc: str
    account: str | None
    quantities: list[Decimal]


@dataclass(frozen=True)
class DivisionTable:
    """A recorded succession as a table: instruments across, receiving units down, and (for a
    split) what stayed with the splitting unit."""

    instruments: list[str]
    rows: list[DivisionRow]
    kept: list[Decimal]


def division_table(succession: HoldingsSuccession) -> DivisionTable:
    """Reads the plain data the service stored (division JSON), in two queries at most."""
    d = succession.division or {}
    if d.get("kind") == EventKind.MERGER:
        moved = d.get("moved", {})
        instruments = list(moved)
        survivor = succession.event.surviving_organisation
        row = DivisionRow(survivor, survivor.uscc, d.get("to_account"), [Decimal(moved[c]) for c in instruments])
        return DivisionTable(instruments, [row] if instruments else [], [])
    instruments = list(d.get("held", {}))
    to = d.get("to", [])
    orgs = Organisation.objects.in_bulk([t["organisation"] for t in to], field_name="uscc")
    rows = [
        DivisionRow(
            orgs.get(t["organisation"]),
            t["organisation"],
            t.get("account"),
            [Decimal(t.get("quantities", {}).get(c, "0")) for c in instruments],
        )
        for t in to
    ]
    kept = [Decimal(d.get("kept", {}).get(c, "0")) for c in instruments]
    return DivisionTable(instruments, rows, kept)
