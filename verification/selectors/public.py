"""Public disclosure of determined emissions per unit and year (Art. 17; DOMAIN.md "Who uses it").

Only a determination in force is disclosed: approved by a second bureau user. A draft or one
awaiting approval is never shown; a superseded one gives way to the re-examination's result that
replaced it (the one now approved). A determination under re-examination stays shown, tagged, until
the result replaces it. Fixed queries whatever the number of units.
"""

from django.db.models import Count, Exists, OuterRef, QuerySet

from registry.choices import District
from registry.selectors import name_or_code

from ..choices import DeterminationStatus, ReexamStatus
from ..models import Determination, ReExamination

OPEN_REEXAM = [ReexamStatus.OPEN, ReexamStatus.REVIEWED]


def in_force() -> QuerySet[Determination]:
    return Determination.objects.filter(status=DeterminationStatus.APPROVED)


def disclosure_years() -> list[dict]:
    """The years with at least one determination in force, newest first, with how many units."""
    return list(in_force().order_by().values("year").annotate(units=Count("id")).order_by("-year"))


def determined_emissions(year: int, *, q: str = "", industry: str = "", district: str = "") -> QuerySet[Determination]:
    """The year's determinations in force, by unit name, each marked when a re-examination is open."""
    found = in_force().filter(year=year)
    if q:
        found = found.filter(name_or_code(q, prefix="organisation__"))
    if industry:
        found = found.filter(organisation__industry__code=industry)
    if district and district in District.values:
        found = found.filter(organisation__district=district)
    reexamining = ReExamination.objects.filter(determination_id=OuterRef("pk"), status__in=OPEN_REEXAM)
    return (
        found.select_related("organisation__industry")
        .annotate(under_reexamination=Exists(reexamining))
        .order_by("organisation__name_zh", "organisation_id")
    )
