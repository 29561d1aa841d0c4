"""One-file backups: the database and the uploaded files, with a manifest.

A backup is a .tar.gz holding
    manifest.json        format, database kind, Onramp version, migrations applied, created at,
                         and the SHA-256 of every other member
    database.sqlite3     SQLite: a consistent copy made with SQLite's online backup API, safe
                         while the app and workers write (WAL)
    database.pgdump      PostgreSQL: `pg_dump --format=custom`, one consistent snapshot
    media/...            every file under MEDIA_ROOT (uploads)

A backup restores into a database of the same kind, and only into an empty one (no Onramp
record in it) unless forced: restoring over live data is almost always a mistake.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from onramp.core.digest import file_sha256

FORMAT = "onramp-backup/1"
MANIFEST = "manifest.json"
MEDIA_PREFIX = "media/"
DUMP_NAMES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


class BackupError(Exception):
    """A backup cannot be made or restored; the message says why and what to do."""


@dataclass
class Manifest:
    format: str
    database: str
    onramp_version: str
    created_at: str
    migrations: dict[str, list[str]]
    files: dict[str, str] = field(default_factory=dict)  # member name -> sha256

    @property
    def media_files(self) -> list[str]:
        return sorted(n for n in self.files if n.startswith(MEDIA_PREFIX))


def onramp_version() -> str:
    try:
        return version("onramp")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "unknown"


def _connection(alias: str = DEFAULT_DB_ALIAS) -> BaseDatabaseWrapper:
    connection = connections[alias]
    if connection.vendor not in DUMP_NAMES:
        raise BackupError(
            f"Backups support SQLite and PostgreSQL; this database is {connection.vendor}."
        )
    return connection


def applied_migrations(connection: BaseDatabaseWrapper) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def _pg_env(connection: BaseDatabaseWrapper) -> tuple[list[str], dict[str, str]]:
    s = connection.settings_dict
    args = ["--dbname", s["NAME"]]
    if s.get("HOST"):
        args += ["--host", str(s["HOST"])]
    if s.get("PORT"):
        args += ["--port", str(s["PORT"])]
    if s.get("USER"):
        args += ["--username", str(s["USER"])]
    env = {**os.environ}
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = str(s["PASSWORD"])
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise BackupError(
            f"{command[0]} is not installed: install PostgreSQL's client tools "
            "(Debian: apt-get install postgresql-client)."
        ) from None
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[:2000]}")


def _dump_database(connection: BaseDatabaseWrapper, target: Path) -> None:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        destination = sqlite3.connect(target)
        try:
            # The online backup API copies a consistent snapshot, page by page, while other
            # connections go on reading and writing.
            connection.connection.backup(destination)
        finally:
            destination.close()
    else:
        args, env = _pg_env(connection)
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                "--file",
                str(target),
                *args,
            ],
            env,
        )


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def backup_create(*, path: Path | str, alias: str = DEFAULT_DB_ALIAS) -> Manifest:
    """Write a backup of the database and the uploaded files to `path` (a .tar.gz)."""
    connection = _connection(alias)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    vendor = connection.vendor
    manifest = Manifest(
        format=FORMAT,
        database=vendor,
        onramp_version=onramp_version(),
        created_at=timezone.now().isoformat(),
        migrations=applied_migrations(connection),
    )
    with tempfile.TemporaryDirectory(prefix="onramp-backup-") as tmp:
        dump = Path(tmp) / DUMP_NAMES[vendor]
        _dump_database(connection, dump)
        manifest.files[DUMP_NAMES[vendor]] = file_sha256(dump)
        media = _media_root()
        media_files = sorted(p for p in media.rglob("*") if p.is_file()) if media.is_dir() else []
        for file in media_files:
            manifest.files[MEDIA_PREFIX + file.relative_to(media).as_posix()] = file_sha256(file)
        partial = path.with_name(path.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            body = json.dumps(asdict(manifest), indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(body)
            info.mtime = int(dt.datetime.now().timestamp())
            archive.addfile(info, io.BytesIO(body))
            archive.add(dump, arcname=DUMP_NAMES[vendor])
            for file in media_files:
                archive.add(file, arcname=MEDIA_PREFIX + file.relative_to(media).as_posix())
        partial.replace(path)  # never leave a half-written file under the final name
    return manifest


def backup_read_manifest(path: Path | str) -> Manifest:
    try:
        with tarfile.open(path, "r:gz") as archive:
            member = archive.extractfile(MANIFEST)
            if member is None:
                raise KeyError(MANIFEST)
            data = json.loads(member.read())
    except FileNotFoundError:
        raise BackupError(f"{path} does not exist.") from None
    except (tarfile.TarError, KeyError, json.JSONDecodeError, OSError):
        raise BackupError(f"{path} is not an Onramp backup (no readable manifest).") from None
    if data.get("format") != FORMAT:
        raise BackupError(
            f"{path} is a backup in format {data.get('format')!r}; expected {FORMAT}."
        )
    return Manifest(**data)


def nonempty_tables(alias: str = DEFAULT_DB_ALIAS) -> list[str]:
    """The tables of Onramp records (and accounts) that hold rows. Tables that `migrate` fills
    on its own (content types, permissions, migrations) do not count."""
    from django.contrib.auth import get_user_model

    from onramp.audit.registration import onramp_models

    connection = _connection(alias)
    existing = set(connection.introspection.table_names())
    models = {get_user_model(), *onramp_models()}
    tables = sorted({m._meta.db_table for m in models} & existing)
    full = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")
            if cursor.fetchone():
                full.append(table)
    return full


def _safe_members(archive: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = []
    for member in archive.getmembers():
        name = member.name
        if (
            name.startswith("/")
            or ".." in Path(name).parts
            or not (member.isfile() or member.isdir())
        ):
            raise BackupError(f"The backup holds an unsafe entry {name!r}: it was not restored.")
        members.append(member)
    return members


def backup_restore(
    *, path: Path | str, force: bool = False, alias: str = DEFAULT_DB_ALIAS
) -> Manifest:
    """Restore a backup into this (empty, unless `force`) database, and its files into
    MEDIA_ROOT. Checks every member against the manifest's checksums before touching anything."""
    manifest = backup_read_manifest(path)
    connection = _connection(alias)
    if manifest.database != connection.vendor:
        raise BackupError(
            f"This backup is of a {manifest.database} database and cannot be restored into "
            f"{connection.vendor}. Restore it into a {manifest.database} database."
        )
    if not force:
        full = nonempty_tables(alias)
        if full:
            raise BackupError(
                "The database is not empty: records are already in "
                + ", ".join(full[:5])
                + (f" and {len(full) - 5} more tables" if len(full) > 5 else "")
                + ". Restore into an empty database (a new one, after `onramp migrate`), or "
                "pass --force to replace everything in it."
            )
    with tempfile.TemporaryDirectory(prefix="onramp-restore-") as tmp:
        root = Path(tmp)
        with tarfile.open(path, "r:gz") as archive:
            archive.extractall(root, members=_safe_members(archive), filter="data")
        for name, expected in manifest.files.items():
            member = root / name
            if not member.is_file() or file_sha256(member) != expected:
                raise BackupError(
                    f"{name} in the backup is missing or damaged (checksum mismatch): nothing "
                    "was restored. Use another backup."
                )
        _load_database(connection, root / DUMP_NAMES[manifest.database])
        media = _media_root()
        for name in manifest.media_files:
            target = media / name[len(MEDIA_PREFIX) :]
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(root / name, target)
    return manifest


def _load_database(connection: BaseDatabaseWrapper, dump: Path) -> None:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(dump)
        try:
            # Copies every page into the live database, schema included, under its lock.
            source.backup(connection.connection)
        finally:
            source.close()
    else:
        args, env = _pg_env(connection)
        connection.close()  # pg_restore drops tables: hold no lock on them
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                *args,
                str(dump),
            ],
            env,
        )


def migration_differences(manifest: Manifest, alias: str = DEFAULT_DB_ALIAS) -> dict[str, Any]:
    """Migrations the backup has that this code lacks (it came from a newer Onramp), and those
    this code has that the backup lacks (run `onramp migrate` after restoring)."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    in_code = {f"{app}.{name}" for app, name in loader.disk_migrations}
    in_backup = {f"{app}.{name}" for app, names in manifest.migrations.items() for name in names}
    return {"unknown": sorted(in_backup - in_code), "pending": sorted(in_code - in_backup)}
