import pytest
from django.urls import reverse

from carbon_portal import audit
from carbon_portal.models import AuditEntry, BackgroundJob

pytestmark = pytest.mark.django_db


def test_audit_entries_cannot_be_edited(alice, unit):
    entry = audit.record(actor=alice, verb="test.verb", target=unit, data={"a": 1})
    entry.verb = "changed"
    with pytest.raises(RuntimeError):
        entry.save()


def test_audit_entries_cannot_be_deleted(alice, unit):
    entry = audit.record(actor=alice, verb="test.verb", target=unit)
    with pytest.raises(RuntimeError):
        entry.delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_bureau_browses_the_history_of_an_object(client_for, alice, unit):
    from carbon_portal.templatetags.portal import audit_url

    audit.record(actor=alice, verb="organisation.update", target=unit, data={"address": "x"})
    response = client_for(alice).get(audit_url(unit))
    assert response.status_code == 200 and b"organisation.update" in response.content


def test_units_cannot_browse_the_audit_trail(client_for, carol, unit):
    from carbon_portal.templatetags.portal import audit_url

    assert client_for(carol).get(audit_url(unit)).status_code == 403


def test_health_view_answers_with_one_query(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert client.get(reverse("health")).json() == {"status": "ok"}


def test_public_pages_default_to_simplified_chinese(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200 and b'lang="zh-hans"' in response.content


def test_visitor_can_switch_to_english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert b'lang="en"' in client.get(reverse("home")).content


def test_dashboard_shows_a_true_empty_state_when_nothing_is_pending(client_for, dave):
    response = client_for(dave).get(reverse("dashboard"))
    assert response.status_code == 200 and response.context["tasks"] == []


def test_dashboard_lists_the_units_real_report_deadline(
    client_for, carol, unit, alice, bob, django_capture_on_commit_callbacks
):
    from registry import services
    from tests.factories import EmissionRecordFactory

    EmissionRecordFactory(organisation=unit, year=2025, emissions_tco2e=50000)
    with django_capture_on_commit_callbacks(execute=True):
        rl = services.regulated_list_compile(actor=alice, year=2026)
    services.regulated_list_submit(actor=alice, regulated_list=rl)
    services.regulated_list_approve(actor=bob, regulated_list=rl)
    tasks = client_for(carol).get(reverse("dashboard")).context["tasks"]
    dues = {t.due.isoformat() for t in tasks}
    assert "2027-03-31" in dues  # the 2026 report, from the 2026 year settings


def test_approver_dashboard_shows_lists_awaiting_approval(client_for, alice, bob, django_capture_on_commit_callbacks):
    from registry import services
    from tests.registry.helpers import emitter

    emitter(20000)
    with django_capture_on_commit_callbacks(execute=True):
        rl = services.regulated_list_compile(actor=alice, year=2026)
    services.regulated_list_submit(actor=alice, regulated_list=rl)
    titles = [t.title for t in client_for(bob).get(reverse("dashboard")).context["tasks"]]
    assert any("2026" in t for t in titles)


def test_job_waits_when_the_broker_is_down_and_the_request_still_succeeds(
    client_for, alice, celery_broker, django_capture_on_commit_callbacks
):
    # Nothing listens on port 1: publishing fails at once and the page still answers.
    with celery_broker("redis://127.0.0.1:1/0"), django_capture_on_commit_callbacks(execute=True):
        response = client_for(alice).post(reverse("registry:list_admin"), {"year": 2026})
    assert response.status_code == 302
    assert BackgroundJob.objects.get().status == BackgroundJob.Status.WAITING


def test_waiting_job_is_resent_and_runs_when_the_worker_is_back(alice, django_capture_on_commit_callbacks):
    from django.utils import timezone

    from carbon_portal import jobs
    from registry.models import RegulatedList
    from tests.registry.helpers import emitter

    emitter(20000)
    with django_capture_on_commit_callbacks(execute=False):
        from registry import services

        rl = services.regulated_list_compile(actor=alice, year=2026)
    BackgroundJob.objects.update(status="waiting", created_at=timezone.now() - timezone.timedelta(minutes=5))
    assert jobs.jobs_resend_waiting() == 1
    assert RegulatedList.objects.get(pk=rl.pk).entries.count() == 1


def test_a_job_is_visible_to_its_creator_and_the_bureau_only(client_for, alice, carol, erin):
    job = BackgroundJob.objects.create(kind="test", task_name="x", created_by=carol)
    assert client_for(carol).get(reverse("job_status", args=[job.pk])).status_code == 200
    assert client_for(erin).get(reverse("job_status", args=[job.pk])).status_code == 403
    assert client_for(alice).get(reverse("job_status", args=[job.pk])).status_code == 200
