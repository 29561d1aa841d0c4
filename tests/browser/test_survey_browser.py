"""An employee answers a survey on a phone; the PMO sees the result, with a small team hidden."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pulse(service):
    from onramp.org.services import person_create, unit_create
    from onramp.surveys.services import survey_create

    acme = unit_create(code="ACME", name="Acme", kind="company")
    div = unit_create(code="D", name="Delivery", kind="division", parent=acme)
    big = unit_create(code="BIG", name="Team Big", kind="team", parent=div)
    small = unit_create(code="SMALL", name="Team Small", kind="team", parent=div)
    people = [
        person_create(employee_id=f"B{i}", name=f"Big {i}", email=f"b{i}@acme.test", unit=big)
        for i in range(7)
    ] + [
        person_create(employee_id=f"S{i}", name=f"Small {i}", email=f"s{i}@acme.test", unit=small)
        for i in range(2)
    ]
    today = timezone.localdate()
    survey = survey_create(
        service=service,
        title="Risk framework pulse",
        instruments=["nps", "csat"],
        anonymity="identified",
        opens_on=today - dt.timedelta(days=1),
        closes_on=today + dt.timedelta(days=7),
    )
    return survey, people


def _tokens(survey, people):
    from onramp.core.models import OutboxMessage
    from onramp.surveys.services import survey_distribute

    survey_distribute(survey=survey, person_ids=[p.pk for p in people])
    tokens = {}
    for m in OutboxMessage.objects.filter(key__startswith=f"survey:{survey.pk}:invite:"):
        link = next(line for line in m.body.splitlines() if "/s/" in line)
        tokens[m.recipient] = link.rsplit("/s/", 1)[1].strip("/")
    return tokens


def test_an_employee_answers_on_a_phone_and_the_pmo_sees_the_result_with_a_small_team_hidden(
    live_server, browser, login, pulse, admin_user
):
    from onramp.surveys.services import response_submit

    survey, people = pulse
    tokens = _tokens(survey, people)
    nps_q, why_q, csat_q = survey.questions.all()
    # Six people of the big team and the two of the small team answered already.
    for p in people[1:]:
        response_submit(
            raw_token=tokens[p.email], answers={f"q{nps_q.pk}": "10", f"q{csat_q.pk}": "5"}
        )

    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = phone.new_page()
    page.goto(f"{live_server.url}/s/{tokens[people[0].email]}/")
    expect(page.get_by_role("heading", name="Risk framework pulse")).to_be_visible()
    # The page fits the phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("alert").first).to_be_visible()  # required answers missing
    page.locator(f"#q{nps_q.pk}").get_by_role("radio", name="3", exact=True).check()
    expect(
        page.locator(f"#q{why_q.pk}")
    ).to_be_visible()  # the follow-up shows once a score is chosen
    page.locator(f"#q{why_q.pk} textarea").fill("Too many fields to fill in.")
    page.locator(f"#q{csat_q.pk}").get_by_role("radio", name="2", exact=True).check()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    phone.close()

    desk = login(admin_user)
    desk.goto(f"{live_server.url}/surveys/{survey.pk}/results/?by=unit&level=2")
    figures = desk.get_by_test_id("figures").inner_text()
    assert "NPS (n = 9)" in figures
    # 8 promoters (10) and 1 detractor (3) of 9: NPS = 78.
    assert "78" in figures
    table = desk.get_by_test_id("breakdown")
    small_row = table.get_by_role("row", name="Team Small")
    assert "hidden" in small_row.inner_text()
    assert "<5" in small_row.inner_text()
