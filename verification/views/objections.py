"""Objections and re-examinations (Art. 20). The unit objects to its determination within the window
and follows its objections; the bureau decides them, opens re-examinations (on an objection, or of
its own motion when a trigger is flagged), gives each to a different agency, or cancels it.

A unit reaches only its own unit's determinations and objections (404 otherwise); the bureau's
pages are the bureau's (403 for anyone else)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from carbon_portal.files import KINDS, kinds_label
from carbon_portal.forms import add_service_error
from carbon_portal.permissions import is_bureau, roles_of
from carbon_portal.private_files import file_response
from carbon_portal.roles import Role
from registry.choices import OrganisationType
from registry.models import Organisation

from ..choices import AssignmentStatus, DeterminationStatus, ObjectionStatus, ReexamStatus, ReexamTrigger
from ..models import Determination, ReviewAssignment
from ..selectors import objections as selectors
from ..selectors.triggers import determination_flags
from ..services.objections import MAX_FILES, OBJECTION_FILE_KINDS, objection_accept, objection_file, objection_reject
from ..services.reexaminations import (
    MOTION_TRIGGERS,
    reexam_due_date,
    reexamination_assign,
    reexamination_cancel,
    reexamination_open,
    reexamination_reassign,
    require_reexaminer,
)

# -- forms --


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by the service, not here."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def _text(label, message, rows=4, max_length=5000):
    return forms.CharField(
        label=label,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": message},
    )


class ObjectionForm(forms.Form):
    reasons = _text(
        gettext_lazy("Your reasons"), gettext_lazy("Give the reasons for the objection."), rows=8, max_length=20000
    )
    claimed_tco2e = forms.DecimalField(
        label=gettext_lazy("Emissions you consider correct (tCO2e)"),
        required=False,
        min_value=0,
        max_digits=16,
        decimal_places=3,
        help_text=gettext_lazy("If you can say what the figure should be."),
    )
    files = MultipleFileField(
        label=gettext_lazy("Supporting files"),
        required=False,
        widget=MultipleFileInput(
            attrs={"accept": ",".join(ext for k in OBJECTION_FILE_KINDS for ext in KINDS[k].extensions)}
        ),
    )

    def __init__(self, *args, max_bytes: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = _("%(types)s; up to %(n)s files of at most %(size)s each.") % {
            "types": kinds_label(OBJECTION_FILE_KINDS),
            "n": MAX_FILES,
            "size": filesizeformat(max_bytes),
        }


class RejectForm(forms.Form):
    decision_text = _text(
        gettext_lazy("Why the objection is rejected"), gettext_lazy("Say why the objection is rejected.")
    )


class AcceptForm(forms.Form):
    reason = _text(
        gettext_lazy("What the re-examination is to look at"),
        gettext_lazy("Say what the re-examination is to look at."),
    )


class OpenForm(forms.Form):
    trigger = forms.ChoiceField(
        label=gettext_lazy("What gives cause for it"),
        choices=[(value, ReexamTrigger(value).label) for value in MOTION_TRIGGERS],
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose what gives cause for the re-examination.")},
    )
    reason = _text(gettext_lazy("Why it is re-examined"), gettext_lazy("Say why the determination is re-examined."))


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
    reason = _text(
        gettext_lazy("Why the re-examination goes to another agency"),
        gettext_lazy("Say why the re-examination goes to another agency."),
        rows=3,
    )


class CancelForm(forms.Form):
    reason = _text(
        gettext_lazy("Why the re-examination is cancelled"),
        gettext_lazy("Say why the re-examination is cancelled."),
        rows=3,
    )


# -- the unit --


def _require_unit(user) -> None:
    if Role.UNIT_STAFF not in roles_of(user):
        raise PermissionDenied(_("Only a unit's staff have objections."))


def _window(determination: Determination, today) -> dict:
    existing = determination.objections.first()
    deadline = determination.objection_deadline
    is_open = (
        determination.status == DeterminationStatus.APPROVED
        and deadline is not None
        and today <= deadline
        and existing is None
    )
    return {"existing": existing, "deadline": deadline, "window_open": is_open, "today": today}


@login_required
def objection_file_view(request, determination_id: int):
    """The unit's objection form; after the window it is not offered, and a POST is refused."""
    determination = selectors.objectable_determination(request.user, determination_id)
    if determination is None:
        raise Http404(_("No such determination."))
    posted = request.method == "POST"
    form = ObjectionForm(
        request.POST if posted else None, request.FILES if posted else None, max_bytes=settings.UPLOAD_MAX_BYTES
    )
    if posted and form.is_valid():
        try:
            objection = objection_file(
                actor=request.user,
                determination=determination,
                reasons=form.cleaned_data["reasons"],
                claimed_tco2e=form.cleaned_data["claimed_tco2e"],
                files=form.cleaned_data["files"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("Your objection was filed. The bureau decides by %(date)s.")
                % {"date": objection.decision_due_date.isoformat()},
            )
            return redirect("verification:objection_detail", objection_id=objection.pk)
    context = {"determination": determination, "form": form} | _window(determination, timezone.localdate())
    return render(request, "verification/objection_form.html", context)


@login_required
@require_GET
def objection_list(request):
    _require_unit(request.user)
    today = timezone.localdate()
    rows = selectors.unit_objection_rows(request.user, today)
    open_ones = selectors.open_to_objection(request.user, today)
    return render(request, "verification/objection_list.html", {"rows": rows, "open_ones": open_ones})


@login_required
@require_GET
def objection_detail(request, objection_id: int):
    objection = selectors.objection_for_unit(request.user, objection_id)
    if objection is None:
        raise Http404(_("No such objection."))
    return render(request, "verification/objection_detail.html", {"objection": objection})


@login_required
@require_GET
def objection_attachment(request, objection_id: int, file_id: int):
    """A supporting file, to the unit that filed it and to the bureau; nobody else learns it exists."""
    if is_bureau(request.user):
        objection = selectors.objection_for_bureau(objection_id)
    else:
        objection = selectors.objection_for_unit(request.user, objection_id)
    found = objection and next((f for f in objection.files.all() if f.pk == file_id), None)
    if not found:
        raise Http404(_("No such file."))
    return file_response(found.stored_path, filename=found.original_name, kind=found.kind)


# -- the bureau: objections --


@login_required
def objection_admin_home(request):
    require_reexaminer(request.user)
    return redirect("verification:objection_admin", year=timezone.localdate().year - 1)


@login_required
@require_GET
def objection_admin(request, year: int):
    require_reexaminer(request.user)
    status = request.GET.get("status", "")
    status = status if status in ObjectionStatus.values else ""
    counts = selectors.objection_counts(year)
    context = {
        "year": year,
        "rows": selectors.bureau_objections(year, status=status),
        "status": status,
        "counts": [(value, label, counts[value]) for value, label in ObjectionStatus.choices],
    }
    return render(request, "verification/objection_admin.html", context)


@login_required
def objection_decide(request, objection_id: int):
    """Accept (a re-examination is opened) or reject (with the decision in words)."""
    require_reexaminer(request.user)
    objection = selectors.objection_for_bureau(objection_id)
    if objection is None:
        raise Http404(_("No such objection."))
    action = request.POST.get("action") if request.method == "POST" else None
    accept = AcceptForm(request.POST if action == "accept" else None, prefix="accept")
    reject = RejectForm(request.POST if action == "reject" else None, prefix="reject")
    form = {"accept": accept, "reject": reject}.get(action)
    if form is not None and form.is_valid():
        try:
            if action == "accept":
                reexam = objection_accept(actor=request.user, objection=objection, reason=form.cleaned_data["reason"])
            else:
                objection_reject(
                    actor=request.user, objection=objection, decision_text=form.cleaned_data["decision_text"]
                )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            if action == "accept":
                messages.success(request, _("Objection accepted: assign the re-examination to a different agency."))
                return redirect("verification:reexam_detail", reexam_id=reexam.pk)
            messages.success(request, _("Objection rejected; the unit has been told why."))
            return redirect("verification:objection_admin", year=objection.determination.year)
    determination = objection.determination
    context = {
        "objection": objection,
        "determination": determination,
        "accept_form": accept,
        "reject_form": reject,
        "is_overdue": selectors.is_overdue(objection, timezone.localdate()),
        "history": selectors.determination_history(determination.organisation_id, determination.year),
    }
    return render(request, "verification/objection_decide.html", context)


# -- the bureau: re-examinations --


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
