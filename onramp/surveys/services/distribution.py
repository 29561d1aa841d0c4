"""Distribution: who is invited, their personal links, reminders, and recurring rounds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from onramp.core.chat import personal_chat_channels
from onramp.core.outbox import outbox_enqueue
from onramp.org.models import Person
from onramp.org.selectors import people_in_units
from onramp.surveys.models import (
    Delivery,
    Invitation,
    Recurrence,
    Survey,
    SurveyStatus,
    hash_survey_token,
)
from onramp.surveys.services.building import SurveyError, questions_copy


@dataclass
class DistributionResult:
    invited: int
    already_invited: int
    skipped_recent: int  # invited to another survey within the minimum gap
    skipped_no_email: int
    channel: str = Delivery.EMAIL  # how the invitations went out
    chosen: str = Delivery.EMAIL  # the survey's choice (differs when that channel is off)

    def summary(self) -> str:
        parts = [f"{self.invited} invited" + _by(self.channel)]
        if self.already_invited:
            parts.append(f"{self.already_invited} already invited")
        if self.skipped_recent:
            parts.append(
                f"{self.skipped_recent} skipped: invited to a survey in the last {min_gap_days()} days"
            )
        if self.skipped_no_email:
            parts.append(f"{self.skipped_no_email} skipped: no email address")
        text = "; ".join(parts) + "."
        if self.channel != self.chosen:
            text += (
                f" {Delivery(self.chosen).label} is not configured any more, so invitations "
                "went by email: choose email in the survey's settings, or ask a PMO admin."
            )
        return text


def _by(channel: str) -> str:
    return "" if channel == Delivery.EMAIL else f" by {Delivery(channel).label}"


def survey_channel(survey: Survey) -> str:
    """The outbox channel of the survey's invitations and reminders: its choice, or email when
    that chat channel is not configured (any more). People are found by their email address in
    every channel."""
    if survey.delivery in personal_chat_channels():
        return survey.delivery
    return Delivery.EMAIL


def min_gap_days() -> int:
    return int(settings.ONRAMP.get("SURVEY_MIN_GAP_DAYS", 7))


def survey_link(raw_token: str) -> str:
    return settings.ONRAMP.get("BASE_URL", "http://127.0.0.1:8000").rstrip("/") + reverse(
        "survey_respond", args=[raw_token]
    )


def audience(
    *,
    survey: Survey,
    rollout: bool = False,
    wave: bool = False,
    unit_ids: Iterable[int] | None = None,
    title_contains: str = "",
    identifiers: Iterable[str] = (),
) -> set[int]:
    """Resolve a distribution scope to person ids. Several parts add up."""
    ids: set[int] = set()
    if rollout or wave:
        from onramp.rollout.selectors import rollout_people, wave_people_ids

        if wave:
            if survey.wave is None:
                raise SurveyError(
                    "This survey is not tied to a wave: choose the wave in its settings."
                )
            ids |= wave_people_ids(survey.wave)
        if rollout:
            if survey.rollout is None:
                raise SurveyError(
                    "This survey is not tied to a rollout: choose it in its settings."
                )
            ids |= set(rollout_people(survey.rollout).values_list("id", flat=True))
    unit_ids = list(unit_ids or [])
    if unit_ids or title_contains:
        qs = people_in_units(unit_ids or None)
        if title_contains:
            qs = qs.filter(title__icontains=title_contains)
        ids |= set(qs.values_list("id", flat=True))
    wanted = [i.strip() for i in identifiers if i.strip()]
    if wanted:
        found = (
            Person.objects.filter(active=True)
            .annotate(email_lower=Lower("email"))
            .filter(Q(employee_id__in=wanted) | Q(email_lower__in=[w.lower() for w in wanted]))
        )
        known = {p.employee_id for p in found} | {p.email.lower() for p in found}
        missing = [w for w in wanted if w not in known and w.lower() not in known]
        if missing:
            raise SurveyError(
                f"Nobody active has the employee id or email {', '.join(missing[:10])}"
                + (" (and more)" if len(missing) > 10 else "")
                + ". Fix the list and try again."
            )
        ids |= {p.id for p in found}
    return ids


def _message(survey: Survey, person: Person, link: str, *, reminder: bool) -> tuple[str, str]:
    closes = f" It closes on {survey.closes_on:%d %B %Y}." if survey.closes_on else ""
    anonymity = {
        "anonymous": "Your answers are anonymous: they are never linked to you, and results are only shown for groups of "
        f"{survey.min_group} or more.",
        "confidential": "Your answers are confidential: only the PMO admins can see who answered what.",
        "identified": "Your answers are identified: the service team will see your name with them.",
    }[survey.anonymity]
    subject = ("Reminder: " if reminder else "") + f"{survey.title} ({survey.service.name})"
    body = (
        f"Hello {person.name.split(' ')[0]},\n\n"
        f"{'A reminder: we would still like to hear from you. ' if reminder else ''}"
        f"Please tell us how {survey.service.name} works for you. It takes a few minutes.{closes}\n\n"
        f"{link}\n\nThis link is personal: please do not forward it. {anonymity}\n"
    )
    return subject, body


@transaction.atomic
def survey_distribute(
    *, survey: Survey, person_ids: Iterable[int], today: dt.date | None = None
) -> DistributionResult:
    """Invite people: one personal link each (192 random bits; only the hash is kept), sent
    through the outbox. People invited to any survey within the minimum gap are skipped."""
    if survey.status == SurveyStatus.CLOSED:
        raise SurveyError("This survey is closed: open a new round to invite people.")
    if not survey.questions.exists():
        raise SurveyError("Add questions before inviting anyone.")
    today = today or timezone.localdate()
    wanted = set(person_ids)
    already = set(
        survey.invitations.filter(person_id__in=wanted).values_list("person_id", flat=True)
    )
    candidates = wanted - already
    gap_start = today - dt.timedelta(days=min_gap_days() - 1)
    recent = set(
        Invitation.objects.filter(person_id__in=candidates, invited_on__gte=gap_start)
        .exclude(survey=survey)
        .values_list("person_id", flat=True)
    )
    people = Person.objects.filter(pk__in=candidates - recent, active=True).exclude(email="")
    no_email = len(candidates - recent) - people.count()
    channel = survey_channel(survey)
    invited = 0
    for person in people.iterator():
        raw = Invitation.new_token()
        invitation = Invitation.objects.create(
            survey=survey,
            person=person,
            token_hash=hash_survey_token(raw),
            invited_on=today,
            sent_at=timezone.now(),
        )
        subject, body = _message(survey, person, survey_link(raw), reminder=False)
        outbox_enqueue(
            key=f"survey:{survey.pk}:invite:{invitation.pk}",
            recipient=person.email,
            subject=subject,
            body=body,
            channel=channel,
        )
        invited += 1
    if invited:
        from onramp.surveys.services.responding import survey_shape_forget

        survey_shape_forget(survey.pk)
    if survey.status == SurveyStatus.DRAFT and invited:
        from onramp.surveys.services.building import survey_open

        survey_open(survey=survey, today=today)
    _schedule_delivery()
    return DistributionResult(
        invited, len(already), len(recent), no_email, channel=channel, chosen=survey.delivery
    )


def _schedule_delivery() -> None:
    from onramp.core.outbox import outbox_deliver_task

    transaction.on_commit(lambda: outbox_deliver_task.enqueue())


@transaction.atomic
def survey_remind(*, survey: Survey) -> int:
    """Remind those who have not answered. A reminder carries a fresh link (the old one is
    replaced: only hashes are kept, so the raw token cannot be sent again)."""
    if survey.status != SurveyStatus.OPEN:
        raise SurveyError("Only an open survey can send reminders.")
    count = 0
    now = timezone.now()
    channel = survey_channel(survey)
    for invitation in survey.invitations.filter(responded=False).select_related("person"):
        raw = Invitation.new_token()
        invitation.token_hash = hash_survey_token(raw)
        invitation.reminders_sent += 1
        invitation.last_reminded_at = now
        invitation.save(update_fields=["token_hash", "reminders_sent", "last_reminded_at"])
        subject, body = _message(survey, invitation.person, survey_link(raw), reminder=True)
        outbox_enqueue(
            key=f"survey:{survey.pk}:remind:{invitation.pk}:{invitation.reminders_sent}",
            recipient=invitation.person.email,
            subject=subject,
            body=body,
            channel=channel,
        )
        count += 1
    _schedule_delivery()
    return count


def _add_months(day: dt.date, months: int) -> dt.date:
    import calendar

    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@transaction.atomic
def survey_rounds_create(*, today: dt.date | None = None) -> list[Survey]:
    """For each recurring survey series, create the round of every period that has begun (one
    per period, anchored to the first round's start, e.g. a wave's go-live), copying its
    questions and inviting the same audience as the previous round. Idempotent."""
    today = today or timezone.localdate()
    step = {Recurrence.MONTHLY: 1, Recurrence.QUARTERLY: 3}
    created: list[Survey] = []
    for first in Survey.objects.filter(series__isnull=True).exclude(recurrence=Recurrence.NONE):
        anchor = first.period_start or first.opens_on
        if anchor is None:
            continue
        rounds = {first.round_number: first, **{s.round_number: s for s in first.rounds.all()}}
        number = max(rounds)
        while True:
            start = _add_months(anchor, step[first.recurrence] * number)
            if start > today:
                break
            number += 1
            previous = rounds[number - 1]
            new = _copy_round(first, previous, number, start)
            rounds[number] = new
            created.append(new)
    return created


def _copy_round(first: Survey, previous: Survey, number: int, start: dt.date) -> Survey:
    length = (
        (previous.closes_on - previous.opens_on)
        if previous.closes_on and previous.opens_on
        else None
    )
    new = Survey.objects.create(
        service=first.service,
        rollout=first.rollout,
        wave=first.wave,
        title=f"{first.title} — round {number}",
        intro=first.intro,
        anonymity=first.anonymity,
        min_group=first.min_group,
        min_comments=first.min_comments,
        recurrence=first.recurrence,
        delivery=first.delivery,
        series=first,
        round_number=number,
        period_start=start,
        opens_on=start,
        closes_on=start + length if length else None,
        created_by=first.created_by,
    )
    questions_copy(source=first, target=new)
    if previous.status != SurveyStatus.DRAFT:
        previous.status = SurveyStatus.CLOSED
        previous.save(update_fields=["status", "updated_at"])
    person_ids = list(previous.invitations.values_list("person_id", flat=True))
    if person_ids:
        survey_distribute(survey=new, person_ids=person_ids, today=start)
    return new
