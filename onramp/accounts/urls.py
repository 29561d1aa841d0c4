from __future__ import annotations

from django.urls import path

from onramp.accounts import views

app_name = "accounts"
urlpatterns = [
    path("oidc/login/", views.oidc_login, name="oidc_login"),
    path("oidc/callback/", views.oidc_callback, name="oidc_callback"),
    path("sign-in-settings/", views.sign_in_settings, name="sign_in_settings"),
]
