"""The bureau's determination pages (Art. 18-20): the year's list, one unit's workspace (report and
review side by side, triggers, the prepare form), the approval page, the unit-year's history, the
notice PDF, and the unit's own page of determined emissions.

Bureau pages are 403 for anyone else; a notice is 404 to anyone who may not see it.
"""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from carbon_portal.documents import document_file_response
from carbon_portal.forms import add_service_error
from carbon_portal.permissions import is_bureau_approver, require_bureau, roles_of
from carbon_portal.roles import Role
from registry.choices import District, EntryCategory
from registry.models import Industry, Organisation

from ..choices import DeterminationBasis, DeterminationStatus
from ..models import Determination
from ..selectors import determinations as selectors
from ..selectors.triggers import determination_flags
from ..services import determinations as services

PAGE_SIZE = 50


class FilterForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Name or credit code"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    state = forms.ChoiceField(
        label=gettext_lazy("Determination"), required=False, choices=[("", gettext_lazy("All")), *selectors.FILTERS]
    )
    category = forms.ChoiceField(
        label=gettext_lazy("Category"), required=False, choices=[("", gettext_lazy("All")), *EntryCategory.choices]
    )
    district = forms.ChoiceField(
        label=gettext_lazy("District"), required=False, choices=[("", gettext_lazy("All")), *District.choices]
    )
    industry = forms.ModelChoiceField(
        label=gettext_lazy("Industry"),
        required=False,
        queryset=Industry.objects.order_by("code"),
        to_field_name="code",
        empty_label=gettext_lazy("All"),
    )

    def filters(self) -> dict:
        """The valid filters as the selector's arguments; a bad value is shown and left out."""
        self.is_valid()
        data = self.cleaned_data
        industry = data.get("industry")
        return {
            "q": (data.get("q") or "").strip(),
            "state": data.get("state") or "",
            "category": data.get("category") or "",
            "district": data.get("district") or "",
            "industry": industry.code if industry else "",
        }


class DeterminationForm(forms.Form):
    basis = forms.ChoiceField(
        label=gettext_lazy("What the determination rests on"),
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose what the determination rests on.")},
    )
    emissions_tco2e = forms.DecimalField(
        label=gettext_lazy("Determined emissions (tCO2e)"),
        max_digits=16,
        decimal_places=3,
        min_value=0,
        error_messages={"required": gettext_lazy("Give the determined emissions in tCO2e.")},
    )
    reasoning = forms.CharField(
        label=gettext_lazy("Reasoning"),
        help_text=gettext_lazy("How the bureau arrived at this figure; say why if it differs from the review."),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": gettext_lazy("Say how the bureau arrived at this figure.")},
    )
    estimate_method = forms.CharField(
        label=gettext_lazy("Estimate method"),
        help_text=gettext_lazy("For an estimate: the data used and why the figure is conservative (Art. 18)."),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, data=None, *, bases, initial):
        super().__init__(data, initial=initial)
        self.fields["basis"].choices = [(value, DeterminationBasis(value).label) for value in bases]
        if DeterminationBasis.ESTIMATE not in bases:
            del self.fields["estimate_method"]


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why it goes back"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Say why the determination goes back.")},
    )


def _query(params: dict) -> str:
    return urlencode([(key, value) for key, value in params.items() if value])


@login_required
def determination_home(request):
    require_bureau(request.user)
    return redirect("verification:determination_list", year=timezone.localdate().year - 1)


@login_required
def determination_list(request, year: int):
    """Every unit required to report for the year, and where its determination stands."""
    require_bureau(request.user)
    form = FilterForm(request.GET)
    filters = form.filters()
    found = selectors.year_determinations(year, **filters)
    base = {key: value for key, value in filters.items() if key != "state"}
    return render(
        request,
        "verification/determination_list.html",
        {
            "year": year,
            "form": form,
            "found": found,
            "state": filters["state"],
            "all_query": _query(base),
            "count_items": [
                (value, label, n, _query(base | {"state": value})) for value, label, n in found.count_items()
            ],
            "page": Paginator(found.rows, PAGE_SIZE).get_page(request.GET.get("page")),
            "filters": request.GET,
        },
    )


def _initial(side: selectors.SideBySide, draft: Determination | None) -> dict:
    if draft is not None:
        return {
            "basis": draft.basis,
            "emissions_tco2e": draft.emissions_tco2e,
            "reasoning": draft.reasoning,
            "estimate_method": draft.estimate_method,
        }
    bases = side.available_bases
    initial = {"basis": bases[0] if len(bases) == 1 else None, "emissions_tco2e": side.suggested_tco2e}
    if side.estimate is not None:
        initial["estimate_method"] = side.estimate.method
    return initial


def _bases(side: selectors.SideBySide, draft: Determination | None) -> list[str]:
    bases = list(side.available_bases)
    if draft is not None and draft.basis not in bases:
        bases.insert(0, draft.basis)
    return bases


def _save(request, form, side: selectors.SideBySide, draft: Determination | None) -> Determination:
    data = form.cleaned_data
    if draft is not None:
        return services.determination_update(
            actor=request.user,
            determination=draft,
            basis=data["basis"],
            emissions_tco2e=data["emissions_tco2e"],
            reasoning=data["reasoning"],
            estimate_method=data.get("estimate_method", ""),
        )
    return services.determination_prepare(
        actor=request.user,
        organisation=side.organisation,
        year=side.year,
        basis=data["basis"],
        emissions_tco2e=data["emissions_tco2e"],
        reasoning=data["reasoning"],
        estimate_method=data.get("estimate_method", ""),
        review=side.review,
        reexamination=side.reexamination,
    )


@login_required
def determination_workspace(request, year: int, org_id: int):
    """Report and review side by side, the triggers, and the draft determination's form."""
    require_bureau(request.user)
    organisation = get_object_or_404(Organisation, pk=org_id)
    side = selectors.side_by_side(organisation, year)
    current = side.open
    draft = current if current is not None and current.status == DeterminationStatus.DRAFT else None
    bases = _bases(side, draft)
    form = None
    if bases and (current is None or draft is not None):
        form = DeterminationForm(request.POST or None, bases=bases, initial=_initial(side, draft))
    if request.method == "POST":
        if form is None:
            messages.error(request, _("There is nothing to determine or change here now."))
            return redirect("verification:determination_workspace", year=year, org_id=org_id)
        if form.is_valid():
            try:
                _save(request, form, side, draft)
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("The draft determination is saved. Send it for approval when ready."))
                return redirect("verification:determination_workspace", year=year, org_id=org_id)
    return render(
        request,
        "verification/determination_workspace.html",
        {
            "year": year,
            "organisation": organisation,
            "side": side,
            "current": current,
            "draft": draft,
            "form": form,
            "flags": selectors.labelled(side.flags),
        },
    )


@login_required
@require_POST
def determination_submit(request, pk: int):
    require_bureau(request.user)
    determination = get_object_or_404(Determination, pk=pk)
    try:
        services.determination_submit(actor=request.user, determination=determination)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Sent for approval: another bureau user approves it."))
    return redirect(
        "verification:determination_workspace", year=determination.year, org_id=determination.organisation_id
    )


def _approve(request, determination: Determination) -> list[str]:
    try:
        services.determination_approve(actor=request.user, determination=determination)
    except ValidationError as exc:
        return exc.messages
    messages.success(request, _("Approved: the determination is in force and its notice goes to the unit."))
    return []


@login_required
def determination_approval(request, pk: int):
    """The determination as prepared; another bureau user than its preparer approves or returns it."""
    require_bureau(request.user)
    determination = get_object_or_404(
        Determination.objects.select_related(
            "organisation", "prepared_by", "approved_by", "report", "review", "replaces", "reexamination"
        ),
        pk=pk,
    )
    action = request.POST.get("action") if request.method == "POST" else None
    return_form = ReturnForm(request.POST if action == "return" else None)
    errors = []
    if action == "approve":
        errors = _approve(request, determination)
        if not errors:
            return redirect("verification:determination_approval", pk=pk)
    elif action == "return" and return_form.is_valid():
        try:
            services.determination_return(
                actor=request.user, determination=determination, reason=return_form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_service_error(return_form, exc)
        else:
            messages.success(request, _("Returned to the preparer with your reason."))
            return redirect("verification:determination_approval", pk=pk)
    return render(
        request,
        "verification/determination_approval.html",
        {
            "determination": determination,
            "comparison": selectors.frozen_comparison(determination),
            "flags": selectors.labelled(determination_flags(determination)),
            "is_preparer": determination.prepared_by_id == request.user.pk,
            "is_approver": is_bureau_approver(request.user),
            "notice": selectors.ready_notices([determination.pk]).get(determination.pk),
            "pending": determination.pk in selectors.pending_notices([determination.pk]),
            "return_form": return_form,
            "errors": errors,
        },
    )


@login_required
def determination_history(request, year: int, org_id: int):
    """Every determination of the unit's year, superseded ones included."""
    require_bureau(request.user)
    organisation = get_object_or_404(Organisation, pk=org_id)
    return render(
        request,
        "verification/determination_history.html",
        {"year": year, "organisation": organisation, "history": selectors.determination_history(org_id, year)},
    )


@login_required
def determination_notice(request, pk: int):
    """The notice PDF: the bureau, and the unit's own staff once it is issued; 404 to anyone else."""
    determination = get_object_or_404(selectors.determinations_for(request.user), pk=pk)
    document = selectors.ready_notices([determination.pk]).get(determination.pk)
    if document is None:
        raise Http404(_("The notice is not ready yet."))
    return document_file_response(document)


@login_required
@require_POST
def determination_notice_prepare(request, pk: int):
    """Asks for the notice PDF when none is ready or being prepared; back to the page it came from."""
    determination = get_object_or_404(selectors.determinations_for(request.user), pk=pk)
    try:
        services.determination_notice_request(actor=request.user, determination=determination)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        # With Celery in eager mode (a first run) it is ready already; otherwise a worker prepares it.
        if selectors.ready_notices([determination.pk]):
            messages.success(request, _("The notice is ready to download."))
        else:
            messages.success(request, _("The notice is being prepared: it appears here when it is ready."))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("verification:determination_unit")
    return redirect(back)


@login_required
def determination_unit(request):
    """The unit's determined emissions: figure, status, notice, objection deadline (Art. 20)."""
    if Role.UNIT_STAFF not in roles_of(request.user):
        raise PermissionDenied(_("Only a unit's staff see its determined emissions here."))
    return render(
        request,
        "verification/determination_unit.html",
        {"rows": selectors.unit_determinations(request.user)},
    )
