"""Live help on the "Add an emission source" form: as the filer types, htmx asks this endpoint for
the figure the source would get (the factor of the report's year, the conversion into its unit,
the tonnes) and the warnings, and shows them beside the form. Nothing is saved here; the page
works without JavaScript, when the server shows the same on submit."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .. import selectors
from ..forms import ReportLineForm
from ..models import AnnualReport
from ..permissions import may_compile, reports_for
from ..selectors import warnings as warning_selectors
from ..units import unit_label, units_accepted

# Every input asks for a new preview: typing settles for 400 ms first, a select or box at once.
LIVE_TRIGGER = "input changed delay:400ms, change"


def compilable_report(user, pk: int) -> AnnualReport:
    """A draft the user may fill in; anything else is not found, so nothing is disclosed."""
    report = get_object_or_404(reports_for(user).select_related("organisation"), pk=pk)
    if not report.is_editable or not may_compile(user, report.organisation_id, report.year):
        raise Http404
    return report


def live(form: ReportLineForm, report: AnnualReport, factors: list) -> ReportLineForm:
    """The source form with each factor's units in its label and every input wired to the preview."""
    unit_of = {factor.code: factor.activity_unit for factor in factors}
    form.fields["factor_code"].choices = [
        (code, _factor_label(label, unit_of[code]) if code in unit_of else label)
        for code, label in form.fields["factor_code"].choices
    ]
    attrs = {
        "hx-post": reverse("reporting:report_line_preview", args=[report.pk]),
        "hx-trigger": LIVE_TRIGGER,
        "hx-target": "#line-preview",
        "hx-include": "closest form",
        "hx-sync": "closest form:replace",
    }
    for bound in form.visible_fields():
        if bound.name != "source_description":  # the description does not change the figure
            bound.field.widget.attrs.update(attrs)
    return form


def _factor_label(label: str, factor_unit: str) -> str:
    units = ", ".join(unit_label(unit) for unit in units_accepted(factor_unit)) or unit_label(factor_unit)
    return _("%(label)s · per %(unit)s; enter %(units)s") % {
        "label": label,
        "unit": unit_label(factor_unit),
        "units": units,
    }


def preview_of(report: AnnualReport, form: ReportLineForm) -> warning_selectors.LinePreview:
    """The preview of a bound form, from the fields that are valid so far."""
    form.is_valid()
    cleaned = form.cleaned_data
    return warning_selectors.line_preview(
        report,
        facility=cleaned.get("facility"),
        category=cleaned.get("category", ""),
        factor_code=cleaned.get("factor_code", ""),
        activity_amount=form.data.get("activity_amount", ""),
        activity_unit=cleaned.get("activity_unit", ""),
        is_biomass=bool(cleaned.get("is_biomass")),
    )


def warn_about_saved_line(request, report: AnnualReport, line) -> None:
    """After saving, the line's warnings as messages: the filer without JavaScript sees them too."""
    for warning in warning_selectors.line_warnings(
        report,
        warning_selectors.as_line(line),
        entered_amount=line.activity_amount,
        entered_unit=line.activity_unit,
        is_saved=True,
    ):
        messages.warning(request, warning.message)


@login_required
@require_http_methods(["GET", "POST"])
def report_line_preview(request, pk: int):
    """htmx: the partial for the preview box. Errors come back with status 200 so that htmx swaps them in."""
    report = compilable_report(request.user, pk)
    data = request.POST if request.method == "POST" else request.GET
    form = ReportLineForm(data, report=report, factors=list(selectors.current_factors()))
    return render(request, "reporting/_line_preview.html", {"report": report, "preview": preview_of(report, form)})
