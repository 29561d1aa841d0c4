from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.db import connection

from onramp.core import bulk

pytestmark = pytest.mark.django_db


@pytest.fixture
def table():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE bulk_t (a integer, b varchar(10), c integer)")
        yield cursor
        cursor.execute("DROP TABLE bulk_t")


def _rows(cursor) -> list[tuple]:
    cursor.execute("SELECT a, b, c FROM bulk_t ORDER BY a")
    return [tuple(r) for r in cursor.fetchall()]


@pytest.mark.parametrize("count", [0, 1, 6, 7, 13])
def test_insert_rows_writes_every_row_in_whole_statements_and_a_remainder(
    table, monkeypatch, count
):
    monkeypatch.setattr(bulk, "ROWS_PER_STATEMENT", 3)
    rows = [(i, f"r{i}", i * 10) for i in range(count)]
    head = "INSERT INTO bulk_t (a, b, c) VALUES "
    assert bulk.insert_rows(table, head, "(%s, %s, %s)", bulk.flat(rows), width=3) == count
    assert _rows(table) == rows


def test_insert_rows_keeps_constants_inlined_in_the_row(table):
    head = "INSERT INTO bulk_t (a, c, b) VALUES "
    assert bulk.insert_rows(table, head, "(%s, 7, %s)", [1, "x", 2, "y"], width=2) == 2
    assert _rows(table) == [(1, "x", 7), (2, "y", 7)]


def test_flat_columns_interleaves_rows_and_writes_dates_as_iso_text():
    days = np.array(["2026-03-01", "2025-12-31", "2026-03-01"], dtype="datetime64[D]")
    values = bulk.flat_columns([np.array([5, 6, 7]), days, np.ma.masked_array([1, 2, 3])])
    assert values == [5, "2026-03-01", 1, 6, "2025-12-31", 2, 7, "2026-03-01", 3]
    assert all(type(v) in (int, str) for v in values)
    assert dt.date.fromisoformat(values[4]) == dt.date(2025, 12, 31)


@pytest.mark.parametrize("count", [0, 1, 250])
def test_write_rows_writes_plain_rows_with_copy_or_inserts(table, count):
    # COPY on PostgreSQL, multi-row INSERTs elsewhere: the same rows either way, NULLs and text
    # with commas, quotes and tabs intact.
    rows = [(i, None if i % 3 == 0 else f'a,"b"\t{i}'[:10], i * 2) for i in range(count)]
    assert bulk.write_rows(table, "bulk_t", ["a", "b", "c"], rows) == count
    assert _rows(table) == rows


def test_pg_binary_rows_lays_out_counts_lengths_and_big_endian_values():
    data = bulk.pg_binary_rows(
        [
            ("bigint", np.array([1, 2**40])),
            ("integer", None),
            ("text", ""),
            ("date", np.array([-1, 9598])),  # 1999-12-31, 2026-04-12
            ("smallint", 7),
        ],
        2,
    )
    # Per row: 2 (field count) + 4 + 8 + 4 + 4 + 4 + 4 + 4 + 2 bytes.
    assert len(data) == 2 * 36
    first = data[:36]
    assert first[:2] == (5).to_bytes(2, "big")
    assert first[2:6] == (8).to_bytes(4, "big") and first[6:14] == (1).to_bytes(8, "big")
    assert first[14:18] == (-1).to_bytes(4, "big", signed=True)  # NULL: no value bytes
    assert first[18:22] == (0).to_bytes(4, "big")  # empty text
    assert first[22:26] == (4).to_bytes(4, "big")
    assert first[26:30] == (-1).to_bytes(4, "big", signed=True)
    assert first[30:34] == (2).to_bytes(4, "big") and first[34:36] == (7).to_bytes(2, "big")
    assert data[36 + 6 : 36 + 14] == (2**40).to_bytes(8, "big")
    assert data[36 + 26 : 36 + 30] == (9598).to_bytes(4, "big")


def test_pg_binary_rows_refuses_a_type_it_cannot_write():
    with pytest.raises(ValueError, match="numeric"):
        bulk.pg_binary_rows([("numeric", np.array([1]))], 1)


def test_pg_binary_rows_are_read_back_by_postgresql():
    if connection.vendor != "postgresql":
        return  # PostgreSQL's own format: the SQLite run has no server to read it
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE bulk_b (a bigint, b integer, t varchar(5), d date, s smallint)"
        )
        body = bulk.pg_binary_rows(
            [
                ("bigint", np.array([3, -(2**40)])),
                ("integer", None),
                ("text", ""),
                ("date", np.array([0, -365])),
                ("smallint", np.array([32767, -1])),
            ],
            2,
        )
        with cursor.cursor.copy("COPY bulk_b FROM STDIN (FORMAT binary)") as copy:
            copy.write(bulk.PG_BINARY_HEADER + body + bulk.PG_BINARY_TRAILER)
        cursor.execute("SELECT a, b, t, d, s FROM bulk_b ORDER BY a DESC")
        assert [tuple(r) for r in cursor.fetchall()] == [
            (3, None, "", dt.date(2000, 1, 1), 32767),
            (-(2**40), None, "", dt.date(1999, 1, 1), -1),
        ]
