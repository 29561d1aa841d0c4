"""`onramp person-export EMPLOYEE_ID`: everything Onramp holds about a person, as JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onramp.audit.privacy import person_export_json
from onramp.org.models import Person


class Command(BaseCommand):
    help = "Print (or write to --output) everything Onramp holds about a person, as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("employee_id", help="The person's employee id, as the HRIS gives it.")
        parser.add_argument("--output", "-o", help="Write the JSON to this file instead.")

    def handle(self, *args: Any, **options: Any) -> None:
        person = Person.objects.filter(employee_id=options["employee_id"]).first()
        if person is None:
            raise CommandError(
                f"No person has the employee id {options['employee_id']!r}: check it on their "
                "page in Onramp (People)."
            )
        text = person_export_json(person=person)
        if options["output"]:
            Path(options["output"]).write_text(text + "\n", encoding="utf-8")
            self.stderr.write(f"Wrote the data held about {person.name} to {options['output']}.")
        else:
            self.stdout.write(text)
