"""The certificate of voluntary cancellation: a PDF carrying the transaction code as its public
verification code, requested when a cancellation is recorded, for the holder and the bureau only."""

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from carbon_portal import documents, private_files
from carbon_portal.models import GeneratedDocument
from tests.carbon_portal.pdftools import pdf_text, require_poppler
from trading.choices import TransactionKind
from trading.documents import CERTIFICATE_KIND, certificate_content, render_certificate, verification_url
from trading.models import LedgerTransaction
from trading.services.acts import cancel_voluntarily, transfer
from trading.services.certificates import certificate_request

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture
def fake_pdf(monkeypatch):
    """Renders the HTML as the "PDF": fast, and the text is there to read."""
    monkeypatch.setattr(documents, "html_to_pdf", lambda html, *, base_url=None: b"%PDF-test\n" + html.encode())


def cancel(carol, unit_account, shea, quantity_t=1250, key="cancel-1"):
    return cancel_voluntarily(
        actor=carol,
        from_account=unit_account,
        instrument=shea,
        quantity_t=quantity_t,
        idempotency_key=key,
        purpose="Shanghai Marathon 2026",
    )


@pytest.fixture
def cancelled(carol, unit_account, shea, funded):
    return cancel(carol, unit_account, shea, quantity_t=250).transaction


def certificates(tx=None):
    qs = GeneratedDocument.objects.filter(kind=CERTIFICATE_KIND)
    return qs.filter(target_id=str(tx.pk)) if tx else qs


def ready(carol, tx, capture):
    with capture(execute=True):
        certificate_request(actor=carol, transaction=tx)
    document = certificates(tx).get()
    assert document.status == GeneratedDocument.Status.READY, document.message
    return document


# -- the document -------------------------------------------------------------------------------


def test_the_content_is_the_cancellation_as_recorded(cancelled, unit_account, unit, settings):
    settings.PORTAL_BASE_URL = "https://carbon.example.cn/"
    content = certificate_content(cancelled)
    assert content["code"] == cancelled.code and content["transaction_sha256"] == cancelled.sha256
    assert content["holder"]["uscc"] == unit.uscc and content["account"] == unit_account.number
    assert content["quantity_t"] == "250" and content["purpose"] == "Shanghai Marathon 2026"
    assert content["recorded_at"].endswith("+08:00")
    assert content["verification_url"] == f"https://carbon.example.cn/trading/verify/?code={cancelled.code}"
    assert verification_url(cancelled.code) == content["verification_url"]


def test_the_html_prints_what_the_hash_covers(cancelled, unit):
    html, content = render_certificate(cancelled)
    assert documents.content_hash(content) in html
    for text in ("碳排放配额自愿注销证明", "Certificate of voluntary cancellation", cancelled.code, cancelled.sha256):
        assert text in html
    assert unit.uscc in html and "Shanghai Marathon 2026" in html and "published chain head" in html


def test_the_pdf_renders_with_the_quantity_formatted(carol, cancelled, fake_pdf, django_capture_on_commit_callbacks):
    document = ready(carol, cancelled, django_capture_on_commit_callbacks)
    body = private_files.read_bytes(document.stored_path).decode()
    assert document.filename == f"{cancelled.code}.pdf"
    assert ">250<" in body.replace(" ", "")


def test_a_large_quantity_prints_with_thousands_separators(
    carol, alice, unit_account, shea, funded, fake_pdf, django_capture_on_commit_callbacks
):
    from trading.services.acts import issue

    issue(actor=alice, to_account=unit_account, instrument=shea, quantity_t=5000, idempotency_key="more")
    tx = cancel(carol, unit_account, shea, quantity_t=1250, key="big").transaction
    html, _ = render_certificate(tx)
    assert "1,250" in html


def test_the_real_pdf_carries_the_chinese_title_the_code_and_the_quantity(
    carol, cancelled, django_capture_on_commit_callbacks
):
    require_poppler()
    document = ready(carol, cancelled, django_capture_on_commit_callbacks)
    text = pdf_text(private_files.read_bytes(document.stored_path))
    flat = text.replace("\n", "")
    assert "碳排放配额自愿注销证明" in text and cancelled.code in text and "250" in text
    assert document.content_sha256 in flat and "第 1 页" in text


# -- when it is requested -----------------------------------------------------------------------


def _post_cancel(client, account, idempotency_key):
    body = {
        "instrument": "SHEA-2026",
        "quantity_t": "30",
        "purpose": "Shanghai Marathon",
        "idempotency_key": idempotency_key,
        "confirm": "1",
    }
    return client.post(reverse("trading:cancel", args=[account.number]), body)


def test_a_recorded_cancellation_asks_for_its_certificate(
    client_for, carol, unit_account, funded, fake_pdf, django_capture_on_commit_callbacks
):
    client = client_for(carol)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post_cancel(client, unit_account, str(uuid.uuid4()))
    tx = LedgerTransaction.objects.get(kind=TransactionKind.CANCELLATION)
    assert response["Location"] == reverse("trading:recorded", args=[unit_account.number, tx.code])
    document = certificates(tx).get()
    assert document.status == GeneratedDocument.Status.READY and document.requested_by == carol
    html = client.get(response["Location"]).content.decode()
    assert reverse("trading:certificate_download", args=[tx.code]) in html
    assert "Download the certificate (PDF)" in html


def test_a_replayed_cancellation_asks_for_no_second_certificate(
    client_for, carol, unit_account, funded, fake_pdf, django_capture_on_commit_callbacks
):
    client = client_for(carol)
    same = str(uuid.uuid4())
    with django_capture_on_commit_callbacks(execute=True):
        _post_cancel(client, unit_account, same)
        again = _post_cancel(client, unit_account, same)
    assert again.status_code == 302
    assert LedgerTransaction.objects.filter(kind=TransactionKind.CANCELLATION).count() == 1
    assert certificates().count() == 1


def test_a_pending_certificate_shows_as_being_prepared(client_for, carol, unit_account, cancelled):
    certificate_request(actor=carol, transaction=cancelled)  # no commit callbacks: stays PENDING
    html = client_for(carol).get(reverse("trading:recorded", args=[unit_account.number, cancelled.code])).content
    assert b"Certificate being prepared" in html and b"Download the certificate" not in html


def test_without_a_certificate_the_pages_offer_to_prepare_one(
    client_for, carol, unit_account, cancelled, fake_pdf, django_capture_on_commit_callbacks
):
    client = client_for(carol)
    prepare = reverse("trading:certificate_prepare", args=[cancelled.code])
    for url in (
        reverse("trading:recorded", args=[unit_account.number, cancelled.code]),
        reverse("trading:account_detail", args=[unit_account.number]),
    ):
        assert prepare in client.get(url).content.decode(), url
    back = reverse("trading:account_detail", args=[unit_account.number])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(prepare, {"next": back})
    assert response["Location"] == back
    assert certificates(cancelled).get().status == GeneratedDocument.Status.READY
    html = client.get(back).content.decode()
    assert "Download the certificate (PDF)" in html and prepare not in html


def test_asking_twice_prepares_one_certificate(carol, cancelled):
    certificate_request(actor=carol, transaction=cancelled)
    assert certificate_request(actor=carol, transaction=cancelled) is None
    assert certificates(cancelled).count() == 1


def test_only_a_cancellation_has_a_certificate(carol, unit_account, other_account, shea, funded):
    sent = transfer(
        actor=carol,
        from_account=unit_account,
        to_account=other_account,
        instrument=shea,
        quantity_t=10,
        idempotency_key="t-1",
    ).transaction
    with pytest.raises(ValidationError, match="Only a voluntary cancellation"):
        certificate_request(actor=carol, transaction=sent)
    with pytest.raises(ValueError):
        certificate_content(sent)
    assert not certificates().exists()


def test_a_transfer_has_no_certificate_page(client_for, carol, unit_account, other_account, shea, funded):
    sent = transfer(
        actor=carol,
        from_account=unit_account,
        to_account=other_account,
        instrument=shea,
        quantity_t=10,
        idempotency_key="t-1",
    ).transaction
    client = client_for(carol)
    assert client.post(reverse("trading:certificate_prepare", args=[sent.code])).status_code == 404
    assert client.get(reverse("trading:certificate_download", args=[sent.code])).status_code == 404
    assert (
        b"Prepare the certificate"
        not in client.get(reverse("trading:recorded", args=[unit_account.number, sent.code])).content
    )


# -- who may have it ----------------------------------------------------------------------------


def test_the_certificate_is_for_the_holder_and_the_bureau_only(
    client, client_for, alice, carol, erin, cancelled, fake_pdf, django_capture_on_commit_callbacks
):
    ready(carol, cancelled, django_capture_on_commit_callbacks)
    url = reverse("trading:certificate_download", args=[cancelled.code])
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(LOGIN)
    assert client_for(erin).get(url).status_code == 404
    for insider in (carol, alice):
        response = client_for(insider).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_another_unit_may_not_ask_for_the_certificate(client_for, erin, cancelled):
    url = reverse("trading:certificate_prepare", args=[cancelled.code])
    assert client_for(erin).post(url).status_code == 404
    assert not certificates().exists()


def test_a_certificate_not_ready_is_not_found(client_for, carol, cancelled):
    certificate_request(actor=carol, transaction=cancelled)
    assert client_for(carol).get(reverse("trading:certificate_download", args=[cancelled.code])).status_code == 404


def test_the_bureau_may_prepare_a_certificate(alice, cancelled):
    assert certificate_request(actor=alice, transaction=cancelled) is not None


def _detail_queries(client, account) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("trading:account_detail", args=[account.number])).status_code == 200
    return len(queries)


def test_the_history_shows_certificates_in_the_same_queries_for_1_and_10_cancellations(
    client_for, carol, unit_account, shea, funded
):
    client = client_for(carol)
    cancel(carol, unit_account, shea, quantity_t=1, key="c-0")
    certificate_request(actor=carol, transaction=LedgerTransaction.objects.get(idempotency_key="c-0"))
    one = _detail_queries(client, unit_account)
    for i in range(1, 10):
        tx = cancel(carol, unit_account, shea, quantity_t=1, key=f"c-{i}").transaction
        if i % 2:
            certificate_request(actor=carol, transaction=tx)
    assert _detail_queries(client, unit_account) == one
