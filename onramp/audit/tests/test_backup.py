"""Backup and restore round trips. They run on the database the suite runs on: SQLite by
default, PostgreSQL when DATABASE_URL points at one (CI runs both)."""

from __future__ import annotations

import datetime as dt
import io
import json
import tarfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from onramp.audit.backup import MANIFEST, backup_read_manifest
from onramp.catalog.services import service_update, service_version_add

pytestmark = pytest.mark.django_db(transaction=True)


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order."""
    tables = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names()):
            name = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {name}")
            columns = [c[0] for c in cursor.description]
            rows = [tuple(repr(v) for v in row) for row in cursor.fetchall()]
            tables[table] = (columns, sorted(rows))
    return tables


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    root = Path(settings.MEDIA_ROOT)
    (root / "stories" / "2026").mkdir(parents=True)
    (root / "stories" / "2026" / "photo.png").write_bytes(bytes(range(256)) * 40)
    (root / "import.csv").write_text("employee_id,name\nE1,Zoë Ünïcode\n", encoding="utf-8")
    return root


@pytest.fixture
def data(small_org, service, other_service):
    service_update(service=service, summary="Before the backup — with ünïcode.")
    service_version_add(service=service, version="1.0", released_on=dt.date(2026, 1, 2))
    return small_org


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _wipe(media_root: Path) -> None:
    call_command("flush", "--no-input", verbosity=0)
    for path in sorted(media_root.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()


def test_a_backup_restores_into_an_empty_database_without_losing_anything(data, media, tmp_path):
    before = snapshot()
    files_before = _files(media)
    archive = tmp_path / "backups" / "onramp.tar.gz"

    call_command("backup", str(archive), verbosity=0)
    manifest = backup_read_manifest(archive)
    assert manifest.database == connection.vendor
    assert manifest.migrations["org"]
    assert sorted(manifest.media_files) == ["media/import.csv", "media/stories/2026/photo.png"]

    _wipe(media)
    assert snapshot()["org_person"][1] == []

    out = io.StringIO()
    call_command("restore", str(archive), stdout=out)
    assert "Restored" in out.getvalue()
    after = snapshot()
    assert after.keys() == before.keys()
    for table in before:
        assert after[table] == before[table], table
    assert _files(media) == files_before


def test_restore_refuses_a_database_that_holds_data_unless_forced(data, media, tmp_path):
    archive = tmp_path / "onramp.tar.gz"
    call_command("backup", str(archive), verbosity=0)
    before = snapshot()
    with pytest.raises(CommandError, match="The database is not empty"):
        call_command("restore", str(archive))
    assert snapshot() == before

    call_command("restore", str(archive), "--force", stdout=io.StringIO())
    assert snapshot()["org_person"] == before["org_person"]


def _rewrite(archive: Path, target: Path, change) -> None:
    with tarfile.open(archive, "r:gz") as source, tarfile.open(target, "w:gz") as out:
        for member in source.getmembers():
            body = source.extractfile(member).read()
            body = change(member.name, body)
            info = tarfile.TarInfo(member.name)
            info.size = len(body)
            out.addfile(info, io.BytesIO(body))


def test_restore_refuses_a_damaged_backup_and_changes_nothing(data, media, tmp_path):
    archive = tmp_path / "onramp.tar.gz"
    call_command("backup", str(archive), verbosity=0)
    damaged = tmp_path / "damaged.tar.gz"
    _rewrite(
        archive,
        damaged,
        lambda name, body: body[:-1] + b"X" if name == "media/import.csv" else body,
    )
    _wipe(media)
    with pytest.raises(CommandError, match="missing or damaged"):
        call_command("restore", str(damaged))
    assert _files(media) == {}
    assert snapshot()["catalog_service"][1] == []


def test_restore_refuses_a_backup_of_another_kind_of_database(data, tmp_path, media):
    archive = tmp_path / "onramp.tar.gz"
    call_command("backup", str(archive), verbosity=0)
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"

    def swap_kind(name: str, body: bytes) -> bytes:
        if name != MANIFEST:
            return body
        manifest = json.loads(body)
        manifest["database"] = other
        return json.dumps(manifest).encode()

    foreign = tmp_path / "foreign.tar.gz"
    _rewrite(archive, foreign, swap_kind)
    with pytest.raises(CommandError, match=f"backup is of a {other} database"):
        call_command("restore", str(foreign), "--force")


def test_restore_says_when_a_file_is_not_a_backup(tmp_path):
    bogus = tmp_path / "notes.tar.gz"
    bogus.write_bytes(b"not a tarball")
    with pytest.raises(CommandError, match="is not an Onramp backup"):
        call_command("restore", str(bogus))
    with pytest.raises(CommandError, match="does not exist"):
        call_command("restore", str(tmp_path / "missing.tar.gz"))
