"""Registry reads. Pages and the API start here, never from a raw model manager."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q, QuerySet

from .choices import EntryCategory, EntryOrigin, EventKind, ListStatus, OrganisationStatus, OrganisationType
from .models import (
    EmissionRecord,
    FacilityTransfer,
    InclusionCriterion,
    ListEntry,
    Organisation,
    OrganisationEvent,
    RegulatedList,
    YearSettings,
)

LISTABLE_TYPES = (OrganisationType.ENTERPRISE, OrganisationType.PUBLIC_INSTITUTION, OrganisationType.OTHER)


def name_or_code(q: str, *, prefix: str = "") -> Q:
    """The search box everywhere: part of a Chinese or English name, or the exact credit code."""
    return (
        Q(**{f"{prefix}name_zh__icontains": q})
        | Q(**{f"{prefix}name_en__icontains": q})
        | Q(**{f"{prefix}uscc__iexact": q.strip().upper()})
    )


def criteria_in_force(year: int) -> dict[int, InclusionCriterion]:
    """The current version of the latest criterion effective by `year`, per industry group."""
    result: dict[int, InclusionCriterion] = {}
    rows = (
        InclusionCriterion.objects.filter(superseded_at__isnull=True, effective_from_year__lte=year)
        .select_related("group")
        .order_by("group_id", "effective_from_year")
    )
    for criterion in rows:
        result[criterion.group_id] = criterion  # later effective years overwrite earlier ones
    return result


def year_settings(year: int) -> YearSettings | None:
    return YearSettings.objects.filter(year=year).order_by("-version").first()


def published_lists() -> QuerySet[RegulatedList]:
    return RegulatedList.objects.filter(status=ListStatus.PUBLISHED).order_by("-year")


def public_list_entries(
    regulated_list: RegulatedList, *, q: str = "", industry: str = "", district: str = "", category: str = ""
) -> QuerySet[ListEntry]:
    """Entries of a published list as the public sees them: removed entries are left out."""
    qs = (
        regulated_list.entries.filter(is_removed=False)
        .select_related("organisation__industry__group", "criterion__group")
        .order_by("category", "organisation__name_zh")
    )
    if q:
        qs = qs.filter(name_or_code(q, prefix="organisation__"))
    if industry:
        qs = qs.filter(organisation__industry__code=industry)
    if district:
        qs = qs.filter(organisation__district=district)
    if category:
        qs = qs.filter(category=category)
    return qs


@dataclass(frozen=True)
class Candidate:
    organisation_id: int
    category: str
    basis_emissions_tco2e: Decimal
    basis_year: int
    criterion: InclusionCriterion


def _departed_before(org: Organisation, day: date) -> bool:
    gone = {OrganisationStatus.MERGED, OrganisationStatus.CLOSED, OrganisationStatus.RELOCATED}
    return org.status in gone and org.status_effective_date is not None and org.status_effective_date < day


def basis_emissions(year_from: int, year_to: int, before: date) -> dict[int, dict[int, Decimal]]:
    """Emissions per organisation and year, re-attributed for mergers and splits before `before`.

    Art. 14: a merger's emissions follow the surviving unit; a split divides the unit's earlier
    emissions by the facilities each new owner took.
    """
    years = range(year_from, year_to + 1)
    figures: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for org_id, year, tonnes in EmissionRecord.objects.filter(year__in=years).values_list(
        "organisation_id", "year", "emissions_tco2e"
    ):
        figures[org_id][year] = tonnes
    events = OrganisationEvent.objects.filter(effective_date__lt=before).order_by("effective_date", "id")
    for event in events.filter(kind=EventKind.MERGER):
        # The absorbed unit's records cover only its own existence (it reports up to the merger),
        # so adding them to the survivor's never counts a tonne twice.
        for year, tonnes in figures.get(event.organisation_id, {}).items():
            survivor = figures[event.surviving_organisation_id]
            survivor[year] = survivor.get(year, Decimal(0)) + tonnes
    transfers = FacilityTransfer.objects.filter(event__in=events.filter(kind=EventKind.SPLIT)).select_related("event")
    shares: dict[tuple[int, int], list[tuple[int, Decimal]]] = defaultdict(list)
    for t in transfers:
        shares[(t.event.organisation_id, t.event.effective_date.year)].append((t.to_organisation_id, t.emissions_share))
    for (source_id, split_year), parts in shares.items():
        original = dict(figures.get(source_id, {}))
        for year, tonnes in original.items():
            if year >= split_year:
                continue
            for target_id, share in parts:
                figures[target_id].setdefault(year, Decimal(0))
                figures[target_id][year] += (tonnes * share).quantize(Decimal("0.001"))
            figures[source_id][year] = (tonnes * (1 - sum(s for _, s in parts))).quantize(Decimal("0.001"))
    return figures


def list_candidates(regulated_list: RegulatedList) -> list[Candidate]:
    """Art. 9 ¶2: every organisation whose emissions on record meet the criteria in force."""
    year = regulated_list.year
    start = date(year, 1, 1)
    criteria = criteria_in_force(year)
    figures = basis_emissions(regulated_list.basis_from_year, regulated_list.basis_to_year, start)
    orgs = (
        Organisation.objects.filter(org_type__in=LISTABLE_TYPES, industry__isnull=False)
        .only("id", "status", "status_effective_date", "industry__group_id")
        .select_related("industry")
    )
    result = []
    for org in orgs.iterator(chunk_size=2000):
        criterion = criteria.get(org.industry.group_id)
        per_year = figures.get(org.id)
        if criterion is None or not per_year or _departed_before(org, start):
            continue
        basis_year, tonnes = max(per_year.items(), key=lambda item: (item[1], item[0]))
        if tonnes >= criterion.regulated_threshold_tco2e:
            category = EntryCategory.REGULATED
        elif tonnes >= criterion.reporting_threshold_tco2e:
            category = EntryCategory.REPORTING
        else:
            continue
        result.append(Candidate(org.id, category, tonnes, basis_year, criterion))
    return result


def organisation_search(
    qs: QuerySet[Organisation], *, q: str = "", industry: str = "", district: str = "", org_type: str = ""
) -> QuerySet[Organisation]:
    qs = qs.select_related("industry__group").order_by("name_zh")
    if q:
        qs = qs.filter(name_or_code(q))
    if industry:
        qs = qs.filter(industry__code=industry)
    if district:
        qs = qs.filter(district=district)
    if org_type:
        qs = qs.filter(org_type=org_type)
    return qs


def organisation_overview(org: Organisation) -> dict:
    """Everything an organisation's page shows, in a fixed number of queries."""
    return {
        "facilities": list(org.facilities.all()),
        "contacts": list(org.contacts.all()),
        "events": list(
            OrganisationEvent.objects.filter(Q(organisation=org) | Q(surviving_organisation=org)).select_related(
                "organisation", "surviving_organisation", "recorded_by"
            )
        ),
        "list_entries": list(
            org.list_entries.select_related("regulated_list", "criterion__group").order_by("-regulated_list__year")
        ),
        "emission_records": list(org.emission_records.order_by("-year")),
    }


def list_overview() -> QuerySet[RegulatedList]:
    return RegulatedList.objects.select_related("job", "compiled_by", "submitted_by", "approved_by").order_by("-year")


def admin_list_entries(rl: RegulatedList, *, q: str = "", category: str = "", origin: str = "") -> QuerySet[ListEntry]:
    qs = rl.entries.select_related("organisation__industry__group", "criterion__group", "changed_by").order_by(
        "is_removed", "category", "organisation__name_zh"
    )
    if q:
        qs = qs.filter(name_or_code(q, prefix="organisation__"))
    if category:
        qs = qs.filter(category=category)
    if origin == "removed":
        qs = qs.filter(is_removed=True)
    elif origin:
        qs = qs.filter(origin=origin, is_removed=False)
    return qs


def list_counts(rl: RegulatedList) -> dict[str, int]:
    from django.db.models import Count

    counts = {"regulated": 0, "reporting": 0, "removed": 0, "manual": 0}
    for row in rl.entries.values("category", "is_removed", "origin").annotate(n=Count("id")):
        if row["is_removed"]:
            counts["removed"] += row["n"]
            continue
        counts[row["category"]] += row["n"]
        if row["origin"] == "manual":
            counts["manual"] += row["n"]
    return counts


def manual_changes(rl: RegulatedList) -> QuerySet[ListEntry]:
    return rl.entries.filter(Q(origin="manual") | Q(is_removed=True)).select_related("organisation", "changed_by")


def year_settings_history() -> QuerySet[YearSettings]:
    return YearSettings.objects.select_related("created_by").order_by("-year", "-version")


# Public pages (no login): only what a published list discloses, Art. 9 ¶3.


def with_entry_counts(qs: QuerySet[RegulatedList]) -> QuerySet[RegulatedList]:
    """Each list's entry counts in the list query itself (the same figures as list_counts)."""
    from django.db.models import Count

    live = Q(entries__is_removed=False)
    return qs.annotate(
        regulated_count=Count("entries", filter=live & Q(entries__category=EntryCategory.REGULATED)),
        reporting_count=Count("entries", filter=live & Q(entries__category=EntryCategory.REPORTING)),
        removed_count=Count("entries", filter=Q(entries__is_removed=True)),
        manual_count=Count("entries", filter=live & Q(entries__origin=EntryOrigin.MANUAL)),
    )


def published_lists_with_counts() -> QuerySet[RegulatedList]:
    return with_entry_counts(published_lists())


def public_organisations() -> QuerySet[Organisation]:
    """Organisations on at least one published list, not removed from it."""
    listed = ListEntry.objects.filter(is_removed=False, regulated_list__status=ListStatus.PUBLISHED)
    return Organisation.objects.filter(pk__in=listed.values("organisation_id"))


def public_entries_of(org: Organisation) -> QuerySet[ListEntry]:
    """An organisation's history on published lists, newest first."""
    return (
        org.list_entries.filter(is_removed=False, regulated_list__status=ListStatus.PUBLISHED)
        .select_related("regulated_list", "criterion__group")
        .order_by("-regulated_list__year")
    )


def criteria_overview() -> list:
    """Every industry group with its current criteria (`.current`) and superseded versions
    (`.history`), in two queries."""
    from django.db.models import Prefetch

    from .models import IndustryGroup

    groups = list(
        IndustryGroup.objects.prefetch_related(
            Prefetch(
                "criteria",
                queryset=InclusionCriterion.objects.order_by("effective_from_year", "version"),
                to_attr="all_criteria",
            )
        ).order_by("code")
    )
    for group in groups:
        group.current = [c for c in group.all_criteria if c.superseded_at is None]
        group.history = [c for c in group.all_criteria if c.superseded_at is not None]
    return groups
