"""Public pages, no login (Art. 17): the emissions the bureau determined per unit and year, once in
force, with search, filters and a CSV or XLSX download in the style of the regulated-unit list."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from carbon_portal import excel
from registry.choices import District
from registry.models import Industry

from ..choices import DeterminationBasis
from ..models import Determination
from ..selectors import public as selectors

PAGE_SIZE = 50
FILTER_KEYS = ("q", "industry", "district")
FIRST_YEAR, LAST_YEAR = 2013, 2100


def _filters(request) -> dict[str, str]:
    """The search and filters from the query string; unknown values are dropped."""
    raw = {key: request.GET.get(key, "").strip()[:100] for key in FILTER_KEYS}
    if raw["district"] not in District.values:
        raw["district"] = ""
    return {key: value for key, value in raw.items() if value}


def _year(year: int) -> int:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404
    return year


def _labels() -> tuple[dict[str, str], dict[str, str]]:
    # Resolved once per request, not per row (see registry.views.public._labels).
    return {k: str(v) for k, v in District.choices}, {k: str(v) for k, v in DeterminationBasis.choices}


@require_GET
def determined_index(request):
    return render(request, "verification/public_determined_index.html", {"years": selectors.disclosure_years()})


@require_GET
def determined_year(request, year: int):
    year = _year(year)
    filters = _filters(request)
    page = Paginator(selectors.determined_emissions(year, **filters), PAGE_SIZE).get_page(request.GET.get("page"))
    districts, bases = _labels()
    return render(
        request,
        "verification/public_determined.html",
        {
            "year": year,
            "page": page,
            "rows": [(d, districts[d.organisation.district], bases[d.basis]) for d in page],
            "filters": filters,
            "query": urlencode(filters),
            "industries": Industry.objects.only("code", "name_zh", "name_en"),
            "districts": District.choices,
        },
    )


def _download_headers() -> list[str]:
    return [
        _("Name (Chinese)"),
        _("Name (English)"),
        _("Unified social credit code"),
        _("Industry"),
        _("District"),
        _("Year"),
        _("Determined emissions (tCO2e)"),
        _("Basis"),
        _("Determined on"),
        _("Under re-examination"),
    ]


def _download_row(d: Determination, districts: dict[str, str], bases: dict[str, str]) -> list:
    org = d.organisation
    return [
        org.name_zh,
        org.name_en,
        org.uscc,
        org.industry.name if org.industry else "",
        districts[org.district],
        d.year,
        d.emissions_tco2e,
        bases[d.basis],
        timezone.localdate(d.approved_at),
        _("Yes") if d.under_reexamination else _("No"),
    ]


@require_GET
def determined_download(request, year: int, fmt: str):
    if fmt not in excel.FORMATS:
        raise Http404
    year = _year(year)
    found = selectors.determined_emissions(year, **_filters(request))
    districts, bases = _labels()
    rows = (_download_row(d, districts, bases) for d in found.iterator(chunk_size=2000))
    return excel.table_response(
        fmt,
        f"determined-emissions-{year}",
        _download_headers(),
        rows,
        sheet_title=_("Determined emissions %(year)s") % {"year": year},
    )
