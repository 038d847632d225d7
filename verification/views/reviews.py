"""Technical review reports (Art. 18). The assigned agency writes its review on one page (figures
per source line, findings, conclusion, signed PDF) and submits it; its staff and the bureau read it
and download the PDF; the bureau may return it for correction. Anything else, including another
agency's review, one of a withdrawn assignment, or any review for unit staff, is not found (404).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from carbon_portal.forms import add_service_error
from carbon_portal.permissions import is_bureau, organisation_ids_of
from carbon_portal.private_files import file_response
from carbon_portal.roles import Role

from ..choices import AssignmentStatus, ReviewStatus
from ..forms_reviews import FindingForm, ReturnForm, ReviewForm
from ..models import ReviewAssignment, ReviewReport
from ..selectors import reviews as selectors
from ..services import reviews as services


def _writable_assignment(user, assignment_id: int) -> ReviewAssignment:
    assignment = selectors.agency_assignment(user, assignment_id)
    if assignment is None:
        raise Http404(_("No such review assignment."))
    return assignment


def _visible(user, review_id: int) -> ReviewReport:
    review = selectors.visible_review(user, review_id)
    if review is None:
        raise Http404(_("No such technical review."))
    return review


def _edit_url(assignment: ReviewAssignment, anchor: str = "") -> str:
    return reverse("verification:review_edit", args=[assignment.pk]) + anchor


# The agency's page


@login_required
def review_edit(request, assignment_id: int):
    assignment = _writable_assignment(request.user, assignment_id)
    review = selectors.review_for_assignment(assignment)
    if review is not None and review.status == ReviewStatus.SUBMITTED:
        return redirect("verification:review_detail", review_id=review.pk)
    if review is None or review.status != ReviewStatus.DRAFT or assignment.status != AssignmentStatus.ASSIGNED:
        return render(
            request,
            "verification/review_start.html",
            {"assignment": assignment, "report": assignment.report, "latest": review},
        )
    comparison = selectors.review_comparison(review)
    action = request.POST.get("action", "save")
    initial = {
        "reviewer": review.reviewer_id,
        "conclusion": review.conclusion,
        "conclusion_text": review.conclusion_text,
        "unreported_tco2e": f"{review.unreported_tco2e.normalize():f}",
        "unreported_note": review.unreported_note,
    }
    form = ReviewForm(
        request.POST or None,
        request.FILES or None,
        rows=comparison.rows,
        reviewers=selectors.active_reviewers(assignment.agency_id),
        submitting=action == "submit",
        initial=initial,
    )
    finding_form = FindingForm(request.POST or None, rows=comparison.rows, prefix="finding")
    if request.method == "POST":
        forms_valid = form.is_valid() & finding_form.is_valid()  # both: every error shows at once
        if forms_valid and _apply(request.user, review, form, finding_form, action):
            return _after(request, review, assignment, action)
    context = {
        "assignment": assignment,
        "report": assignment.report,
        "review": review,
        "comparison": comparison,
        "form": form,
        "finding_form": finding_form,
        "findings": selectors.review_findings(review),
        "versions": selectors.review_versions(assignment),
    }
    return render(request, "verification/review_edit.html", context)


def _apply(user, review: ReviewReport, form: ReviewForm, finding_form: FindingForm, action: str) -> bool:
    """Saves the draft, adds the finding typed in and submits if asked, all or nothing. Every
    refusal is shown with the field it concerns; True when everything was saved."""
    data = form.cleaned_data
    steps = [
        (form, lambda: services.review_save_lines(actor=user, review=review, figures=form.figures())),
        (
            form,
            lambda: services.review_update(
                actor=user,
                review=review,
                reviewer=data["reviewer"],
                conclusion=data["conclusion"],
                conclusion_text=data["conclusion_text"],
                unreported_tco2e=data["unreported_tco2e"],
                unreported_note=data["unreported_note"],
            ),
        ),
    ]
    if data["document"]:
        steps.append(
            (form, lambda: services.review_attach_document(actor=user, review=review, uploaded_file=data["document"]))
        )
    if action == "add_finding" or finding_form.has_content():
        steps.append(
            (finding_form, lambda: services.finding_add(actor=user, review=review, **finding_form.service_kwargs()))
        )
    failed = False
    with transaction.atomic():
        for target, step in steps:
            try:
                step()
            except ValidationError as exc:
                add_service_error(target, exc)
                failed = True
        if not failed and action == "submit":
            try:
                services.review_submit(actor=user, review=review)
            except ValidationError as exc:
                add_service_error(form, exc)
                failed = True
        if failed:
            transaction.set_rollback(True)
    if failed and data["document"] and "document" not in form.errors:
        form.add_error("document", _("Nothing was saved: choose the file again."))
    return not failed


def _after(request, review: ReviewReport, assignment: ReviewAssignment, action: str):
    if action == "submit":
        review.refresh_from_db()
        messages.success(
            request,
            _("Technical review %(reference)s submitted. The bureau has been told.") % {"reference": review.reference},
        )
        return redirect("verification:review_detail", review_id=review.pk)
    if action == "add_finding":
        messages.success(request, _("Draft saved and finding added."))
        return redirect(_edit_url(assignment, "#findings"))
    messages.success(request, _("Draft saved."))
    return redirect(_edit_url(assignment))


@login_required
@require_POST
def review_start(request, assignment_id: int):
    """Starts the draft (or, after a return, the next version) and opens it."""
    assignment = _writable_assignment(request.user, assignment_id)
    try:
        services.review_start(actor=request.user, assignment=assignment)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("verification:workspace_report", assignment_id=assignment.pk)
    return redirect(_edit_url(assignment))


@login_required
@require_POST
def review_finding_remove(request, assignment_id: int, finding_id: int):
    assignment = _writable_assignment(request.user, assignment_id)
    finding = selectors.assignment_finding(assignment, finding_id)
    if finding is None:
        raise Http404(_("No such finding."))
    try:
        services.finding_remove(actor=request.user, finding=finding)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Finding removed."))
    return redirect(_edit_url(assignment, "#findings"))


# Reading, and the bureau's return


def _detail_page(request, review: ReviewReport, return_form: ReturnForm):
    assignment = review.assignment
    user = request.user
    agency_staff = assignment.agency_id in organisation_ids_of(user, Role.AGENCY_STAFF)
    context = {
        "review": review,
        "assignment": assignment,
        "report": review.report,
        "comparison": selectors.review_comparison(review),
        "findings": selectors.review_findings(review),
        "versions": selectors.review_versions(assignment),
        "return_form": return_form if is_bureau(user) and review.status == ReviewStatus.SUBMITTED else None,
        "can_edit": agency_staff
        and assignment.status == AssignmentStatus.ASSIGNED
        and review.status in (ReviewStatus.DRAFT, ReviewStatus.RETURNED),
    }
    return render(request, "verification/review_detail.html", context)


@login_required
@require_GET
def review_detail(request, review_id: int):
    return _detail_page(request, _visible(request.user, review_id), ReturnForm())


@login_required
@require_GET
def review_document(request, review_id: int):
    review = _visible(request.user, review_id)
    if not review.document_path:
        raise Http404(_("No review report has been uploaded."))
    return file_response(review.document_path, filename=review.document_name, kind="pdf")


@login_required
@require_POST
def review_return(request, review_id: int):
    review = _visible(request.user, review_id)
    if not is_bureau(request.user):
        raise PermissionDenied(_("Only the bureau returns a technical review for correction."))
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            services.review_return(actor=request.user, review=review, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The review was returned to the agency for correction."))
            return redirect("verification:review_detail", review_id=review.pk)
    return _detail_page(request, review, form)
