from __future__ import annotations

from onramp.core.views import area_urls

app_name = "enablement"
urlpatterns = area_urls("enablement")
