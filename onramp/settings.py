"""Onramp's one settings module. Production differs from development only in the values of the
environment variables listed in .env.example."""

from __future__ import annotations

import importlib.util
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from onramp.accounts.config import parse_role, parse_role_map
from onramp.core.security import Rate
from onramp.env import env_bool, env_int, env_list, env_str
from onramp.logging import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("ONRAMP_VAR_DIR", str(BASE_DIR / "var"))).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    """SECRET_KEY from the environment, or one generated once and kept under var/ for the
    embedded default, so that sessions survive a restart without a secret in the repository."""
    key = env_str("SECRET_KEY")
    if key:
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "onramp.core",
    "onramp.accounts",
    "onramp.org",
    "onramp.catalog",
    "onramp.rollout",
    "onramp.engagement",
    "onramp.comms",
    "onramp.enablement",
    "onramp.adoption",
    "onramp.surveys",
    "onramp.improvement",
    "onramp.reports",
    "auditlog",
    "onramp.audit",
    "onramp.demo",
]

MIDDLEWARE = [
    "onramp.logging.RequestIdMiddleware",
    "onramp.audit.observability.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "onramp.core.errors.NulByteMiddleware",
    "onramp.core.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "onramp.core.security.RateLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "onramp.audit.middleware.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last, so that it sees a view's database error first: 503 page / JSON, not a 500.
    "onramp.core.errors.DatabaseOutageMiddleware",
]

ROOT_URLCONF = "onramp.urls"
WSGI_APPLICATION = "onramp.wsgi.application"

# Django Ninja is not an installed app: every process imports its installed apps, and Ninja
# brings pydantic, ~0.3 s of each `onramp` command's start. Only its API docs page uses its
# templates and static files, found here without importing it.
_NINJA_DIR = Path(importlib.util.find_spec("ninja").origin).parent  # type: ignore[arg-type,union-attr]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "onramp" / "templates", _NINJA_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "onramp.core.context.navigation",
            ],
        },
    },
]

_database_url = env_str("DATABASE_URL")
if _database_url:
    try:
        DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
    except Exception as exc:  # dj_database_url raises several types for a bad URL
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
else:
    DATABASES = {
        "default": {
            # Django's SQLite backend; a kept connection is dropped when its file moved away.
            "ENGINE": "onramp.core.sqlite",
            "NAME": VAR_DIR / "onramp.sqlite3",
            # Kept between requests: opening one costs ~3 ms and closing the last one fsyncs.
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            # Tests: in memory, as Django does for its own SQLite backend (pytest-django's xdist
            # suffixing only knows that backend's name and would make a file path of NAME).
            "TEST": {"NAME": ":memory:"},
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA busy_timeout=20000; PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Lockout check first (django-axes), then passwords, then single sign-on sessions.
AUTHENTICATION_BACKENDS = [
    "onramp.accounts.backends.LockoutBackend",
    "onramp.accounts.backends.PasswordBackend",
    "onramp.accounts.backends.SsoBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [_NINJA_DIR / "static"]
MEDIA_ROOT = VAR_DIR / "uploads"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed names once `collectstatic` has run (onramp serve does); plain names before,
        # served from the apps' folders by whitenoise's finders (development and tests).
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG and (STATIC_ROOT / "staticfiles.json").exists()
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_MANIFEST_STRICT = False

DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20_000

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Email: off until EMAIL_HOST is set; mails then go through that SMTP server.
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "onramp@localhost")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.locmem.EmailBackend"
)

# HTTPS: on in production (set ONRAMP_HTTPS=true behind TLS).
HTTPS = env_bool("ONRAMP_HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
# Load balancers and Prometheus often probe over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Preloading HSTS is a promise to every browser that outlives this deployment: an explicit
# opt-in (SECURE_HSTS_PRELOAD=true), so `check --deploy` does not nag about it until then.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("ONRAMP_BEHIND_PROXY", False) else None
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Sign-in (docs/security.md). Single sign-on with OpenID Connect is off until
# OIDC_DISCOVERY_URL and OIDC_CLIENT_ID are set; password sign-in can be switched off.
OIDC_DISCOVERY_URL = env_str("OIDC_DISCOVERY_URL")
OIDC_CLIENT_ID = env_str("OIDC_CLIENT_ID")
OIDC_CLIENT_SECRET = env_str("OIDC_CLIENT_SECRET")
OIDC_SCOPES = env_str("OIDC_SCOPES", "openid email profile")
OIDC_PROVIDER_NAME = env_str("OIDC_PROVIDER_NAME", "single sign-on")
OIDC_EMAIL_CLAIM = env_str("OIDC_EMAIL_CLAIM", "email")
OIDC_GROUPS_CLAIM = env_str("OIDC_GROUPS_CLAIM", "groups")
OIDC_ROLE_MAP = parse_role_map(env_str("OIDC_ROLE_MAP"))
OIDC_DEFAULT_ROLE = parse_role(env_str("OIDC_DEFAULT_ROLE", "none"), name="OIDC_DEFAULT_ROLE")
ONRAMP_PASSWORD_LOGIN = env_bool("ONRAMP_PASSWORD_LOGIN", True)

# Lockout after repeated failed sign-ins (django-axes; attempts are kept in the database).
AXES_FAILURE_LIMIT = env_int("ONRAMP_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("ONRAMP_LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "onramp.core.security.client_ip"
AXES_LOCKOUT_CALLABLE = "onramp.accounts.views.locked_out"
AXES_VERBOSE = False

# Rate limits per client ('<count>/<period>'); counters live in the cache. Several processes
# share them only with ONRAMP_CACHE=database (the table is made by `onramp migrate`).
ONRAMP_RATE_LIMITS = {
    "login": env_str("ONRAMP_RATE_LIMIT_LOGIN", "30/minute"),
    "api": env_str("ONRAMP_RATE_LIMIT_API", "600/minute"),
    "public_form": env_str("ONRAMP_RATE_LIMIT_PUBLIC", "60/minute"),
}
for _name, _rate in ONRAMP_RATE_LIMITS.items():
    Rate.parse(_rate, name=f"ONRAMP_RATE_LIMIT_{_name.upper()}")
_cache = env_str("ONRAMP_CACHE", "memory")
if _cache not in ("memory", "database"):
    raise ImproperlyConfigured(f"ONRAMP_CACHE={_cache!r}: use 'memory' or 'database'.")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "onramp_cache"}
        if _cache == "database"
        # 20,000 entries (Django's default is 300): rate-limit counters, one per survey link
        # and address, would otherwise fill it, and every later write would cull a third of
        # it (survey shapes and rendered pages included).
        else {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    )
}

# Logs: one line per record on stderr, plain text or JSON lines (LOG_FORMAT=json), each with the
# request id (see onramp/logging.py).
LOGGING = logging_config(level=env_str("LOG_LEVEL", "INFO"), fmt=env_str("LOG_FORMAT", "text"))

# Audit trail (django-auditlog; onramp/audit/registration.py registers every Onramp model).
AUDITLOG_CID_GETTER = "onramp.logging.current_request_id"
AUDITLOG_STORE_JSON_CHANGES = True
AUDITLOG_USE_FK_STRING_REPRESENTATION = True
# `loaddata` copies records that were recorded where they were made; do not record them twice.
AUDITLOG_DISABLE_ON_RAW_SAVE = True

ONRAMP = {
    "DEMO_PASSWORD": env_str("ONRAMP_DEMO_PASSWORD", "onramp-demo"),
    "API_PAGE_SIZE": env_int("ONRAMP_API_PAGE_SIZE", 50, minimum=1),
    # Links in emails (survey invitations, calendar feeds) start with this address.
    "BASE_URL": env_str("ONRAMP_BASE_URL", "http://127.0.0.1:8000"),
    # Nobody gets two survey invitations (any service) within this many days.
    "SURVEY_MIN_GAP_DAYS": env_int("ONRAMP_SURVEY_MIN_GAP_DAYS", 7, minimum=0),
    # Chat notifications (detractor follow-ups...): off until an incoming-webhook URL is set.
    "CHAT_WEBHOOKS": {
        "slack": env_str("ONRAMP_SLACK_WEBHOOK_URL"),
        "teams": env_str("ONRAMP_TEAMS_WEBHOOK_URL"),
    },
    # Personal chat messages (survey invitations, reminders, detractor follow-ups to the owner),
    # each off until set: a Slack bot token, a Teams (Power Automate) flow URL. See docs/surveys.md.
    "SLACK_BOT_TOKEN": env_str("ONRAMP_SLACK_BOT_TOKEN"),
    "SLACK_API_URL": env_str("ONRAMP_SLACK_API_URL", "https://slack.com/api"),
    "TEAMS_FLOW_URL": env_str("ONRAMP_TEAMS_FLOW_URL"),
    # /metrics for Prometheus: off unless ONRAMP_METRICS=true; a bearer token guards it if set.
    "METRICS": env_bool("ONRAMP_METRICS", False),
    "METRICS_TOKEN": env_str("ONRAMP_METRICS_TOKEN"),
    # /healthz fails when no worker ran its heartbeat task for this many seconds.
    "HEARTBEAT_MAX_AGE": env_int("ONRAMP_HEARTBEAT_MAX_AGE", 300, minimum=30),
}
