"""The bureau's form dividing a split unit's holdings (Art. 14 ¶2): one whole-tonne field per new
owner and instrument, prefilled from the facilities' emission shares, and a note for the record.
The form checks the shape; trading.services.succession.holdings_divide keeps the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import QUANTITY_MAX
from .selectors.succession import DivisionPlan


def field_name(owner_id: int, instrument_id: int) -> str:
    return f"q_{owner_id}_{instrument_id}"


class DivisionForm(forms.Form):
    note = forms.CharField(
        label=_("How the division was agreed"),
        max_length=2000,
        help_text=_(
            "For the record: the allocation plan the units reported, or the bureau's reasons (Art. 14 para 2)."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say how the division was agreed, for the record.")},
    )

    def __init__(self, *args, plan: DivisionPlan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.cells: dict[tuple[int, int], str] = {}
        for owner in plan.owners:
            for holding in plan.holdings:
                key = (owner.organisation.pk, holding.instrument_id)
                name = field_name(*key)
                self.cells[key] = name
                self.fields[name] = forms.IntegerField(
                    label=_("%(owner)s: %(instrument)s (t)")
                    % {"owner": owner.organisation.name, "instrument": holding.instrument.code},
                    min_value=0,
                    max_value=QUANTITY_MAX,
                    initial=plan.suggested.get(key, 0),
                    error_messages={
                        "required": _("Enter whole tonnes, zero or more."),
                        "invalid": _("Enter whole tonnes, zero or more."),
                        "min_value": _("Enter whole tonnes, zero or more."),
                        "max_value": _("Enter a smaller quantity."),
                    },
                )
        # The note comes last, after the grid.
        self.order_fields([name for name in self.fields if name != "note"] + ["note"])

    def rows(self):
        """(owner, [bound field per instrument]) for the grid, in the plan's order."""
        return [
            (owner, [self[self.cells[(owner.organisation.pk, h.instrument_id)]] for h in self.plan.holdings])
            for owner in self.plan.owners
        ]

    def division(self) -> dict[tuple[int, int], int]:
        return {key: self.cleaned_data[name] for key, name in self.cells.items()}
