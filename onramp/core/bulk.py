"""Bulk writes of many rows through a Django cursor.

A multi-row INSERT (`VALUES (...), (...), ...` with ROWS_PER_STATEMENT rows) run with
executemany: on SQLite, executemany's per-row step and reset cost more than SQLite's own work,
so a million rows go in 2.2 s this way against 5.1 s one row per step (measured with the
activity table's index); PostgreSQL's round trips shrink likewise.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

# Rows per statement: x 8 values at most, well under SQLite's 32,766 bound parameters and
# PostgreSQL's 65,535. Beyond ~200 rows the gain stops (SQLite compiles a larger statement).
ROWS_PER_STATEMENT = 200


def insert_rows(cursor: Any, head: str, row: str, values: Sequence[Any], *, width: int) -> int:
    """Insert rows given as one flat sequence of `width` values per row. `head` is
    "INSERT INTO t (a, b, ...) VALUES ", `row` the placeholder group of one row, such as
    "(%s, %s, 7)" (constants may be inlined). Returns the number of rows."""
    per = ROWS_PER_STATEMENT * width
    whole = len(values) - len(values) % per
    if whole:
        cursor.executemany(
            head + ", ".join([row] * ROWS_PER_STATEMENT),
            (values[i : i + per] for i in range(0, whole, per)),
        )
    if whole < len(values):
        cursor.execute(head + ", ".join([row] * ((len(values) - whole) // width)), values[whole:])
    return len(values) // width


def write_rows(cursor: Any, table: str, columns: Sequence[str], rows: Sequence[tuple]) -> int:
    """Insert rows of plain values: PostgreSQL's COPY (rows adapted in C, no statement per
    batch: about half the time of multi-row INSERTs for 50,000 rows), else multi-row
    INSERTs. Returns the number of rows."""
    if not rows:
        return 0
    names = ", ".join(columns)
    if cursor.db.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return len(rows)
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    return insert_rows(
        cursor,
        f"INSERT INTO {table} ({names}) VALUES ",
        placeholders,
        flat(rows),  # noqa: S608
        width=len(columns),
    )


def flat(rows: Iterable[tuple]) -> list:
    """Tuples as one flat list, row after row."""
    return list(itertools.chain.from_iterable(rows))


def flat_columns(columns: Sequence[np.ndarray]) -> list:
    """NumPy columns (never NULL) as one flat list of Python values, row after row; dates as
    ISO text, each day's text made once and shared (NumPy formatting each of a million dates
    cost three times the rest)."""
    table = np.empty((len(columns[0]), len(columns)), dtype=object)
    for i, values in enumerate(columns):
        values = np.ma.getdata(values)
        if values.dtype.kind == "M" and len(values):
            days = values.astype("datetime64[D]").view("int64")
            low = int(days.min())
            span = np.arange(low, int(days.max()) + 1).astype("datetime64[D]")
            labels = np.array(np.datetime_as_string(span, unit="D").tolist(), dtype=object)
            table[:, i] = labels[days - low]
        else:
            table[:, i] = values.tolist()
    return table.ravel().tolist()


# PostgreSQL's binary COPY format: a header, then per row a 16-bit field count and, per field,
# a 32-bit length (-1: NULL) and the value in network byte order; a trailer of -1.
PG_BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
PG_BINARY_TRAILER = (-1).to_bytes(2, "big", signed=True)
# The column types written without text: a date is its days since 2000-01-01.
PG_BINARY_TYPES = {"bigint": ">i8", "integer": ">i4", "smallint": ">i2", "date": ">i4"}


def pg_column_types(cursor: Any, table: str) -> dict[str, str]:
    """PostgreSQL: each column's type, as the catalogue names it ("bigint", "integer", ...):
    what a binary COPY must match."""
    cursor.execute(
        "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
        "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
        [table],
    )
    return dict(cursor.fetchall())


def pg_binary_rows(fields: Sequence[tuple[str, Any]], rows: int) -> bytes:
    """`rows` rows in PostgreSQL's binary COPY format (without header and trailer), built by
    NumPy in a few passes instead of adapting each value in Python. `fields` are the row's
    fields in the COPY's column order, each (type, value): a type of PG_BINARY_TYPES with an
    array of `rows` values (dates as days since 2000-01-01) or one value for all rows; or any
    type with None (NULL); or "text" with "" (empty text)."""
    layout: list[tuple[str, str]] = [("fields", ">i2")]
    for i, (kind, value) in enumerate(fields):
        layout.append((f"len{i}", ">i4"))
        if value is None or (kind == "text" and value == ""):
            continue
        if kind not in PG_BINARY_TYPES:
            raise ValueError(f"Field {i}: {kind} {value!r} has no binary form here.")
        layout.append((f"value{i}", PG_BINARY_TYPES[kind]))
    out = np.empty(rows, dtype=np.dtype(layout))
    out["fields"] = len(fields)
    for i, (kind, value) in enumerate(fields):
        if value is None:
            out[f"len{i}"] = -1
        elif kind == "text":
            out[f"len{i}"] = 0
        else:
            out[f"len{i}"] = np.dtype(PG_BINARY_TYPES[kind]).itemsize
            out[f"value{i}"] = value
    return out.tobytes()
