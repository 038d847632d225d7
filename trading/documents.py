"""The certificate of voluntary cancellation (碳排放配额自愿注销证明): the PDF a unit receives when it
takes allowances out of circulation for good (DOMAIN.md, "Voluntary cancellation").

The content is the recorded ledger transaction as plain data (codes, not labels), so its hash does
not depend on the language it is printed in. The transaction code is the public verification code:
anyone can look it up on the public verification page and check it against the published chain
head. It is requested after a cancellation is recorded (services/certificates.py) and rendered by
Celery after commit like every portal document.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from carbon_portal import documents

from .choices import TransactionKind

CERTIFICATE_KIND = "cancellation_certificate"


def register_renderers() -> None:
    """Called from TradingConfig.ready(); safe to call again."""
    documents.register_renderer(CERTIFICATE_KIND, render_certificate)


def certificate_filename(tx) -> str:
    return f"{tx.code}.pdf"


def verification_url(code: str) -> str:
    """The public verification page of a code, independent of any request (PORTAL_BASE_URL)."""
    base = settings.PORTAL_BASE_URL.rstrip("/")
    return f"{base}{reverse('trading:verify')}?{urlencode({'code': code})}"


def cancelled_entry(tx):
    """The holder's side of a cancellation: the entry taking the units off its holding account."""
    if tx.kind != TransactionKind.CANCELLATION:
        raise ValueError(f"{tx.code} is not a voluntary cancellation")
    entry = (
        tx.entries.filter(quantity_t__lt=0, account__holder__isnull=False)
        .select_related("account__holder", "instrument")
        .order_by("line")
        .first()
    )
    if entry is None:
        raise ValueError(f"{tx.code} takes units from no holder's account")
    return entry


def certificate_content(tx) -> dict:
    """Everything the certificate shows; its canonical JSON is what the content hash covers."""
    entry = cancelled_entry(tx)
    holder, instrument = entry.account.holder, entry.instrument
    return {
        "document": CERTIFICATE_KIND,
        "code": tx.code,
        "sequence": tx.sequence,
        "holder": {"name_zh": holder.name_zh, "name_en": holder.name_en, "uscc": holder.uscc},
        "account": entry.account.number,
        "instrument": {"code": instrument.code, "name_zh": instrument.name_zh, "name_en": instrument.name_en},
        "quantity_t": str(-entry.quantity_t),
        "purpose": tx.memo,
        "recorded_at": timezone.localtime(tx.recorded_at).isoformat(),
        "transaction_sha256": tx.sha256,
        "verification_url": verification_url(tx.code),
    }


def render_certificate(tx) -> tuple[str, dict]:
    content = certificate_content(tx)
    context = {
        "doc": content,
        "reference": content["code"],
        "version": 1,
        "recorded_at": timezone.localtime(tx.recorded_at),
        "quantity_t": -cancelled_entry(tx).quantity_t,
    }
    return documents.render_html("trading/pdf/cancellation_certificate.html", content=content, context=context)
