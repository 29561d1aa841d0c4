"""The console commands that run Onramp: `onramp serve`, `onramp worker` and `onramp run`.

The server tests start real processes (gunicorn, the task worker) on a free loopback port, each
against a throwaway SQLite database in its own folder, and talk to them over HTTP.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

# Generous: on a loaded 2-core CI machine, migrate + collectstatic + boot can take minutes.
STARTUP_TIMEOUT = 300


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def command_env(var_dir: Path) -> dict[str, str]:
    env = {**os.environ, "ONRAMP_VAR_DIR": str(var_dir), "DEBUG": "false"}
    env.pop("DATABASE_URL", None)
    return env


def assert_nothing_listens_on(port: int) -> None:
    with socket.socket() as s:
        # SO_REUSEADDR: closed connections may linger in TIME_WAIT; a listener would still block.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        s.listen()


def onramp(*args: str) -> list[str]:
    return [sys.executable, "-m", "onramp", *args]


def wait_for(url: str, process: subprocess.Popen[bytes], log: Path) -> tuple[int, bytes, dict]:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"The process exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as error:  # it answered: an error page is an answer
            return error.code, error.read(), dict(error.headers)
        except OSError:  # not listening yet, or a worker still booting
            time.sleep(0.3)
    pytest.fail(f"{url} did not answer within {STARTUP_TIMEOUT} s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def migrated_var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    var_dir = tmp_path_factory.mktemp("onramp-var")
    subprocess.run(
        onramp("migrate", "--verbosity", "0"),
        env=command_env(var_dir),
        cwd=settings.BASE_DIR,
        check=True,
        timeout=300,
    )
    return var_dir


@pytest.fixture
def started(migrated_var_dir: Path, tmp_path: Path) -> Iterator:
    """started(*args) runs `onramp <args>` in the background; stopped with SIGTERM at the end."""
    processes: list[subprocess.Popen[bytes]] = []

    def start(*args: str) -> tuple[subprocess.Popen[bytes], Path]:
        log = tmp_path / f"{args[0]}-{len(processes)}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                onramp(*args),
                env=command_env(migrated_var_dir),
                cwd=settings.BASE_DIR,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        processes.append(process)
        return process, log

    yield start
    for process in processes:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_serve_answers_the_login_page_and_a_static_file_with_a_hashed_name(started):
    port = free_port()
    process, log = started("serve", "--bind", f"127.0.0.1:{port}", "--workers", "1")

    status, body, _ = wait_for(f"http://127.0.0.1:{port}/login/", process, log)
    assert status == 200, body.decode(errors="replace")[:2000]
    page = body.decode()
    assert 'name="password"' in page
    # collectstatic ran with the manifest storage, so the page links hashed names...
    hashed = re.search(r"/static/onramp/onramp\.[0-9a-f]{12}\.css", page)
    assert hashed, "the page links the stylesheet without a content hash"
    # ...that whitenoise serves, cacheable for ever.
    status, body, headers = wait_for(f"http://127.0.0.1:{port}{hashed.group()}", process, log)
    assert status == 200
    assert b"{" in body
    assert "immutable" in headers.get("Cache-Control", "")


def test_serve_stops_cleanly_on_sigterm(started):
    port = free_port()
    process, log = started("serve", "--bind", f"127.0.0.1:{port}", "--workers", "1")
    wait_for(f"http://127.0.0.1:{port}/login/", process, log)

    process.send_signal(signal.SIGTERM)

    assert process.wait(timeout=30) == 0
    assert_nothing_listens_on(port)  # the port is free again: no worker left behind


def test_serve_rejects_a_bind_address_without_a_port():
    with pytest.raises(CommandError, match="HOST:PORT"):
        call_command("serve", "--bind", "localhost", "--no-collectstatic")


def test_run_serves_the_app_runs_tasks_and_stops_both_on_ctrl_c(started, migrated_var_dir):
    port = free_port()
    process, log = started("run", "--bind", f"127.0.0.1:{port}", "--no-demo")

    status, _, _ = wait_for(f"http://127.0.0.1:{port}/login/", process, log)
    assert status == 200
    deadline = time.monotonic() + 30
    beats: list[tuple[str]] = []
    while not beats and time.monotonic() < deadline:
        with sqlite3.connect(migrated_var_dir / "onramp.sqlite3") as db:
            beats = db.execute(
                "SELECT status FROM django_tasks_database_dbtaskresult "
                "WHERE task_path = 'onramp.core.tasks.worker_heartbeat' AND status = 'SUCCESSFUL'"
            ).fetchall()
        time.sleep(0.3)
    assert beats, f"the task worker never ran the heartbeat:\n{log.read_text()}"

    process.send_signal(signal.SIGINT)

    assert process.wait(timeout=30) == 0, log.read_text()
    output = log.read_text()
    assert f"http://127.0.0.1:{port}/" in output
    assert "Stopped." in output
    assert_nothing_listens_on(port)  # the web server went with it


def test_run_refuses_a_port_that_is_already_in_use():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(CommandError, match="already in use"):
            call_command("run", "--bind", f"127.0.0.1:{port}")


@pytest.fixture
def keep_signal_handlers() -> Iterator[None]:
    """The worker installs SIGINT/SIGTERM handlers for its graceful stop: put pytest's back."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def run_worker_batch() -> None:
    call_command("worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_worker_in_batch_mode_runs_the_queued_tasks_and_exits(keep_signal_handlers):
    from django_tasks import TaskResultStatus

    from onramp.core.tasks import last_worker_heartbeat, worker_heartbeat

    assert last_worker_heartbeat() is None
    result = worker_heartbeat.enqueue()

    run_worker_batch()

    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert last_worker_heartbeat() is not None
    assert result.return_value.startswith(str(last_worker_heartbeat().date()))


@pytest.mark.django_db(transaction=True)
def test_a_heartbeat_schedules_the_next_one_a_minute_later_and_only_one(keep_signal_handlers):
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from onramp.core.tasks import (
        HEARTBEAT_TASK_PATH,
        worker_heartbeat_schedule,
    )

    assert worker_heartbeat_schedule() is True
    assert worker_heartbeat_schedule() is False  # a second worker joins the same chain

    run_worker_batch()

    waiting = DBTaskResult.objects.filter(task_path=HEARTBEAT_TASK_PATH, status="READY")
    assert waiting.count() == 1
    assert waiting.get().run_after > timezone.now()


def test_run_leaves_a_database_that_has_users_as_it_is(owner):
    from onramp.core.management.commands.run import Command
    from onramp.core.models import User
    from onramp.org.models import OrgUnit

    Command()._load_demo_if_empty(skip=False)

    assert list(User.objects.values_list("username", flat=True)) == [owner.username]
    assert not OrgUnit.objects.exists()


def test_serve_gives_several_workers_one_emptied_metrics_folder(settings, tmp_path, monkeypatch):
    from onramp.core.management.commands.serve import metrics_dir_prepare

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "")  # unset, and restored after the test
    settings.VAR_DIR = tmp_path
    settings.ONRAMP = {**settings.ONRAMP, "METRICS": True}
    (tmp_path / "metrics").mkdir()
    (tmp_path / "metrics" / "counter_123.db").write_bytes(b"an earlier run")

    folder = metrics_dir_prepare(workers=2)

    assert folder == tmp_path / "metrics"
    assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == str(folder)
    assert not list(folder.glob("*.db"))  # figures of the earlier run are not added in


def test_serve_leaves_metrics_alone_when_they_are_off_or_one_process_serves(
    settings, tmp_path, monkeypatch
):
    from onramp.core.management.commands.serve import metrics_dir_prepare

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "")  # unset, and restored after the test
    settings.VAR_DIR = tmp_path
    settings.ONRAMP = {**settings.ONRAMP, "METRICS": False}
    assert metrics_dir_prepare(workers=4) is None
    settings.ONRAMP = {**settings.ONRAMP, "METRICS": True}
    assert metrics_dir_prepare(workers=1) is None
    assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == ""
