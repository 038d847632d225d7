from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import ActivityUnit, DeterminationMethod, EmissionCategory, FactorKind, Gas, MeasurementFrequency
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


class ProductionForm(forms.Form):
    product_name = forms.CharField(label=_("Main product"), max_length=200)
    product_output = forms.DecimalField(label=_("Output in the year"), min_value=0, max_digits=16, decimal_places=3)
    product_unit = forms.CharField(label=_("Unit of output"), max_length=30, help_text=_("For example t, 10⁴ m², MWh."))


class ReportLineForm(forms.Form):
    """One emission source. Numbers and units are checked by the service, so its messages show."""

    facility = forms.ModelChoiceField(label=_("Facility"), queryset=None)
    category = forms.ChoiceField(label=_("Kind of source"), choices=EmissionCategory.choices)
    source_description = forms.CharField(
        label=_("Emission source"), max_length=200, help_text=_("For example: boiler no. 2, natural gas.")
    )
    factor_code = forms.ChoiceField(
        label=_("Emission factor"),
        help_text=_(
            "The version valid in the report's year is used. Each factor says the units its activity data takes."
        ),
    )
    activity_amount = forms.CharField(
        label=_("Activity data"),
        max_length=40,
        help_text=_("The amount used in the year, as a plain number without thousands separators, e.g. 12000.5."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "spellcheck": "false"}),
    )
    activity_unit = forms.ChoiceField(
        label=_("Unit of the activity data"),
        choices=ActivityUnit.choices,
        help_text=_(
            "Converted exactly into the factor's unit: kWh and 10⁴ kWh into MWh, Nm³ into 10⁴ Nm³, MJ into GJ."
        ),
    )
    is_biomass = forms.BooleanField(label=_("Biomass fuel (reported, not counted in the total)"), required=False)

    def __init__(self, *args, report, factors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = report.organisation.facilities.filter(is_active=True).order_by("code")
        year = report.year
        valid, other = {}, {}
        for factor in factors:
            fits = (factor.valid_from_year or 0) <= year <= (factor.valid_to_year or 9999)
            if fits:
                valid[factor.code] = f"{factor.name} ({factor.code}, {factor.validity})"
            else:
                other.setdefault(factor.code, f"{factor.name} ({factor.code}, {factor.validity})")
        # Label each code with the version that applies to the report's year; codes with no
        # version for that year stay choosable so the service explains why they are refused.
        rest = {code: label for code, label in other.items() if code not in valid}
        self.fields["factor_code"].choices = [
            ("", "—"),
            *sorted(valid.items(), key=lambda item: item[1]),
            *sorted(rest.items(), key=lambda item: item[1]),
        ]


class DeclarationForm(forms.Form):
    declaration_confirmed = forms.BooleanField(
        label=_(
            "I declare, as the responsible person of the unit, that this report is true, accurate and complete "
            "(Art. 16)."
        ),
        required=False,
    )
    declared_by_name = forms.CharField(label=_("Name of the responsible person"), max_length=100, required=False)


class CorrectionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the correction"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("Say what is wrong in the submitted report and what the correction changes."),
    )


# Data quality control plans (Art. 15)


class PlanBoundaryForm(forms.Form):
    boundary = forms.CharField(
        label=_("Emission boundary"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("The sites, facilities and emission sources the plan covers, and any left out with the reason."),
    )


class PlanResponsibilitiesForm(forms.Form):
    responsible_name = forms.CharField(label=_("Responsible person"), max_length=100)
    responsible_contact = forms.CharField(
        label=_("Contact of the responsible person"), max_length=200, help_text=_("Phone and email.")
    )


class PlanParameterForm(forms.Form):
    """One monitored parameter. The calibration rule is the model's, so its message shows."""

    facility = forms.ModelChoiceField(label=_("Facility"), queryset=None)
    emission_source = forms.CharField(
        label=_("Emission source"), max_length=200, help_text=_("For example: boiler no. 2, natural gas.")
    )
    parameter_name = forms.CharField(
        label=_("Parameter"), max_length=200, help_text=_("For example: gas consumed, net calorific value.")
    )
    method = forms.ChoiceField(label=_("Determination method"), choices=DeterminationMethod.choices)
    frequency = forms.ChoiceField(label=_("Measurement frequency"), choices=MeasurementFrequency.choices)
    responsible_person = forms.CharField(label=_("Responsible person"), max_length=100)
    instrument_name = forms.CharField(label=_("Measuring instrument"), max_length=200, required=False)
    calibration_date = forms.DateField(
        label=_("Calibration date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Required when the parameter is measured."),
    )

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = plan.organisation.facilities.filter(is_active=True).order_by("code")


class PlanDecisionForm(forms.Form):
    """The bureau accepts the plan, or returns it with a comment on the sections to change."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept the plan")), ("return", _("Return the plan with comments"))],
        widget=forms.RadioSelect,
    )
    boundary = forms.CharField(
        label=_("Comment on the emission boundary"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    parameters = forms.CharField(
        label=_("Comment on the parameters"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    responsibilities = forms.CharField(
        label=_("Comment on the responsibilities"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
