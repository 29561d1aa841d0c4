from __future__ import annotations

from onramp.core.views import area_urls

app_name = "comms"
urlpatterns = area_urls("comms")
