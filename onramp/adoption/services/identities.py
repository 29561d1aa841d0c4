"""Mapping an identity that matched nobody to the person (or project) it is."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from onramp.adoption.models import DailyActivity, UnmatchedIdentity
from onramp.adoption.services.rollup import adoption_refresh
from onramp.org.models import Person, Project


def unmatched_map(
    *,
    unmatched: UnmatchedIdentity,
    person: Person | None = None,
    project: Project | None = None,
) -> UnmatchedIdentity:
    """Move the identity's activity to `person` (people services) or `project` (project
    services), adding it to any activity they already have on the same days, and remember the
    mapping for later imports."""
    service = unmatched.service
    is_project = service.adopter_kind == "projects"
    if is_project and project is None:
        raise ValidationError(
            {"project": f"{service.name} is adopted by projects: choose the project."}
        )
    if not is_project and person is None:
        raise ValidationError({"person": f"Choose the person who is {unmatched.identity}."})
    target = {"project": project} if is_project else {"person": person}
    with transaction.atomic():
        rows = list(
            DailyActivity.objects.select_for_update().filter(
                service=service, identity=unmatched.identity
            )
        )
        mine = {
            a.day: a
            for a in DailyActivity.objects.select_for_update().filter(
                service=service, day__in=[r.day for r in rows], **target
            )
        }
        for row in rows:
            existing = mine.get(row.day)
            if existing is not None:
                DailyActivity.objects.filter(pk=existing.pk).update(
                    events=F("events") + row.events,
                    qualifying_events=F("qualifying_events") + row.qualifying_events,
                    distinct_actions=max(existing.distinct_actions, row.distinct_actions),
                )
                row.delete()
        DailyActivity.objects.filter(service=service, identity=unmatched.identity).update(
            identity="", **target
        )
        unmatched.mapped_to = person if not is_project else None
        unmatched.mapped_project = project if is_project else None
        unmatched.mapped_at = timezone.now()
        unmatched.full_clean()
        unmatched.save()
        adoption_refresh(service=service)
    return unmatched
