"""Create the database cache's table, so that `migrate` alone readies a new database.

The rate limits count in the cache (config/ratelimit.py); without its table every sign-in
fails with a 500. `createcachetable` makes the table of each database cache in CACHES, only
if it is missing, and nothing when the cache is Redis.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_user_password_changed_at"),
    ]

    operations = [
        # Nothing to undo: the table holds only counters that expire within minutes, and
        # it stays valid for a database migrated back and forth.
        migrations.RunPython(create_cache_table, migrations.RunPython.noop, elidable=False),
    ]
