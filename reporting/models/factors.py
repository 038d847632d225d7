from decimal import Decimal
from functools import reduce
from operator import and_, or_

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from registry.models import BilingualName

from ..calculation import FactorSnapshot
from ..choices import ActivityUnit, FactorKind, Gas
from ..units import FACTOR_UNITS, unit_label

FACTOR = {"max_digits": 14, "decimal_places": 6}
NON_NEGATIVE = [MinValueValidator(Decimal(0))]
YEAR = [MinValueValidator(1990), MaxValueValidator(2100)]

# The values each kind of factor carries; the others stay empty (a DB constraint holds this).
VALUE_FIELDS: dict[str, tuple[str, ...]] = {
    FactorKind.FUEL_COMBUSTION: ("ncv_gj_per_unit", "carbon_content_tc_per_tj", "oxidation_rate"),
    FactorKind.PURCHASED_ELECTRICITY: ("ef_tco2_per_mwh",),
    FactorKind.PURCHASED_HEAT: ("ef_tco2_per_gj",),
    FactorKind.GWP: ("gwp",),
    FactorKind.PROCESS: ("ef_tco2_per_t",),
}
ALL_VALUE_FIELDS = tuple(name for names in VALUE_FIELDS.values() for name in names)


def _has_only_its_values(kind: str) -> Q:
    condition = Q(kind=kind)
    for name in ALL_VALUE_FIELDS:
        condition &= Q(**{f"{name}__isnull": name not in VALUE_FIELDS[kind]})
    return condition


def plain_decimal(value: Decimal) -> str:
    """20.908000 -> '20.908', 21.000000 -> '21': the stored figure without the padding of its column."""
    return format(value.normalize(), "f")


class EmissionFactor(BilingualName):
    """DOMAIN.md "Reporting": factors are versioned reference data with their source document and
    validity years; a report uses the factors valid for its year (Measures Art. 15-16).

    Rows are never edited: a change is a new version of the (code, valid-from year) row and the
    old one is marked superseded, so the factor behind any filed report can still be shown.
    An empty valid-from or valid-to year leaves the period open on that side.
    """

    kind = models.CharField(_("kind"), max_length=24, choices=FactorKind.choices)
    code = models.SlugField(_("code"), max_length=40)
    activity_unit = models.CharField(_("activity unit"), max_length=10, choices=ActivityUnit.choices)
    gas = models.CharField(_("gas"), max_length=8, choices=Gas.choices, default=Gas.CO2)
    is_biomass = models.BooleanField(
        _("biomass fuel"), default=False, help_text=_("Biomass CO2 is reported but not counted in the total.")
    )
    ncv_gj_per_unit = models.DecimalField(
        _("net calorific value (GJ per unit)"), null=True, blank=True, validators=NON_NEGATIVE, **FACTOR
    )
    carbon_content_tc_per_tj = models.DecimalField(
        _("carbon content per heat unit (tC/TJ)"), null=True, blank=True, validators=NON_NEGATIVE, **FACTOR
    )
    oxidation_rate = models.DecimalField(
        _("oxidation rate"),
        null=True,
        blank=True,
        validators=[*NON_NEGATIVE, MaxValueValidator(Decimal(1))],
        **FACTOR,
    )
    ef_tco2_per_mwh = models.DecimalField(
        _("emission factor (tCO2/MWh)"), null=True, blank=True, validators=NON_NEGATIVE, **FACTOR
    )
    ef_tco2_per_gj = models.DecimalField(
        _("emission factor (tCO2/GJ)"), null=True, blank=True, validators=NON_NEGATIVE, **FACTOR
    )
    ef_tco2_per_t = models.DecimalField(
        _("emission factor (tCO2/t of material)"), null=True, blank=True, validators=NON_NEGATIVE, **FACTOR
    )
    gwp = models.DecimalField(_("GWP"), null=True, blank=True, validators=NON_NEGATIVE, **FACTOR)
    valid_from_year = models.PositiveSmallIntegerField(
        _("valid from year"), null=True, blank=True, validators=YEAR, help_text=_("Empty: from any earlier year.")
    )
    valid_to_year = models.PositiveSmallIntegerField(
        _("valid to year"), null=True, blank=True, validators=YEAR, help_text=_("Empty: until revised.")
    )
    source_zh = models.CharField(_("source document (Chinese)"), max_length=300)
    source_en = models.CharField(_("source document (English)"), max_length=300, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("emission factor")
        verbose_name_plural = _("emission factors")
        ordering = ["kind", "code", F("valid_from_year").asc(nulls_first=True), "version"]
        constraints = [
            # An open valid-from year counts as one key (0), so two open periods cannot both be current.
            models.UniqueConstraint(
                "code", Coalesce("valid_from_year", Value(0)), "version", name="factor_unique_version"
            ),
            models.UniqueConstraint(
                "code",
                Coalesce("valid_from_year", Value(0)),
                condition=Q(superseded_at__isnull=True),
                name="factor_one_current_per_code_year",
            ),
            models.CheckConstraint(
                condition=Q(valid_from_year__isnull=True)
                | Q(valid_to_year__isnull=True)
                | Q(valid_from_year__lte=F("valid_to_year")),
                name="factor_valid_years_ordered",
            ),
            models.CheckConstraint(
                condition=reduce(
                    and_, (Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__gte": 0}) for name in ALL_VALUE_FIELDS)
                ),
                name="factor_values_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(oxidation_rate__isnull=True) | Q(oxidation_rate__lte=1), name="factor_oxidation_at_most_1"
            ),
            models.CheckConstraint(
                condition=reduce(or_, (_has_only_its_values(kind) for kind in FactorKind.values)),
                name="factor_values_match_kind",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.code}, {self.validity}, v{self.version})"

    @property
    def source(self) -> str:
        if (get_language() or "").startswith("en") and self.source_en:
            return self.source_en
        return self.source_zh

    @property
    def validity(self) -> str:
        """The years the factor applies to, in the reader's language."""
        start, end = self.valid_from_year, self.valid_to_year
        if start is None and end is None:
            return gettext("All years")
        if end is None:
            return gettext("%(year)s onwards") % {"year": start}
        if start is None:
            return gettext("Up to %(year)s") % {"year": end}
        if start == end:
            return str(start)
        return f"{start}–{end}"

    def covers(self, year: int) -> bool:
        return (self.valid_from_year or 0) <= year <= (self.valid_to_year or 9999)

    def figures(self) -> list[tuple[str, str, str]]:
        """(label, value, unit) for each value of this kind, as pages show them."""
        per_unit = unit_label(self.activity_unit)
        labels = {
            "ncv_gj_per_unit": (gettext("Net calorific value"), f"GJ/{per_unit}"),
            "carbon_content_tc_per_tj": (gettext("Carbon content per heat unit"), "tC/TJ"),
            "oxidation_rate": (gettext("Oxidation rate"), ""),
            "ef_tco2_per_mwh": (gettext("Emission factor"), "tCO2/MWh"),
            "ef_tco2_per_gj": (gettext("Emission factor"), "tCO2/GJ"),
            "gwp": (gettext("GWP"), ""),
            "ef_tco2_per_t": (gettext("Emission factor"), f"tCO2/{per_unit}"),
        }
        rows = []
        for name in VALUE_FIELDS.get(self.kind, ()):
            value = getattr(self, name)
            if value is not None:
                label, unit = labels[name]
                rows.append((label, plain_decimal(value), unit))
        return rows

    def snapshot(self) -> FactorSnapshot:
        """The frozen copy a calculated report line keeps (see reporting.calculation)."""
        return FactorSnapshot(
            code=self.code,
            kind=self.kind,
            version=self.version,
            activity_unit=self.activity_unit,
            gas=self.gas,
            is_biomass=self.is_biomass,
            valid_from_year=self.valid_from_year,
            valid_to_year=self.valid_to_year,
            source=self.source_zh,
            **{name: getattr(self, name) for name in ALL_VALUE_FIELDS},
        )

    def clean(self):
        """One row on its own: the values and unit its kind needs, the gas it concerns, ordered years."""
        errors: dict[str, list] = {}
        needed = VALUE_FIELDS.get(self.kind, ())
        for name in ALL_VALUE_FIELDS:
            value = getattr(self, name)
            if name in needed and value is None:
                errors.setdefault(name, []).append(gettext("This kind of factor needs this value."))
            elif name not in needed and value is not None:
                errors.setdefault(name, []).append(gettext("This kind of factor has no such value."))
        if self.kind in FACTOR_UNITS and self.activity_unit not in FACTOR_UNITS[self.kind]:
            errors.setdefault("activity_unit", []).append(
                gettext("A %(kind)s factor is expressed per %(units)s.")
                % {
                    "kind": FactorKind(self.kind).label,
                    "units": ", ".join(unit_label(u) for u in FACTOR_UNITS[self.kind]),
                }
            )
        if (self.kind == FactorKind.GWP) != (self.gas != Gas.CO2):
            errors.setdefault("gas", []).append(
                gettext("A GWP is given for a gas other than CO2; every other factor yields CO2.")
            )
        if self.is_biomass and self.kind != FactorKind.FUEL_COMBUSTION:
            errors.setdefault("is_biomass", []).append(gettext("Only a fuel can be biomass."))
        if self.valid_from_year and self.valid_to_year and self.valid_from_year > self.valid_to_year:
            errors.setdefault("valid_to_year", []).append(gettext("The period cannot end before it starts."))
        if errors:
            raise ValidationError(errors)
