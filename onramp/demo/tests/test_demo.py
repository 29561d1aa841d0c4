from __future__ import annotations

import io
import random
import sys
import time
import types
from collections import Counter

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from onramp.catalog.models import Service
from onramp.core.models import Role, User
from onramp.demo.builder import DEMO_SEED, DEMO_USERS, MIN_SIZE
from onramp.demo.context import DEMO_APPS, REFERENCE_DATE, DemoContext
from onramp.demo.data import EMAIL_DOMAIN
from onramp.demo.services import DemoOutcome, demo_load
from onramp.org.models import OrgUnit, Person, Project, UnitKind
from onramp.org.services import find_parent_cycle

pytestmark = pytest.mark.django_db

SMALL = 300


def load(*, size: int = SMALL, reset: bool = False, seed: int = DEMO_SEED) -> DemoOutcome:
    """demo_load without other apps' hooks: these tests are about the organisation, catalog
    and users. The command-level tests (run_demo) run every app's real hook."""
    return demo_load(size=size, reset=reset, seed=seed, apps=())


def run_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, list[tuple]]:
    """Everything that makes the company what it is, without database ids."""
    code_of = dict(OrgUnit.objects.values_list("id", "code"))
    eid_of = dict(Person.objects.values_list("id", "employee_id"))
    return {
        "units": [
            (u.code, u.name, u.kind, code_of.get(u.parent_id), u.depth)
            for u in OrgUnit.objects.order_by("code")
        ],
        "people": [
            (
                p.employee_id,
                p.name,
                p.email,
                p.title,
                code_of.get(p.unit_id),
                eid_of.get(p.manager_id),
                p.location,
                p.start_date,
                p.active,
            )
            for p in Person.objects.order_by("employee_id")
        ],
        "projects": [
            (p.code, p.name, p.status, code_of.get(p.unit_id), eid_of.get(p.manager_id))
            + (p.start_date, p.end_date)
            for p in Project.objects.order_by("code")
        ],
        "services": [
            (s.slug, s.lifecycle, s.adopter_kind, s.owner.username, s.sponsor.employee_id)
            for s in Service.objects.order_by("slug")
        ],
        "users": sorted(User.objects.values_list("username", "email", "role")),
    }


def test_two_builds_of_the_same_size_give_the_same_company():
    load(size=SMALL)
    first = snapshot()
    load(size=SMALL, reset=True)
    second = snapshot()
    assert len(first["people"]) >= SMALL
    assert first == second


def test_a_different_seed_gives_a_different_company():
    load(size=SMALL)
    first = snapshot()
    load(size=SMALL, reset=True, seed=DEMO_SEED + 1)
    assert snapshot()["people"] != first["people"]


def test_the_default_demo_has_five_divisions_over_forty_teams_and_two_thousand_people():
    started = time.monotonic()
    output = run_demo()
    seconds = time.monotonic() - started
    print(f"default demo built in {seconds:.1f} s")

    company = OrgUnit.objects.get(kind=UnitKind.COMPANY)
    divisions = OrgUnit.objects.filter(kind=UnitKind.DIVISION)
    assert company.parent is None
    assert divisions.count() == 5
    assert set(divisions.values_list("parent_id", flat=True)) == {company.pk}
    teams = OrgUnit.objects.filter(kind=UnitKind.TEAM)
    assert teams.count() >= 40
    for team in teams.select_related("parent__parent__parent"):
        assert team.parent.kind == UnitKind.DEPARTMENT
        assert team.parent.parent.kind == UnitKind.DIVISION
        assert team.parent.parent.parent == company
        assert team.path.startswith(company.path) and team.depth == 3

    assert Person.objects.filter(active=True).count() >= 2000
    leavers = Person.objects.filter(active=False).count()
    assert 0.01 <= leavers / Person.objects.count() <= 0.03
    assert 140 <= Project.objects.count() <= 160
    assert set(Project.objects.values_list("status", flat=True)) == {
        "active",
        "proposed",
        "on_hold",
        "closed",
        "cancelled",
    }
    assert not Project.objects.filter(unit__kind__in=["team", "division", "company"]).exists()
    assert not Project.objects.filter(manager__isnull=True).exists()
    assert "Loaded Brightwater Group" in output
    for username in DEMO_USERS:
        assert username in output
    assert settings.ONRAMP["DEMO_PASSWORD"] in output


def test_people_have_unique_emails_real_names_titles_places_and_start_dates():
    load(size=SMALL)
    people = list(Person.objects.all())
    emails = [p.email.lower() for p in people]
    assert len(set(emails)) == len(emails)
    assert all(e.endswith("@" + EMAIL_DOMAIN) for e in emails)
    assert all(len(p.name.split(" ")) >= 2 for p in people)
    assert all(p.title and p.location and p.start_date for p in people)
    assert 4 <= len({p.location for p in people}) <= 10
    assert len({p.title for p in people}) > 40
    assert all(p.start_date <= REFERENCE_DATE for p in people)


def test_the_management_chain_is_a_tree_with_the_chief_executive_at_the_top():
    load(size=SMALL)
    people = {p.pk: p for p in Person.objects.select_related("unit")}
    parent_of = {str(pk): (str(p.manager_id) if p.manager_id else None) for pk, p in people.items()}
    assert find_parent_cycle(parent_of) is None
    tops = [p for p in people.values() if p.manager_id is None]
    assert [p.title for p in tops] == ["Chief Executive Officer"]
    units = {u.pk: u for u in OrgUnit.objects.all()}
    for person in people.values():
        if person.manager_id is None:
            continue
        manager = people[person.manager_id]
        # A manager sits in the person's own unit (a team lead) or in the unit above it.
        assert manager.unit_id in (person.unit_id, units[person.unit_id].parent_id)
        assert manager.active
    leads = Counter(p.unit_id for p in people.values() if p.title.endswith(" Lead"))
    teams = OrgUnit.objects.filter(kind=UnitKind.TEAM).values_list("pk", flat=True)
    assert all(leads[t] == 1 for t in teams)


def test_the_three_pmo_services_are_at_different_stages_with_their_content():
    load(size=SMALL)
    services = {s.slug: s for s in Service.objects.all()}
    assert {slug: (s.lifecycle, s.adopter_kind) for slug, s in services.items()} == {
        "risk-management-framework": ("onboarding", "projects"),
        "portfolio-prioritisation": ("designed", "people"),
        "project-status-reporting": ("operating", "people"),
    }
    for service in services.values():
        assert service.problem and service.value_proposition and service.target_users
        assert len(service.benefit_list) >= 3 and len(service.success_measure_list) >= 3
        assert service.versions.count() >= 2
        assert service.sponsor is not None
        assert (float(service.adoption_target_pct), service.adoption_target_weeks) == (85, 12)
    owner = User.objects.get(username="owner")
    assert owner.owned_services.count() == 2
    champion = User.objects.get(username="champion")
    assert list(champion.championed_services.values_list("slug", flat=True)) == [
        "risk-management-framework"
    ]


def test_every_demo_user_signs_in_with_the_demo_password(client):
    load(size=SMALL)
    password = settings.ONRAMP["DEMO_PASSWORD"]
    roles = {}
    for username in DEMO_USERS:
        client.logout()
        response = client.post(reverse("login"), {"username": username, "password": password})
        assert response.status_code == 302, f"{username} could not sign in"
        assert client.get(reverse("home")).status_code == 200
        user = User.objects.get(username=username)
        roles[username] = user.role
        assert Person.objects.filter(email__iexact=user.email).exists()
    assert roles == {
        "admin": Role.ADMIN,
        "owner": Role.OWNER,
        "champion": Role.CHAMPION,
        "viewer": Role.VIEWER,
        "newcomer": Role.NONE,
    }
    assert User.objects.get(username="admin").is_staff


def test_a_second_run_without_reset_changes_nothing():
    run_demo("--size", str(SMALL))
    before = snapshot()
    stamps = sorted(Person.objects.values_list("pk", "updated_at"))
    output = run_demo("--size", str(SMALL))
    assert "already loaded" in output
    assert snapshot() == before
    assert sorted(Person.objects.values_list("pk", "updated_at")) == stamps


def test_reset_wipes_other_org_and_catalog_data_and_rebuilds_the_demo(small_org, service):
    run_demo("--reset", "--size", str(SMALL))
    assert not OrgUnit.objects.filter(code="ACME").exists()
    assert not Person.objects.filter(email="bea@acme.test").exists()
    assert not Service.objects.filter(name="Risk Framework").exists()
    assert Service.objects.count() == 3
    assert OrgUnit.objects.filter(parent__isnull=True).count() == 1
    first_ids = set(Person.objects.values_list("pk", flat=True))
    run_demo("--reset", "--size", str(SMALL))
    assert not first_ids & set(Person.objects.values_list("pk", flat=True))
    assert User.objects.filter(username__in=list(DEMO_USERS)).count() == len(DEMO_USERS)


def test_reset_keeps_users_who_are_not_the_demos(small_org, viewer):
    run_demo("--reset", "--size", str(SMALL))
    assert User.objects.filter(pk=viewer.pk).exists()


def test_it_refuses_to_load_over_someone_elses_data_and_exits_with_1(small_org):
    # In-process through call_command: the console script would close the test's database
    # connection (PostgreSQL). A CommandError is what makes the console script exit with 1.
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError) as stopped:
        call_command("demo", "--size", str(SMALL))
    message = str(stopped.value)
    assert "not the demo's: 6 org units, 7 people." in message
    assert "--reset" in message
    assert not OrgUnit.objects.filter(code="BWG").exists()
    assert not User.objects.filter(username__in=list(DEMO_USERS)).exists()


def test_it_refuses_when_a_demo_username_belongs_to_a_real_user(make_user):
    make_user("admin", "admin", email="it@real.test")
    with pytest.raises(CommandError, match="admin"):
        run_demo("--size", str(SMALL))
    with pytest.raises(CommandError, match="admin"):
        run_demo("--reset", "--size", str(SMALL))
    assert User.objects.get(username="admin").email == "it@real.test"
    assert not OrgUnit.objects.exists()


def test_it_rejects_a_size_too_small_for_every_team_to_have_people():
    with pytest.raises(CommandError, match=f"between {MIN_SIZE}"):
        run_demo("--size", "20")
    assert not Person.objects.exists()


def test_a_smaller_size_scales_people_but_keeps_every_team():
    load(size=MIN_SIZE)
    assert Person.objects.filter(active=True).count() == MIN_SIZE
    teams = OrgUnit.objects.filter(kind=UnitKind.TEAM)
    assert teams.count() >= 40
    assert all(Person.objects.filter(unit=t, active=True).count() >= 2 for t in teams)


@pytest.fixture
def fake_app_demos(monkeypatch):
    """Demo modules for two apps that record how they were called (`calls`) and the state of
    ctx.rng when each build hook started (`rng_states`, by app)."""
    calls: list[tuple[str, object]] = []
    rng_states: dict[str, object] = {}

    def fake(app: str) -> types.ModuleType:
        module = types.ModuleType(f"onramp.{app}.demo")

        def build(ctx: DemoContext) -> None:
            calls.append((f"{app}.build", ctx))
            rng_states[app] = ctx.rng.getstate()

        module.build = build  # type: ignore[attr-defined]
        module.reset = lambda: calls.append((f"{app}.reset", None))  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, module.__name__, module)
        return module

    fake("engagement")
    fake("comms")
    return types.SimpleNamespace(calls=calls, rng_states=rng_states)


def test_each_apps_demo_hook_is_called_in_app_order_with_the_context(fake_app_demos):
    assert DEMO_APPS.index("engagement") < DEMO_APPS.index("comms")
    demo_load(size=SMALL)
    builds = [(name, ctx) for name, ctx in fake_app_demos.calls if name.endswith(".build")]
    assert [name for name, _ in builds] == ["engagement.build", "comms.build"]
    ctx = builds[0][1]
    assert isinstance(ctx, DemoContext)
    assert len(ctx.divisions) == 5 and len(ctx.teams) >= 40
    assert len(ctx.active_people) == SMALL
    assert set(ctx.services) == {
        "risk-management-framework",
        "portfolio-prioritisation",
        "project-status-reporting",
    }
    assert set(ctx.users) == set(DEMO_USERS)
    assert ctx.units["BWG"] == ctx.company
    assert ctx.projects and ctx.projects[0].pk is not None
    assert all(p.pk is not None for p in ctx.people)
    # Each hook gets an rng seeded from its app's name: its draws do not depend on other apps.
    for app in ("engagement", "comms"):
        assert fake_app_demos.rng_states[app] == random.Random(f"{DEMO_SEED}:{app}").getstate()


def test_reset_lets_each_app_clear_its_own_rows_first_in_reverse_order(fake_app_demos):
    demo_load(size=SMALL)
    fake_app_demos.calls.clear()
    demo_load(size=SMALL, reset=True)
    assert [name for name, _ in fake_app_demos.calls] == [
        "comms.reset",
        "engagement.reset",
        "engagement.build",
        "comms.build",
    ]


def test_reset_clears_every_apps_rows_even_when_the_build_skips_their_hooks(fake_app_demos):
    demo_load(size=SMALL, apps=())
    assert fake_app_demos.calls == []
    demo_load(size=SMALL, reset=True, apps=())
    assert [name for name, _ in fake_app_demos.calls] == ["comms.reset", "engagement.reset"]


def test_the_demos_pages_show_its_services_and_organisation(client_for):
    load(size=SMALL)
    owner = client_for(User.objects.get(username="owner"))
    for service in Service.objects.all():
        page = owner.get(reverse("catalog:service_detail", args=[service.slug]))
        assert page.status_code == 200
        assert service.name in page.content.decode()
    tree = client_for(User.objects.get(username="admin")).get(reverse("org:unit_tree"))
    assert tree.status_code == 200
    assert "Brightwater Group" in tree.content.decode()
