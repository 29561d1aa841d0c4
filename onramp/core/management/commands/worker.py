"""`onramp worker`: run background tasks (scheduled sends, reminders, imports, reports).

A thin door to django-tasks-db's `db_worker`, so every one of its options works here
(--batch, --max-tasks, --queue-name, --interval, --worker-id, ...). Run as many workers as you
like, on any host that reaches the database: each task is claimed by exactly one of them.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from onramp.core.task_recovery import task_results_requeue_orphaned, worker_id_new
from onramp.core.tasks import worker_heartbeat_schedule


class Command(DbWorkerCommand):
    help = (
        "Run Onramp's background tasks until stopped (Ctrl-C or SIGTERM finish the current task "
        "first). With --batch, run what is queued and exit."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        # host:pid:random, so that a later worker can tell that this one died mid-task.
        parser.set_defaults(worker_id=worker_id_new())

    def handle(self, *args: Any, **options: Any) -> None:
        # Tasks left RUNNING by a worker that was killed go back in the queue (or fail after
        # too many attempts): django-tasks-db alone would leave them RUNNING for ever.
        recovered = task_results_requeue_orphaned()
        if recovered.requeued or recovered.failed:
            self.stdout.write(f"Tasks of dead workers: {recovered}.")
        if not options["batch"]:
            # A long-running worker keeps the heartbeat going that /healthz reads; a batch run
            # (tests, cron) must not leave one behind that it will never run.
            worker_heartbeat_schedule()
        super().handle(*args, **options)
