from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError

from onramp.surveys.models import Response, Survey
from onramp.surveys.selectors import survey_results, trend
from onramp.surveys.services import survey_create, survey_rounds_create
from onramp.surveys.services.importing import responses_import_apply, responses_import_preview

from .conftest import TODAY, answers_for


@pytest.fixture
def old_survey(service):
    return survey_create(
        service=service, title="Spring pulse", instruments=["nps", "csat"], anonymity="confidential"
    )


def _msforms_xlsx(rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(
        [
            "ID",
            "Start time",
            "Completion time",
            "Email",
            "Name",
            "How likely are you to recommend Risk Framework to a colleague?",
            "What is the main reason for your score?",
            "Overall, how satisfied are you with Risk Framework?",
        ]
    )
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_microsoft_forms_export_is_mapped_by_question_text_and_imported_once(old_survey, big_org):
    data = _msforms_xlsx(
        [
            [1, "3/2/26 9:00:00", "2026-03-02 09:05:00", "n1-0@acme.test", "A", 10, "Great", 5],
            [2, "3/2/26 9:00:00", "2026-03-03 10:00:00", "anonymous", "", 6, "", 3],
        ]
    )
    plan = responses_import_preview(survey=old_survey, data=data, filename="forms.xlsx")
    assert plan.fmt == "msforms" and not plan.errors and plan.new == 2
    assert len(plan.mapping) == 3
    message = responses_import_apply(plan=plan)
    assert message.startswith("2 responses imported")
    first = Response.objects.get(survey=old_survey, external_id="msforms:1")
    assert first.submitted_on == dt.date(2026, 3, 2)
    assert first.person == big_org["people"]["N1-0"]  # confidential mode keeps the link
    again = responses_import_preview(survey=old_survey, data=data, filename="forms.xlsx")
    assert again.new == 0 and again.duplicates == 2
    assert Response.objects.filter(survey=old_survey).count() == 2


def test_a_bad_cell_is_reported_with_row_and_column_and_nothing_is_imported(old_survey):
    data = _msforms_xlsx(
        [
            [1, "", "2026-03-02", "", "", 10, "", 5],
            [2, "", "2026-03-02", "", "", "eleven", "", 9],
        ]
    )
    plan = responses_import_preview(survey=old_survey, data=data, filename="forms.xlsx")
    problems = {(e.row, e.column) for e in plan.errors}
    assert (3, "How likely are you to recommend Risk Framework to a colleague?") in problems
    assert (3, "Overall, how satisfied are you with Risk Framework?") in problems
    with pytest.raises(ValidationError):
        responses_import_apply(plan=plan)
    assert not Response.objects.exists()


def test_a_surveymonkey_export_with_two_header_rows_is_read(old_survey):
    csv_text = (
        "Respondent ID,Collector ID,Start Date,End Date,IP Address,Email Address,First Name,Last Name,"
        "How likely are you to recommend Risk Framework to a colleague?,Overall, how satisfied are you with Risk Framework?\n"
    )
    # SurveyMonkey quotes headers with commas; build it properly.
    import csv

    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(
        [
            "Respondent ID",
            "Collector ID",
            "Start Date",
            "End Date",
            "IP Address",
            "Email Address",
            "First Name",
            "Last Name",
            "How likely are you to recommend Risk Framework to a colleague?",
            "Overall, how satisfied are you with Risk Framework?",
        ]
    )
    w.writerow(["", "", "", "", "", "", "", "", "Response", "Response"])
    w.writerow(
        [
            "114",
            "9",
            "04/01/2026 10:00:00 AM",
            "04/01/2026 10:03:00 AM",
            "",
            "",
            "",
            "",
            "9 - Very likely",
            "4",
        ]
    )
    w.writerow(
        ["115", "9", "04/02/2026 10:00:00 AM", "04/02/2026 10:03:00 AM", "", "", "", "", "3", "2"]
    )
    assert csv_text  # the naive form above would split the quoted header: the writer quotes it
    plan = responses_import_preview(
        survey=old_survey, data=out.getvalue().encode(), filename="monkey.csv"
    )
    assert plan.fmt == "surveymonkey" and not plan.errors, plan.errors
    responses_import_apply(plan=plan)
    scores = sorted(
        Response.objects.filter(survey=old_survey).values_list("answers__score", flat=True)
    )
    assert scores == [2, 3, 4, 9]
    assert Response.objects.get(external_id="surveymonkey:114").submitted_on == dt.date(2026, 4, 1)


def test_a_monthly_pulse_creates_one_round_per_period_and_invites_the_same_people(
    big_org, service, invite
):
    from onramp.surveys.services import response_submit

    first = survey_create(
        service=service,
        title="Monthly pulse",
        instruments=["csat"],
        recurrence="monthly",
        opens_on=dt.date(2026, 6, 15),
        closes_on=dt.date(2026, 6, 25),
    )
    people = [p for p in big_org["people"].values() if p.unit_id == big_org["s1"].pk]
    tokens = invite(first, people, today=dt.date(2026, 6, 15))
    for p in people[:6]:
        response_submit(
            raw_token=tokens[p.employee_id],
            answers=answers_for(first, csat=3),
            today=dt.date(2026, 6, 16),
        )
    created = survey_rounds_create(today=dt.date(2026, 8, 20))
    assert [s.period_start for s in created] == [dt.date(2026, 7, 15), dt.date(2026, 8, 15)]
    assert survey_rounds_create(today=dt.date(2026, 8, 20)) == []  # idempotent
    july = created[0]
    assert july.invitations.count() == len(people)
    assert july.questions.count() == first.questions.count()
    assert Survey.objects.get(pk=first.pk).status == "closed"
    points = trend(first)
    assert [p.label for p in points] == ["Jun 2026", "Jul 2026", "Aug 2026"]
    assert points[0].figures["csat"].value == 0.0 and points[1].figures["csat"].suppressed
    assert survey_results(july).invited == len(people)


def test_the_minimum_gap_skips_people_invited_to_any_survey_recently(big_org, make_survey, service):
    from onramp.surveys.services import survey_distribute

    person = big_org["people"]["N1-0"]
    a = make_survey(title="A")
    b = make_survey(title="B")
    survey_distribute(survey=a, person_ids=[person.pk], today=TODAY)
    result = survey_distribute(survey=b, person_ids=[person.pk], today=TODAY + dt.timedelta(days=6))
    assert (result.invited, result.skipped_recent) == (0, 1)
    result = survey_distribute(survey=b, person_ids=[person.pk], today=TODAY + dt.timedelta(days=7))
    assert result.invited == 1
    assert "1 invited" in result.summary()


def test_an_open_survey_counts_in_the_change_load_of_its_invitees_units(
    big_org, make_survey, invite
):
    from onramp.rollout.changeload import _SOURCES

    survey = make_survey(title="Load")
    invite(survey, [big_org["people"]["N2-0"], big_org["people"]["N2-1"]])
    activities = list(_SOURCES["surveys"](TODAY, TODAY + dt.timedelta(days=7)))
    assert [(a.kind, set(a.unit_ids)) for a in activities] == [("survey", {big_org["n2"].pk})]
    assert (
        list(_SOURCES["surveys"](TODAY + dt.timedelta(days=60), TODAY + dt.timedelta(days=67)))
        == []
    )
