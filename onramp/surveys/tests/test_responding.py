from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from onramp.surveys.models import Invitation, Response, hash_survey_token
from onramp.surveys.services import (
    InvalidToken,
    invitation_for_token,
    response_submit,
    survey_close,
    survey_update,
)

from .conftest import TODAY, answers_for


def test_each_invitee_gets_a_personal_link_and_only_its_hash_is_stored(
    big_org, make_survey, invite
):
    survey = make_survey()
    people = list(big_org["people"].values())[:5]
    tokens = invite(survey, people)
    assert len(tokens) == 5 and len(set(tokens.values())) == 5
    for raw in tokens.values():
        assert len(raw) >= 22  # 24 random bytes, base64url: 192 bits
        assert Invitation.objects.filter(token_hash=hash_survey_token(raw)).exists()
        assert not Invitation.objects.filter(token_hash=raw).exists()


def test_a_guessed_a_used_and_an_expired_token_are_refused_alike(big_org, make_survey, invite):
    survey = make_survey()
    person = big_org["people"]["N1-0"]
    raw = invite(survey, [person])["N1-0"]
    with pytest.raises(InvalidToken):
        invitation_for_token("x" * 32, today=TODAY)
    response_submit(raw_token=raw, answers=answers_for(survey, nps=9, csat=5), today=TODAY)
    with pytest.raises(InvalidToken):
        response_submit(raw_token=raw, answers=answers_for(survey, nps=9, csat=5), today=TODAY)
    other = invite(survey, [big_org["people"]["N1-1"]])["N1-1"]
    with pytest.raises(InvalidToken):
        invitation_for_token(other, today=survey.closes_on + dt.timedelta(days=1))
    survey_close(survey=survey)
    with pytest.raises(InvalidToken):
        invitation_for_token(other, today=TODAY)


def test_an_anonymous_response_cannot_be_tied_to_its_invitation_in_the_database(
    big_org, make_survey, invite
):
    survey = make_survey(anonymity="anonymous")
    team = [p for p in big_org["people"].values() if p.unit_id == big_org["n1"].pk]
    tokens = invite(survey, team)
    response = response_submit(
        raw_token=tokens["N1-3"], answers=answers_for(survey, nps=2, csat=1), today=TODAY
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT invitation_id, person_id, job_title FROM surveys_response WHERE id = %s",
            [response.pk],
        )
        invitation_id, person_id, title = cursor.fetchone()
    assert invitation_id is None and person_id is None
    # The unit is kept only where the group is large enough: N1 has 8 invitees, >= 5.
    assert Response.objects.get(pk=response.pk).unit_id == big_org["n1"].pk
    assert title == "Analyst"
    # The invitation only knows that someone answered, not when nor what.
    invitation_columns = {
        c.name
        for c in connection.introspection.get_table_description(
            connection.cursor(), "surveys_invitation"
        )
    }
    assert not {c for c in invitation_columns if "respon" in c and c != "responded"}
    assert Invitation.objects.filter(survey=survey, responded=True).count() == 1


def test_an_anonymous_response_from_a_small_team_is_placed_in_a_larger_unit(
    big_org, make_survey, invite
):
    survey = make_survey(anonymity="anonymous")
    tokens = invite(survey, list(big_org["people"].values()))
    response = response_submit(
        raw_token=tokens["N2-0"], answers=answers_for(survey, nps=8, csat=4), today=TODAY
    )
    # Team N2 has 3 invitees (< 5); North has 11.
    assert response.unit_id == big_org["north"].pk
    assert response.job_title == ""  # 3 planners: too few to keep the title


def test_a_confidential_response_keeps_the_person_and_notifies_the_owner_of_a_detractor_once(
    big_org, make_survey, invite, owner
):
    from onramp.core.models import OutboxMessage

    owner.email = "olga@acme.test"
    owner.save()
    survey = make_survey(anonymity="confidential")
    tokens = invite(survey, [big_org["people"]["S1-0"], big_org["people"]["S1-1"]])
    r = response_submit(
        raw_token=tokens["S1-0"], answers=answers_for(survey, nps=3, csat=2), today=TODAY
    )
    response_submit(
        raw_token=tokens["S1-1"], answers=answers_for(survey, nps=10, csat=5), today=TODAY
    )
    assert r.person == big_org["people"]["S1-0"]
    alerts = OutboxMessage.objects.filter(recipient="olga@acme.test")
    assert alerts.count() == 1
    assert "S1 Member 0" in alerts.get().subject or "Team S1 Member 0" in alerts.get().subject


def test_an_anonymous_detractor_notifies_nobody(big_org, make_survey, invite, owner):
    from onramp.core.models import OutboxMessage

    owner.email = "olga@acme.test"
    owner.save()
    survey = make_survey(anonymity="anonymous")
    tokens = invite(survey, [big_org["people"]["S1-0"]])
    response_submit(
        raw_token=tokens["S1-0"], answers=answers_for(survey, nps=0, csat=1), today=TODAY
    )
    assert not OutboxMessage.objects.filter(recipient="olga@acme.test").exists()


def test_required_answers_and_scale_ranges_are_checked_and_nothing_is_stored_on_error(
    big_org, make_survey, invite
):
    survey = make_survey()
    raw = invite(survey, [big_org["people"]["N1-0"]])["N1-0"]
    with pytest.raises(ValidationError) as info:
        response_submit(raw_token=raw, answers=answers_for(survey, nps=11), today=TODAY)
    messages = info.value.message_dict
    assert any("0 to 10" in m for ms in messages.values() for m in ms)
    assert any("needs an answer" in m for ms in messages.values() for m in ms)
    assert not Response.objects.exists()
    assert not Invitation.objects.get(survey=survey).responded


def test_the_anonymity_mode_is_fixed_once_the_first_response_arrives(big_org, make_survey, invite):
    survey = make_survey(anonymity="anonymous")
    survey_update(survey=survey, anonymity="confidential")
    survey_update(survey=survey, anonymity="anonymous")
    raw = invite(survey, [big_org["people"]["N1-0"]])["N1-0"]
    response_submit(raw_token=raw, answers=answers_for(survey, nps=9, csat=5), today=TODAY)
    with pytest.raises(ValidationError, match="fixed"):
        survey_update(survey=survey, anonymity="identified")


def test_a_score_based_follow_up_is_kept_only_when_it_applies(big_org, service, invite):
    from onramp.surveys.services import survey_create

    survey = survey_create(
        service=service,
        title="NPS",
        instruments=["nps_by_score"],
        opens_on=TODAY,
        closes_on=TODAY + dt.timedelta(days=3),
    )
    nps_q, detractor_q, _passive_q, promoter_q = survey.questions.all()
    tokens = invite(survey, [big_org["people"]["N1-0"]])
    answers = {
        f"q{nps_q.pk}": "10",
        f"q{detractor_q.pk}": "should be dropped",
        f"q{promoter_q.pk}": "Fast",
    }
    response = response_submit(raw_token=tokens["N1-0"], answers=answers, today=TODAY)
    assert {a.question_id: a.text for a in response.answers.all() if a.text} == {
        promoter_q.pk: "Fast"
    }


def test_a_detractor_alert_also_goes_to_the_configured_chat_channel(
    big_org, make_survey, invite, owner, settings
):
    from onramp.core.models import OutboxMessage

    settings.ONRAMP = {
        **settings.ONRAMP,
        "CHAT_WEBHOOKS": {"slack": "http://127.0.0.1:9/hook", "teams": ""},
    }
    survey = make_survey(anonymity="identified")
    tokens = invite(survey, [big_org["people"]["S1-3"]])
    response_submit(
        raw_token=tokens["S1-3"], answers=answers_for(survey, nps=1, csat=1), today=TODAY
    )
    alerts = OutboxMessage.objects.filter(key__startswith="detractor:")
    assert sorted(alerts.values_list("channel", flat=True)) == ["slack"]  # the owner has no email
    assert "Team S1 Member 3" in alerts.get().subject
