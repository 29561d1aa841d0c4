from __future__ import annotations

from django import forms

from onramp.core.chat import personal_chat_channels
from onramp.surveys.instruments import INSTRUMENTS
from onramp.surveys.models import Anonymity, Delivery, QuestionKind, Recurrence, Survey

CUSTOM_KINDS = [
    (QuestionKind.SCALE, "Rating scale"),
    (QuestionKind.SINGLE, "Single choice"),
    (QuestionKind.MULTI, "Multiple choice"),
    (QuestionKind.SHORT_TEXT, "Short text"),
    (QuestionKind.LONG_TEXT, "Long text"),
]


class SurveyForm(forms.ModelForm):
    instruments = forms.MultipleChoiceField(
        choices=[(k, i.label) for k, i in INSTRUMENTS.items()],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Standard questions with their published wording and scoring. You can add custom questions next.",
    )

    class Meta:
        model = Survey
        fields = [
            "service",
            "title",
            "intro",
            "anonymity",
            "rollout",
            "wave",
            "opens_on",
            "closes_on",
            "recurrence",
            "delivery",
            "min_group",
            "min_comments",
        ]
        widgets = {
            "opens_on": forms.DateInput(attrs={"type": "date"}),
            "closes_on": forms.DateInput(attrs={"type": "date"}),
            "intro": forms.Textarea(attrs={"rows": 2}),
            "anonymity": forms.RadioSelect,
            "delivery": forms.RadioSelect,
        }

    def __init__(self, *args, services=None, **kwargs):
        super().__init__(*args, **kwargs)
        if services is not None:
            self.fields["service"].queryset = services
        from onramp.rollout.models import Rollout, Wave

        self.fields["rollout"].queryset = Rollout.objects.select_related("service").order_by(
            "service__name", "name"
        )
        self.fields["wave"].queryset = Wave.objects.select_related("rollout").order_by(
            "rollout__name", "order"
        )
        self.fields["rollout"].label_from_instance = lambda r: f"{r.service.name} — {r.name}"
        self.fields["wave"].label_from_instance = lambda w: f"{w.rollout.name} — {w.name}"
        self.fields[
            "rollout"
        ].help_text = (
            "Optional: ties results to a rollout and lets you invite its whole target population."
        )
        self.fields[
            "wave"
        ].help_text = "Optional: a pulse for one wave (e.g. monthly from its go-live)."
        self.fields[
            "recurrence"
        ].help_text = "A recurring pulse opens a new round each period, anchored on the opening date, and invites the same people."
        self._offer_configured_channels()
        if self.instance.pk:
            del self.fields["instruments"]
            del self.fields["service"]
            if self.instance.mode_locked:
                self.fields["anonymity"].disabled = True
                self.fields[
                    "anonymity"
                ].help_text = "Fixed: responses have arrived under this mode."

    def _offer_configured_channels(self) -> None:
        """Email always; Slack and Teams only once configured (and a survey's current choice,
        marked, if its channel was switched off since)."""
        on = set(personal_chat_channels())
        current = self.instance.delivery if self.instance.pk else None
        choices = []
        for value, label in Delivery.choices:
            if value == Delivery.EMAIL or value in on:
                choices.append((value, label))
            elif value == current:
                choices.append((value, f"{label} (not configured: invitations go by email)"))
        field = self.fields["delivery"]
        field.choices = choices
        field.required = False  # left out: email, or the survey's current choice
        off = [
            label
            for value, label in Delivery.choices
            if value != Delivery.EMAIL and value not in on
        ]
        field.help_text = (
            "Invitations, reminders and recurring rounds go out this way; Slack and Teams find "
            "people by their email address, and people without one are skipped."
        )
        if off:
            field.help_text += (
                f" {' and '.join(off)}: not configured on this Onramp (a PMO admin can turn "
                f"{'it' if len(off) == 1 else 'them'} on, see docs/surveys.md)."
            )

    def clean_delivery(self) -> str:
        current = self.instance.delivery if self.instance.pk else Delivery.EMAIL
        return self.cleaned_data.get("delivery") or current


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(choices=CUSTOM_KINDS)
    text = forms.CharField(max_length=500)
    required = forms.BooleanField(required=False, initial=True)
    options = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="For choice questions: one option per line.",
    )
    scale_min = forms.IntegerField(required=False, initial=1)
    scale_max = forms.IntegerField(required=False, initial=5)
    low_label = forms.CharField(max_length=60, required=False)
    high_label = forms.CharField(max_length=60, required=False)


class DistributeForm(forms.Form):
    rollout = forms.BooleanField(required=False, label="Everyone in the survey's rollout")
    wave = forms.BooleanField(required=False, label="Everyone in the survey's wave")
    units = forms.CharField(
        required=False, help_text="Org unit codes, comma-separated (units below included)."
    )
    title_contains = forms.CharField(required=False, label="Role (job title contains)")
    identifiers = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Named people",
        help_text="Employee ids or emails, one per line.",
    )

    def clean_units(self) -> list[int]:
        from onramp.org.models import OrgUnit

        codes = [c.strip() for c in self.cleaned_data["units"].split(",") if c.strip()]
        found = dict(OrgUnit.objects.filter(code__in=codes).values_list("code", "id"))
        missing = [c for c in codes if c not in found]
        if missing:
            raise forms.ValidationError(f"Unknown unit code(s): {', '.join(missing)}.")
        return list(found.values())


class ImportForm(forms.Form):
    file = forms.FileField(
        help_text="A Microsoft Forms export (XLSX or CSV) or a SurveyMonkey CSV export (two header rows)."
    )
    format = forms.ChoiceField(
        choices=[
            ("auto", "Detect"),
            ("msforms", "Microsoft Forms"),
            ("surveymonkey", "SurveyMonkey"),
        ]
    )


__all__ = ["Anonymity", "DistributeForm", "ImportForm", "QuestionForm", "Recurrence", "SurveyForm"]
