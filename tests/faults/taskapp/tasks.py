"""The task the worker fault test kills its worker in the middle of.

It records each attempt in a file (so the test can see it ran twice), has its effect keyed so
that a retry does not repeat it, and, at the point the test chose, announces that it is there
and waits for the test's gate file (the test kills the worker while it waits)."""

from __future__ import annotations

import time
from pathlib import Path

from django.db import transaction
from django_tasks import task

GATE_WAIT_SECONDS = 120


def _pause(workdir: Path, point: str) -> None:
    (workdir / f"at-{point}").touch()
    deadline = time.monotonic() + GATE_WAIT_SECONDS
    while not (workdir / "gate").exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"nobody opened the gate in {workdir}")
        time.sleep(0.05)


@task()
def record_effect(*, key: str, workdir: str, pause_at: str) -> str:
    """pause_at: "before_effect" or "after_effect" (the effect is committed, the task not yet
    marked done: the hardest moment to die)."""
    folder = Path(workdir)
    with open(folder / "attempts", "a") as attempts:
        attempts.write(f"{key}\n")
    if pause_at == "before_effect":
        _pause(folder, pause_at)
    with transaction.atomic():
        from tests.faults.taskapp.models import Effect

        Effect.objects.get_or_create(key=key)
    if pause_at == "after_effect":
        _pause(folder, pause_at)
    return key
