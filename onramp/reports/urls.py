from __future__ import annotations

from onramp.core.views import area_urls

app_name = "reports"
urlpatterns = area_urls("reports")
