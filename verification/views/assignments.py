"""The bureau's pages for assigning a year's technical reviews (Art. 18-19): the year's list, one
report's assignment, reassignment with a reason, and the balanced proposal applied in one go."""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from carbon_portal.forms import add_service_error
from registry.choices import OrganisationType
from registry.models import Organisation
from reporting.models import AnnualReport

from ..choices import AssignmentKind, AssignmentStatus
from ..models import IN_FORCE, ReviewAssignment
from ..permissions import require_assigner
from ..selectors import assignments as selectors
from ..services import assignment_create, assignment_reassign, bulk

PAGE_SIZE = 50


class ReviewFilterForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Unit, credit code or agency"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    state = forms.ChoiceField(
        label=gettext_lazy("Review"), required=False, choices=[("", gettext_lazy("All")), *selectors.STATES]
    )

    def filters(self) -> dict:
        self.is_valid()  # a bad value is shown as an error and left out
        return {"q": (self.cleaned_data.get("q") or "").strip(), "state": self.cleaned_data.get("state") or ""}


class AssignForm(forms.Form):
    # Any agency may be posted: the service, not the form, says why one may not review (Art. 19).
    agency = forms.ModelChoiceField(
        label=gettext_lazy("Technical service agency"),
        queryset=Organisation.objects.filter(org_type=OrganisationType.AGENCY),
        error_messages={
            "required": gettext_lazy("Choose an agency."),
            "invalid_choice": gettext_lazy("Choose an agency from the list."),
        },
    )


class ReassignForm(AssignForm):
    reason = forms.CharField(
        label=gettext_lazy("Why the review goes to another agency"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Say why the review goes to another agency.")},
    )


def _query(params: dict) -> str:
    return urlencode([(key, value) for key, value in params.items() if value])


@login_required
def review_home(request):
    require_assigner(request.user)
    return redirect("verification:review_list", year=timezone.localdate().year - 1)


@login_required
def review_list(request, year: int):
    """Every submitted report of the year and its review: assigned to whom, due when, overdue."""
    require_assigner(request.user)
    form = ReviewFilterForm(request.GET)
    filters = form.filters()
    reviews = selectors.year_reviews(year, **filters)
    base = {"q": filters["q"]}
    return render(
        request,
        "verification/reviews_list.html",
        {
            "year": year,
            "form": form,
            "reviews": reviews,
            "state": filters["state"],
            "all_query": _query(base),
            "count_items": [
                (value, label, n, _query(base | {"state": value})) for value, label, n in reviews.count_items()
            ],
            "page": Paginator(reviews.rows, PAGE_SIZE).get_page(request.GET.get("page")),
            "filters": request.GET,
        },
    )


@login_required
def review_assign(request, year: int, report_id: int):
    require_assigner(request.user)
    report = get_object_or_404(AnnualReport.objects.select_related("organisation"), pk=report_id, year=year)
    current = ReviewAssignment.objects.filter(
        organisation_id=report.organisation_id, year=year, status__in=IN_FORCE, kind=AssignmentKind.REVIEW
    ).first()
    form = AssignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            assignment = assignment_create(actor=request.user, report=report, agency=form.cleaned_data["agency"])
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _assigned_message(assignment))
            return redirect("verification:review_list", year=year)
    return render(
        request,
        "verification/reviews_assign.html",
        {
            "year": year,
            "report": report,
            "current": current,
            "form": form,
            "options": selectors.agency_options(year, report.organisation_id),
            "due_date": selectors.review_due_date(year),
        },
    )


@login_required
def review_reassign(request, year: int, assignment_id: int):
    require_assigner(request.user)
    assignment = get_object_or_404(
        ReviewAssignment.objects.select_related("organisation", "agency", "report"),
        pk=assignment_id,
        year=year,
        kind=AssignmentKind.REVIEW,
    )
    if assignment.status == AssignmentStatus.DONE:
        messages.error(
            request,
            _("The agency has submitted its review: return the review for correction instead of reassigning it."),
        )
        return redirect("verification:review_list", year=year)
    if assignment.status != AssignmentStatus.ASSIGNED:
        messages.error(request, _("This assignment has already been withdrawn."))
        return redirect("verification:review_list", year=year)
    form = ReassignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            new = assignment_reassign(
                actor=request.user,
                assignment=assignment,
                agency=form.cleaned_data["agency"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _assigned_message(new))
            return redirect("verification:review_list", year=year)
    options = selectors.agency_options(year, assignment.organisation_id, current_agency_id=assignment.agency_id)
    return render(
        request,
        "verification/reviews_reassign.html",
        {"year": year, "assignment": assignment, "form": form, "options": options},
    )


def _assigned_message(assignment: ReviewAssignment) -> str:
    return _("The review of %(unit)s goes to %(agency)s, due %(due)s.") % {
        "unit": assignment.organisation.name,
        "agency": assignment.agency.name,
        "due": assignment.due_date.isoformat(),
    }


def _posted_pairs(request) -> list[tuple[int, int]] | None:
    """The pairs the proposal page posted as "report:agency"; None when one is malformed."""
    pairs = []
    for value in request.POST.getlist("pair"):
        report_id, sep, agency_id = value.partition(":")
        if not (sep and report_id.isdigit() and agency_id.isdigit()):
            return None
        pairs.append((int(report_id), int(agency_id)))
    return pairs


@login_required
def review_propose(request, year: int):
    """A balanced proposal of agencies for the year's unassigned reports; one button applies it.
    The pairs go back as posted and are all checked again: if any was refused, nothing is saved
    and the page explains why, with a proposal made from the data as it is now."""
    require_assigner(request.user)
    errors = []
    if request.method == "POST":
        pairs = _posted_pairs(request)
        try:
            if pairs is None:
                raise ValidationError(_("The proposal sent back was not readable: nothing was saved."))
            created = bulk.assignments_apply(actor=request.user, year=year, pairs=pairs)
        except ValidationError as exc:
            errors = exc.messages
        else:
            count = len(created)
            messages.success(
                request, ngettext("%(n)s review assigned.", "%(n)s reviews assigned.", count) % {"n": count}
            )
            return redirect("verification:review_list", year=year)
    return render(
        request,
        "verification/reviews_propose.html",
        {"year": year, "proposal": bulk.assignment_proposal(year=year), "errors": errors},
    )
