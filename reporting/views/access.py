"""A unit's page for granting an agency access to compile its report for a year."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from carbon_portal.forms import add_service_error
from registry.models import Organisation

from ..models import CompilationGrant
from ..permissions import may_file
from ..selectors import access as access_selectors
from ..services import access as access_services


class GrantForm(forms.Form):
    agency = forms.ModelChoiceField(label=gettext_lazy("Technical service agency"), queryset=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = access_selectors.agencies_to_choose()


def _own_organisation(user, organisation_id: int) -> Organisation:
    if not may_file(user, organisation_id):
        raise Http404
    return get_object_or_404(Organisation, pk=organisation_id)


@login_required
def report_access(request, organisation_id: int, year: int):
    organisation = _own_organisation(request.user, organisation_id)
    form = GrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            grant = access_services.compilation_grant(
                actor=request.user, organisation=organisation, agency=form.cleaned_data["agency"], year=year
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("%(agency)s may now compile your %(year)s report.") % {"agency": grant.agency.name, "year": year},
            )
            return redirect("reporting:report_access", organisation_id=organisation.pk, year=year)
    return render(
        request,
        "reporting/report_access.html",
        {
            "organisation": organisation,
            "year": year,
            "form": form,
            "grants": access_selectors.grants_of(organisation.pk, year),
        },
    )


@login_required
@require_POST
def report_access_revoke(request, organisation_id: int, year: int, grant_id: int):
    organisation = _own_organisation(request.user, organisation_id)
    grant = get_object_or_404(CompilationGrant, pk=grant_id, organisation=organisation, year=year)
    try:
        access_services.compilation_revoke(actor=request.user, grant=grant)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Access withdrawn."))
    return redirect("reporting:report_access", organisation_id=organisation.pk, year=year)
