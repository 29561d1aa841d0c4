from __future__ import annotations

from django.contrib import admin

from onramp.accounts.models import OidcIdentity


@admin.register(OidcIdentity)
class OidcIdentityAdmin(admin.ModelAdmin):
    list_display = ("user", "email", "person", "issuer", "last_login_at")
    search_fields = ("email", "subject", "user__username")
    readonly_fields = ("issuer", "subject", "groups", "last_login_at")
    raw_id_fields = ("user", "person")
