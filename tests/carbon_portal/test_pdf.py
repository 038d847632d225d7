"""carbon_portal.pdf (HTML to PDF, CJK font, page numbers) and carbon_portal.documents (the
request -> Celery -> stored PDF pipeline every kind of document shares)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from carbon_portal import documents, pdf, private_files
from carbon_portal.models import GeneratedDocument

from .pdftools import embedded_fonts, page_count, pdf_text, require_poppler

UNIT_NAME = "上海金山石化示例有限公司"
REFERENCE = "AER-2026-913100000000000001-v1"
Status = GeneratedDocument.Status


@pytest.fixture(scope="module")
def sample_pdf() -> bytes:
    """One rendering shared by the module: WeasyPrint takes most of a second per document."""
    paragraphs = "".join(f"<p>第 {n} 条 排放源 emission source {n}</p>" for n in range(90))
    html = (
        f'<html><head><title>{REFERENCE}</title></head><body><p class="pdf-reference">{REFERENCE} · v1 · SHA-256 '
        f"{'ab' * 32}</p><h1>{UNIT_NAME}</h1>{paragraphs}</body></html>"
    )
    return pdf.html_to_pdf(html)


def test_output_is_a_pdf(sample_pdf):
    assert sample_pdf.startswith(b"%PDF-")


def test_chinese_is_set_in_an_embedded_cjk_font(sample_pdf):
    require_poppler()
    assert any("CJK" in name for name in embedded_fonts(sample_pdf))


def test_chinese_text_extracts_from_the_pdf(sample_pdf):
    require_poppler()
    assert UNIT_NAME in pdf_text(sample_pdf)


def test_every_page_is_numbered_in_chinese_and_english(sample_pdf):
    require_poppler()
    pages = page_count(sample_pdf)
    assert pages >= 2
    last = pdf_text(sample_pdf, page=pages)
    assert f"第 {pages} 页 / 共 {pages} 页" in last
    assert f"Page {pages} of {pages}" in last


def test_the_reference_line_is_repeated_in_the_footer_of_later_pages(sample_pdf):
    require_poppler()
    assert REFERENCE in pdf_text(sample_pdf, page=2)


def test_rendering_is_refused_when_no_font_for_chinese_is_installed(monkeypatch):
    monkeypatch.setattr(pdf, "cjk_font_families", lambda: frozenset())
    with pytest.raises(RuntimeError, match="fonts-noto-cjk"):
        pdf.html_to_pdf("<p>上海</p>")


def test_rendering_fetches_no_network_url():
    with pytest.raises(ValueError, match="disallowed protocol"):
        pdf._fetcher().fetch("http://127.0.0.1:9/logo.png")


# carbon_portal.documents, with a stand-in renderer and no real PDF rendering


def _echo(target):
    """A renderer for tests: prints the target's name and the content hash."""
    content = {"name": target.name_zh, "output": Decimal("1.50")}
    return f"<p>{target.name_zh} {documents.content_hash(content)}</p>", content


def _forgets_the_hash(target):
    return "<p>no hash here</p>", {"name": target.name_zh}


@pytest.fixture
def renderers():
    documents.register_renderer("tests.echo", _echo)
    documents.register_renderer("tests.no_hash", _forgets_the_hash)


@pytest.fixture
def fake_pdf(monkeypatch):
    """Counts renderings and returns the HTML as the 'PDF', so pipeline tests need no WeasyPrint."""
    calls = []

    def _render(html, *, base_url=None):
        calls.append(html)
        return b"%PDF-test\n" + html.encode()

    monkeypatch.setattr(documents, "html_to_pdf", _render)
    return calls


def test_canonical_json_ignores_key_order_and_keeps_decimals_exact():
    first = documents.canonical_json({"b": Decimal("0.420"), "a": [1, "上海"]})
    assert first == documents.canonical_json({"a": [1, "上海"], "b": Decimal("0.420")})
    assert first == '{"a":[1,"上海"],"b":"0.420"}'.encode()


def test_registering_the_same_renderer_again_is_harmless():
    documents.register_renderer("tests.echo", _echo)
    documents.register_renderer("tests.echo", _echo)
    assert documents.renderer_for("tests.echo") is _echo


def test_a_second_renderer_for_a_kind_is_refused(renderers):
    with pytest.raises(ImproperlyConfigured):
        documents.register_renderer("tests.echo", _forgets_the_hash)


def test_an_unknown_kind_is_refused_when_requested(unit, carol):
    with pytest.raises(ImproperlyConfigured):
        documents.document_request(kind="tests.nothing", target=unit, filename="x.pdf", actor=carol)
    assert not GeneratedDocument.objects.exists()


def test_a_request_stays_pending_until_its_transaction_commits(
    unit, carol, renderers, fake_pdf, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            document = documents.document_request(kind="tests.echo", target=unit, filename="u.pdf", actor=carol)
            assert not fake_pdf
        assert GeneratedDocument.objects.get(pk=document.pk).status == Status.PENDING
    document.refresh_from_db()
    assert document.status == Status.READY
    assert private_files.read_bytes(document.stored_path).startswith(b"%PDF-")
    assert document.content_sha256 == documents.content_hash({"name": unit.name_zh, "output": Decimal("1.50")})
    assert document.size_bytes == len(private_files.read_bytes(document.stored_path))


def test_a_document_is_rendered_once_even_when_its_task_runs_twice(
    unit, carol, renderers, fake_pdf, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        document = documents.document_request(kind="tests.echo", target=unit, filename="u.pdf", actor=carol)
    documents.document_render(document.pk)
    assert len(fake_pdf) == 1


def test_a_document_that_does_not_print_its_content_hash_fails(
    unit, carol, renderers, fake_pdf, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        document = documents.document_request(kind="tests.no_hash", target=unit, filename="u.pdf", actor=carol)
    document.refresh_from_db()
    assert document.status == Status.FAILED
    assert "content hash" in document.message
    assert document.finished_at is not None


def test_a_document_waits_when_the_broker_is_down_and_beat_resends_it(
    unit, carol, renderers, fake_pdf, celery_broker, django_capture_on_commit_callbacks
):
    # Nothing listens on port 1: publishing fails at once.
    with celery_broker("redis://127.0.0.1:1/0"), django_capture_on_commit_callbacks(execute=True):
        document = documents.document_request(kind="tests.echo", target=unit, filename="u.pdf", actor=carol)
    document.refresh_from_db()
    assert (document.status, document.message) == (Status.PENDING, documents.BROKER_DOWN)

    GeneratedDocument.objects.filter(pk=document.pk).update(created_at=timezone.now() - timezone.timedelta(minutes=2))
    assert documents.documents_resend_pending() == 1
    document.refresh_from_db()
    assert (document.status, document.message) == (Status.READY, "")


def test_beat_leaves_a_recently_queued_document_alone(unit, carol, renderers, fake_pdf):
    # Not committed in this test, so never sent: as if it sat in a healthy queue.
    documents.document_request(kind="tests.echo", target=unit, filename="u.pdf", actor=carol)
    assert documents.documents_resend_pending() == 0
    assert not fake_pdf


def test_latest_document_is_the_newest_of_its_kind_and_target(unit, other_unit, carol, renderers, fake_pdf):
    documents.document_request(kind="tests.echo", target=unit, filename="1.pdf", actor=carol)
    second = documents.document_request(kind="tests.echo", target=unit, filename="2.pdf", actor=carol)
    documents.document_request(kind="tests.echo", target=other_unit, filename="3.pdf", actor=carol)
    documents.document_request(kind="tests.no_hash", target=unit, filename="4.pdf", actor=carol)
    assert documents.latest_document(unit, "tests.echo") == second
    assert documents.latest_document(unit, "tests.echo", since=second.created_at) == second
    assert documents.latest_ready_document(unit, "tests.echo") is None
