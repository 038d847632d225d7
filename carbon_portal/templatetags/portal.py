from django import template
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from carbon_portal.formatting import format_amount, format_signed_tco2e, format_tco2e, format_tonnes, format_yuan

register = template.Library()


@register.simple_tag
def audit_url(obj) -> str:
    """Link to the audit trail of any object (bureau only; the view checks)."""
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    return reverse("audit_trail", args=[ct.pk, obj.pk])


@register.filter
def tonnes(value) -> str:
    return format_tonnes(value)


@register.filter
def tco2e(value) -> str:
    return format_tco2e(value)


@register.filter
def amount(value) -> str:
    return format_amount(value)


@register.filter
def signed_tco2e(value) -> str:
    return format_signed_tco2e(value)


@register.filter
def yuan(value) -> str:
    return format_yuan(value)


@register.filter
def in_language(value) -> str:
    """A text stored in both languages (carbon_portal.i18n_text), in the reader's."""
    from carbon_portal.i18n_text import pick

    return pick(value)
