"""The emission factor library: a public page of the factors in force in a year, and the
bureau's page of every version with a form to add one (DOMAIN.md "Reporting")."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from carbon_portal.forms import add_service_error
from carbon_portal.permissions import require_bureau

from .. import selectors, services
from ..choices import FactorKind
from ..forms import EmissionFactorForm
from ..models import EmissionFactor

FIRST_YEAR = 2013  # Shanghai's pilot market began reporting in 2013


def _year(request) -> int:
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("year", this_year))
    except ValueError:
        return this_year
    return year if FIRST_YEAR <= year <= 2100 else this_year


def factors(request):
    """Public: which factors a report for the chosen year uses, with their sources."""
    year = _year(request)
    return render(
        request,
        "reporting/public_factors.html",
        {
            "year": year,
            "years": range(FIRST_YEAR, max(year, timezone.localdate().year) + 3),
            "groups": selectors.by_kind(selectors.factors_in_force(year)),
        },
    )


@login_required
def factor_library(request):
    require_bureau(request.user)
    return render(request, "reporting/factor_library.html", {"groups": selectors.factor_library()})


@login_required
def factor_revise(request, kind: str):
    """A new version of the factor given by ?from=<id> (its form prefilled), or a new factor."""
    require_bureau(request.user)
    if kind not in FactorKind.values:
        raise Http404
    base = None
    if request.GET.get("from", "").isdigit():
        base = get_object_or_404(EmissionFactor, pk=int(request.GET["from"]), kind=kind)
    # A new version states its own source document: the old one's is not carried over.
    initial = (
        model_to_dict(base, fields=EmissionFactorForm._meta.fields, exclude=["source_zh", "source_en"]) if base else {}
    )
    form = EmissionFactorForm(request.POST or None, kind=kind, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            factor = services.emission_factor_revise(actor=request.user, kind=kind, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request, _("Saved %(name)s, version %(version)s.") % {"name": factor.name, "version": factor.version}
            )
            return redirect("reporting:factor_library")
    return render(
        request,
        "reporting/factor_form.html",
        {"form": form, "base": base, "kind_label": FactorKind(kind).label},
    )
