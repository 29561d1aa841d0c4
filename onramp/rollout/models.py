"""Rollouts: a service launched into the organisation in waves (pilot -> waves -> company-wide),
with milestones, go/no-go gates computed from registered metrics, lessons learned and the change
load the waves put on each org unit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from onramp.catalog.models import Service, ServiceVersion
from onramp.core.models import TimeStampedModel
from onramp.org.models import OrgUnit


class RolloutStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    ON_HOLD = "on_hold", "On hold"
    CANCELLED = "cancelled", "Cancelled"


class Rollout(TimeStampedModel):
    """One launch of a service (a service may have several over time, e.g. one per major
    version). The target population is its org units, descendants included."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="rollouts")
    version = models.ForeignKey(
        ServiceVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="rollouts"
    )
    name = models.CharField(max_length=200)
    objective = models.TextField(blank=True)
    units = models.ManyToManyField(OrgUnit, blank=True, related_name="rollouts")
    adoption_target_pct = models.DecimalField(
        "adoption target (%)",
        max_digits=5,
        decimal_places=1,
        default=Decimal("85"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    adoption_target_date = models.DateField("adoption target date", null=True, blank=True)
    satisfaction_target = models.DecimalField(
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="For example an NPS of 30 or a CSAT of 80 (%).",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_rollouts",
    )
    status = models.CharField(
        max_length=16, choices=RolloutStatus.choices, default=RolloutStatus.PLANNED
    )

    class Meta:
        ordering = ["service__name", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(adoption_target_pct__gte=0, adoption_target_pct__lte=100),
                name="rollout_target_pct_range",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in RolloutStatus]),
                name="rollout_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("rollout:rollout_detail", args=[self.pk])


class WaveKind(models.TextChoices):
    PILOT = "pilot", "Pilot"
    WAVE = "wave", "Wave"
    COMPANY_WIDE = "company_wide", "Company-wide"


class WaveStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    ACTIVE = "active", "Active"
    HYPERCARE = "hypercare", "Hypercare"
    CLOSED = "closed", "Closed"
    ON_HOLD = "on_hold", "On hold"


class Wave(TimeStampedModel):
    """A cohort of the rollout, bound to org units (descendants included). A company-wide wave
    reaches everyone in its units whom no other wave of the rollout targets."""

    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="waves")
    order = models.PositiveSmallIntegerField(default=1)
    kind = models.CharField(max_length=16, choices=WaveKind.choices, default=WaveKind.WAVE)
    name = models.CharField(max_length=200)
    units = models.ManyToManyField(OrgUnit, blank=True, related_name="waves")
    rationale = models.TextField(
        "selection rationale",
        blank=True,
        help_text="Why these units: learning value, risk containment, momentum, resources.",
    )
    objective = models.TextField(blank=True)
    start_date = models.DateField()
    go_live_date = models.DateField()
    end_date = models.DateField()
    status = models.CharField(max_length=16, choices=WaveStatus.choices, default=WaveStatus.PLANNED)
    allow_overlap = models.BooleanField(
        "may overlap other waves",
        default=False,
        help_text="Tick to let this wave's dates overlap another wave of the same rollout.",
    )

    class Meta:
        ordering = ["rollout_id", "order", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(go_live_date__gte=models.F("start_date"))
                & models.Q(end_date__gte=models.F("go_live_date")),
                name="wave_dates_in_order",
                violation_error_message=("The dates must run in order: start ≤ go-live ≤ end."),
            ),
            models.UniqueConstraint(fields=["rollout", "order"], name="wave_order_unique"),
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in WaveStatus]),
                name="wave_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("rollout:rollout_detail", args=[self.rollout_id]) + f"#wave-{self.pk}"

    def overlaps(self, start: dt.date, end: dt.date) -> bool:
        return self.start_date <= end and start <= self.end_date


class PlanningSettings(models.Model):
    """One row of settings PMO admins change in the admin: change capacity and milestone RAG
    thresholds."""

    default_capacity = models.PositiveSmallIntegerField(
        "change activities a unit can absorb per week",
        default=3,
        validators=[MinValueValidator(1)],
    )
    slip_amber_days = models.PositiveSmallIntegerField(
        "amber from a slip of (days)", default=1, validators=[MinValueValidator(1)]
    )
    slip_red_days = models.PositiveSmallIntegerField(
        "red from a slip of (days)", default=10, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = "planning settings"
        verbose_name_plural = "planning settings"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(slip_red_days__gt=models.F("slip_amber_days")),
                name="planning_red_after_amber",
            )
        ]

    def __str__(self) -> str:
        return "Planning settings"


class UnitCapacity(models.Model):
    """A unit whose change capacity differs from the default."""

    unit = models.OneToOneField(OrgUnit, on_delete=models.CASCADE, related_name="change_capacity")
    capacity = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name_plural = "unit capacities"

    def __str__(self) -> str:
        return f"{self.unit}: {self.capacity} per week"


class Rag(models.TextChoices):
    GREEN = "green", "Green"
    AMBER = "amber", "Amber"
    RED = "red", "Red"


class Milestone(TimeStampedModel):
    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="milestones")
    wave = models.ForeignKey(
        Wave, null=True, blank=True, on_delete=models.CASCADE, related_name="milestones"
    )
    name = models.CharField(max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rollout_milestones",
    )
    planned_date = models.DateField()
    forecast_date = models.DateField(null=True, blank=True)
    actual_date = models.DateField("done on", null=True, blank=True)

    class Meta:
        ordering = ["planned_date", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_done(self) -> bool:
        return self.actual_date is not None

    def slip_days(self, today: dt.date) -> int:
        """Days behind the plan: actual - planned once done, else forecast (or planned) -
        planned, where a date already passed without completion counts as today."""
        if self.actual_date is not None:
            return (self.actual_date - self.planned_date).days
        expected = self.forecast_date or self.planned_date
        return (max(expected, today) - self.planned_date).days

    def rag(self, today: dt.date, *, amber_days: int, red_days: int) -> str:
        slip = self.slip_days(today)
        if slip >= red_days:
            return Rag.RED
        if slip >= amber_days:
            return Rag.AMBER
        return Rag.GREEN


class GateResult(models.TextChoices):
    GO = "go", "Go"
    CONDITIONAL = "conditional", "Conditional"
    NO_GO = "no_go", "No-go"
    PENDING = "pending", "Pending"


class Gate(TimeStampedModel):
    """A go/no-go gate after a wave: its criteria are measured over that wave's scope."""

    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="gates")
    wave = models.ForeignKey(
        Wave,
        on_delete=models.CASCADE,
        related_name="gates",
        help_text="The wave whose results the gate judges.",
    )
    name = models.CharField(max_length=200)
    gate_date = models.DateField("gate date")
    pass_share = models.DecimalField(
        "share of weighted criteria to pass",
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.80"),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )

    class Meta:
        ordering = ["gate_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pass_share__gte=0, pass_share__lte=1),
                name="gate_pass_share_range",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("rollout:gate_detail", args=[self.pk])


class Comparator(models.TextChoices):
    GTE = ">=", "≥"
    GT = ">", ">"
    LTE = "<=", "≤"
    LT = "<", "<"
    EQ = "==", "="


class GateCriterion(models.Model):
    gate = models.ForeignKey(Gate, on_delete=models.CASCADE, related_name="criteria")
    metric_key = models.CharField(max_length=100)
    comparator = models.CharField(max_length=2, choices=Comparator.choices, default=Comparator.GTE)
    threshold = models.FloatField()
    must_have = models.BooleanField(
        default=False, help_text="A failed must-have makes the gate NO-GO, whatever the rest."
    )
    weight = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("1"), validators=[MinValueValidator(0)]
    )
    min_n = models.PositiveIntegerField(
        "minimum n",
        null=True,
        blank=True,
        help_text="Below this many data points the criterion stays PENDING (e.g. NPS with n ≥ 30).",
    )

    class Meta:
        ordering = ["-must_have", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(comparator__in=[c.value for c in Comparator]),
                name="criterion_comparator_valid",
            ),
            models.CheckConstraint(condition=models.Q(weight__gte=0), name="criterion_weight_pos"),
        ]

    def __str__(self) -> str:
        text = f"{self.metric_key} {self.comparator} {self.threshold:g}"
        if self.min_n:
            text += f" (n ≥ {self.min_n})"
        return text


class GateEvaluation(models.Model):
    """One evaluation of a gate, kept with every measured value. Never updated."""

    gate = models.ForeignKey(Gate, on_delete=models.CASCADE, related_name="evaluations")
    as_of = models.DateField()
    evaluated_at = models.DateTimeField(auto_now_add=True)
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    result = models.CharField(max_length=16, choices=GateResult.choices)
    share = models.FloatField(null=True, blank=True)
    snapshot = models.JSONField(default=list)
    actions = models.TextField(blank=True)

    class Meta:
        ordering = ["-evaluated_at", "-id"]

    def __str__(self) -> str:
        return f"{self.gate}: {self.get_result_display()} ({self.as_of})"


class Decision(models.TextChoices):
    GO = "go", "Go"
    NO_GO = "no_go", "No-go"
    CONDITIONAL = "conditional", "Conditional go"
    POSTPONE = "postpone", "Postpone"


class GateDecision(models.Model):
    """The decision taken at a gate. Created once, never edited: a database trigger refuses
    updates (see migration 0002), and a new decision is added instead."""

    gate = models.ForeignKey(Gate, on_delete=models.CASCADE, related_name="decisions")
    evaluation = models.ForeignKey(
        GateEvaluation, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    decision = models.CharField(max_length=16, choices=Decision.choices)
    rationale = models.TextField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(decision__in=[d.value for d in Decision]),
                name="decision_valid",
            ),
            models.CheckConstraint(condition=~models.Q(rationale=""), name="decision_rationale"),
        ]

    def __str__(self) -> str:
        return f"{self.gate}: {self.get_decision_display()}"


class LessonCategory(models.TextChoices):
    PLANNING = "planning", "Planning"
    COMMUNICATION = "communication", "Communication"
    TRAINING = "training", "Training and support"
    TECHNICAL = "technical", "Technical"
    DATA = "data", "Data"
    PEOPLE = "people", "People and culture"
    OTHER = "other", "Other"


class Lesson(TimeStampedModel):
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="lessons")
    what_happened = models.TextField()
    category = models.CharField(
        max_length=16, choices=LessonCategory.choices, default=LessonCategory.OTHER
    )
    what_to_change = models.TextField()
    applied_in_wave = models.ForeignKey(
        Wave, null=True, blank=True, on_delete=models.SET_NULL, related_name="applied_lessons"
    )
    applied_in_version = models.ForeignKey(
        ServiceVersion,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="applied_lessons",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.what_happened[:60]


class CalendarToken(models.Model):
    """A per-user secret for the iCalendar subscription URL. Only its SHA-256 is stored."""

    # The audit trail records who made or stopped a link, not the hash or each calendar poll.
    audit_exclude_fields = ["token_hash", "last_used_at"]

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_tokens"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} calendar ({self.hint}…)"
