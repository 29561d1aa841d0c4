"""Django's SQLite backend, with connections kept between requests (CONN_MAX_AGE) made safe.

Opening a SQLite connection costs about 3 ms of CPU (Django registers its SQL functions and
runs the PRAGMAs of OPTIONS), and closing the last one checkpoints the write-ahead log with an
fsync: a page that writes paid both on every request (docs/performance.md, "Survey
submissions"). A kept connection pays neither, but it holds its file open: if the file at NAME
is moved away or replaced (a disk being cleaned, a restore by copying a file over), it would go
on serving the old file. So a kept connection is usable only while NAME is still the file it
opened; Django's health check (CONN_HEALTH_CHECKS), run before its first use in each request,
reconnects otherwise.
"""

from __future__ import annotations

import os
from typing import Any

from django.db.backends.sqlite3 import base


def _file_identity(name: Any) -> tuple[int, int] | None:
    try:
        stat = os.stat(name)
    except (OSError, ValueError, TypeError):
        return None
    return stat.st_dev, stat.st_ino


class DatabaseWrapper(base.DatabaseWrapper):
    _opened_file: tuple[int, int] | None = None

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
