from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from onramp.accounts.config import ROLE_RANK, discovery_url, parse_role_map
from onramp.accounts.services import claim_values, role_for_groups
from onramp.core.models import Role


def test_the_role_ranking_lists_every_onramp_role():
    assert set(ROLE_RANK) == {r.value for r in Role}


def test_it_parses_a_role_map():
    assert parse_role_map("pmo-admins=admin, service-owners=Owner,staff=viewer") == {
        "pmo-admins": "admin",
        "service-owners": "owner",
        "staff": "viewer",
    }
    assert parse_role_map("") == {}


def test_it_parses_group_names_with_commas_when_entries_are_separated_by_semicolons():
    raw = "cn=pmo,ou=groups,dc=acme=admin; cn=staff,ou=groups,dc=acme=viewer"
    assert parse_role_map(raw) == {
        "cn=pmo,ou=groups,dc=acme": "admin",
        "cn=staff,ou=groups,dc=acme": "viewer",
    }


@pytest.mark.parametrize("raw", ["pmo-admins", "pmo-admins=boss", "=admin"])
def test_it_rejects_a_bad_role_map_loudly(raw):
    with pytest.raises(ImproperlyConfigured, match="OIDC_ROLE_MAP"):
        parse_role_map(raw)


def test_the_highest_mapped_role_wins():
    role_map = {"a": "viewer", "b": "owner", "c": "champion"}
    assert role_for_groups(groups=["a", "c", "b"], role_map=role_map, default="none") == "owner"
    assert role_for_groups(groups=["x"], role_map=role_map, default="viewer") == "viewer"


def test_a_groups_claim_may_be_a_list_or_a_string():
    assert claim_values(["a", "b"]) == ["a", "b"]
    assert claim_values("a b,c") == ["a", "b", "c"]
    assert claim_values(None) == []


def test_the_issuer_url_or_the_discovery_url_are_both_accepted():
    issuer = "https://login.microsoftonline.com/tenant/v2.0"
    assert discovery_url(issuer) == issuer + "/.well-known/openid-configuration"
    assert discovery_url(issuer + "/.well-known/openid-configuration").count(".well-known") == 1
