"""Adoption: usage rolled up to one row per adopter, service and day, the rule that says who is
active, identities the import could not match, the record of each import, and the weekly
roll-ups the dashboard reads."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from onramp.catalog.models import Service
from onramp.org.models import OrgUnit, Person, Project

DEFAULT_K = 1
DEFAULT_W = 28


class AdoptionRule(models.Model):
    """When an adopter counts as active on day d: at least `min_active_days` (k) days with a
    qualifying event in the window (d - W, d]. No qualifying actions listed: every action
    qualifies. The adopter kind (people or projects) is the service's."""

    service = models.OneToOneField(Service, on_delete=models.CASCADE, related_name="adoption_rule")
    qualifying_actions = models.TextField(
        blank=True, help_text="One action per line. Leave empty to count every action."
    )
    min_active_days = models.PositiveSmallIntegerField(
        "active days needed (k)",
        default=DEFAULT_K,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
    )
    window_days = models.PositiveSmallIntegerField(
        "window in days (W)",
        default=DEFAULT_W,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_active_days__gte=1)
                & models.Q(window_days__gte=1)
                & models.Q(min_active_days__lte=models.F("window_days")),
                name="adoption_rule_k_within_w",
                violation_error_message="The active days needed (k) must be between 1 and the "
                "window (W).",
            )
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def adopter_kind(self) -> str:
        return self.service.adopter_kind

    @property
    def actions(self) -> list[str]:
        return [a.strip() for a in self.qualifying_actions.splitlines() if a.strip()]

    @property
    def text(self) -> str:
        who = "a project" if self.service.adopter_kind == "projects" else "a person"
        what = ", ".join(self.actions) if self.actions else "any action"
        days = "1 day" if self.min_active_days == 1 else f"{self.min_active_days} days"
        return f"Active: {who} with {what} on at least {days} in the last {self.window_days} days"


class RowIdField(models.BigAutoField):
    """A BigAutoField that, on SQLite, is the plain row id: without AUTOINCREMENT, which keeps
    a sequence table up to date on every insert. Ids of deleted rows may come back; use it only
    where nothing refers to the id."""

    def db_type_suffix(self, connection):  # type: ignore[no-untyped-def]
        if connection.vendor == "sqlite":
            return None
        return super().db_type_suffix(connection)


def _unchecked_key(
    to: type[models.Model], *, on_delete: Any = models.CASCADE, **options: Any
) -> models.ForeignKey:
    """A foreign key of a high-volume derived table: no index and no constraint in the
    database (Django cascades the deletes; the writers write only ids they have just read)."""
    return models.ForeignKey(
        to, on_delete=on_delete, db_index=False, db_constraint=False, **options
    )


class DailyActivity(models.Model):
    """One adopter's use of one service on one day: the base of the three tables, one per kind
    of adopter (PersonActivity, ProjectActivity, and IdentityActivity for an identity the log
    carried that matched nobody, until someone maps it).

    Built for writing a million rows per import. Each table's primary key is its unique
    (service, adopter, day): the one index, which serves every read (the roll-up, the metrics'
    day windows, replacing days), with no row id beside it and no adopter columns of the other
    kinds (no NULLs, no check that exactly one is set). Foreign keys are neither indexed nor
    checked by the database (deleting a person, which is rare, reads the table once, and Django
    cascades it); counts have no CHECKs (the import computes them). On PostgreSQL a year of
    usage (928,077 rows) is loaded and its key built in ~1.5 s where one table with a row id,
    three nullable adopter columns and a partial index per kind took ~2.4 s
    (docs/performance.md). On SQLite the tables are WITHOUT ROWID (migration 0005, pinned by a
    test): the rows live in the key's B-tree, one B-tree per table instead of two."""

    audit_exclude = True  # derived, high-volume rows: the import batch is the record

    # Cascades are Django's (deleting a person, project or service deletes their rows); the
    # database does not check each inserted row's references, which on SQLite took as long as
    # writing the row: the import writes only ids it has just read.
    service = _unchecked_key(Service, related_name="+")
    day = models.DateField()
    events = models.IntegerField()
    qualifying_events = models.IntegerField()
    distinct_actions = models.SmallIntegerField(default=0)

    ADOPTER: str  # the adopter's column: person_id, project_id or identity

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{getattr(self, self.ADOPTER)} on {self.day}: {self.events} events"


class PersonActivity(DailyActivity):
    pk = models.CompositePrimaryKey("service_id", "person_id", "day")
    person = _unchecked_key(Person)

    ADOPTER = "person_id"


class ProjectActivity(DailyActivity):
    pk = models.CompositePrimaryKey("service_id", "project_id", "day")
    project = _unchecked_key(Project)

    ADOPTER = "project_id"


class IdentityActivity(DailyActivity):
    """Activity of an identity (a user or project code) that matched nobody: it moves to the
    person or project the identity is mapped to (services/identities.py)."""

    pk = models.CompositePrimaryKey("service_id", "identity", "day")
    identity = models.CharField(max_length=254)

    ADOPTER = "identity"


def activity_model(adopter_kind: str) -> type[PersonActivity] | type[ProjectActivity]:
    """The table of a service's matched activity, by its adopter kind (people or projects)."""
    return ProjectActivity if adopter_kind == "projects" else PersonActivity


class UnmatchedIdentity(models.Model):
    """A user (or project code) in a usage log that matched nobody. Its activity is kept under
    the identity and moves to the person (or project) it is mapped to."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="unmatched")
    identity = models.CharField(max_length=254)
    events = models.PositiveIntegerField(default=0)
    first_day = models.DateField()
    last_day = models.DateField()
    mapped_to = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    mapped_project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    mapped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-events", "identity"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "identity"], name="unmatched_identity_unique"
            )
        ]

    def __str__(self) -> str:
        return self.identity

    @property
    def is_mapped(self) -> bool:
        return self.mapped_to_id is not None or self.mapped_project_id is not None


class IngestMode(models.TextChoices):
    REPLACE = "replace", "Replace the days the file covers"
    ADD = "add", "Add to what is there"


class IngestBatch(models.Model):
    """One imported file or API batch. The same content (sha256) is never imported twice."""

    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveBigIntegerField("bytes", default=0)
    mode = models.CharField(max_length=8, choices=IngestMode.choices, default=IngestMode.REPLACE)
    services = models.ManyToManyField(Service, related_name="ingest_batches")
    events = models.PositiveBigIntegerField(default=0)
    rows = models.PositiveIntegerField("adopter-days written", default=0)
    skipped_rows = models.PositiveIntegerField(default=0)
    unmatched = models.PositiveIntegerField("unmatched identities", default=0)
    first_day = models.DateField(null=True, blank=True)
    last_day = models.DateField(null=True, blank=True)
    days = models.PositiveIntegerField("days covered", default=0)
    source = models.CharField(max_length=8, default="file")  # file, upload, api
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.events} events)"


class AdopterState(models.Model):
    """Per adopter and service, recomputed after each import: when they first used it, the day
    they first became active under the rule (adopted), and their last qualifying day."""

    audit_exclude = True  # derived, high-volume rows: the import batch is the record

    # Rebuilt whole by every import (tens of thousands of rows): a plain row id and foreign keys that Django cascades rather than the database checking each row
    # (on PostgreSQL, three trigger queries per row). One index, (service, unit): every read
    # names the service. The adopter and unit keys have none: they served only the cascade
    # of a deleted person, project or unit (a scan of this table, rare), and keeping them up
    # to date took most of the time of writing the rows (0.6 s of 0.8 s for 50,000 rows on
    # PostgreSQL).
    id = RowIdField(primary_key=True)
    service = _unchecked_key(Service, related_name="+")
    person = _unchecked_key(Person, null=True, blank=True)
    project = _unchecked_key(Project, null=True, blank=True)
    unit = _unchecked_key(OrgUnit, on_delete=models.SET_NULL, null=True, blank=True)
    first_day = models.DateField()
    adopted_on = models.DateField(null=True, blank=True)
    last_day = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["service", "unit"], name="adopter_state_service_unit")]

    def __str__(self) -> str:
        return f"{self.person_id or self.project_id} adopted {self.adopted_on or 'not yet'}"


class UnitWeek(models.Model):
    """Per service, org unit (people's or projects' own unit) and week end (a Sunday): how many
    adopters were active that day, had ever adopted, and the mean daily actives over the
    trailing 28 days. The dashboard reads these, so its cost does not grow with usage."""

    audit_exclude = True  # derived, high-volume rows: the import batch is the record

    id = RowIdField(primary_key=True)  # as AdopterState: rebuilt whole by every import
    service = _unchecked_key(Service, related_name="+")
    unit = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.CASCADE, db_constraint=False
    )
    week_end = models.DateField()
    active = models.PositiveIntegerField(default=0)
    ever = models.PositiveIntegerField(default=0)
    dau_mean = models.FloatField(default=0)
    mau = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["service", "week_end"], name="unit_week_service_week")]

    def __str__(self) -> str:
        return f"unit {self.unit_id}, week ending {self.week_end}: {self.active} active"
