from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from onramp.accounts import views as accounts
from onramp.api import api
from onramp.audit import health
from onramp.core import views as core
from onramp.surveys import public_views as survey_public

urlpatterns = [
    # Personal survey links: short, and outside the signed-in part of the site. First: every
    # invitee opens one, often all at once, and no other pattern starts with "s/".
    path("s/<str:token>/", survey_public.respond, name="survey_respond"),
    path("", core.home, name="home"),
    path("login/", accounts.login_view, name="login"),
    path("accounts/", include("onramp.accounts.urls")),
    path("logout/", core.logout_view, name="logout"),
    path("account/", core.account, name="account"),
    path("account/tokens/", core.token_create, name="token_create"),
    path("account/tokens/<int:pk>/revoke/", core.token_revoke, name="token_revoke"),
    path("api/v1/", api.urls),
    path("org/", include("onramp.org.urls")),
    path("services/", include("onramp.catalog.urls")),
    path("rollouts/", include("onramp.rollout.urls")),
    path("engagement/", include("onramp.engagement.urls")),
    path("comms/", include("onramp.comms.urls")),
    path("training/", include("onramp.enablement.urls")),
    path("adoption/", include("onramp.adoption.urls")),
    path("surveys/", include("onramp.surveys.urls")),
    path("improvement/", include("onramp.improvement.urls")),
    path("reports/", include("onramp.reports.urls")),
    path("activity/", include("onramp.audit.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("metrics", health.metrics, name="metrics"),
    # One sign-in page for everyone (lockout, rate limit, password switch, SSO button).
    path("admin/login/", accounts.admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
]

handler403 = "onramp.core.errors.permission_denied"
handler404 = "onramp.core.errors.page_not_found"
handler500 = "onramp.core.errors.server_error"
