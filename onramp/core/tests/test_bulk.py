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
