"""Parsing the adoption pages' HTML input."""

from __future__ import annotations

from django import forms

from onramp.adoption.models import AdoptionRule, IngestMode
from onramp.adoption.usage_file import ALIASES, FORMATS


class UsageUploadForm(forms.Form):
    file = forms.FileField(
        label="Usage log",
        help_text="CSV with a header row, JSON Lines (.jsonl) or Parquet. Columns: timestamp, "
        "user (email or employee id) or project (code), action; optional service and count.",
    )

    def clean_file(self):  # type: ignore[no-untyped-def]
        upload = self.cleaned_data["file"]
        suffix = "." + upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
        if suffix not in FORMATS:
            raise forms.ValidationError(
                f"{upload.name} is not a CSV, JSON Lines or Parquet file: export the log as one "
                "of those."
            )
        return upload


class IngestConfirmForm(forms.Form):
    mode = forms.ChoiceField(
        choices=IngestMode.choices,
        initial=IngestMode.REPLACE,
        widget=forms.RadioSelect,
        help_text="Replace: the days in this file replace what was imported for them. Add: "
        "its events are added (for logs split into several files per day).",
    )
    skip_bad_rows = forms.BooleanField(
        required=False, label="Skip rows that cannot be used (they are counted)"
    )

    def __init__(self, *args, headers: list[str], **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        choices = [("", "(not in the file)")] + [(h, h) for h in headers]
        for name in ALIASES:
            self.fields[f"map_{name}"] = forms.ChoiceField(
                label=f"{name.capitalize()} column", choices=choices, required=False
            )


class MapIdentityForm(forms.Form):
    who = forms.CharField(
        label="Person (employee id or email)",
        max_length=254,
        help_text="The person this identity is. Their activity moves to them.",
    )


class RuleForm(forms.ModelForm):
    class Meta:
        model = AdoptionRule
        fields = ["qualifying_actions", "min_active_days", "window_days"]
        widgets = {"qualifying_actions": forms.Textarea(attrs={"rows": 4})}
