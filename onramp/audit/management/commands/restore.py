"""`onramp restore FILE`: restore a backup made by `onramp backup` into an empty database."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onramp.audit.backup import BackupError, backup_restore, migration_differences


class Command(BaseCommand):
    help = (
        "Restore a backup made by `onramp backup` into this database (which must be empty "
        "unless --force) and its uploaded files into the uploads folder. Stop the server and "
        "workers first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="A backup written by `onramp backup`.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Restore even if the database holds data: everything in it is replaced.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = backup_restore(path=options["file"], force=options["force"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {options['file']} (made {manifest.created_at} by Onramp "
                f"{manifest.onramp_version}): {manifest.database} database and "
                f"{len(manifest.media_files)} uploaded files."
            )
        )
        differences = migration_differences(manifest)
        if differences["pending"]:
            self.stdout.write(
                f"This version of Onramp has {len(differences['pending'])} migrations the backup "
                "lacks: run `onramp migrate` now."
            )
        if differences["unknown"]:
            self.stdout.write(
                self.style.WARNING(
                    f"The backup comes from a newer Onramp ({len(differences['unknown'])} "
                    "migrations unknown here): upgrade Onramp before you start it."
                )
            )
