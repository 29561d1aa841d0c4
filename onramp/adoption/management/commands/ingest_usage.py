"""onramp ingest-usage FILE --service SLUG: roll a usage log up into daily activity."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onramp.adoption.services import usage_ingest
from onramp.adoption.usage_file import ALIASES
from onramp.catalog.models import Service
from onramp.core.cli import progress_bar
from onramp.core.tabular import TableError


class Command(BaseCommand):
    help = (
        "Import a usage log (CSV, JSON Lines or Parquet; columns timestamp, user or project, "
        "action, optional service and count) as daily activity."
    )
    # The system checks load every URL and API module; an import needs only the models.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The usage log: .csv, .jsonl or .parquet.")
        parser.add_argument(
            "--service",
            help="The service's slug. Needed unless the file has a service column.",
        )
        parser.add_argument(
            "--mode",
            choices=["replace", "add"],
            default="replace",
            help="replace (default): the file's days replace what was imported for them; "
            "add: its events are added to them.",
        )
        parser.add_argument(
            "--skip-bad-rows",
            action="store_true",
            help="Leave out rows that cannot be used (counted in the summary) instead of "
            "refusing the file.",
        )
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="FIELD=HEADER",
            help="Read FIELD from the column HEADER (repeatable). Fields: "
            + ", ".join(ALIASES)
            + ".",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path} does not exist or is not a file: give the log's path.")
        service = None
        if options["service"]:
            service = Service.objects.filter(slug=options["service"]).first()
            if service is None:
                raise CommandError(
                    f"No service has the slug {options['service']!r}: see `onramp` services "
                    "in the catalog for the right one."
                )
        columns: dict[str, str] = {}
        for item in options["map"]:
            field, sep, header = item.partition("=")
            if not sep or field.strip() not in ALIASES:
                raise CommandError(
                    f"--map {item!r} is not FIELD=HEADER with FIELD one of {', '.join(ALIASES)}."
                )
            columns[field.strip()] = header.strip()
        started = time.perf_counter()
        with progress_bar(options.get("verbosity", 1) >= 1) as progress:
            try:
                result = usage_ingest(
                    path=path,
                    service=service,
                    mode=options["mode"],
                    skip_bad_rows=options["skip_bad_rows"],
                    columns=columns,
                    progress=progress,
                )
            except TableError as exc:
                for error in exc.errors:
                    self.stderr.write(str(error))
                raise CommandError(
                    "Nothing was imported: fix the rows above, or use --skip-bad-rows."
                ) from None
        elapsed = time.perf_counter() - started
        self.stdout.write(result.summary + f" ({elapsed:.1f} s)")
