"""Background tasks of the core app.

`worker_heartbeat` proves that at least one `onramp worker` process is alive: it runs every
HEARTBEAT_INTERVAL while a worker runs, and its result row (kept by django-tasks-db) carries the
time it ran, so `last_worker_heartbeat()` can answer /healthz on any host without a new table.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import TaskResultStatus, task

HEARTBEAT_INTERVAL = dt.timedelta(seconds=60)
HEARTBEAT_TASK_PATH = "onramp.core.tasks.worker_heartbeat"


def _pending_heartbeats():
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path=HEARTBEAT_TASK_PATH,
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
    )


def worker_heartbeat_schedule(*, delay: dt.timedelta | None = None) -> bool:
    """Enqueue the next heartbeat unless one is already waiting, so that several workers keep
    one chain of heartbeats between them rather than one each. Returns True when it enqueued."""
    if _pending_heartbeats().filter(status=TaskResultStatus.READY).exists():
        return False
    if delay:
        worker_heartbeat.using(run_after=timezone.now() + delay).enqueue(reschedule=True)
    else:
        worker_heartbeat.enqueue(reschedule=True)
    return True


@task()
def worker_heartbeat(*, reschedule: bool = False) -> str:
    """Record that a worker ran a task now; with `reschedule`, enqueue the next beat."""
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    if reschedule:
        worker_heartbeat_schedule(delay=HEARTBEAT_INTERVAL)
        # Periodic jobs (survey rounds, reminders...) ride on the heartbeat of running workers.
        from onramp.core.periodic import periodic_run_due

        periodic_run_due(now=now)
    # One row a minute would pile up: keep a day of beats, enough to see when a worker stopped.
    DBTaskResult.objects.filter(
        task_path=HEARTBEAT_TASK_PATH,
        status=TaskResultStatus.SUCCESSFUL,
        finished_at__lt=now - dt.timedelta(days=1),
    ).delete()
    return now.isoformat()


def last_worker_heartbeat() -> dt.datetime | None:
    """When a worker last ran the heartbeat task, or None if none ever has."""
    from django_tasks_db.models import DBTaskResult

    return (
        DBTaskResult.objects.filter(
            task_path=HEARTBEAT_TASK_PATH, status=TaskResultStatus.SUCCESSFUL
        )
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
