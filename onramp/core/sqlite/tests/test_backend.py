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


@pytest.fixture
def own_database(django_db_blocker):
    """The tests below open connections of their own, to files of their own."""
    with django_db_blocker.unblock():
        yield


def _wrapper(path, *, timeout: float) -> base.DatabaseWrapper:
    """Onramp's backend on a file of its own, as settings.py configures it (BEGIN IMMEDIATE,
    WAL), whatever database the tests use."""
    settings = {
        "ENGINE": "onramp.core.sqlite",
        "NAME": str(path),
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": timeout,
            "init_command": "PRAGMA journal_mode=WAL;",
        },
        "TIME_ZONE": None,
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": False,
        "AUTOCOMMIT": True,
        "ATOMIC_REQUESTS": False,
        "USER": "",
        "PASSWORD": "",
        "HOST": "",
        "PORT": "",
        "TEST": {},
    }
    wrapper = base.DatabaseWrapper(settings, alias="sqlite-waits")
    wrapper.ensure_connection()
    wrapper.connection.execute("CREATE TABLE IF NOT EXISTS t (v integer)")
    return wrapper


def _busy_ms(wrapper: base.DatabaseWrapper) -> int:
    return wrapper.connection.execute("PRAGMA busy_timeout").fetchone()[0]


def test_a_transaction_waits_for_another_process_write_lock_then_starts(tmp_path, own_database):
    import threading
    import time

    wrapper = _wrapper(tmp_path / "db.sqlite3", timeout=5)
    other = sqlite3.connect(tmp_path / "db.sqlite3", isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # the other process's write, held for 50 ms
    release = threading.Timer(0.05, lambda: other.execute("COMMIT"))
    try:
        release.start()
        started = time.monotonic()
        wrapper.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
        waited = time.monotonic() - started
        wrapper.connection.execute("INSERT INTO t VALUES (1)")
        wrapper.commit()
        wrapper.set_autocommit(True)
    finally:
        release.join()
        other.close()
    assert 0.04 <= waited < 2
    assert _busy_ms(wrapper) == 5000  # SQLite's own wait is back for every other statement
    assert wrapper.connection.execute("SELECT count(*) FROM t").fetchone() == (1,)
    wrapper.close()


def test_a_write_lock_held_past_the_busy_timeout_fails_as_locked(tmp_path, own_database):
    import time

    from django.db import OperationalError

    wrapper = _wrapper(tmp_path / "db.sqlite3", timeout=0.2)
    other = sqlite3.connect(tmp_path / "db.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        with pytest.raises(OperationalError, match="locked"):
            wrapper.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
        waited = time.monotonic() - started
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert 0.19 <= waited < 1.5
    assert wrapper.get_autocommit() and _busy_ms(wrapper) == 200
    wrapper.close()


def test_the_begin_is_logged_with_the_statements_when_queries_are(tmp_path, own_database):
    wrapper = _wrapper(tmp_path / "db.sqlite3", timeout=5)
    wrapper.force_debug_cursor = True
    wrapper.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    wrapper.rollback()
    wrapper.set_autocommit(True)
    assert [q["sql"] for q in wrapper.queries] == ["BEGIN IMMEDIATE", "ROLLBACK"]
    wrapper.close()
