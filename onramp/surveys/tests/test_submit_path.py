"""The public response page's hot path (docs/performance.md, "Survey submissions"): what it costs
in queries, and what it must keep while being cheap (one answer per link, anonymity, CSRF)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from onramp.surveys.models import Answer, Invitation, Response
from onramp.surveys.services import InvalidToken, invitation_for_token, response_submit
from onramp.surveys.services.responding import survey_questions

from .conftest import answers_for

CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def statements(ctx: CaptureQueriesContext) -> list[str]:
    """The SQL statements run, without transaction control (which differs between SQLite,
    PostgreSQL and the test's own transaction)."""
    return [
        q["sql"] for q in ctx.captured_queries if not q["sql"].lstrip().upper().startswith(CONTROL)
    ]


@pytest.fixture
def open_now(make_survey):
    """open_now(**settings): a survey open today, whatever the tests' fixed date."""
    from onramp.surveys.services import survey_open

    def make(**kwargs):
        today = timezone.localdate()
        kwargs.setdefault("opens_on", today - dt.timedelta(days=1))
        kwargs.setdefault("closes_on", today + dt.timedelta(days=5))
        return survey_open(survey=make_survey(**kwargs))

    return make


@pytest.fixture
def open_survey(open_now):
    return open_now(anonymity="anonymous")


@pytest.fixture
def links(big_org, open_survey, invite):
    cache.clear()  # the anonymous placement's cached shape is per survey id
    return invite(open_survey, list(big_org["people"].values()), today=timezone.localdate())


def test_a_submission_runs_four_statements_and_the_page_one(client, open_survey, links):
    answers = answers_for(open_survey, nps=9, csat=4)
    # The first one reads the survey's questions and computes its shape, kept by the process.
    client.post(f"/s/{links['S1-0']}/", answers)
    with CaptureQueriesContext(connection) as page:
        assert client.get(f"/s/{links['S1-1']}/").status_code == 200
    with CaptureQueriesContext(connection) as post:
        response = client.post(f"/s/{links['S1-1']}/", answers)
    assert response.status_code == 200 and b"Thank you" in response.content
    # The link, with its survey, service, person and unit.
    assert len(statements(page)) == 1, statements(page)
    # That one, the conditional UPDATE that claims the link, the response, its answers.
    run = statements(post)
    assert len(run) == 4, run
    assert run[1].startswith("UPDATE") and "responded" in run[1]
    assert [s.split()[2] for s in run[2:]] == ['"surveys_response"', '"surveys_answer"']


def test_the_page_follows_questions_added_and_moved_after_it_was_first_shown(
    client, open_now, big_org, invite
):
    from onramp.surveys.services import question_add, question_move

    survey = open_now(anonymity="anonymous", instruments=["nps"])
    links = invite(survey, list(big_org["people"].values()), today=timezone.localdate())
    first = client.get(f"/s/{links['S1-0']}/")
    assert first.status_code == 200
    assert "What should we change first?" not in first.content.decode()
    added = question_add(survey=survey, kind="short_text", text="What should we change first?")
    second = client.get(f"/s/{links['S1-0']}/").content.decode()
    assert "What should we change first?" in second
    # The new question is required: a post without it is refused, and stores nothing.
    refused = client.post(f"/s/{links['S1-0']}/", answers_for(survey, nps=9))
    assert refused.status_code == 400 and not Response.objects.exists()
    question_move(question=added, direction=-1)
    question_move(question=added, direction=-1)  # first, above the NPS question and its "why"
    third = client.get(f"/s/{links['S1-0']}/").content.decode()
    assert third.index("What should we change first?") < third.index("How likely are you")


def test_a_survey_closed_behind_the_services_back_refuses_its_links_at_once(
    client, open_survey, links
):
    from onramp.surveys.models import Survey

    answers = answers_for(open_survey, nps=9, csat=4)
    assert client.post(f"/s/{links['S1-0']}/", answers).status_code == 200
    # Not through survey_close: the status alone changes, not updated_at.
    Survey.objects.filter(pk=open_survey.pk).update(status="closed")
    assert client.get(f"/s/{links['S1-1']}/").status_code == 404
    assert client.post(f"/s/{links['S1-1']}/", answers).status_code == 404
    assert Response.objects.count() == 1


def test_a_detractor_alert_goes_to_the_owners_current_address(
    client, open_now, big_org, invite, owner
):
    from onramp.core.models import OutboxMessage

    owner.email = "olga@acme.test"
    owner.save()
    survey = open_now(anonymity="confidential")
    links = invite(survey, list(big_org["people"].values()), today=timezone.localdate())
    client.post(f"/s/{links['S1-0']}/", answers_for(survey, nps=2, csat=1))
    owner.email = "olga.new@acme.test"  # the service itself is unchanged
    owner.save()
    client.post(f"/s/{links['S1-1']}/", answers_for(survey, nps=2, csat=1))
    recipients = set(
        OutboxMessage.objects.filter(subject__startswith="Detractor").values_list(
            "recipient", flat=True
        )
    )
    assert recipients == {"olga@acme.test", "olga.new@acme.test"}


def test_a_signed_in_visitor_costs_no_session_or_user_query(
    client_for, admin_user, open_survey, links
):
    browser = client_for(admin_user)  # sends a session cookie
    answers = answers_for(open_survey, nps=9, csat=4)
    browser.post(f"/s/{links['S1-0']}/", answers)
    with CaptureQueriesContext(connection) as post:
        assert browser.post(f"/s/{links['S1-1']}/", answers).status_code == 200
    assert len(statements(post)) == 4, statements(post)
    assert not any("django_session" in s or "core_user" in s for s in statements(post))


def test_the_link_comes_with_its_survey_service_person_and_unit_in_one_query(
    big_org, open_survey, links
):
    with CaptureQueriesContext(connection) as ctx:
        invitation = invitation_for_token(links["N1-0"])
        assert invitation.survey.service.name == "Risk Framework"
        assert invitation.person.unit.path == big_org["n1"].path
        assert invitation.survey.opens_on == open_survey.opens_on  # a date, not a string
        assert invitation.survey.updated_at == open_survey.updated_at
        assert invitation.responded is False
    assert len(ctx.captured_queries) == 1
    questions = survey_questions(open_survey)
    assert [q.pk for q in questions] == list(
        open_survey.questions.order_by("order", "id").values_list("pk", flat=True)
    )
    assert all(isinstance(q.options, list) for q in questions)


def test_two_posts_of_one_link_count_once_even_when_both_read_it_first(open_survey, links):
    answers = answers_for(open_survey, nps=9, csat=4)
    first = invitation_for_token(links["S1-0"])
    second = invitation_for_token(links["S1-0"])  # read before the first is stored
    response_submit(raw_token=links["S1-0"], answers=answers, invitation=first)
    with pytest.raises(InvalidToken):
        response_submit(raw_token=links["S1-0"], answers=answers, invitation=second)
    assert Response.objects.filter(survey=open_survey).count() == 1
    assert Answer.objects.filter(response__survey=open_survey).count() == 2


def test_a_survey_closed_between_reading_the_link_and_storing_stores_nothing(open_survey, links):
    from onramp.surveys.services import survey_close

    invitation = invitation_for_token(links["S1-0"])
    survey_close(survey=open_survey)
    with pytest.raises(InvalidToken):
        response_submit(
            raw_token=links["S1-0"],
            answers=answers_for(open_survey, nps=9, csat=4),
            invitation=invitation,
        )
    assert not Response.objects.exists()
    assert not Invitation.objects.filter(responded=True).exists()


def test_an_anonymous_submission_through_the_page_keeps_no_link_to_the_invitation(
    client, big_org, open_survey, links
):
    response = client.post(f"/s/{links['N1-2']}/", answers_for(open_survey, nps=3, csat=2))
    assert response.status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT invitation_id, person_id, unit_id, job_title FROM surveys_response")
        rows = cursor.fetchall()
    assert rows == [(None, None, big_org["n1"].pk, "Analyst")]
    stored = Response.objects.get()
    assert sorted(stored.answers.values_list("score", flat=True)) == [2, 3]
    assert stored.submitted_on == timezone.localdate() and stored.source == "web"
    assert client.post(f"/s/{links['N1-2']}/", answers_for(open_survey, nps=9)).status_code == 404


def test_the_public_form_still_needs_its_csrf_token(open_survey, links):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(f"/s/{links['S1-3']}/")
    assert page.status_code == 200
    token = page.content.decode().split('name="csrfmiddlewaretoken" value="', 1)[1].split('"')[0]
    answers = answers_for(open_survey, nps=9, csat=4)
    refused = browser.post(f"/s/{links['S1-3']}/", answers)
    assert refused.status_code == 403
    assert not Response.objects.exists()
    accepted = browser.post(f"/s/{links['S1-3']}/", {**answers, "csrfmiddlewaretoken": token})
    assert accepted.status_code == 200 and b"Thank you" in accepted.content
    assert Response.objects.count() == 1


def test_the_public_pages_show_no_navigation_nor_account(client_for, admin_user, links):
    signed_in = client_for(admin_user)
    page = signed_in.get(f"/s/{links['S1-4']}/").content.decode()
    assert "Risk Framework" in page
    assert 'id="sidebar"' not in page and "Sign out" not in page


def test_the_thank_you_page_follows_a_renamed_service(client, open_survey, links):
    from onramp.catalog.services import service_update

    answers = answers_for(open_survey, nps=9, csat=4)
    first = client.post(f"/s/{links['S1-5']}/", answers).content.decode()
    assert "Your answers about Risk Framework are recorded" in first
    service_update(service=open_survey.service, name="Risk Register")
    second = client.post(f"/s/{links['S1-6']}/", answers).content.decode()
    assert "Your answers about Risk Register are recorded" in second


def test_the_rate_limits_are_parsed_once_and_follow_a_changed_setting(settings):
    from onramp.core.security import Rate, _rates

    settings.ONRAMP_RATE_LIMITS = {"public_form": "60/minute"}
    assert _rates() is _rates()  # not parsed again on every request
    settings.ONRAMP_RATE_LIMITS = {"public_form": "5/minute"}
    assert _rates()["public_form"] == Rate(limit=5, period=60)


def test_the_personal_links_are_the_first_url_pattern():
    from django.urls import get_resolver

    first = get_resolver().url_patterns[0]
    assert first.name == "survey_respond"


def test_choices_text_and_scores_come_back_from_the_database_as_posted(
    client, open_now, big_org, invite
):
    from onramp.surveys.models import Answer
    from onramp.surveys.services import question_add

    survey = open_now(anonymity="confidential", instruments=["csat"])
    pick = question_add(survey=survey, kind="multi", text="Which?", options=["A", "B", "C"])
    one = question_add(survey=survey, kind="single", text="One?", options=["Yes", "No"])
    say = question_add(survey=survey, kind="short_text", text="Say", required=False)
    links = invite(survey, list(big_org["people"].values()), today=timezone.localdate())
    answers = {
        **answers_for(survey, csat=4),
        f"q{pick.pk}": ["A", "C"],
        f"q{one.pk}": "No",
        f"q{say.pk}": '  Quotes " and ünïcode  ',
    }
    assert client.post(f"/s/{links['N1-0']}/", answers).status_code == 200
    stored = {a.question_id: a for a in Answer.objects.all()}
    assert stored[pick.pk].choices == ["A", "C"] and stored[pick.pk].score is None
    assert stored[one.pk].choices == ["No"]
    assert stored[say.pk].text == 'Quotes " and ünïcode' and stored[say.pk].choices == []
    csat = next(a for qid, a in stored.items() if qid not in (pick.pk, one.pk, say.pk))
    assert csat.score == 4 and csat.text == ""


def test_no_page_of_a_link_may_be_kept_by_a_browser_or_a_proxy(client, open_survey, links):
    answers = answers_for(open_survey, nps=9, csat=4)
    pages = [
        client.get(f"/s/{links['S1-0']}/"),
        client.post(f"/s/{links['S1-0']}/", {}),  # answers missing: the form again, 400
        client.post(f"/s/{links['S1-0']}/", answers),  # the thank-you page
        client.get(f"/s/{links['S1-0']}/"),  # used: the generic page, 404
    ]
    assert [p.status_code for p in pages] == [200, 400, 200, 404]
    for page in pages:
        assert page["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
        assert page["Expires"].endswith(" GMT")


def test_the_link_comes_as_instances_loaded_from_the_database(big_org, open_survey, links):
    invitation = invitation_for_token(links["N1-0"])
    stored = Invitation.objects.select_related("person__unit").get(pk=invitation.pk)
    assert not invitation._state.adding and invitation._state.db == "default"
    # Deferred fields are read on first access, as with .only().
    assert invitation.invited_on == stored.invited_on
    assert invitation.person.employee_id == stored.person.employee_id
    assert invitation.person.unit == stored.person.unit and invitation.person.unit_id == (
        stored.person.unit_id
    )
    assert invitation.person is invitation.person  # cached, not read again
    # Saved as any loaded instance is: an UPDATE of the existing row, not a new one.
    invitation.reminders_sent = 2
    invitation.save(update_fields=["reminders_sent"])
    assert Invitation.objects.get(pk=invitation.pk).reminders_sent == 2


def test_the_response_returned_is_the_one_stored(open_now, big_org, invite):
    # One survey in each mode, each to people of its own (nobody gets two within a week).
    for anonymity, who in (("anonymous", "N1-1"), ("confidential", "S1-1")):
        survey = open_now(anonymity=anonymity)
        team = [p for eid, p in big_org["people"].items() if eid[:2] == who[:2]]
        tokens = invite(survey, team, today=timezone.localdate())
        response = response_submit(
            raw_token=tokens[who], answers=answers_for(survey, nps=8, csat=4)
        )
        stored = Response.objects.get(pk=response.pk)
        for field in Response._meta.concrete_fields:
            assert getattr(response, field.attname) == getattr(stored, field.attname), field
        assert response.survey == survey and not response._state.adding
        assert sorted(response.answers.values_list("score", flat=True)) == [4, 8]
        if anonymity == "confidential":
            assert response.invitation.response == response
            assert response.person == big_org["people"][who]


def test_a_links_rate_counter_made_first_counts_as_one_incremented_first():
    from onramp.core.security import Rate, rate_limit_hit

    cache.clear()
    rate = Rate(limit=2, period=60)
    made_first = [rate_limit_hit("t", "link", rate, now=600.0, fresh=True) for _ in range(3)]
    incremented_first = [rate_limit_hit("t", "other", rate, now=600.0) for _ in range(3)]
    assert made_first == incremented_first == [None, None, 60]
    # A new window starts a new count.
    assert rate_limit_hit("t", "link", rate, now=660.0, fresh=True) is None
