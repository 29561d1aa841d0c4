from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from onramp.core.models import TimeStampedModel
from onramp.org.models import Person


class Lifecycle(models.TextChoices):
    DESIGNED = "designed", "Designed"
    ONBOARDING = "onboarding", "Onboarding"
    OPERATING = "operating", "Operating"
    RETIRED = "retired", "Retired"


class AdopterKind(models.TextChoices):
    PEOPLE = "people", "People"
    PROJECTS = "projects", "Projects"


class Service(TimeStampedModel):
    """A PMO service as handed over by Service Development (flywheel step 4)."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    category = models.CharField(max_length=100, blank=True)
    summary = models.CharField(max_length=300, blank=True)
    problem = models.TextField("problem it solves", blank=True)
    value_proposition = models.TextField(blank=True)
    benefits = models.TextField(blank=True, help_text="One benefit per line.")
    target_users = models.TextField(blank=True, help_text="Who is meant to use it.")
    success_measures = models.TextField(blank=True, help_text="One measure per line.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_services",
    )
    sponsor = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="sponsored_services"
    )
    champions = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="championed_services"
    )
    lifecycle = models.CharField(
        max_length=16, choices=Lifecycle.choices, default=Lifecycle.DESIGNED
    )
    adopter_kind = models.CharField(
        "adopted by", max_length=16, choices=AdopterKind.choices, default=AdopterKind.PEOPLE
    )
    adoption_target_pct = models.DecimalField(
        "adoption target (%)",
        max_digits=5,
        decimal_places=1,
        default=85,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    adoption_target_weeks = models.PositiveSmallIntegerField(
        "within (weeks of go-live)", default=12, validators=[MinValueValidator(1)]
    )
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(adoption_target_pct__gte=0, adoption_target_pct__lte=100),
                name="service_target_pct_range",
            ),
            models.CheckConstraint(
                condition=models.Q(adoption_target_weeks__gte=1),
                name="service_target_weeks_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:service_detail", args=[self.slug])

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def adoption_target_text(self) -> str:
        pct = f"{float(self.adoption_target_pct):.1f}".removesuffix(".0")
        return f"{pct}% of the target {self.adopter_kind} within {self.adoption_target_weeks} weeks"

    @property
    def benefit_list(self) -> list[str]:
        return [line.strip() for line in self.benefits.splitlines() if line.strip()]

    @property
    def success_measure_list(self) -> list[str]:
        return [line.strip() for line in self.success_measures.splitlines() if line.strip()]


class ServiceVersion(models.Model):
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="versions")
    version = models.CharField(max_length=32)
    released_on = models.DateField()
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-released_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["service", "version"], name="service_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.service} {self.version}"
