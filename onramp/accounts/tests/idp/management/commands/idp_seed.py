"""Set the provider up: a signing key, the Onramp client, and users with groups."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import BaseCommand
from oidc_provider.models import Client, ResponseType


class Command(BaseCommand):
    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--client-id", required=True)
        parser.add_argument("--client-secret", required=True)
        parser.add_argument("--redirect-uri", required=True)
        parser.add_argument("--users", required=True, help="JSON list of user objects")

    def handle(self, *args: Any, **opts: Any) -> None:
        call_command("creatersakey")
        client = Client.objects.create(
            name="Onramp",
            client_type="confidential",
            client_id=opts["client_id"],
            client_secret=opts["client_secret"],
            jwt_alg="RS256",
            require_consent=False,
            reuse_consent=True,
            _redirect_uris=opts["redirect_uri"],
            _scope="openid email profile groups",
        )
        client.response_types.add(ResponseType.objects.get(value="code"))
        for spec in json.loads(opts["users"]):
            user = User.objects.create_user(
                username=spec["username"],
                password=spec["password"],
                email=spec["email"],
                first_name=spec.get("first_name", ""),
                last_name=spec.get("last_name", ""),
            )
            for name in spec.get("groups", []):
                user.groups.add(Group.objects.get_or_create(name=name)[0])
