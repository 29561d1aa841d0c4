"""`onramp run`: everything `make run` promises, on one machine, in one terminal.

Migrates the database, loads the demo organisation on the first run, collects static files,
then starts the web server (`onramp serve`) and a task worker (`onramp worker`) side by side and
prints where to sign in. Ctrl-C (or SIGTERM) stops both.
"""

from __future__ import annotations

import errno
import signal
import socket
import subprocess
import sys
import time
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from onramp.core.management.commands.serve import collect_static, parse_bind

# The demo's sign-in users: the username is the role name (onramp/demo/context.py).
DEMO_USERNAMES = ("admin", "owner", "champion", "viewer", "newcomer")
STOP_GRACE_SECONDS = 15
LISTEN_TIMEOUT_SECONDS = 60


class _Stop(Exception):
    pass


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise _Stop


def port_is_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return False
            raise
    return True


class Command(BaseCommand):
    help = (
        "Run Onramp on this machine: migrate, load the demo on the first run, collect static "
        "files, then serve the web app and run a task worker until Ctrl-C."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--bind", default="127.0.0.1:8000", help="HOST:PORT (default: 127.0.0.1:8000)."
        )
        parser.add_argument(
            "--workers", type=int, default=2, help="Web worker processes (default: 2)."
        )
        parser.add_argument(
            "--no-demo",
            action="store_true",
            help="Do not load the demo organisation, even into an empty database.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = parse_bind(options["bind"])
        if not port_is_free(host, port):
            raise CommandError(
                f"Port {port} on {host} is already in use: stop the program that holds it, or "
                f"choose another port with `onramp run --bind {host}:{port + 1}`."
            )
        try:
            self.stdout.write("Migrating the database…")
            call_command("migrate", interactive=False, verbosity=0)
            self._load_demo_if_empty(skip=options["no_demo"])
            self.stdout.write("Collecting static files…")
            collect_static()
        except KeyboardInterrupt:
            # Migrations and the demo each run in transactions: nothing is left half-done.
            raise CommandError(
                "Stopped before the server started; run it again to resume."
            ) from None
        connections.close_all()
        self._serve(options["bind"], options["workers"])

    def _load_demo_if_empty(self, *, skip: bool) -> None:
        from onramp.core.models import User

        if skip or User.objects.exists():
            return
        if "demo" not in get_commands():
            self.stderr.write(
                "The database has no users and this build has no `onramp demo` command: create "
                "an administrator with `onramp createsuperuser`."
            )
            return
        self.stdout.write("First run: loading the demo organisation (this takes a moment)…")
        call_command("demo")

    def _children(self, bind: str, workers: int) -> list[tuple[str, list[str]]]:
        onramp = [sys.executable, "-m", "onramp"]
        serve = [*onramp, "serve", "--bind", bind, "--workers", str(workers), "--no-collectstatic"]
        if settings.DEBUG:
            serve.append("--reload")
        return [("web server", serve), ("task worker", [*onramp, "worker", "--no-reload"])]

    def _serve(self, bind: str, workers: int) -> None:
        previous = {sig: signal.signal(sig, _raise_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        running: list[tuple[str, subprocess.Popen[bytes]]] = []
        try:
            for name, argv in self._children(bind, workers):
                # Their own session: a terminal's Ctrl-C reaches only this process, which then
                # stops each child once, so a task worker finishes its task instead of being cut
                # short by a second signal.
                running.append((name, subprocess.Popen(argv, start_new_session=True)))
            self._wait_until_listening(bind, running)
            self._banner(bind)
            while True:
                self._check_alive(running)
                time.sleep(0.5)
        except _Stop:
            self.stdout.write("\nStopping the web server and the task worker…")
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self._stop(running)
        self.stdout.write("Stopped.")

    def _check_alive(self, running: list[tuple[str, subprocess.Popen[bytes]]]) -> None:
        for name, process in running:
            if process.poll() is not None:
                raise CommandError(
                    f"The {name} stopped (exit code {process.returncode}); stopping the rest. "
                    "Read its messages above to see why."
                )

    def _wait_until_listening(
        self, bind: str, running: list[tuple[str, subprocess.Popen[bytes]]]
    ) -> None:
        """Print the address only once it answers, so that the first click works."""
        host, port = parse_bind(bind)
        host = "127.0.0.1" if host in ("0.0.0.0", "") else "::1" if host == "::" else host
        deadline = time.monotonic() + LISTEN_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            self._check_alive(running)
            try:
                socket.create_connection((host, port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        self.stderr.write(f"The web server is not listening on {bind} yet; still waiting.")

    def _stop(self, running: list[tuple[str, subprocess.Popen[bytes]]]) -> None:
        for _name, process in running:
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for name, process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"The {name} did not stop in time: killing it.")
                process.kill()
                process.wait()

    def _banner(self, bind: str) -> None:
        from onramp.core.models import User

        host, port = parse_bind(bind)
        shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
        shown = f"[{shown}]" if ":" in shown else shown
        users = list(
            User.objects.filter(username__in=DEMO_USERNAMES).values_list("username", flat=True)
        )
        connections.close_all()
        lines = ["", f"  Onramp is running at http://{shown}:{port}/", ""]
        if users:
            ordered = [u for u in DEMO_USERNAMES if u in users]
            lines.append(
                f"  Sign in as {', '.join(ordered)} with the password "
                f"{settings.ONRAMP['DEMO_PASSWORD']!r}"
            )
            lines.append("  (admin sees everything; owner edits their services).")
        else:
            lines.append("  Sign in with your own account (`onramp createsuperuser` makes one).")
        lines += ["  Press Ctrl-C to stop the server and the task worker.", ""]
        self.stdout.write("\n".join(lines))
