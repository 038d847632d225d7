"""Public, no sign-in: the emission factors a report for a year uses (DOMAIN.md "Reporting")."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from carbon_portal.api import PortalApiView

from .. import selectors
from .serializers import FactorFilterSerializer, FactorsOutputSerializer

TAGS = ["reporting: emission factors"]


class FactorsInForceApi(PortalApiView):
    # No authentication at all: a stale token or session must not turn a public read into a 401.
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="reporting_factors_retrieve",
        summary="Emission factors in force in a year",
        description="The current version of every factor valid in the year: what a report line for that "
        "year is calculated with. Values are exact decimals, as strings.",
        parameters=[FactorFilterSerializer],
        responses=FactorsOutputSerializer,
        tags=TAGS,
    )
    def get(self, request):
        filters = FactorFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        year = filters.validated_data.get("year") or timezone.localdate().year
        factors = selectors.factors_in_force(year)
        return Response(FactorsOutputSerializer({"year": year, "factors": factors}).data)
