"""Lessons learned per wave, and where they were applied."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from onramp.catalog.models import ServiceVersion
from onramp.rollout.models import Lesson, LessonCategory, Wave


def _check_applied(lesson: Lesson) -> None:
    wave = lesson.wave
    if lesson.applied_in_wave is not None:
        later = lesson.applied_in_wave
        if later.pk == wave.pk:
            raise ValidationError(
                {
                    "applied_in_wave": "A lesson is applied in a later wave, not the wave it came from."
                }
            )
        if later.rollout.service_id != wave.rollout.service_id:
            raise ValidationError(
                {
                    "applied_in_wave": f"“{later}” is a wave of another service: pick one of {wave.rollout.service}."
                }
            )
    version = lesson.applied_in_version
    if version is not None and version.service_id != wave.rollout.service_id:
        raise ValidationError(
            {"applied_in_version": f"Version {version.version} belongs to another service."}
        )


@transaction.atomic
def lesson_create(
    *,
    wave: Wave,
    what_happened: str,
    what_to_change: str,
    category: str = LessonCategory.OTHER,
    applied_in_wave: Wave | None = None,
    applied_in_version: ServiceVersion | None = None,
    recorded_by: Any = None,
) -> Lesson:
    lesson = Lesson(
        wave=wave,
        what_happened=what_happened.strip(),
        what_to_change=what_to_change.strip(),
        category=category,
        applied_in_wave=applied_in_wave,
        applied_in_version=applied_in_version,
        recorded_by=recorded_by,
    )
    _check_applied(lesson)
    lesson.full_clean()
    lesson.save()
    return lesson


@transaction.atomic
def lesson_apply(
    *,
    lesson: Lesson,
    applied_in_wave: Wave | None = None,
    applied_in_version: ServiceVersion | None = None,
) -> Lesson:
    """Record which later wave or service version applied the lesson."""
    lesson.applied_in_wave = applied_in_wave
    lesson.applied_in_version = applied_in_version
    _check_applied(lesson)
    lesson.full_clean()
    lesson.save()
    return lesson
