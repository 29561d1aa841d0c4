"""Single sign-on against a real OpenID Connect provider (django-oidc-provider on 127.0.0.1)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse

from onramp.accounts.models import OidcIdentity
from onramp.accounts.tests.conftest import browser_sign_in
from onramp.core.models import User

pytestmark = pytest.mark.django_db


def test_a_new_user_signs_in_through_the_provider_and_is_matched_to_their_person(
    client, settings, oidc_provider, small_org
):
    oidc_provider.settings_for(settings)

    response = browser_sign_in(client, username="pat")

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    user = User.objects.get(email__iexact="p2@acme.test")
    assert user.role == "owner"  # service-owners=owner beats staff=viewer
    assert (user.first_name, user.last_name) == ("Pat", "Two")
    assert not user.has_usable_password()
    identity = OidcIdentity.objects.get(user=user)
    assert identity.issuer == oidc_provider.issuer
    assert identity.person == small_org["people"][1]  # Person 2, p2@acme.test
    assert identity.groups == ["service-owners", "staff"]
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert home.wsgi_request.user == user


def test_the_groups_decide_the_role_on_every_sign_in(client_for, settings, oidc_provider):
    oidc_provider.settings_for(settings)
    browser_sign_in(client_for(None), username="ann")
    ann = User.objects.get(email="ann@acme.test")
    assert ann.role == "admin"

    ann.role = "viewer"  # changed by hand in Onramp: the provider's groups win at next sign-in
    ann.save()
    browser_sign_in(client_for(None), username="ann")
    ann.refresh_from_db()
    assert ann.role == "admin"

    settings.OIDC_ROLE_MAP = {"staff": "champion"}  # pmo-admins no longer maps to a role
    browser_sign_in(client_for(None), username="ann")
    ann.refresh_from_db()
    assert ann.role == "champion"
    assert User.objects.filter(email__iexact="ann@acme.test").count() == 1


def test_a_user_in_no_mapped_group_gets_the_default_role(client, settings, oidc_provider):
    oidc_provider.settings_for(settings, OIDC_DEFAULT_ROLE="none")

    browser_sign_in(client, username="nog")

    nog = User.objects.get(email="nog@acme.test")
    assert nog.role == "none"
    assert client.get(reverse("home")).status_code == 200  # signed in, told to ask for a role


def test_without_a_role_map_an_existing_users_role_is_kept(client, settings, oidc_provider):
    oidc_provider.settings_for(settings, OIDC_ROLE_MAP={}, OIDC_DEFAULT_ROLE="viewer")
    browser_sign_in(client, username="sam")
    sam = User.objects.get(email="sam@acme.test")
    assert sam.role == "viewer"
    sam.role = "owner"
    sam.save()

    browser_sign_in(client, username="sam")

    sam.refresh_from_db()
    assert sam.role == "owner"


def test_an_existing_local_user_with_the_same_email_is_linked_not_duplicated(
    client, settings, oidc_provider, make_user
):
    local = make_user("ada", "viewer", email="ada@acme.test")
    oidc_provider.settings_for(settings)

    browser_sign_in(client, username="ada-at-idp")

    assert User.objects.filter(email__iexact="ada@acme.test").count() == 1
    assert OidcIdentity.objects.get().user == local
    local.refresh_from_db()
    assert local.role == "viewer"  # staff=viewer
    assert local.has_usable_password()  # the local password still works alongside SSO


def test_it_returns_to_the_page_asked_for_before_signing_in(client, settings, oidc_provider):
    oidc_provider.settings_for(settings)

    response = browser_sign_in(client, username="sam", start="/accounts/oidc/login/?next=/org/")

    assert response["Location"] == "/org/"


def test_it_refuses_a_next_url_on_another_site(client, settings, oidc_provider):
    oidc_provider.settings_for(settings)

    response = browser_sign_in(
        client, username="sam", start="/accounts/oidc/login/?next=https://evil.example/"
    )

    assert response["Location"] == reverse("home")


def test_it_rejects_a_callback_whose_state_it_did_not_issue(client, settings, oidc_provider):
    oidc_provider.settings_for(settings)
    client.get("/accounts/oidc/login/")

    response = client.get("/accounts/oidc/callback/?code=forged&state=forged", follow=True)

    assert response.redirect_chain[-1][0] == reverse("login")
    assert "did not work" in response.content.decode()
    assert not User.objects.filter(email__iexact="sam@acme.test").exists()
    assert not response.wsgi_request.user.is_authenticated


def test_a_provider_error_is_explained_on_the_sign_in_page(client, settings, oidc_provider):
    oidc_provider.settings_for(settings)
    client.get("/accounts/oidc/login/")

    response = client.get(
        "/accounts/oidc/callback/?error=access_denied&error_description=The+user+said+no",
        follow=True,
    )

    assert "The user said no" in response.content.decode()


def test_a_wrong_client_secret_fails_the_sign_in_without_creating_a_user(
    client, settings, oidc_provider
):
    oidc_provider.settings_for(settings, OIDC_CLIENT_SECRET="not-the-secret")

    response = browser_sign_in(client, username="sam")

    assert response["Location"] == reverse("login")
    assert not User.objects.filter(email__iexact="sam@acme.test").exists()


def test_an_unreachable_provider_is_explained(client, settings):
    settings.OIDC_DISCOVERY_URL = "http://127.0.0.1:9/"
    settings.OIDC_CLIENT_ID = "x"
    settings.OIDC_PROVIDER_NAME = "Nowhere IdP"

    response = client.get("/accounts/oidc/login/", follow=True)

    assert "could not reach Nowhere IdP" in response.content.decode()


def test_the_login_page_shows_the_sso_button_only_when_configured(client, settings, oidc_provider):
    settings.OIDC_DISCOVERY_URL = ""
    settings.OIDC_CLIENT_ID = ""
    off = client.get(reverse("login")).content.decode()
    assert 'data-testid="sso-button"' not in off
    assert "single sign-on" not in off.lower()
    assert client.get("/accounts/oidc/login/").status_code == 404

    oidc_provider.settings_for(settings)
    on = client.get(reverse("login") + "?next=/services/").content.decode()
    assert "Sign in with Test IdP" in on
    assert 'href="/accounts/oidc/login/?next=/services/"' in on


def test_admins_see_whether_sso_is_on(client_for, admin_user, viewer, settings, oidc_provider):
    settings.OIDC_DISCOVERY_URL = ""
    page = client_for(admin_user).get(reverse("accounts:sign_in_settings"))
    assert "Single sign-on is not configured" in page.content.decode()
    assert client_for(viewer).get(reverse("accounts:sign_in_settings")).status_code == 403

    oidc_provider.settings_for(settings)
    page = client_for(admin_user).get(reverse("accounts:sign_in_settings"))
    assert "People sign in with Test IdP" in page.content.decode()


def test_half_configured_sso_fails_the_system_check(settings):
    settings.OIDC_DISCOVERY_URL = "https://login.example.com/tenant/v2.0"
    settings.OIDC_CLIENT_ID = ""

    with pytest.raises(SystemCheckError, match="onramp.E101"):
        call_command("check", tags=["security"])
