from __future__ import annotations

from onramp.core.views import area_urls

app_name = "adoption"
urlpatterns = area_urls("adoption")
