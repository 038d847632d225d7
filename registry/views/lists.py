"""Bureau pages for compiling, adjusting, approving and publishing the annual list."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carbon_portal.forms import add_service_error
from carbon_portal.permissions import require_bureau

from .. import selectors, services
from ..choices import EntryCategory, ListStatus
from ..forms import AddEntryForm, CompileForm, DecisionForm, ReasonForm
from ..models import ListEntry, RegulatedList


def _list(user, year: int) -> RegulatedList:
    require_bureau(user)
    return get_object_or_404(
        RegulatedList.objects.select_related("job", "compiled_by", "submitted_by", "approved_by"), year=year
    )


@login_required
def list_admin(request):
    require_bureau(request.user)
    form = CompileForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rl = services.regulated_list_compile(
                actor=request.user,
                year=data["year"],
                basis_from_year=data["basis_from_year"],
                basis_to_year=data["basis_to_year"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Compiling the %(year)s list has started.") % {"year": rl.year})
            return redirect("registry:list_manage", year=rl.year)
    return render(
        request,
        "registry/list_admin.html",
        {
            "lists": selectors.list_overview(),
            "form": form,
        },
    )


@login_required
def list_manage(request, year: int):
    rl = _list(request.user, year)
    compiling = bool(rl.job_id and not rl.job.is_finished)
    entries = selectors.admin_list_entries(
        rl, q=request.GET.get("q", ""), category=request.GET.get("category", ""), origin=request.GET.get("origin", "")
    )
    return render(
        request,
        "registry/list_manage.html",
        {
            "rl": rl,
            "page": Paginator(entries, 50).get_page(request.GET.get("page")),
            "counts": selectors.list_counts(rl),
            "add_form": AddEntryForm(),
            "decision_form": DecisionForm(),
            "categories": EntryCategory.choices,
            "filters": request.GET,
            "compiling": compiling,
            "editable": rl.status == ListStatus.DRAFT and not compiling,
        },
    )


@login_required
def entry_add(request, year: int):
    rl = _list(request.user, year)
    form = AddEntryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.regulated_list_add_entry(
                actor=request.user,
                regulated_list=rl,
                organisation=form.organisation,
                category=form.cleaned_data["category"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request, _("%(name)s added to the %(year)s list.") % {"name": form.organisation.name, "year": year}
            )
            return redirect("registry:list_manage", year=year)
    return render(
        request,
        "registry/form_page.html",
        {
            "form": form,
            "title": _("Add a unit to the %(year)s list") % {"year": year},
            "submit_label": _("Add"),
            "legal": _("Art. 9 of the Measures"),
        },
    )


@login_required
def entry_remove(request, year: int, entry_id: int):
    rl = _list(request.user, year)
    entry = get_object_or_404(ListEntry.objects.select_related("organisation"), pk=entry_id, regulated_list=rl)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.regulated_list_remove_entry(actor=request.user, entry=entry, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request, _("%(name)s removed from the %(year)s list.") % {"name": entry.organisation.name, "year": year}
            )
            return redirect("registry:list_manage", year=year)
    return render(
        request,
        "registry/form_page.html",
        {
            "form": form,
            "title": _("Remove %(name)s from the %(year)s list") % {"name": entry.organisation.name, "year": year},
            "caption": entry.reason_text,
            "submit_label": _("Remove"),
            "danger": True,
        },
    )


@login_required
@require_POST
def entry_restore(request, year: int, entry_id: int):
    rl = _list(request.user, year)
    entry = get_object_or_404(ListEntry, pk=entry_id, regulated_list=rl)
    try:
        services.regulated_list_restore_entry(actor=request.user, entry=entry)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("registry:list_manage", year=year)


@login_required
def list_submit(request, year: int):
    """Check your answers, then submit for a second bureau user's approval."""
    rl = _list(request.user, year)
    if request.method == "POST":
        try:
            services.regulated_list_submit(actor=request.user, regulated_list=rl)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("registry:list_manage", year=year)
        return render(request, "registry/list_submitted.html", {"rl": rl})
    return render(
        request,
        "registry/list_submit.html",
        {
            "rl": rl,
            "counts": selectors.list_counts(rl),
            "manual": selectors.manual_changes(rl),
        },
    )


@login_required
@require_POST
def list_decide(request, year: int):
    rl = _list(request.user, year)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            if form.cleaned_data["decision"] == "approve":
                services.regulated_list_approve(actor=request.user, regulated_list=rl)
                messages.success(request, _("The %(year)s list is approved and published.") % {"year": year})
            else:
                services.regulated_list_return(
                    actor=request.user, regulated_list=rl, reason=form.cleaned_data["reason"]
                )
                messages.success(request, _("The %(year)s list is returned to the compiler.") % {"year": year})
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
    return redirect("registry:list_manage", year=year)
