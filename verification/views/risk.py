"""The bureau's risk ranking of a year's submitted reports (Art. 18, 20): which reports to review
first, with each part of the score and why, filters, pages and a download."""

from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from carbon_portal import excel
from carbon_portal.permissions import require_bureau
from registry.models import Industry

from ..selectors import risk as selectors

PAGE_SIZE = 50
FIRST_YEAR, LAST_YEAR = 2013, 2100


class IndustryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} {obj.name}"


class RiskFilterForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Name or credit code"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    industry = IndustryChoiceField(
        label=gettext_lazy("Industry"),
        required=False,
        queryset=Industry.objects.order_by("code"),
        to_field_name="code",
        empty_label=gettext_lazy("All"),
    )
    flagged = forms.BooleanField(label=gettext_lazy("Only reports beyond a threshold"), required=False)

    def filters(self) -> dict:
        self.is_valid()  # a bad value is shown as an error and left out
        data = self.cleaned_data
        industry = data.get("industry")
        return {
            "q": (data.get("q") or "").strip(),
            "industry": industry.code if industry else "",
            "flagged_only": bool(data.get("flagged")),
        }


def _query(filters: dict) -> str:
    params = {"q": filters["q"], "industry": filters["industry"], "flagged": "on" if filters["flagged_only"] else ""}
    return urlencode([(key, value) for key, value in params.items() if value])


@login_required
@require_GET
def risk_home(request):
    require_bureau(request.user)
    return redirect("verification:risk_ranking", year=timezone.localdate().year - 1)


@login_required
@require_GET
def risk_ranking(request, year: int):
    """Bureau only: the year's submitted reports, most anomalous first."""
    require_bureau(request.user)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404
    form = RiskFilterForm(request.GET)
    filters = form.filters()
    ranking = selectors.risk_ranking(year, **filters)
    fmt = request.GET.get("download")
    if fmt is not None:
        if fmt not in excel.FORMATS:
            raise Http404
        return _download(fmt, ranking)
    page = Paginator(ranking.rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "verification/risk_ranking.html",
        {
            "year": year,
            "form": form,
            "ranking": ranking,
            "page": page,
            "filters": request.GET,
            "query": _query(filters),
            "cap": selectors.CAP,
            "min_peers": selectors.MIN_PEERS,
        },
    )


def _headers() -> list[str]:
    return [
        _("Rank"),
        _("Score"),
        _("Flagged"),
        _("Name (Chinese)"),
        _("Name (English)"),
        _("Unified social credit code"),
        _("Industry"),
        _("Report"),
        _("Total emissions (tCO2e)"),
        _("Previous year (tCO2e)"),
        _("Previous year from"),
        _("Change on previous year (%)"),
        _("Year-on-year points"),
        _("Output of the main product"),
        _("Unit of output"),
        _("Intensity (tCO2e per unit of output)"),
        _("Peers"),
        _("Peers' median intensity"),
        _("Ratio to the median"),
        _("Peer points"),
        _("Reviewed emissions (tCO2e)"),
        _("Report vs review (%)"),
        _("Review points"),
        _("Why"),
    ]


def _row(row: selectors.RiskRow) -> list:
    org, report = row.organisation, row.report
    yoy, peers, gap = (row.component(key) for key, _label in selectors.COMPONENTS)
    return [
        row.rank,
        row.score,
        _("Yes") if row.is_flagged else _("No"),
        org.name_zh,
        org.name_en,
        org.uscc,
        f"{org.industry.code} {org.industry.name}" if org.industry else "",
        report.reference,
        row.total_tco2e,
        row.previous_tco2e,
        selectors.basis_label_of(row.previous_basis),
        row.change_pct,
        yoy.points,
        report.product_output,
        report.product_unit,
        row.intensity.quantize(selectors.INTENSITY) if row.intensity is not None else None,
        row.peer_count,
        row.peer_median.quantize(selectors.INTENSITY) if row.peer_median is not None else None,
        row.peer_ratio,
        peers.points,
        row.reviewed_tco2e,
        row.gap_pct,
        gap.points,
        " ".join(f"{c.label}: {c.reason}" for c in row.components),
    ]


def _download(fmt: str, ranking: selectors.RiskRanking):
    """Every row the filters select, not only the page."""
    return excel.table_response(
        fmt,
        f"risk-ranking-{ranking.year}",
        _headers(),
        (_row(row) for row in ranking.rows),
        sheet_title=_("Risk ranking %(year)s") % {"year": ranking.year},
    )
