"""The certificate of voluntary cancellation: asked for when a cancellation is recorded, and again
on request when none is ready or being prepared (a failed rendering, a bulk seed)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction as db_transaction
from django.utils.translation import gettext as _

from carbon_portal import documents

from ..choices import TransactionKind
from ..documents import CERTIFICATE_KIND, certificate_filename
from ..models import LedgerTransaction
from ..selectors.certificates import cancellations_for, certificate_state


@db_transaction.atomic
def certificate_request(*, actor, transaction: LedgerTransaction):
    """A PENDING certificate PDF of a voluntary cancellation, rendered after commit; None when one is
    ready or being prepared already. The holder's unit staff and the bureau may ask."""
    if transaction.kind != TransactionKind.CANCELLATION:
        raise ValidationError(_("Only a voluntary cancellation has a certificate."), code="not_cancellation")
    if not cancellations_for(actor).filter(pk=transaction.pk).exists():
        raise PermissionDenied(_("You may not see this cancellation."))
    # The ledger row never changes; lock it only so two requests at once ask for one PDF.
    LedgerTransaction.objects.select_for_update().filter(pk=transaction.pk).first()
    state = certificate_state(transaction)
    if state.ready or state.pending:
        return None
    return documents.document_request(
        kind=CERTIFICATE_KIND, target=transaction, filename=certificate_filename(transaction), actor=actor
    )
