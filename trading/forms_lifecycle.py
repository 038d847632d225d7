"""Forms of the compliance lifecycle pages: an exemption, its withdrawal, and a move to the national
market with its rollover schedule. They check the shape of what was typed; services.lifecycle and
services.rollover keep the rules, and their refusals are shown on these forms."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from registry.models import Organisation

from .choices import ExemptionReason
from .services.lifecycle import FIRST_YEAR, MANUAL_REASONS
from .services.rollover import MAX_TRANCHES, TrancheSpec

YEAR_ERRORS = {
    "required": _("Enter the year."),
    "invalid": _("Enter the year as four digits, for example 2026."),
    "min_value": _("Enter a year from 2013 on."),
    "max_value": _("Enter a year before 2100."),
}


def _uscc_field():
    return forms.CharField(
        label=_("Unit's unified social credit code"),
        max_length=18,
        min_length=18,
        error_messages={
            "required": _("Enter the unit's credit code."),
            "min_length": _("A credit code has 18 characters."),
            "max_length": _("A credit code has 18 characters."),
        },
    )


class _UnitForm(forms.Form):
    """Finds the unit by its credit code; `organisation` is set once the form is valid."""

    organisation: Organisation | None = None

    def clean_uscc(self):
        uscc = self.cleaned_data["uscc"].strip().upper()
        self.organisation = Organisation.objects.filter(uscc=uscc).first()
        if self.organisation is None:
            raise ValidationError(_("No organisation has this credit code."))
        return uscc


class ExemptionForm(_UnitForm):
    uscc = _uscc_field()
    year = forms.IntegerField(
        label=_("Compliance year"), min_value=FIRST_YEAR, max_value=2100, error_messages=YEAR_ERRORS
    )
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[(r.value, r.label) for r in MANUAL_REASONS],
        error_messages={"required": _("Choose the reason."), "invalid_choice": _("Choose one of the reasons.")},
        help_text=_("A move to the national market is recorded on its own page, with its rollover."),
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_('Required for "other": the bureau\'s decision and its reference.'),
    )

    def clean(self):
        data = super().clean()
        if data.get("reason") == ExemptionReason.OTHER and not (data.get("note") or "").strip():
            self.add_error("note", _("Say why the bureau lifts the obligation."))
        return data


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the exemption withdrawn?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why the exemption is withdrawn.")},
    )


class MoveForm(_UnitForm):
    """The unit, its first national year and the rollover schedule: up to six rows of date and share,
    all left blank for the default (three equal tranches on 1 January of N, N+1, N+2)."""

    uscc = _uscc_field()
    first_national_year = forms.IntegerField(
        label=_("First year in the national market"),
        min_value=FIRST_YEAR,
        max_value=2100,
        error_messages=YEAR_ERRORS,
        help_text=_("From this year on the unit has no Shanghai surrender obligation."),
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example the national notice that names the unit."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for n in range(1, MAX_TRANCHES + 1):
            self.fields[f"date_{n}"] = forms.DateField(
                label=_("Tranche %(n)s: date") % {"n": n},
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}),
                error_messages={"invalid": _("Enter the date as YYYY-MM-DD.")},
            )
            self.fields[f"share_{n}"] = forms.DecimalField(
                label=_("Tranche %(n)s: share of the surplus (%%)") % {"n": n},
                required=False,
                min_value=Decimal("0.01"),
                max_value=100,
                max_digits=5,
                decimal_places=2,
                error_messages={
                    "invalid": _("Enter the share as a percentage, for example 33.34."),
                    "min_value": _("Enter a share above 0."),
                    "max_value": _("Enter a share of at most 100."),
                    "max_decimal_places": _("Enter the share with at most two decimals."),
                    "max_digits": _("Enter the share with at most two decimals."),
                },
            )

    def tranche_rows(self):
        return [(self[f"date_{n}"], self[f"share_{n}"]) for n in range(1, MAX_TRANCHES + 1)]

    def clean(self):
        data = super().clean()
        for n in range(1, MAX_TRANCHES + 1):
            day, share = data.get(f"date_{n}"), data.get(f"share_{n}")
            if day and share is None and not self.has_error(f"share_{n}"):
                self.add_error(f"share_{n}", _("Give this tranche's share."))
            if share is not None and not day and not self.has_error(f"date_{n}"):
                self.add_error(f"date_{n}", _("Give this tranche's date."))
        return data

    def schedule(self) -> list[TrancheSpec] | None:
        """The rows filled in, in the order typed; None when all are blank (the default applies)."""
        rows = [
            TrancheSpec(self.cleaned_data[f"date_{n}"], self.cleaned_data[f"share_{n}"])
            for n in range(1, MAX_TRANCHES + 1)
            if self.cleaned_data.get(f"date_{n}")
        ]
        return rows or None
