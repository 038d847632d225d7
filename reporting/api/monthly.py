"""National (10): monthly key parameters for units' own systems: a unit's year (the 12 months, the
year to date, the projection for the year, the figures in force and their history), filing a
month's figure for a source, and withdrawing one filed in error.

Scoped as the pages are: the unit's staff and an agency with the unit's grant for the year read and
file; the bureau reads (with its session); anyone else is told nothing exists (404).
"""

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from carbon_portal.api import PortalApiView
from carbon_portal.permissions import is_bureau
from registry.models import Organisation

from ..models import MonthlyActivity
from ..permissions import may_compile
from ..selectors import monthly as monthly_selectors
from ..services.monthly import monthly_file, monthly_withdraw
from .common import FORBIDDEN, INVALID, NO_CONTENT, NOT_YOURS, unit_facility
from .serializers import MonthlyFigureInputSerializer, MonthlyFigureOutputSerializer, MonthlyYearOutputSerializer

TAGS = ["reporting: monthly key parameters"]


def monthly_organisation(user, organisation_id: int, year: int) -> Organisation:
    """The unit, if the user may see its monthly figures for the year (the page's rule)."""
    if not monthly_selectors.FIRST_YEAR <= year <= monthly_selectors.today().year:
        raise Http404
    if not (is_bureau(user) or may_compile(user, organisation_id, year)):
        raise Http404
    return get_object_or_404(Organisation, pk=organisation_id)


def monthly_year(user, organisation: Organisation, year: int) -> dict:
    return MonthlyYearOutputSerializer(
        {
            "organisation": organisation,
            "year": year,
            "may_file": may_compile(user, organisation.pk, year),
            "is_listed": monthly_selectors.may_file_monthly(organisation.pk, year),
            "open_months": monthly_selectors.open_months(year),
            "projection": monthly_selectors.projection(organisation.pk, year),
            "figures": monthly_selectors.current_rows(organisation.pk, year),
            "history": monthly_selectors.superseded_rows(organisation.pk, year),
        }
    ).data


class MonthlyYearApi(PortalApiView):
    @extend_schema(
        operation_id="reporting_monthly_retrieve",
        summary="A unit's monthly key parameters for a year",
        description="The months filed, the year to date and the projection for the year (the mean of the "
        "months filed x 12; a month with no figure is left out, not counted as zero), with last year's figure "
        "to compare. Biomass CO2 is reported apart and counted in no total.",
        responses={200: MonthlyYearOutputSerializer, 404: NOT_YOURS},
        tags=TAGS,
    )
    def get(self, request, organisation_id: int, year: int):
        organisation = monthly_organisation(request.user, organisation_id, year)
        return Response(monthly_year(request.user, organisation, year))

    @extend_schema(
        operation_id="reporting_monthly_create",
        summary="File a month's figure for one emission source",
        description="Calculated like a report line with the factor valid in the year. Filing the same "
        "facility, factor, source and month again replaces the figure in force, which stays in the history. "
        "Only months that have begun; a negative amount is a 400 and the figure in force is kept.",
        request=MonthlyFigureInputSerializer,
        responses={201: MonthlyFigureOutputSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_YOURS},
        tags=TAGS,
    )
    def post(self, request, organisation_id: int, year: int):
        organisation = monthly_organisation(request.user, organisation_id, year)
        serializer = MonthlyFigureInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        facility = unit_facility(organisation, data.pop("facility"))
        row = monthly_file(actor=request.user, organisation=organisation, year=year, facility=facility, **data)
        return Response(MonthlyFigureOutputSerializer(row).data, status=status.HTTP_201_CREATED)


class MonthlyFigureApi(PortalApiView):
    @extend_schema(
        operation_id="reporting_monthly_destroy",
        summary="Withdraw a figure filed in error",
        description="The figure is marked superseded with no successor and stays in the history.",
        request=None,
        responses={204: NO_CONTENT, 400: INVALID, 403: FORBIDDEN, 404: NOT_YOURS},
        tags=TAGS,
    )
    def delete(self, request, organisation_id: int, year: int, row_id: int):
        organisation = monthly_organisation(request.user, organisation_id, year)
        row = get_object_or_404(MonthlyActivity, pk=row_id, organisation=organisation, year=year)
        monthly_withdraw(actor=request.user, row=row)
        return Response(status=status.HTTP_204_NO_CONTENT)
