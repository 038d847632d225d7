"""Re-examinations (Art. 20), the bureau's pages: it opens them (on an accepted objection, or of
its own motion when a trigger is flagged), gives each to a different agency, or cancels it.

The pages are the bureau's (403 for anyone else)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from carbon_portal.forms import add_service_error
from registry.choices import OrganisationType
from registry.models import Organisation

from ..choices import AssignmentStatus, DeterminationStatus, ReexamStatus, ReexamTrigger
from ..models import Determination, ReviewAssignment
from ..selectors import objections as selectors
from ..selectors.triggers import determination_flags
from ..services.reexaminations import (
    MOTION_TRIGGERS,
    reexam_due_date,
    reexamination_assign,
    reexamination_cancel,
    reexamination_open,
    reexamination_reassign,
    require_reexaminer,
)
from .objections import text_field

# -- forms --


class OpenForm(forms.Form):
    trigger = forms.ChoiceField(
        label=gettext_lazy("What gives cause for it"),
        choices=[(value, ReexamTrigger(value).label) for value in MOTION_TRIGGERS],
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose what gives cause for the re-examination.")},
    )
    reason = text_field(
        gettext_lazy("Why it is re-examined"), gettext_lazy("Say why the determination is re-examined.")
    )


class AssignForm(forms.Form):
    # Any agency may be posted: the service says why one may not re-examine (Art. 19, 20).
    agency = forms.ModelChoiceField(
        label=gettext_lazy("Technical service agency"),
        queryset=Organisation.objects.filter(org_type=OrganisationType.AGENCY),
        error_messages={
            "required": gettext_lazy("Choose an agency."),
            "invalid_choice": gettext_lazy("Choose an agency from the list."),
        },
    )


class ReassignForm(AssignForm):
    reason = text_field(
        gettext_lazy("Why the re-examination goes to another agency"),
        gettext_lazy("Say why the re-examination goes to another agency."),
        rows=3,
    )


class CancelForm(forms.Form):
    reason = text_field(
        gettext_lazy("Why the re-examination is cancelled"),
        gettext_lazy("Say why the re-examination is cancelled."),
        rows=3,
    )


# -- the views --


@login_required
def reexam_home(request):
    require_reexaminer(request.user)
    return redirect("verification:reexam_list", year=timezone.localdate().year - 1)


@login_required
@require_GET
def reexam_list(request, year: int):
    require_reexaminer(request.user)
    state = request.GET.get("state", "")
    state = state if state in dict(selectors.REEXAM_STATES) else ""
    context = {
        "year": year,
        "rows": selectors.bureau_reexaminations(year, state=state),
        "state": state,
        "states": selectors.REEXAM_STATES,
    }
    return render(request, "verification/reexam_list.html", context)


@login_required
@require_GET
def reexam_pick(request, year: int):
    """Determinations in force of the year that flag a trigger (or all of them, for another doubt)."""
    require_reexaminer(request.user)
    show_all = request.GET.get("all") == "1"
    rows = selectors.motion_candidates(year, flagged_only=not show_all)
    return render(request, "verification/reexam_pick.html", {"year": year, "rows": rows, "show_all": show_all})


@login_required
def reexam_open(request, determination_id: int):
    require_reexaminer(request.user)
    determination = get_object_or_404(Determination.objects.select_related("organisation"), pk=determination_id)
    form = OpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            reexam = reexamination_open(
                actor=request.user,
                determination=determination,
                trigger=form.cleaned_data["trigger"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Re-examination opened: assign it to a different agency."))
            return redirect("verification:reexam_detail", reexam_id=reexam.pk)
    context = {
        "determination": determination,
        "form": form,
        "flags": determination_flags(determination),
        "open_reexamination": selectors.open_reexamination(determination),
        "in_force": determination.status == DeterminationStatus.APPROVED,
    }
    return render(request, "verification/reexam_open.html", context)


def _reexam(reexam_id: int):
    reexam = selectors.reexamination_for_bureau(reexam_id)
    if reexam is None:
        raise Http404(_("No such re-examination."))
    return reexam


def _detail(request, reexam, *, assign=None, reassign=None, cancel=None, status=200):
    row = selectors.reexam_row(reexam)
    determination = reexam.determination
    options = []
    if reexam.status == ReexamStatus.OPEN:
        current = row.assignment.agency_id if row.assignment else None
        options = selectors.reexam_agency_options(reexam, current_agency_id=current)
    try:
        due = reexam_due_date(reexam)
    except ValidationError as exc:
        due, due_error = None, " ".join(exc.messages)
    else:
        due_error = ""
    assignments = (
        ReviewAssignment.objects.filter(organisation_id=determination.organisation_id, year=determination.year)
        .select_related("agency", "assigned_by")
        .order_by("assigned_at", "pk")
    )
    context = {
        "reexam": reexam,
        "row": row,
        "determination": determination,
        "objection": reexam.objection,
        "flags": determination_flags(determination),
        "history": selectors.determination_history(determination.organisation_id, determination.year),
        "assignments": assignments,
        "options": options,
        "due_date": due,
        "due_error": due_error,
        "assign_form": assign or AssignForm(),
        "reassign_form": reassign or ReassignForm(prefix="reassign"),
        "cancel_form": cancel or CancelForm(prefix="cancel"),
        "can_cancel": reexam.status in selectors.OPEN_REEXAM,
        "year": determination.year,
    }
    return render(request, "verification/reexam_detail.html", context, status=status)


@login_required
@require_GET
def reexam_detail(request, reexam_id: int):
    require_reexaminer(request.user)
    return _detail(request, _reexam(reexam_id))


@login_required
@require_POST
def reexam_assign(request, reexam_id: int):
    require_reexaminer(request.user)
    reexam = _reexam(reexam_id)
    form = AssignForm(request.POST)
    if form.is_valid():
        try:
            assignment = reexamination_assign(
                actor=request.user, reexamination=reexam, agency=form.cleaned_data["agency"]
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _assigned(assignment))
            return redirect("verification:reexam_detail", reexam_id=reexam.pk)
    return _detail(request, reexam, assign=form)


@login_required
@require_POST
def reexam_reassign(request, reexam_id: int):
    require_reexaminer(request.user)
    reexam = _reexam(reexam_id)
    current = reexam.assignments.filter(status=AssignmentStatus.ASSIGNED).first()
    form = ReassignForm(request.POST, prefix="reassign")
    if current is None:
        form.add_error(None, _("This re-examination is not with an agency now: assign it instead."))
    elif form.is_valid():
        try:
            assignment = reexamination_reassign(
                actor=request.user,
                assignment=current,
                agency=form.cleaned_data["agency"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _assigned(assignment))
            return redirect("verification:reexam_detail", reexam_id=reexam.pk)
    return _detail(request, reexam, reassign=form)


@login_required
@require_POST
def reexam_cancel(request, reexam_id: int):
    require_reexaminer(request.user)
    reexam = _reexam(reexam_id)
    form = CancelForm(request.POST, prefix="cancel")
    if form.is_valid():
        try:
            reexamination_cancel(actor=request.user, reexamination=reexam, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Re-examination cancelled; the determination in force is unchanged."))
            return redirect("verification:reexam_list", year=reexam.determination.year)
    return _detail(request, reexam, cancel=form)


def _assigned(assignment: ReviewAssignment) -> str:
    return _("The re-examination goes to %(agency)s, due %(due)s.") % {
        "agency": assignment.agency.name,
        "due": assignment.due_date.isoformat(),
    }
