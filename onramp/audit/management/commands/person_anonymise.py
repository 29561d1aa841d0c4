"""`onramp person-anonymise EMPLOYEE_ID`: anonymise a person who left."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onramp.audit.context import audit_source
from onramp.audit.privacy import person_anonymise
from onramp.org.models import Person


class Command(BaseCommand):
    help = (
        "Replace a person's name, email, employee id, title and location by a stable pseudonym, "
        "here and in the audit trail. Their row stays, so aggregates do not change. Cannot be "
        "undone."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("employee_id", help="The person's employee id, as the HRIS gives it.")
        parser.add_argument("--no-input", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args: Any, **options: Any) -> None:
        person = Person.objects.filter(employee_id=options["employee_id"]).first()
        if person is None:
            raise CommandError(
                f"No person has the employee id {options['employee_id']!r}: check it on their "
                "page in Onramp (People)."
            )
        if not options["no_input"]:
            answer = input(
                f"Anonymise {person.name} ({person.employee_id})? This cannot be undone. [y/N] "
            )
            if answer.strip().lower() not in ("y", "yes"):
                raise CommandError("Nothing was changed.")
        old_name = person.name
        try:
            with audit_source("cli"):
                person_anonymise(person=person)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"{old_name} is now {person.name}."))
