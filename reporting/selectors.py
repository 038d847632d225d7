"""Reporting reads. Pages start here, never from a raw model manager."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from .choices import FactorKind
from .models import EmissionFactor


def _valid_in(year: int) -> Q:
    """An empty year leaves the period open on that side."""
    starts = Q(valid_from_year__isnull=True) | Q(valid_from_year__lte=year)
    ends = Q(valid_to_year__isnull=True) | Q(valid_to_year__gte=year)
    return starts & ends


def current_factors() -> QuerySet[EmissionFactor]:
    return EmissionFactor.objects.filter(superseded_at__isnull=True)


def factor_for(code: str, year: int) -> EmissionFactor:
    """DOMAIN.md: a factor applies by the report's year. The current version valid in `year`."""
    factor = (
        current_factors()
        .filter(_valid_in(year), code=code)
        .order_by(F("valid_from_year").desc(nulls_last=True))
        .first()
    )
    if factor is None:
        raise ValidationError(
            _("No emission factor for %(code)s is valid in %(year)s."),
            code="no_factor",
            params={"code": code, "year": year},
        )
    return factor


def factors_in_force(year: int) -> QuerySet[EmissionFactor]:
    """Every factor a report for `year` would use: the current versions valid in that year."""
    return current_factors().filter(_valid_in(year)).order_by("kind", "code")


def factor_history(code: str) -> QuerySet[EmissionFactor]:
    """Every version of a factor, superseded ones included, oldest period and version first."""
    return (
        EmissionFactor.objects.filter(code=code)
        .select_related("created_by")
        .order_by(F("valid_from_year").asc(nulls_first=True), "version")
    )


@dataclass
class KindGroup:
    kind: str
    label: str
    current: list[EmissionFactor] = field(default_factory=list)
    history: list[EmissionFactor] = field(default_factory=list)


def by_kind(factors) -> list[KindGroup]:
    """Factors grouped by kind in the order of FactorKind, current and superseded apart."""
    groups = {kind: KindGroup(kind, str(label)) for kind, label in FactorKind.choices}
    for factor in factors:
        group = groups[factor.kind]
        (group.history if factor.superseded_at else group.current).append(factor)
    return list(groups.values())


def factor_library() -> list[KindGroup]:
    """The whole library for the bureau's page, in one query."""
    rows = EmissionFactor.objects.select_related("created_by").order_by(
        "code", F("valid_from_year").asc(nulls_first=True), "version"
    )
    return by_kind(rows)
