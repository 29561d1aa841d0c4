"""Importing responses exported from Microsoft Forms (XLSX/CSV) and SurveyMonkey (CSV with two
header rows), so that surveys run before Onramp count in the trends.

Two phases like every import: a preview that maps columns to questions and lists every row error
(file, row, column), then an all-or-nothing apply. A response's export id is kept, so importing
the same file again adds nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower

from onramp.core.tabular import RowError, TableError, normalise, read_table
from onramp.org.models import Person
from onramp.surveys.models import Anonymity, Answer, Question, QuestionKind, Response, Survey

ID_HEADERS = {"id", "respondentid", "responseid"}
DATE_HEADERS = ("completiontime", "enddate", "submittedat", "starttime", "startdate")
EMAIL_HEADERS = {"email", "emailaddress", "responderemail"}
SKIP_HEADERS = {
    "collectorid",
    "ipaddress",
    "firstname",
    "lastname",
    "name",
    "customdata1",
    "lastmodifiedtime",
    "starttime",
    "startdate",
    "completiontime",
    "enddate",
}


@dataclass
class ImportPlan:
    survey: Survey
    file: str
    fmt: str
    headers: list[str]
    mapping: dict[str, int]  # header -> question id
    rows: list[dict[str, Any]] = field(default_factory=list)  # parsed, ready to write
    errors: list[RowError] = field(default_factory=list)
    duplicates: int = 0

    @property
    def new(self) -> int:
        return len(self.rows)


def _read(
    data: bytes, filename: str, fmt: str
) -> tuple[str, list[str], list[tuple[int, dict[str, str]]]]:
    if filename.lower().endswith(".csv"):
        text = data.decode("utf-8-sig", errors="strict") if data else ""
        raw = list(csv.reader(io.StringIO(text)))
        if len(raw) >= 2 and (
            fmt == "surveymonkey" or (fmt == "auto" and _looks_like_surveymonkey(raw))
        ):
            return "surveymonkey", *_surveymonkey(raw)
    table = read_table(io.BytesIO(data), filename)
    return ("msforms" if fmt == "auto" else fmt), table.headers, table.rows


def _looks_like_surveymonkey(raw: list[list[str]]) -> bool:
    second = {c.strip() for c in raw[1]}
    return bool(second & {"Response", "Open-Ended Response"}) or "Respondent ID" in raw[0]


def _surveymonkey(raw: list[list[str]]) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    top, sub = raw[0], raw[1]
    headers: list[str] = []
    current = ""
    for i, title in enumerate(top):
        detail = sub[i].strip() if i < len(sub) else ""
        if title.strip():
            current = title.strip()
            headers.append(
                current
                if detail in ("", "Response", "Open-Ended Response")
                else f"{current} :: {detail}"
            )
        else:
            headers.append(f"{current} :: {detail}")
    rows = []
    for number, values in enumerate(raw[2:], start=3):
        if not any(v.strip() for v in values):
            continue
        rows.append(
            (
                number,
                {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(headers)},
            )
        )
    return headers, rows


def guess_mapping(headers: list[str], questions: list[Question]) -> dict[str, int]:
    """Columns whose header carries a question's text (or its multiple-choice option) map to it."""
    mapping: dict[str, int] = {}
    by_text = {normalise(q.text): q for q in questions}
    for h in headers:
        base = h.split(" :: ")[0]
        key = normalise(base)
        if key in ID_HEADERS or key in EMAIL_HEADERS or key in SKIP_HEADERS:
            continue
        q = by_text.get(key) or next(
            (q for t, q in by_text.items() if t and (t in key or key in t) and len(key) > 10), None
        )
        if q is None and "recommend" in key:
            q = next((q for q in questions if q.kind == QuestionKind.NPS), None)
        if q is not None:
            mapping[h] = q.pk
    return mapping


_LEADING_NUMBER = re.compile(r"^\s*(-?\d+)")


def _score(value: str) -> int:
    match = _LEADING_NUMBER.match(value)  # "10 - Extremely likely" -> 10
    if not match:
        raise ValueError(f"{value!r} is not a number")
    return int(match.group(1))


def export_date(text: str) -> dt.date:
    """A date as these tools export it: ISO (XLSX cells), or month first (both are US tools:
    "4/1/2026 10:03:00 AM" is the 1st of April)."""
    day = text.strip().split(" ")[0].split("T")[0]
    for fmt in ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y"):
        try:
            return dt.datetime.strptime(day, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def responses_import_preview(
    *,
    survey: Survey,
    data: bytes,
    filename: str,
    fmt: str = "auto",
    mapping: dict[str, str] | None = None,
) -> ImportPlan:
    try:
        fmt, headers, rows = _read(data, filename, fmt)
    except (TableError, UnicodeDecodeError) as exc:
        raise ValidationError(str(exc)) from None
    questions = list(survey.questions.all())
    by_id = {q.pk: q for q in questions}
    if mapping is None:
        chosen = guess_mapping(headers, questions)
    else:
        chosen = {
            h: int(v)
            for h, v in mapping.items()
            if v and v.isdigit() and int(v) in by_id and h in headers
        }
    plan = ImportPlan(survey, filename, fmt, headers, chosen)
    if not chosen:
        plan.errors.append(
            RowError(
                filename,
                1,
                "",
                "No column matches a question of this survey: map the columns below.",
            )
        )
        return plan
    norm = {normalise(h): h for h in headers}
    id_col = next((norm[k] for k in ID_HEADERS if k in norm), None)
    date_col = next((norm[k] for k in DATE_HEADERS if k in norm), None)
    email_col = next((norm[k] for k in EMAIL_HEADERS if k in norm), None)
    known = set(survey.responses.exclude(external_id="").values_list("external_id", flat=True))
    seen: set[str] = set()
    people = {}
    if email_col and survey.anonymity != Anonymity.ANONYMOUS:
        emails = {r[email_col].lower() for _, r in rows if r.get(email_col)}
        people = {
            p.email.lower(): p
            for p in Person.objects.annotate(email_lower=Lower("email")).filter(
                email_lower__in=emails
            )
        }
    for number, row in rows:
        ext = row.get(id_col, "").strip() if id_col else ""
        if not ext:
            ext = f"row-{number}"
        ext = f"{fmt}:{ext}"
        if ext in known or ext in seen:
            plan.duplicates += 1
            continue
        seen.add(ext)
        submitted = dt.date.today()
        if date_col and row.get(date_col):
            try:
                submitted = export_date(row[date_col])
            except ValueError:
                plan.errors.append(
                    RowError(filename, number, date_col, f"{row[date_col]!r} is not a date.")
                )
                continue
        answers: dict[int, dict[str, Any]] = {}
        for header, qid in chosen.items():
            value = row.get(header, "").strip()
            if not value:
                continue
            q = by_id[qid]
            if q.scale:
                try:
                    score = _score(value)
                except ValueError:
                    plan.errors.append(
                        RowError(
                            filename,
                            number,
                            header,
                            f"{value!r} is not a number from {q.scale_min} to {q.scale_max}.",
                        )
                    )
                    continue
                if score not in q.scale:
                    plan.errors.append(
                        RowError(
                            filename,
                            number,
                            header,
                            f"{score} is outside {q.scale_min}-{q.scale_max}.",
                        )
                    )
                    continue
                answers[qid] = {"score": score, "text": "", "choices": []}
            elif q.kind in (QuestionKind.SINGLE, QuestionKind.MULTI):
                picked = [v.strip() for v in re.split(r";", value) if v.strip()]
                entry = answers.setdefault(qid, {"score": None, "text": "", "choices": []})
                entry["choices"] += picked
            else:
                answers[qid] = {"score": None, "text": value[:5000], "choices": []}
        person = people.get(row.get(email_col, "").lower()) if email_col else None
        plan.rows.append(
            {
                "external_id": ext[:100],
                "submitted_on": submitted,
                "answers": answers,
                "person": person,
            }
        )
    return plan


@transaction.atomic
def responses_import_apply(*, plan: ImportPlan) -> str:
    if plan.errors:
        raise ValidationError(
            "The file has errors: nothing was imported. Fix them and preview again."
        )
    survey = plan.survey
    anonymous = survey.anonymity == Anonymity.ANONYMOUS
    created = 0
    for row in plan.rows:
        if survey.responses.filter(external_id=row["external_id"]).exists():
            continue
        person = None if anonymous else row["person"]
        response = Response.objects.create(
            survey=survey,
            person=person,
            unit=person.unit if person else None,
            job_title=person.title if person else "",
            submitted_on=row["submitted_on"],
            source=plan.fmt,
            external_id=row["external_id"],
        )
        Answer.objects.bulk_create(
            [Answer(response=response, question_id=q, **v) for q, v in row["answers"].items()]
        )
        created += 1
    if survey.imported_from != plan.fmt:
        survey.imported_from = plan.fmt
        survey.save(update_fields=["imported_from", "updated_at"])
    skipped = f", {plan.duplicates} already imported" if plan.duplicates else ""
    return f"{created} responses imported from {plan.file}{skipped}."
