"""Periodic jobs: work that must happen every so often without anyone asking (a new round of a
monthly survey, reminders, scheduled reports).

An app registers a job in its AppConfig.ready():

    register_periodic("surveys.rounds", every=dt.timedelta(hours=1))(survey_rounds_create)

Every `onramp worker` runs the due jobs from its heartbeat task (once a minute). Each job's last
run is a row, claimed with a conditional update, so that with several workers a job runs once per
period, not once per worker. Jobs must be idempotent: a crash mid-run means it runs again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: dt.timedelta
    run: Callable[[], Any]


_JOBS: dict[str, PeriodicJob] = {}


def register_periodic(
    name: str, *, every: dt.timedelta
) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    def decorate(fn: Callable[[], Any]) -> Callable[[], Any]:
        _JOBS[name] = PeriodicJob(name, every, fn)
        return fn

    return decorate


def periodic_jobs() -> list[PeriodicJob]:
    return sorted(_JOBS.values(), key=lambda j: j.name)


def _claim(job: PeriodicJob, now: dt.datetime) -> bool:
    from onramp.core.models import PeriodicRun

    try:
        with transaction.atomic():
            PeriodicRun.objects.get_or_create(
                name=job.name, defaults={"last_run_at": now - job.every}
            )
    except IntegrityError:
        pass  # another worker created it at the same moment
    return bool(
        PeriodicRun.objects.filter(name=job.name, last_run_at__lte=now - job.every).update(
            last_run_at=now
        )
    )


def periodic_run_due(*, now: dt.datetime | None = None) -> list[str]:
    """Run every job whose period has passed since its last run; returns their names."""
    now = now or timezone.now()
    ran = []
    for job in periodic_jobs():
        if not _claim(job, now):
            continue
        try:
            job.run()
        except Exception:  # one failing job must not stop the others; it runs again next period
            log.exception("periodic job %s failed", job.name)
            continue
        ran.append(job.name)
    return ran
