"""Streamers read their channels' chat messages in the admin (live/streamers.py)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "streamers"


def grant(apps, schema_editor):
    config = apps.get_app_config("live")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=GROUP_NAME).first()
    if group is not None:
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="live", codename="view_chatmessage")
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=GROUP_NAME).first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="live", codename="view_chatmessage")
        )


class Migration(migrations.Migration):
    dependencies = [("live", "0004_chat")]

    operations = [migrations.RunPython(grant, revoke)]
