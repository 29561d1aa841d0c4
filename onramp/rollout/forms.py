"""Parsing HTML input for rollouts. Rules live in the services."""

from __future__ import annotations

from typing import Any

from django import forms

from onramp.catalog.models import ServiceVersion
from onramp.core.models import Role, User
from onramp.org.models import OrgUnit
from onramp.rollout.models import (
    Comparator,
    Decision,
    LessonCategory,
    Rollout,
    Wave,
    WaveKind,
    WaveStatus,
)
from onramp.rollout.services import metric_choices

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class UnitChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: OrgUnit) -> str:
        return "\u2003" * obj.depth + obj.name


def _units_field(help_text: str) -> UnitChoiceField:
    return UnitChoiceField(
        queryset=OrgUnit.objects.order_by("path"),
        required=False,
        help_text=help_text,
        widget=forms.SelectMultiple(attrs={"size": 10}),
    )


def _managers() -> Any:
    return User.objects.filter(role__in=[Role.OWNER, Role.ADMIN], is_active=True).order_by(
        "username"
    )


class RolloutForm(forms.ModelForm):
    units = _units_field(
        "The target population: people and projects of these units and every unit below them. "
        "Hold Ctrl (⌘ on a Mac) to pick several."
    )

    class Meta:
        model = Rollout
        fields = [
            "name",
            "version",
            "objective",
            "units",
            "adoption_target_pct",
            "adoption_target_date",
            "satisfaction_target",
            "owner",
            "status",
        ]
        widgets = {"objective": forms.Textarea(attrs={"rows": 3}), "adoption_target_date": DATE}

    def __init__(self, *args: Any, service: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = ServiceVersion.objects.filter(service=service)
        self.fields["owner"].queryset = _managers()


class WaveForm(forms.ModelForm):
    units = _units_field(
        "The people of these units (and every unit below) are this wave's cohort. A person "
        "belongs to one wave only; a company-wide wave takes everyone not yet in a wave."
    )
    shift_later = forms.BooleanField(
        required=False,
        label="Shift the later waves by the same number of days",
        help_text="Their gates and open milestone forecasts move with them.",
    )
    accept_over_capacity = forms.BooleanField(
        required=False,
        label="Save even though some units go over their change capacity",
    )

    class Meta:
        model = Wave
        fields = [
            "kind",
            "name",
            "units",
            "rationale",
            "objective",
            "start_date",
            "go_live_date",
            "end_date",
            "status",
            "allow_overlap",
        ]
        widgets = {
            "rationale": forms.Textarea(attrs={"rows": 2}),
            "objective": forms.Textarea(attrs={"rows": 2}),
            "start_date": DATE,
            "go_live_date": DATE,
            "end_date": DATE,
        }

    def __init__(
        self, *args: Any, show_shift: bool = False, show_capacity: bool = False, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        # The checkboxes appear only once the service has reported the matching problem.
        if not show_shift:
            del self.fields["shift_later"]
        if not show_capacity:
            del self.fields["accept_over_capacity"]

    def wave_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("shift_later", None)
        data.pop("accept_over_capacity", None)
        data.pop("units", None)
        return data


class MilestoneForm(forms.Form):
    name = forms.CharField(max_length=200)
    wave = forms.ModelChoiceField(
        queryset=Wave.objects.none(), required=False, empty_label="The whole rollout"
    )
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    planned_date = forms.DateField(widget=DATE)
    forecast_date = forms.DateField(widget=DATE, required=False)
    actual_date = forms.DateField(widget=DATE, required=False, label="Done on")

    def __init__(self, *args: Any, rollout: Rollout, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["wave"].queryset = rollout.waves.order_by("order")
        self.fields["owner"].queryset = (
            User.objects.filter(is_active=True).exclude(role=Role.NONE).order_by("username")
        )


class GateForm(forms.Form):
    name = forms.CharField(max_length=200, initial="Go/no-go")
    wave = forms.ModelChoiceField(
        queryset=Wave.objects.none(), help_text="The wave whose results the gate judges."
    )
    gate_date = forms.DateField(widget=DATE)
    pass_share = forms.DecimalField(
        min_value=0,
        max_value=1,
        decimal_places=2,
        initial="0.80",
        help_text="GO when the weighted share of passed criteria reaches this (0–1).",
    )

    def __init__(self, *args: Any, rollout: Rollout, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["wave"].queryset = rollout.waves.order_by("order")


class CriterionForm(forms.Form):
    metric_key = forms.ChoiceField(label="Metric")
    comparator = forms.ChoiceField(choices=Comparator.choices)
    threshold = forms.FloatField()
    must_have = forms.BooleanField(required=False)
    weight = forms.DecimalField(min_value=0, decimal_places=2, initial="1")
    min_n = forms.IntegerField(min_value=1, required=False, label="Minimum n")

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["metric_key"].choices = metric_choices()


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=Decision.choices)
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why, in a few sentences. It cannot be changed later.",
    )


class LessonApplyForm(forms.Form):
    applied_in_wave = forms.ModelChoiceField(
        queryset=Wave.objects.none(), required=False, help_text="A later wave that applied it."
    )
    applied_in_version = forms.ModelChoiceField(
        queryset=ServiceVersion.objects.none(),
        required=False,
        help_text="A service version that applied it.",
    )

    def __init__(self, *args: Any, wave: Wave, **kwargs: Any):
        super().__init__(*args, **kwargs)
        service = wave.rollout.service
        self.fields["applied_in_wave"].queryset = (
            Wave.objects.filter(rollout__service=service)
            .exclude(pk=wave.pk)
            .select_related("rollout")
            .order_by("rollout_id", "order")
        )
        self.fields["applied_in_version"].queryset = ServiceVersion.objects.filter(service=service)


class LessonForm(LessonApplyForm):
    what_happened = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    category = forms.ChoiceField(choices=LessonCategory.choices)
    what_to_change = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    field_order = ["what_happened", "category", "what_to_change"]


WAVE_KINDS = WaveKind.choices
WAVE_STATUSES = WaveStatus.choices
