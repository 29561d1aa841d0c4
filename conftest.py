"""Fixtures shared by every test: the fixed cast of users and a small organisation."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# The machine is shared by test processes: time limits in property tests would make them flaky.
hypothesis_settings.register_profile(
    "onramp", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=150
)
hypothesis_settings.load_profile("onramp")

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: rate-limit counters must not leak between tests."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()
    yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The cast is rebuilt for every test; PBKDF2's deliberate slowness would dominate the run."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def make_user(db):
    from onramp.core.services import user_create

    def make(username: str, role: str, **extra):
        return user_create(username=username, password=PASSWORD, role=role, **extra)

    return make


@pytest.fixture
def admin_user(make_user):
    return make_user("ada", "admin", is_staff=True, first_name="Ada", last_name="Admin")


@pytest.fixture
def owner(make_user):
    return make_user("olga", "owner", first_name="Olga", last_name="Owner")


@pytest.fixture
def other_owner(make_user):
    return make_user("otto", "owner", first_name="Otto", last_name="Other")


@pytest.fixture
def champion(make_user):
    return make_user("chen", "champion", first_name="Chen", last_name="Champion")


@pytest.fixture
def viewer(make_user):
    return make_user("vera", "viewer", first_name="Vera", last_name="Viewer")


@pytest.fixture
def outsider(make_user):
    return make_user("oscar", "none", first_name="Oscar", last_name="Outsider")


@pytest.fixture
def cast(admin_user, owner, champion, viewer, outsider):
    """The fixed cast, by role name, plus None for an anonymous visitor."""
    return {
        "anonymous": None,
        "admin": admin_user,
        "owner": owner,
        "champion": champion,
        "viewer": viewer,
        "outsider": outsider,
    }


@pytest.fixture
def client_for(client):
    """client_for(user) -> a test client signed in as that user (None: anonymous)."""
    from django.test import Client

    def make(user):
        c = Client()
        if user is not None:
            c.force_login(user)
        return c

    return make


@pytest.fixture
def small_org(db):
    """Acme > Operations > Delivery > {Team A, Team B}, and Acme > Finance; 7 people."""
    from onramp.org.services import person_create, unit_create

    acme = unit_create(code="ACME", name="Acme", kind="company")
    ops = unit_create(code="OPS", name="Operations", kind="division", parent=acme)
    fin = unit_create(code="FIN", name="Finance", kind="division", parent=acme)
    delivery = unit_create(code="DEL", name="Delivery", kind="department", parent=ops)
    team_a = unit_create(code="TA", name="Team A", kind="team", parent=delivery)
    team_b = unit_create(code="TB", name="Team B", kind="team", parent=delivery)
    boss = person_create(employee_id="E1", name="Bea Boss", email="bea@acme.test", unit=ops)
    people = [boss]
    for i, unit in enumerate([team_a, team_a, team_b, team_b, fin], start=2):
        people.append(
            person_create(
                employee_id=f"E{i}",
                name=f"Person {i}",
                email=f"p{i}@acme.test",
                unit=unit,
                manager=boss,
            )
        )
    people.append(
        person_create(
            employee_id="E9", name="Gone Person", email="gone@acme.test", unit=team_a, active=False
        )
    )
    return {
        "acme": acme,
        "ops": ops,
        "fin": fin,
        "delivery": delivery,
        "team_a": team_a,
        "team_b": team_b,
        "boss": boss,
        "people": people,
    }


@pytest.fixture
def service(owner, champion):
    from onramp.catalog.services import service_create

    s = service_create(
        name="Risk Framework",
        summary="One way to log and review project risks.",
        owner=owner,
        lifecycle="onboarding",
        adopter_kind="projects",
    )
    s.champions.add(champion)
    return s


@pytest.fixture
def other_service(other_owner):
    from onramp.catalog.services import service_create

    return service_create(name="Portfolio Prioritisation", owner=other_owner)
