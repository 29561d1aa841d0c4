from __future__ import annotations

from onramp.core.views import area_urls

app_name = "rollout"
urlpatterns = area_urls("rollout")
