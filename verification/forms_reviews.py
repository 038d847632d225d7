"""Forms of the technical review pages. They check the shape of the input and keep what was typed;
the rules (figures, recalculation, completeness) are the services' (services/reviews.py)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from reporting.models.factors import plain_decimal

from .choices import FindingKind, ReviewConclusion
from .selectors.reviews import ComparisonRow


class ReviewForm(forms.Form):
    """The whole draft on one page: a reviewed activity figure and a note per source line, the
    lead reviewer, the conclusion, unreported sources and the signed PDF."""

    reviewer = forms.ModelChoiceField(
        label=_("Lead reviewer"),
        queryset=None,
        required=False,
        empty_label=_("Choose a reviewer"),
        help_text=_("The reviewer who signs the technical review report."),
    )
    conclusion = forms.ChoiceField(
        label=_("Conclusion"),
        required=False,
        choices=[("", _("Not chosen yet")), *ReviewConclusion.choices],
        help_text=_('"Report confirmed as filed" only when every reviewed figure is the reported one.'),
    )
    conclusion_text = forms.CharField(
        label=_("Conclusion in words"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    # Kept as text: the service reads the figure and says what is wrong with it.
    unreported_tco2e = forms.CharField(
        label=_("Emissions of sources the report left out (tCO2e)"),
        required=False,
        max_length=40,
        help_text=_("Sources found on site that the report does not list; 0 if none."),
    )
    unreported_note = forms.CharField(
        label=_("Sources the report left out"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    document = forms.FileField(
        label=_("Signed technical review report (PDF)"),
        required=False,
        help_text=_("Uploading a file replaces the one attached to this draft."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
    confirm = forms.BooleanField(
        label=_("I confirm this review is complete and signed: once submitted it cannot be changed."),
        required=False,
    )

    def __init__(self, *args, rows: list[ComparisonRow], reviewers, submitting: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows, self.submitting = rows, submitting
        self.fields["reviewer"].queryset = reviewers
        for row in rows:
            pk, unit = row.line.pk, row.line.get_activity_unit_display()
            # Short labels: the error summary adds the message, which names the line itself. The
            # page draws these inputs in the table (review_edit.html), narrower than a form's.
            self.fields[f"activity_{pk}"] = forms.CharField(
                label=_("Reviewed activity data (%(unit)s)") % {"unit": unit},
                required=False,
                max_length=40,
                # Plain digits, no grouping: the value goes back through the form as typed.
                initial="" if row.reviewed_activity is None else plain_decimal(row.reviewed_activity),
            )
            self.fields[f"note_{pk}"] = forms.CharField(
                label=_("Note"), required=False, max_length=500, initial=row.note
            )

        # The lines come first, in the page's order, so the error summary lists them first too.
        lines = [name for name in self.fields if name.startswith(("activity_", "note_"))]
        self.fields = {name: self.fields[name] for name in lines} | {
            name: field for name, field in self.fields.items() if name not in lines
        }

    def clean(self):
        cleaned = super().clean()
        if self.submitting and not cleaned.get("confirm"):
            self.add_error("confirm", _("Confirm that the review is complete before submitting it."))
        return cleaned

    def line_fields(self) -> list[tuple[ComparisonRow, forms.BoundField, forms.BoundField]]:
        return [(row, self[f"activity_{row.line.pk}"], self[f"note_{row.line.pk}"]) for row in self.rows]

    def figures(self) -> dict[int, tuple[str, str]]:
        """{report line id: (reviewed activity as typed, note)} for the service."""
        data = self.cleaned_data
        return {row.line.pk: (data[f"activity_{row.line.pk}"], data[f"note_{row.line.pk}"]) for row in self.rows}


class FindingForm(forms.Form):
    """A finding to add to the draft; left empty, nothing is added."""

    kind = forms.ChoiceField(
        label=_("Kind of finding"), required=False, choices=[("", _("Choose")), *FindingKind.choices]
    )
    report_line = forms.TypedChoiceField(
        label=_("Source line"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("Leave empty if it concerns the report as a whole."),
    )
    description = forms.CharField(label=_("Finding"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    effect_tco2e = forms.CharField(
        label=_("Effect on emissions (tCO2e)"),
        required=False,
        max_length=40,
        help_text=_("If known; negative if the finding lowers the emissions."),
    )

    def __init__(self, *args, rows: list[ComparisonRow], **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = {row.line.pk: row.line for row in rows}
        self.fields["report_line"].choices = [("", _("The report as a whole"))] + [
            (row.line.pk, f"{row.line.facility.code} · {row.line.source_description}") for row in rows
        ]

    def has_content(self) -> bool:
        data = self.cleaned_data
        return any(data.get(name) not in (None, "") for name in ("kind", "report_line", "description", "effect_tco2e"))

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "description": data["description"],
            "report_line": self.lines.get(data["report_line"]),
            "effect_tco2e": data["effect_tco2e"],
        }


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("What the agency must correct"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Say what the agency must correct.")},
    )
