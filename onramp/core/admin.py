from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from onramp.core.models import ApiToken, User

# Django's admin is for PMO admins only: the role decides, not the is_staff flag (an admin who
# signs in through SSO has no reason to carry it).
admin.site.has_permission = lambda request: bool(  # type: ignore[method-assign]
    request.user.is_active and request.user.is_pmo_admin
)


@admin.register(User)
class OnrampUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Onramp", {"fields": ("role",)}))
    list_display = ("username", "email", "first_name", "last_name", "role", "is_active")
    list_filter = ("role", "is_active")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "hint", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("token_hash", "hint")
