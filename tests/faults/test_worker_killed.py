"""A worker killed in the middle of a task: the next worker runs the task again, and the task's
effect happens exactly once.

django-tasks-db leaves the task of a killed worker RUNNING for ever; `onramp worker` requeues it
when it starts (onramp.core.task_recovery). The task (tests/faults/taskapp) is idempotent like
every Onramp task: its effect is a row keyed so that a retry cannot add a second one.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.faults.support import ROOT, onramp_argv, onramp_env, run, running, wait_for

ENQUEUE = """
from tests.faults.taskapp.tasks import record_effect
result = record_effect.enqueue(key="welcome-mail:vera", workdir={workdir!r}, pause_at={pause_at!r})
print(result.id)
"""


def query(db: Path, sql: str, *params: object) -> list[tuple]:
    with sqlite3.connect(db, timeout=20) as conn:
        return conn.execute(sql, params).fetchall()


def task_row(db: Path, task_id: str) -> tuple[str, str]:
    rows = query(
        db,
        "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult WHERE replace(id, '-', '') = ?",
        task_id.replace("-", ""),
    )
    assert len(rows) == 1, rows
    return rows[0]


def start_worker(env: dict[str, str], log: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        onramp_argv("worker", "--no-startup-delay", "--no-reload", "--interval", "0.2", *extra),
        env=env,
        cwd=ROOT,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


@pytest.mark.parametrize("pause_at", ["before_effect", "after_effect"])
def test_a_task_whose_worker_is_killed_is_run_again_with_its_effect_once(
    pause_at: str, tmp_path: Path
):
    var = tmp_path / "var"
    env = onramp_env(var, DJANGO_SETTINGS_MODULE="tests.faults.task_settings")
    db = var / "onramp.sqlite3"
    run(onramp_argv("migrate", "--noinput"), env)
    from tests.faults.support import django_snippet

    code = ENQUEUE.format(workdir=str(tmp_path), pause_at=pause_at)
    task_id = django_snippet(code, env).strip().splitlines()[-1]
    log = tmp_path / "worker.log"

    with running(start_worker(env, log)) as first:
        wait_for(
            lambda: (tmp_path / f"at-{pause_at}").exists() or first.poll() is not None,
            timeout=90,
            what=f"the task to reach {pause_at}",
        )
        assert first.poll() is None, log.read_text()
        status, _ = task_row(db, task_id)
        assert status == "RUNNING"
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)

    # Dead worker, task stuck in RUNNING; the effect is there or not depending on the moment.
    status, worker_ids = task_row(db, task_id)
    assert status == "RUNNING"
    effects_before = query(db, "SELECT count(*) FROM faults_taskapp_effect")[0][0]
    assert effects_before == (1 if pause_at == "after_effect" else 0)

    (tmp_path / "gate").touch()
    second = start_worker(env, log, "--batch")
    with running(second):
        second.wait(timeout=90)
    output = log.read_text()
    assert second.returncode == 0, output
    assert "Tasks of dead workers: 1 task(s) requeued, 0 marked failed." in output

    status, worker_ids = task_row(db, task_id)
    assert status == "SUCCESSFUL", output
    assert query(db, "SELECT key FROM faults_taskapp_effect") == [("welcome-mail:vera",)]
    assert (tmp_path / "attempts").read_text().splitlines() == ["welcome-mail:vera"] * 2
    assert worker_ids.count(":") == 4  # two claims, each host:pid:random
