"""The auction pages' forms. They check the shape of what was typed; trading.services.auctions and
auction_clearing keep the rules, and their errors are shown on these forms."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import AuctionKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]
TONNES_MAX = 10**15 - 1


def _tonnes(label, help_text, **kwargs):
    return forms.IntegerField(
        label=label,
        min_value=1,
        max_value=TONNES_MAX,
        help_text=help_text,
        error_messages={
            "required": _("Enter the quantity in whole tonnes."),
            "invalid": _("Enter the quantity as a whole number of tonnes."),
            "min_value": _("Enter a quantity of at least 1 tonne."),
            "max_value": _("Enter a smaller quantity."),
        },
        **kwargs,
    )


def _price(label, help_text, required=True):
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=12,
        decimal_places=2,
        help_text=help_text,
        error_messages={
            "required": _("Enter the price in yuan per tonne."),
            "invalid": _("Enter the price in yuan per tonne, for example 58.50."),
            "max_decimal_places": _("Give the price to at most 2 decimal places (fen)."),
            "max_digits": _("Enter a smaller price."),
            "max_whole_digits": _("Enter a smaller price."),
        },
    )


def _moment(label):
    return forms.DateTimeField(
        label=label,
        widget=DATETIME,
        input_formats=DATETIME_FORMATS,
        help_text=_("Shanghai time."),
        error_messages={"required": _("Enter a date and time."), "invalid": _("Enter a real date and time.")},
    )


class AuctionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What the auction does"),
        choices=AuctionKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what the auction does.")},
    )
    vintage = forms.IntegerField(
        label=_("Allowance vintage"),
        min_value=2013,
        max_value=2100,
        error_messages={
            "required": _("Enter the year of the allowances."),
            "invalid": _("Enter a year, for example 2026."),
            "min_value": _("Enter a year from 2013 to 2100."),
            "max_value": _("Enter a year from 2013 to 2100."),
        },
    )
    quantity_t = _tonnes(
        _("Quantity (t)"),
        _("Offered (for a repurchase: sought). At most what the account holds of the vintage less other auctions."),
    )
    limit_price_yuan = _price(
        _("Price limit (yuan/t)"),
        _(
            "For a sale, the reserve price: no bid below it wins. For a repurchase, the most the bureau pays. "
            "Leave empty to use the year's auction reserve price set in the allocation plan."
        ),
        required=False,
    )
    max_bid_pct = forms.DecimalField(
        label=_("Most one bidder may bid for (percentage of the quantity)"),
        max_digits=5,
        decimal_places=2,
        initial=100,
        error_messages={
            "required": _("Enter a percentage above 0 and at most 100."),
            "invalid": _("Enter a percentage above 0 and at most 100."),
            "max_decimal_places": _("Give the percentage to at most 2 decimal places."),
            "max_digits": _("Enter a percentage above 0 and at most 100."),
            "max_whole_digits": _("Enter a percentage above 0 and at most 100."),
        },
    )
    min_bid_t = _tonnes(_("Smallest bid (t)"), _("Whole tonnes."), initial=1)
    opens_at = _moment(_("Bidding opens"))
    closes_at = _moment(_("Bidding closes"))
    payment_due = forms.DateField(
        label=_("Payment due by"),
        widget=DATE,
        help_text=_("Winners pay by this day; for a repurchase, the bureau pays the units by it."),
        error_messages={"required": _("Enter the day payment is due."), "invalid": _("Enter a real date.")},
    )
    notes = forms.CharField(
        label=_("Announcement"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Published with the auction's rules."),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Give the reason.")},
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve and announce")), ("return", _("Return to the preparer"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a decision.")},
    )
    reason = forms.CharField(
        label=_("Why it is returned"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class BidForm(forms.Form):
    organisation = forms.TypedChoiceField(label=_("Bidding for"), coerce=int, required=False)
    quantity_t = _tonnes(_("Quantity (t)"), _("Whole tonnes."))
    price_yuan = _price(_("Price (yuan/t)"), _("At most 2 decimal places."))

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(u.pk, u.name) for u in units]
        if len(units) <= 1:
            del self.fields["organisation"]
        else:
            self.fields["organisation"].required = True
            self.fields["organisation"].error_messages["required"] = _("Choose the unit you bid for.")


class PaymentForm(forms.Form):
    reference = forms.CharField(
        label=_("Payment reference"),
        max_length=100,
        help_text=_("The bank transfer's reference, as on the statement."),
        error_messages={"required": _("Enter the payment's reference.")},
    )
