"""Recovering tasks whose worker died while running them.

django-tasks-db marks a task RUNNING when a worker claims it, and SUCCESSFUL or FAILED when the
task returns or raises. A worker killed in between (SIGKILL, OOM killer, power loss) leaves the
row RUNNING for ever: no other worker picks it up again. `onramp worker` therefore calls
`task_results_requeue_orphaned()` when it starts, which puts such tasks back in the queue.

How a dead worker is recognised: `worker_id_new()` names each worker `<host>:<pid>:<random>`, and
a RUNNING task whose last worker ran on this host under a process that no longer exists is an
orphan. A worker on another host cannot be seen from here; for those, pass `stale_after` (tasks
started longer ago than that are taken as lost). Re-running a task is safe only because tasks
are written to be idempotent (e.g. sends go through an outbox keyed by recipient and message), so
a task run twice has its effect once.

A task that has killed its worker `max_attempts` times is marked FAILED rather than requeued,
so that one poisonous task cannot take workers down in a loop.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks import TaskResultStatus

MAX_ATTEMPTS = 3
_HOST_LENGTH = 40  # django-tasks-db allows worker ids up to 64 characters


class WorkerLost(Exception):
    """Recorded as the error of a task whose worker died too many times while running it."""


def _host() -> str:
    return socket.gethostname()[:_HOST_LENGTH].replace(":", "-")


def worker_id_new() -> str:
    """A worker id that says where the worker runs: `<host>:<pid>:<random>`."""
    return f"{_host()}:{os.getpid()}:{get_random_string(8)}"


def _pid_alive(pid: int) -> bool:
    """True while the process exists and is not a zombie waiting to be reaped."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return True  # no /proc (not Linux): os.kill said it exists


def worker_is_dead_here(worker_id: str) -> bool:
    """True when `worker_id` names a worker of this host whose process is gone."""
    host, sep, rest = worker_id.partition(":")
    pid_text = rest.partition(":")[0]
    if not sep or host != _host() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    return pid != os.getpid() and not _pid_alive(pid)


@dataclass
class RecoveryReport:
    requeued: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{len(self.requeued)} task(s) requeued, {len(self.failed)} marked failed"


def task_results_requeue_orphaned(
    *,
    stale_after: dt.timedelta | None = None,
    max_attempts: int = MAX_ATTEMPTS,
    now: dt.datetime | None = None,
) -> RecoveryReport:
    """Requeue RUNNING tasks whose worker died (see the module docstring); fail those that have
    already been attempted `max_attempts` times. Safe to run from several workers at once: each
    row changes only if it is still RUNNING under the same claim (start time) as when it was read."""
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    report = RecoveryReport()
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).only(
        "id", "worker_ids", "started_at"
    )
    for result in running:
        last_worker = result.worker_ids[-1] if result.worker_ids else ""
        stale = (
            stale_after is not None
            and result.started_at is not None
            and now - result.started_at > stale_after
        )
        if not (worker_is_dead_here(last_worker) or stale):
            continue
        same = DBTaskResult.objects.filter(
            pk=result.pk, status=TaskResultStatus.RUNNING, started_at=result.started_at
        )
        with transaction.atomic():
            if len(result.worker_ids) >= max_attempts:
                changed = same.update(
                    status=TaskResultStatus.FAILED,
                    finished_at=now,
                    return_value=None,
                    exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
                    traceback=(
                        f"{WorkerLost.__qualname__}: the worker running this task died "
                        f"{len(result.worker_ids)} times (last: {last_worker}); not retried."
                    ),
                )
                if changed:
                    report.failed.append(str(result.pk))
            else:
                changed = same.update(status=TaskResultStatus.READY, started_at=None)
                if changed:
                    report.requeued.append(str(result.pk))
    return report
