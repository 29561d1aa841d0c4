"""Security headers, HTTPS settings and rate limits (429 with Retry-After)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import Client, RequestFactory

from conftest import PASSWORD
from onramp.core.security import Rate, client_ip, rate_limit_hit, rate_limited


@pytest.fixture(autouse=True)
def _clock_inside_one_window(monkeypatch):
    """Rate limits count in fixed windows (per minute, per hour): a test whose requests
    straddled a window's end saw its counter start again. The limiter's clock is held at the
    middle of a day, so every window of these tests is the same throughout."""
    import types

    import onramp.core.security as security

    monkeypatch.setattr(security, "time", types.SimpleNamespace(time=lambda: 1_800_043_200.0))


pytestmark = pytest.mark.django_db


def csp_directives(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    pairs = (part.strip().partition(" ") for part in header.split(";") if part.strip())
    return {name: value for name, _, value in pairs}


def test_pages_carry_a_content_security_policy_without_inline_scripts(client_for, viewer):
    response = client_for(viewer).get("/")

    csp = csp_directives(response)
    assert csp["default-src"] == "'self'"
    assert csp["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert csp["object-src"] == "'none'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["form-action"] == "'self'"


def test_the_login_page_and_error_pages_carry_the_policy_too(client):
    assert "script-src 'self'" in client.get("/login/")["Content-Security-Policy"]
    assert "script-src 'self'" in client.get("/no-such-page/")["Content-Security-Policy"]


def test_the_api_docs_page_gets_a_policy_that_lets_swagger_run(client_for, viewer):
    response = client_for(viewer).get("/api/v1/docs")

    assert response.status_code == 200
    csp = csp_directives(response)
    assert csp["script-src"] == "'self'"
    assert "data:" in csp["img-src"]  # Swagger UI's icons


def test_the_other_security_headers_are_set(client):
    response = client.get("/login/")

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_hsts_and_secure_cookies_are_sent_over_https_in_production(settings, viewer):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.HTTPS = True
    client = Client()

    response = client.post("/login/", {"username": "vera", "password": PASSWORD}, secure=True)

    assert response.status_code == 302
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert response.cookies["sessionid"]["secure"] is True
    assert response.cookies["sessionid"]["httponly"] is True
    assert "upgrade-insecure-requests" in response["Content-Security-Policy"]


def test_no_hsts_header_without_https(client):
    assert "Strict-Transport-Security" not in client.get("/login/")


def _settings_with(**env: str) -> dict:
    """Import onramp.settings in a fresh interpreter with these environment values."""
    code = (
        "import json, onramp.settings as s;"
        "print(json.dumps({k: getattr(s, k) for k in ("
        "'SECURE_HSTS_SECONDS', 'SECURE_SSL_REDIRECT', 'SESSION_COOKIE_SECURE', "
        "'CSRF_COOKIE_SECURE', 'SECURE_HSTS_INCLUDE_SUBDOMAINS')}))"
    )
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("ONRAMP_HTTPS", "SECURE_"))}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**keep, "ONRAMP_VAR_DIR": str(django_settings.VAR_DIR), **env},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=django_settings.BASE_DIR,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_onramp_https_switches_on_hsts_redirects_and_secure_cookies():
    on = _settings_with(ONRAMP_HTTPS="true")
    off = _settings_with(ONRAMP_HTTPS="false")

    assert on == {
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    }
    assert off["SECURE_HSTS_SECONDS"] == 0 and off["SESSION_COOKIE_SECURE"] is False


# --- rate limits -------------------------------------------------------------------------


def test_login_posts_are_limited_per_address_with_a_retry_after(client, settings, viewer):
    settings.ONRAMP_RATE_LIMITS = {"login": "3/minute"}
    settings.AXES_FAILURE_LIMIT = 100  # isolate the rate limit from the lockout
    for _ in range(3):
        assert client.post("/login/", {"username": "vera", "password": "x"}).status_code == 200

    response = client.post("/login/", {"username": "vera", "password": PASSWORD})

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "Too many requests" in response.content.decode()
    # Another address is not affected.
    other = client.post(
        "/login/", {"username": "vera", "password": PASSWORD}, REMOTE_ADDR="10.9.9.9"
    )
    assert other.status_code == 302


def test_reading_the_login_page_is_not_limited(client, settings):
    settings.ONRAMP_RATE_LIMITS = {"login": "1/minute"}

    assert [client.get("/login/").status_code for _ in range(3)] == [200, 200, 200]


def test_api_calls_with_a_token_are_limited_per_token(client, settings, viewer):
    from onramp.core.services import api_token_create

    settings.ONRAMP_RATE_LIMITS = {"api": "2/minute"}
    _, raw = api_token_create(user=viewer, name="script")
    _, other = api_token_create(user=viewer, name="other script")
    url = "/api/v1/openapi.json"
    headers = {"Authorization": f"Bearer {raw}"}

    codes = [client.get(url, headers=headers).status_code for _ in range(3)]

    assert codes == [200, 200, 429]
    limited = client.get(url, headers=headers)
    assert limited["Content-Type"] == "application/json"
    assert "Wait" in limited.json()["detail"]
    assert int(limited["Retry-After"]) >= 1
    assert client.get(url, headers={"Authorization": f"Bearer {other}"}).status_code == 200


def test_anonymous_api_calls_are_limited_per_address(client, settings):
    settings.ONRAMP_RATE_LIMITS = {"api": "1/minute"}

    assert client.get("/api/v1/openapi.json").status_code == 200
    assert client.get("/api/v1/openapi.json").status_code == 429


def test_the_decorator_limits_a_public_form(settings):
    settings.ONRAMP_RATE_LIMITS = {"public_form": "2/minute"}

    @rate_limited("public_form")
    def answer(request):
        return HttpResponse("thanks")

    factory = RequestFactory()
    codes = [answer(factory.post("/s/abc/")).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert answer(factory.get("/s/abc/")).status_code == 200  # reading the form is not limited


def test_a_window_ends_and_the_count_starts_again():
    rate = Rate(limit=1, period=60)
    assert rate_limit_hit("t", "me", rate, now=600.0) is None
    assert rate_limit_hit("t", "me", rate, now=630.0) == 30
    assert rate_limit_hit("t", "me", rate, now=660.0) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("20/minute", Rate(20, 60)), ("600/h", Rate(600, 3600)), ("5/10s", Rate(5, 10))],
)
def test_it_parses_rates(text, expected):
    assert Rate.parse(text) == expected


@pytest.mark.parametrize("text", ["lots", "10/fortnight", "0/minute", "ten/minute"])
def test_it_rejects_a_bad_rate_loudly(text):
    with pytest.raises(ImproperlyConfigured, match="rate"):
        Rate.parse(text)


def test_behind_a_proxy_the_client_address_is_the_last_forwarded_hop(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7"
    )
    settings.SECURE_PROXY_SSL_HEADER = None
    assert client_ip(request) == "10.0.0.1"  # not behind a proxy: the header is ignored
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert client_ip(request) == "203.0.113.7"


def test_a_request_without_an_address_has_no_client_ip(settings):
    request = RequestFactory().get("/")
    del request.META["REMOTE_ADDR"]
    assert client_ip(request) is None
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    request.META["HTTP_X_FORWARDED_FOR"] = "not-an-address"
    assert client_ip(request) is None


def test_force_login_records_no_bogus_address(client_for, viewer):
    # axes logs each sign-in with client_ip(); PostgreSQL's inet column refuses a non-address.
    from axes.models import AccessLog

    client_for(viewer)

    assert AccessLog.objects.get().ip_address is None
