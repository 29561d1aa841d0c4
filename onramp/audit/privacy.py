"""A person's data: everything Onramp holds about them, as JSON, and anonymisation when they
leave.

Other apps add their own data through a module `onramp/<app>/privacy.py` (found by name, so no
app imports this one) that may define:

    def person_export(person) -> dict | list | None:
        '''What this app holds about `person`, as JSON-ready values.'''

    def person_anonymise(person, *, pseudonym: str) -> None:
        '''Remove what identifies `person` in this app's tables; keep rows that aggregates
        need (e.g. an anonymous survey response stays, its link to the person goes).'''

Both run inside the export or the anonymisation (same transaction for the latter).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import json
import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from auditlog.models import LogEntry
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.forms.models import model_to_dict
from django.utils import timezone

from onramp.audit import selectors
from onramp.org.models import Person
from onramp.org.services import person_update

REMOVED = "[removed]"
EXPORT_FORMAT = "onramp.person-export/1"


def _hooks(name: str) -> list[tuple[str, Callable[..., Any]]]:
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("onramp.") or config.name == "onramp.audit":
            continue
        try:
            module = importlib.import_module(f"{config.name}.privacy")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.privacy":
                raise
            continue
        hook = getattr(module, name, None)
        if callable(hook):
            found.append((config.label, hook))
    return found


def person_linked_user(person: Person) -> Any:
    """The account signed in with the person's email, if there is one (and only one)."""
    if not person.email:
        return None
    users = list(get_user_model().objects.filter(email__iexact=person.email)[:2])
    return users[0] if len(users) == 1 else None


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return {"id": value.pk, "label": str(value)}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _row(instance: models.Model, exclude: Iterable[str] = ()) -> dict[str, Any]:
    data = model_to_dict(instance, exclude=list(exclude))
    for field in instance._meta.concrete_fields:  # model_to_dict skips non-editable fields
        if field.name not in data and field.name not in exclude:
            data[field.name] = getattr(instance, field.attname)
    return {key: _jsonable(value) for key, value in data.items()}


def _entry_json(entry: LogEntry) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "when": entry.timestamp.isoformat(),
        "action": selectors.ACTIONS.get(entry.action, str(entry.action)),
        "record_type": entry.content_type.model if entry.content_type_id else "",
        "record_id": entry.object_pk,
        "record": entry.object_repr,
        "by": selectors.entry_actor(entry),
        "source": selectors.entry_source(entry),
        "changes": [
            {"field": c.field, "old": c.old, "new": c.new} for c in selectors.entry_changes(entry)
        ],
    }


def person_export_data(*, person: Person) -> dict[str, Any]:
    """Everything Onramp holds about a person, as JSON-ready values."""
    user = person_linked_user(person)
    about = list(selectors.entries_for_object(Person, person.pk))
    by: list[LogEntry] = []
    if user is not None:
        about += list(selectors.entries_for_object(type(user), user.pk))
        by = list(selectors.entry_list().filter(actor=user))
    data: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "exported_at": timezone.now().isoformat(),
        "person": _row(person),
        "user": _row(user, exclude=["password", "groups", "user_permissions"])
        if user is not None
        else None,
        "audit": {
            "about_them": [_entry_json(e) for e in sorted(about, key=lambda e: e.timestamp)],
            "made_by_them": [_entry_json(e) for e in sorted(by, key=lambda e: e.timestamp)],
        },
        "apps": {},
    }
    if user is not None:
        data["user"]["api_tokens"] = [
            {"name": t.name, "hint": t.hint, "created_at": _jsonable(t.created_at)}
            for t in user.api_tokens.all()
        ]
    for label, hook in _hooks("person_export"):
        data["apps"][label] = _jsonable(hook(person))
    return data


def person_export_json(*, person: Person) -> str:
    return json.dumps(person_export_data(person=person), indent=2, ensure_ascii=False, default=str)


def person_pseudonym(person: Person) -> str:
    """A stable, short pseudonym ("Former employee 7f3a"), longer only if another person has it."""
    digest = hashlib.sha256(f"onramp-person-{person.pk}".encode()).hexdigest()
    for size in (4, 6, 8, 12, 64):
        name = f"Former employee {digest[:size]}"
        if not Person.objects.filter(name=name).exclude(pk=person.pk).exists():
            return name
    return f"Former employee {digest}"  # pragma: no cover - a full SHA-256 collision


def person_is_anonymised(person: Person) -> bool:
    return person.employee_id.startswith("anon-") and person.name.startswith("Former employee ")


def _pattern(targets: dict[str, str]) -> re.Pattern[str]:
    # Whole words only: a short name must not scrub every word it happens to be part of.
    alternatives = sorted(targets, key=len, reverse=True)
    return re.compile(
        r"(?<!\w)(" + "|".join(re.escape(t) for t in alternatives) + r")(?!\w)", re.IGNORECASE
    )


def _scrub(value: Any, pattern: re.Pattern[str], targets: dict[str, str]) -> Any:
    if isinstance(value, str):
        return pattern.sub(lambda m: targets.get(m.group(0).lower(), REMOVED), value)
    if isinstance(value, list):
        return [_scrub(v, pattern, targets) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, pattern, targets) for k, v in value.items()}
    return value


def audit_entries_scrub(*, targets: dict[str, str], user: Any = None) -> int:
    """Replace every whole-word occurrence of the target strings (compared without case) in the
    audit trail's values and record names with their replacement. Returns the entries changed."""
    targets = {k.lower(): v for k, v in targets.items() if k and len(k) >= 2}
    if not targets and user is None:
        return 0
    pattern = _pattern(targets) if targets else None
    condition = Q()
    for target in targets:
        escaped = json.dumps(target)[1:-1]  # how SQLite's JSON text holds non-ASCII
        for form in {target, escaped}:
            condition |= (
                Q(object_repr__icontains=form)
                | Q(changes_as_text__icontains=form)
                | Q(changes_text__icontains=form)
                | Q(data_as_text__icontains=form)
            )
    if user is not None:
        condition |= Q(actor=user)
        if user.email:
            condition |= Q(actor_email__iexact=user.email)
    candidates = LogEntry.objects.annotate(
        changes_as_text=Cast("changes", TextField()),
        data_as_text=Cast("serialized_data", TextField()),
    ).filter(condition)
    changed = 0
    for entry in candidates.iterator():
        before = (
            entry.object_repr,
            entry.changes,
            entry.changes_text,
            entry.serialized_data,
            entry.actor_email,
        )
        if pattern is not None:
            entry.object_repr = _scrub(entry.object_repr, pattern, targets)
            entry.changes = _scrub(entry.changes, pattern, targets)
            entry.changes_text = _scrub(entry.changes_text, pattern, targets)
            entry.serialized_data = _scrub(entry.serialized_data, pattern, targets)
        if user is not None and entry.actor_id == user.pk:
            entry.actor_email = None
        if (
            entry.object_repr,
            entry.changes,
            entry.changes_text,
            entry.serialized_data,
            entry.actor_email,
        ) != before:
            # .update(): saving a LogEntry would not be logged, but update() also keeps its
            # timestamp and everything else as it was.
            LogEntry.objects.filter(pk=entry.pk).update(
                object_repr=entry.object_repr,
                changes=entry.changes,
                changes_text=entry.changes_text,
                serialized_data=entry.serialized_data,
                actor_email=entry.actor_email,
            )
            changed += 1
    return changed


@transaction.atomic
def person_anonymise(*, person: Person, by: Any = None) -> Person:
    """Remove what identifies a person who left: name, email, employee id, title and location
    give way to a stable pseudonym; the row stays (with its unit, manager and dates), so
    aggregates and anonymous survey results do not change. The account signed in with their
    email is deactivated and stripped the same way, and the audit trail is scrubbed of their
    name, email and identifiers."""
    if person_is_anonymised(person):
        raise ValueError(f"{person.name} is already anonymised: there is nothing left to remove.")
    user = person_linked_user(person)
    if by is not None and user is not None and user.pk == getattr(by, "pk", None):
        raise ValueError(
            "You cannot anonymise yourself: ask another PMO admin to do it once you have left."
        )
    pseudonym = person_pseudonym(person)
    digest = hashlib.sha256(f"onramp-person-{person.pk}".encode()).hexdigest()
    targets = {person.name: pseudonym, person.employee_id: REMOVED}
    if person.email:
        targets[person.email] = REMOVED
    for label, hook in _hooks("person_anonymise"):
        hook(person, pseudonym=pseudonym)
        del label
    person_update(
        person=person,
        name=pseudonym,
        email="",
        employee_id=f"anon-{digest[:16]}",
        title="",
        location="",
        active=False,
    )
    if user is not None:
        full_name = user.get_full_name()
        if full_name:
            targets.setdefault(full_name, pseudonym)
        if user.email:
            targets.setdefault(user.email, REMOVED)
        targets.setdefault(user.username, REMOVED)
        user.username = f"former-{digest[:12]}"
        user.first_name = "Former employee"
        user.last_name = digest[:4]
        user.email = ""
        user.is_active = False
        user.set_unusable_password()
        user.full_clean()
        user.save()
        user.api_tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit_entries_scrub(targets=targets, user=user)
    return person
