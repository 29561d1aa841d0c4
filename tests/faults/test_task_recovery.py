"""Which RUNNING tasks `onramp worker` puts back in the queue when it starts."""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import sys

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from onramp.core.task_recovery import task_results_requeue_orphaned, worker_id_new
from onramp.core.tasks import worker_heartbeat

pytestmark = pytest.mark.django_db

HOST = socket.gethostname()[:40]


@pytest.fixture
def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait(timeout=30)
    return process.pid


@pytest.fixture
def live_pid():
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield process.pid
    process.kill()
    process.wait(timeout=10)


def running_task(*worker_ids: str, started: dt.datetime | None = None) -> DBTaskResult:
    result = worker_heartbeat.enqueue()
    DBTaskResult.objects.filter(pk=result.id).update(
        status=TaskResultStatus.RUNNING,
        worker_ids=list(worker_ids),
        started_at=started or timezone.now(),
    )
    return DBTaskResult.objects.get(pk=result.id)


def test_a_worker_id_names_the_host_and_the_process():
    host, pid, rand = worker_id_new().split(":")
    assert host == HOST.replace(":", "-")
    assert pid.isdigit()
    assert len(rand) == 8


def test_it_requeues_the_task_of_a_dead_worker_on_this_host(dead_pid):
    task = running_task(f"{HOST}:{dead_pid}:abcdefgh")
    report = task_results_requeue_orphaned()
    task.refresh_from_db()
    assert report.requeued == [str(task.pk)]
    assert task.status == TaskResultStatus.READY
    assert task.started_at is None


def test_it_leaves_the_task_of_a_live_worker_alone(live_pid):
    task = running_task(f"{HOST}:{live_pid}:abcdefgh")
    report = task_results_requeue_orphaned()
    task.refresh_from_db()
    assert report.requeued == []
    assert task.status == TaskResultStatus.RUNNING


def test_it_leaves_a_worker_on_another_host_alone_until_its_task_is_stale(dead_pid):
    task = running_task(
        f"elsewhere:{dead_pid}:abcdefgh", started=timezone.now() - dt.timedelta(hours=2)
    )
    assert task_results_requeue_orphaned().requeued == []
    assert task_results_requeue_orphaned(stale_after=dt.timedelta(hours=3)).requeued == []
    report = task_results_requeue_orphaned(stale_after=dt.timedelta(hours=1))
    task.refresh_from_db()
    assert report.requeued == [str(task.pk)]
    assert task.status == TaskResultStatus.READY


def test_it_fails_a_task_that_killed_its_worker_too_many_times(dead_pid):
    ids = [f"{HOST}:{dead_pid}:attempt{n}" for n in range(3)]
    task = running_task(*ids)
    report = task_results_requeue_orphaned(max_attempts=3)
    task.refresh_from_db()
    assert report.failed == [str(task.pk)]
    assert task.status == TaskResultStatus.FAILED
    assert task.exception_class_path == "onramp.core.task_recovery.WorkerLost"
    assert "died 3 times" in task.traceback


def test_it_ignores_finished_and_waiting_tasks(dead_pid):
    done = running_task(f"{HOST}:{dead_pid}:abcdefgh")
    DBTaskResult.objects.filter(pk=done.pk).update(status=TaskResultStatus.SUCCESSFUL)
    waiting = worker_heartbeat.enqueue()
    assert task_results_requeue_orphaned().requeued == []
    assert DBTaskResult.objects.get(pk=done.pk).status == TaskResultStatus.SUCCESSFUL
    assert DBTaskResult.objects.get(pk=waiting.id).status == TaskResultStatus.READY
