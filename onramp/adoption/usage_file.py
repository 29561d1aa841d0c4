"""A usage file as DuckDB reads it, without Django: the reader of each format, and the first look
that `onramp ingest-usage` takes at its file while Django starts (onramp/__main__.py), on the
core that Django's single-threaded start-up leaves idle: the file's columns, and for the ones
that could be its actions the distinct values of SAMPLE_ROWS rows (with their hashes), from which
the import picks the bits that stand for its actions (see ingest._action_bit)."""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from onramp.core.digest import file_identity

# Per field of an event, the headers read as that field (besides its own name).
ALIASES: dict[str, tuple[str, ...]] = {
    "timestamp": ("ts", "time", "datetime", "date", "event_time", "occurred_at", "when"),
    "user": ("email", "user_id", "userid", "employee_id", "upn", "login", "username", "person"),
    "project": ("project_code", "project_id", "code"),
    "action": ("event", "event_type", "activity", "name", "type"),
    "service": ("service_slug", "app", "application", "product"),
    "count": ("events", "n", "quantity", "times"),
}
FORMATS = {
    ".csv": "csv",
    ".txt": "csv",
    ".jsonl": "json",
    ".ndjson": "json",
    ".json": "json",
    ".parquet": "parquet",
}
SAMPLE_ROWS = 100_000  # the rows whose actions the import gives bits before its one pass
SAMPLE_BLOCKS = 16  # and, in a large text file, the places spread over it whose lines it adds
BLOCK_BYTES = 1 << 16  # the bytes read at each place
SPREAD_MIN_BYTES = 1 << 23  # below 8 MB, the first rows are most of the file
MAX_ACTIONS = 64  # bits in the set of a group's actions


def reader(path: Path, fmt: str, *, lenient: bool = False) -> str:
    """DuckDB's reader of a usage file (`lenient`: rows it cannot parse are left out)."""
    p = str(path).replace("'", "''")
    skip = ", ignore_errors=true" if lenient else ""
    if fmt == "csv":
        return f"read_csv('{p}', header=true, all_varchar=true, auto_detect=true{skip})"
    if fmt == "json":
        return f"read_json('{p}', format='newline_delimited'{skip})"
    return f"read_parquet('{p}')"


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@contextlib.contextmanager
def spread_sample(path: Path, fmt: str) -> Iterator[str | None]:
    """For a CSV or JSON Lines file of more than SPREAD_MIN_BYTES, a DuckDB reader of whole
    lines taken from SAMPLE_BLOCKS places spread over it (copied, under the CSV's header, to a
    temporary file that is removed afterwards): the first rows alone would miss an action that
    the tool only logged later in the year. None for other files."""
    size = path.stat().st_size if path.is_file() else 0
    if fmt not in ("csv", "json") or size < SPREAD_MIN_BYTES:
        yield None
        return
    with path.open("rb") as f:
        parts = [f.readline()] if fmt == "csv" else []
        for i in range(1, SAMPLE_BLOCKS + 1):
            f.seek(size * i // (SAMPLE_BLOCKS + 1))
            block = f.read(BLOCK_BYTES)
            # From the first line that starts in the block to the last that ends in it.
            start, end = block.find(b"\n") + 1, block.rfind(b"\n") + 1
            if 0 < start < end:
                parts.append(block[start:end])
    fd, name = tempfile.mkstemp(prefix="onramp-sample-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as out:
            out.writelines(parts)
        yield reader(Path(name), fmt, lenient=True)
    finally:
        os.unlink(name)


def action_sample(
    con: Any, source: str, column: str, rows: int, spread: str | None = None
) -> dict[str, int] | None:
    """A column's distinct non-empty values (as text, as read) in the first `rows` rows of
    `source` (a DuckDB reader) and in all of `spread` (spread_sample's, if any), each with its
    DuckDB hash; None when there are more than MAX_ACTIONS."""
    import duckdb

    def distinct(rows_sql: str) -> dict[str, int]:
        return dict(
            con.execute(
                f"SELECT DISTINCT v, hash(v) FROM ({rows_sql}) WHERE v <> '' "
                f"LIMIT {MAX_ACTIONS + 1}"
            ).fetchall()
        )

    value = f"CAST({quote(column)} AS VARCHAR) AS v"
    found = distinct(f"SELECT {value} FROM {source} LIMIT {int(rows)}")
    if spread is not None and len(found) <= MAX_ACTIONS:
        # A sample only: the import checks every row against it (see ingest._group).
        with contextlib.suppress(duckdb.Error):
            found |= distinct(f"SELECT {value} FROM {spread}")
    return None if len(found) > MAX_ACTIONS else found


def _action_headers(headers: list[str]) -> list[str]:
    """The headers that the import could read as the action unless told otherwise (as
    ColumnMapping.guess compares them: lower case, letters and digits only)."""

    def plain(name: str) -> str:
        return "".join(ch for ch in name.lower() if ch.isalnum())

    names = {plain(n) for n in ("action", *ALIASES["action"])}
    return [h for h in headers if plain(h) in names]


@dataclass
class Look:
    """A file's columns, and per column that could be its actions its distinct values in
    SAMPLE_ROWS rows, with their hashes (None: more than MAX_ACTIONS of them). Empty when the file
    could not be read: the import then reads it itself, and reports why it cannot."""

    path: Path
    fmt: str
    identity: tuple[int, int, int, int] | None
    headers: list[str] | None = None
    samples: dict[str, dict[str, int] | None] = field(default_factory=dict)
    sample_rows: int = SAMPLE_ROWS

    def take(self) -> None:
        import duckdb

        con = duckdb.connect()
        try:
            con.execute("SET threads = 1")  # one core: the other is starting Django
            con.execute("SET enable_progress_bar = false")
            source = reader(self.path, self.fmt)
            headers = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
            with spread_sample(self.path, self.fmt) as spread:
                self.samples = {
                    h: action_sample(con, source, h, self.sample_rows, spread)
                    for h in _action_headers(headers)
                }
            self.headers = headers
        except (duckdb.Error, OSError):
            self.headers, self.samples = None, {}
        finally:
            con.close()


_early: dict[str, tuple[threading.Thread, Look]] = {}


def look_early(path: str | Path, then: Callable[[], object] | None = None) -> None:
    """Start looking at a file that `onramp ingest-usage` is about to import, in a thread that
    calls `then` afterwards (a path that is not a usage file is left alone)."""
    key = os.path.abspath(path)
    fmt = FORMATS.get(Path(key).suffix.lower())
    if key in _early or fmt is None or not os.path.isfile(key):
        return
    look = Look(Path(key), fmt, file_identity(Path(key)))

    def run() -> None:
        look.take()
        if then is not None:
            then()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    _early[key] = (thread, look)


def early_look(path: Path, fmt: str) -> Look | None:
    """The look started early at `path`, once done, if the file is unchanged since and read in
    the same format and it could be read; else None."""
    started = _early.pop(os.path.abspath(path), None)
    if started is None:
        return None
    thread, look = started
    thread.join()
    if look.headers is None or look.fmt != fmt or look.identity != file_identity(Path(path)):
        return None
    return look
