from __future__ import annotations

from onramp.core.views import area_urls

app_name = "engagement"
urlpatterns = area_urls("engagement")
