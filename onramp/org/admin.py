from __future__ import annotations

from django.contrib import admin

from onramp.org.models import OrgUnit, Person, Project

admin.site.register(
    OrgUnit, list_display=("code", "name", "kind", "parent"), search_fields=("code", "name")
)
admin.site.register(
    Person,
    list_display=("employee_id", "name", "email", "unit", "active"),
    search_fields=("name", "email", "employee_id"),
)
admin.site.register(
    Project, list_display=("code", "name", "unit", "status"), search_fields=("code", "name")
)
