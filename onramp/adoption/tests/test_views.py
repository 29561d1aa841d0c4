from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from onramp.adoption.models import (
    AdoptionRule,
    IdentityActivity,
    IngestBatch,
    PersonActivity,
    UnmatchedIdentity,
)
from onramp.adoption.services import usage_ingest
from onramp.rollout.services import rollout_create, wave_create

D = dt.date


@pytest.fixture
def adopted(tmp_path, small_org, service, other_service):
    """The people service with a rollout, a wave and usage, plus one unknown user."""
    svc = other_service
    rollout = rollout_create(service=svc, name="Launch", units=[small_org["ops"]])
    wave_create(
        rollout=rollout,
        name="Pilot",
        units=[small_org["delivery"]],
        start_date=D(2026, 2, 1),
        go_live_date=D(2026, 2, 2),
        end_date=D(2026, 4, 30),
        accept_over_capacity=True,
    )
    lines = ["timestamp,user,action"]
    for week in range(6):
        day = D(2026, 2, 2) + dt.timedelta(weeks=week)
        for who in ("p2@acme.test", "p3@acme.test", "p4@acme.test")[: 1 + week // 2]:
            lines.append(f"{day}T10:00:00,{who},open")
        lines.append(f"{day}T11:00:00,newbie@acme.test,open")
    path = tmp_path / "usage.csv"
    path.write_text("\n".join(lines) + "\n")
    usage_ingest(path=path, service=svc)
    return svc


def test_the_adoption_page_shows_curves_rule_units_and_unmatched(client_for, viewer, adopted):
    response = client_for(viewer).get(reverse("adoption:service", args=[adopted.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Active: a person with any action on at least 1 day in the last 28 days" in html
    assert "Launch: adoption by wave" in html
    assert "Retention after go-live" in html
    assert "newbie@acme.test" in html
    assert "Needs more data" in html or "data-forecast" in html
    # A viewer reads but gets no mapping form and no import button.
    assert "Import usage" not in html and 'name="who"' not in html


def test_every_list_says_what_to_do_when_empty(client_for, owner, other_service, small_org):
    other_service.owner = owner
    other_service.save()
    html = (
        client_for(owner)
        .get(reverse("adoption:service", args=[other_service.slug]))
        .content.decode()
    )
    assert "No usage imported yet." in html and "No imports yet." in html
    assert "Every identity matched." in html


def test_outsiders_and_champions_of_other_services_cannot_see_it(
    client_for, outsider, champion, adopted
):
    url = reverse("adoption:service", args=[adopted.slug])
    assert client_for(outsider).get(url).status_code == 403
    assert client_for(champion).get(url).status_code == 403


def test_the_owner_maps_an_identity_and_the_activity_moves(
    client_for, other_owner, adopted, small_org
):
    u = UnmatchedIdentity.objects.get(identity="newbie@acme.test")
    response = client_for(other_owner).post(reverse("adoption:map", args=[u.pk]), {"who": "E6"})
    assert response.status_code == 302
    person = small_org["people"][5]
    assert PersonActivity.objects.filter(person=person).count() == 6
    assert not IdentityActivity.objects.filter(identity="newbie@acme.test").exists()


def test_mapping_to_nobody_says_what_to_fix(client_for, other_owner, adopted):
    u = UnmatchedIdentity.objects.get(identity="newbie@acme.test")
    response = client_for(other_owner).post(
        reverse("adoption:map", args=[u.pk]), {"who": "E404"}, follow=True
    )
    assert "Nobody has the employee id or email" in response.content.decode()


def test_only_the_services_owner_may_map_or_import(client_for, owner, viewer, adopted):
    u = UnmatchedIdentity.objects.get(identity="newbie@acme.test")
    assert (
        client_for(owner).post(reverse("adoption:map", args=[u.pk]), {"who": "E6"}).status_code
        == 403
    )
    assert (
        client_for(viewer).post(reverse("adoption:map", args=[u.pk]), {"who": "E6"}).status_code
        == 403
    )
    assert client_for(owner).get(reverse("adoption:upload", args=[adopted.slug])).status_code == 403


def test_upload_previews_then_imports(client_for, other_owner, other_service, small_org):
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = client_for(other_owner)
    data = b"when,email,what\n2026-03-02T10:00:00,p2@acme.test,open\n"
    response = c.post(
        reverse("adoption:upload", args=[other_service.slug]),
        {"file": SimpleUploadedFile("log.csv", data, content_type="text/csv")},
    )
    assert response.status_code == 302
    preview = c.get(response["Location"])
    html = preview.content.decode()
    assert "First rows of log.csv" in html and "p2@acme.test" in html
    done = c.post(
        response["Location"],
        {"mode": "replace", "map_timestamp": "when", "map_user": "email", "map_action": "what"},
        follow=True,
    )
    assert "Imported 1 event as 1 adopter-day" in done.content.decode()
    assert IngestBatch.objects.get().source == "upload"


def test_a_bad_upload_names_the_row_and_imports_nothing(
    client_for, other_owner, other_service, small_org
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = client_for(other_owner)
    data = b"timestamp,user,action\nnot a time,p2@acme.test,open\n"
    response = c.post(
        reverse("adoption:upload", args=[other_service.slug]),
        {"file": SimpleUploadedFile("log.csv", data, content_type="text/csv")},
    )
    page = c.post(
        response["Location"],
        {
            "mode": "replace",
            "map_timestamp": "timestamp",
            "map_user": "user",
            "map_action": "action",
        },
    )
    assert "log.csv, row 2, column &#x27;timestamp&#x27;" in page.content.decode()
    assert not PersonActivity.objects.exists() and not IdentityActivity.objects.exists()


def test_the_rule_form_saves_k_and_w(client_for, other_owner, other_service):
    c = client_for(other_owner)
    url = reverse("adoption:rule", args=[other_service.slug])
    assert (
        c.post(
            url, {"qualifying_actions": "publish", "min_active_days": 3, "window_days": 2}
        ).status_code
        == 200
    )
    assert (
        c.post(
            url, {"qualifying_actions": "publish", "min_active_days": 2, "window_days": 14}
        ).status_code
        == 302
    )
    rule = AdoptionRule.objects.get(service=other_service)
    assert (rule.min_active_days, rule.window_days, rule.actions) == (2, 14, ["publish"])


def test_the_index_lists_services_with_their_rate(client_for, viewer, adopted):
    html = client_for(viewer).get(reverse("adoption:index")).content.decode()
    assert adopted.name in html and "Active: a person" in html


def test_a_rollout_whose_waves_have_not_gone_live_in_the_usage_says_why_there_is_no_forecast(
    client_for, viewer, small_org, other_service
):
    rollout = rollout_create(service=other_service, name="Later", units=[small_org["ops"]])
    wave_create(
        rollout=rollout,
        name="Pilot",
        units=[small_org["delivery"]],
        start_date=D(2030, 1, 1),
        go_live_date=D(2030, 1, 7),
        end_date=D(2030, 3, 1),
        accept_over_capacity=True,
    )
    text = client_for(viewer).get(reverse("adoption:service", args=[other_service.slug]))
    text = text.content.decode()
    assert "Needs data</span>" in text  # the status as words, not "Needsdata"
    assert "no usage has been imported from after a wave" in text
    assert "no target population" not in text
