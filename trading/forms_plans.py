"""The allocation plan pages' forms. They check the shape of what was typed; the services in
trading.services.plans keep the rules, and their errors are shown on these forms."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from registry.models import Industry

from .choices import AllocationMethod, InstrumentKind, OffsetBasis

OFFSET_CHOICES = [(k, label) for k, label in InstrumentKind.choices if k != InstrumentKind.ALLOWANCE]
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _tonnes(label, help_text=None, required=True):
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=24,
        help_text=help_text or _("Whole tonnes."),
        error_messages={"required": _("Enter the number of tonnes."), "invalid": _("Enter a number of tonnes.")},
    )


class PlanForm(forms.Form):
    cap_t = _tonnes(_("Total allowances (t)"), _("The cap: directly allocated plus the reserve, in whole tonnes."))
    reserve_t = _tonnes(_("Reserve (t)"), _("Held back for auctions and market regulation (Art. 34)."))
    surrender_deadline = forms.DateField(
        label=_("Surrender deadline"),
        widget=DATE,
        error_messages={"required": _("Enter the surrender deadline."), "invalid": _("Enter a real date.")},
    )
    offset_limit_pct = forms.DecimalField(
        label=_("Offset limit (%)"),
        max_digits=8,
        help_text=_("The most a unit may surrender in offsets, as a percentage."),
        error_messages={"required": _("Enter the offset limit."), "invalid": _("Enter a percentage.")},
    )
    offset_basis = forms.ChoiceField(
        label=_("Offset limit basis"),
        choices=OffsetBasis.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what the offset limit is a share of.")},
    )
    eligible_offsets = forms.MultipleChoiceField(
        label=_("Eligible offset types"),
        choices=OFFSET_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    auction_reserve_price_yuan = forms.DecimalField(
        label=_("Auction reserve price (yuan/t)"),
        required=False,
        max_digits=14,
        help_text=_("The lowest price at which the year's allowances are sold at auction. Optional until an auction."),
        error_messages={"invalid": _("Enter the price in yuan per tonne.")},
    )
    notes = forms.CharField(label=_("Explanatory notes"), required=False, widget=forms.Textarea(attrs={"rows": 4}))


class PlanCreateForm(PlanForm):
    year = forms.IntegerField(
        label=_("Compliance year"),
        min_value=2013,
        max_value=2100,
        error_messages={"required": _("Enter the year."), "invalid": _("Enter a year, for example 2026.")},
    )
    field_order = ["year"]


def _parse_years(value: str) -> list[int]:
    parts = [p for p in value.replace(",", " ").replace("，", " ").split() if p]
    try:
        return [int(p) for p in parts]
    except ValueError:
        raise ValidationError(
            _("Give the base years as years separated by commas, for example 2021, 2022, 2023.")
        ) from None


class RuleForm(forms.Form):
    industry = forms.ModelChoiceField(
        label=_("Industry"),
        queryset=Industry.objects.all(),
        error_messages={"required": _("Choose the industry."), "invalid_choice": _("Choose one of the industries.")},
    )
    method = forms.ChoiceField(
        label=_("Method"),
        choices=AllocationMethod.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the allocation method.")},
    )
    benchmark_t_per_unit = forms.DecimalField(
        label=_("Benchmark (tCO2 per unit of output)"),
        required=False,
        max_digits=20,
        help_text=_("Benchmark method only."),
        error_messages={"invalid": _("Enter the benchmark as a number.")},
    )
    product_unit = forms.CharField(
        label=_("Unit of output"),
        required=False,
        max_length=30,
        help_text=_("For example t of product or MWh. Benchmark and intensity methods."),
    )
    base_years = forms.CharField(
        label=_("Base years"),
        required=False,
        help_text=_(
            "Intensity and historical methods: 1 to 5 years before the plan's year, for example 2021, 2022, 2023."
        ),
    )
    factor = forms.DecimalField(
        label=_("Decline factor"),
        max_digits=12,
        initial=1,
        error_messages={"required": _("Enter the factor."), "invalid": _("Enter the factor, for example 0.98.")},
    )
    paid_share_pct = forms.DecimalField(
        label=_("Paid share (%)"),
        max_digits=8,
        initial=0,
        help_text=_("Sold at auction; the Action Plan sets within 8% by 2027."),
        error_messages={"required": _("Enter the paid share."), "invalid": _("Enter a percentage.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["industry"].label_from_instance = lambda industry: f"{industry.code} {industry.name}"

    def clean_base_years(self) -> list[int]:
        return _parse_years(self.cleaned_data.get("base_years") or "")


class AdjustmentForm(forms.Form):
    uscc = forms.CharField(
        label=_("Unit's unified social credit code"),
        max_length=18,
        error_messages={"required": _("Enter the unit's credit code.")},
    )
    coefficient = forms.DecimalField(
        label=_("Coefficient"),
        max_digits=10,
        help_text=_("More than 0 and at most 2, for example 1.02."),
        error_messages={
            "required": _("Enter the coefficient."),
            "invalid": _("Enter the coefficient, for example 1.02."),
        },
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=300, error_messages={"required": _("Say why the unit's allocation is adjusted.")}
    )

    def clean_uscc(self) -> str:
        return self.cleaned_data["uscc"].strip().upper()


class ConsultationForm(forms.Form):
    until = forms.DateField(
        label=_("Comments close on"),
        widget=DATE,
        help_text=_("The last day on which the public may comment."),
        error_messages={"required": _("Enter the closing day."), "invalid": _("Enter a real date.")},
    )


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it goes back"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why the plan goes back.")},
    )


class CommentForm(forms.Form):
    author_name = forms.CharField(
        label=_("Your name"), max_length=100, error_messages={"required": _("Enter your name.")}
    )
    organisation_name = forms.CharField(label=_("Organisation"), max_length=200, required=False)
    email = forms.EmailField(
        label=_("Email"),
        required=False,
        help_text=_("Not published. The bureau may use it to ask about your comment."),
        error_messages={"invalid": _("Enter an email address like name@example.com.")},
    )
    body = forms.CharField(
        label=_("Your comment"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={
            "required": _("Enter your comment."),
            "max_length": _("Use at most %(limit_value)d characters (you used %(show_value)d)."),
        },
    )
