from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from onramp.catalog.selectors import service_can_edit, service_can_read, service_list
from onramp.catalog.services import (
    service_archive,
    service_create,
    service_restore,
    service_update,
    service_version_add,
)


def test_a_service_gets_a_unique_slug_from_its_name(owner):
    first = service_create(name="Risk Framework", owner=owner)
    second = service_create(name="Risk Framework", owner=owner)
    assert (first.slug, second.slug) == ("risk-framework", "risk-framework-2")
    assert first.adoption_target_text == "85% of the target people within 12 weeks"


def test_an_adoption_target_over_100_percent_is_rejected(owner):
    with pytest.raises(ValidationError, match="adoption_target_pct|100"):
        service_create(name="Bad", owner=owner, adoption_target_pct=120)


def test_update_refuses_fields_it_does_not_edit(service):
    with pytest.raises(TypeError, match="archived_at"):
        service_update(service=service, archived_at=None)


def test_archive_hides_a_service_from_the_catalog_and_restore_brings_it_back(service, viewer):
    service_archive(service=service)
    assert service not in service_list(user=viewer)
    assert service in service_list(user=viewer, archived=True)
    service_restore(service=service)
    assert service in service_list(user=viewer)


def test_a_version_is_unique_per_service(service):
    service_version_add(service=service, version="1.0", released_on=dt.date(2026, 1, 5))
    with pytest.raises(ValidationError):
        service_version_add(service=service, version="1.0", released_on=dt.date(2026, 2, 5))


def test_who_reads_and_edits_a_service(cast, service, other_service):
    can = {
        role: (
            bool(u) and service_can_read(u, service),
            bool(u) and service_can_read(u, other_service),
            bool(u) and service_can_edit(u, service),
            bool(u) and service_can_edit(u, other_service),
        )
        for role, u in cast.items()
        if u is not None
    }
    assert can == {
        "admin": (True, True, True, True),
        "owner": (True, True, True, False),
        "champion": (True, False, False, False),
        "viewer": (True, True, False, False),
        "outsider": (False, False, False, False),
    }
    assert list(service_list(user=cast["champion"])) == [service]
    assert list(service_list(user=cast["outsider"])) == []


def test_the_service_form_offers_owners_by_name(cast, other_owner):
    from onramp.catalog.forms import ServiceForm

    choices = [label for value, label in ServiceForm().fields["owner"].choices if value]
    assert "Olga Owner (olga)" in choices and "Otto Other (otto)" in choices
    assert "Vera Viewer (vera)" not in choices  # viewers cannot own a service
