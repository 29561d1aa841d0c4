"""A real OpenID Connect provider for the SSO tests: django-oidc-provider in a tiny separate
Django project (onramp/accounts/tests/idp/), served by gunicorn on 127.0.0.1 for the session."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests

ROOT = Path(__file__).resolve().parents[3]
CALLBACK = "http://testserver/accounts/oidc/callback/"
CLIENT_ID = "onramp-test"
CLIENT_SECRET = "provider-test-secret"
IDP_PASSWORD = "idp password 123"
IDP_USERS = [
    # Matches small_org's "Person 2" (p2@acme.test), with the email in another case.
    {
        "username": "pat",
        "email": "P2@Acme.TEST",
        "first_name": "Pat",
        "last_name": "Two",
        "groups": ["service-owners", "staff"],
    },
    {"username": "ann", "email": "ann@acme.test", "groups": ["pmo-admins", "staff"]},
    {"username": "sam", "email": "sam@acme.test", "groups": ["staff"]},
    {"username": "nog", "email": "nog@acme.test", "groups": []},
    {"username": "ada-at-idp", "email": "ADA@acme.test", "groups": ["staff"]},
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Provider:
    origin: str
    process: subprocess.Popen
    users: list[dict] = field(default_factory=list)

    @property
    def issuer(self) -> str:
        return self.origin

    def settings_for(self, settings, **overrides) -> None:
        """Point Onramp's settings (pytest-django's `settings` fixture) at this provider."""
        settings.OIDC_DISCOVERY_URL = self.issuer
        settings.OIDC_CLIENT_ID = CLIENT_ID
        settings.OIDC_CLIENT_SECRET = CLIENT_SECRET
        settings.OIDC_SCOPES = "openid email profile groups"
        settings.OIDC_PROVIDER_NAME = "Test IdP"
        settings.OIDC_ROLE_MAP = {
            "pmo-admins": "admin",
            "service-owners": "owner",
            "champions": "champion",
            "staff": "viewer",
        }
        settings.OIDC_DEFAULT_ROLE = "none"
        for name, value in overrides.items():
            setattr(settings, name, value)


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("idp")
    port = _free_port()
    origin = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "onramp.accounts.tests.idp.settings",
        "IDP_SITE_URL": origin,
        "IDP_DATABASE": str(workdir / "idp.sqlite3"),
        "PYTHONPATH": str(ROOT),
    }
    run = [sys.executable, "-m", "django"]
    subprocess.run([*run, "migrate", "--noinput", "-v0"], env=env, cwd=ROOT, check=True)
    users = [{**u, "password": IDP_PASSWORD} for u in IDP_USERS]
    subprocess.run(
        [
            *run,
            "idp_seed",
            f"--client-id={CLIENT_ID}",
            f"--client-secret={CLIENT_SECRET}",
            f"--redirect-uri={CALLBACK}",
            f"--users={json.dumps(users)}",
        ],
        env=env,
        cwd=ROOT,
        check=True,
    )
    log = open(workdir / "gunicorn.log", "w")  # noqa: SIM115 (closed at teardown)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "onramp.accounts.tests.idp.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            "--workers=1",
            "--threads=4",
        ],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    discovery = f"{origin}/.well-known/openid-configuration"
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(discovery, timeout=10).status_code == 200:
                break
        except requests.RequestException:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(
                f"The test OIDC provider did not start: {(workdir / 'gunicorn.log').read_text()}"
            )
        time.sleep(0.2)
    yield Provider(origin=origin, process=process, users=users)
    process.terminate()
    process.wait(timeout=10)
    log.close()


def _csrf_from(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "the provider's sign-in form has no CSRF token"
    return match.group(1)


def browser_sign_in(client, *, username: str, password: str = IDP_PASSWORD, start: str = ""):
    """Drive the authorization-code flow as a browser would: Onramp's side through Django's
    test client, the provider's side over real HTTP. Returns Onramp's callback response."""
    response = client.get(start or "/accounts/oidc/login/")
    assert response.status_code == 302, response
    url = response["Location"]
    browser = requests.Session()
    for _ in range(10):
        if url.startswith("http://testserver/"):
            break
        page = browser.get(url, allow_redirects=False, timeout=10)
        if page.status_code == 200 and "csrfmiddlewaretoken" in page.text:
            next_match = re.search(r'name="next" value="([^"]*)"', page.text)
            page = browser.post(
                url,
                data={
                    "csrfmiddlewaretoken": _csrf_from(page.text),
                    "username": username,
                    "password": password,
                    "next": next_match.group(1).replace("&amp;", "&") if next_match else "",
                },
                headers={"Referer": url},
                allow_redirects=False,
                timeout=10,
            )
        assert page.status_code in (301, 302), (page.status_code, page.text[:500])
        url = urljoin(url, page.headers["Location"])
    else:
        pytest.fail("The provider never redirected back to Onramp.")
    parts = urlsplit(url)
    return client.get(f"{parts.path}?{parts.query}")
