"""A unit's own systems grant a technical service agency access to compile its annual report for a
year, and withdraw it (DOMAIN.md "Reporting"). Only the unit's own staff: an agency, even one with a
grant, and the bureau are told nothing exists (404), as on the page. Grants are never deleted:
the record feeds Art. 19's conflict-of-interest rule.
"""

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from carbon_portal.api import PortalApiView
from registry.models import Organisation

from ..models import CompilationGrant
from ..permissions import may_file
from ..selectors import access as access_selectors
from ..services.access import compilation_grant, compilation_revoke
from .common import INVALID, NOT_YOURS
from .serializers import AccessOutputSerializer, AgencyInputSerializer

TAGS = ["reporting: agency access"]
_MAX_ID_DIGITS = 9  # longer digit strings are credit codes, never row ids


def own_organisation(user, organisation_id: int) -> Organisation:
    if not may_file(user, organisation_id):
        raise Http404
    return get_object_or_404(Organisation, pk=organisation_id)


def agency_named(value: str) -> Organisation:
    """An active agency by its unified social credit code or its id; a 400 on `agency` otherwise."""
    value = value.strip()
    match = Q(uscc=value.upper())
    if value.isdigit() and len(value) <= _MAX_ID_DIGITS:
        match |= Q(pk=int(value))
    agency = access_selectors.agencies_to_choose().filter(match).first()
    if agency is None:
        raise ValidationError({"agency": _("No active technical service agency has this credit code or id.")})
    return agency


def access_state(organisation: Organisation, year: int) -> dict:
    grants = list(access_selectors.grants_of(organisation.pk, year))
    current = next((grant for grant in grants if grant.is_active), None)
    return AccessOutputSerializer(
        {
            "organisation": organisation.pk,
            "year": year,
            "current": current,
            "history": [grant for grant in grants if not grant.is_active],
        }
    ).data


class AccessApi(PortalApiView):
    @extend_schema(
        operation_id="reporting_access_retrieve",
        summary="The agency your unit has let compile its report for a year",
        description="The grant in force, if any, and the withdrawn ones.",
        responses={200: AccessOutputSerializer, 404: NOT_YOURS},
        tags=TAGS,
    )
    def get(self, request, organisation_id: int, year: int):
        organisation = own_organisation(request.user, organisation_id)
        return Response(access_state(organisation, year))

    @extend_schema(
        operation_id="reporting_access_grant",
        summary="Let an agency compile your report for a year",
        description="One agency at a time: granting another withdraws the current grant. The agency then "
        "fills in the draft, its evidence and monthly figures; only your staff submit the report.",
        request=AgencyInputSerializer,
        responses={201: AccessOutputSerializer, 400: INVALID, 404: NOT_YOURS},
        tags=TAGS,
    )
    def post(self, request, organisation_id: int, year: int):
        organisation = own_organisation(request.user, organisation_id)
        serializer = AgencyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        agency = agency_named(serializer.validated_data["agency"])
        compilation_grant(actor=request.user, organisation=organisation, agency=agency, year=year)
        return Response(access_state(organisation, year), status=status.HTTP_201_CREATED)


class AccessRevokeApi(PortalApiView):
    @extend_schema(
        operation_id="reporting_access_revoke",
        summary="Withdraw an agency's access",
        description="The grant stays on record as withdrawn.",
        request=None,
        responses={200: AccessOutputSerializer, 400: INVALID, 404: NOT_YOURS},
        tags=TAGS,
    )
    def post(self, request, organisation_id: int, year: int, grant_id: int):
        organisation = own_organisation(request.user, organisation_id)
        grant = get_object_or_404(CompilationGrant, pk=grant_id, organisation=organisation, year=year)
        compilation_revoke(actor=request.user, grant=grant)
        return Response(access_state(organisation, year))
