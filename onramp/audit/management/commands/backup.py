"""`onramp backup FILE`: a consistent backup of the database and the uploaded files."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onramp.audit.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Write a backup (a .tar.gz: database, uploaded files, manifest) to FILE. Safe while "
        "Onramp and its workers run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Where to write the backup, e.g. onramp-2026-01-31.tar.gz")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = backup_create(path=options["file"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {options['file']}: {manifest.database} database, "
                f"{len(manifest.media_files)} uploaded files, Onramp {manifest.onramp_version}."
            )
        )
