"""Survey rounds count in the change load of the units whose people they invite."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q

from onramp.rollout.changeload import ChangeActivity, register_change_source
from onramp.surveys.models import Invitation, Survey

DEFAULT_OPEN_DAYS = 14  # a survey with no closing date weighs on people for two weeks


@register_change_source("surveys")
def survey_activities(start: dt.date, end: dt.date) -> Iterable[ChangeActivity]:
    surveys = Survey.objects.filter(opens_on__isnull=False, opens_on__lte=end).filter(
        Q(closes_on__gte=start)
        | Q(closes_on__isnull=True, opens_on__gte=start - dt.timedelta(days=DEFAULT_OPEN_DAYS))
    )
    units: dict[int, set[int]] = defaultdict(set)
    for survey_id, unit_id in (
        Invitation.objects.filter(survey__in=surveys, person__unit__isnull=False)
        .values_list("survey_id", "person__unit_id")
        .distinct()
    ):
        units[survey_id].add(unit_id)
    for survey_id, title, service, first, last in surveys.values_list(
        "id", "title", "service__name", "opens_on", "closes_on"
    ):
        if units.get(survey_id):
            yield ChangeActivity(
                "survey",
                f"{service}: {title}",
                frozenset(units[survey_id]),
                first,
                last or first + dt.timedelta(days=DEFAULT_OPEN_DAYS),
                key=f"survey:{survey_id}",
            )
