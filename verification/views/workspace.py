"""The agency's workspace (Art. 18): its assigned reports, read-only, with their evidence and PDF.

An assignment the user's agency does not hold now (another agency's, or one withdrawn when the
review was reassigned) is not found (404), so the page does not disclose that the report exists.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from carbon_portal.documents import document_file_response
from carbon_portal.private_files import file_response

from ..permissions import may_use_workspace
from ..selectors import workspace as selectors


def _assignment(user, assignment_id: int):
    assignment = selectors.workspace_assignment(user, assignment_id)
    if assignment is None:
        raise Http404(_("No such review assignment."))
    return assignment


@login_required
@require_GET
def workspace_list(request):
    if not may_use_workspace(request.user):
        raise PermissionDenied(_("Only technical service agency staff have a review workspace."))
    rows = selectors.workspace_rows(request.user)
    return render(request, "verification/workspace_list.html", {"rows": rows})


@login_required
@require_GET
def workspace_report(request, assignment_id: int):
    assignment = _assignment(request.user, assignment_id)
    reviewed = selectors.reviewed_report(assignment)
    context = {
        "assignment": assignment,
        "report": assignment.report,
        "row": reviewed.row,
        # reporting's partials: lines and evidence without any edit control.
        "lines": reviewed.lines,
        "totals": reviewed.totals,
        "category_totals": reviewed.category_totals,
        "can_edit": False,
        "evidence": reviewed.evidence,
        "pdf": reviewed.pdf,
    }
    return render(request, "verification/workspace_report.html", context)


@login_required
@require_GET
def workspace_evidence(request, assignment_id: int, evidence_id: int):
    evidence = selectors.assignment_evidence(_assignment(request.user, assignment_id), evidence_id)
    if evidence is None:
        raise Http404(_("No such evidence file."))
    return file_response(evidence.stored_path, filename=evidence.original_name, kind=evidence.kind)


@login_required
@require_GET
def workspace_pdf(request, assignment_id: int):
    document = selectors.assignment_pdf(_assignment(request.user, assignment_id))
    if document is None:
        raise Http404(_("The report's PDF is not ready."))
    return document_file_response(document)
