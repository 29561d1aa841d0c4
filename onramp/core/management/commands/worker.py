"""`onramp worker`: run background tasks (scheduled sends, reminders, imports, reports).

A thin door to django-tasks-db's `db_worker`, so every one of its options works here
(--batch, --max-tasks, --queue-name, --interval, --worker-id, ...). Run as many workers as you
like, on any host that reaches the database: each task is claimed by exactly one of them.
"""

from __future__ import annotations

from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from onramp.core.tasks import worker_heartbeat_schedule


class Command(DbWorkerCommand):
    help = (
        "Run Onramp's background tasks until stopped (Ctrl-C or SIGTERM finish the current task "
        "first). With --batch, run what is queued and exit."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["batch"]:
            # A long-running worker keeps the heartbeat going that /healthz reads; a batch run
            # (tests, cron) must not leave one behind that it will never run.
            worker_heartbeat_schedule()
        super().handle(*args, **options)
