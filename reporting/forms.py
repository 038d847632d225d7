from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import ActivityUnit, FactorKind, Gas
from .models import ALL_VALUE_FIELDS, VALUE_FIELDS, EmissionFactor, plain_decimal
from .units import FACTOR_UNITS


class EmissionFactorForm(forms.ModelForm):
    """A new version of a factor, showing only the values its kind carries."""

    class Meta:
        model = EmissionFactor
        fields = [
            "code",
            "name_zh",
            "name_en",
            "activity_unit",
            "gas",
            "is_biomass",
            *ALL_VALUE_FIELDS,
            "valid_from_year",
            "valid_to_year",
            "source_zh",
            "source_en",
        ]
        help_texts = {
            "code": _("A new version of an existing factor keeps its code."),
            "source_zh": _("The document the figure comes from, with its number, e.g. 沪环气〔2022〕34号."),
        }

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.kind = kind
        for name in ALL_VALUE_FIELDS:
            if name in VALUE_FIELDS[kind]:
                self.fields[name].required = True
                if isinstance(self.initial.get(name), Decimal):  # 0.42, not 0.420000
                    self.initial[name] = plain_decimal(self.initial[name])
            else:
                del self.fields[name]
        self.fields["activity_unit"].choices = [(u, ActivityUnit(u).label) for u in FACTOR_UNITS[kind]]
        if kind == FactorKind.GWP:
            self.fields["gas"].choices = [(g, label) for g, label in Gas.choices if g != Gas.CO2]
        else:
            del self.fields["gas"]
        if kind != FactorKind.FUEL_COMBUSTION:
            del self.fields["is_biomass"]

    def validate_unique(self):
        pass  # versions are numbered, and periods checked, by the service
