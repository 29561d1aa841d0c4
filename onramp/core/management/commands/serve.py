"""`onramp serve`: the production web server.

Collects static files (hashed and compressed, served by whitenoise), then replaces this process
with gunicorn serving onramp.wsgi, so that signals from systemd or a terminal reach gunicorn
directly. Run it on as many hosts as you like behind a load balancer, all pointing at one
PostgreSQL database (DATABASE_URL).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles.management.commands.collectstatic import (
    Command as CollectStaticCommand,
)
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from whitenoise.storage import CompressedManifestStaticFilesStorage

from onramp.env import env_int


def collect_static(*, verbosity: int = 0) -> None:
    """Collect static files with hashed names. Settings switch to the hashed-name storage only
    once its manifest exists, so this always writes with that storage: every later process
    then finds the manifest and serves files that browsers may cache for ever."""
    command = CollectStaticCommand()
    command.storage = CompressedManifestStaticFilesStorage()
    call_command(command, interactive=False, verbosity=verbosity)


def parse_bind(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise CommandError(
            f"--bind {value!r} is not HOST:PORT: write it like 127.0.0.1:8000 or 0.0.0.0:80."
        )
    return host.strip("[]"), int(port)


def metrics_dir_prepare(*, workers: int) -> Path | None:
    """With /metrics on (ONRAMP_METRICS) and several worker processes, prometheus_client must
    keep its counters in files the processes share, or each scrape shows one worker's requests
    only. Use PROMETHEUS_MULTIPROC_DIR if set, else <var>/metrics; empty it (figures of an
    earlier run would be added in) and pass it on to gunicorn through the environment."""
    if not settings.ONRAMP.get("METRICS"):
        return None
    configured = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
    if not configured and workers < 2:
        return None
    folder = Path(configured) if configured else Path(settings.VAR_DIR) / "metrics"
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    return folder


def gunicorn_argv(
    *, bind: str, workers: int, timeout: int, reload: bool = False, access_log: bool = True
) -> list[str]:
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--timeout",
        str(timeout),
        "--graceful-timeout",
        "20",
        "--error-logfile",
        "-",
        # gunicorn's control socket lives in $HOME by default, shared by every instance on the
        # host (and absent for a service user without a home): Onramp does not use it.
        "--no-control-socket",
    ]
    if access_log:
        argv += ["--access-logfile", "-"]
    if reload:
        argv.append("--reload")
    return [*argv, "onramp.wsgi:application"]


class Command(BaseCommand):
    help = (
        "Serve Onramp in production with gunicorn (static files through whitenoise). Put it "
        "behind a TLS proxy and set ONRAMP_HTTPS=true. Run `onramp worker` beside it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--bind",
            default=os.environ.get("ONRAMP_BIND", "127.0.0.1:8000"),
            help="HOST:PORT to listen on (default: $ONRAMP_BIND or 127.0.0.1:8000).",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=env_int("WEB_CONCURRENCY", 2, minimum=1),
            help="Web worker processes (default: $WEB_CONCURRENCY or 2; about 2 per core).",
        )
        parser.add_argument(
            "--timeout",
            type=int,
            default=60,
            help="Seconds before a stuck request's worker is restarted (default: 60).",
        )
        parser.add_argument(
            "--reload", action="store_true", help="Restart workers when code changes (development)."
        )
        parser.add_argument(
            "--no-access-log", action="store_true", help="Do not log each request on stdout."
        )
        parser.add_argument(
            "--no-collectstatic",
            action="store_true",
            help="Skip collecting static files (when a previous step already did).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        parse_bind(options["bind"])
        if options["workers"] < 1:
            raise CommandError("--workers must be at least 1.")
        if not options["no_collectstatic"]:
            collect_static(verbosity=max(0, options["verbosity"] - 1))
        metrics_dir_prepare(workers=options["workers"])
        argv = gunicorn_argv(
            bind=options["bind"],
            workers=options["workers"],
            timeout=options["timeout"],
            reload=options["reload"],
            access_log=not options["no_access_log"],
        )
        connections.close_all()
        sys.stdout.flush()
        sys.stderr.flush()
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onramp.settings")
        os.execv(argv[0], argv)
