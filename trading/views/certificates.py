"""The certificate of voluntary cancellation (PDF): download it, or ask for it to be prepared.
The holder's unit staff and the bureau; anyone else gets a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from carbon_portal.documents import document_file_response

from ..selectors.certificates import cancellations_for, certificate_state
from ..services.certificates import certificate_request


@login_required
@require_GET
def certificate_download(request, code: str):
    tx = get_object_or_404(cancellations_for(request.user), code=code)
    document = certificate_state(tx).ready
    if document is None:
        raise Http404(_("The certificate is not ready yet."))
    return document_file_response(document)


@login_required
@require_POST
def certificate_prepare(request, code: str):
    """Asks for the certificate when none is ready or being prepared; back to the page it came from."""
    tx = get_object_or_404(cancellations_for(request.user), code=code)
    try:
        certificate_request(actor=request.user, transaction=tx)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        # With Celery in eager mode it is ready already; otherwise a worker prepares it.
        if certificate_state(tx).ready:
            messages.success(request, _("The certificate is ready to download."))
        else:
            messages.success(request, _("The certificate is being prepared: it appears here when it is ready."))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("trading:account_home")
    return redirect(back)
