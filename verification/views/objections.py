"""Objections (Art. 20). The unit objects to its determination within the window and follows its
objections; the bureau decides them (accepting one opens a re-examination: see reexaminations).

A unit reaches only its own unit's determinations and objections (404 otherwise); the bureau's
pages are the bureau's (403 for anyone else)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from carbon_portal.files import KINDS, kinds_label
from carbon_portal.forms import add_service_error
from carbon_portal.permissions import is_bureau, roles_of
from carbon_portal.private_files import file_response
from carbon_portal.roles import Role

from ..choices import DeterminationStatus, ObjectionStatus
from ..models import Determination
from ..selectors import objections as selectors
from ..services.objections import MAX_FILES, OBJECTION_FILE_KINDS, objection_accept, objection_file, objection_reject
from ..services.reexaminations import require_reexaminer

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


def text_field(label, message, rows=4, max_length=5000):
    return forms.CharField(
        label=label,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": message},
    )


class ObjectionForm(forms.Form):
    reasons = text_field(
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
    decision_text = text_field(
        gettext_lazy("Why the objection is rejected"), gettext_lazy("Say why the objection is rejected.")
    )


class AcceptForm(forms.Form):
    reason = text_field(
        gettext_lazy("What the re-examination is to look at"),
        gettext_lazy("Say what the re-examination is to look at."),
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
