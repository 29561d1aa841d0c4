"""Surveys: instruments with standard wording, distribution by personal link, responses whose
anonymity holds in the database itself.

Anonymous mode: a Response has no link to the person nor to the invitation; the invitation only
records that it was used (for reminders and one-response-per-person), never when; the response
keeps the day it arrived and an org unit coarsened to a level holding at least the survey's
minimum group size of invitees. None of these models is audited (their audit rows would carry
the respondent's address).
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse

from onramp.catalog.models import Service
from onramp.core.models import TimeStampedModel
from onramp.org.models import OrgUnit, Person


class Anonymity(models.TextChoices):
    ANONYMOUS = "anonymous", "Anonymous: answers are never linked to the person"
    CONFIDENTIAL = "confidential", "Confidential: linked, visible only to PMO admins"
    IDENTIFIED = "identified", "Identified: linked and visible to those who see results"


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Recurrence(models.TextChoices):
    NONE = "none", "Once"
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"


class Delivery(models.TextChoices):
    """How invitations and reminders reach people: the values are outbox channels. Slack and
    Teams find the person by their email address (onramp.core.chat)."""

    EMAIL = "email", "Email"
    SLACK = "slack_dm", "Slack direct message"
    TEAMS = "teams_dm", "Microsoft Teams chat"


class Survey(TimeStampedModel):
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="surveys")
    rollout = models.ForeignKey(
        "rollout.Rollout", null=True, blank=True, on_delete=models.SET_NULL, related_name="surveys"
    )
    wave = models.ForeignKey(
        "rollout.Wave", null=True, blank=True, on_delete=models.SET_NULL, related_name="surveys"
    )
    title = models.CharField(max_length=200)
    intro = models.TextField(blank=True, help_text="Shown above the questions.")
    anonymity = models.CharField(
        max_length=16, choices=Anonymity.choices, default=Anonymity.ANONYMOUS
    )
    status = models.CharField(
        max_length=8, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT
    )
    opens_on = models.DateField(null=True, blank=True)
    closes_on = models.DateField(null=True, blank=True)
    min_group = models.PositiveSmallIntegerField(
        "minimum group size", default=5, help_text="Results of fewer answers are hidden."
    )
    min_comments = models.PositiveSmallIntegerField(
        "minimum group for comments",
        default=8,
        help_text="Free-text answers of fewer people are hidden.",
    )
    recurrence = models.CharField(
        max_length=12, choices=Recurrence.choices, default=Recurrence.NONE
    )
    delivery = models.CharField(
        "send invitations by",
        max_length=12,
        choices=Delivery.choices,
        default=Delivery.EMAIL,
        help_text="Invitations, reminders and recurring rounds go out this way.",
    )
    series = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rounds",
        help_text="The first survey of a recurring pulse; each round points at it.",
    )
    round_number = models.PositiveSmallIntegerField(default=1)
    period_start = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    imported_from = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_group__gte=3), name="survey_min_group_at_least_3"
            ),
            models.CheckConstraint(
                condition=models.Q(min_comments__gte=models.F("min_group")),
                name="survey_comment_threshold_not_below_group",
            ),
            models.CheckConstraint(
                condition=models.Q(closes_on__isnull=True)
                | models.Q(opens_on__isnull=True)
                | models.Q(closes_on__gte=models.F("opens_on")),
                name="survey_closes_after_opening",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("surveys:survey_detail", args=[self.pk])

    @property
    def mode_locked(self) -> bool:
        """The anonymity mode is fixed once the first response arrives."""
        return self.responses.exists()


class QuestionKind(models.TextChoices):
    NPS = "nps", "NPS (0-10)"
    CSAT = "csat", "CSAT (1-5)"
    CES = "ces", "CES (1-7)"
    SUS = "sus", "SUS item (1-5)"
    ADKAR = "adkar", "ADKAR item (1-5)"
    SCALE = "scale", "Rating scale"
    SINGLE = "single", "Single choice"
    MULTI = "multi", "Multiple choice"
    SHORT_TEXT = "short_text", "Short text"
    LONG_TEXT = "long_text", "Long text"


SCORED_KINDS = {
    QuestionKind.NPS,
    QuestionKind.CSAT,
    QuestionKind.CES,
    QuestionKind.SUS,
    QuestionKind.ADKAR,
    QuestionKind.SCALE,
}
TEXT_KINDS = {QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT}


class Question(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=12, choices=QuestionKind.choices)
    instrument = models.CharField(
        max_length=20, blank=True, help_text="nps, csat, ces, sus, adkar, training or custom"
    )
    item = models.CharField(
        max_length=20,
        blank=True,
        help_text="The item within its instrument: sus1..sus10, awareness...",
    )
    text = models.CharField(max_length=500)
    help_text = models.CharField(max_length=300, blank=True)
    required = models.BooleanField(default=True)
    scale_min = models.SmallIntegerField(null=True, blank=True)
    scale_max = models.SmallIntegerField(null=True, blank=True)
    low_label = models.CharField(max_length=60, blank=True)
    high_label = models.CharField(max_length=60, blank=True)
    options = models.JSONField(default=list, blank=True)
    # A follow-up shown only when the question it follows got a score in [show_min, show_max].
    follows = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="followups"
    )
    show_min = models.SmallIntegerField(null=True, blank=True)
    show_max = models.SmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.text

    @property
    def is_scored(self) -> bool:
        return self.kind in SCORED_KINDS

    @property
    def is_text(self) -> bool:
        return self.kind in TEXT_KINDS

    @property
    def scale(self) -> list[int]:
        if self.scale_min is None or self.scale_max is None:
            return []
        return list(range(self.scale_min, self.scale_max + 1))

    def shows_for(self, score: int | None) -> bool:
        if self.follows_id is None:
            return True
        if score is None:
            return False
        low = self.show_min if self.show_min is not None else -(10**6)
        high = self.show_max if self.show_max is not None else 10**6
        return low <= score <= high


def hash_survey_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class Invitation(models.Model):
    """One person's personal link to one survey. Only the token's hash is kept."""

    audit_exclude = True

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="survey_invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    invited_on = models.DateField()
    sent_at = models.DateTimeField(null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    # In anonymous mode only this flag is kept: not when, and no link to the response.
    responded = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "person"], name="invitation_once_per_person")
        ]
        indexes = [models.Index(fields=["person", "invited_on"])]

    def __str__(self) -> str:
        return f"{self.survey} → {self.person}"

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(24)  # 192 bits


class Response(models.Model):
    audit_exclude = True

    # No index of its own: the (survey, submitted_on) index below leads with it.
    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="responses", db_index=False
    )
    # Set only in confidential and identified modes.
    invitation = models.OneToOneField(
        Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="response"
    )
    person = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_responses",
        db_index=False,  # indexed where set: see Meta.indexes
    )
    # In anonymous mode, coarsened to a unit with at least min_group invitees.
    unit = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    wave = models.ForeignKey(
        "rollout.Wave",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # indexed where set: see Meta.indexes
    )
    job_title = models.CharField(
        max_length=200, blank=True, help_text="Kept in identified modes only."
    )
    submitted_on = models.DateField()
    source = models.CharField(max_length=20, default="web")
    external_id = models.CharField(
        max_length=100, blank=True, help_text="Row id of an imported response."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "external_id"],
                condition=~models.Q(external_id=""),
                name="response_import_once",
            )
        ]
        indexes = [
            models.Index(fields=["survey", "submitted_on"]),
            # Only the rows that have one (an anonymous response has neither): every response
            # written updates each index it falls in. Lookups by person or wave, and their
            # deletion setting these to NULL, compare the column, which implies it is set, so
            # SQLite and PostgreSQL both use these indexes for them.
            models.Index(
                fields=["person"],
                condition=models.Q(person__isnull=False),
                name="response_person_set",
            ),
            models.Index(
                fields=["wave"], condition=models.Q(wave__isnull=False), name="response_wave_set"
            ),
        ]

    def __str__(self) -> str:
        return f"Response {self.pk} to {self.survey_id}"


class Answer(models.Model):
    audit_exclude = True

    # No index of their own: the unique (response, question) and the (question, score)
    # indexes lead with them, and every answer written updates each index (submissions).
    response = models.ForeignKey(
        Response, on_delete=models.CASCADE, related_name="answers", db_index=False
    )
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="answers", db_index=False
    )
    score = models.SmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)
    choices = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"], name="answer_once_per_question"
            )
        ]
        indexes = [models.Index(fields=["question", "score"])]

    def __str__(self) -> str:
        return f"Answer to {self.question_id}"


class Notification(models.Model):
    """A detractor follow-up sent to the service owner: the unique key makes it happen once."""

    audit_exclude = True

    key = models.CharField(max_length=100, unique=True)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="notifications")
    response = models.ForeignKey(Response, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # The channels it went out on, comma-separated ("email,slack_dm,slack").
    channel = models.CharField(max_length=60, default="email")
    recipient = models.CharField(max_length=254)

    def __str__(self) -> str:
        return self.key
