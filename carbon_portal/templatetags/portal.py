from django import template
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

register = template.Library()


@register.simple_tag
def audit_url(obj) -> str:
    """Link to the audit trail of any object (bureau only; the view checks)."""
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    return reverse("audit_trail", args=[ct.pk, obj.pk])


@register.filter
def tonnes(value) -> str:
    from carbon_portal.formatting import format_tonnes

    return format_tonnes(value)
