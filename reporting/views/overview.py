"""The bureau's overview of a year's annual reports (Art. 16) and data quality plans (Art. 15):
every unit required to file, its status, overdue and late flags, filters, counts and a download.

One page and one set of templates serve both; `_Kind` holds what differs.
"""

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carbon_portal import excel
from carbon_portal.permissions import require_bureau
from registry.choices import District, EntryCategory
from registry.models import Industry

from ..selectors import overview as selectors
from .factors import FIRST_YEAR

PAGE_SIZE = 50


@dataclass(frozen=True)
class _Kind:
    name: str
    select: Callable[..., selectors.Overview]
    states: list
    year_offset: int  # the default year, from today's: last year's reports, next year's plans
    detail_url: str
    status_template: str
    other_url: str

    @property
    def has_totals(self) -> bool:
        return self.name == "reports"


REPORTS = _Kind(
    "reports",
    selectors.report_overview,
    selectors.REPORT_STATES,
    -1,
    "reporting:report_detail",
    "reporting/_report_status.html",
    "reporting:plan_admin",
)
PLANS = _Kind(
    "plans",
    selectors.plan_overview,
    selectors.PLAN_STATES,
    1,
    "reporting:plan_detail",
    "reporting/_plan_status.html",
    "reporting:report_admin",
)


class IndustryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} {obj.name}"


class OverviewFilterForm(forms.Form):
    """The filters of the overview. Every field is optional; a bad value is shown as an error and
    left out, the others still apply."""

    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=FIRST_YEAR, max_value=2100, required=False)
    q = forms.CharField(
        label=gettext_lazy("Name or credit code"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    category = forms.ChoiceField(
        label=gettext_lazy("Category"), required=False, choices=[("", gettext_lazy("All")), *EntryCategory.choices]
    )
    district = forms.ChoiceField(
        label=gettext_lazy("District"), required=False, choices=[("", gettext_lazy("All")), *District.choices]
    )
    industry = IndustryChoiceField(
        label=gettext_lazy("Industry"),
        required=False,
        queryset=Industry.objects.order_by("code"),
        to_field_name="code",
        empty_label=gettext_lazy("All"),
    )

    def __init__(self, data, *, kind: _Kind):
        super().__init__(data)
        self.fields["status"].choices = [("", _("All")), *selectors.status_choices(kind.states)]
        if kind is PLANS:
            self.fields["year"].label = _("Year covered")
            del self.fields["category"]  # only regulated units file a plan

    def filters(self, default_year: int) -> dict:
        """The valid filters as the selector's arguments."""
        self.is_valid()
        data = self.cleaned_data
        industry = data.get("industry")
        return {
            "year": data.get("year") or default_year,
            "q": (data.get("q") or "").strip(),
            "status": data.get("status") or "",
            "category": data.get("category") or "",
            "district": data.get("district") or "",
            "industry": industry.code if industry else "",
        }


def _query(params, *drop: str) -> str:
    return urlencode([(key, value) for key, value in params.items() if key not in drop and value])


@login_required
def report_overview(request):
    """Bureau: every unit that must report for a year and where its report stands (Art. 16)."""
    return _overview(request, REPORTS)


@login_required
def plan_overview(request):
    """Bureau: every regulated unit that must file the plan covering a year (Art. 15)."""
    return _overview(request, PLANS)


def _overview(request, kind: _Kind):
    require_bureau(request.user)
    default_year = timezone.localdate().year + kind.year_offset
    data = request.GET.copy()
    data.setdefault("year", str(default_year))
    form = OverviewFilterForm(data, kind=kind)
    filters = form.filters(default_year)
    overview = kind.select(**filters)
    fmt = request.GET.get("download")
    if fmt is not None:
        if fmt not in excel.FORMATS:
            raise Http404
        return _download(fmt, kind, overview)
    base = {key: value for key, value in filters.items() if key != "status"}
    return render(
        request,
        "reporting/overview.html",
        {
            "kind": kind,
            "title": _title(kind, overview.year),
            "legal": _("Measures Art. 16") if kind is REPORTS else _("Measures Art. 15"),
            "other_label": _("Data quality control plans") if kind is REPORTS else _("Annual emission reports"),
            "other_url": f"{reverse(kind.other_url)}?{urlencode({'year': overview.year})}",
            "form": form,
            "overview": overview,
            "status": filters["status"],
            "all_query": _query(base),
            "count_items": [
                (value, label, n, _query(base | {"status": value})) for value, label, n in overview.count_items
            ],
            "page": Paginator(overview.rows, PAGE_SIZE).get_page(request.GET.get("page")),
            "filters": request.GET,
            "query": _query(filters),
        },
    )


def _title(kind: _Kind, year: int) -> str:
    if kind is REPORTS:
        return _("%(year)s annual emission reports") % {"year": year}
    return _("Data quality control plans for %(year)s") % {"year": year}


def _headers(kind: _Kind) -> list[str]:
    headers = [
        _("Name (Chinese)"),
        _("Name (English)"),
        _("Unified social credit code"),
        _("Category"),
        _("District"),
        _("Industry"),
        _("Status"),
        _("Version"),
        _("Reference"),
        _("Due"),
        _("First submitted"),
        _("Overdue"),
        _("Submitted late"),
    ]
    return [*headers, _("Total emissions (tCO2e)")] if kind.has_totals else headers


def _status_label(row: selectors.OverviewRow) -> str:
    if row.filing is None:
        return _("Not started")
    label = row.filing.get_status_display()
    if row.correction:
        label += " · " + _("correction version %(version)s in progress") % {"version": row.correction.version}
    return label


def _row(kind: _Kind, row: selectors.OverviewRow, labels: dict) -> list:
    org, filing = row.organisation, row.filing
    cells = [
        org.name_zh,
        org.name_en,
        org.uscc,
        labels[row.category],
        labels[org.district],
        f"{org.industry.code} {org.industry.name}" if org.industry else "",
        _status_label(row),
        filing.version if filing else None,
        filing.reference if filing else "",
        row.due_date,
        row.first_submitted_on,
        _("Yes") if row.is_overdue else _("No"),
        _("Yes") if row.is_late else _("No"),
    ]
    return [*cells, row.total_tco2e] if kind.has_totals else cells


def _download(fmt: str, kind: _Kind, overview: selectors.Overview):
    """Every row the filters select, not only the page; names are text a unit typed, so
    excel.table_response makes sure none is read as a formula."""
    labels = dict(EntryCategory.choices) | dict(District.choices)
    stem = f"annual-reports-{overview.year}" if kind is REPORTS else f"quality-plans-{overview.year}"
    return excel.table_response(
        fmt,
        stem,
        _headers(kind),
        (_row(kind, row, labels) for row in overview.rows),
        sheet_title=_title(kind, overview.year),
    )
