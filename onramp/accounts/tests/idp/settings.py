"""A tiny, separate Django project that runs django-oidc-provider: the real OpenID Connect
provider the SSO tests sign in against. Started as a subprocess on 127.0.0.1 (see
onramp/accounts/tests/conftest.py); never part of Onramp itself."""

from __future__ import annotations

import os

SECRET_KEY = "idp-test-only-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
SITE_URL = os.environ["IDP_SITE_URL"]  # the issuer's origin, e.g. http://127.0.0.1:8123

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oidc_provider",
    "onramp.accounts.tests.idp",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "onramp.accounts.tests.idp.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
DATABASES = {
    "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["IDP_DATABASE"]}
}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True
LOGIN_URL = "/accounts/login/"
SESSION_COOKIE_NAME = "idp_session"
CSRF_COOKIE_NAME = "idp_csrftoken"

OIDC_USERINFO = "onramp.accounts.tests.idp.claims.userinfo"
OIDC_EXTRA_SCOPE_CLAIMS = "onramp.accounts.tests.idp.claims.GroupsScopeClaims"
OIDC_IDTOKEN_INCLUDE_CLAIMS = True
