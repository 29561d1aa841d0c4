from __future__ import annotations

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    # With ONRAMP_CACHE=database the rate-limit counters live in a table that Django's
    # `createcachetable` makes; doing it here means `onramp migrate` is the only deploy step.
    # A no-op with the in-memory cache.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
