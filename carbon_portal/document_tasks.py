"""Celery tasks of carbon_portal.documents.

carbon_portal.documents imports this module to send the task, so a worker registers these tasks as
soon as an app that registers a renderer is ready. The service module is imported inside each task
to keep that import one-way.
"""

from celery import shared_task


@shared_task(name="carbon_portal.document_tasks.render_document")
def render_document(document_id: int):
    from . import documents

    document = documents.document_render(document_id)
    return document.status if document is not None else None


@shared_task(name="carbon_portal.document_tasks.resend_pending_documents")
def resend_pending_documents():
    """The beat's retry for documents whose broker was down."""
    from . import documents

    return documents.documents_resend_pending()
