"""Forms of the verification pages. They check the shape of the input; the rules are the services'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from carbon_portal.models import User
from carbon_portal.roles import Role
from registry.models import Organisation
from registry.selectors import LISTABLE_TYPES

from .choices import BusinessLine, LinkKind

FIRST_YEAR, LAST_YEAR = 2013, 2100


def _year_field(label, **kwargs) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=FIRST_YEAR, max_value=LAST_YEAR, **kwargs)


class AgencyProfileForm(forms.Form):
    registration_number = forms.CharField(label=_("Registration number"), max_length=60)
    registered_on = forms.DateField(
        label=_("Registered on"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    qualifications_zh = forms.CharField(
        label=_("Qualifications (Chinese)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the agency is qualified to do, as the public directory shows it."),
    )
    qualifications_en = forms.CharField(
        label=_("Qualifications (English)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown to readers using English; without it they see the Chinese text."),
    )
    is_listed = forms.BooleanField(label=_("Show in the public directory"), required=False, initial=True)


class YearLineForm(forms.Form):
    year = _year_field(_("Year"))
    line = forms.ChoiceField(label=_("Business line"), choices=BusinessLine.choices)


class ReviewerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    certificate_number = forms.CharField(label=_("Certificate number"), max_length=60, required=False)
    user = forms.ModelChoiceField(
        label=_("Portal account"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Only the agency's own staff can be chosen."),
    )

    def __init__(self, *args, agency: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(
            memberships__organisation=agency, memberships__role=Role.AGENCY_STAFF, memberships__is_active=True
        ).order_by("full_name", "email")


class LinkForm(forms.Form):
    """A tie to a unit, which is named by its unified social credit code."""

    organisation = forms.CharField(
        label=_("Unit's unified social credit code"),
        max_length=18,
        widget=forms.TextInput(attrs={"spellcheck": "false"}),
    )
    kind = forms.ChoiceField(label=_("Kind of tie"), choices=LinkKind.choices)
    description = forms.CharField(label=_("Description"), max_length=300)
    from_year = _year_field(_("From year"))
    to_year = _year_field(_("To year"), required=False, help_text=_("Leave empty while the tie lasts."))

    def clean_organisation(self) -> Organisation:
        code = self.cleaned_data["organisation"].strip().upper()
        found = Organisation.objects.filter(uscc=code, org_type__in=LISTABLE_TYPES).first()
        if found is None:
            raise forms.ValidationError(_("No unit has this credit code."))
        return found


class LinkEndForm(forms.Form):
    to_year = _year_field(_("Last year of the tie"))


class DirectoryFilterForm(forms.Form):
    """The public directory's search: name or credit code, and a business line in a chosen year."""

    q = forms.CharField(label=_("Name or credit code"), required=False)
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False, empty_value=None)
    line = forms.ChoiceField(
        label=_("Business line"), required=False, choices=[("", _("Any"))] + list(BusinessLine.choices)
    )

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(year, str(year)) for year in years]

    def filters(self) -> dict:
        if not self.is_valid():
            return {"q": "", "year": None, "line": ""}
        return {key: self.cleaned_data[key] for key in ("q", "year", "line")}
