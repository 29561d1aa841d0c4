"""Survey invitations, reminders and detractor follow-ups by Slack direct message or Teams chat,
delivered through the outbox to a real HTTP server on loopback answering like Slack and like a
Teams flow (onramp/core/tests/test_chat.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from onramp.core.models import OutboxMessage, OutboxStatus
from onramp.core.outbox import outbox_deliver
from onramp.core.tests.test_chat import TOKEN, FakeChatServer, configure
from onramp.surveys.models import Invitation, Response, Survey
from onramp.surveys.services import (
    response_submit,
    survey_create,
    survey_remind,
    survey_rounds_create,
    survey_update,
)

from .conftest import TODAY, answers_for


@pytest.fixture
def chat(settings, big_org):
    """Slack knows everyone of big_org (user id "U" + employee id) and the owner Olga."""
    server = FakeChatServer(
        users={
            **{p.email: "U" + p.employee_id for p in big_org["people"].values()},
            "olga@acme.test": "U0OLGA",
        }
    )
    configure(settings, server)
    yield server
    server.stop()


def _link_of(token: str) -> str:
    return f"/s/{token}/"


def test_an_invitation_by_slack_is_a_direct_message_to_the_person_with_their_link(
    chat, big_org, make_survey, invite
):
    people = [big_org["people"]["N1-0"], big_org["people"]["N1-1"]]
    survey = make_survey(delivery="slack_dm")
    tokens = invite(survey, people)
    queued = OutboxMessage.objects.filter(key__startswith=f"survey:{survey.pk}:invite:")
    assert sorted(queued.values_list("channel", "recipient")) == [
        ("slack_dm", "n1-0@acme.test"),
        ("slack_dm", "n1-1@acme.test"),
    ]
    assert outbox_deliver() == 2
    lookups = chat.calls("/api/users.lookupByEmail")
    assert sorted(c.query["email"] for c in lookups) == ["n1-0@acme.test", "n1-1@acme.test"]
    assert all(c.headers["authorization"] == f"Bearer {TOKEN}" for c in chat.seen)
    posts = {c.body["channel"]: c.body["text"] for c in chat.calls("/api/chat.postMessage")}
    assert set(posts) == {"UN1-0", "UN1-1"}
    assert _link_of(tokens["N1-0"]) in posts["UN1-0"]
    assert _link_of(tokens["N1-1"]) in posts["UN1-1"]
    assert _link_of(tokens["N1-1"]) not in posts["UN1-0"]
    assert "Pulse (Risk Framework)" in posts["UN1-0"]
    # every lookup precedes the message it serves
    paths = [c.path for c in chat.seen]
    assert paths.index("/api/users.lookupByEmail") < paths.index("/api/chat.postMessage")


def test_an_invitee_unknown_to_slack_is_marked_failed_with_a_clear_reason(
    chat, big_org, make_survey, invite
):
    del chat.users["n1-2@acme.test"]
    survey = make_survey(delivery="slack_dm")
    invite(survey, [big_org["people"]["N1-2"], big_org["people"]["N1-3"]])
    assert outbox_deliver() == 1
    failed = OutboxMessage.objects.get(recipient="n1-2@acme.test")
    assert failed.status == OutboxStatus.FAILED and failed.attempts == 1
    assert "No Slack user has the address n1-2@acme.test" in failed.last_error
    assert OutboxMessage.objects.get(recipient="n1-3@acme.test").status == OutboxStatus.SENT


def test_the_survey_page_lists_undelivered_invitations_but_never_reminders(
    chat, client_for, owner, viewer, big_org, make_survey, invite
):
    del chat.users["n1-5@acme.test"]
    survey = make_survey(delivery="slack_dm", anonymity="anonymous")
    invite(survey, [big_org["people"]["N1-5"], big_org["people"]["N1-6"]])
    outbox_deliver()
    page = client_for(owner).get(f"/surveys/{survey.pk}/").content.decode()
    assert "1 invitation could not be delivered" in page
    assert "n1-5@acme.test: No Slack user has the address n1-5@acme.test" in page
    assert "n1-6@acme.test" not in page
    del chat.users["n1-6@acme.test"]
    survey_remind(survey=survey)
    outbox_deliver()
    assert OutboxMessage.objects.filter(key__contains=":remind:", status="failed").count() == 2
    page = client_for(owner).get(f"/surveys/{survey.pk}/").content.decode()
    assert "1 invitation could not be delivered" in page and "n1-6@acme.test" not in page
    seen_by_viewer = client_for(viewer).get(f"/surveys/{survey.pk}/")
    assert seen_by_viewer.status_code == 200
    assert "n1-5@acme.test" not in seen_by_viewer.content.decode()  # only editors see addresses


def test_a_slack_rate_limit_leaves_the_invitation_for_a_later_run(
    chat, big_org, make_survey, invite
):
    chat.scripted["/api/chat.postMessage"] = [(429, {"Retry-After": "120"}, {"ok": False})]
    survey = make_survey(delivery="slack_dm")
    tokens = invite(survey, [big_org["people"]["S1-0"]])
    assert outbox_deliver() == 0
    message = OutboxMessage.objects.get()
    assert message.status == OutboxStatus.PENDING and "wait 120 s" in message.last_error
    assert outbox_deliver() == 0  # not before the wait is over
    OutboxMessage.objects.update(send_after=message.created_at)
    assert outbox_deliver() == 1
    last = chat.calls("/api/chat.postMessage")[-1]
    assert last.body["channel"] == "US1-0" and _link_of(tokens["S1-0"]) in last.body["text"]


def test_an_invitation_by_teams_starts_the_flow_with_recipient_text_and_link(
    chat, big_org, make_survey, invite
):
    survey = make_survey(delivery="teams_dm")
    tokens = invite(survey, [big_org["people"]["S1-4"]])
    assert outbox_deliver() == 1
    (call,) = chat.seen
    assert call.path == "/flow" and call.method == "POST"
    assert call.body["recipient"] == "s1-4@acme.test"
    assert call.body["subject"] == "Pulse (Risk Framework)"
    assert call.body["link"].endswith(_link_of(tokens["S1-4"]))
    assert call.body["link"].startswith("http")
    assert call.body["link"] in call.body["text"] and "Hello Team" in call.body["text"]


def test_reminders_go_by_the_surveys_channel_only_to_those_who_have_not_answered(
    chat, big_org, make_survey, invite
):
    people = [big_org["people"][e] for e in ("S1-0", "S1-1", "S1-2")]
    survey = make_survey(delivery="slack_dm", anonymity="anonymous")
    tokens = invite(survey, people)
    response_submit(
        raw_token=tokens["S1-1"], answers=answers_for(survey, nps=9, csat=4), today=TODAY
    )
    assert outbox_deliver() == 3
    chat.seen.clear()
    assert survey_remind(survey=survey) == 2
    reminders = OutboxMessage.objects.filter(key__contains=":remind:")
    assert sorted(reminders.values_list("channel", "recipient")) == [
        ("slack_dm", "s1-0@acme.test"),
        ("slack_dm", "s1-2@acme.test"),
    ]
    assert outbox_deliver() == 2
    posts = chat.calls("/api/chat.postMessage")
    assert sorted(p.body["channel"] for p in posts) == ["US1-0", "US1-2"]
    assert all("Reminder: Pulse" in p.body["text"] for p in posts)
    assert all(_link_of(tokens["S1-0"]) not in p.body["text"] for p in posts)  # fresh links


def test_a_detractor_is_sent_to_the_owner_by_slack_once(
    chat, settings, big_org, make_survey, invite, owner
):
    from onramp.surveys.models import Notification
    from onramp.surveys.services.responding import _notify_detractor

    settings.ONRAMP = {**settings.ONRAMP, "TEAMS_FLOW_URL": ""}
    owner.email = "olga@acme.test"
    owner.save()
    survey = make_survey(anonymity="confidential")  # invitations by email
    tokens = invite(survey, [big_org["people"]["S1-5"]])
    answers = answers_for(survey, nps=2, csat=1)
    response = response_submit(raw_token=tokens["S1-5"], answers=answers, today=TODAY)
    alerts = OutboxMessage.objects.filter(key__startswith="detractor:")
    assert sorted(alerts.values_list("channel", "recipient")) == [
        ("email", "olga@acme.test"),
        ("slack_dm", "olga@acme.test"),
    ]
    assert Notification.objects.get().channel == "email,slack_dm"
    _notify_detractor(survey, response, big_org["people"]["S1-5"], {})  # a retried task
    _notify_detractor(
        survey,
        response,
        big_org["people"]["S1-5"],
        {q.pk: {"score": 2, "text": "", "choices": []} for q in survey.questions.all()},
    )
    assert alerts.count() == 2 and Notification.objects.count() == 1
    outbox_deliver()
    owner_posts = [p for p in chat.calls("/api/chat.postMessage") if p.body["channel"] == "U0OLGA"]
    assert len(owner_posts) == 1
    assert "Team S1 Member 5" in owner_posts[0].body["text"]
    assert "2 out of 10" in owner_posts[0].body["text"]


def test_an_owner_without_an_email_address_gets_no_direct_message(
    chat, big_org, make_survey, invite, owner
):
    survey = make_survey(anonymity="identified")
    tokens = invite(survey, [big_org["people"]["S1-6"]])
    response_submit(
        raw_token=tokens["S1-6"], answers=answers_for(survey, nps=0, csat=1), today=TODAY
    )
    assert not OutboxMessage.objects.filter(key__startswith="detractor:").exists()


def test_the_form_offers_only_configured_channels(client_for, owner, service, settings):
    settings.ONRAMP = {**settings.ONRAMP, "SLACK_BOT_TOKEN": "", "TEAMS_FLOW_URL": ""}
    page = client_for(owner).get("/surveys/new/").content.decode()
    assert 'value="email"' in page
    assert 'value="slack_dm"' not in page and 'value="teams_dm"' not in page
    assert "Slack direct message and Microsoft Teams chat: not configured" in page
    settings.ONRAMP = {**settings.ONRAMP, "SLACK_BOT_TOKEN": "xoxb-1"}
    page = client_for(owner).get("/surveys/new/").content.decode()
    assert 'value="slack_dm"' in page and 'value="teams_dm"' not in page
    assert "Microsoft Teams chat: not configured" in page
    r = client_for(owner).post(
        "/surveys/new/",
        {
            "service": service.pk,
            "title": "By Teams",
            "anonymity": "anonymous",
            "recurrence": "none",
            "delivery": "teams_dm",
            "min_group": 5,
            "min_comments": 8,
        },
    )
    assert r.status_code == 200 and not Survey.objects.filter(title="By Teams").exists()
    assert "Select a valid choice" in r.content.decode()
    with pytest.raises(ValidationError, match="not set up on this Onramp"):
        survey_create(service=service, title="By Teams", delivery="teams_dm")


def test_the_settings_page_saves_the_channel_and_the_survey_page_shows_it(
    chat, client_for, owner, make_survey
):
    survey = make_survey()
    c = client_for(owner)
    assert (
        "Sent by</dt><dd><strong>Email</strong>" in c.get(f"/surveys/{survey.pk}/").content.decode()
    )
    r = c.post(
        f"/surveys/{survey.pk}/settings/",
        {
            "title": survey.title,
            "anonymity": "anonymous",
            "recurrence": "none",
            "delivery": "teams_dm",
            "min_group": 5,
            "min_comments": 8,
            "opens_on": survey.opens_on.isoformat(),
            "closes_on": survey.closes_on.isoformat(),
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    assert Survey.objects.get(pk=survey.pk).delivery == "teams_dm"
    page = c.get(f"/surveys/{survey.pk}/").content.decode()
    assert "<strong>Microsoft Teams chat</strong>, to the person found by their email" in page
    assert "by Microsoft Teams chat" in page  # the reminders card


def test_a_survey_whose_chat_channel_was_switched_off_goes_by_email_and_says_so(
    chat, settings, client_for, owner, big_org, make_survey
):
    from onramp.surveys.services import survey_distribute

    survey = make_survey(delivery="slack_dm")
    settings.ONRAMP = {**settings.ONRAMP, "SLACK_BOT_TOKEN": ""}
    page = client_for(owner).get(f"/surveys/{survey.pk}/").content.decode()
    assert "Slack direct message is not configured on this Onramp" in page
    person = big_org["people"]["N2-0"]
    result = survey_distribute(survey=survey, person_ids=[person.pk], today=TODAY)
    assert result.channel == "email"
    assert "went by email" in result.summary()
    assert OutboxMessage.objects.get().channel == "email"
    edit = client_for(owner).get(f"/surveys/{survey.pk}/settings/").content.decode()
    assert 'value="slack_dm"' in edit and "not configured: invitations go by email" in edit
    survey_update(survey=survey, title="Renamed")  # keeping the channel is allowed
    survey_update(survey=survey, delivery="email")
    with pytest.raises(ValidationError, match="not set up"):
        survey_update(survey=survey, delivery="slack_dm")


def test_people_without_an_email_address_are_skipped_and_counted(chat, big_org, make_survey):
    from onramp.surveys.services import survey_distribute

    person = big_org["people"]["N2-1"]
    person.email = ""
    person.save()
    survey = make_survey(delivery="slack_dm")
    result = survey_distribute(
        survey=survey, person_ids=[person.pk, big_org["people"]["N2-2"].pk], today=TODAY
    )
    assert (result.invited, result.skipped_no_email) == (1, 1)
    assert result.summary() == "1 invited by Slack direct message; 1 skipped: no email address."


def test_recurring_rounds_keep_the_channel(chat, big_org, service, invite):
    first = survey_create(
        service=service,
        title="Monthly pulse",
        instruments=["csat"],
        recurrence="monthly",
        delivery="teams_dm",
        opens_on=dt.date(2026, 6, 15),
        closes_on=dt.date(2026, 6, 25),
    )
    people = [big_org["people"]["S1-0"], big_org["people"]["S1-1"]]
    invite(first, people, today=dt.date(2026, 6, 15))
    (july,) = survey_rounds_create(today=dt.date(2026, 7, 20))
    assert july.delivery == "teams_dm"
    invites = OutboxMessage.objects.filter(key__startswith=f"survey:{july.pk}:invite:")
    assert sorted(invites.values_list("channel", flat=True)) == ["teams_dm", "teams_dm"]


def test_the_api_round_trips_the_channel_and_refuses_an_unconfigured_one(
    chat, settings, client, owner, service, big_org
):
    from onramp.core.services import api_token_create

    _, raw = api_token_create(user=owner, name="test")
    h = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    r = client.post(
        "/api/v1/surveys/",
        {
            "service": service.slug,
            "title": "By Slack",
            "instruments": ["nps"],
            "delivery": "slack_dm",
        },
        content_type="application/json",
        **h,
    )
    assert r.status_code == 201, r.content
    sid = r.json()["id"]
    assert r.json()["delivery"] == "slack_dm"
    assert client.get(f"/api/v1/surveys/{sid}", **h).json()["delivery"] == "slack_dm"
    r = client.post(
        f"/api/v1/surveys/{sid}/distribute", {"units": ["N2"]}, content_type="application/json", **h
    )
    assert r.status_code == 200 and r.json()["channel"] == "slack_dm"
    assert "3 invited by Slack direct message" in r.json()["summary"]
    r = client.post(
        "/api/v1/surveys/",
        {"service": service.slug, "title": "Plain"},
        content_type="application/json",
        **h,
    )
    assert r.json()["delivery"] == "email"
    settings.ONRAMP = {**settings.ONRAMP, "TEAMS_FLOW_URL": ""}
    r = client.post(
        "/api/v1/surveys/",
        {"service": service.slug, "title": "By Teams", "delivery": "teams_dm"},
        content_type="application/json",
        **h,
    )
    assert r.status_code == 422 and "not set up on this Onramp" in r.content.decode()
    r = client.post(
        "/api/v1/surveys/",
        {"service": service.slug, "title": "By pigeon", "delivery": "pigeon"},
        content_type="application/json",
        **h,
    )
    assert r.status_code == 422


def test_only_those_who_may_edit_the_service_change_the_channel(
    chat, client_for, cast, make_survey, other_service
):
    survey = make_survey()
    data = {
        "title": survey.title,
        "anonymity": "anonymous",
        "recurrence": "none",
        "delivery": "slack_dm",
        "min_group": 5,
        "min_comments": 8,
    }
    expected = {"anonymous": 302, "viewer": 403, "champion": 403, "outsider": 403}
    for role, status in expected.items():
        r = client_for(cast[role]).post(f"/surveys/{survey.pk}/settings/", data)
        assert r.status_code == status, (role, r.status_code)
        assert Survey.objects.get(pk=survey.pk).delivery == "email", role
    other = survey_create(service=other_service, title="Theirs")
    r = client_for(cast["owner"]).post(f"/surveys/{other.pk}/settings/", data)
    assert r.status_code == 403 and Survey.objects.get(pk=other.pk).delivery == "email"
    r = client_for(cast["admin"]).post(f"/surveys/{survey.pk}/settings/", data)
    assert r.status_code == 302 and Survey.objects.get(pk=survey.pk).delivery == "slack_dm"


def test_an_anonymous_answer_to_a_slack_invitation_stays_unlinked(
    chat, big_org, make_survey, invite
):
    survey = make_survey(delivery="slack_dm", anonymity="anonymous")
    tokens = invite(survey, [big_org["people"]["N1-4"]])
    outbox_deliver()
    response = response_submit(
        raw_token=tokens["N1-4"], answers=answers_for(survey, nps=3, csat=2), today=TODAY
    )
    assert {f.name for f in Invitation._meta.concrete_fields} == {
        "id",
        "survey",
        "person",
        "token_hash",
        "invited_on",
        "sent_at",
        "reminders_sent",
        "last_reminded_at",
        "responded",
    }
    response = Response.objects.get(pk=response.pk)
    assert response.invitation_id is None and response.person_id is None
    assert not OutboxMessage.objects.filter(key__startswith="detractor:").exists()
    assert len(chat.calls("/api/chat.postMessage")) == 1  # the invitation only
