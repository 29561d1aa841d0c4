from __future__ import annotations

import datetime as dt

import pytest

TODAY = dt.date(2026, 11, 2)


@pytest.fixture
def big_org(db):
    """Acme with two divisions: North (Team N1 with 8 people, Team N2 with 3) and South (Team S1
    with 12 people). Everyone has an email and a title."""
    from onramp.org.services import person_create, unit_create

    acme = unit_create(code="ACME", name="Acme", kind="company")
    north = unit_create(code="N", name="North", kind="division", parent=acme)
    south = unit_create(code="S", name="South", kind="division", parent=acme)
    n1 = unit_create(code="N1", name="Team N1", kind="team", parent=north)
    n2 = unit_create(code="N2", name="Team N2", kind="team", parent=north)
    s1 = unit_create(code="S1", name="Team S1", kind="team", parent=south)
    people = {}
    for unit, count, title in ((n1, 8, "Analyst"), (n2, 3, "Planner"), (s1, 12, "Analyst")):
        for i in range(count):
            eid = f"{unit.code}-{i}"
            people[eid] = person_create(
                employee_id=eid,
                name=f"{unit.name} Member {i}",
                email=f"{eid.lower()}@acme.test",
                unit=unit,
                title=title,
            )
    return {
        "acme": acme,
        "north": north,
        "south": south,
        "n1": n1,
        "n2": n2,
        "s1": s1,
        "people": people,
    }


@pytest.fixture
def make_survey(service):
    from onramp.surveys.services import survey_create

    def make(**kwargs):
        kwargs.setdefault("title", "Pulse")
        kwargs.setdefault("instruments", ["nps", "csat"])
        kwargs.setdefault("opens_on", TODAY - dt.timedelta(days=1))
        kwargs.setdefault("closes_on", TODAY + dt.timedelta(days=14))
        return survey_create(service=service, **kwargs)

    return make


@pytest.fixture
def invite():
    """invite(survey, people) -> {person.employee_id: raw token}, read from the outbox."""
    from onramp.core.models import OutboxMessage
    from onramp.surveys.services import survey_distribute

    def do(survey, people, today=TODAY):
        survey_distribute(survey=survey, person_ids=[p.pk for p in people], today=today)
        tokens = {}
        by_email = {p.email: p.employee_id for p in people}
        for m in OutboxMessage.objects.filter(key__startswith=f"survey:{survey.pk}:invite:"):
            if m.recipient not in by_email:
                continue
            link = next(line for line in m.body.splitlines() if "/s/" in line)
            tokens[by_email[m.recipient]] = link.rsplit("/s/", 1)[1].strip("/")
        return tokens

    return do


def answers_for(survey, **by_kind):
    """answers_for(survey, nps=9, csat=4) -> POST-style dict for the first question of each kind."""
    data = {}
    for q in survey.questions.all():
        if q.kind in by_kind and f"kind:{q.kind}" not in data:
            data[f"q{q.pk}"] = str(by_kind[q.kind])
            data[f"kind:{q.kind}"] = True
    return {k: v for k, v in data.items() if not k.startswith("kind:")}
