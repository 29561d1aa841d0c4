"""Django's SQLite backend, with connections kept between requests (CONN_MAX_AGE) made safe.

Opening a SQLite connection costs about 3 ms of CPU (Django registers its SQL functions and
runs the PRAGMAs of OPTIONS), and closing the last one checkpoints the write-ahead log with an
fsync: a page that writes paid both on every request (docs/performance.md, "Survey
submissions"). A kept connection pays neither, but it holds its file open: if the file at NAME
is moved away or replaced (a disk being cleaned, a restore by copying a file over), it would go
on serving the old file. So a kept connection is usable only while NAME is still the file it
opened; Django's health check (CONN_HEALTH_CHECKS), run before its first use in each request,
reconnects otherwise.

Its cursors also remember the statements they converted from Django's "%s" placeholders to
SQLite's "?": Django converts with a regular expression on every execution, which costs about
20 µs for a statement of a few hundred characters, more than SQLite takes to run one that
reads a row by an index; the same statements come back request after request.

And it waits for the write lock in short steps. A transaction starts with BEGIN IMMEDIATE,
which takes SQLite's single write lock; when another process holds it, SQLite's own busy
handler sleeps 1 ms, then 2, 5, 10... before trying again, while a web request holds that lock
for a few tenths of a millisecond: under concurrent submissions a third of the transactions
slept at least 1 ms with nothing to do. Here the BEGIN is retried after 50 µs, then 100, 200...
up to 2 ms between attempts, for as long as the connection's busy timeout (20 s), after which
it fails as before ("database is locked").
"""

from __future__ import annotations

import functools
import os
import sqlite3
import time
from typing import Any

from django.db.backends.sqlite3 import base


def _file_identity(name: Any) -> tuple[int, int] | None:
    try:
        stat = os.stat(name)
    except (OSError, ValueError, TypeError):
        return None
    return stat.st_dev, stat.st_ino


def _convert(query: str) -> str:
    return base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")


# Statements up to this length are remembered (at most 8 MB for the lot); longer ones, such
# as multi-row INSERTs, are rarer and cost little to convert next to what they do.
_REMEMBERED_LENGTH = 4000
_remembered = functools.lru_cache(maxsize=2048)(_convert)


class SQLiteCursorWrapper(base.SQLiteCursorWrapper):
    def convert_query(self, query: str, *, param_names: list[str] | None = None) -> str:
        if param_names is None:
            return _remembered(query) if len(query) <= _REMEMBERED_LENGTH else _convert(query)
        return super().convert_query(query, param_names=param_names)


# Seconds between two attempts to take the write lock: the first wait, doubled after each
# attempt up to the longest.
FIRST_WAIT = 50e-6
LONGEST_WAIT = 2e-3


class DatabaseWrapper(base.DatabaseWrapper):
    _opened_file: tuple[int, int] | None = None
    # The connection's busy timeout in milliseconds (OPTIONS timeout, PRAGMA busy_timeout).
    _busy_ms = 0

    def create_cursor(self, name: str | None = None) -> Any:
        return self.connection.cursor(factory=SQLiteCursorWrapper)

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        connection = super().get_new_connection(conn_params)
        if not self.is_in_memory_db():
            self._opened_file = _file_identity(self.settings_dict["NAME"])
        self._busy_ms = connection.execute("PRAGMA busy_timeout").fetchone()[0]
        return connection

    def is_usable(self) -> bool:
        if self.is_in_memory_db():
            return True
        opened = self._opened_file
        return opened is not None and _file_identity(self.settings_dict["NAME"]) == opened

    def _start_transaction_under_autocommit(self) -> None:
        """BEGIN (IMMEDIATE, as configured) on the driver's connection, waiting for the write
        lock in short steps rather than through SQLite's busy handler (module docstring).
        Django runs it through a cursor of its own, which costs more than the statement."""
        statement = f"BEGIN {self.transaction_mode}" if self.transaction_mode else "BEGIN"
        raw = self.connection
        start = time.monotonic()
        if self.transaction_mode not in ("IMMEDIATE", "EXCLUSIVE") or self._busy_ms <= 0:
            with self.wrap_database_errors:
                raw.execute(statement)
        else:
            raw.execute("PRAGMA busy_timeout = 0")  # a busy lock fails at once: we wait here
            try:
                with self.wrap_database_errors:
                    _begin(raw, statement, start + self._busy_ms / 1000)
            finally:
                raw.execute(f"PRAGMA busy_timeout = {self._busy_ms}")
        if self.queries_logged:
            self.queries_log.append({"sql": statement, "time": f"{time.monotonic() - start:.3f}"})


def _begin(raw: sqlite3.Connection, statement: str, deadline: float) -> None:
    """Run `statement` on `raw` (whose busy timeout is 0) until it is not refused for a busy
    lock, sleeping FIRST_WAIT, then twice as long each time up to LONGEST_WAIT, between
    attempts; past `deadline` (time.monotonic()), SQLite's "database is locked" error."""
    wait = FIRST_WAIT
    while True:
        try:
            raw.execute(statement)
            return
        except sqlite3.OperationalError as exc:
            now = time.monotonic()
            if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY or now >= deadline:
                raise
        time.sleep(min(wait, deadline - now))
        wait = min(wait * 2, LONGEST_WAIT)
