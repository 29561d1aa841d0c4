from __future__ import annotations

from django import forms

from onramp.catalog.models import Service, ServiceVersion
from onramp.core.models import Role, User
from onramp.org.models import Person


class ServiceForm(forms.ModelForm):
    sponsor_employee_id = forms.CharField(
        label="Sponsor (employee id or email)",
        required=False,
        help_text="The executive who sponsors the service, from the organisation.",
    )

    class Meta:
        model = Service
        fields = [
            "name",
            "slug",
            "category",
            "summary",
            "problem",
            "value_proposition",
            "benefits",
            "target_users",
            "success_measures",
            "owner",
            "lifecycle",
            "adopter_kind",
            "adoption_target_pct",
            "adoption_target_weeks",
        ]
        widgets = {
            "problem": forms.Textarea(attrs={"rows": 3}),
            "value_proposition": forms.Textarea(attrs={"rows": 3}),
            "benefits": forms.Textarea(attrs={"rows": 3}),
            "target_users": forms.Textarea(attrs={"rows": 2}),
            "success_measures": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"slug": "Used in links; leave empty to derive it from the name."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        self.fields["owner"].queryset = User.objects.filter(
            role__in=[Role.OWNER, Role.ADMIN], is_active=True
        ).order_by("first_name", "last_name", "username")
        # People by name (with the username, which tells two namesakes apart).
        self.fields["owner"].label_from_instance = lambda u: (
            f"{u.get_full_name()} ({u.username})" if u.get_full_name() else u.username
        )
        if self.instance.pk and self.instance.sponsor_id:
            self.initial["sponsor_employee_id"] = self.instance.sponsor.employee_id

    def clean_sponsor_employee_id(self) -> Person | None:
        value = self.cleaned_data["sponsor_employee_id"].strip()
        if not value:
            return None
        person = (
            Person.objects.filter(employee_id=value).first()
            or Person.objects.filter(email__iexact=value).first()
        )
        if person is None:
            raise forms.ValidationError(f"No person with employee id or email “{value}”.")
        return person

    def service_fields(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k != "sponsor_employee_id"}
        data["sponsor"] = self.cleaned_data.get("sponsor_employee_id")
        return data


class ServiceVersionForm(forms.ModelForm):
    class Meta:
        model = ServiceVersion
        fields = ["version", "released_on", "notes"]
        widgets = {
            "released_on": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }
