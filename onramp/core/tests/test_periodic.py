from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from onramp.core import periodic


@pytest.fixture
def job(monkeypatch):
    calls = []
    monkeypatch.setattr(periodic, "_JOBS", {})
    periodic.register_periodic("test.job", every=dt.timedelta(hours=1))(lambda: calls.append(1))
    return calls


@pytest.mark.django_db
def test_a_job_runs_once_per_period_however_many_workers_ask(job):
    now = timezone.now()
    assert periodic.periodic_run_due(now=now) == ["test.job"]
    assert periodic.periodic_run_due(now=now) == []  # a second worker at the same moment
    assert periodic.periodic_run_due(now=now + dt.timedelta(minutes=59)) == []
    assert periodic.periodic_run_due(now=now + dt.timedelta(minutes=60)) == ["test.job"]
    assert len(job) == 2


@pytest.mark.django_db
def test_a_failing_job_does_not_stop_the_others(monkeypatch):
    monkeypatch.setattr(periodic, "_JOBS", {})
    ran = []
    periodic.register_periodic("a.fails", every=dt.timedelta(hours=1))(lambda: 1 / 0)
    periodic.register_periodic("b.works", every=dt.timedelta(hours=1))(lambda: ran.append(1))
    assert periodic.periodic_run_due() == ["b.works"]
    assert ran == [1]


def test_survey_rounds_are_registered_as_a_periodic_job():
    assert "surveys.rounds" in {j.name for j in periodic.periodic_jobs()}
