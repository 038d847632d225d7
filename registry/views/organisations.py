from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from carbon_portal.forms import add_service_error
from carbon_portal.permissions import is_bureau, require_bureau

from .. import selectors, services
from ..choices import District, EventKind
from ..forms import EVENT_FORMS, ContactForm, FacilityForm, OrganisationForm, UnitOrganisationForm
from ..models import Industry, Organisation
from ..permissions import organisations_for


def _get_org(user, pk: int) -> Organisation:
    # Another organisation's id answers 404, not 403: its existence is not disclosed.
    return get_object_or_404(organisations_for(user).select_related("industry__group", "merged_into"), pk=pk)


@login_required
def organisation_list(request):
    qs = selectors.organisation_search(
        organisations_for(request.user),
        q=request.GET.get("q", ""),
        industry=request.GET.get("industry", ""),
        district=request.GET.get("district", ""),
    )
    if not is_bureau(request.user) and qs.count() == 1:
        return redirect("registry:organisation_detail", pk=qs.get().pk)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "registry/organisation_list.html",
        {
            "page": page,
            "industries": Industry.objects.all(),
            "districts": District.choices,
            "filters": request.GET,
        },
    )


@login_required
def organisation_detail(request, pk: int):
    org = _get_org(request.user, pk)
    return render(
        request,
        "registry/organisation_detail.html",
        selectors.organisation_overview(org)
        | {
            "org": org,
            "event_kinds": EventKind.choices,
        },
    )


@login_required
def organisation_create(request):
    require_bureau(request.user)
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            org = services.organisation_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("%(name)s is registered.") % {"name": org.name})
            return redirect("registry:organisation_detail", pk=org.pk)
    return render(
        request,
        "registry/form_page.html",
        {
            "form": form,
            "title": _("Register an organisation"),
            "submit_label": _("Register"),
            "back_url": "registry:organisation_list",
        },
    )


@login_required
def organisation_edit(request, pk: int):
    org = _get_org(request.user, pk)
    form_class = OrganisationForm if is_bureau(request.user) else UnitOrganisationForm
    form = form_class(request.POST or None, instance=Organisation.objects.get(pk=org.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_update(actor=request.user, organisation=org, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("registry:organisation_detail", pk=org.pk)
    return render(
        request,
        "registry/form_page.html",
        {
            "form": form,
            "title": _("Edit %(name)s") % {"name": org.name},
            "submit_label": _("Save"),
            "caption": org.uscc,
        },
    )


def _add_to_organisation(request, pk: int, *, form_class, service, title, submit_label, done_message):
    """A form page that adds one thing (facility, contact) to an organisation through a service."""
    org = _get_org(request.user, pk)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service(actor=request.user, organisation=org, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, done_message)
            return redirect("registry:organisation_detail", pk=org.pk)
    context = {"form": form, "title": title, "caption": org.name, "submit_label": submit_label}
    return render(request, "registry/form_page.html", context)


@login_required
def facility_create(request, pk: int):
    return _add_to_organisation(
        request,
        pk,
        form_class=FacilityForm,
        service=services.facility_create,
        title=_("Add a facility"),
        submit_label=_("Add facility"),
        done_message=_("Facility added."),
    )


@login_required
def contact_create(request, pk: int):
    return _add_to_organisation(
        request,
        pk,
        form_class=ContactForm,
        service=services.contact_create,
        title=_("Add a contact"),
        submit_label=_("Add contact"),
        done_message=_("Contact added."),
    )


@login_required
def event_create(request, pk: int, kind: str):
    require_bureau(request.user)
    org = _get_org(request.user, pk)
    if kind not in EVENT_FORMS:
        raise Http404
    form_class = EVENT_FORMS[kind]
    extra = {"organisation": org} if kind == EventKind.SPLIT else {}
    form = form_class(request.POST or None, **extra)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if kind == EventKind.MERGER:
                services.organisation_merge(
                    actor=request.user,
                    organisation=org,
                    surviving=form.surviving,
                    effective_date=data["effective_date"],
                    note=data["note"],
                )
            elif kind == EventKind.SPLIT:
                services.organisation_split(
                    actor=request.user,
                    organisation=org,
                    transfers=data["transfers"],
                    effective_date=data["effective_date"],
                    note=data["note"],
                )
            else:
                services.organisation_close(
                    actor=request.user,
                    organisation=org,
                    kind=kind,
                    effective_date=data["effective_date"],
                    note=data["note"],
                )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request, _("%(event)s recorded for %(name)s.") % {"event": EventKind(kind).label, "name": org.name}
            )
            return redirect("registry:organisation_detail", pk=org.pk)
    return render(
        request,
        "registry/form_page.html",
        {
            "form": form,
            "title": _("Record a %(event)s") % {"event": EventKind(kind).label.lower()},
            "caption": f"{org.name} · {org.uscc}",
            "submit_label": _("Record"),
            "legal": _("Art. 14 and 22 of the Measures"),
        },
    )
