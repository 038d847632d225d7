"""The Django admin: every registered model's list and one object's page render, read-only where
the portal's services own the writes."""

import pytest
from django.contrib import admin
from django.urls import reverse

from reporting.models import AnnualReport
from tests.reporting.helpers import add_electricity, draft, facility

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(alice):
    alice.is_staff = alice.is_superuser = True
    alice.save()
    return alice


def test_every_admin_list_renders_for_a_bureau_superuser(superuser, carol, unit, client_for):
    add_electricity(carol, draft(carol, unit), facility(unit))
    client = client_for(superuser)
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url


def test_a_report_is_read_only_in_the_admin(superuser, carol, unit, client_for):
    report = draft(carol, unit)
    add_electricity(carol, report, facility(unit))
    client = client_for(superuser)
    url = reverse("admin:reporting_annualreport_change", args=[report.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    client.post(url, {"status": "submitted"})
    assert AnnualReport.objects.get(pk=report.pk).status == "draft"
