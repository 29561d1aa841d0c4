"""What the three import commands share: arguments, a progress bar on stderr, the summary
on stdout, and exit code 1 with every error listed when the file has any."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onramp.core.cli import progress_bar
from onramp.core.tabular import TableError, read_table
from onramp.org import importers


class ImportCommand(BaseCommand):
    kind = "people"
    # The system checks load every URL and API module; an import needs only the models, and
    # starts about a second sooner without them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV (UTF-8) or XLSX file with a header row.")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="FIELD=HEADER",
            help="Read FIELD from the column HEADER (repeatable). Fields: "
            + ", ".join(s.name for s in importers.field_specs(self.kind))
            + ". An empty HEADER leaves the field out.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Validate and count, but write nothing."
        )
        if self.kind == "people":
            parser.add_argument(
                "--deactivate-missing",
                action="store_true",
                help="Mark people who are not in the file as inactive (nobody is deleted).",
            )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path} does not exist or is not a file: give the export's path.")
        try:
            mapping = importers.parse_map_options(options["map"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        started = time.perf_counter()
        with progress_bar(options.get("verbosity", 1) >= 1, width=11) as progress:
            progress("parsing", 0, None)
            try:
                table = read_table(path)
            except TableError as exc:
                progress.stop()
                self._fail(exc.errors, "The file cannot be read")
            progress("parsing", len(table.rows), len(table.rows))
            plan = importers.import_preview(
                self.kind,
                table=table,
                mapping=mapping,
                deactivate_missing=bool(options.get("deactivate_missing")),
                progress=progress,
            )
            if plan.errors:
                progress.stop()
                self._fail(plan.errors, f"{path.name} has errors")
            self.stdout.write(plan.summary())
            if options["dry_run"]:
                self.stdout.write("Dry run: nothing was written.")
                return
            try:
                result = importers.import_apply(plan=plan, progress=progress)
            except importers.ImportRefused as exc:
                progress.stop()
                self._fail(exc.errors, "The import was refused")
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(str(result)) + f" ({elapsed:.1f} s)")

    def _fail(self, errors: list[Any], what: str) -> None:
        for error in errors:
            self.stderr.write(str(error))
        raise CommandError(
            f"{what}: {len(errors)} error(s), listed above. Nothing was written; correct the "
            "file (or the --map options) and run the command again."
        )
