"""Shared by the reporting API's modules: exact decimals, object lookups, documented answers."""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_choice_field
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from registry.models import Facility, Organisation

from ..models import AnnualReport, QualityPlan
from ..permissions import plans_for, reports_for

# Column sizes of the models, so a figure is never rounded on its way out.
TONNES = {"max_digits": 16, "decimal_places": 3}
EXACT_TONNES = {"max_digits": 28, "decimal_places": 12}
ACTIVITY = {"max_digits": 20, "decimal_places": 6}
CONVERTED = {"max_digits": 24, "decimal_places": 10}
FACTOR = {"max_digits": 14, "decimal_places": 6}

NOT_YOURS = OpenApiResponse(description="Not found, or not a filing you may see (another unit's is a 404).")
INVALID = OpenApiResponse(description="Field errors in the caller's language; nothing already saved is lost.")
FORBIDDEN = OpenApiResponse(description="You may see this filing but your role may not do this.")
NO_CONTENT = OpenApiResponse(description="Removed.")


class ExactDecimalField(serializers.DecimalField):
    """A decimal sent as a string ("12000.5") or a whole number. A JSON number with a fraction is
    refused: it arrives as a binary float, which is not the figure the unit declared."""

    default_error_messages = {
        "float": _('Send decimals as strings, for example "12000.5": a number with a fraction is not exact.')
    }

    def to_internal_value(self, data):
        if isinstance(data, float):
            self.fail("float")
        return super().to_internal_value(data)


class EnumField(serializers.ChoiceField):
    """A choice field documented as one enum named after its choices class (ReportStatusEnum),
    wherever it appears. Left to drf-spectacular, a field name shared by different choice sets
    across apps (`status`, `category`) gets a made-up name and a warning."""

    def __init__(self, choices_class, **kwargs):
        self.enum_name = f"{choices_class.__name__}Enum"
        super().__init__(choices=choices_class.choices, **kwargs)


class EnumFieldSchema(OpenApiSerializerFieldExtension):
    target_class = EnumField

    def get_name(self) -> str:
        return self.target.enum_name

    def map_serializer_field(self, auto_schema, direction):
        schema = build_choice_field(self.target)
        schema.pop("x-spec-enum-id", None)
        return schema


def report_for(user, pk: int) -> AnnualReport:
    """Another organisation's report is not found, never forbidden: its existence is not disclosed."""
    return get_object_or_404(reports_for(user).select_related("organisation"), pk=pk)


def plan_for(user, pk: int) -> QualityPlan:
    return get_object_or_404(plans_for(user).select_related("organisation"), pk=pk)


def unit_facility(organisation: Organisation, code: str) -> Facility:
    """One of the unit's active facilities, by its code; a 400 on `facility` otherwise."""
    facility = organisation.facilities.filter(is_active=True, code=code.strip()).first()
    if facility is None:
        raise ValidationError({"facility": gettext("The unit has no active facility with this code.")})
    return facility
