"""Mapping an identity that matched nobody to the person (or project) it is."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from onramp.adoption.models import IdentityActivity, UnmatchedIdentity, activity_model
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
    adopter = project if is_project else person
    if adopter is None:
        raise ValidationError(
            {"project": f"{service.name} is adopted by projects: choose the project."}
            if is_project
            else {"person": f"Choose the person who is {unmatched.identity}."}
        )
    model = activity_model(service.adopter_kind)
    with transaction.atomic():
        moving = IdentityActivity.objects.filter(service=service, identity=unmatched.identity)
        rows = {a.day: a for a in moving.select_for_update()}
        mine = model.objects.select_for_update().filter(
            service=service, day__in=list(rows), **{model.ADOPTER: adopter.pk}
        )
        # Days the adopter has activity on already: the identity's counts are added to them.
        for existing in mine:
            row = rows.pop(existing.day)
            model.objects.filter(pk=existing.pk).update(
                events=F("events") + row.events,
                qualifying_events=F("qualifying_events") + row.qualifying_events,
                distinct_actions=max(existing.distinct_actions, row.distinct_actions),
            )
        model.objects.bulk_create(
            [
                model(
                    service=service,
                    day=row.day,
                    events=row.events,
                    qualifying_events=row.qualifying_events,
                    distinct_actions=row.distinct_actions,
                    **{model.ADOPTER: adopter.pk},
                )
                for row in rows.values()
            ],
            batch_size=500,
        )
        moving.delete()
        unmatched.mapped_to = person if not is_project else None
        unmatched.mapped_project = project if is_project else None
        unmatched.mapped_at = timezone.now()
        unmatched.full_clean()
        unmatched.save()
        adoption_refresh(service=service)
    return unmatched
