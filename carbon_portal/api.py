"""Pieces every app's API shares: service errors as HTTP answers, role checks, pagination, /api/me/.

APIs are interfaces (CONVENTIONS.md): they validate input with a small serializer, call one
service or selector, and serialise the result. Services raise Django's ValidationError and
PermissionDenied with translated messages; `PortalApiView` answers them with 400 and 403.
"""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from .permissions import is_bureau, roles_of
from .roles import Role


def service_error_detail(exc: DjangoValidationError) -> dict:
    """A service's ValidationError as DRF field errors; model-wide errors go to non_field_errors."""
    detail = serializers.as_serializer_error(exc)
    if NON_FIELD_ERRORS in detail:
        detail[api_settings.NON_FIELD_ERRORS_KEY] = detail.pop(NON_FIELD_ERRORS)
    return detail


class ServiceErrorsMixin:
    # Turns a service's django ValidationError into a 400 with field errors. Django's
    # PermissionDenied and Http404 are already answered as 403 and 404 by DRF, keeping the
    # service's (translated) message. (Comments, not docstrings: drf-spectacular would show a
    # base class's docstring as the description of every endpoint.)

    def handle_exception(self, exc):
        if isinstance(exc, DjangoValidationError):
            exc = exceptions.ValidationError(service_error_detail(exc))
        return super().handle_exception(exc)


class PortalApiView(ServiceErrorsMixin, APIView):
    pass  # the base class of every endpoint of the portal


class PortalPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def paginated_response(*, view: APIView, request, queryset, serializer_class) -> Response:
    """A page of `queryset` in the envelope the view's `pagination_class` documents."""
    paginator = view.pagination_class()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


class IsBureau(BasePermission):
    """Bureau staff and approvers only (anonymous callers are asked to authenticate)."""

    message = _("Only bureau staff may do this.")

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and is_bureau(request.user))


class IsBureauOrReadOnly(BasePermission):
    """Any signed-in user may read (through the app's queryset gate); only the bureau may write."""

    message = _("Only bureau staff may do this.")

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or is_bureau(request.user)


class MembershipOutputSerializer(serializers.Serializer):
    role = serializers.CharField(help_text="One of the roles listed in `roles`.")
    organisation_id = serializers.IntegerField(allow_null=True)
    organisation_uscc = serializers.CharField(source="organisation.uscc", allow_null=True, default=None)
    organisation_name_zh = serializers.CharField(source="organisation.name_zh", allow_null=True, default=None)
    organisation_name_en = serializers.CharField(source="organisation.name_en", allow_null=True, default=None)


class MeOutputSerializer(serializers.Serializer):
    email = serializers.EmailField()
    full_name = serializers.CharField()
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices))
    is_bureau = serializers.BooleanField()
    memberships = MembershipOutputSerializer(many=True)


class MeApi(PortalApiView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="me_retrieve",
        summary="The signed-in user",
        description="The caller's email, roles and the organisations they act for.",
        responses=MeOutputSerializer,
        tags=["me"],
    )
    def get(self, request):
        user = request.user
        memberships = user.memberships.filter(is_active=True).select_related("organisation").order_by("id")
        data = {
            "email": user.email,
            "full_name": user.full_name,
            "roles": sorted(roles_of(user)),
            "is_bureau": is_bureau(user),
            "memberships": memberships,
        }
        return Response(MeOutputSerializer(data).data)
