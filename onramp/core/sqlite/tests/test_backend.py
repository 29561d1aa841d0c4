"""Onramp's SQLite backend (onramp.core.sqlite): the statements its cursors remember converting.
The cursors run on a connection of their own, whatever database the tests use."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest

from onramp.core.sqlite import base


@pytest.fixture
def cursor() -> Iterator[base.SQLiteCursorWrapper]:
    connection = sqlite3.connect(":memory:")
    yield connection.cursor(factory=base.SQLiteCursorWrapper)
    connection.close()


def test_it_converts_placeholders_and_percent_signs_as_django_does(cursor):
    cursor.execute("SELECT %s || '%%', %s", ["50", 7])
    assert cursor.fetchone() == ("50%", 7)
    assert base._convert("SELECT %s, '%%s', %s") == "SELECT ?, '%s', ?"


def test_it_converts_a_statement_once_and_remembers_it(cursor):
    statement = "SELECT %s + 1 AS remembered_once"
    before = base._remembered.cache_info()
    for value in (1, 2, 3):
        cursor.execute(statement, [value])
        assert cursor.fetchone() == (value + 1,)
    after = base._remembered.cache_info()
    assert after.misses - before.misses == 1
    assert after.hits - before.hits == 2


def test_it_does_not_remember_long_statements(cursor):
    values = list(range(900))
    statement = "SELECT " + " + ".join(["%s"] * len(values))
    assert len(statement) > base._REMEMBERED_LENGTH
    before = base._remembered.cache_info()
    cursor.execute(statement, values)
    assert cursor.fetchone() == (sum(values),)
    after = base._remembered.cache_info()
    assert (after.hits, after.misses) == (before.hits, before.misses)


def test_the_backend_makes_its_cursors_remember():
    from django.db import connections

    # Onramp's backend over a connection of its own (the tests' database is not touched).
    wrapper = base.DatabaseWrapper({**connections["default"].settings_dict, "NAME": ":memory:"})
    wrapper.connection = sqlite3.connect(":memory:")
    try:
        assert isinstance(wrapper.create_cursor(), base.SQLiteCursorWrapper)
    finally:
        wrapper.connection.close()
