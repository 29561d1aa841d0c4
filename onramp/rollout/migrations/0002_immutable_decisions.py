"""Gate decisions and evaluations are evidence: the database itself refuses to update them."""

from __future__ import annotations

from django.db import migrations

TABLES = ("rollout_gatedecision", "rollout_gateevaluation")


def create_guards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "sqlite":
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} rows cannot be changed: add a new one'); END;"
            )
        elif vendor == "postgresql":
            schema_editor.execute(
                f"CREATE OR REPLACE FUNCTION {table}_refuse_update() RETURNS trigger AS $$ "
                # restrict_violation (23001): an integrity error, as SQLite's RAISE(ABORT) is.
                f"BEGIN RAISE EXCEPTION '{table} rows cannot be changed: add a new one' "
                "USING ERRCODE = 'restrict_violation'; END; "
                "$$ LANGUAGE plpgsql;"
            )
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_refuse_update();"
            )


def drop_guards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor in ("sqlite", "postgresql"):
            on = f" ON {table}" if vendor == "postgresql" else ""
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update{on};")
        if vendor == "postgresql":
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {table}_refuse_update();")


class Migration(migrations.Migration):
    dependencies = [("rollout", "0001_initial")]
    operations = [migrations.RunPython(create_guards, drop_guards)]
