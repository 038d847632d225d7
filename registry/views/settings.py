"""Bureau pages for the inclusion criteria and the per-year settings (both versioned)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from carbon_portal.forms import add_service_error
from carbon_portal.permissions import require_bureau

from .. import selectors, services
from ..forms import CriterionForm, YearSettingsForm
from ..models import IndustryGroup, YearSettings


@login_required
def criterion_revise(request, group: str):
    require_bureau(request.user)
    group_obj = get_object_or_404(IndustryGroup, code=group)
    current = group_obj.criteria.filter(superseded_at__isnull=True).order_by("-effective_from_year").first()
    form = CriterionForm(
        request.POST or None,
        instance=None,
        initial={
            "effective_from_year": current.effective_from_year if current else None,
            "regulated_threshold_tco2e": current.regulated_threshold_tco2e if current else None,
            "reporting_threshold_tco2e": current.reporting_threshold_tco2e if current else None,
            "legal_basis_zh": current.legal_basis_zh if current else "",
            "legal_basis_en": current.legal_basis_en if current else "",
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.criterion_revise(actor=request.user, group=group_obj, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("New criterion saved for %(group)s.") % {"group": group_obj.name})
            return redirect("registry:criteria")
    return render(
        request,
        "registry/form_page.html",
        {
            "form": form,
            "title": _("Revise the criterion for %(group)s") % {"group": group_obj.name},
            "caption": _("The version in force stays on record; the new one applies from its effective year."),
            "submit_label": _("Save new version"),
            "legal": _("Art. 9 of the Measures; Action Plan 2026-2030 (2)"),
        },
    )


@login_required
def year_settings(request):
    require_bureau(request.user)
    year = request.GET.get("year", "")
    if year.isdigit() and 2013 <= int(year) <= 2100:
        return redirect("registry:year_settings_edit", year=int(year))
    return render(request, "registry/year_settings.html", {"rows": selectors.year_settings_history()})


@login_required
def year_settings_edit(request, year: int):
    require_bureau(request.user)
    current = selectors.year_settings(year)
    form = YearSettingsForm(request.POST or None, instance=current or YearSettings(year=year), initial={"note": ""})
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k != "note"}
        try:
            services.year_settings_revise(actor=request.user, year=year, note=form.cleaned_data["note"], **values)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Settings for %(year)s saved as a new version.") % {"year": year})
            return redirect("registry:year_settings")
    return render(
        request,
        "registry/form_page.html",
        {
            "form": form,
            "title": _("Settings for compliance year %(year)s") % {"year": year},
            "caption": _("Saving creates a new version; earlier versions stay on record."),
            "submit_label": _("Save new version"),
        },
    )
