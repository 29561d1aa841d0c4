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
"""

from __future__ import annotations

import functools
import os
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


class DatabaseWrapper(base.DatabaseWrapper):
    _opened_file: tuple[int, int] | None = None

    def create_cursor(self, name: str | None = None) -> Any:
        return self.connection.cursor(factory=SQLiteCursorWrapper)

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        connection = super().get_new_connection(conn_params)
        if not self.is_in_memory_db():
            self._opened_file = _file_identity(self.settings_dict["NAME"])
        return connection

    def is_usable(self) -> bool:
        if self.is_in_memory_db():
            return True
        opened = self._opened_file
        return opened is not None and _file_identity(self.settings_dict["NAME"]) == opened
