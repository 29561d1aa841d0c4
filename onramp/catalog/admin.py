from __future__ import annotations

from django.contrib import admin

from onramp.catalog.models import Service, ServiceVersion

admin.site.register(
    Service, list_display=("name", "lifecycle", "owner", "archived_at"), search_fields=("name",)
)
admin.site.register(ServiceVersion, list_display=("service", "version", "released_on"))
