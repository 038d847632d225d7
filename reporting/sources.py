"""One emission source checked and calculated: the rules every way of entering activity data
shares (the report form, the spreadsheet import, monthly key parameters, the live preview), so
each refuses the same things with the same words. Nothing here saves."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .calculation import FactorSnapshot, Line, calculate_line
from .choices import EmissionCategory
from .models.reports import EXACT_TONNES

EXACT_STEP = Decimal(1).scaleb(-EXACT_TONNES["decimal_places"])


@dataclass(frozen=True)
class CheckedSource:
    facility: object
    category: str
    factor: object
    line: Line
    snapshot: FactorSnapshot
    activity_amount: Decimal  # as entered, in the unit entered
    activity_unit: str
    exact_tco2e: Decimal  # at the stored precision
    is_biomass: bool
    source_description: str

    def row_fields(self) -> dict:
        """The columns a report line and a monthly figure share, the factor frozen among them."""
        return {
            "facility": self.facility,
            "category": self.category,
            "source_description": self.source_description,
            "activity_amount": self.activity_amount,
            "activity_unit": self.activity_unit,
            "activity_in_factor_unit": self.line.activity,
            "factor": self.factor,
            "factor_code": self.factor.code,
            "factor_version": self.factor.version,
            "factor_snapshot": self.snapshot.as_json(),
            "gas": self.line.gas,
            "is_biomass": self.is_biomass,
            "emissions_tco2e": self.exact_tco2e,
        }


def refusal(factor, line_category: str, category: str, is_biomass: bool) -> tuple[str, str] | None:
    """(field, message) when a calculated source contradicts what the filer said it is."""
    if category in EmissionCategory.values and line_category != category:
        return (
            "factor_code",
            _("%(factor)s is a factor for %(kind)s, not for %(category)s.")
            % {
                "factor": factor.name,
                "kind": EmissionCategory(line_category).label,
                "category": EmissionCategory(category).label,
            },
        )
    if is_biomass and line_category != EmissionCategory.FUEL_COMBUSTION:
        return ("is_biomass", _("Only a fuel can be biomass."))
    return None


def check_source(
    *,
    organisation_id: int,
    facility,
    category: str,
    factor,
    activity_amount,
    activity_unit: str,
    source_description: str,
    is_biomass: bool,
) -> CheckedSource:
    """Raises ValidationError keyed by form field; otherwise the source calculated with `factor`."""
    if facility.organisation_id != organisation_id:
        raise ValidationError({"facility": _("This facility does not belong to the reporting unit.")})
    if category not in EmissionCategory.values:
        raise ValidationError({"category": _("Choose the kind of emission source.")})
    if not source_description.strip():
        raise ValidationError({"source_description": _("Describe the emission source, e.g. boiler no. 2.")})
    snapshot = factor.snapshot()
    try:
        line = calculate_line(facility_code=facility.code, factor=snapshot, amount=activity_amount, unit=activity_unit)
    except ValidationError as exc:
        field = "activity_unit" if exc.code == "unit_mismatch" else "activity_amount"
        raise ValidationError({field: exc.messages}) from exc
    if refused := refusal(factor, line.category, category, is_biomass):
        raise ValidationError({refused[0]: refused[1]})
    return CheckedSource(
        facility=facility,
        category=category,
        factor=factor,
        line=line,
        snapshot=snapshot,
        activity_amount=Decimal(str(activity_amount).strip()),
        activity_unit=activity_unit,
        exact_tco2e=line.emissions_tco2e.quantize(EXACT_STEP, rounding=ROUND_HALF_UP),
        is_biomass=is_biomass or snapshot.is_biomass,
        source_description=source_description.strip(),
    )
