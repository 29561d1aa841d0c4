from __future__ import annotations

import io

import pytest

from onramp.core.services import api_token_create

from .conftest import TODAY, answers_for


@pytest.fixture
def api_for(client):
    def make(user):
        _, raw = api_token_create(user=user, name="test")
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    return make


def test_an_owner_creates_a_survey_adds_questions_and_invites_by_api(
    client, api_for, owner, service, big_org
):
    h = api_for(owner)
    r = client.post(
        "/api/v1/surveys/",
        {"service": service.slug, "title": "API pulse", "instruments": ["nps"]},
        content_type="application/json",
        **h,
    )
    assert r.status_code == 201, r.content
    sid = r.json()["id"]
    assert [q["kind"] for q in r.json()["questions"]] == ["nps", "long_text"]
    r = client.post(
        f"/api/v1/surveys/{sid}/questions",
        {"kind": "single", "text": "Team?", "options": ["A", "B"]},
        content_type="application/json",
        **h,
    )
    assert r.status_code == 201 and len(r.json()["questions"]) == 3
    r = client.post(
        f"/api/v1/surveys/{sid}/distribute", {"units": ["N1"]}, content_type="application/json", **h
    )
    assert r.status_code == 200 and r.json()["invited"] == 8
    r = client.post(
        f"/api/v1/surveys/{sid}/distribute", {"units": ["XX"]}, content_type="application/json", **h
    )
    assert r.status_code == 422 and "XX" in str(r.json())


def test_api_results_carry_no_value_for_a_group_under_the_threshold(
    client, api_for, viewer, big_org, make_survey, invite
):
    from onramp.surveys.services import response_submit

    survey = make_survey(anonymity="identified")
    people = [
        p for p in big_org["people"].values() if p.unit_id in (big_org["n2"].pk, big_org["s1"].pk)
    ]
    tokens = invite(survey, people)
    for p in people:
        response_submit(
            raw_token=tokens[p.employee_id], answers=answers_for(survey, nps=9, csat=4), today=TODAY
        )
    h = api_for(viewer)
    results = client.get(f"/api/v1/surveys/{survey.pk}/results", **h).json()
    nps = next(f for f in results["figures"] if f["key"] == "nps")
    assert (nps["n"], nps["value"], nps["suppressed"]) == (15, 100.0, False)
    rows = client.get(f"/api/v1/surveys/{survey.pk}/breakdown?by=unit&level=2", **h).json()
    by_group = {r["group"]: r for r in rows}
    small = next(f for f in by_group["Team N2"]["figures"] if f["key"] == "nps")
    assert small["suppressed"] and small["value"] is None and small["detail"] == {}
    assert by_group["Team N2"]["n"] is None
    # Only two groups: hiding N2 alone would leave it as total minus S1, so S1 is hidden too.
    big = next(f for f in by_group["Team S1"]["figures"] if f["key"] == "nps")
    assert big["suppressed"] and big["value"] is None


def test_api_access_follows_the_service_rules(
    client, api_for, viewer, champion, other_owner, make_survey
):
    survey = make_survey()
    assert client.get(f"/api/v1/surveys/{survey.pk}").status_code == 401
    assert client.get(f"/api/v1/surveys/{survey.pk}", **api_for(viewer)).status_code == 200
    assert client.post(f"/api/v1/surveys/{survey.pk}/close", **api_for(viewer)).status_code == 403
    assert (
        client.post(f"/api/v1/surveys/{survey.pk}/close", **api_for(other_owner)).status_code == 403
    )
    assert (
        client.get(f"/api/v1/surveys/{survey.pk}/results", **api_for(champion)).status_code == 200
    )


def test_api_import_is_a_dry_run_unless_asked(client, api_for, owner, make_survey):
    survey = make_survey(anonymity="anonymous")
    csv_bytes = (
        b"ID,Completion time,How likely are you to recommend Risk Framework to a colleague?\n"
        b"1,2026-05-01,9\n2,2026-05-02,4\n"
    )
    h = api_for(owner)
    first = io.BytesIO(csv_bytes)
    first.name = "forms.csv"
    r = client.post(f"/api/v1/surveys/{survey.pk}/import", {"file": first}, **h)
    assert r.status_code == 200, r.content
    assert (r.json()["new"], r.json()["applied"]) == (2, False)
    upload = io.BytesIO(csv_bytes)
    upload.name = "forms.csv"
    r = client.post(
        f"/api/v1/surveys/{survey.pk}/import", {"file": upload, "dry_run": "false"}, **h
    )
    assert r.json()["applied"] is True
    assert survey.responses.count() == 2
