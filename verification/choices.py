from django.db import models
from django.utils.translation import gettext_lazy as _


class BusinessLine(models.TextChoices):
    """What a technical service agency does in Shanghai in a year: it compiles units' reports or it
    reviews them, never both (Art. 19)."""

    COMPILING = "compiling", _("Compiling reports for units")
    REVIEWING = "reviewing", _("Technical review for the bureau")


class LinkKind(models.TextChoices):
    """Ties between an agency and a unit that make the agency ineligible to review it (Art. 19)."""

    SHAREHOLDING = "shareholding", _("Shareholding or investment")
    SAME_GROUP = "same_group", _("Same corporate group")
    CONSULTING = "consulting", _("Consulting or other paid service to the unit")
    STAFF = "staff", _("Staff or management ties")
    OTHER = "other", _("Other tie")


class AssignmentStatus(models.TextChoices):
    """Assigned while the agency works; done once its review is submitted; withdrawn when reassigned."""

    ASSIGNED = "assigned", _("Assigned")
    DONE = "done", _("Review submitted")
    WITHDRAWN = "withdrawn", _("Withdrawn (reassigned)")


class AssignmentKind(models.TextChoices):
    REVIEW = "review", _("Technical review")
    REEXAMINATION = "reexamination", _("Re-examination")


class ReviewStatus(models.TextChoices):
    """A technical review report: drafted and submitted by the agency; the bureau may return it for
    correction, and the agency's next version replaces it."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for correction")


class ReviewConclusion(models.TextChoices):
    CONFIRMED = "confirmed", _("Report confirmed as filed")
    CORRECTED = "corrected", _("Report confirmed with corrected figures")
    NOT_CONFIRMED = "not_confirmed", _("Report cannot be confirmed")


class FindingKind(models.TextChoices):
    NON_CONFORMITY = "non_conformity", _("Non-conformity")
    MISSTATEMENT = "misstatement", _("Misstatement")
    OBSERVATION = "observation", _("Observation")


class RequestStatus(models.TextChoices):
    """A request for more information from the reviewing agency to the unit."""

    OPEN = "open", _("Awaiting the unit's reply")
    ANSWERED = "answered", _("Answered by the unit")
    CLOSED = "closed", _("Closed")


class DeterminationBasis(models.TextChoices):
    REVIEW = "review", _("Report and technical review")
    ESTIMATE = "estimate", _("Conservative estimate (no report filed)")
    REEXAMINATION = "reexamination", _("Re-examination")


class DeterminationStatus(models.TextChoices):
    """Prepared by one bureau user, approved by another (four eyes); approved is in force until a
    re-examination's determination supersedes it."""

    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved and in force")
    SUPERSEDED = "superseded", _("Superseded by re-examination")


class ObjectionStatus(models.TextChoices):
    FILED = "filed", _("Filed")
    REJECTED = "rejected", _("Rejected")
    REEXAMINING = "reexamining", _("Under re-examination")
    DECIDED = "decided", _("Decided")


class ReexamTrigger(models.TextChoices):
    OBJECTION = "objection", _("Objection by the unit")
    REPORT_VS_REVIEW = "report_vs_review", _("Difference between report and review")
    YEAR_ON_YEAR = "year_on_year", _("Year-on-year change")
    OTHER = "other", _("Other significant doubt")


class ReexamStatus(models.TextChoices):
    OPEN = "open", _("Re-examination under way")
    REVIEWED = "reviewed", _("Re-examination report received")
    DECIDED = "decided", _("Decided")
    CANCELLED = "cancelled", _("Cancelled")
