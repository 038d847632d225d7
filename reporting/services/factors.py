from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from carbon_portal import audit
from carbon_portal.permissions import require_bureau

from ..choices import FactorKind, Gas
from ..models import EmissionFactor


def _overlaps(a: EmissionFactor, b: EmissionFactor) -> bool:
    a_start, a_end = a.valid_from_year or 0, a.valid_to_year or 9999
    b_start, b_end = b.valid_from_year or 0, b.valid_to_year or 9999
    return a_start <= b_end and b_start <= a_end


def _refuse_change_of_kind(code: str, kind: str) -> None:
    earlier = EmissionFactor.objects.filter(code=code).exclude(kind=kind).values_list("kind", flat=True).first()
    if earlier:
        raise ValidationError(
            {
                "code": _("%(code)s is a %(kind)s factor; a new version keeps its kind.")
                % {"code": code, "kind": FactorKind(earlier).label}
            }
        )


def _refuse_overlap(new: EmissionFactor, others: list[EmissionFactor]) -> None:
    """A report year must find one factor per code: periods of current versions never overlap."""
    for other in others:
        if _overlaps(new, other):
            raise ValidationError(
                {
                    "valid_from_year": _(
                        "These years overlap the version valid %(validity)s. Add a new version of that one "
                        "first, ending before these years start."
                    )
                    % {"validity": other.validity}
                }
            )


@transaction.atomic
def emission_factor_revise(
    *,
    actor,
    code: str,
    kind: str,
    name_zh: str,
    activity_unit: str,
    source_zh: str,
    valid_from_year: int | None = None,
    valid_to_year: int | None = None,
    name_en: str = "",
    source_en: str = "",
    gas: str = Gas.CO2,
    is_biomass: bool = False,
    ncv_gj_per_unit: Decimal | None = None,
    carbon_content_tc_per_tj: Decimal | None = None,
    oxidation_rate: Decimal | None = None,
    ef_tco2_per_mwh: Decimal | None = None,
    ef_tco2_per_gj: Decimal | None = None,
    gwp: Decimal | None = None,
    ef_tco2_per_t: Decimal | None = None,
) -> EmissionFactor:
    """DOMAIN.md "Reporting": factors are versioned reference data with their source.

    A change is a new version of the factor for its code and valid-from year; the version in
    force is kept, marked superseded, so the factor behind a filed report stays on record.
    A new code starts at version 1. Bureau staff only; no second approval (reference data).
    """
    require_bureau(actor)
    # Lock the code's current versions: two revisions of one code run one after the other.
    current_rows = list(EmissionFactor.objects.select_for_update().filter(code=code, superseded_at__isnull=True))
    _refuse_change_of_kind(code, kind)
    replaced = next((row for row in current_rows if row.valid_from_year == valid_from_year), None)
    last_version = (
        EmissionFactor.objects.filter(code=code, valid_from_year=valid_from_year).aggregate(v=Max("version"))["v"] or 0
    )
    values = {
        "ncv_gj_per_unit": ncv_gj_per_unit,
        "carbon_content_tc_per_tj": carbon_content_tc_per_tj,
        "oxidation_rate": oxidation_rate,
        "ef_tco2_per_mwh": ef_tco2_per_mwh,
        "ef_tco2_per_gj": ef_tco2_per_gj,
        "gwp": gwp,
        "ef_tco2_per_t": ef_tco2_per_t,
    }
    new = EmissionFactor(
        code=code,
        kind=kind,
        name_zh=name_zh,
        name_en=name_en,
        activity_unit=activity_unit,
        gas=gas,
        is_biomass=is_biomass,
        valid_from_year=valid_from_year,
        valid_to_year=valid_to_year,
        source_zh=source_zh,
        source_en=source_en,
        version=last_version + 1,
        created_by=actor,
        **values,
    )
    new.full_clean(validate_constraints=False)
    _refuse_overlap(new, [row for row in current_rows if row is not replaced])
    if replaced:
        replaced.superseded_at = timezone.now()
        replaced.save(update_fields=["superseded_at"])
    new.save()
    audit.record(
        actor=actor,
        verb="emission_factor.revise",
        target=new,
        data={
            "code": code,
            "version": new.version,
            "valid_from_year": valid_from_year,
            "valid_to_year": valid_to_year,
            "replaces": replaced.pk if replaced else None,
            "source": source_zh,
        }
        | {name: str(value) for name, value in values.items() if value is not None},
    )
    return new
