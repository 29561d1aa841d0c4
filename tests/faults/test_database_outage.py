"""The database going away: people get the 503 page, scripts a JSON 503, nobody a traceback;
and the app serves again, without a restart, once the database is back.

`onramp serve` runs as a real process against a PostgreSQL cluster started for the test, through
a TCP proxy that the test cuts (as when the database host or the network between goes away) and
restores. Open connections die mid-stream and new ones are refused, like a real outage.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests

from conftest import PASSWORD
from tests.faults.support import (
    PostgresCluster,
    Server,
    TcpProxy,
    django_snippet,
    onramp_argv,
    onramp_env,
    run,
    wait_for,
)

TIMEOUT = 20  # seconds, for any one HTTP request

SETUP = f"""
from onramp.core.services import api_token_create, user_create
from onramp.catalog.services import service_create
viewer = user_create(username="vera", password={PASSWORD!r}, role="viewer")
owner = user_create(username="olga", password={PASSWORD!r}, role="owner")
service_create(name="Risk Framework", owner=owner)
_token, raw = api_token_create(user=viewer, name="faults")
print(raw)
"""

LEAKS = ("Traceback", "OperationalError", "psycopg", 'File "', "connection to server")


@pytest.fixture
def postgres():
    cluster = PostgresCluster().start()
    yield cluster
    cluster.stop()


def sign_in(url: str, username: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{url}/login/", timeout=TIMEOUT)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert csrf, "the login page has no CSRF token"
    response = session.post(
        f"{url}/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": csrf[1]},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert response.status_code == 302, response.text[:500]
    return session


def assert_no_leak(body: str) -> None:
    for leak in LEAKS:
        assert leak not in body, f"the error response shows {leak!r}"


def test_a_lost_database_gives_a_503_page_and_api_json_and_the_app_recovers(
    postgres: PostgresCluster, tmp_path: Path
):
    proxy = TcpProxy(postgres.port).start()
    env = onramp_env(tmp_path / "var", DATABASE_URL=postgres.url(port=proxy.port))
    run(onramp_argv("migrate", "--noinput"), env)
    token = django_snippet(SETUP, env).strip().splitlines()[-1]
    bearer = {"Authorization": f"Bearer {token}"}
    server = Server(env, workers=1, log=tmp_path / "serve.log").start()
    try:
        browser = sign_in(server.url, "vera")
        assert browser.get(f"{server.url}/", timeout=TIMEOUT).status_code == 200
        services = requests.get(f"{server.url}/api/v1/services", headers=bearer, timeout=TIMEOUT)
        assert services.status_code == 200
        assert "Risk Framework" in services.text

        proxy.cut()

        for path in ("/", "/services/", "/org/"):
            page = browser.get(f"{server.url}{path}", timeout=TIMEOUT)
            assert page.status_code == 503, (path, page.status_code, page.text[:300])
            assert page.headers["Content-Type"].startswith("text/html")
            assert "Onramp is temporarily unavailable" in page.text
            assert "try again in a minute" in page.text
            assert page.headers["Retry-After"].isdigit()
            assert_no_leak(page.text)
        for path in ("/api/v1/services", "/api/v1/people"):
            answer = requests.get(f"{server.url}{path}", headers=bearer, timeout=TIMEOUT)
            assert answer.status_code == 503, (path, answer.status_code, answer.text[:300])
            assert answer.headers["Content-Type"] == "application/json"
            assert "cannot reach its database" in answer.json()["detail"]
            assert_no_leak(answer.text)
        # The server itself stayed up and still serves pages that need no database.
        assert requests.get(f"{server.url}/login/", timeout=TIMEOUT).status_code == 200

        proxy.restore()

        wait_for(
            lambda: browser.get(f"{server.url}/", timeout=TIMEOUT).status_code == 200,
            timeout=30,
            interval=0.5,
            what="the home page to work again once the database is back",
        )
        home = browser.get(f"{server.url}/", timeout=TIMEOUT)
        assert "Risk Framework" in home.text
        again = requests.get(f"{server.url}/api/v1/services", headers=bearer, timeout=TIMEOUT)
        assert again.status_code == 200
        assert "Risk Framework" in again.text
        # Still signed in: the session outlived the outage.
        assert "vera" in home.text.lower() or "Vera" in home.text
        # The operator, unlike the user, gets the traceback: in the server's log.
        log = server.log()
        assert "Database unavailable while serving GET /" in log
        assert "Traceback" in log
    finally:
        server.stop()
        proxy.close()


def test_a_vanished_sqlite_file_gives_the_503_page_and_the_app_recovers_when_it_is_back(
    tmp_path: Path,
):
    """The embedded default: the SQLite file moved away (a full disk being cleaned, a restore
    half done). SQLite then opens an empty new file in its place, whose missing tables are the
    outage; moving the file back ends it."""
    var = tmp_path / "var"
    env = onramp_env(var)
    run(onramp_argv("migrate", "--noinput"), env)
    token = django_snippet(SETUP, env).strip().splitlines()[-1]
    bearer = {"Authorization": f"Bearer {token}"}
    server = Server(env, workers=1, log=tmp_path / "serve.log").start()
    files = [var / f"onramp.sqlite3{suffix}" for suffix in ("", "-wal", "-shm")]
    away = tmp_path / "away"
    away.mkdir()
    try:
        browser = sign_in(server.url, "vera")
        assert browser.get(f"{server.url}/services/", timeout=TIMEOUT).status_code == 200

        for f in files:
            if f.exists():
                f.rename(away / f.name)

        page = browser.get(f"{server.url}/services/", timeout=TIMEOUT)
        assert page.status_code == 503, page.text[:300]
        assert "Onramp is temporarily unavailable" in page.text
        assert_no_leak(page.text)
        answer = requests.get(f"{server.url}/api/v1/services", headers=bearer, timeout=TIMEOUT)
        assert answer.status_code == 503
        assert "cannot reach its database" in answer.json()["detail"]
        assert_no_leak(answer.text)

        for f in files:  # the empty stand-ins SQLite created go; the real file comes back
            f.unlink(missing_ok=True)
            if (away / f.name).exists():
                (away / f.name).rename(f)

        page = browser.get(f"{server.url}/services/", timeout=TIMEOUT)
        assert page.status_code == 200
        assert "Risk Framework" in page.text
        again = requests.get(f"{server.url}/api/v1/services", headers=bearer, timeout=TIMEOUT)
        assert again.status_code == 200
    finally:
        server.stop()
