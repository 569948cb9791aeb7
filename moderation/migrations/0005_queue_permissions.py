"""Site moderators work the review queue; streamers read their channels' flags and keep their
channels' blocked terms (moderation/roles.py, live/streamers.py)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# As the roles' permission lists said when this migration was written (migrations are frozen).
MODERATORS = (
    "view_flag",
    "change_flag",
    "view_report",
    "view_decision",
    "view_policyrule",
    "add_blockedterm",
    "change_blockedterm",
    "delete_blockedterm",
    "view_blockedterm",
)
STREAMERS = (
    "view_flag",
    "add_blockedterm",
    "change_blockedterm",
    "delete_blockedterm",
    "view_blockedterm",
)


def _grant(apps, group_name, codenames, add):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=group_name).first()
    if group is None:
        return
    permissions = Permission.objects.filter(
        content_type__app_label="moderation", codename__in=codenames
    )
    (group.permissions.add if add else group.permissions.remove)(*permissions)


def grant(apps, schema_editor):
    config = apps.get_app_config("moderation")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    _grant(apps, "moderators", MODERATORS, True)
    _grant(apps, "streamers", STREAMERS, True)


def revoke(apps, schema_editor):
    _grant(apps, "moderators", MODERATORS, False)
    _grant(apps, "streamers", STREAMERS, False)


class Migration(migrations.Migration):
    dependencies = [("moderation", "0004_default_policy"), ("live", "0006_end_reason_moderation")]

    operations = [migrations.RunPython(grant, revoke)]
