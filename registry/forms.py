from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .choices import EntryCategory, EventKind
from .models import Contact, Facility, InclusionCriterion, Organisation, YearSettings
from .validators import normalise_uscc, validate_uscc


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["uscc", "name_zh", "name_en", "org_type", "industry", "district", "address"]
        help_texts = {"uscc": _("18 characters, as printed on the business licence (GB 32100-2015).")}

    def clean_uscc(self):
        code = normalise_uscc(self.cleaned_data["uscc"])
        validate_uscc(code)
        clash = Organisation.objects.filter(uscc=code).exclude(pk=self.instance.pk).first()
        if clash:
            raise forms.ValidationError(
                _("%(code)s is already registered to %(name)s."), params={"code": code, "name": clash.name_zh}
            )
        return code

    def validate_unique(self):
        # clean_uscc gives a clearer message than the model's generic unique error.
        pass


class UnitOrganisationForm(forms.ModelForm):
    """What a unit's own staff may correct themselves."""

    class Meta:
        model = Organisation
        fields = ["name_en", "address"]


class FacilityForm(forms.ModelForm):
    class Meta:
        model = Facility
        fields = ["code", "name_zh", "name_en", "district", "address"]


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "position", "phone", "email", "is_primary"]


class ImportForm(forms.Form):
    """The bulk import's upload: a spreadsheet, and whether to only check it or to import it."""

    file = forms.FileField(label=_("Spreadsheet"), widget=forms.FileInput(attrs={"accept": ".xlsx,.csv"}))
    mode = forms.ChoiceField(
        label=_("What to do"),
        choices=[
            ("check", _("Check only (dry run): nothing is saved")),
            ("import", _("Import: register every organisation, if every row is valid")),
        ],
        initial="check",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        from .imports import MAX_ROWS  # here, not at the top: imports.py uses OrganisationForm

        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = gettext(
            "An Excel workbook (.xlsx) or a CSV file (UTF-8 or GB18030), at most %(size)s and %(rows)s rows."
        ) % {"size": filesizeformat(settings.UPLOAD_MAX_BYTES), "rows": f"{MAX_ROWS:,}"}


class CompileForm(forms.Form):
    year = forms.IntegerField(label=_("List year"), min_value=2013, max_value=2100)
    basis_from_year = forms.IntegerField(
        label=_("Emissions from year"),
        min_value=2005,
        max_value=2100,
        required=False,
        help_text=_("Leave blank to use the two years before the list year."),
    )
    basis_to_year = forms.IntegerField(label=_("Emissions to year"), min_value=2005, max_value=2100, required=False)


def registered_organisation(value: str) -> tuple[str, Organisation]:
    """A valid credit code that belongs to a registered organisation, or a form error."""
    code = normalise_uscc(value)
    validate_uscc(code)
    org = Organisation.objects.filter(uscc=code).first()
    if org is None:
        raise forms.ValidationError(_("No organisation is registered with the code %(code)s."), params={"code": code})
    return code, org


class AddEntryForm(forms.Form):
    uscc = forms.CharField(label=_("Unified social credit code"), max_length=18)
    category = forms.ChoiceField(label=_("Category"), choices=EntryCategory.choices)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))

    def clean_uscc(self):
        code, self.organisation = registered_organisation(self.cleaned_data["uscc"])
        return code


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve and publish")), ("return", _("Return to the compiler"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Reason for returning"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        data = super().clean()
        if data.get("decision") == "return" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the list is returned."))
        return data


class MergerForm(forms.Form):
    surviving_uscc = forms.CharField(label=_("Credit code of the surviving unit"), max_length=18)
    effective_date = forms.DateField(label=_("Effective date"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_surviving_uscc(self):
        code, self.surviving = registered_organisation(self.cleaned_data["surviving_uscc"])
        return code


class ClosureForm(forms.Form):
    effective_date = forms.DateField(label=_("Effective date"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class SplitForm(forms.Form):
    """One line per facility that changes owner: facility code, new owner's credit code, share."""

    effective_date = forms.DateField(label=_("Effective date"), widget=forms.DateInput(attrs={"type": "date"}))
    transfers = forms.CharField(
        label=_("Facilities moving"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One line per facility: facility code, credit code of the new owner, share of emissions "
            "(0 to 1), separated by commas."
        ),
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, organisation=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation

    def clean_transfers(self):
        from decimal import Decimal, InvalidOperation

        result = []
        for number, line in enumerate(self.cleaned_data["transfers"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split(",")]
            if len(parts) != 3:
                raise forms.ValidationError(
                    _("Line %(n)s: give facility code, credit code and share."), params={"n": number}
                )
            code, uscc, share_text = parts
            facility = self.organisation.facilities.filter(code=code).first()
            if facility is None:
                raise forms.ValidationError(
                    _("Line %(n)s: %(code)s is not a facility of this unit."), params={"n": number, "code": code}
                )
            target = Organisation.objects.filter(uscc=normalise_uscc(uscc)).first()
            if target is None:
                raise forms.ValidationError(
                    _("Line %(n)s: no organisation has the code %(code)s."), params={"n": number, "code": uscc}
                )
            try:
                share = Decimal(share_text)
            except InvalidOperation:
                share = Decimal(-1)
            if not Decimal(0) <= share <= Decimal(1):
                raise forms.ValidationError(
                    _("Line %(n)s: the share must be a number from 0 to 1."), params={"n": number}
                )
            result.append((facility, target, share))
        if not result:
            raise forms.ValidationError(_("A split must move at least one facility."))
        return result


EVENT_FORMS = {
    EventKind.MERGER: MergerForm,
    EventKind.SPLIT: SplitForm,
    EventKind.SHUTDOWN: ClosureForm,
    EventKind.RELOCATION: ClosureForm,
}


class CriterionForm(forms.ModelForm):
    class Meta:
        model = InclusionCriterion
        fields = [
            "effective_from_year",
            "regulated_threshold_tco2e",
            "reporting_threshold_tco2e",
            "legal_basis_zh",
            "legal_basis_en",
        ]

    def clean(self):
        data = super().clean()
        reg, rep = data.get("regulated_threshold_tco2e"), data.get("reporting_threshold_tco2e")
        if reg is not None and rep is not None and rep > reg:
            self.add_error(
                "reporting_threshold_tco2e", _("The reporting threshold cannot be above the regulated threshold.")
            )
        return data

    def validate_unique(self):
        pass  # versions are numbered by the service


class YearSettingsForm(forms.ModelForm):
    class Meta:
        model = YearSettings
        fields = [
            "plan_due_date",
            "report_due_date",
            "review_due_date",
            "determination_days",
            "objection_window_working_days",
            "objection_decision_working_days",
            "reexam_report_vs_review_pct",
            "reexam_report_vs_review_tco2e",
            "reexam_year_on_year_pct",
            "surrender_deadline",
            "note",
        ]
        widgets = {
            name: forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
            for name in ["plan_due_date", "report_due_date", "review_due_date", "surrender_deadline"]
        }

    def validate_unique(self):
        pass
