"""The public directory of technical service agencies (no login) with its download, and the
bureau's pages to keep it: profiles, business lines per year, reviewers and ties to units."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from carbon_portal import excel
from carbon_portal.forms import add_service_error
from carbon_portal.permissions import is_bureau, require_bureau
from registry.choices import OrganisationType
from registry.models import Organisation

from .. import forms
from ..choices import BusinessLine
from ..models import AgencyUnitLink, Reviewer
from ..selectors import agencies as selectors
from ..services import agencies as services

PAGE_SIZE = 50


def _filter_form(request) -> forms.DirectoryFilterForm:
    this_year = selectors.this_year()
    years = list(range(this_year + 1, selectors.FIRST_YEAR - 1, -1))
    data = request.GET.copy()
    data.setdefault("year", str(this_year))
    return forms.DirectoryFilterForm(data, years=years)


def agency_directory(request):
    """Public: listed agencies, their business line per year and their active reviewers (Art. 19)."""
    form = _filter_form(request)
    years = selectors.directory_years()
    page = Paginator(selectors.directory(**form.filters()), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "verification/agency_directory.html",
        {
            "form": form,
            "years": years,
            "page": page,
            "rows": selectors.directory_rows(page.object_list, years),
            "filters": request.GET,
            "query": request.GET.urlencode(),
        },
    )


def _download_headers(years: list[int]) -> list[str]:
    return [
        _("Agency"),
        _("Name (English)"),
        _("Unified social credit code"),
        _("District"),
        _("Address"),
        _("Registration number"),
        _("Registered on"),
        *[_("Business line %(year)s") % {"year": year} for year in years],
        _("Active reviewers"),
        _("Qualifications"),
    ]


def _download_row(row: selectors.DirectoryRow) -> list:
    org, profile = row.organisation, row.profile
    return [
        org.name_zh,
        org.name_en,
        org.uscc,
        org.get_district_display(),
        org.address,
        profile.registration_number,
        profile.registered_on,
        *[line.get_line_display() if line else "" for line in row.lines],
        row.active_reviewers,
        selectors.qualifications(profile),
    ]


def agency_directory_download(request, fmt: str):
    """The directory as filtered, as CSV or XLSX (every cell safe to open)."""
    if fmt not in excel.FORMATS:
        raise Http404
    form = _filter_form(request)
    years = selectors.directory_years()
    rows = selectors.directory_rows(selectors.directory(**form.filters()), years)
    return excel.table_response(
        fmt,
        "technical-service-agencies",
        _download_headers(years),
        (_download_row(row) for row in rows),
        sheet_title=_("Agencies"),
    )


def agency_detail(request, org_id: int):
    """Public: one agency's registration, qualifications, business lines and reviewers."""
    detail = selectors.agency_detail(org_id, include_unlisted=is_bureau(request.user))
    return render(request, "verification/agency_detail.html", {"detail": detail})


@login_required
def agency_admin(request):
    """Bureau: every agency organisation, whether it has a profile and whether it is listed."""
    require_bureau(request.user)
    q = request.GET.get("q", "")
    page = Paginator(selectors.admin_agencies(q=q), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "verification/agency_admin.html",
        {"page": page, "filters": request.GET, "year": selectors.this_year(), "lines": dict(BusinessLine.choices)},
    )


def _agency(org_id: int) -> Organisation:
    return get_object_or_404(Organisation, pk=org_id, org_type=OrganisationType.AGENCY)


def _profile_initial(agency: Organisation) -> dict:
    profile = selectors.profile_of(agency)
    if profile is None:
        return {"is_listed": True}
    fields = ("registration_number", "registered_on", "qualifications_zh", "qualifications_en", "is_listed")
    return {name: getattr(profile, name) for name in fields}


# The edit page holds four forms; the one posted names itself in "form".
_FORMS = {
    "profile": (forms.AgencyProfileForm, services.agency_profile_save, gettext_lazy("Profile saved.")),
    "line": (forms.YearLineForm, services.agency_year_line_set, gettext_lazy("Business line saved.")),
    "reviewer": (forms.ReviewerForm, services.reviewer_add, gettext_lazy("Reviewer added.")),
    "link": (forms.LinkForm, services.agency_link_record, gettext_lazy("Tie recorded.")),
}


def _forms(request, agency: Organisation) -> dict:
    posted = request.POST.get("form") if request.method == "POST" else None
    built = {}
    for name, (form_class, _service, _done) in _FORMS.items():
        kwargs = {"prefix": name}
        if form_class is forms.ReviewerForm:
            kwargs["agency"] = agency
        if name == "profile":
            kwargs["initial"] = _profile_initial(agency)
        if name == "line":
            kwargs["initial"] = {"year": selectors.this_year()}
        built[name] = form_class(request.POST if posted == name else None, **kwargs)
    return built


@login_required
def agency_edit(request, org_id: int):
    """Bureau: one agency's profile, business lines, reviewers and ties."""
    require_bureau(request.user)
    agency = _agency(org_id)
    built = _forms(request, agency)
    posted = request.POST.get("form") if request.method == "POST" else None
    if posted in _FORMS:
        form = built[posted]
        _form_class, service, done = _FORMS[posted]
        if form.is_valid():
            try:
                service(actor=request.user, agency=agency, **form.cleaned_data)
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, done)
                return redirect("verification:agency_edit", org_id=agency.pk)
    return render(
        request,
        "verification/agency_edit.html",
        {
            "agency": agency,
            "forms": built,
            "profile": selectors.profile_of(agency),
            "lines": selectors.year_lines_of(agency),
            "reviewers": selectors.reviewers_of(agency),
            "links": selectors.links_of(agency),
            "end_form": forms.LinkEndForm(prefix="end"),
        },
    )


@login_required
@require_POST
def agency_reviewer_deactivate(request, org_id: int, reviewer_id: int):
    require_bureau(request.user)
    reviewer = get_object_or_404(Reviewer, pk=reviewer_id, agency=_agency(org_id))
    try:
        services.reviewer_deactivate(actor=request.user, reviewer=reviewer)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(name)s is no longer an active reviewer.") % {"name": reviewer.name})
    return redirect("verification:agency_edit", org_id=org_id)


@login_required
@require_POST
def agency_link_end(request, org_id: int, link_id: int):
    require_bureau(request.user)
    link = get_object_or_404(AgencyUnitLink, pk=link_id, agency=_agency(org_id))
    form = forms.LinkEndForm(request.POST, prefix="end")
    if not form.is_valid():
        messages.error(request, " ".join(error for errors in form.errors.values() for error in errors))
        return redirect("verification:agency_edit", org_id=org_id)
    try:
        services.agency_link_end(actor=request.user, link=link, to_year=form.cleaned_data["to_year"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Tie ended."))
    return redirect("verification:agency_edit", org_id=org_id)
