from __future__ import annotations

import pytest

from onramp.surveys.models import Response

from .conftest import answers_for


@pytest.fixture
def open_survey(make_survey):
    import datetime as dt

    from django.utils import timezone

    from onramp.surveys.services import survey_open

    s = make_survey(
        opens_on=timezone.localdate() - dt.timedelta(days=1),
        closes_on=timezone.localdate() + dt.timedelta(days=5),
    )
    return survey_open(survey=s)


def test_the_response_page_works_without_an_account_and_stores_the_answers(
    client, big_org, open_survey, invite
):
    from django.utils import timezone

    person = big_org["people"]["S1-0"]
    raw = invite(open_survey, [person], today=timezone.localdate())["S1-0"]
    page = client.get(f"/s/{raw}/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "How likely are you to recommend Risk Framework to a colleague?" in body
    assert 'name="viewport"' in body and "<script>" not in body
    bad = client.post(f"/s/{raw}/", {})
    assert bad.status_code == 400 and "needs an answer" in bad.content.decode()
    good = client.post(f"/s/{raw}/", answers_for(open_survey, nps=9, csat=4))
    assert good.status_code == 200 and "Thank you" in good.content.decode()
    assert Response.objects.filter(survey=open_survey).count() == 1
    again = client.get(f"/s/{raw}/")
    assert again.status_code == 404


def test_unknown_used_and_closed_links_get_the_same_generic_page(
    client, big_org, open_survey, invite
):
    from django.utils import timezone

    from onramp.surveys.services import survey_close

    raw = invite(open_survey, [big_org["people"]["S1-1"]], today=timezone.localdate())["S1-1"]
    unknown = client.get("/s/not-a-real-token-at-all/")
    survey_close(survey=open_survey)
    closed = client.get(f"/s/{raw}/")
    assert unknown.status_code == closed.status_code == 404
    strip = lambda r: r.content.decode().replace(r.wsgi_request.path, "")  # noqa: E731
    assert strip(unknown) == strip(closed)
    assert "Risk Framework" not in unknown.content.decode()


def test_submissions_are_rate_limited_per_token(
    client, big_org, open_survey, invite, settings, monkeypatch
):
    import types

    from django.utils import timezone

    import onramp.core.security as security

    # The limit counts in fixed windows: hold the limiter's clock so that the twelve posts
    # cannot straddle a window's end.
    monkeypatch.setattr(security, "time", types.SimpleNamespace(time=lambda: 1_800_043_200.0))

    raw = invite(open_survey, [big_org["people"]["S1-2"]], today=timezone.localdate())["S1-2"]
    statuses = [client.post(f"/s/{raw}/", {}).status_code for _ in range(12)]
    assert statuses[:10] == [400] * 10
    assert statuses[10] == 429


def test_results_pages_follow_the_service_rules(client_for, cast, open_survey, other_service):
    from onramp.surveys.services import survey_create

    other = survey_create(service=other_service, title="Other", instruments=["nps"])
    expected = {"admin": 200, "owner": 200, "champion": 200, "viewer": 200, "outsider": 403}
    for role, user in cast.items():
        if user is None:
            assert client_for(None).get(f"/surveys/{open_survey.pk}/results/").status_code == 302
            continue
        assert (
            client_for(user).get(f"/surveys/{open_survey.pk}/results/").status_code
            == expected[role]
        ), role
    # A champion sees only the services they champion.
    assert client_for(cast["champion"]).get(f"/surveys/{other.pk}/results/").status_code == 404
    # Only the owner of the service (or an admin) changes it.
    assert (
        client_for(cast["viewer"])
        .post(f"/surveys/{open_survey.pk}/status/", {"action": "close"})
        .status_code
        == 403
    )
    assert (
        client_for(cast["owner"])
        .post(f"/surveys/{other.pk}/status/", {"action": "close"})
        .status_code
        == 403
    )
    assert (
        client_for(cast["owner"])
        .post(f"/surveys/{open_survey.pk}/status/", {"action": "close"})
        .status_code
        == 302
    )


def test_individual_answers_are_never_listed_for_an_anonymous_survey(
    client_for, admin_user, viewer, make_survey
):
    anonymous = make_survey(anonymity="anonymous")
    confidential = make_survey(anonymity="confidential", title="C")
    identified = make_survey(anonymity="identified", title="I")
    assert client_for(admin_user).get(f"/surveys/{anonymous.pk}/responses/").status_code == 403
    assert client_for(admin_user).get(f"/surveys/{confidential.pk}/responses/").status_code == 200
    assert client_for(viewer).get(f"/surveys/{confidential.pk}/responses/").status_code == 403
    assert client_for(viewer).get(f"/surveys/{identified.pk}/responses/").status_code == 200


def test_an_owner_builds_a_survey_and_invites_a_unit(client_for, owner, service, big_org):
    from onramp.core.models import OutboxMessage
    from onramp.surveys.models import Survey

    c = client_for(owner)
    r = c.post(
        "/surveys/new/",
        {
            "service": service.pk,
            "title": "Launch pulse",
            "anonymity": "anonymous",
            "recurrence": "none",
            "min_group": 5,
            "min_comments": 8,
            "instruments": ["nps", "sus"],
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    survey = Survey.objects.get(title="Launch pulse")
    assert survey.questions.filter(kind="sus").count() == 10
    r = c.post(
        f"/surveys/{survey.pk}/questions/",
        {"kind": "single", "text": "Which team?", "options": "A\nB", "required": "on"},
    )
    assert survey.questions.filter(kind="single").exists()
    r = c.post(f"/surveys/{survey.pk}/distribute/", {"units": "S1"})
    assert r.status_code == 302
    assert survey.invitations.count() == 12
    assert OutboxMessage.objects.filter(key__startswith=f"survey:{survey.pk}:invite:").count() == 12
    page = c.get(f"/surveys/{survey.pk}/")
    assert "0 / 12" in page.content.decode()
    r = c.post(f"/surveys/{survey.pk}/distribute/", {"units": "NOPE"})
    assert survey.invitations.count() == 12
