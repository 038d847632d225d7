"""The bureau assigns a year's technical reviews in bulk, from a balanced proposal (Art. 18-19).

The proposal is a pure read; applying it calls `assignment_create` for every pair, so each rule is
checked again at the moment of saving, and one refused pair saves nothing.
"""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from carbon_portal import audit
from registry.models import Organisation
from registry.selectors import year_settings
from reporting.models import AnnualReport
from reporting.selectors.access import agencies_that_compiled

from .. import selectors
from ..models import AgencyUnitLink, ReviewAssignment
from ..permissions import require_assigner
from .assignments import assignment_create


@dataclass(frozen=True)
class ProposedPair:
    report: AnnualReport
    agency: Organisation
    eligible: tuple[Organisation, ...]


@dataclass(frozen=True)
class Refusal:
    agency: Organisation
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Unassignable:
    """A report no reviewing agency may take; `refusals` is empty when no agency reviews that year."""

    report: AnnualReport
    refusals: tuple[Refusal, ...]


@dataclass(frozen=True)
class AgencyLoad:
    agency: Organisation
    current: int
    proposed: int

    @property
    def total(self) -> int:
        return self.current + self.proposed


@dataclass(frozen=True)
class Proposal:
    year: int
    due_date: date | None
    pairs: tuple[ProposedPair, ...]
    unassignable: tuple[Unassignable, ...]
    loads: tuple[AgencyLoad, ...]

    def pair_ids(self) -> list[tuple[int, int]]:
        return [(pair.report.pk, pair.agency.pk) for pair in self.pairs]


def _order(agency: Organisation) -> tuple:
    return (agency.name_zh, agency.pk)


def _by_unit(item) -> tuple:
    return (item.report.organisation.name_zh, item.report.pk)


def _ties(year: int, agencies: list[Organisation]) -> dict[tuple[int, int], list[AgencyUnitLink]]:
    """The ties of the reviewing agencies that cover `year`, by (agency, unit), in one query."""
    links = AgencyUnitLink.objects.filter(
        Q(to_year__isnull=True) | Q(to_year__gte=year), agency__in=agencies, from_year__lte=year
    )
    ties: dict[tuple[int, int], list[AgencyUnitLink]] = {}
    for link in links:
        ties.setdefault((link.agency_id, link.organisation_id), []).append(link)
    return ties


def _refusals(report, agencies, year, compiled, ties, memo) -> tuple[Refusal, ...]:
    """Each agency's reasons, through the one Art. 19 rule. Memoised by agency and tie: an agency
    without a tie to the unit is refused for the same reasons whatever the report, so the number
    of queries grows with agencies and ties, never with reports."""
    refusals = []
    for agency in agencies:
        links = ties.get((agency.pk, report.organisation_id), [])
        key = (agency.pk, tuple(link.pk for link in links))
        if key not in memo:
            memo[key] = tuple(
                selectors.ineligibility(agency, report.organisation_id, year, compiled=compiled, links=links)
            )
        refusals.append(Refusal(agency, memo[key]))
    return tuple(refusals)


def assignment_proposal(*, year: int) -> Proposal:
    """Art. 19 and an even workload: each unassigned report goes to the eligible agency with the
    fewest current and proposed reviews (then by name and id, so the same data gives the same
    proposal). Reports with the fewest eligible agencies are placed first, so that choice is not
    used up by reports that could go elsewhere."""
    agencies = sorted(selectors.reviewing_agencies(year), key=_order)
    compiled = agencies_that_compiled(year)
    ties = _ties(year, agencies)
    current = selectors.agency_loads(year)
    reports = list(selectors.unassigned_reports(year))
    options = {
        report.pk: [a for a in agencies if a.pk not in compiled and (a.pk, report.organisation_id) not in ties]
        for report in reports
    }
    proposed = {agency.pk: 0 for agency in agencies}
    pairs, unassignable, memo = [], [], {}
    for report in sorted(reports, key=lambda r: (len(options[r.pk]), r.organisation.name_zh, r.pk)):
        eligible = options[report.pk]
        if not eligible:
            unassignable.append(Unassignable(report, _refusals(report, agencies, year, compiled, ties, memo)))
            continue
        chosen = min(eligible, key=lambda a: (current.get(a.pk, 0) + proposed[a.pk], *_order(a)))
        proposed[chosen.pk] += 1
        pairs.append(ProposedPair(report, chosen, tuple(eligible)))
    return Proposal(
        year=year,
        due_date=selectors.review_due_date(year),
        pairs=tuple(sorted(pairs, key=_by_unit)),
        unassignable=tuple(sorted(unassignable, key=_by_unit)),
        loads=tuple(AgencyLoad(a, current.get(a.pk, 0), proposed[a.pk]) for a in agencies),
    )


def _unit_error(report: AnnualReport, exc: ValidationError) -> list[str]:
    return [_("%(unit)s: %(reason)s") % {"unit": report.organisation.name, "reason": m} for m in exc.messages]


@transaction.atomic
def assignments_apply(*, actor, year: int, pairs: list[tuple[int, int]]) -> list[ReviewAssignment]:
    """All or nothing: every (report, agency) pair is assigned through `assignment_create`, which
    checks Art. 19, the one-review-per-unit rule and the due date again now. If any pair is
    refused, nothing is saved and every refusal is reported."""
    require_assigner(actor)
    report_ids = [report_id for report_id, _agency_id in pairs]
    if not pairs:
        raise ValidationError(_("There is nothing to assign."))
    if len(set(report_ids)) != len(report_ids):
        raise ValidationError(_("A report appears more than once in the batch."))
    reports = AnnualReport.objects.select_related("organisation").in_bulk(report_ids)
    agencies = Organisation.objects.in_bulk({agency_id for _report_id, agency_id in pairs})
    created, errors = [], []
    for report_id, agency_id in pairs:
        report, agency = reports.get(report_id), agencies.get(agency_id)
        if report is None or report.year != year or agency is None:
            errors.append(_("The batch names a report or an agency that is not part of %(year)s.") % {"year": year})
            continue
        try:
            created.append(assignment_create(actor=actor, report=report, agency=agency))
        except ValidationError as exc:
            errors.extend(_unit_error(report, exc))
    if errors:
        raise ValidationError(errors)
    audit.record(
        actor=actor,
        verb="review.assign_batch",
        target=year_settings(year),  # the year's settings in force, whose review due date the batch uses
        data={
            "year": year,
            "count": len(created),
            "assignments": [[item.report.reference, item.agency_id] for item in created],
        },
    )
    return created
