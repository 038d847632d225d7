"""Who is told of a technical review: the bureau user who assigned it when it is submitted, the
agency's staff when the bureau returns it for correction."""

from django.urls import reverse
from django.utils.translation import gettext_lazy

from carbon_portal.models import User
from carbon_portal.notifications import notify
from carbon_portal.roles import Role

from ..models import ReviewAssignment, ReviewReport


def _agency_staff(agency_id: int):
    return User.objects.filter(
        is_active=True,
        memberships__organisation_id=agency_id,
        memberships__role=Role.AGENCY_STAFF,
        memberships__is_active=True,
    ).distinct()


def _params(review: ReviewReport, assignment: ReviewAssignment) -> dict:
    return {
        "reference": review.reference,
        "version": review.version,
        "agency": assignment.agency.name_zh,
        "unit": assignment.organisation.name_zh,
        "year": assignment.year,
    }


def notify_submitted(review: ReviewReport, assignment: ReviewAssignment) -> None:
    notify(
        recipients=[assignment.assigned_by],
        kind="verification.review_submitted",
        subject=gettext_lazy("Technical review received: %(reference)s"),
        body=gettext_lazy(
            "%(agency)s submitted version %(version)s of its technical review of the %(year)s report of %(unit)s. "
            "Reviewed emissions: %(total)s tCO2e."
        ),
        params=_params(review, assignment) | {"total": f"{review.reviewed_total_tco2e:,.3f}"},
        url=reverse("verification:review_detail", args=[review.pk]),
    )


def notify_returned(review: ReviewReport, assignment: ReviewAssignment) -> None:
    notify(
        recipients=_agency_staff(assignment.agency_id),
        kind="verification.review_returned",
        subject=gettext_lazy("Technical review returned for correction: %(reference)s"),
        body=gettext_lazy(
            "The bureau returned version %(version)s of your technical review of the %(year)s report of %(unit)s "
            "for correction: %(reason)s Revise the review and submit it again."
        ),
        params=_params(review, assignment) | {"reason": review.return_reason},
        url=reverse("verification:review_edit", args=[assignment.pk]),
    )
