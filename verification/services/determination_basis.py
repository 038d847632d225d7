"""What a determination rests on (Art. 18-20), looked up and checked when it is prepared, changed,
sent for approval and approved: the report in force and its submitted technical review, nothing
for a documented conservative estimate (a unit on the list that filed no report), or a
re-examination whose review is in. The figures it rests on are frozen on the determination."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from registry.models import Organisation
from reporting.models import AnnualReport
from reporting.selectors import is_required_to_report

from ..choices import AssignmentKind, DeterminationBasis, DeterminationStatus, ReexamStatus, ReviewStatus
from ..models import IN_FORCE, Determination, ReExamination, ReviewReport
from ..selectors.determination_basis import current_review, reexamination_review, submitted_report
from ..selectors.estimates import conservative_estimate
from ..selectors.line_comparison import frozen_figures


def _in_force(organisation_id: int, year: int) -> Determination | None:
    return Determination.objects.filter(
        organisation_id=organisation_id, year=year, status=DeterminationStatus.APPROVED
    ).first()


@dataclass(frozen=True)
class Basis:
    report: AnnualReport | None = None
    review: ReviewReport | None = None
    reexamination: ReExamination | None = None
    replaces: Determination | None = None


def require_nothing_in_force(organisation: Organisation, year: int) -> None:
    if _in_force(organisation.pk, year) is not None:
        raise ValidationError(
            _(
                "The %(year)s emissions of %(unit)s are already determined: only a re-examination can replace "
                "that determination (Art. 20)."
            )
            % {"year": year, "unit": organisation.name}
        )


def _require_review_of(review: ReviewReport | None, report: AnnualReport) -> ReviewReport:
    """A submitted review, of the report in force, by the assignment in force (Art. 18)."""
    if review is not None:
        review = ReviewReport.objects.select_related("assignment", "report").get(pk=review.pk)
    if (
        review is None
        or review.status != ReviewStatus.SUBMITTED
        or review.assignment.kind != AssignmentKind.REVIEW
        or review.assignment.status not in IN_FORCE
        or review.report_id != report.pk
    ):
        raise ValidationError(
            _(
                "There is no submitted technical review of the unit's report in force (%(report)s): the bureau "
                "determines on the report and its review (Art. 18)."
            )
            % {"report": report.reference}
        )
    return review


def _review_basis(organisation: Organisation, year: int, review: ReviewReport | None) -> Basis:
    require_nothing_in_force(organisation, year)
    report = submitted_report(organisation.pk, year)
    if report is None:
        raise ValidationError(
            _("%(unit)s has no submitted report for %(year)s: determine its emissions by a conservative estimate.")
            % {"unit": organisation.name, "year": year}
        )
    review = review or current_review(organisation.pk, year)
    return Basis(report=report, review=_require_review_of(review, report))


def _estimate_basis(organisation: Organisation, year: int) -> Basis:
    require_nothing_in_force(organisation, year)
    if submitted_report(organisation.pk, year) is not None:
        raise ValidationError(
            _(
                "%(unit)s submitted its %(year)s report: its emissions are determined on the report and its "
                "technical review, not by an estimate."
            )
            % {"unit": organisation.name, "year": year}
        )
    if not is_required_to_report(organisation.pk, year):
        raise ValidationError(
            _("%(unit)s is not on the published %(year)s list: there is no report to make up for.")
            % {"unit": organisation.name, "year": year}
        )
    return Basis()


def _reexamination_basis(organisation: Organisation, year: int, reexamination: ReExamination | None) -> Basis:
    if reexamination is None:
        raise ValidationError(_("Choose the re-examination whose result is determined."))
    reexam = (
        ReExamination.objects.select_for_update(of=("self",)).select_related("determination").get(pk=reexamination.pk)
    )
    old = reexam.determination
    if old.organisation_id != organisation.pk or old.year != year:
        raise ValidationError(_("This re-examination concerns another unit or year."))
    if reexam.status != ReexamStatus.REVIEWED:
        raise ValidationError(_("Only a re-examination whose review report has been received can be determined."))
    if old.status != DeterminationStatus.APPROVED:
        raise ValidationError(_("The determination re-examined is no longer in force."))
    review = reexamination_review(reexam)
    if review is None:
        raise ValidationError(_("The re-examination has no submitted review report."))
    return Basis(report=review.report, review=review, reexamination=reexam, replaces=old)


def find_basis(organisation, year, basis, *, review=None, reexamination=None) -> Basis:
    if basis == DeterminationBasis.REVIEW:
        return _review_basis(organisation, year, review)
    if basis == DeterminationBasis.ESTIMATE:
        return _estimate_basis(organisation, year)
    if basis == DeterminationBasis.REEXAMINATION:
        return _reexamination_basis(organisation, year, reexamination)
    raise ValidationError({"basis": _("Choose what the determination rests on.")})


def freeze_figures(determination: Determination, found: Basis) -> None:
    extra = {}
    if determination.basis == DeterminationBasis.ESTIMATE:
        estimate = conservative_estimate(determination.organisation_id, determination.year)
        extra["suggested_tco2e"] = None if estimate.suggested_tco2e is None else str(estimate.suggested_tco2e)
    determination.figures = frozen_figures(
        organisation_id=determination.organisation_id,
        year=determination.year,
        report=found.report,
        review=found.review,
        emissions_tco2e=determination.emissions_tco2e,
        extra=extra,
    )


def require_basis_current(determination: Determination) -> None:
    """What it rests on must still stand: the report and review in force, no report for an estimate,
    the re-examination still awaiting its result."""
    try:
        found = find_basis(
            determination.organisation,
            determination.year,
            determination.basis,
            review=determination.review,
            reexamination=determination.reexamination,
        )
    except ValidationError as exc:
        raise ValidationError(
            [_("What this determination rests on has changed since it was prepared: change the draft first."), exc]
        ) from exc
    if found.report is not None and found.report.pk != determination.report_id:
        raise ValidationError(
            _("The unit has submitted a correction since this determination was prepared: change the draft first.")
        )
