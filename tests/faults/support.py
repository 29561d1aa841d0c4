"""Real processes for the fault tests: `onramp` commands, a web server, a throwaway PostgreSQL
cluster and a TCP proxy that can cut the line to it. Every wait here is bounded."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("ONRAMP_PG_BIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def onramp_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of an `onramp` subprocess: its own var/ (SQLite file, secret key), no
    inherited DATABASE_URL unless passed in `extra`, DEBUG off as in production."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DEBUG"}
        and not k.startswith("PYTEST")
    }
    env.update(
        ONRAMP_VAR_DIR=str(var_dir),
        DEBUG="false",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
        DJANGO_SETTINGS_MODULE="onramp.settings",
    )
    env.update(extra)
    return env


def onramp_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "onramp", *args]


def run(argv: list[str], env: dict[str, str], *, timeout: float = 120) -> str:
    """Run a command to the end; fail the test with its output if it fails."""
    done = subprocess.run(
        argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise AssertionError(
            f"{' '.join(argv)} exited {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
    return done.stdout


def django_snippet(code: str, env: dict[str, str], *, timeout: float = 60) -> str:
    """Run Python code with Django set up in a separate process; returns its stdout."""
    prelude = "import django\ndjango.setup()\n"
    return run([sys.executable, "-c", prelude + code], env, timeout=timeout)


def wait_for(
    condition: Callable[[], object], *, timeout: float, interval: float = 0.1, what: str = ""
) -> object:
    """Poll until `condition()` returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out after {timeout:.0f} s waiting for {what or condition}")
        time.sleep(interval)


def stop(process: subprocess.Popen, *, grace: float = 10) -> None:
    """SIGTERM, then SIGKILL if it has not exited within `grace` seconds."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


class Server:
    """`onramp serve` on a free loopback port."""

    def __init__(self, env: dict[str, str], *, workers: int = 1, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env
        self.workers = workers
        self.log_path = log
        self.process: subprocess.Popen | None = None

    def start(self, *, timeout: float = 60) -> Server:
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            onramp_argv(
                "serve",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--no-access-log",
                # Compressing every static file takes a while on a busy machine; without the
                # manifest, whitenoise serves them from the apps' folders.
                "--no-collectstatic",
            ),
            env=self.env,
            cwd=ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

        def up() -> bool:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"onramp serve exited:\n{self.log()[-5000:]}")
            try:
                return requests.get(f"{self.url}/login/", timeout=2).status_code == 200
            except requests.RequestException:
                return False

        wait_for(up, timeout=timeout, interval=0.2, what="onramp serve to answer /login/")
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self._log.close()


class PostgresCluster:
    """A throwaway PostgreSQL cluster on a free port, run as the `postgres` user when we are
    root (initdb refuses to run as root). About a second to start with fsync off."""

    def __init__(self) -> None:
        self.port = free_port()
        self.data = Path(tempfile.mkdtemp(prefix="onramp-pg-"))
        self.as_root = os.geteuid() == 0

    def _pg(self, *argv: str, timeout: float = 60) -> None:
        command = [str(PG_BIN / argv[0]), *argv[1:]]
        if self.as_root:
            command = ["su", "postgres", "-c", " ".join(_quote(c) for c in command)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise AssertionError(f"{argv[0]} failed:\n{done.stdout}\n{done.stderr}")

    def start(self) -> PostgresCluster:
        if not (PG_BIN / "initdb").exists():
            raise AssertionError(
                f"PostgreSQL not found in {PG_BIN}: install Debian's postgresql package "
                "(apt-get install -y postgresql) or set ONRAMP_PG_BIN."
            )
        if self.as_root:
            shutil.chown(self.data, user="postgres")
        self._pg("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k /tmp -c fsync=off"
        self._pg(
            "pg_ctl", "-D", str(self.data), "-l", str(self.data / "log"), "-w", "-o", options,
            "start",
        )  # fmt: skip
        self.sql("CREATE ROLE onramp LOGIN PASSWORD 'onramp' CREATEDB")
        self.sql("CREATE DATABASE onramp OWNER onramp")
        return self

    def sql(self, statement: str, *, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=database, autocommit=True
        ) as conn:
            conn.execute(statement)

    def url(self, *, port: int | None = None) -> str:
        return f"postgres://onramp:onramp@127.0.0.1:{port or self.port}/onramp?connect_timeout=3"

    def stop(self) -> None:
        with contextlib.suppress(AssertionError, subprocess.TimeoutExpired):
            self._pg("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", timeout=30)
        shutil.rmtree(self.data, ignore_errors=True)


def _quote(arg: str) -> str:
    import shlex

    return shlex.quote(arg)


class TcpProxy:
    """A loopback TCP proxy that the test can cut (open connections are dropped and new ones
    closed at once, as when a database host vanishes) and restore."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._cut = threading.Event()
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def start(self) -> TcpProxy:
        self._thread.start()
        return self

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self._cut.is_set():
                _close(client)
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                _close(client)
                continue
            server.settimeout(None)
            with self._lock:
                self._sockets.update((client, server))
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                _close(s)
                with self._lock:
                    self._sockets.discard(s)

    def cut(self) -> None:
        self._cut.set()
        with self._lock:
            live = list(self._sockets)
            self._sockets.clear()
        for s in live:
            _close(s)

    def restore(self) -> None:
        self._cut.clear()

    def close(self) -> None:
        self._closed.set()
        self.cut()
        _close(self.listener)


def _close(s: socket.socket) -> None:
    with contextlib.suppress(OSError):
        s.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        s.close()


@contextlib.contextmanager
def running(process: subprocess.Popen) -> Iterator[subprocess.Popen]:
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
