"""Reads for certificates of voluntary cancellation: who may have which, and where each stands."""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet

from carbon_portal.models import GeneratedDocument
from carbon_portal.permissions import is_bureau, organisation_ids_of
from carbon_portal.roles import Role

from ..choices import TransactionKind
from ..documents import CERTIFICATE_KIND
from ..models import LedgerTransaction


@dataclass(frozen=True)
class CertificateState:
    """The newest ready PDF of a cancellation, and whether one is being prepared."""

    ready: GeneratedDocument | None = None
    pending: bool = False


def cancellations_for(user) -> QuerySet[LedgerTransaction]:
    """The cancellations whose certificate the user may have: the bureau every one, a unit's staff
    those taking units from their unit's accounts, nobody else any."""
    cancellations = LedgerTransaction.objects.filter(kind=TransactionKind.CANCELLATION)
    if is_bureau(user):
        return cancellations
    ids = organisation_ids_of(user, Role.UNIT_STAFF)
    holders = LedgerTransaction.objects.filter(entries__account__holder_id__in=ids, entries__quantity_t__lt=0).values(
        "pk"
    )
    return cancellations.filter(pk__in=holders)


def certificate_states(transaction_ids) -> dict[int, CertificateState]:
    """Each transaction's certificate state, in one query; transactions without one are left out."""
    ids = [str(pk) for pk in transaction_ids]
    if not ids:
        return {}
    ready: dict[int, GeneratedDocument] = {}
    pending: set[int] = set()
    documents = GeneratedDocument.objects.filter(
        target_type=ContentType.objects.get_for_model(LedgerTransaction),
        target_id__in=ids,
        kind=CERTIFICATE_KIND,
        status__in=(GeneratedDocument.Status.READY, GeneratedDocument.Status.PENDING),
    ).order_by("-created_at", "-id")
    for document in documents:
        pk = int(document.target_id)
        if document.status == GeneratedDocument.Status.READY:
            ready.setdefault(pk, document)
        else:
            pending.add(pk)
    return {pk: CertificateState(ready.get(pk), pk in pending) for pk in ready.keys() | pending}


def certificate_state(tx: LedgerTransaction) -> CertificateState:
    return certificate_states([tx.pk]).get(tx.pk, CertificateState())
