"""Reminders ahead of each filing deadline of the year settings, sent once per step."""

from datetime import date

from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from ..choices import EntryCategory, ListStatus
from ..models import DeadlineReminder, ListEntry, YearSettings

REMINDER_DAYS = (30, 7, 1)


def _deadlines(settings_by_year: dict[int, YearSettings], entry: ListEntry) -> list[tuple[str, int, date]]:
    year = entry.regulated_list.year
    s = settings_by_year.get(year)
    result = []
    if s:
        result.append(("annual_report", year, s.report_due_date))
        if entry.category == EntryCategory.REGULATED:
            result.append(("surrender", year, s.surrender_deadline))
    following = settings_by_year.get(year + 1)
    if following and entry.category == EntryCategory.REGULATED:
        result.append(("quality_plan", year + 1, following.plan_due_date))
    return result


def _message(deadline: str, year: int, due: date, org_name: str) -> tuple[str, str]:
    with translation.override("zh-hans"):
        labels = {
            "annual_report": _("Annual emission report for %(year)s"),
            "surrender": _("Surrender allowances for %(year)s"),
            "quality_plan": _("Data quality control plan for %(year)s"),
        }
        label = labels[deadline] % {"year": year}
        subject = _("Reminder: %(label)s due %(due)s") % {"label": label, "due": due.isoformat()}
        body = _("%(org)s: %(label)s is due on %(due)s. Sign in to the portal to file it.") % {
            "org": org_name,
            "label": label,
            "due": due.isoformat(),
        }
    return subject, body


def deadline_reminders_send(*, today: date) -> int:
    """Sends each due reminder once (30, 7 and 1 days ahead) to the unit's staff; returns the count."""
    from django.conf import settings

    entries = (
        ListEntry.objects.filter(is_removed=False, regulated_list__status=ListStatus.PUBLISHED)
        .select_related("organisation", "regulated_list")
        .prefetch_related("organisation__memberships__user", "organisation__contacts")
    )
    years = {e.regulated_list.year for e in entries}
    settings_by_year = {}
    for s in YearSettings.objects.filter(year__in=years | {y + 1 for y in years}).order_by("version"):
        settings_by_year[s.year] = s
    sent = 0
    for entry in entries:
        org = entry.organisation
        recipients = sorted(
            {m.user.email for m in org.memberships.all() if m.is_active}
            | {c.email for c in org.contacts.all() if c.email}
        )
        for deadline, year, due in _deadlines(settings_by_year, entry):
            days = (due - today).days
            steps = [step for step in REMINDER_DAYS if 0 <= days <= step]
            if not steps or not recipients:
                continue
            # The nearest step not yet sent: a day the beat missed is caught up the next day.
            subject, body = _message(deadline, year, due, org.name_zh)
            try:
                with transaction.atomic():
                    DeadlineReminder.objects.create(
                        organisation=org,
                        deadline=deadline,
                        year=year,
                        due_date=due,
                        days_before=min(steps),
                        recipients=",".join(recipients),
                    )
                    send_mass_mail([(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)], fail_silently=False)
            except IntegrityError:
                continue  # already sent by an earlier run
            sent += 1
    return sent
