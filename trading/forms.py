"""The trading pages' forms. They check the shape of what was typed; the services keep the rules
(balance, holdings, prohibitions, idempotency) and their errors are shown on these forms."""

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

QUANTITY_MAX = 10**15


def new_idempotency_key() -> str:
    """Made when the form is shown: a double submit sends the same key and is replayed, not repeated."""
    return str(uuid.uuid4())


def user_key(user, key) -> str:
    """Keys are scoped to the user who sent them, so nobody can replay or block another's request."""
    return f"ui-{user.pk}-{key}"


def is_idempotency_conflict(exc: ValidationError) -> bool:
    """The ledger's refusal of a key already used for a different request."""
    errors = exc.error_list if hasattr(exc, "error_list") else [e for es in exc.error_dict.values() for e in es]
    return any(getattr(error, "code", None) == "idempotency_conflict" for error in errors)


class IdempotentForm(forms.Form):
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", new_idempotency_key())
        self.fields["idempotency_key"].error_messages = {
            "required": _("The form has expired: check the figures and send it again."),
            "invalid": _("The form has expired: check the figures and send it again."),
        }

    def renew_key(self) -> None:
        """After an idempotency conflict: the next submission is a new request."""
        data = self.data.copy()
        data[self.add_prefix("idempotency_key")] = new_idempotency_key()
        self.data = data


def _quantity_field(label):
    return forms.IntegerField(
        label=label,
        min_value=1,
        max_value=QUANTITY_MAX,
        help_text=_("Whole tonnes of CO2e."),
        error_messages={
            "required": _("Enter the quantity in whole tonnes."),
            "invalid": _("Enter the quantity as a whole number of tonnes."),
            "min_value": _("Enter a quantity of at least 1 tonne."),
            "max_value": _("Enter a smaller quantity."),
        },
    )


def _instrument_field():
    return forms.ChoiceField(
        label=_("Instrument"),
        error_messages={
            "required": _("Choose what to move."),
            "invalid_choice": _("Choose one of the instruments your account holds."),
        },
    )


class VerifyCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Transaction code"),
        max_length=32,
        help_text=_("As printed on the record, for example LT2026051400000042."),
        error_messages={"required": _("Enter a transaction code.")},
    )

    def clean_code(self):
        return self.cleaned_data["code"].strip().upper()


class TransferForm(IdempotentForm):
    to_account = forms.CharField(
        label=_("To account number"),
        max_length=32,
        help_text=_("The receiving unit's holding account: H followed by its credit code."),
        error_messages={"required": _("Enter the account number the units go to.")},
    )
    instrument = _instrument_field()
    quantity_t = _quantity_field(_("Quantity (t)"))
    memo = forms.CharField(
        label=_("Memo"),
        max_length=300,
        required=False,
        help_text=_("For your records, for example the contract number."),
        widget=forms.TextInput,
    )
    field_order = ["to_account", "instrument", "quantity_t", "memo", "idempotency_key"]

    def __init__(self, *args, instruments: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instrument"].choices = [("", _("Choose"))] + instruments

    def clean_to_account(self):
        return self.cleaned_data["to_account"].strip().upper()


class CancellationForm(IdempotentForm):
    instrument = _instrument_field()
    quantity_t = _quantity_field(_("Quantity to cancel (t)"))
    purpose = forms.CharField(
        label=_("Purpose of the cancellation"),
        max_length=300,
        help_text=_("For example: offsetting the emissions of a public event."),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say what the cancellation is for.")},
    )
    field_order = ["instrument", "quantity_t", "purpose", "idempotency_key"]

    def __init__(self, *args, instruments: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instrument"].choices = [("", _("Choose"))] + instruments


class OpenAccountForm(forms.Form):
    uscc = forms.CharField(
        label=_("Unified social credit code"),
        max_length=18,
        min_length=18,
        error_messages={
            "required": _("Enter the organisation's credit code."),
            "min_length": _("A credit code has 18 characters."),
            "max_length": _("A credit code has 18 characters."),
        },
    )

    def clean_uscc(self):
        return self.cleaned_data["uscc"].strip().upper()


class OpenForListForm(forms.Form):
    year = forms.TypedChoiceField(
        label=_("Published list of"),
        coerce=int,
        error_messages={
            "required": _("Choose a published list."),
            "invalid_choice": _("Choose a published list."),
        },
    )

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in years]


class ProhibitionForm(forms.Form):
    prohibited = forms.TypedChoiceField(
        label=_("Trading"),
        choices=[("no", _("May trade")), ("yes", _("May not trade (Art. 32 para 2)"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether the account may trade.")},
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        required=False,
        help_text=_("Required when the account may not trade, for example the holder's role."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReverseForm(IdempotentForm):
    reason = forms.CharField(
        label=_("Why the transaction is reversed"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why the transaction is reversed.")},
    )
    confirm = forms.BooleanField(
        label=_("I have checked the entries: the reversal posts them again with the signs turned"),
        error_messages={"required": _("Confirm that you have checked the entries.")},
    )
    field_order = ["reason", "confirm", "idempotency_key"]
